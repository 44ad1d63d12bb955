"""Training data: neighbour slices, sampling, batchgenerators loaders, augmentation and the batch stream."""

from thigh_trainer.data.augmentation import build_transforms, spatial_margin
from thigh_trainer.data.legs import LegArrays, load_legs
from thigh_trainer.data.loaders import PatchLoader, SliceLoader
from thigh_trainer.data.pipeline import BatchStream, make_batch_stream
from thigh_trainer.data.sampling import PatchSampler, SliceSampler
from thigh_trainer.data.slices import extract_label_slice, extract_slice, num_slices

__all__ = [
    "BatchStream",
    "LegArrays",
    "PatchLoader",
    "PatchSampler",
    "SliceLoader",
    "SliceSampler",
    "build_transforms",
    "extract_label_slice",
    "extract_slice",
    "load_legs",
    "make_batch_stream",
    "num_slices",
    "spatial_margin",
]
