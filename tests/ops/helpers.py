"""Helpers of the operations tests: the processes `make run` starts (Procfile.dev)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from tests.utils import ROOT


@dataclass(frozen=True)
class ProcfileWorker:
    queues: str  # as given to -Q
    concurrency: int

    @property
    def queue_set(self) -> set[str]:
        return set(self.queues.split(","))


def procfile_workers() -> dict[str, ProcfileWorker]:
    """Each Celery worker of Procfile.dev by its process name."""
    workers = {}
    for line in (ROOT / "Procfile.dev").read_text().splitlines():
        name, _, command = line.partition(":")
        args = shlex.split(command)
        if "worker" in args:
            workers[name] = ProcfileWorker(args[args.index("-Q") + 1], int(args[args.index("-c") + 1]))
    return workers
