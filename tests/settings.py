"""The test run's settings: the product's own, with DEBUG=1 (the development defaults and demo
secrets) unless the environment says otherwise. Worker processes the tests start inherit it."""

import os

os.environ.setdefault("DEBUG", "1")

from tmschat.settings import *  # noqa: E402, F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, as `make run` has it (WAL, IMMEDIATE transactions, a busy timeout), rather than
    # SQLite's in-memory shared cache: there two writers at once get "database table is locked"
    # at once instead of waiting their turn, and worker processes could not open it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
