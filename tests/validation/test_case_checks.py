import numpy as np
import pytest
import SimpleITK as sitk

from dataset_conversion.validation import validate_dataset

IMAGE = "imagesTr/case_001_0000.nii.gz"
LABEL = "labelsTr/case_001.nii.gz"


def _write(folder, relative, image):
    from thigh_common.image_io import write_image

    write_image(image, folder / relative)


def _breakages(s):
    """(id, file to overwrite, image builder, texts) with the builders of the ``synth`` fixture."""
    ct, labels, image = s.ct_array, s.label_array, s.to_image
    return [
        (
            "garbage image",
            IMAGE,
            None,
            ["readable", "expected a readable image file (header)", "cannot be read"],
        ),
        (
            "2D image",
            IMAGE,
            lambda: sitk.GetImageFromArray(ct(1)[0]),
            ["dimension", "expected a 3D CT image", "found 2D"],
        ),
        (
            "RGB image",
            IMAGE,
            lambda: sitk.GetImageFromArray(np.stack([ct(1)] * 3, axis=-1), isVector=True),
            ["components", "expected a single-component", "found 3 components"],
        ),
        (
            "2D label",
            LABEL,
            lambda: sitk.GetImageFromArray(labels()[0]),
            ["dimension", "expected a 3D label map"],
        ),
        (
            "label spacing",
            LABEL,
            lambda: image(labels(), spacing=(1.5, 1.25, 2.5)),
            [
                "same grid as image",
                "expected size, spacing, origin and direction of " + IMAGE,
                "spacing (1.5, 1.25, 2.5) != (1.5, 1.25, 3.0)",
            ],
        ),
        (
            "label origin",
            LABEL,
            lambda: image(labels(), origin=(-9.0, 20.0, 310.0)),
            ["same grid as image", "origin (-9.0, 20.0, 310.0) != (-9.0, 20.0, 300.0)"],
        ),
        (
            "label direction",
            LABEL,
            lambda: image(labels(), direction=(-1, 0, 0, 0, 1, 0, 0, 0, 1)),
            ["same grid as image", "direction (-1.0, 0.0"],
        ),
        (
            "label size",
            LABEL,
            lambda: image(labels()[:8]),
            ["same grid as image", "size (12, 16, 8) != (12, 16, 10)"],
        ),
        (
            "label values",
            LABEL,
            lambda: image(
                np.where(labels() == 3, 12, np.where(labels() == 4, 11, labels())).astype(np.uint8)
            ),
            ["label values", "expected integer values 0..10", "found values 11, 12"],
        ),
        (
            "negative label",
            LABEL,
            lambda: image(np.where(labels() == 3, -1, labels().astype(np.int16)).astype(np.int16)),
            ["label values", "found values -1"],
        ),
        (
            "interpolated label",
            LABEL,
            lambda: image(np.where(labels() == 3, 2.5, labels()).astype(np.float32)),
            ["label values", "found non-integer values 2.5"],
        ),
        (
            "empty label",
            LABEL,
            lambda: image(np.zeros_like(labels())),
            ["label foreground", "expected at least one muscle voxel", "found only background (0)"],
        ),
        (
            "normalised 0..1",
            IMAGE,
            lambda: image(((ct(1) + 1000) / 2000).astype(np.float32)),
            ["CT intensities (HU)", "expected a CT in HU", "found values 0 .. 1", "looks normalised, not HU"],
        ),
        (
            "8-bit",
            IMAGE,
            lambda: image(((ct(1) + 1000) // 8).astype(np.uint8)),
            ["found values 0 .. 250", "8-bit display values (0..255)"],
        ),
        (
            "no rescale intercept",
            IMAGE,
            lambda: image((ct(1) + 1024).astype(np.uint16)),
            ["found values 24 .. 20", "without the rescale intercept", "expected air near -1000 HU"],
        ),
        (
            "constant",
            IMAGE,
            lambda: image(np.full_like(ct(1), 40)),
            ["found values 40 .. 40", "constant image"],
        ),
        (
            "no air",
            IMAGE,
            lambda: image(np.maximum(ct(1), -100)),
            ["found values -100 .. 100", "no air: lowest value -100 > -500"],
        ),
        (
            "no bone or tissue",
            IMAGE,
            lambda: image(np.minimum(ct(1), -200)),
            ["no tissue or bone: highest value -200 < 100"],
        ),
        (
            "below -3100",
            IMAGE,
            lambda: image(np.where(ct(1) == -1000, -5000, ct(1)).astype(np.int16)),
            ["lowest value -5000 below -3100"],
        ),
        (
            "above 32767",
            IMAGE,
            lambda: image(np.where(ct(1) == 1000, 40000, ct(1).astype(np.int32))),
            ["highest value 40000 above 32767"],
        ),
    ]


def _ids():
    from types import SimpleNamespace

    return [entry[0] for entry in _breakages(SimpleNamespace(ct_array=0, label_array=0, to_image=0))]


@pytest.mark.parametrize("index", range(len(_ids())), ids=_ids())
def test_case_problem_is_listed(raw_dataset, synth, expect_problem, index):
    _, relative, build, texts = _breakages(synth)[index]
    if build is None:
        (raw_dataset / relative).write_bytes(b"\x00garbage" * 20)
    else:
        _write(raw_dataset, relative, build())
    report = validate_dataset(raw_dataset)
    assert not report.ok
    expect_problem(report, "case_001", relative, *texts)
    assert {problem.group for problem in report.problems} == {"case_001"}, report.format()


@pytest.mark.parametrize(
    ("ending", "found"),
    [
        (".nii", "a truncated file: "),
        (".nii.gz", "the compressed data ends early"),
        (".nrrd", "(voxel data)"),
    ],
)
def test_truncated_file_is_a_problem_not_a_crash(tmp_path, make_raw_dataset, expect_problem, ending, found):
    folder = make_raw_dataset(tmp_path, n_cases=2, file_ending=ending)
    path = folder / "imagesTr" / f"case_001_0000{ending}"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    report = validate_dataset(folder)
    expect_problem(report, "case_001", f"imagesTr/case_001_0000{ending}", "readable", found)


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"", "cannot be read: the file is empty (0 bytes)"),
        (
            b"<html><body>404 Not Found</body></html>\n",
            "cannot be read: not an image SimpleITK can read (it starts with text '<html><body>404 Not",
        ),
    ],
    ids=["empty", "text"],
)
def test_empty_or_text_file_is_named(raw_dataset, expect_problem, content, found):
    (raw_dataset / IMAGE).write_bytes(content)
    report = validate_dataset(raw_dataset)
    expect_problem(report, "case_001", IMAGE, "readable", found)


def test_nan_in_image_is_a_problem(tmp_path, make_raw_dataset, synth, expect_problem):
    # NIfTI does not keep NaN through ITK; MetaImage does.
    folder = make_raw_dataset(tmp_path, n_cases=2, file_ending=".mha")
    array = synth.ct_array(1).astype(np.float32)
    array[0, 0, 0] = np.nan
    _write(folder, "imagesTr/case_001_0000.mha", synth.to_image(array))
    report = validate_dataset(folder)
    expect_problem(report, "case_001", "CT intensities (HU)", "not-a-number or infinite values")


def _corners(ct, value):
    ct = ct.copy()
    ct[:, :2, :2] = value
    return ct


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("padding -32768", lambda ct: _corners(ct, -32768)),
        ("padding -3024", lambda ct: _corners(ct, -3024)),
        ("metal 3071", lambda ct: np.where(ct == 1000, 3071, ct).astype(np.int16)),
        ("extended-scale metal", lambda ct: np.where(ct == 1000, 30000, ct).astype(np.int16)),
        ("float HU", lambda ct: ct.astype(np.float32) + 0.25),
        ("int32 HU", lambda ct: ct.astype(np.int32)),
    ],
)
def test_plausible_ct_variants_are_accepted(raw_dataset, synth, name, change):
    _write(raw_dataset, IMAGE, synth.to_image(change(synth.ct_array(1))))
    report = validate_dataset(raw_dataset)
    assert report.ok, report.format()


@pytest.mark.parametrize("dtype", [np.int16, np.uint16, np.float32])
def test_label_types_with_valid_values_are_accepted(raw_dataset, synth, dtype):
    _write(raw_dataset, LABEL, synth.to_image(synth.label_array().astype(dtype)))
    assert validate_dataset(raw_dataset).ok


def test_tiny_header_rounding_is_tolerated(raw_dataset, synth):
    _write(raw_dataset, LABEL, synth.to_image(synth.label_array(), origin=(-9.0002, 20.0, 300.0004)))
    assert validate_dataset(raw_dataset).ok
