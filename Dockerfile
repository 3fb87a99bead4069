FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Production settings (DEBUG off) need secrets even to build: throwaway ones, never kept in the image.
RUN export DEBUG=0 SECRET_KEY=build FIELD_ENCRYPTION_KEYS=ZGV2LW9ubHktaW5zZWN1cmUtZmVybmV0LWtleS0wMDA= SHOPEE_PARTNER_KEY=build \
 && python manage.py compile_translations \
 && python manage.py collectstatic --noinput
RUN useradd --create-home tmschat && chown -R tmschat /app
USER tmschat
CMD ["gunicorn", "tmschat.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30"]
