"""docker-compose.yml checked without Docker: the services are there, exactly one beat, every
environment name it uses (and every one the settings read) is documented in .env.example, and
the workers serve every queue tasks are routed to, as in development (Procfile.dev), with a worker
of its own for the work a person waits for."""

from __future__ import annotations

import re

from tests.ops.helpers import COMPOSE, SERVICES, celery_role, command, compose_workers, procfile_workers
from tests.utils import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
DOCUMENTED = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))


def test_the_production_services_are_all_there():
    assert {"db", "redis", "migrate", "web", "worker", "beat"} <= set(SERVICES)
    assert "gunicorn" in command(SERVICES["web"])
    assert SERVICES["redis"]["image"].startswith("redis") and SERVICES["db"]["image"].startswith("postgres")
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert SERVICES[name]["environment"]["DEBUG"] == "0"


def test_exactly_one_beat():
    beats = [name for name, service in SERVICES.items() if celery_role(service) == "beat"]
    assert beats == ["beat"]
    beat = SERVICES["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert beat.get("scale", 1) == 1
    # A worker must not run an embedded beat (-B) beside the beat service.
    for name, service in SERVICES.items():
        if celery_role(service) == "worker":
            assert "-B" not in command(service) and "--beat" not in command(service), name


def test_every_environment_name_is_documented_in_env_example():
    used = set()
    for service in SERVICES.values():
        if "image" in service:  # PostgreSQL's and Redis's own images: their names, not ours
            continue
        environment = service.get("environment", {})
        used |= set(environment if isinstance(environment, dict) else (e.split("=")[0] for e in environment))
    used |= set(re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / "docker-compose.yml").read_text()))
    assert used, "no environment found"
    assert used <= DOCUMENTED, used - DOCUMENTED


def test_every_setting_read_from_the_environment_is_documented_in_env_example():
    settings_source = (ROOT / "tmschat" / "settings.py").read_text()
    read = set(re.findall(r"env\.(?:str|int|bool|float|list|db)\(\s*\"([A-Z][A-Z0-9_]*)\"", settings_source))
    read |= set(re.findall(r"_secret\(\"([A-Z][A-Z0-9_]*)\"", settings_source))
    assert {"SECRET_KEY", "DATABASE_URL", "METRICS_TOKEN"} <= read
    assert read <= DOCUMENTED, read - DOCUMENTED


def test_workers_serve_every_queue_tasks_are_routed_to_as_in_development(settings):
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    routed.add(settings.CELERY_TASK_DEFAULT_QUEUE)
    development = {name: worker.queue_set for name, worker in procfile_workers().items()}
    assert set().union(*development.values()) == routed
    assert set().union(*compose_workers().values()) == routed


def test_work_a_person_waits_for_has_a_worker_of_its_own(settings):
    """Routed to `interactive`, which one worker serves and nothing else, in development (one
    consumer per queue on the filesystem broker) as in compose."""
    for name in settings.INTERACTIVE_TASKS:
        assert settings.CELERY_TASK_ROUTES[name] == {"queue": "interactive"}
    for workers in ({n: w.queue_set for n, w in procfile_workers().items()}, compose_workers()):
        serving = [queues for queues in workers.values() if "interactive" in queues]
        assert serving == [{"interactive"}], workers


def app_services() -> dict[str, dict]:
    """The services running our own image: the web and every worker and beat."""
    return {name: s for name, s in SERVICES.items() if celery_role(s) or name == "web"}


def test_files_a_worker_writes_are_where_the_web_serves_them():
    """A large 匯出Excel is written by a worker under TMSCHAT_SHARED_DIR and served by the web
    from there: the same named volume is mounted at that directory in web and every worker."""
    volumes = set()
    for name, service in app_services().items():
        shared = service["environment"]["TMSCHAT_SHARED_DIR"]
        mounts = dict(reversed(volume.split(":")[:2]) for volume in service.get("volumes", []))
        assert mounts.get(shared) in COMPOSE["volumes"], f"{name}: no named volume at {shared}"
        assert not shared.startswith(service["environment"]["TMSCHAT_VAR_DIR"]), name
        volumes.add(mounts[shared])
    assert len(volumes) == 1
    assert f"mkdir -p {shared}" in DOCKERFILE  # a new volume takes the image's owner of the directory


def test_the_image_carries_the_chromium_the_shipped_signing_drives():
    """.env.example ships SELLERCENTRE_SIGNING=page: Debian's Chromium (and fonts for the Chinese
    page) in the one image that web and workers run."""
    shipped = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", (ROOT / ".env.example").read_text(), re.M))
    assert shipped["SELLERCENTRE_SIGNING"] == "page"
    installed = set()
    for run in re.findall(r"^RUN (.*)$", DOCKERFILE.replace("\\\n", " "), re.M):
        for part in run.split("&&"):
            words = part.split()
            if words[:2] == ["apt-get", "install"]:
                installed |= {word for word in words[2:] if not word.startswith("-")}
    assert {"chromium", "fonts-noto-cjk"} <= installed, installed
    assert all(service["build"] == "." for service in app_services().values())
