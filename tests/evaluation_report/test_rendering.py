"""Markdown and HTML rendering of the report's document model: escaping and link quoting."""

from __future__ import annotations

from thigh_evaluation.report.document import (
    BulletList,
    Code,
    Document,
    Heading,
    Image,
    Link,
    Note,
    Paragraph,
    Table,
    targets,
)
from thigh_evaluation.report.html import render_html
from thigh_evaluation.report.markdown import render_markdown

DOCUMENT = Document(
    "Cohort <1> | test",
    (
        Note(("not for clinical use",)),
        Heading(2, "Files & tables"),
        Paragraph(("see ", Link("my table", "tables/case 1_muscles.csv"), " and ", Code("../pred/a.nii.gz"))),
        Table(("name", "value"), (("a|b", "1.0"), (Link("x", "x#1.csv"), "2.0")), (False, True)),
        Image("overlays/case 1_overlay.png", "overlay of case 1"),
        BulletList((("one",), ("two ", Link("t", "t.csv")))),
    ),
)


def test_targets_lists_every_link_and_image():
    assert list(targets(DOCUMENT)) == [
        "tables/case 1_muscles.csv",
        "x#1.csv",
        "overlays/case 1_overlay.png",
        "t.csv",
    ]


def test_markdown():
    page = render_markdown(DOCUMENT)
    assert page.startswith("# Cohort \\<1> \\| test\n")
    assert "> **not for clinical use**" in page
    assert "[my table](tables/case%201_muscles.csv)" in page
    assert "`../pred/a.nii.gz`" in page
    assert "| a\\|b | 1.0 |" in page and "| --- | ---: |" in page
    assert "[x](x%231.csv)" in page
    assert "![overlay of case 1](overlays/case%201_overlay.png)" in page
    assert "- two [t](t.csv)" in page


def test_html():
    page = render_html(DOCUMENT)
    assert "<title>Cohort &lt;1&gt; | test</title>" in page
    assert '<p class="note">not for clinical use</p>' in page
    assert "<h2>Files &amp; tables</h2>" in page
    assert '<a href="tables/case%201_muscles.csv">my table</a>' in page
    assert "<code>../pred/a.nii.gz</code>" in page
    assert '<td>a|b</td><td class="number">1.0</td>' in page
    assert '<img src="overlays/case%201_overlay.png" alt="overlay of case 1">' in page
    assert "<script" not in page and "http" not in page
