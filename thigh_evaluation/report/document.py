"""A small document model that the report is composed in once and rendered twice (markdown and HTML).

Blocks are headings, paragraphs, notes, tables, images and bullet lists; their inline parts are
plain text, links and code spans. A link or image target is a path relative to the report folder,
written with ``/`` separators and not yet URL-quoted (the renderers quote it).

Example:
    >>> link = Link("metrics", "evaluation/metrics.csv")
    >>> document = Document("Demo", (Heading(2, "Files"), Paragraph(("see ", link))))
    >>> list(targets(document))
    ['evaluation/metrics.csv']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Link:
    """A link to a file inside the report folder.

    Attributes:
        text: What the reader sees.
        target: Path relative to the report folder, ``/``-separated, unquoted.
    """

    text: str
    target: str


@dataclass(frozen=True)
class Code:
    """Text shown as code, such as a path outside the report folder."""

    text: str


Inline = str | Link | Code
Parts = tuple[Inline, ...]


@dataclass(frozen=True)
class Heading:
    """A section heading; level 1 is the title."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """Running text."""

    parts: Parts


@dataclass(frozen=True)
class Note:
    """A highlighted paragraph (a blockquote in markdown, a framed box in HTML)."""

    parts: Parts


@dataclass(frozen=True)
class Table:
    """A table with a header row.

    Attributes:
        header: Column titles.
        rows: Cells of each row, as many as the header.
        numeric: Per column, whether it holds numbers (right-aligned).
    """

    header: tuple[str, ...]
    rows: tuple[Parts, ...]
    numeric: tuple[bool, ...]


@dataclass(frozen=True)
class Image:
    """A picture inside the report folder.

    Attributes:
        target: Path relative to the report folder, ``/``-separated, unquoted.
        alt: Alternative text.
    """

    target: str
    alt: str


@dataclass(frozen=True)
class BulletList:
    """A list; each item is a sequence of inline parts."""

    items: tuple[Parts, ...]


Block = Heading | Paragraph | Note | Table | Image | BulletList


@dataclass(frozen=True)
class Document:
    """The title and the blocks of the report, in order."""

    title: str
    blocks: tuple[Block, ...]


def quoted_target(target: str) -> str:
    """A relative path as a URL: each segment percent-encoded, ``/`` kept."""
    return quote(target, safe="/")


def targets(document: Document) -> Iterator[str]:
    """Every link and image target of ``document`` (unquoted), in order."""
    for block in document.blocks:
        if isinstance(block, Image):
            yield block.target
        for parts in _parts_of(block):
            yield from (part.target for part in parts if isinstance(part, Link))


def _parts_of(block: Block) -> tuple[Parts, ...]:
    if isinstance(block, Paragraph | Note):
        return (block.parts,)
    if isinstance(block, Table):
        return block.rows
    if isinstance(block, BulletList):
        return block.items
    return ()
