"""Templates hide what they only tell developers: Django's {# … #} ends at the end of its line, so
one running over two lines is printed on the page (the order page once showed the book panel's
English comment to staff)."""

from __future__ import annotations

from tests.utils import ROOT


def test_no_template_comment_runs_over_a_line_break():
    templates = [path for path in ROOT.rglob("templates/**/*.html") if ".venv" not in path.parts]
    assert len(templates) > 20
    unclosed = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in templates
        for number, text in enumerate(path.read_text().splitlines(), 1)
        if text.rfind("{#") > text.rfind("#}")
    ]
    assert unclosed == []
