"""The report's Markdown pieces (escaping, link quoting) and the HTML page rendered from them."""

from __future__ import annotations

from thigh_evaluation.report.page import bullets, code, escape, image, link, render_html, table, targets

PAGE = "\n\n".join([
    f"# {escape('Cohort <1> | test')}",
    f"> **{escape('not for clinical use')}**",
    f"## {escape('Files & tables')}",
    f"see {link('my table', 'tables/case 1_muscles.csv')} and {code('../pred/a.nii.gz')}",
    table(("name", "value"), [(escape("a|b"), "1.0"), (link("x", "x#1.csv"), "2.0")], (False, True)),
    image("overlays/case 1_overlay.png", "overlay of case 1"),
    bullets(["one", "two " + link("t", "t.csv")]),
]) + "\n"  # fmt: skip


def test_targets_lists_every_link_and_image():
    assert list(targets(PAGE)) == [
        "tables/case 1_muscles.csv",
        "x#1.csv",
        "overlays/case 1_overlay.png",
        "t.csv",
    ]


def test_markdown():
    assert PAGE.startswith("# Cohort \\<1> \\| test\n")
    assert "[my table](tables/case%201_muscles.csv)" in PAGE
    assert "`../pred/a.nii.gz`" in PAGE
    assert "| a\\|b | 1.0 |" in PAGE and "| --- | ---: |" in PAGE
    assert "[x](x%231.csv)" in PAGE
    assert "![overlay of case 1](overlays/case%201_overlay.png)" in PAGE
    assert "- two [t](t.csv)" in PAGE


def test_html():
    page = render_html(PAGE, "Cohort <1> | test")
    assert "<title>Cohort &lt;1&gt; | test</title>" in page
    assert "<h1>Cohort &lt;1&gt; | test</h1>" in page
    assert "<blockquote>\n<p><strong>not for clinical use</strong></p>\n</blockquote>" in page
    assert "<h2>Files &amp; tables</h2>" in page
    assert '<a href="tables/case%201_muscles.csv">my table</a>' in page
    assert "<code>../pred/a.nii.gz</code>" in page
    assert '<td>a|b</td>\n<td style="text-align: right;">1.0</td>' in page
    assert '<img alt="overlay of case 1" src="overlays/case%201_overlay.png">' in page
    assert "<script" not in page and "http" not in page
