"""Shipping labels as download_shipping_document returns them: a small PDF, or HTML for Taiwan's
convenience-store channels."""

from __future__ import annotations

import html

from shopee.sandbox.channels import CHANNELS
from shopee.sandbox.state import Order


def pdf_labels(orders: list[Order]) -> bytes:
    """One A6 page per package, Helvetica text only (a hand-made PDF has no CJK font)."""
    streams = [_pdf_text_stream(_label_lines(order)) for order in orders]
    page_ids = [4 + 2 * i for i in range(len(streams))]  # each page object is followed by its content
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(streams)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for page_id, stream in zip(page_ids, streams, strict=True):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 298 420] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _label_lines(order: Order) -> list[str]:
    channel = CHANNELS[order.channel_id]
    return [
        f"Shopee - {channel.latin_name}",
        f"Order: {order.order_sn}",
        f"Package: {order.package_number}",
        f"Tracking: {order.tracking_number or '-'}",
        f"Items: {sum(line['quantity'] for line in order.items)}",
        f"Zip: {order.recipient.get('zipcode', '')}",
    ]


def _pdf_text_stream(lines: list[str]) -> bytes:
    def literal(text: str) -> str:
        ascii_text = text.encode("ascii", "replace").decode("ascii")
        return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    body = "".join(f"({literal(line)}) Tj T*\n" for line in lines)
    return f"BT /F1 12 Tf 24 390 Td 18 TL\n{body}ET".encode("ascii")


def html_labels(orders: list[Order]) -> bytes:
    """Convenience-store labels (寄件單) as the HTML page Shopee serves for these channels."""
    blocks = []
    for order in orders:
        channel = CHANNELS[order.channel_id]
        rows = [
            ("物流", channel.name),
            ("訂單編號", order.order_sn),
            ("寄件編號", order.tracking_number or "（尚未取號）"),
            ("取件門市", order.recipient.get("full_address", "")),
            ("取件人", _masked_name(order.recipient.get("name", ""))),
            ("件數", str(sum(line["quantity"] for line in order.items))),
        ]
        cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
        blocks.append(f'<section class="label"><h2>蝦皮寄件單</h2><table>{cells}</table></section>')
    page = (
        '<!DOCTYPE html><html lang="zh-Hant"><head><meta charset="utf-8"><title>寄件單</title>'
        "<style>body{font-family:sans-serif}.label{border:2px dashed #333;width:320px;padding:12px;"
        "margin:12px;page-break-after:always}th{text-align:left;padding-right:12px}</style></head><body>"
        + "".join(blocks)
        + "</body></html>"
    )
    return page.encode("utf-8")


def _masked_name(name: str) -> str:
    """王小明 -> 王O明, as printed on Taiwanese convenience-store labels."""
    if len(name) < 2:
        return name
    return name[0] + "O" * max(1, len(name) - 2) + (name[-1] if len(name) > 2 else "")
