"""The live signal loop (`manage.py chat_live`) runs wherever the product runs: `make run`
(Procfile.dev) and docker-compose.yml, beside the workers and the one beat."""

from __future__ import annotations

import shlex

from tests.ops.helpers import SERVICES, command
from tests.utils import ROOT


def test_make_run_and_compose_both_start_the_live_loop():
    procfile = dict(line.split(":", 1) for line in (ROOT / "Procfile.dev").read_text().splitlines())
    assert shlex.split(procfile["live"])[-2:] == ["manage.py", "chat_live"]
    live = SERVICES["live"]
    assert command(live) == ["python", "manage.py", "chat_live"]
    assert live["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert live["environment"]["DEBUG"] == "0"
