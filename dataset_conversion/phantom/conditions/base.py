"""The base of a clinical condition: one hook per stage of building a case, each a no-op by default.

Stages, in the order a case is built (see :func:`dataset_conversion.phantom.case.generate_case`):

1. ``subject``: change the sampled subject (knee pose, noise level) after the legs are separated
   and before the table is placed;
2. ``field_of_view``: widen or narrow the world z/y range the grid must cover;
3. ``grid``: change the voxel grid (slice spacing, cropping);
4. ``parts``: add scene parts (arms, implants, trunk, lower legs) to the renderer;
5. ``clean``: change the clean HU volume before blur and noise (artefacts);
6. ``image``: change the final int16 image and labels (reconstruction circle).

A condition draws its own parameters in :meth:`Condition.sample` from a random
generator of its own, so a case with conditions keeps the subject of the same
case without them. The parameters are recorded in the case's truth JSON; hooks
may add derived values (e.g. the kept z range) to the same dictionary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from dataset_conversion.phantom.grid import GridSpec
    from dataset_conversion.phantom.leg_frame import LegFrame
    from dataset_conversion.phantom.parameters import SubjectParams
    from dataset_conversion.phantom.parts import Part

Params = dict[str, Any]
Range = tuple[float, float]


class Condition:
    """A clinical condition of the phantom.

    Attributes:
        name: Name on the command line.
        summary: One line for ``--help`` and the documentation.
        choices: Values the condition accepts (``NAME=VALUE``); empty if it takes none.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    choices: ClassVar[tuple[str, ...]] = ()

    def sample(self, rng: np.random.Generator, value: str | None, sides: tuple[str, ...]) -> Params:
        """Draw the case's parameters (JSON-serialisable).

        Args:
            rng: The condition's own generator for this case.
            value: The value given on the command line (one of :attr:`choices`), or None to draw one.
            sides: Legs in view.
        """
        return {}

    def subject(self, subject: SubjectParams, params: Params) -> SubjectParams:
        """Stage 1: the subject after the legs are separated, before the table is placed."""
        return subject

    def field_of_view(
        self, subject: SubjectParams, frames: list[LegFrame], z_range: Range, y_range: Range, params: Params
    ) -> tuple[Range, Range]:
        """Stage 2: world z and y ranges the grid must cover."""
        return z_range, y_range

    def grid(
        self, grid: GridSpec, subject: SubjectParams, frames: list[LegFrame], params: Params
    ) -> GridSpec:
        """Stage 3: the voxel grid."""
        return grid

    def parts(self, subject: SubjectParams, frames: list[LegFrame], params: Params) -> list[Part]:
        """Stage 4: extra scene parts."""
        return []

    def clean(self, clean: np.ndarray, grid: GridSpec, params: Params) -> None:
        """Stage 5: change the clean HU volume ``(nz, ny, nx)`` in place."""

    def image(self, image: np.ndarray, labels: np.ndarray, grid: GridSpec, params: Params) -> None:
        """Stage 6: change the int16 image and uint8 labels ``(nz, ny, nx)`` in place."""
