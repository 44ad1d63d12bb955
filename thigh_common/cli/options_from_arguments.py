"""Build a command's options dataclass from its parsed arguments, field by field, instead of by hand.

Each field of the dataclass takes the argument of the same name (argparse's
``dest``); what the arguments do not hold, or hold in another form, is passed
explicitly. A required field that neither provides is an error in the command's
code, not the user's, so it raises ``TypeError`` naming the field.

Example:
    >>> import argparse, dataclasses
    >>> @dataclasses.dataclass(frozen=True)
    ... class Options:
    ...     output: str
    ...     workers: int = 1
    ...     overwrite: bool = False
    >>> arguments = argparse.Namespace(output="out", workers=3, verbose=True)
    >>> options_from_arguments(Options, arguments, overwrite=True)
    Options(output='out', workers=3, overwrite=True)
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any, TypeVar

OptionsT = TypeVar("OptionsT")


def options_from_arguments(cls: type[OptionsT], arguments: argparse.Namespace, **explicit: Any) -> OptionsT:
    """Return ``cls(...)`` with each field from ``explicit``, else from ``arguments``, else its default.

    Args:
        cls: A dataclass.
        arguments: The parsed arguments; attributes that are not fields of ``cls`` are ignored.
        **explicit: Values for fields the arguments do not hold as such (resolved paths, devices).

    Returns:
        The options object.

    Raises:
        TypeError: If ``cls`` is not a dataclass, an explicit name is not one of its fields, or a
            field without a default has no value.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    fields = {field.name: field for field in dataclasses.fields(cls) if field.init}
    unknown = sorted(set(explicit) - set(fields))
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {', '.join(unknown)}")
    values = dict(explicit)
    for name in fields.keys() - values.keys():
        if hasattr(arguments, name):
            values[name] = getattr(arguments, name)
    missing = [
        name
        for name, field in fields.items()
        if name not in values
        and field.default is dataclasses.MISSING
        and field.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise TypeError(f"{cls.__name__}: no argument or explicit value for {', '.join(missing)}")
    return cls(**values)
