"""Render a report :class:`~thigh_evaluation.report.document.Document` as one HTML page (``index.html``).

The page is self-contained apart from the files of the report folder it links: a small inline
style sheet, relative links and ``<img>`` tags, no scripts and nothing fetched from elsewhere.

Example:
    >>> from thigh_evaluation.report.document import Document, Image
    >>> page = render_html(Document("Demo", (Image("boxplot.png", "box plot"),)))
    >>> '<img src="boxplot.png" alt="box plot">' in page
    True
"""

from __future__ import annotations

from html import escape

from thigh_evaluation.report.document import (
    Block,
    BulletList,
    Code,
    Document,
    Heading,
    Image,
    Link,
    Note,
    Paragraph,
    Parts,
    Table,
    quoted_target,
)

STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #4C72B0; padding-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.15em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f0f3f8; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fafafa; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
code { background: #f4f4f4; padding: 0 0.25em; border-radius: 3px; }
.note { border-left: 5px solid #C44E52; background: #fdf2f2; padding: 0.6em 1em; font-weight: bold; }
""".strip()


def render_html(document: Document) -> str:
    """The whole page, UTF-8, with the title as ``<title>`` and ``<h1>``."""
    title = escape(document.title)
    body = "\n".join(_block(block) for block in document.blocks)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n"
        f"<h1>{title}</h1>\n{body}\n</body>\n</html>\n"
    )


def _inline(parts: Parts) -> str:
    rendered = []
    for part in parts:
        if isinstance(part, Link):
            rendered.append(f'<a href="{escape(quoted_target(part.target))}">{escape(part.text)}</a>')
        elif isinstance(part, Code):
            rendered.append(f"<code>{escape(part.text)}</code>")
        else:
            rendered.append(escape(part))
    return "".join(rendered)


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        level = min(max(block.level, 1), 6)
        return f"<h{level}>{escape(block.text)}</h{level}>"
    if isinstance(block, Paragraph):
        return f"<p>{_inline(block.parts)}</p>"
    if isinstance(block, Note):
        return f'<p class="note">{_inline(block.parts)}</p>'
    if isinstance(block, Image):
        return f'<p><img src="{escape(quoted_target(block.target))}" alt="{escape(block.alt)}"></p>'
    if isinstance(block, BulletList):
        items = "\n".join(f"<li>{_inline(item)}</li>" for item in block.items)
        return f"<ul>\n{items}\n</ul>"
    if isinstance(block, Table):
        return _table(block)
    raise TypeError(f"unknown block {block!r}")


def _table(table: Table) -> str:
    header = "".join(f"<th>{escape(title)}</th>" for title in table.header)
    rows = []
    for row in table.rows:
        cells = "".join(
            f'<td class="number">{_inline((cell,))}</td>' if numeric else f"<td>{_inline((cell,))}</td>"
            for cell, numeric in zip(row, table.numeric, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    body = "\n".join(rows)
    return f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
