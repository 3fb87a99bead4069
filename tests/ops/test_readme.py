"""README tells an operator what the product does: the addresses `make run` prints, and a worker
for every queue tasks are routed to."""

from __future__ import annotations

import re

from tests.utils import ROOT

README = (ROOT / "README.md").read_text()


def test_readme_gives_the_addresses_make_run_prints():
    printed = re.findall(r"http://127\.0\.0\.1:\d+/\S*", (ROOT / "Makefile").read_text())
    assert len(printed) == 2  # TMS Chat and the sandbox
    for address in printed:
        assert f"<{address}>" in README, address


def test_readme_says_which_worker_serves_each_queue(settings):
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    routed.add(settings.CELERY_TASK_DEFAULT_QUEUE)
    described = set(re.findall(r"^\| `(\w+)` \| .+ \| .+ \|$", README, re.M))
    assert routed <= described, routed - described
