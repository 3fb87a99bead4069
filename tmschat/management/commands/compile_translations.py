"""Compile this project's .po catalogues to .mo, without GNU gettext on the machine.

Only the project's own catalogues: LOCALE_PATHS and the locale folders of our apps. Installed
packages (Django's own catalogues in a virtualenv inside the project folder) are never touched.
"""

import sys
from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


def _ours(path: Path) -> bool:
    """Inside the project folder and not inside the running Python's installation (.venv)."""
    base = Path(settings.BASE_DIR).resolve()
    installed = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    path = path.resolve()
    return path.is_relative_to(base) and not any(path.is_relative_to(p) for p in installed)


def po_files() -> list[Path]:
    roots = [Path(p) for p in settings.LOCALE_PATHS]
    roots += [Path(config.path) / "locale" for config in apps.get_app_configs()]
    return sorted(
        po for root in roots if _ours(root) and root.is_dir() for po in root.glob("*/LC_MESSAGES/*.po")
    )


def stale(po_path: Path) -> bool:
    mo_path = po_path.with_suffix(".mo")
    return not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime


def compile_stale() -> list[Path]:
    """Compile the catalogues whose .mo is missing or older than the .po; returns those compiled."""
    compiled = []
    for po_path in po_files():
        if stale(po_path):
            polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
            compiled.append(po_path)
    return compiled


class Command(BaseCommand):
    help = "Compile this project's .po files to .mo without needing GNU gettext on the machine."

    def handle(self, *args, **options):
        for po_path in compile_stale():
            self.stdout.write(f"compiled {po_path.relative_to(settings.BASE_DIR)}")
