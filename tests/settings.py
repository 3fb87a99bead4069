"""The test run's settings: the product's own, with DEBUG=1 (the development defaults and demo
secrets) unless the environment says otherwise. Worker processes the tests start inherit it."""

import os

os.environ.setdefault("DEBUG", "1")

from tmschat.settings import *  # noqa: E402, F403
