"""Charts as SVG drawn on the server (the CSP allows no script from elsewhere, and none inline):
lines of each shop's share answered in time against the 80% bar, bars of first-response time per
person, bars of chats per hour of day. Colours come from classes in reports.css."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from chat.response_rate import BAR

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 220, 40, 30, 10
SERIES = 8  # colours in reports.css: .series-0 … .series-7


def _y(percent: float) -> float:
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - percent / 100), 1)


def _svg(label: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
        WIDTH,
        HEIGHT,
        label,
        body,
    )


def rate_lines(
    *, labels: list[str], series: list[tuple[str, list[int | None]]], title: str, bar_words: str
) -> SafeString:
    """Each shop's share answered within 12 hours per period, and the 80% bar."""
    step = (WIDTH - LEFT - 10) / max(1, len(labels) - 1)
    parts = [
        format_html('<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>', LEFT, _y(0), WIDTH - 10, _y(0)),
        format_html(
            '<line class="bar-line" x1="{}" y1="{}" x2="{}" y2="{}"/><text class="bar-words" x="{}" y="{}">{}</text>',
            LEFT,
            _y(BAR),
            WIDTH - 10,
            _y(BAR),
            LEFT + 4,
            _y(BAR) - 4,
            bar_words,
        ),
    ]
    for percent in (0, 50, 100):
        parts.append(format_html('<text class="tick" x="4" y="{}">{}%</text>', _y(percent) + 4, percent))
    every = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(
                format_html(
                    '<text class="tick" x="{}" y="{}">{}</text>', round(LEFT + i * step, 1), HEIGHT - 8, label
                )
            )
    for n, (name, values) in enumerate(series):
        points = " ".join(f"{LEFT + i * step:.1f},{_y(v):.1f}" for i, v in enumerate(values) if v is not None)
        if points:
            parts.append(
                format_html(
                    '<polyline class="series series-{}" points="{}"><title>{}</title></polyline>',
                    n % SERIES,
                    points,
                    name,
                )
            )
    return _svg(title, mark_safe("".join(parts)))  # noqa: S308 - every part built by format_html


def bars(*, items: list[tuple[str, float]], title: str, unit: str) -> SafeString:
    """Vertical bars, one per item, labelled below and valued above."""
    top = max((value for _, value in items), default=0) or 1
    width = (WIDTH - LEFT - 10) / max(1, len(items))
    parts = [
        format_html('<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>', LEFT, _y(0), WIDTH - 10, _y(0))
    ]
    for i, (label, value) in enumerate(items):
        height = (HEIGHT - TOP - BOTTOM - 12) * value / top
        x = LEFT + i * width
        parts.append(
            format_html(
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: {} {}</title></rect>'
                '<text class="tick" x="{}" y="{}">{}</text>',
                round(x + width * 0.15, 1),
                round(_y(0) - height, 1),
                round(width * 0.7, 1),
                round(height, 1),
                label,
                _round(value),
                unit,
                round(x + width * 0.15, 1),
                HEIGHT - 8,
                label,
            )
        )
        if value:
            parts.append(
                format_html(
                    '<text class="value" x="{}" y="{}">{}</text>',
                    round(x + width * 0.15, 1),
                    round(_y(0) - height - 3, 1),
                    _round(value),
                )
            )
    return _svg(title, mark_safe("".join(parts)))  # noqa: S308 - every part built by format_html


def legend(names: list[str]) -> SafeString:
    return format_html_join(
        "",
        '<span class="legend-item"><span class="swatch series-{}"></span>{}</span>',
        ((n % SERIES, name) for n, name in enumerate(names)),
    )


def _round(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"
