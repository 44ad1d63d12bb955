"""Mapping the labels of another dataset onto the thighseg label table.

Rules, in order, for each source label (a name from a dataset.json, or a voxel value):

1. an explicit rule (``--map SOURCE=TARGET`` or a JSON file ``{"SOURCE": "TARGET"}``)
   whose SOURCE is the label's name or number;
2. a source *name* equal to one of our names, compared after normalisation
   (case-insensitive; ``-``, spaces and ``_`` are the same);
3. source background (value 0) stays background;
4. anything else is *unmapped*: an error that lists every unmapped label, unless
   ``unmapped="background"`` sends them to background explicitly.

Several sources may map to one target (adductor magnus, longus, brevis -> 6).
TARGET is one of our numbers 0-10 or names (``0`` and ``background`` allowed).

Example:
    >>> rules = parse_map_specs(["vastus_lat=3", "12=6", "adductor longus=adductors"])
    >>> rules
    {'vastus_lat': 3, '12': 6, 'adductor_longus': 6}
    >>> resolve_named_mapping({"background": 0, "Vastus-Lat": 1, "Sartorius": 2}, rules={"vastus_lat": 3})
    {0: 0, 1: 3, 2: 1}
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from thigh_common.errors import InvalidInputError
from thigh_common.labels import BACKGROUND, LABEL_BY_NAME, LABELS

UNMAPPED_CHOICES: tuple[str, ...] = ("error", "background")
COUNT_CHUNK = 1 << 22  # voxels per bincount call
MAP_HINT = (
    'map each with --map SOURCE=TARGET (or a --map-file JSON {"SOURCE": "TARGET"}), TARGET one of '
    "our labels 0-10 or their names, or pass --unmapped background to send them to background"
)


def normalise_name(name: str) -> str:
    """Return ``name`` lower-cased with ``-``, spaces and repeated ``_`` turned into one ``_``."""
    return re.sub(r"[\s_\-]+", "_", str(name).strip().lower()).strip("_")


def _our_labels_listing() -> str:
    """Return ``0=background, 1=sartorius, ...`` for messages."""
    return ", ".join(f"{value}={name}" for value, name in LABELS.items())


def parse_target(target: str | int) -> int:
    """Return our label value for ``target`` (a number 0-10 or one of our names).

    Raises:
        InvalidInputError: If ``target`` is none of our labels.
    """
    if isinstance(target, bool):
        target = str(target)
    text = str(target).strip()
    if re.fullmatch(r"\d+", text) and int(text) in LABELS:
        return int(text)
    if normalise_name(text) in LABEL_BY_NAME:
        return LABEL_BY_NAME[normalise_name(text)]
    raise InvalidInputError(
        f"label mapping target {target!r} is not a thighseg label; use a number or name of: {_our_labels_listing()}"
    )


def source_key(source: str | int) -> str:
    """Return the normalised key of a mapping source (a label name or number)."""
    text = str(source).strip()
    if re.fullmatch(r"\d+", text):
        return str(int(text))
    return normalise_name(text)


def _add_rule(rules: dict[str, int], source: str | int, target: str | int, origin: str) -> None:
    """Add ``source -> target`` to ``rules``; a source mapped twice to different targets is an error."""
    key = source_key(source)
    if not key:
        raise InvalidInputError(f"label mapping {origin}: empty source; expected SOURCE=TARGET")
    value = parse_target(target)
    if key in rules and rules[key] != value:
        raise InvalidInputError(
            f"label mapping {origin}: source {source!r} is mapped twice, to {rules[key]} and {value}"
        )
    rules[key] = value


def parse_map_specs(specs: Iterable[str]) -> dict[str, int]:
    """Parse ``--map`` specifications ``SOURCE=TARGET`` into normalised rules.

    Args:
        specs: Strings such as ``"vastus_lat=3"``, ``"12=6"``, ``"adductor_longus=adductors"``.

    Returns:
        Normalised source key -> our label value.

    Raises:
        InvalidInputError: On a malformed spec, an unknown target or a conflicting repeat.
    """
    rules: dict[str, int] = {}
    for spec in specs:
        source, separator, target = str(spec).rpartition("=")
        if not separator or not source.strip() or not target.strip():
            raise InvalidInputError(
                f"--map {spec!r}: expected SOURCE=TARGET, e.g. --map vastus_lat=3 or --map 12=adductors"
            )
        _add_rule(rules, source, target, f"--map {spec!r}")
    return rules


def read_map_file(path: str | os.PathLike[str]) -> dict[str, int]:
    """Read a JSON mapping file ``{"SOURCE": "TARGET" or TARGET_NUMBER, ...}`` into normalised rules.

    Raises:
        InvalidInputError: If the file is missing, not a JSON object, or holds an unknown target.
    """
    path = Path(path)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InvalidInputError(f"--map-file {path}: no such file") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInputError(f"--map-file {path}: not valid JSON ({error})") from error
    if not isinstance(content, dict):
        raise InvalidInputError(
            f'--map-file {path}: expected a JSON object {{"SOURCE": "TARGET"}}, found a {type(content).__name__}'
        )
    rules: dict[str, int] = {}
    for source, target in content.items():
        if not isinstance(target, (str, int)) or isinstance(target, bool):
            raise InvalidInputError(
                f"--map-file {path}: target of {source!r} must be a name or number, got {target!r}"
            )
        _add_rule(rules, source, target, f"--map-file {path} entry {source!r}")
    return rules


def combine_rules(
    map_specs: Iterable[str] = (), map_file: str | os.PathLike[str] | None = None
) -> dict[str, int]:
    """Combine the rules of a mapping file and of ``--map`` specs (a spec repeating a file rule must agree)."""
    rules = read_map_file(map_file) if map_file is not None else {}
    for key, value in parse_map_specs(map_specs).items():
        _add_rule(rules, key, value, f"--map {key}={value}")
    return rules


def _check_unmapped_choice(unmapped: str) -> None:
    """Reject an ``unmapped`` value other than ``error`` or ``background``."""
    if unmapped not in UNMAPPED_CHOICES:
        raise ValueError(f"unmapped must be one of {UNMAPPED_CHOICES}, got {unmapped!r}")


def resolve_named_mapping(
    source_labels: Mapping[str, int], rules: Mapping[str, int] | None = None, unmapped: str = "error"
) -> dict[int, int]:
    """Build the value mapping of a dataset whose labels have names (an nnU-Net dataset.json).

    Args:
        source_labels: Source name -> source value (``labels`` of the dataset.json).
        rules: Normalised explicit rules (from :func:`parse_map_specs`); keys are names or numbers.
        unmapped: ``"error"`` or ``"background"`` for source labels no rule or name matches.

    Returns:
        Source value -> our value, for every source label.

    Raises:
        InvalidInputError: If a rule names no source label, or labels are unmapped with ``unmapped="error"``.
    """
    _check_unmapped_choice(unmapped)
    rules = dict(rules or {})
    known_keys = {source_key(name) for name in source_labels} | {str(int(v)) for v in source_labels.values()}
    unknown = [key for key in rules if key not in known_keys]
    if unknown:
        raise InvalidInputError(
            f"label mapping names source label(s) {', '.join(repr(key) for key in unknown)} that the source "
            "dataset does not have; its labels are: "
            + ", ".join(f"{name}={value}" for name, value in source_labels.items())
        )
    mapping: dict[int, int] = {}
    missing: list[str] = []
    for name, value in source_labels.items():
        target = _target_for(source_key(name), int(value), rules)
        if target is None and source_key(name) in LABEL_BY_NAME:
            target = LABEL_BY_NAME[source_key(name)]
        if target is None:
            missing.append(f"{name}={value}")
            target = BACKGROUND
        if int(value) in mapping and mapping[int(value)] != target:
            raise InvalidInputError(
                f"source labels with value {value} map to both {mapping[int(value)]} and {target}; "
                "map every name of one value to the same target"
            )
        mapping[int(value)] = target
    _raise_or_accept_unmapped(missing, unmapped, "source label(s)")
    return mapping


def resolve_numeric_mapping(
    values: Iterable[int], rules: Mapping[str, int] | None = None, unmapped: str = "error"
) -> dict[int, int]:
    """Build the value mapping of label files without names (a folder of pairs).

    Without rules the values are taken to be our labels already (0-10 kept as
    they are). With rules every non-zero value present must have a rule.

    Args:
        values: The label values present in the label files.
        rules: Normalised explicit rules; keys must be numbers.
        unmapped: ``"error"`` or ``"background"`` for values without a rule.

    Returns:
        Source value -> our value, for every value in ``values``.

    Raises:
        InvalidInputError: If a rule source is a name, or values are unmapped with ``unmapped="error"``.
    """
    _check_unmapped_choice(unmapped)
    rules = dict(rules or {})
    names = [key for key in rules if not key.isdigit()]
    if names:
        raise InvalidInputError(
            f"label mapping source(s) {', '.join(repr(n) for n in names)} are names, but label files without "
            "a dataset.json have only numbers; map numbers, e.g. --map 12=6"
        )
    mapping: dict[int, int] = {}
    missing: list[str] = []
    for value in sorted({int(v) for v in values}):
        target = _target_for(str(value), value, rules)
        if target is None and not rules and value in LABELS:
            target = value
        if target is None:
            missing.append(str(value))
            target = BACKGROUND
        mapping[value] = target
    _raise_or_accept_unmapped(missing, unmapped, "label value(s)")
    return mapping


def _target_for(name_key: str, value: int, rules: Mapping[str, int]) -> int | None:
    """Return the explicit target of a source (by name, then by number), background for 0, else None."""
    if name_key in rules:
        return rules[name_key]
    if str(value) in rules:
        return rules[str(value)]
    if value == BACKGROUND:
        return BACKGROUND
    return None


def _raise_or_accept_unmapped(missing: list[str], unmapped: str, what: str) -> None:
    """Raise for unmapped sources unless they go to background explicitly."""
    if missing and unmapped == "error":
        raise InvalidInputError(f"unmapped {what}: {', '.join(missing)}; {MAP_HINT}")


def mapping_description(mapping: Mapping[int, int]) -> str:
    """Return ``"1->3, 2->1"`` for logs."""
    return ", ".join(f"{source}->{target}" for source, target in sorted(mapping.items()))


def label_values(image: sitk.Image) -> list[int]:
    """Return the distinct values of a label image.

    Raises:
        InvalidInputError: If a value is not a whole number.
    """
    array = sitk.GetArrayViewFromImage(image)
    if np.issubdtype(array.dtype, np.integer) and array.size and array.min() >= 0 and array.max() < 2**16:
        counts = np.zeros(int(array.max()) + 1, np.int64)
        flat = array.reshape(-1)
        for start in range(0, flat.size, COUNT_CHUNK):  # chunks: bincount copies its input as int64
            counts += np.bincount(flat[start : start + COUNT_CHUNK], minlength=counts.size)
        return [int(v) for v in np.flatnonzero(counts)]
    values = np.unique(array)
    if not np.all(np.isfinite(values)) or not np.array_equal(values, np.round(values)):
        fractional = [float(v) for v in values if not np.isfinite(v) or v != np.round(v)][:5]
        raise InvalidInputError(f"label values must be whole numbers; found {fractional}")
    return [int(v) for v in values]


def apply_mapping(label_image: sitk.Image, mapping: Mapping[int, int]) -> sitk.Image:
    """Map the values of ``label_image`` through ``mapping`` with a lookup table.

    Args:
        label_image: Source labels (any integer or integral float type).
        mapping: Source value -> our value; must cover every value present.

    Returns:
        A uint8 image on exactly the same grid (size, spacing, origin, direction).

    Raises:
        InvalidInputError: If a value present has no entry in ``mapping``.
    """
    present = label_values(label_image)
    missing = [value for value in present if value not in mapping]
    if missing:
        raise InvalidInputError(f"label values {missing} have no mapping; {MAP_HINT}")
    array = sitk.GetArrayViewFromImage(label_image)
    if present and min(present) >= 0:
        table = np.zeros(max(present) + 1, np.uint8)
        for value in present:
            table[value] = mapping[value]
        indices = array if np.issubdtype(array.dtype, np.integer) else array.astype(np.int32)
        mapped = table[indices]
    else:
        mapped = np.zeros(array.shape, np.uint8)
        for value in present:
            mapped[array == value] = mapping[value]
    output = sitk.GetImageFromArray(mapped)
    output.CopyInformation(label_image)
    return output
