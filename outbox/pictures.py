"""Pictures staff send (F14): checked against Shopee's limits before anything is queued, then kept
as files under settings.SHARED_DIR (the web writes one, a worker uploads it to Shopee, the web
shows it in the pending bubble and on 通知), never in the database.

Shopee takes jpg/jpeg/png/gif (SHOPEE_API.md §5); the size cap is `CHAT_IMAGE_MAX_BYTES` (public
sources say 2 MB or 10 MB). A picture is judged by its own bytes, not by its name. Files are named
by their content (sha256), so the same picture twice is one file, and written whole (a temporary
file renamed) so that no reader meets half a picture.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

FOLDER = "chat-pictures"
# Kind → (MIME type, file extension). Shopee's list: jpg, jpeg, png, gif.
KINDS = {"jpeg": ("image/jpeg", "jpg"), "png": ("image/png", "png"), "gif": ("image/gif", "gif")}
ACCEPT = ",".join(mime for mime, _extension in KINDS.values())


@dataclass(frozen=True)
class Picture:
    """A picture as a person picked, pasted or dropped it."""

    data: bytes
    name: str


class PictureMissing(Exception):
    """The stored file is gone (deleted, or another machine without the shared directory)."""


def picture_kind(data: bytes) -> str | None:
    """jpeg, png or gif by the file's signature; None for anything else."""
    signatures = {b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png", b"GIF87a": "gif", b"GIF89a": "gif"}
    return next((kind for start, kind in signatures.items() if data.startswith(start)), None)


def too_large_words(size: int) -> str:
    """Why a picture of `size` bytes is refused ("" when it is not too large)."""
    limit = settings.CHAT_IMAGE_MAX_BYTES
    if size <= limit:
        return ""
    return _("The picture is %(size)s; Shopee takes pictures of at most %(limit)s.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


def picture_problem(picture: Picture) -> str:
    """Why Shopee would not take the picture, in words ("" when it would)."""
    if not picture.data:
        return _("The picture is empty.")
    if too_large := too_large_words(len(picture.data)):
        return too_large
    if picture_kind(picture.data) is None:
        return _("%(name)s is not a JPG, PNG or GIF picture: Shopee takes only those.") % {
            "name": picture.name or _("The file")
        }
    return ""


def picture_store(picture: Picture) -> str:
    """Keep a checked picture; returns where (relative to SHARED_DIR), as the outbox row keeps it."""
    kind = picture_kind(picture.data)
    if kind is None:
        raise ValueError("picture_store takes checked pictures only")
    digest = hashlib.sha256(picture.data).hexdigest()
    relative = f"{FOLDER}/{digest[:2]}/{digest}.{KINDS[kind][1]}"
    path = picture_path(relative)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(picture.data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return relative


def picture_path(relative: str) -> Path:
    """The file of a stored picture; ValueError for a path outside the pictures' folder."""
    root = (Path(settings.SHARED_DIR) / FOLDER).resolve()
    path = (Path(settings.SHARED_DIR) / relative).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"not a stored picture: {relative!r}")
    return path


def picture_read(relative: str) -> tuple[bytes, str]:
    """A stored picture's bytes and MIME type; PictureMissing when the file is gone."""
    try:
        data = picture_path(relative).read_bytes()
    except (OSError, ValueError) as exc:
        raise PictureMissing(relative) from exc
    kind = picture_kind(data)
    if kind is None:
        raise PictureMissing(relative)
    return data, KINDS[kind][0]
