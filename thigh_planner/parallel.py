"""Run one function over many items in worker processes, with a progress bar and collected failures."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

from tqdm import tqdm

from thigh_common.errors import ThighSegError

T = TypeVar("T")


def map_with_progress(
    function: Callable[..., T],
    items: Iterable[tuple[str, tuple[Any, ...]]],
    workers: int,
    description: str,
) -> tuple[dict[str, T], dict[str, str]]:
    """Call ``function(*arguments)`` for every ``(name, arguments)`` item.

    User errors (:class:`ThighSegError`) of an item are collected, so one bad
    case does not hide the others; any other exception propagates.

    Args:
        function: A picklable top-level function.
        items: ``(name, arguments)`` pairs.
        workers: Worker processes; 1 runs in this process.
        description: Label of the progress bar.

    Returns:
        Results by name, and error messages by name.
    """
    items = list(items)
    results: dict[str, T] = {}
    failures: dict[str, str] = {}
    bar = tqdm(total=len(items), desc=description, unit="case", disable=None)
    if workers <= 1:
        for name, arguments in items:
            try:
                results[name] = function(*arguments)
            except ThighSegError as error:
                failures[name] = str(error)
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(function, *arguments): name for name, arguments in items}
            for future in as_completed(futures):
                name = futures[future]
                try:
                    results[name] = future.result()
                except ThighSegError as error:
                    failures[name] = str(error)
                bar.update()
    bar.close()
    return results, failures
