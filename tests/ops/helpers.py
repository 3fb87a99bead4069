"""Helpers of the operations tests: the processes `make run` starts (Procfile.dev) and those
docker-compose.yml runs."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

import yaml

from tests.utils import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


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


def command(service: dict) -> list[str]:
    value = service.get("command", [])
    return shlex.split(value) if isinstance(value, str) else list(value)


def celery_role(service: dict) -> str | None:
    args = command(service)
    if "celery" not in args:
        return None
    return next((a for a in args[args.index("celery") + 1 :] if a in ("worker", "beat")), None)


def queues(args: list[str]) -> set[str]:
    for flag in ("-Q", "--queues"):
        if flag in args:
            return set(args[args.index(flag) + 1].split(","))
    return set()


def compose_workers() -> dict[str, set[str]]:
    """Each Celery worker service of docker-compose.yml: the queues it serves."""
    return {name: queues(command(s)) for name, s in SERVICES.items() if celery_role(s) == "worker"}
