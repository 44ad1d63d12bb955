"""The planned dataset a training run reads: plans, splits and the legs of each fold.

Example:
    >>> dataset = read_planned_dataset(find_dataset(Path("preprocessed"), None))  # doctest: +SKIP
    >>> train, val = dataset.fold_legs(0)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

from thigh_common.errors import InvalidInputError, ThighSegError
from thigh_planner.planning_run import COMPLETE_MARKER, LEGS_FOLDER, SPLITS_FILE, plans_hash
from thigh_planner.plans import PLANS_FILE, Plans, load_plans
from thigh_planner.splits import Splits, load_splits

logger = logging.getLogger(__name__)


def find_dataset(root: Path, name: str | None) -> Path:
    """The folder of the planned dataset ``name`` under ``root`` (None: the only one there).

    Raises:
        ThighSegError: When nothing is planned under ``root``, ``name`` has no plans, or several
            datasets are planned and ``name`` is None.
    """
    if name is not None:
        folder = root / name
        if not (folder / PLANS_FILE).is_file():
            raise ThighSegError(
                f"no plans for dataset {name!r} under {root} (expected {folder / PLANS_FILE}); "
                f"run thigh_plan {name} first"
            )
        return folder
    planned = sorted(p.parent for p in root.glob(f"*/{PLANS_FILE}")) if root.is_dir() else []
    if not planned:
        raise ThighSegError(
            f"no planned dataset under {root}; run thigh_plan DATASET first "
            "(or point --preprocessed / THIGH_PREPROCESSED at its output)"
        )
    if len(planned) > 1:
        names = ", ".join(p.name for p in planned)
        raise ThighSegError(f"several planned datasets under {root} ({names}); choose one with -d DATASET")
    return planned[0]


@dataclasses.dataclass(frozen=True)
class PlannedDataset:
    """A planned, completely preprocessed dataset.

    Attributes:
        folder: ``THIGH_PREPROCESSED/DATASET``.
        plans: Its plans (as planned, before any trainer override).
        plans_sha1: Hash of those plans.
        splits: The cross-validation folds (by case).
        case_of_leg: The case id of every preprocessed leg.
    """

    folder: Path
    plans: Plans
    plans_sha1: str
    splits: Splits
    case_of_leg: dict[str, str]

    @property
    def name(self) -> str:
        """The dataset's name."""
        return self.folder.name

    @property
    def legs_folder(self) -> Path:
        """The ``legs/`` folder."""
        return self.folder / LEGS_FOLDER

    def check_fold(self, fold: int | None) -> None:
        """Raise if ``fold`` is not one of the splits' folds (None, i.e. ``all``, always is).

        Raises:
            InvalidInputError: Naming the number of folds.
        """
        if fold is not None and not 0 <= fold < len(self.splits):
            count = len(self.splits)
            raise InvalidInputError(f"fold {fold}: the splits have {count} folds (0-{count - 1}) or 'all'")

    def fold_legs(self, fold: int | None) -> tuple[list[str], list[str]]:
        """Training and validation legs of ``fold`` (None: every leg trains, none validates)."""
        self.check_fold(fold)
        legs = sorted(self.case_of_leg)
        if fold is None:
            return legs, []
        train, val = set(self.splits[fold]["train"]), set(self.splits[fold]["val"])
        return [g for g in legs if self.case_of_leg[g] in train], [
            g for g in legs if self.case_of_leg[g] in val
        ]


def read_planned_dataset(folder: Path) -> PlannedDataset:
    """Read plans, splits and the list of preprocessed legs of ``folder``.

    Raises:
        ThighSegError: When preprocessing is incomplete, or plans or splits are invalid.
    """
    plans = load_plans(folder / PLANS_FILE)
    marker = folder / COMPLETE_MARKER
    if not marker.is_file():
        raise ThighSegError(
            f"preprocessing of {folder.name} is incomplete (no {COMPLETE_MARKER} in {folder}); "
            f"run thigh_plan {folder.name} again to finish it"
        )
    try:
        state = json.loads(marker.read_text(encoding="utf-8"))
        legs = [str(name) for name in state["legs"]]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ThighSegError(
            f"{marker} is unreadable ({error}); run thigh_plan {folder.name} again"
        ) from error
    digest = plans_hash(plans)
    if state.get("plans_sha1") != digest:
        logger.warning(
            "%s: plans.json changed after preprocessing (hash %s, legs preprocessed with %s); "
            "re-run thigh_plan if its geometry or intensity fields changed",
            folder.name,
            digest[:10],
            str(state.get("plans_sha1"))[:10],
        )
    splits = load_splits(folder / SPLITS_FILE)
    case_of_leg = {}
    for leg in legs:
        record = folder / LEGS_FOLDER / f"{leg}.json"
        try:
            case_of_leg[leg] = json.loads(record.read_text(encoding="utf-8"))["case_id"]
        except (OSError, json.JSONDecodeError, KeyError) as error:
            raise ThighSegError(
                f"preprocessed leg {record} is missing or unreadable ({error}); run thigh_plan {folder.name} again"
            ) from error
    return PlannedDataset(folder, plans, digest, splits, case_of_leg)
