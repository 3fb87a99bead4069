FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# SELLERCENTRE_SIGNING=page (what .env.example ships) makes Seller Centre's chat calls from inside
# its page in Debian's headless Chromium, in web (the chat login) and worker processes alike; the
# CJK fonts let that page render Chinese.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Production settings (DEBUG off) need secrets even to build: throwaway ones, never kept in the image.
RUN export DEBUG=0 SECRET_KEY=build FIELD_ENCRYPTION_KEYS=ZGV2LW9ubHktaW5zZWN1cmUtZmVybmV0LWtleS0wMDA= SHOPEE_PARTNER_KEY=build \
 && python manage.py compile_translations \
 && python manage.py collectstatic --noinput
# /app/shared is where the compose `shared` volume is mounted: a new volume takes its owner from here.
RUN useradd --create-home tmschat && mkdir -p /app/shared && chown -R tmschat /app
USER tmschat
CMD ["gunicorn", "tmschat.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30"]
