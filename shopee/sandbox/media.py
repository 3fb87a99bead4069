"""Pictures in chat: uploads on both faces (Open Platform `sellerchat/upload_image`, Seller Centre's
`/webchat/api/coreapi/v1.2/images`), kept in the world and served under /file/<hash> the way
Shopee's image host serves `/file/<hash>` (and `<hash>_tn`, the thumbnail).

Shopee's limits (SHOPEE_API.md §5; research notes §1.4): jpg/jpeg/png/gif, at most 2 MB by two
sources and 10 MB by one, so the cap is a setting (`image_max_bytes`). The sandbox judges a
picture by its bytes and by the file name's extension, as an upload form would.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
import zlib
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from shopee.sandbox.core import ApiError, Core
from shopee.sandbox.state import Shop, Upload

EXTENSIONS = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "gif": "gif"}
THUMB_SIDE = 200  # the thumbnail's longer side, as Shopee's `_tn` pictures are small


@dataclass(frozen=True)
class FilePart:
    filename: str
    content_type: str
    data: bytes


def multipart_parse(raw: bytes, content_type: str) -> tuple[dict[str, str], dict[str, FilePart]]:
    """A multipart/form-data body: its plain fields and its files. ApiError when it is not one."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise ApiError("error_param", "The upload must be sent as multipart/form-data.")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + raw)
    if not message.is_multipart():
        raise ApiError("error_param", "The multipart body could not be read.")
    fields: dict[str, str] = {}
    files: dict[str, FilePart] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            fields[str(name)] = data.decode("utf-8", "replace")
        else:
            files[str(name)] = FilePart(str(filename), part.get_content_type(), data)
    return fields, files


def picture_kind(data: bytes) -> str | None:
    """ "jpeg", "png" or "gif" by the file's own signature; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def picture_size(data: bytes, kind: str) -> tuple[int, int]:
    """Width and height from the picture's header (0, 0 when the header is cut short)."""
    try:
        if kind == "png":
            return struct.unpack(">II", data[16:24])
        if kind == "gif":
            return struct.unpack("<HH", data[6:10])
        return _jpeg_size(data)
    except struct.error:
        return 0, 0


def _jpeg_size(data: bytes) -> tuple[int, int]:
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            return 0, 0
        marker, length = data[at + 1], struct.unpack(">H", data[at + 2 : at + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame segment
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return 0, 0


def demo_picture(seed: int, side: int = 96) -> bytes:
    """A small PNG in a colour of its own (a buyer's "photo" in the demo and the tests)."""
    red, green, blue = (seed * 67) % 200 + 40, (seed * 131) % 200 + 40, (seed * 29) % 200 + 40
    rows = b"".join(
        b"\x00"
        + b"".join(
            bytes((red, green, blue) if (x // 12 + y // 12) % 2 else (255, 255, 255)) for x in range(side)
        )
        for y in range(side)
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def upload_store(core: Core, shop: Shop, part: FilePart | None, *, via: str) -> Upload:
    """Keep an uploaded picture, with Shopee's limits: one of jpg/jpeg/png/gif by name and by
    content, at most `image_max_bytes`. ApiError (error_param) otherwise, keeping nothing."""
    if part is None or not part.data:
        raise ApiError("error_param", "file is required.")
    limit = core.config.image_max_bytes
    if len(part.data) > limit:
        raise ApiError("error_param", f"The image is larger than {limit} bytes.")
    extension = part.filename.rsplit(".", 1)[-1].lower() if "." in part.filename else ""
    kind = picture_kind(part.data)
    if kind is None or (extension and EXTENSIONS.get(extension) != kind):
        raise ApiError("error_param", "The image must be a jpg, jpeg, png or gif file.")
    return _keep(core, shop.shop_id, part.data, kind, via=via)


def _keep(core: Core, shop_id: str, data: bytes, kind: str, *, via: str) -> Upload:
    world = core.world
    # Each upload is a file of its own on Shopee's side, even of the same picture.
    digest = hashlib.sha256(data + str(len(world.uploads)).encode()).hexdigest()[:32]
    width, height = picture_size(data, kind)
    upload = Upload(
        url_hash=digest,
        shop_id=shop_id,
        content_type=f"image/{kind}",
        size=len(data),
        width=width,
        height=height,
        data=base64.b64encode(data).decode("ascii"),
        created_ns=world.next_ns(),
        via=via,
    )
    world.uploads[digest] = upload
    core.changed()
    return upload


def buyer_picture(core: Core, shop_id: str, seed: int) -> dict[str, Any]:
    """A picture a buyer sends (the control API and the demo): kept as an upload, in the content
    shape Shopee shows for an image message."""
    upload = _keep(core, shop_id, demo_picture(seed), "png", via="buyer")
    return image_content(core, upload)


def upload_json(core: Core, upload: Upload) -> dict[str, Any]:
    """What both faces answer to an upload."""
    width, height = thumb_size(upload)
    return {
        "url": file_url(core, upload.url_hash),
        "thumbnail": file_url(core, f"{upload.url_hash}_tn"),
        "thumb_width": width,
        "thumb_height": height,
        "file_server_id": 0,
        "url_hash": upload.url_hash,
    }


def image_content(core: Core, upload: Upload) -> dict[str, Any]:
    """An image message's content as Shopee shows it when read (SHOPEE_API.md §6.4 sample): the
    upload's answer with the thumbnail as `thumb_url`."""
    answer = upload_json(core, upload)
    shown = {key: answer[key] for key in ("url", "thumb_width", "thumb_height", "file_server_id")}
    return shown | {"thumb_url": answer["thumbnail"]}


def thumb_size(upload: Upload) -> tuple[int, int]:
    side = max(upload.width, upload.height, 1)
    scale = min(1.0, THUMB_SIDE / side)
    return round(upload.width * scale), round(upload.height * scale)


def file_url(core: Core, name: str) -> str:
    return f"{core.base_url}/file/{name}"


def upload_of_url(core: Core, shop: Shop, url: Any) -> Upload | None:
    """The shop's upload `url` names (its full-size or thumbnail address), or None."""
    if not isinstance(url, str) or "/file/" not in url or not url.startswith(core.base_url):
        return None
    name = url.rsplit("/file/", 1)[1].removesuffix("_tn")
    upload = core.world.uploads.get(name)
    return upload if upload is not None and upload.shop_id == shop.shop_id else None


# Shopee's sticker host's path (docs/SELLERCENTRE.md; SHOPEE_STICKER_BASE): the sandbox answers
# it too, so that the demo's stickers show without reaching Shopee.
STICKER_PATH = re.compile(r"/shopee/shopee-sticker-live-[a-z]+/packs/[\w.-]+/[\w.@-]+")


def sticker_of(path: str) -> bytes | None:
    """GET a sticker's picture: a small PNG of its own colour for any sticker of any pack."""
    if not STICKER_PATH.fullmatch(path):
        return None
    return demo_picture(zlib.crc32(path.encode()) % 997, side=48)


def file_of(core: Core, path: str) -> tuple[bytes, str] | None:
    """GET /file/<hash> (or <hash>_tn): the picture and its type, as Shopee's image host serves it."""
    name = path.removeprefix("/file/").removesuffix("_tn")
    with core.lock:
        upload = core.world.uploads.get(name)
    return (base64.b64decode(upload.data), upload.content_type) if upload is not None else None
