"""The zh-Hant catalogues: compiled for a plain `pytest` run, and only ours are ever compiled."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import django

from tests.utils import ROOT
from tmschat.management.commands.compile_translations import compile_stale, po_files


def test_only_this_projects_catalogues_are_compiled_never_an_installed_packages():
    found = po_files()
    assert ROOT / "accounts/locale/zh_Hant/LC_MESSAGES/django.po" in found
    assert ROOT / "locale/zh_Hant/LC_MESSAGES/django.po" in found
    installed = [Path(sys.prefix).resolve(), Path(django.__file__).resolve().parent]
    assert not [po for po in found if any(po.resolve().is_relative_to(p) for p in installed)]


def test_a_catalogue_edited_since_its_last_compile_is_compiled_again():
    po = ROOT / "accounts/locale/zh_Hant/LC_MESSAGES/django.po"
    mo = po.with_suffix(".mo")
    compile_stale()
    stat = po.stat()
    os.utime(mo, (stat.st_atime, stat.st_mtime - 60))  # as if the .po changed after the last compile
    assert po in compile_stale()
    assert mo.stat().st_mtime >= po.stat().st_mtime
    assert compile_stale() == []
