"""`manage.py chat_live`: the live signal loop (chat.live) until SIGTERM or SIGINT."""

import signal
import threading

from django.core.management.base import BaseCommand

from chat.live import LiveLoop


class Command(BaseCommand):
    help = (
        "Ask Seller Centre's cheap signal of every watched shop every few seconds and pull what it "
        "says changed (chat.live). Any number may run: each shop is asked by one of them per interval."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--threads", type=int, default=None, help="shops asked at once (CHAT_LIVE_THREADS)"
        )

    def handle(self, *args, threads=None, **options):
        stop = threading.Event()
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: stop.set())
        LiveLoop(threads=threads).run(stop)
