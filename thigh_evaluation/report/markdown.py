"""Render a report :class:`~thigh_evaluation.report.document.Document` as markdown (``index.md``).

Links and images use relative, percent-encoded targets, so the page renders the same in a
repository browser and in a local markdown viewer.

Example:
    >>> from thigh_evaluation.report.document import Document, Heading, Link, Paragraph
    >>> paragraph = Paragraph(("see ", Link("metrics", "evaluation/metrics.csv")))
    >>> print(render_markdown(Document("Demo", (paragraph,))))
    # Demo
    <BLANKLINE>
    see [metrics](evaluation/metrics.csv)
    <BLANKLINE>
"""

from __future__ import annotations

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

_ESCAPED = str.maketrans({character: "\\" + character for character in "\\`*[]|<"})


def render_markdown(document: Document) -> str:
    """The whole page: the title as a level-1 heading, then each block, separated by blank lines."""
    chunks = [f"# {_escape(document.title)}"] + [_block(block) for block in document.blocks]
    return "\n\n".join(chunks) + "\n"


def _escape(text: str) -> str:
    return text.translate(_ESCAPED)


def _inline(parts: Parts) -> str:
    rendered = []
    for part in parts:
        if isinstance(part, Link):
            rendered.append(f"[{_escape(part.text)}]({quoted_target(part.target)})")
        elif isinstance(part, Code):
            rendered.append(f"`{part.text.replace('`', '')}`")
        else:
            rendered.append(_escape(part))
    return "".join(rendered)


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"{'#' * max(block.level, 1)} {_escape(block.text)}"
    if isinstance(block, Paragraph):
        return _inline(block.parts)
    if isinstance(block, Note):
        return f"> **{_inline(block.parts)}**"
    if isinstance(block, Image):
        return f"![{_escape(block.alt)}]({quoted_target(block.target)})"
    if isinstance(block, BulletList):
        return "\n".join(f"- {_inline(item)}" for item in block.items)
    if isinstance(block, Table):
        return _table(block)
    raise TypeError(f"unknown block {block!r}")


def _table(table: Table) -> str:
    lines = [
        "| " + " | ".join(_escape(title) for title in table.header) + " |",
        "| " + " | ".join("---:" if numeric else "---" for numeric in table.numeric) + " |",
    ]
    lines += ["| " + " | ".join(_inline((cell,)) for cell in row) + " |" for row in table.rows]
    return "\n".join(lines)
