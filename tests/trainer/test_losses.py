"""Losses: known values, autocast, deep supervision and every bad input's message."""

import math

import pytest
import torch
from torch.nn import functional

from thigh_trainer.losses import (
    DeepSupervisionLoss,
    DiceCELoss,
    SoftDiceLoss,
    build_loss,
    deep_supervision_weights,
    dice_per_class_torch,
)
from thigh_trainer.losses.deep_supervision import resize_target

NAMES = ["dice", "dice_ce"]


def logits_of(labels, num_classes, scale=30.0):
    """Large logits whose argmax is ``labels (B, 1, *spatial)``."""
    encoded = functional.one_hot(labels[:, 0].long(), num_classes).movedim(-1, 1).float()
    return scale * (2 * encoded - 1)


def random_case(shape=(2, 1, 8, 8), num_classes=4, seed=0):
    generator = torch.Generator().manual_seed(seed)
    target = torch.randint(0, num_classes, shape, generator=generator)
    logits = torch.randn(shape[0], num_classes, *shape[2:], generator=generator)
    return logits, target


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(2, 1, 8, 8), (2, 1, 4, 6, 8)])
def test_perfect_prediction_is_near_zero(name, shape):
    _, target = random_case(shape)
    loss = build_loss(name, 4)(logits_of(target, 4), target)
    assert loss.dtype == torch.float32 and loss.ndim == 0
    assert loss.item() == pytest.approx(0.0, abs=1e-4)


def test_worst_prediction_is_near_one():
    target = torch.zeros(2, 1, 8, 8, dtype=torch.long)
    target[:, :, :3] = 1
    target[:, :, 3:6] = 2
    swapped = (target + 1) % 3  # every voxel, background included, predicted as another class
    assert build_loss("dice", 3)(logits_of(swapped, 3), target).item() == pytest.approx(1.0, abs=1e-4)


def sink_gradient(include_background: bool) -> torch.Tensor:
    """Mean gradient per class on background voxels where an unfound class 2 holds the probability."""
    target = torch.zeros(1, 1, 8, 8, dtype=torch.long)
    target[0, 0, :2] = 1
    target[0, 0, 2:4] = 2
    logits = torch.zeros(1, 3, 8, 8)
    logits[0, 1, :2] = 5.0  # class 1 found
    logits[0, 0, 2:4] = 5.0  # class 2 not found where it is ...
    logits[0, 2, 4:] = 5.0  # ... but parked on the background voxels
    logits.requires_grad_()
    SoftDiceLoss(3, include_background=include_background)(logits, target).backward()
    return logits.grad[0, :, 4:].mean(dim=(1, 2))


def test_dice_has_no_free_sink_for_a_class_not_yet_found():
    """Probability parked in a class the network has not found yet must be pushed back to background.

    A foreground-only Dice pushes it further into the sink (the gradient's sign flips): that let the
    paper preset's networks paint air with two unfound muscles in alternating columns.
    """
    included = sink_gradient(include_background=True)
    assert included[2] > 0 and included[0] < 0  # descent lowers the sink, raises background
    assert sink_gradient(include_background=False)[2] < 0  # the defect the default avoids


def test_dice_matches_the_formula_over_batch_and_space():
    logits, target = random_case((3, 1, 5, 7), num_classes=4, seed=2)
    p = logits.softmax(1)
    g = functional.one_hot(target[:, 0], 4).movedim(-1, 1).float()
    dice = [(2 * (p[:, c] * g[:, c]).sum() + 1e-5) / (p[:, c].sum() + g[:, c].sum() + 1e-5) for c in range(4)]
    expected = 1 - torch.stack(dice).mean()
    assert SoftDiceLoss(4)(logits, target).item() == pytest.approx(expected.item(), rel=1e-6)
    foreground = 1 - torch.stack(dice[1:]).mean()
    assert SoftDiceLoss(4, include_background=False)(logits, target).item() == pytest.approx(
        foreground.item(), rel=1e-6
    )
    expected_ce = foreground + functional.cross_entropy(logits, target[:, 0])
    assert DiceCELoss(4)(logits, target).item() == pytest.approx(expected_ce.item(), rel=1e-6)


def test_dice_ce_is_larger_than_dice():
    logits, target = random_case()
    assert build_loss("dice_ce", 4)(logits, target) > build_loss("dice", 4)(logits, target)


@pytest.mark.parametrize("name", NAMES)
def test_classes_absent_from_prediction_and_target_do_not_blow_up(name):
    target = torch.zeros(2, 1, 8, 8, dtype=torch.long)
    target[0, 0, 2:5, 2:5] = 1  # classes 2 and 3 absent everywhere
    logits = logits_of(target, 4).requires_grad_()
    loss = build_loss(name, 4)(logits, target)
    loss.backward()
    assert loss.item() == pytest.approx(0.0, abs=1e-4)
    assert torch.isfinite(logits.grad).all()
    background_only = torch.zeros(1, 1, 4, 4, dtype=torch.long)
    assert build_loss(name, 4)(logits_of(background_only, 4), background_only).item() < 1e-4


@pytest.mark.parametrize("name", NAMES)
def test_autocast_bfloat16_on_cpu(name):
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(2, 4, 3, padding=1)
    x = torch.randn(2, 2, 8, 8)
    _, target = random_case()
    loss_function = build_loss(name, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = conv(x)
        loss = loss_function(logits, target)
    assert logits.dtype == torch.bfloat16
    assert loss.dtype == torch.float32
    loss.backward()
    assert torch.isfinite(conv.weight.grad).all()
    reference = loss_function(conv(x), target)
    assert loss.item() == pytest.approx(reference.item(), abs=0.02)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", NAMES)
def test_autocast_float16_on_cuda(name):
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(2, 4, 3, padding=1).cuda()
    x = torch.randn(2, 2, 8, 8, device="cuda")
    _, target = random_case()
    target = target.cuda()
    loss_function = build_loss(name, 4)
    with torch.autocast("cuda", dtype=torch.float16):
        logits = conv(x)
        loss = loss_function(logits, target)
    assert logits.dtype == torch.float16 and loss.dtype == torch.float32
    loss.backward()
    assert torch.isfinite(conv.weight.grad).all()
    assert loss.item() == pytest.approx(loss_function(conv(x), target).item(), abs=0.01)


@pytest.mark.parametrize(
    ("count", "weights"),
    [(1, (1.0,)), (2, (1.0, 0.0)), (3, (2 / 3, 1 / 3, 0.0)), (4, (4 / 7, 2 / 7, 1 / 7, 0.0))],
)
def test_deep_supervision_weights(count, weights):
    assert deep_supervision_weights(count) == pytest.approx(weights)
    assert math.isclose(sum(deep_supervision_weights(count)), 1.0)


def test_deep_supervision_loss_is_the_weighted_sum_with_downsampled_targets():
    base = build_loss("dice_ce", 4)
    _, target = random_case((2, 1, 16, 8))
    outputs = [random_case((2, 1, 16 // 2**i, 8 // 2**i), seed=i)[0] for i in range(4)]
    loss = DeepSupervisionLoss(base, 4)(outputs, target)
    expected = sum(
        w * base(o, target[:, :, :: 2**i, :: 2**i])
        for i, (w, o) in enumerate(zip((4 / 7, 2 / 7, 1 / 7, 0), outputs, strict=True))
    )
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)


def test_deep_supervision_with_a_single_tensor_calls_the_base_loss():
    logits, target = random_case()
    base = build_loss("dice", 4)
    assert torch.equal(DeepSupervisionLoss(base, 3)(logits, target), base(logits, target))


def test_resize_target_is_nearest_and_keeps_dtype():
    target = torch.arange(16, dtype=torch.uint8).view(1, 1, 4, 4)
    resized = resize_target(target, (2, 2))
    assert resized.dtype == torch.uint8
    assert resized.flatten().tolist() == [0, 2, 8, 10]
    assert resize_target(target, (4, 4)) is target


def test_deep_supervision_with_the_network(tmp_path):
    from thigh_networks import build_network
    from thigh_planner.plans import NetworkTopology

    net = NetworkTopology(
        3, 1, 3, (4, 8, 8), ((1, 1, 1), (1, 2, 2), (2, 2, 2)), ((3, 3, 3),) * 3, (1, 1, 1), (1, 1), 2,
        "instance", "leaky_relu", True,
    )  # fmt: skip
    model = build_network(net).train()
    target = torch.randint(0, 3, (2, 1, 4, 8, 8))
    loss = DeepSupervisionLoss(build_loss("dice_ce", 3), net.num_stages - 1)(
        model(torch.randn(2, 1, 4, 8, 8)), target
    )
    loss.backward()
    assert torch.isfinite(loss)


def test_deep_supervision_bad_inputs():
    with pytest.raises(ValueError, match="deep supervision needs at least 1 output, got 0"):
        DeepSupervisionLoss(build_loss("dice", 4), 0)
    logits, target = random_case()
    with pytest.raises(ValueError, match="expected 3 deep-supervision outputs, got 2"):
        DeepSupervisionLoss(build_loss("dice", 4), 3)([logits, logits[:, :, ::2, ::2]], target)


def test_build_loss_bad_inputs():
    with pytest.raises(ValueError, match="unknown loss 'focal'; expected one of dice, dice_ce"):
        build_loss("focal", 4)
    with pytest.raises(ValueError, match="background and at least 1 foreground class, got 1"):
        build_loss("dice", 1)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("logits_shape", "target", "message"),
    [
        ((2, 3, 8, 8), torch.zeros(2, 1, 8, 8, dtype=torch.long), r"\(2, 3, 8, 8\) do not have the expected 4 classes"),
        ((2, 4, 8, 8), torch.zeros(2, 1, 8, 8), "target must hold integer class labels, got torch.float32"),
        ((2, 4, 8, 8), torch.zeros(2, 1, 8, 6, dtype=torch.long), r"target shape \(2, 1, 8, 6\) does not match"),
        ((2, 4, 8, 8), torch.zeros(2, 2, 8, 8, dtype=torch.long), r"expected \(2, 1, 8, 8\)"),
        ((2, 4, 8, 8), torch.full((2, 1, 8, 8), 4), r"target labels range 4..4, outside 0..3"),
        ((2, 4, 8, 8), torch.full((2, 1, 8, 8), -1), r"target labels range -1..-1, outside 0..3"),
    ],
)  # fmt: skip
def test_loss_bad_inputs(name, logits_shape, target, message):
    with pytest.raises(ValueError, match=message):
        build_loss(name, 4)(torch.zeros(logits_shape), target)


def test_integer_logits_are_rejected():
    with pytest.raises(ValueError, match="logits must be floating point"):
        build_loss("dice", 4)(
            torch.zeros(2, 4, 8, 8, dtype=torch.long), torch.zeros(2, 1, 8, 8, dtype=torch.long)
        )


def test_target_without_channel_axis_and_uint8_is_accepted():
    logits, target = random_case()
    loss = build_loss("dice", 4)
    assert torch.equal(loss(logits, target[:, 0].to(torch.uint8)), loss(logits, target))


def test_dice_per_class_known_values():
    target = torch.tensor([0, 1, 1, 2, 2, 0]).view(1, 1, 6)
    prediction = torch.tensor([0, 1, 2, 2, 2, 0]).view(1, 1, 6)
    dice = dice_per_class_torch(logits_of(prediction, 4), target, 4)
    assert dice.shape == (3,) and dice.dtype == torch.float32
    assert dice[:2].tolist() == pytest.approx([2 / 3, 0.8])
    assert math.isnan(dice[2])  # class 3 is absent from both


def test_dice_per_class_perfect_over_a_batch_and_missed_class():
    _, target = random_case((3, 1, 4, 5, 6), num_classes=5)
    assert dice_per_class_torch(logits_of(target, 5), target, 5).tolist() == [1.0] * 4
    missed = torch.where(target == 4, 0, target)
    assert dice_per_class_torch(logits_of(missed, 5), target, 5)[3].item() == 0.0


def test_dice_per_class_bad_inputs():
    with pytest.raises(ValueError, match=r"\(1, 3, 6\) do not have the expected 4 classes"):
        dice_per_class_torch(torch.zeros(1, 3, 6), torch.zeros(1, 1, 6, dtype=torch.long), 4)
    with pytest.raises(ValueError, match="target labels range 7..7, outside 0..3"):
        dice_per_class_torch(torch.zeros(1, 4, 6), torch.full((1, 1, 6), 7), 4)
