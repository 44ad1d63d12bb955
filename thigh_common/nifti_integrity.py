"""Detect truncated NIfTI files, which ITK reads without an error (missing voxels become 0).

An uncompressed file must be at least ``vox_offset`` + voxel bytes long. A
gzip file stores the uncompressed size (modulo 2**32) in its last four bytes;
when that does not match, the file is decompressed to its end to tell a
truncated file from a valid multi-member one (e.g. written by bgzip).

Whether a file is compressed is decided by its first two bytes (the gzip magic
``1f 8b``), not by its name: ITK reads an uncompressed NIfTI named ``.nii.gz``
completely, so such a file is checked by its length like a ``.nii``.

Example:
    >>> expected_nifti_bytes(352, (12, 16, 10), 1, 16)
    4192
"""

from __future__ import annotations

import math
import zlib
from pathlib import Path

import SimpleITK as sitk

CHUNK_BYTES = 1 << 22
GZIP_WBITS = 16 + zlib.MAX_WBITS
GZIP_MAGIC = b"\x1f\x8b"
"""The first two bytes of every gzip file."""


def expected_nifti_bytes(vox_offset: int, size: tuple[int, ...], components: int, bitpix: int) -> int:
    """Return the uncompressed length of a NIfTI file: header and extensions, then the voxels."""
    return vox_offset + math.prod(size) * components * bitpix // 8


def is_gzip(path: Path) -> bool:
    """Return whether ``path`` starts with the gzip magic bytes ``1f 8b`` (whatever its name)."""
    with open(path, "rb") as handle:
        return handle.read(len(GZIP_MAGIC)) == GZIP_MAGIC


def _decompressed_length(path: Path) -> int | None:
    """Decompress every gzip member of ``path``; return the total length, or None when cut short."""
    total = 0
    decompressor = zlib.decompressobj(GZIP_WBITS)
    member_complete = False
    pending = b""
    with open(path, "rb") as handle:
        while chunk := pending or handle.read(CHUNK_BYTES):
            member_complete = False
            total += len(decompressor.decompress(chunk))
            pending = b""
            if decompressor.eof:
                member_complete = True
                pending = decompressor.unused_data
                decompressor = zlib.decompressobj(GZIP_WBITS)
    return total if member_complete else None


def nifti_truncation(path: Path, header: sitk.ImageFileReader) -> str | None:
    """Say how a NIfTI file is truncated, or return None when complete (or not NIfTI).

    Args:
        path: The file.
        header: Its reader after ``ReadImageInformation``.

    Returns:
        A description such as ``"2048 of 4192 bytes"``, or None. For a gzip file
        whose data cannot be decompressed, ``"corrupt compressed data (...)"``.
    """
    name = path.name.lower()
    if not name.endswith((".nii", ".nii.gz")) or not header.HasMetaDataKey("vox_offset"):
        return None
    try:
        vox_offset = int(float(header.GetMetaData("vox_offset")))
        bitpix = int(header.GetMetaData("bitpix"))
    except (RuntimeError, ValueError):
        return None
    expected = expected_nifti_bytes(vox_offset, header.GetSize(), header.GetNumberOfComponents(), bitpix)
    if not is_gzip(path):  # a .nii, or an uncompressed file named .nii.gz
        found = path.stat().st_size
        return None if found >= expected else f"{found} of {expected} bytes"
    with open(path, "rb") as handle:
        handle.seek(-4, 2)
        stored_length = int.from_bytes(handle.read(4), "little")
    if stored_length == expected % (1 << 32):
        return None
    try:
        found = _decompressed_length(path)
    except zlib.error as error:
        return f"corrupt compressed data ({error})"
    if found is None:
        return f"the compressed data ends early (expected {expected} bytes uncompressed)"
    return None if found >= expected else f"{found} of {expected} bytes"
