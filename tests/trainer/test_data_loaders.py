import numpy as np
import pytest
import torch

from thigh_planner.plans.schema import Augmentation
from thigh_trainer.data.augmentation import build_transforms, spatial_margin
from thigh_trainer.data.legs import LegArrays, load_legs
from thigh_trainer.data.loaders import PatchLoader, SliceLoader

OFF = Augmentation((1.0, 1.0), 0, 0, False, False, False, False, False, False)
ON = Augmentation((0.9, 1.1), 10, 20, True, True, True, True, True, True)


def make_legs(count=2, shape=(30, 40, 24)):
    rng = np.random.default_rng(0)
    legs = []
    for i in range(count):
        image = rng.normal(size=shape).astype(np.float32)
        image[:, :3] = -3.0
        labels = rng.integers(0, 11, size=shape).astype(np.uint8)
        labels[:, :3] = 0
        legs.append(LegArrays(f"leg{i}", image, labels))
    return legs


@pytest.mark.parametrize("orientation", ["axial", "coronal", "sagittal"])
def test_slice_loader_shapes(orientation):
    batch = next(SliceLoader(make_legs(), orientation, (96, 64), 3, 2, 0.5, seed=0, margin=4))
    assert batch["data"].shape == (3, 3, 104, 72) and batch["data"].dtype == np.float32
    assert batch["seg"].shape == (3, 1, 104, 72) and batch["seg"].dtype == np.float32


def test_slice_padding_uses_image_minimum_and_label_zero():
    legs = make_legs(1)
    batch = next(SliceLoader(legs, "axial", (48, 32), 2, 1, 0.0, seed=0))
    low = float(legs[0].image.min())
    assert (batch["data"][:, :, :4] == low).all() and (batch["data"][:, :, -4:] == low).all()
    assert (batch["seg"][:, :, :, :4] == 0).all()


def test_patch_loader_shapes():
    batch = next(PatchLoader(make_legs(), (16, 32, 32), 2, 0.33, seed=1, margin=2))
    assert batch["data"].shape == (2, 1, 20, 36, 36) and batch["seg"].shape == (2, 1, 20, 36, 36)


@pytest.mark.parametrize("orientation", ["axial", "coronal", "sagittal"])
def test_augmentation_off_is_identity(orientation):
    assert spatial_margin(OFF) == 0
    batch = next(SliceLoader(make_legs(), orientation, (48, 48), 2, 2, 0.3, seed=0))
    expected = {key: value.copy() for key, value in batch.items()}
    out = build_transforms(OFF, (48, 48), 2, orientation)(**batch)
    assert isinstance(out["data"], torch.Tensor) and out["data"].dtype == torch.float32
    np.testing.assert_array_equal(out["data"].numpy(), expected["data"])
    np.testing.assert_array_equal(out["seg"].numpy(), expected["seg"])


def test_augmentation_on_keeps_labels_integral_2d_and_3d():
    np.random.seed(0)
    legs = make_legs()
    loader = SliceLoader(legs, "coronal", (32, 24), 4, 2, 0.5, seed=0, margin=spatial_margin(ON))
    transform = build_transforms(ON, (32, 24), 2, "coronal")
    for _ in range(3):
        out = transform(**next(loader))
        seg = out["seg"].numpy()
        assert out["data"].shape == (4, 3, 32, 24) and seg.shape == (4, 1, 32, 24)
        assert set(np.unique(seg)) <= set(range(11)) and len(np.unique(seg)) > 3
    patches = PatchLoader(legs, (16, 16, 16), 2, 0.5, seed=0, margin=spatial_margin(ON))
    out = build_transforms(ON, (16, 16, 16), 3)(**next(patches))
    assert out["data"].shape == (2, 1, 16, 16, 16)
    assert set(np.unique(out["seg"].numpy())) <= set(range(11))


def test_shift_moves_content_by_at_most_shift_px():
    shift = Augmentation((1.0, 1.0), 3, 0, False, False, False, False, False, False)
    image = np.zeros((1, 1, 20, 20), np.float32)
    image[0, 0, 10, 10] = 1.0
    np.random.seed(1)
    seen = set()
    for _ in range(30):
        out = build_transforms(shift, (14, 14), 2)(data=image.copy(), seg=image.copy())
        position = np.argwhere(out["seg"].numpy()[0, 0] == 1)
        assert len(position) == 1
        seen.add(tuple(position[0]))
    rows = {p[0] for p in seen}
    assert len(seen) > 5 and min(rows) >= 7 - 3 and max(rows) <= 7 + 3


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: SliceLoader(make_legs(1), "axial", (96,), 2, 2, 0.3, 0),
            "patch_size must be 2 positive sizes, found (96,)",
        ),
        (
            lambda: SliceLoader(make_legs(1), "axial", (96, 64), 0, 2, 0.3, 0),
            "batch_size must be >= 1, found 0",
        ),
        (
            lambda: SliceLoader(make_legs(1), "axial", (96, 64), 2, -1, 0.3, 0),
            "Neighbour offset must be >= 0, found -1",
        ),
        (lambda: SliceLoader(make_legs(1), "up", (96, 64), 2, 1, 0.3, 0), "Unknown orientation 'up'"),
        (lambda: PatchLoader(make_legs(1), (8, 8, 8), 2, 0.3, 0, margin=-1), "margin must be >= 0, found -1"),
        (lambda: build_transforms(OFF, (8, 8), 4), "spatial_dims must be 2 or 3, found 4"),
        (lambda: build_transforms(OFF, (8, 8), 3), "patch_size (8, 8) does not match spatial_dims=3"),
    ],
)
def test_bad_inputs(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert message in str(error.value)


def test_load_legs_messages(tmp_path):
    with pytest.raises(FileNotFoundError, match="Preprocessed leg 'case_9_left' not found"):
        load_legs(tmp_path, ["case_9_left"])
