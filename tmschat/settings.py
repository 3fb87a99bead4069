"""Settings from the environment (django-environ); `.env.example` lists every variable.

With nothing set, the product runs on embedded defaults: SQLite (WAL) in var/ and a Celery
broker on the filesystem, so a newcomer needs no servers. DATABASE_URL / CELERY_BROKER_URL /
REDIS_URL switch the same code to PostgreSQL and Redis.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from telemetry import logs

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("TMSCHAT_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

# Off unless asked for: `make run` and the tests set DEBUG=1, production never has to remember to.
DEBUG = env.bool("DEBUG", default=False)


def _secret(name: str, dev_default: str) -> str:
    """Production (DEBUG off) refuses to start without the real secret."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"{name} must be set when DEBUG is off")


SECRET_KEY = _secret("SECRET_KEY", "dev-only-insecure-secret-key-tmschat")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Where Shopee sends sellers back to and pushes to; must be reachable from Shopee in production.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "tmschat.admin_site.AdminConfig",  # django.contrib.admin on our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_celery_beat",
    "tmschat",
    "accounts",
    "orders",
    "book",
    "chat",
    "outbox",
    "notifications",
    "inbox",
    "reports",
    # Operations (issue 14): sign-in throttling, audit, structured logs
    "tmschat.apps.AxesConfig",  # django-axes
    "auditlog",
    "django_structlog",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tmschat.middleware.ContentSecurityPolicyMiddleware",
    "tmschat.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tmschat.middleware.StaffRequiredMiddleware",
    "tmschat.middleware.NullCharacterMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Operations (issue 14): request id in every log line, who made each change, sign-in lockout
    "tmschat.middleware.SessionIdleMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
    "tmschat.middleware.LivePresenceMiddleware",
]

ROOT_URLCONF = "tmschat.urls"
# A selection of a few thousand orders is posted as one field per order (Django allows 1,000).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000
WSGI_APPLICATION = "tmschat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions + a busy timeout let web, worker and beat write at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # The order table's covering indexes are a PostgreSQL speed-up; SQLite just uses the key part.
    # 報表's daily figures are unique per day, shop and person (a person or shop may be empty):
    # PostgreSQL enforces it; on SQLite the roll-up's delete-then-insert of a day in one
    # transaction keeps it, and the check's warning would greet every `make run`.
    SILENCED_SYSTEM_CHECKS = ["models.W040", "models.W047"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A file cache is shared by web, worker and beat processes on one machine.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Taipei"
USE_I18N = True
USE_TZ = True
CURRENCY = "TWD"

# Files one process writes and another serves (a large 匯出Excel: a worker writes it, the web
# serves it). Every web and worker process must reach the same directory: on one machine var/
# does; docker-compose.yml mounts one named volume in each container.
SHARED_DIR = Path(env.str("TMSCHAT_SHARED_DIR", default="") or VAR_DIR)

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# HTTPS only whenever DEBUG is off; each can still be turned off explicitly.
BEHIND_HTTPS_PROXY = env.bool("BEHIND_HTTPS_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_HTTPS_PROXY else None
# How many proxies in front of gunicorn append to X-Forwarded-For (the TLS proxy: 1). The client's
# address is read that many entries from the right (tmschat.auth.client_address); 0: the
# connection's own address. Too high, and a client could choose the address its sign-ins count as.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if BEHIND_HTTPS_PROXY else 0)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes from inside the network speak plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
X_FRAME_OPTIONS = "DENY"

# Shopee tokens are encrypted at rest; the first key encrypts, all keys decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or (
    ["ZGV2LW9ubHktaW5zZWN1cmUtZmVybmV0LWtleS0wMDA="] if DEBUG else []
)
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DEBUG is off")

# Shopee Open Platform. The defaults point at the bundled sandbox; production changes only these.
SHOPEE_BASE_URL = env.str("SHOPEE_BASE_URL", default="http://127.0.0.1:8100").rstrip("/")
SHOPEE_AUTH_PAGE_URL = env.str("SHOPEE_AUTH_PAGE_URL", default=f"{SHOPEE_BASE_URL}/auth")
SHOPEE_AUTH_LINK_STYLE = env.str("SHOPEE_AUTH_LINK_STYLE", default="legacy")  # legacy | open
SHOPEE_PARTNER_ID = int(env.str("SHOPEE_PARTNER_ID", default="") or 2001887)  # default: the sandbox's
SHOPEE_PARTNER_KEY = _secret("SHOPEE_PARTNER_KEY", "shpk-demo-partner-key-not-secret")
# Newer consoles show a separate "Live Push Partner Key"; empty means the partner key signs pushes.
SHOPEE_PUSH_KEY = env.str("SHOPEE_PUSH_KEY", default="") or SHOPEE_PARTNER_KEY
SHOPEE_TIMEOUT_SECONDS = env.float("SHOPEE_TIMEOUT_SECONDS", default=10.0)
# Seller Centre (聊聊登入認證, chat of TW shops; docs/SELLERCENTRE.md). Default: the sandbox.
SELLERCENTRE_MAIN_URL = (env.str("SELLERCENTRE_MAIN_URL", default="") or SHOPEE_BASE_URL).rstrip("/")
SELLERCENTRE_SELLER_URL = (env.str("SELLERCENTRE_SELLER_URL", default="") or SHOPEE_BASE_URL).rstrip("/")
SELLERCENTRE_SIGNING = env.str("SELLERCENTRE_SIGNING", default="none")  # none | page
# Pacing of the session transport, on top of each shop's own rate: one message every 3 s, and at
# most 500 a day per shop (Shopee publishes no limits for its own web chat: be conservative).
SELLERCENTRE_SEND_RATE_PER_SECOND = env.float("SELLERCENTRE_SEND_RATE_PER_SECOND", default=1 / 3)
SELLERCENTRE_DAILY_CAP = env.int("SELLERCENTRE_DAILY_CAP", default=500)
# The beat renews chat sessions older than this (Shopee's session lifetime is not known).
SELLERCENTRE_SESSION_RENEW_HOURS = env.float("SELLERCENTRE_SESSION_RENEW_HOURS", default=24.0)
# Live chat of shops without push (the Seller Centre login; chat.live, `manage.py chat_live`):
# while someone who sees a shop made a request in the last CHAT_LIVE_PRESENCE_SECONDS, Seller
# Centre's cheap signal is asked every CHAT_LIVE_SIGNAL_SECONDS, every CHAT_LIVE_FAST_SECONDS for
# CHAT_LIVE_FAST_FOR_SECONDS after new messages or a reply, and the pull runs when it says so.
# Failures back off up to CHAT_LIVE_BACKOFF_MAX_SECONDS; CHAT_LIVE_THREADS shops are asked at once.
CHAT_LIVE_SIGNAL_SECONDS = env.float("CHAT_LIVE_SIGNAL_SECONDS", default=5.0)
# Shopee's 12-hour reply window (F13): the countdown turns amber, and counts as 即將逾時, this
# many minutes before the deadline.
CHAT_REPLY_WARN_MINUTES = env.int("CHAT_REPLY_WARN_MINUTES", default=120)
CHAT_DEADLINE_POLL_SECONDS = env.int("CHAT_DEADLINE_POLL_SECONDS", default=30)  # the header's count
# The inbox list counts its conversations up to this many and says "over" beyond: counting all
# of a busy range (50,000 conversations in 90 days) would cost a list more than its rows do.
CHAT_LIST_COUNT_MAX = 1000
CHAT_LIVE_FAST_SECONDS = env.float("CHAT_LIVE_FAST_SECONDS", default=1.0)
CHAT_LIVE_FAST_FOR_SECONDS = env.int("CHAT_LIVE_FAST_FOR_SECONDS", default=60)
CHAT_LIVE_PRESENCE_SECONDS = env.int("CHAT_LIVE_PRESENCE_SECONDS", default=300)
CHAT_LIVE_BACKOFF_MAX_SECONDS = env.float("CHAT_LIVE_BACKOFF_MAX_SECONDS", default=60.0)
CHAT_LIVE_THREADS = env.int("CHAT_LIVE_THREADS", default=16)
# A hook, off: with `page` signing, also listen to the socket of the Seller Centre page kept open
# for each shop (window.__CHAT_GLOBAL__.socket) and ask the signal at once when it hears a message
# frame. Not known to work on Taiwan's Seller Centre (docs/SELLERCENTRE.md); the signal stays.
SELLERCENTRE_PAGE_SOCKET = env.bool("SELLERCENTRE_PAGE_SOCKET", default=False)
# The chat login page checks every this many seconds whether the seller tapped the link (one
# link/get_status call each, what Shopee's own login page polls; no public source says whether
# Shopee counts or limits these calls: docs/SELLERCENTRE.md), and stops once the link is older
# than SELLERCENTRE_LINK_SECONDS (its lifetime is not published; 10 minutes as the sandbox's).
SELLERCENTRE_LINK_POLL_SECONDS = env.float("SELLERCENTRE_LINK_POLL_SECONDS", default=3.0)
SELLERCENTRE_LINK_SECONDS = env.int("SELLERCENTRE_LINK_SECONDS", default=600)
SHOPEE_PUSH_URL = env.str("SHOPEE_PUSH_URL", default="") or f"{PUBLIC_BASE_URL}/shopee/push/"

# Chat pictures (F14). A picture staff send is checked against Shopee's limits before it is queued:
# jpg/jpeg/png/gif and at most this many bytes (2 MB by two public sources, 10 MB by one: the
# smaller, SHOPEE_API.md §5). It is kept under SHARED_DIR (the web stores it, a worker uploads it).
CHAT_IMAGE_MAX_BYTES = env.int("CHAT_IMAGE_MAX_BYTES", default=2 * 1024 * 1024)
# Where Shopee's stickers and media given as bare hashes are (research notes §5: the TW sticker
# region is inferred from the other regions' pattern, not seen). Against the bundled sandbox (on
# this machine) its stickers come from the sandbox, which answers the sticker host's paths.
_STICKER_PACKS = "/shopee/shopee-sticker-live-tw/packs"
SHOPEE_STICKER_BASE = env.str(
    "SHOPEE_STICKER_BASE",
    default=f"{SHOPEE_BASE_URL}{_STICKER_PACKS}"
    if urlsplit(SHOPEE_BASE_URL).hostname in ("127.0.0.1", "localhost")
    else f"https://deo.shopeemobile.com{_STICKER_PACKS}",
).rstrip("/")
SHOPEE_IMAGE_BASE = env.str("SHOPEE_IMAGE_BASE", default="https://down-tw.img.susercontent.com/file/")
SHOPEE_VIDEO_BASE = env.str("SHOPEE_VIDEO_BASE", default="https://cv.shopee.tw/file/")
# A product card links to the product on Shopee TW.
SHOPEE_PRODUCT_URL = env.str("SHOPEE_PRODUCT_URL", default="https://shopee.tw/product/{shop_id}/{item_id}")

# Content-Security-Policy (django-csp): scripts, styles and requests from our own origin only;
# images also from Shopee's image hosts (buyers' photos, stickers, product pictures) and `blob:` (the
# composer's preview of a picture before it is sent). tmschat.middleware adds the Shopee origins of
# the moment: forms lead to Shopee's sign-in page, and in development the sandbox.
CSP_SHOPEE_IMAGE_HOSTS = env.list(
    "CSP_SHOPEE_IMAGE_HOSTS",
    default=[
        "https://deo.shopeemobile.com",
        "https://*.susercontent.com",
        "https://*.shopee.tw",
        "https://*.shopee.com",
        "https://*.mms.shopee.sg",
    ],
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "blob:", *CSP_SHOPEE_IMAGE_HOSTS],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# The outbox: every message to a buyer. A lease must outlast one Shopee call (timeout) with room.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=60)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# A message whose worker died this many times in its call to Shopee fails as poison.
OUTBOX_POISON_LEASE_EXPIRIES = env.int("OUTBOX_POISON_LEASE_EXPIRIES", default=5)
OUTBOX_BACKOFF_BASE_SECONDS = env.float("OUTBOX_BACKOFF_BASE_SECONDS", default=5.0)
OUTBOX_BACKOFF_MAX_SECONDS = env.float("OUTBOX_BACKOFF_MAX_SECONDS", default=600.0)
OUTBOX_CLAIM_BATCH = env.int("OUTBOX_CLAIM_BATCH", default=10)
OUTBOX_SWEEP_SECONDS = 5  # the beat interval of "outbox sweep" in tmschat/schedule.py
OUTBOX_SWEEP_KICKS = env.int("OUTBOX_SWEEP_KICKS", default=4)
OUTBOX_DRAIN_SECONDS = env.float("OUTBOX_DRAIN_SECONDS", default=50.0)

# Celery: the database is the truth, the broker a hint; these defaults make lost work recoverable.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Above the longest task's hard time limit, so a slow task is never handed out twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# Work a person waits for (the book's actions, the downloads and exports staff started) has a
# queue of its own that a worker of its own serves, so it never waits behind background pulls
# and refreshes (Procfile.dev, docker-compose.yml). Exact names win over the patterns below.
INTERACTIVE_TASKS = [
    "book.tasks.book_action_run",
    "orders.tasks.order_download_run",
    "orders.tasks.order_export_run",
]
CELERY_TASK_ROUTES = {
    **{name: {"queue": "interactive"} for name in INTERACTIVE_TASKS},
    "outbox.tasks.*": {"queue": "outbox"},
    "chat.tasks.chat_sync_*": {"queue": "sync"},
    "orders.tasks.*": {"queue": "sync"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- Operations (issue 14): sign-in throttling, sessions, audit, structured logs, metrics ---

# Sign-in throttling (django-axes): too many failures for one user from one address lock that
# pair out; staff unlock it in the admin (Access attempts: delete) or it cools off. The address is
# the client's behind the trusted proxies (TRUSTED_PROXY_COUNT).
AUTHENTICATION_BACKENDS = ["tmschat.auth.SignInThrottleBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("SIGNIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("SIGNIN_LOCKOUT_MINUTES", default=30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tmschat.views.signin_locked"
AXES_CLIENT_IP_CALLABLE = "tmschat.auth.client_address"
AXES_VERBOSE = False

# A session ends after this much inactivity; self-refreshing pages do not count as activity
# (tmschat.middleware.SessionIdleMiddleware).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=120) * 60

# Audit (django-auditlog for model changes, audit.AuditEvent for staff actions).
AUDITLOG_INCLUDE_ALL_MODELS = False

# /metrics for Prometheus: refused (404) unless METRICS_TOKEN is set, 403 without that token.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Logs: one JSON line per event in production, readable lines in development (LOG_FORMAT overrides).
LOG_FORMAT = env.str("LOG_FORMAT", default="") or ("console" if DEBUG else "json")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
DJANGO_STRUCTLOG_CELERY_ENABLED = True
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
LOGGING = logs.logging_config(fmt=LOG_FORMAT, level=env.str("LOG_LEVEL", default="INFO"))
logs.structlog_configure()
