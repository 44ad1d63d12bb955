"""``thigh_predict`` marks the muscles of a thigh cut by the field of view, in the tables and the log.

A tiny phantom is cut in z below the distal end of some muscles; the thigh detector runs
for real on the cut scan, and the phantom's true labels, cut the same way, stand in for
the networks' prediction.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk
import torch
from support.phantom_datasets import synthesise

from thigh_common.labels import LABEL_GROUPS
from thigh_inference import predict_run
from thigh_inference.inputs import ScanInput
from thigh_inference.scan_prediction import ScanPrediction
from thigh_planner.detection.thigh_detector import detect_thighs

FIRST_SLICE = 38  # of 144 at 5 mm: the femoral shaft starts near slice 35, some muscles above slice 41


@pytest.fixture(scope="module")
def cut_scan(tmp_path_factory):
    """The distal part of a tiny phantom is cut away: the scan file and its true labels."""
    folder = synthesise(tmp_path_factory.mktemp("phantom"), "-n", "1", "--size", "tiny", "--seed", "1")
    image = sitk.ReadImage(str(folder / "imagesTr" / "phantom_000_0000.nii.gz"))
    labels = sitk.ReadImage(str(folder / "labelsTr" / "phantom_000.nii.gz"))
    assert image.GetDirection() == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)  # z index grows superior
    size = list(image.GetSize())
    size[2] -= FIRST_SLICE
    crop = [sitk.RegionOfInterest(volume, size, [0, 0, FIRST_SLICE]) for volume in (image, labels)]
    path = folder / "cut.nii.gz"
    sitk.WriteImage(crop[0], str(path))
    return path, sitk.GetArrayFromImage(crop[1])


def _predicted_from_truth(true_labels):
    def predict_scan(image, model, case_id, *arguments, **keywords) -> ScanPrediction:
        return ScanPrediction(true_labels.copy(), detect_thighs(image, source=case_id))

    return predict_scan


def test_cut_muscles_are_marked_in_the_tables_and_the_log(cut_scan, tmp_path, monkeypatch, caplog):
    path, true_labels = cut_scan
    monkeypatch.setattr(predict_run, "predict_scan", _predicted_from_truth(true_labels))
    out = tmp_path / "out"
    out.mkdir()
    options = predict_run.PredictOptions(path, out, torch.device("cpu"))
    with caplog.at_level(logging.WARNING, logger="thigh_inference.predict_run"):
        predict_run.predict_one(ScanInput("cut", path, "file"), model=None, options=options)
    predict_run.write_cohort_files(out)

    table = pd.read_csv(out / "cut_muscles.csv", keep_default_na=False)
    # which muscles of each leg reach the first slice of the cut scan (the legs split at mid x)
    middle = true_labels.shape[2] // 2
    for side, columns in (("right", slice(0, middle)), ("left", slice(middle, None))):
        reaching = set(np.unique(true_labels[0, :, columns])) - {0}
        rows = table[(table.side == side) & (table.kind == "muscle")]
        cut = {int(label) for label in rows[rows.partial].label}
        groups = table[(table.side == side) & (table.kind == "group")].set_index("muscle")
        for group, members in LABEL_GROUPS.items():  # a group is partial when one of its muscles is
            assert groups.loc[group, "partial"] == bool(cut & set(members))
        assert cut == reaching
        assert 0 < len(cut) < 10, "the cut leaves some muscles whole"
        for note in rows[rows.partial].note:
            assert note.startswith("partial: thigh cut by the field of view at the distal end, about ")
            assert note.endswith(" mm missing")
        assert (rows[~rows.partial].note == "").all()
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert (
            sum(f"cut: {side} thigh cut by the field of view at the distal end" in m for m in warnings) == 1
        )

    summary = pd.read_csv(out / "summary.csv", keep_default_na=False)
    assert list(summary.columns[-5:]) == ["partial_left", "partial_right", "note", "patient_id", "study_date"]
    summary = summary[summary.kind == "muscle"]
    for side in ("left", "right"):
        expected = table[(table.side == side) & (table.kind == "muscle")].set_index("label").partial
        assert summary.set_index("label")[f"partial_{side}"].equals(expected.rename(f"partial_{side}"))
    partial_rows = summary[summary.partial_left | summary.partial_right]
    assert partial_rows.note.str.contains("partial: thigh cut by the field of view at the distal end").all()
    assert (summary[~(summary.partial_left | summary.partial_right)].note == "").all()
