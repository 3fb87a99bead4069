from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


def po_files() -> list[Path]:
    roots = [Path(p) for p in settings.LOCALE_PATHS]
    roots += [
        Path(config.path) / "locale"
        for config in apps.get_app_configs()
        if config.path.startswith(str(settings.BASE_DIR))
    ]
    return sorted(po for root in roots if root.is_dir() for po in root.glob("*/LC_MESSAGES/*.po"))


class Command(BaseCommand):
    help = "Compile .po files to .mo without needing GNU gettext on the machine."

    def handle(self, *args, **options):
        for po_path in po_files():
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            catalog = polib.pofile(str(po_path))
            catalog.save_as_mofile(str(mo_path))
            self.stdout.write(f"compiled {po_path.relative_to(settings.BASE_DIR)}")
