"""Shared fixtures: users, the Shopee sandbox over real HTTP, real Celery worker processes,
PostgreSQL/Redis requirements and the browser.

Tests that need PostgreSQL, Redis or Chromium skip on a bare machine, and fail instead when
REQUIRE_SERVICES=1 (CI), so nothing is silently skipped there.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from tests.utils import ServiceProcess, celery_command, celery_worker_command, need, redis_available

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_sessionstart(session):
    """`pytest` alone (no `make test`) reads the zh-Hant texts: stale catalogues are compiled
    before anything (creating the test database, for one) loads them."""
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from django.utils.translation.reloader import translation_file_changed

    from tmschat.management.commands.compile_translations import compile_stale

    if compiled := compile_stale():
        # Django read the catalogues already (imports evaluate some texts): it reads them again,
        # forgetting Python's own cache of them too, as its autoreloader does for a changed .mo.
        translation_file_changed(sender=None, file_path=compiled[0].with_suffix(".mo"))

    # The test database starts afresh, and its ids with it: what a last run left in the file
    # cache of var/ (keyed by such ids, e.g. the order filter's carriers) would answer for it.
    # CI empties its Redis database itself (.ci/run), which may hold another process's keys here.
    from django.core.cache import caches
    from django.core.cache.backends.filebased import FileBasedCache

    if isinstance(caches["default"], FileBasedCache):
        caches["default"].clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in another language leaves it active in the thread: the next test starts in the default."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def require_postgres(settings):
    need(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def require_redis(settings):
    need(redis_available(), "Redis (set REDIS_URL and CELERY_BROKER_URL)")
    need(settings.CELERY_BROKER_URL.startswith("redis"), "Redis broker (set CELERY_BROKER_URL)")


# --- users ---------------------------------------------------------------------------


@pytest.fixture
def make_staff(django_user_model):
    def make(username: str, *, all_shops: bool = False, **extra):
        from django.contrib.auth.models import Permission

        user = django_user_model.objects.create_user(
            username=username, password="pw-for-tests-1", is_staff=True, **extra
        )
        if all_shops:
            user.user_permissions.add(Permission.objects.get(codename="view_all_shops"))
        return user

    return make


@pytest.fixture
def salesperson(make_staff):
    return make_staff("sales", first_name="小美")


@pytest.fixture
def other_staff(make_staff):
    return make_staff("other", first_name="阿明")


@pytest.fixture
def manager(make_staff):
    return make_staff("manager", all_shops=True, first_name="主管")


@pytest.fixture
def staff_client(client, salesperson):
    client.force_login(salesperson)
    return client


# --- the Shopee sandbox ----------------------------------------------------------------


@pytest.fixture(scope="session")
def _sandbox_server():
    from django.conf import settings

    from shopee.sandbox import Sandbox

    sandbox = Sandbox(
        partner_id=settings.SHOPEE_PARTNER_ID,
        partner_key=settings.SHOPEE_PARTNER_KEY,
        push_key=settings.SHOPEE_PUSH_KEY,
        push_retry_delays=[0.2, 0.5, 1.0],
        webchat_push_retry_delays=[0.2, 0.5, 1.0],
        document_ready_seconds=0.3,  # shipping documents take a moment, a short one in tests
    )
    sandbox.start(host="127.0.0.1", port=0)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sandbox(_sandbox_server, settings):
    """A running sandbox with empty state; the product's settings point at it."""
    _sandbox_server.reset()
    settings.SHOPEE_BASE_URL = _sandbox_server.url
    settings.SHOPEE_AUTH_PAGE_URL = f"{_sandbox_server.url}/auth"
    settings.SELLERCENTRE_MAIN_URL = settings.SELLERCENTRE_SELLER_URL = _sandbox_server.url
    return _sandbox_server


# --- real Celery worker and beat processes --------------------------------------------


def service_env(settings, **extra) -> dict[str, str]:
    """Environment for a child process that shares this test's database, broker and sandbox."""
    from django.db import connection

    db = connection.settings_dict
    env = dict(os.environ)
    if db["ENGINE"].endswith("postgresql"):
        user = db.get("USER") or "postgres"
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        env["DATABASE_URL"] = f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"
    else:  # the test database's file (tests/settings.py); the filesystem broker is under the same var/
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    env.update(
        {
            "SHOPEE_BASE_URL": settings.SHOPEE_BASE_URL,
            "SELLERCENTRE_MAIN_URL": settings.SELLERCENTRE_MAIN_URL,
            "SELLERCENTRE_SELLER_URL": settings.SELLERCENTRE_SELLER_URL,
            "SELLERCENTRE_SIGNING": settings.SELLERCENTRE_SIGNING,
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "tmschat.settings",
        }
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


@pytest.fixture
def _services(settings, tmp_path):
    """Start child processes for one test; each is stopped when the test ends."""
    started: list[ServiceProcess] = []

    def start(args: list[str], *, name: str, env_extra: dict) -> ServiceProcess:
        proc = ServiceProcess(args, service_env(settings, **env_extra), tmp_path / f"{name}.log")
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
def start_worker(_services):
    """Start real `celery worker` processes against this test's database and broker."""
    numbers = itertools.count()

    def start(
        *,
        queues: str = "interactive,default,outbox,sync",
        concurrency: int = 1,
        name: str | None = None,
        **env_extra,
    ):
        name = name or f"w{next(numbers)}"
        args = celery_worker_command(queues=queues, concurrency=concurrency, name=name)
        return _services(args, name=name, env_extra=env_extra)

    return start


@pytest.fixture
def start_beat(_services, tmp_path):
    numbers = itertools.count()

    def start(*, name: str | None = None, **env_extra):
        name = name or f"beat{next(numbers)}"
        args = celery_command("beat", "-l", "info", "-s", str(tmp_path / f"{name}-schedule"))
        return _services(args, name=name, env_extra=env_extra)

    return start


# --- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _browser():
    need(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_as(_browser, live_server, client):
    """Open a page signed in as `user` (by session cookie, no login form)."""
    contexts = []

    def open_as(user, *, language: str | None = None):
        client.force_login(user)
        context = _browser.new_context(locale="zh-TW", timezone_id="Asia/Taipei")
        cookies = [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        if language:
            cookies.append({"name": "django_language", "value": language, "url": live_server.url})
        context.add_cookies(cookies)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.base_url = live_server.url
        return page

    yield open_as
    for context in contexts:
        context.close()


# --- Celery -------------------------------------------------------------------------


@pytest.fixture
def eager_tasks(monkeypatch):
    """Tasks handed to Celery run where they are handed over (no broker in these tests)."""
    from celery import current_app

    monkeypatch.setattr(current_app.conf, "task_always_eager", True)


# --- shops known only to the database -------------------------------------------------


@pytest.fixture
def own_shop(salesperson):
    """The salesperson's verified shop, known only to the database (no sandbox behind it)."""
    from tests.factories import ShopFactory

    return ShopFactory(
        verified=True, shop_id="242826267", account="ktmst", name="我的測試賣場", salesperson=salesperson
    )


@pytest.fixture
def others_shop(other_staff):
    """Another salesperson's verified shop, known only to the database."""
    from tests.factories import ShopFactory

    return ShopFactory(
        verified=True, shop_id="318990021", account="tmsbaby", name="寶寶生活館", salesperson=other_staff
    )


# --- shops verified on the sandbox, and a fast outbox (the outbox and notice tests) -------------

_accounts = itertools.count(1)


@pytest.fixture
def make_shop(sandbox, salesperson):
    """A shop on the sandbox, verified in the product, sending `rate` messages a second."""
    from accounts.models import Shop
    from tests.outbox.helpers import verify

    def make(name: str = "我的測試賣場", *, rate: float = 100.0) -> Shop:
        number = next(_accounts)
        # The Open Platform transport: a non-TW shop (Shopee refuses TW sends there, §5.1).
        remote = sandbox.create_shop(account=f"outbox{number}", password="pw", name=name, region="SG")
        shop = verify(sandbox, remote["shop_id"], salesperson)
        Shop.objects.filter(pk=shop.pk).update(send_rate_per_second=rate)
        shop.refresh_from_db()
        return shop

    return make


@pytest.fixture
def fast_outbox(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 0.05
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 0.2
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.SHOPEE_TIMEOUT_SECONDS = 0.5
    return settings


@pytest.fixture
def make_sc_shop(sandbox, salesperson):
    """A Taiwanese shop on the sandbox, verified by its Seller Centre login (聊聊登入認證: the
    password, the link tapped, the second click), on the session transport."""
    from accounts import chatlogin
    from accounts.models import Shop
    from accounts.services import shop_create

    def make(name: str = "台灣賣場", *, rate: float = 100.0) -> Shop:
        number = next(_accounts)
        remote = sandbox.create_shop(account=f"outboxtw{number}", password="pw", name=name)
        shop = shop_create(name=name, account=remote["account"], salesperson=salesperson)
        chatlogin.chat_login_start(
            shop=shop, login_name=remote["account"], password="pw", keep_password=True, user=salesperson
        )
        sandbox.sc_tap_link(remote["shop_id"])
        shop = chatlogin.chat_login_confirm(shop=Shop.objects.get(pk=shop.pk), user=salesperson)
        Shop.objects.filter(pk=shop.pk).update(send_rate_per_second=rate)
        shop.refresh_from_db()
        return shop

    return make
