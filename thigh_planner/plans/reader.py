"""Reading untrusted JSON values field by field, collecting every problem with its path.

Each ``read_*`` method returns the value, or None after recording a problem,
so that one pass over a file reports all that is wrong with it.

Example:
    >>> reader = FieldReader()
    >>> section = reader.section({"lr": -1}, "training", required=("lr", "epochs"))
    >>> reader.number(section, "lr", "training", minimum=0.0, exclusive=True) is None
    True
    >>> reader.problems
    ['training.epochs: missing', 'training.lr: expected a number > 0, found -1']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def join(path: str, key: str) -> str:
    """Return the field path of ``key`` under ``path``."""
    return f"{path}.{key}" if path else key


def describe(value: Any) -> str:
    """Return a short description of a found value for a message."""
    text = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


class FieldReader:
    """Collects problems while reading fields; see the module example."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        """Record ``message`` for the field at ``path``."""
        self.problems.append(f"{path}: {message}")

    def section(self, data: Any, path: str, required: Sequence[str]) -> dict[str, Any] | None:
        """Check that ``data`` is an object with exactly the keys ``required``.

        Missing and unknown keys are recorded; the object is returned when it is a
        dictionary (even with problems) so that its other fields can still be read.
        """
        if not isinstance(data, dict):
            self.problem(path or "(top level)", f"expected an object, found {describe(data)}")
            return None
        for key in required:
            if key not in data:
                self.problem(join(path, key), "missing")
        for key in data:
            if key not in required:
                self.problem(join(path, str(key)), f"unknown key; expected only {', '.join(required)}")
        return data

    def _get(self, section: dict[str, Any] | None, key: str) -> tuple[bool, Any]:
        if section is None or key not in section:
            return False, None
        return True, section[key]

    def number(
        self,
        section: dict[str, Any] | None,
        key: str,
        path: str,
        minimum: float | None = None,
        exclusive: bool = False,
        maximum: float | None = None,
    ) -> float | None:
        """Read a number, optionally at least (or above, ``exclusive``) ``minimum`` and at most ``maximum``."""
        present, value = self._get(section, key)
        return self.check_number(value, join(path, key), minimum, exclusive, maximum) if present else None

    def check_number(
        self,
        value: Any,
        path: str,
        minimum: float | None = None,
        exclusive: bool = False,
        maximum: float | None = None,
    ) -> float | None:
        """Check a value that is already extracted; see :meth:`number`."""
        expected = "a number"
        if minimum is not None:
            expected += f" {'>' if exclusive else '>='} {minimum:g}"
        if maximum is not None:
            expected += f"{' and' if minimum is not None else ''} <= {maximum:g}"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            self.problem(path, f"expected {expected}, found {describe(value)}")
            return None
        too_low = minimum is not None and (value <= minimum if exclusive else value < minimum)
        if too_low or (maximum is not None and value > maximum):
            self.problem(path, f"expected {expected}, found {value!r}")
            return None
        return float(value)

    def integer(
        self, section: dict[str, Any] | None, key: str, path: str, minimum: int | None = None
    ) -> int | None:
        """Read an integer, optionally at least ``minimum``."""
        present, value = self._get(section, key)
        return self.check_integer(value, join(path, key), minimum) if present else None

    def check_integer(self, value: Any, path: str, minimum: int | None = None) -> int | None:
        """Check an already extracted integer; see :meth:`integer`."""
        expected = "an integer" + (f" >= {minimum}" if minimum is not None else "")
        if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
            self.problem(path, f"expected {expected}, found {describe(value)}")
            return None
        return value

    def string(
        self, section: dict[str, Any] | None, key: str, path: str, choices: Sequence[str] | None = None
    ) -> str | None:
        """Read a non-empty string, optionally one of ``choices``."""
        present, value = self._get(section, key)
        if not present:
            return None
        if not isinstance(value, str) or not value:
            self.problem(join(path, key), f"expected a non-empty string, found {describe(value)}")
            return None
        if choices is not None and value not in choices:
            self.problem(join(path, key), f"expected one of {', '.join(choices)}, found {value!r}")
            return None
        return value

    def boolean(self, section: dict[str, Any] | None, key: str, path: str) -> bool | None:
        """Read ``true`` or ``false``."""
        present, value = self._get(section, key)
        if present and not isinstance(value, bool):
            self.problem(join(path, key), f"expected true or false, found {describe(value)}")
            return None
        return value if present else None

    def sequence(
        self, section: dict[str, Any] | None, key: str, path: str, length: int | None = None
    ) -> list[Any] | None:
        """Read a list, optionally of exactly ``length`` items."""
        present, value = self._get(section, key)
        return self.check_sequence(value, join(path, key), length) if present else None

    def check_sequence(self, value: Any, path: str, length: int | None = None) -> list[Any] | None:
        """Check an already extracted list; see :meth:`sequence`."""
        expected = f"a list of {length} items" if length is not None else "a list"
        if not isinstance(value, list) or (length is not None and len(value) != length):
            self.problem(path, f"expected {expected}, found {describe(value)}")
            return None
        return value

    def numbers(
        self,
        section: dict[str, Any] | None,
        key: str,
        path: str,
        length: int | None = None,
        minimum: float | None = None,
        exclusive: bool = False,
    ) -> tuple[float, ...] | None:
        """Read a list of numbers, each checked like :meth:`number`."""
        items = self.sequence(section, key, path, length)
        if items is None:
            return None
        values = [
            self.check_number(v, f"{join(path, key)}[{i}]", minimum, exclusive) for i, v in enumerate(items)
        ]
        return None if any(v is None for v in values) else tuple(values)  # type: ignore[arg-type]

    def integers(
        self, section: dict[str, Any] | None, key: str, path: str, length: int | None = None, minimum: int = 1
    ) -> tuple[int, ...] | None:
        """Read a list of integers, each at least ``minimum``."""
        items = self.sequence(section, key, path, length)
        if items is None:
            return None
        return self.check_integers(items, join(path, key), minimum)

    def check_integers(self, items: list[Any], path: str, minimum: int = 1) -> tuple[int, ...] | None:
        """Check a list of integers, each at least ``minimum``."""
        values = [self.check_integer(v, f"{path}[{i}]", minimum) for i, v in enumerate(items)]
        return None if any(v is None for v in values) else tuple(values)  # type: ignore[arg-type]
