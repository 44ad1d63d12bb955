"""Plans: the typed, versioned and validated ``plans.json`` and the rules that fill it.

Example:
    >>> from thigh_planner.plans import FingerprintSummary, build_plans
    >>> summary = FingerprintSummary(24, (0.8, 0.8, 2.0), {"0.5": -60.0, "99.5": 140.0}, 50.0, 25.0, 420.0)
    >>> build_plans(summary, "Dataset001_Thigh", preset="paper").configuration("2d5").patch_size["coronal"]
    (180, 128)
"""

from thigh_planner.plans.builder import build_plans
from thigh_planner.plans.errors import PlansError
from thigh_planner.plans.io import PLANS_FILE, load_plans, save_plans
from thigh_planner.plans.memory import estimate_memory_gb
from thigh_planner.plans.overrides import with_overrides
from thigh_planner.plans.parsing import plans_from_dict
from thigh_planner.plans.schema import (
    CONFIGURATION_NAMES,
    SCHEMA_VERSION,
    VOLUME_NETWORK,
    Augmentation,
    Configuration,
    LrSchedule,
    NetworkTopology,
    Plans,
    TrainingSettings,
)
from thigh_planner.plans.summary import FingerprintSummary

__all__ = [
    "CONFIGURATION_NAMES",
    "PLANS_FILE",
    "SCHEMA_VERSION",
    "Augmentation",
    "Configuration",
    "FingerprintSummary",
    "LrSchedule",
    "NetworkTopology",
    "Plans",
    "PlansError",
    "TrainingSettings",
    "VOLUME_NETWORK",
    "build_plans",
    "estimate_memory_gb",
    "load_plans",
    "plans_from_dict",
    "save_plans",
    "with_overrides",
]
