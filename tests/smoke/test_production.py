"""Production smoke: the shape of docker-compose.yml run as processes, driven by a real browser.

DEBUG=0 with secrets from the environment, gunicorn, the Celery workers of docker-compose.yml and
one beat, PostgreSQL and Redis (a database of its own), the sandbox as Shopee on its own port.
As in compose, each process has a var/ of its own and exports go to one shared directory; Seller
Centre's chat is signed as .env.example ships it (`page`: Debian's Chromium), against a sandbox
that refuses unsigned chat calls. A staff member signs in through gunicorn, adds a shop through
Shopee's authorization pages, verifies its chat login, answers a buyer the live worker brought in
without a push (delivered exactly once, counted on the sandbox), sees the shop's orders downloaded
and exports more of them than a request writes (a worker writes the file, the web serves it);
/healthz, /metrics and WhiteNoise's static files answer; every log line of the web process is
JSON and no process logs the reply's text.

Run by `.ci/smoke` (and so by `.ci/run`): `pytest -m smoke tests/smoke`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import openpyxl
import pytest
import requests
from cryptography.fernet import Fernet
from playwright.sync_api import expect

from orders.excel import INLINE_MAX
from tests.ops.helpers import compose_workers
from tests.utils import (
    ROOT,
    ServiceProcess,
    celery_command,
    celery_worker_command,
    free_port,
    need,
    screenshot_on_failure,
    wait_until,
)

pytestmark = [pytest.mark.smoke, pytest.mark.browser, pytest.mark.timeout(300)]

KTMST = {"shop_id": "242826267", "account": "ktmst", "password": "demo1234", "name": "我的測試賣場"}
BUYER = {"buyer_id": "300077001", "buyer_name": "煙霧測試買家"}
ADMIN = {"username": "smoke-admin", "password": secrets.token_urlsafe(16)}
SHIPPED = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", (ROOT / ".env.example").read_text(), re.M))
LARGE_EXPORT = INLINE_MAX + 100


def smoke_database_url() -> str:
    """A fresh database beside the tests' own (`<name>_smoke`), on the same server."""
    url = os.environ.get("DATABASE_URL", "")
    need(url.startswith("postgres"), "PostgreSQL (set DATABASE_URL)")
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'tmschat'}_smoke"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """Start everything; yield the addresses and the processes; stop them all."""
    redis_url = os.environ.get("REDIS_URL", "")
    need(redis_url.startswith("redis"), "Redis (set REDIS_URL)")
    database_url = smoke_database_url()
    tmp = tmp_path_factory.mktemp("production")
    web_port, sandbox_port = free_port(), free_port()
    web = f"http://127.0.0.1:{web_port}"
    shopee = f"http://127.0.0.1:{sandbox_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "TMSCHAT_"))}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "SHOPEE_PARTNER_ID": "2001887",
            "SHOPEE_PARTNER_KEY": secrets.token_hex(32),
            "SHOPEE_PUSH_KEY": "",
            "SHOPEE_BASE_URL": shopee,
            "SHOPEE_AUTH_PAGE_URL": f"{shopee}/auth",
            "SHOPEE_PUSH_URL": f"{web}/shopee/push/",
            "PUBLIC_BASE_URL": web,
            "ALLOWED_HOSTS": "127.0.0.1",
            # Plain http on the loopback; production sits behind TLS.
            "SECURE_COOKIES": "0",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", redis_url),
            "REDIS_URL": redis_url,
            # As in compose: each process its own var/, exports in one shared directory.
            "TMSCHAT_SHARED_DIR": str(tmp / "shared"),
            "SELLERCENTRE_SIGNING": SHIPPED["SELLERCENTRE_SIGNING"],
            "METRICS_TOKEN": secrets.token_urlsafe(24),
            "DJANGO_SUPERUSER_USERNAME": ADMIN["username"],
            "DJANGO_SUPERUSER_PASSWORD": ADMIN["password"],
            "DJANGO_SUPERUSER_EMAIL": "smoke@example.com",
            "DJANGO_SETTINGS_MODULE": "tmschat.settings",
            "PYTHONUNBUFFERED": "1",
        }
    )
    manage = [sys.executable, "manage.py"]
    web_env = own_var(env, tmp, "web")
    # What the `migrate` service and the image build do.
    for step in (
        ["compile_translations"],
        ["collectstatic", "--noinput", "-v0"],
        ["migrate", "--noinput", "-v0"],
        ["install_schedule"],
        ["createsuperuser", "--noinput"],
    ):
        done = subprocess.run(
            manage + step, cwd=ROOT, env=web_env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, f"{step}: {done.stderr[-3000:]}"

    procs: dict[str, ServiceProcess] = {}

    def start(name: str, args: list[str]) -> None:
        procs[name] = ServiceProcess(args, own_var(env, tmp, name), tmp / f"{name}.log")

    start(
        "sandbox",
        [sys.executable, "-m", "shopee.sandbox", "--host", "127.0.0.1", "--port", str(sandbox_port), "--demo"]
        + ["--state-file", str(tmp / "sandbox.json"), "--callback-url", f"{web}/shopee/push/"],
    )
    start(
        "web",
        [sys.executable, "-m", "gunicorn", "tmschat.wsgi", "--bind", f"127.0.0.1:{web_port}"]
        + ["--workers", "2", "--timeout", "30"],
    )
    for name, served in compose_workers().items():  # each worker service of compose, once
        start(
            name, celery_worker_command(queues=",".join(sorted(served)), concurrency=2, name=f"smoke-{name}")
        )
    start("beat", celery_command("beat", "-l", "info", "-s", str(tmp / "beat-schedule")))
    start("live", [sys.executable, "manage.py", "chat_live"])  # compose's `live` service

    def up() -> bool:
        for name, proc in procs.items():
            assert proc.alive, f"{name} died:\n{proc.log()[-3000:]}"
        try:
            return (
                requests.get(f"{web}/healthz", timeout=2).status_code == 200
                and requests.get(f"{shopee}/_sandbox/shops", timeout=2).ok
            )
        except requests.RequestException:
            return False

    wait_until(up, timeout=60, interval=0.3, message="gunicorn and the sandbox")
    # Seller Centre's chat API refuses calls its page did not sign: only `page` signing passes.
    requests.post(f"{shopee}/_sandbox/config", json={"sc_signed": True}, timeout=5).raise_for_status()
    for _ in range(LARGE_EXPORT):  # enough orders that 匯出Excel goes to a worker
        requests.post(
            f"{shopee}/_sandbox/orders", json={"shop_id": KTMST["shop_id"], "push": False}, timeout=5
        ).raise_for_status()
    yield {"web": web, "shopee": shopee, "env": env, "procs": procs, "tmp": tmp}
    for proc in procs.values():
        proc.stop()


def own_var(env: dict[str, str], tmp, name: str) -> dict[str, str]:
    """The process's environment with a var/ of its own (database files, broker, cache, static)."""
    return env | {"TMSCHAT_VAR_DIR": str(tmp / f"var-{name}")}


def deliveries(shopee: str, buyer_id: str) -> list[dict]:
    answer = requests.get(
        f"{shopee}/_sandbox/deliveries", params={"shop_id": KTMST["shop_id"], "buyer_id": buyer_id}, timeout=5
    )
    return answer.json()["deliveries"]


def test_production_shape_end_to_end(production, _browser):
    web, shopee = production["web"], production["shopee"]
    reply = f"您好，今天出貨 {secrets.token_hex(4)}"

    context = _browser.new_context(locale="zh-TW", timezone_id="Asia/Taipei")
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        with screenshot_on_failure(page, "smoke-production"):
            # Sign in through gunicorn, with the real form.
            page.goto(f"{web}/login/")
            page.fill("#id_username", ADMIN["username"])
            page.fill("#id_password", ADMIN["password"])
            page.get_by_role("button", name="登入").click()
            page.wait_for_url(f"{web}/chat/**")

            # Static files: WhiteNoise serves the hashed stylesheet the page links, and it applies.
            css = page.locator("link[rel=stylesheet]").first.get_attribute("href")
            assert css.startswith("/static/css/app.") and css.endswith(".css"), css
            answer = requests.get(web + css, timeout=5)
            assert answer.status_code == 200
            assert answer.headers["Content-Type"].startswith("text/css")
            assert "max-age=315360000" in answer.headers.get("Cache-Control", "")
            assert page.evaluate("getComputedStyle(document.body).margin") == "0px"

            # Add the shop through Shopee's authorization pages.
            page.goto(f"{web}/shops/")
            page.get_by_role("button", name="從蝦皮新增賣場").click()
            page.fill("#account", KTMST["account"])
            page.fill("#password", KTMST["password"])
            page.click("#login-button")
            page.click("#phone-confirm")
            expect(page.locator("#shop-name")).to_have_text(KTMST["name"])
            page.click("#approve")
            page.wait_for_url(f"{web}/shops/")
            row = page.locator("table.shops tbody tr", has_text=KTMST["shop_id"])
            expect(row.locator(".badge.state")).to_have_text("已驗證")  # 蝦皮API授權: orders

            # 聊聊登入認證 (a Taiwanese shop chats through its Seller Centre login): password,
            # the link tapped on the seller's phone, a second click.
            row.get_by_role("link", name="聊聊登入認證").click()
            page.fill("input[name=login_name]", KTMST["account"])
            page.fill("input[name=password]", KTMST["password"])
            page.click("button.chat-login.start")
            expect(page.locator("#chat-link-sent")).to_contain_text("請在手機上點擊蝦皮傳送的驗證連結")
            phone = page.context.new_page()
            phone.goto(f"{shopee}/phone?shop_id={KTMST['shop_id']}")
            phone.locator(".sms-link").first.click()
            phone.click("#approve-link")
            expect(phone.locator("#link-done")).to_be_visible()
            phone.close()
            page.click("button.chat-login.confirm")
            page.wait_for_url(f"{web}/shops/")
            row = page.locator("table.shops tbody tr", has_text=KTMST["shop_id"])
            expect(row.locator(".chat-state")).to_have_text("已驗證")

            # The shop's orders are downloaded at once after verification (its chats with them).
            def orders_shown() -> bool:
                page.goto(f"{web}/orders/")
                return KTMST["name"] in page.locator("table.orders tbody tr").first.inner_text()

            wait_until(orders_shown, timeout=30, interval=1, message="the shop's orders on 訂單")

            # A buyer writes to a Taiwanese shop: no push (the Open Platform gives Taiwan no
            # chat), so the live worker's Seller Centre signal brings it to the open inbox.
            page.goto(f"{web}/chat/")
            requests.post(
                f"{shopee}/_sandbox/messages/buyer",
                json={"shop_id": KTMST["shop_id"], **BUYER, "text": "請問何時出貨？"},
                timeout=5,
            ).raise_for_status()
            buyer = page.get_by_text(BUYER["buyer_name"], exact=True)
            expect(buyer).to_be_visible(timeout=30_000)
            pushes = requests.get(f"{shopee}/_sandbox/pushes", timeout=5).json()["pushes"]
            assert not [push for push in pushes if push["code"] == 10]
            buyer.click()
            expect(page.locator("#thread")).to_contain_text("請問何時出貨？")
            box = page.locator("#reply-text")
            box.fill(reply)
            box.press("Enter")
            expect(page.locator("#pending .msg.outgoing", has_text=reply)).to_have_count(0, timeout=30_000)
            expect(page.locator("#thread .msg.from-seller", has_text=reply)).to_be_visible()

            # 匯出Excel of more orders than a request writes: the interactive worker writes the
            # file into the shared directory, and the web, with a var/ of its own, serves it.
            def all_orders_stored() -> bool:
                page.goto(f"{web}/orders/")
                shown = re.search(r"共 ([\d,]+) 筆訂單", page.locator("body").inner_text())
                return bool(shown) and int(shown[1].replace(",", "")) >= LARGE_EXPORT

            wait_until(all_orders_stored, timeout=120, interval=2, message="the shop's orders stored")
            page.click("#export-button")
            started = page.get_by_text(re.compile(r"正在匯出 \d+ 筆訂單"))
            exported = int(re.search(r"正在匯出 (\d+) 筆", started.inner_text())[1])
            link = page.locator("#exports a", has_text="下載")
            expect(link).to_be_visible(timeout=120_000)
            with page.expect_download() as download:
                link.click()
            saved = production["tmp"] / download.value.suggested_filename
            download.value.save_as(saved)
            sheet = openpyxl.load_workbook(saved, read_only=True)["訂單"]
            assert sum(1 for _row in sheet.iter_rows()) == exported + 1  # the header and each order
    finally:
        context.close()

    tmp = production["tmp"]
    assert list((tmp / "shared" / "exports").glob("*.xlsx"))
    assert not list(tmp.glob("var-*/exports/*.xlsx"))

    # Exactly once on Shopee, also after the sweeper has had its turns.
    wait_until(lambda: deliveries(shopee, BUYER["buyer_id"]), timeout=10, message="the delivery")
    time.sleep(6)
    sent = [d for d in deliveries(shopee, BUYER["buyer_id"]) if d["content"].get("text") == reply]
    assert len(sent) == 1, sent

    health = requests.get(f"{web}/healthz", timeout=5)
    assert health.status_code == 200 and health.json()["database"] and health.json()["broker"]

    token = production["env"]["METRICS_TOKEN"]
    assert requests.get(f"{web}/metrics", timeout=5).status_code == 403
    metrics = requests.get(f"{web}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=5).text
    assert 'tmschat_outbox_messages{state="sent"} 1.0' in metrics
    assert f'tmschat_sync_lag_seconds{{kind="chat",shop_id="{KTMST["shop_id"]}"}}' in metrics

    # Production logs: JSON lines with request ids; the reply's text in no process's log.
    procs = production["procs"]
    web_lines = [json.loads(line) for line in procs["web"].log().splitlines() if line.startswith("{")]
    assert any(e.get("event") == "request_finished" and e.get("request_id") for e in web_lines)
    audit = [e for e in web_lines if e.get("event") == "audit" and e.get("action") == "reply_sent"]
    assert len(audit) == 1 and audit[0]["shop_id"] == KTMST["shop_id"] and audit[0]["message_id"]
    for name, proc in procs.items():
        assert reply not in proc.log(), f"the reply's text is in the {name} log"
    assert all(proc.alive for proc in procs.values())
