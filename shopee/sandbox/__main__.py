"""python -m shopee.sandbox --port 8100 [--host 127.0.0.1] [--demo] [--state-file var/sandbox.json]
[--callback-url URL] [--partner-id N --partner-key K --push-key K]"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from shopee.sandbox import Sandbox
from shopee.sandbox.config import DEMO_PARTNER_ID, DEMO_PARTNER_KEY


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="python -m shopee.sandbox", description="Shopee Open Platform sandbox"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument(
        "--demo", action="store_true", help="seed demo shops, orders and chats into an empty state"
    )
    parser.add_argument("--state-file", help="JSON file: loaded at start, saved after changes and at stop")
    parser.add_argument(
        "--callback-url", default=env("SHOPEE_PUSH_CALLBACK_URL"), help="where pushes are POSTed"
    )
    parser.add_argument("--partner-id", type=int, default=int(env("SHOPEE_PARTNER_ID") or DEMO_PARTNER_ID))
    parser.add_argument("--partner-key", default=env("SHOPEE_PARTNER_KEY") or DEMO_PARTNER_KEY)
    parser.add_argument("--push-key", default=env("SHOPEE_PUSH_KEY"), help="default: the partner key")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sandbox = Sandbox(
        partner_id=args.partner_id,
        partner_key=args.partner_key,
        push_key=args.push_key or None,
        callback_url=args.callback_url or None,
        state_file=args.state_file,
        demo=args.demo,
    )
    try:
        sandbox.start(host=args.host, port=args.port)
    except (OSError, ValueError) as exc:  # port taken, unreadable state file
        sys.exit(f"Shopee sandbox cannot start: {exc}")
    print(
        f"Shopee sandbox on {sandbox.url} (partner {args.partner_id}); control API at {sandbox.url}/_sandbox/",
        flush=True,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    sandbox.stop()


if __name__ == "__main__":
    main()
