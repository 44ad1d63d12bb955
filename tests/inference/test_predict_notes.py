"""``thigh_predict`` carries what reading a scan found (missing DICOM slices, the patient and study date) into
the muscle table.

The networks are replaced by a stub: only the path from the read image to the table is tested.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import SimpleITK as sitk
import torch
from support.dicom_series import write_ct_series

from thigh_common.image_io import read_image, scan_identity, write_image
from thigh_inference import predict_run
from thigh_inference.inputs import ScanInput
from thigh_inference.scan_prediction import ScanPrediction
from thigh_planner.detection.thigh_detector import ThighDetection


def _stub_prediction(image, *arguments, **keywords) -> ScanPrediction:
    labels = np.zeros(image.GetSize()[::-1], np.uint8)
    return ScanPrediction(labels, ThighDetection(legs={}, midline=None, searched_z_mm=(0.0, 0.0)))


def _predict_table(
    tmp_path, monkeypatch, drop_slice: bool, tags: dict[str, str] | None = None
) -> pd.DataFrame:
    folder = tmp_path / "series"
    write_ct_series(folder, spacing=(0.8, 0.9, 2.5), extra_tags=tags)
    if drop_slice:
        (folder / "slice_001.dcm").unlink()
    monkeypatch.setattr(predict_run, "predict_scan", _stub_prediction)
    monkeypatch.setattr(predict_run, "write_overlay", lambda *arguments, **keywords: None)
    out = tmp_path / "out"
    out.mkdir()
    options = predict_run.PredictOptions(folder, out, torch.device("cpu"))
    predict_run.predict_one(ScanInput("case", folder, "dicom"), model=None, options=options)
    predict_run.write_cohort_files(out)
    return pd.read_csv(out / "case_muscles.csv", keep_default_na=False, dtype={"patient_id": str})


def test_missing_dicom_slice_is_noted_in_the_muscle_table(tmp_path, monkeypatch):
    table = _predict_table(tmp_path, monkeypatch, drop_slice=True)
    assert len(table[table.kind == "muscle"]) == 20 and len(table) == 30
    expected = (
        "leg not in the field of view; slices are not evenly spaced (gaps from 2.500 to 5.000 mm, "
        "mean 3.750 mm): missing slices or a varying slice distance, so the geometry is approximate"
    )
    assert (table.note == expected).all()


def test_complete_series_has_no_extra_note(tmp_path, monkeypatch):
    table = _predict_table(tmp_path, monkeypatch, drop_slice=False)
    assert (table.note == "leg not in the field of view").all()


def test_patient_id_and_study_date_are_written_into_the_tables(tmp_path, monkeypatch):
    tags = {"0010|0020": "00420", "0008|0020": "20230301"}
    table = _predict_table(tmp_path, monkeypatch, drop_slice=False, tags=tags)
    assert list(table.columns[-2:]) == ["patient_id", "study_date"]
    assert (table.patient_id == "00420").all() and (table.study_date == "2023-03-01").all()
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", keep_default_na=False, dtype=str)
    assert set(zip(summary.patient_id, summary.study_date, strict=True)) == {("00420", "2023-03-01")}


def test_a_series_without_patient_id_leaves_it_empty(tmp_path, monkeypatch):
    table = _predict_table(tmp_path, monkeypatch, drop_slice=False)  # GDCM writes today's StudyDate
    assert (table.patient_id == "").all()


def test_an_image_file_carries_no_identity(tmp_path):
    image = sitk.GetImageFromArray(np.zeros((3, 4, 5), np.int16))
    write_image(image, tmp_path / "scan.nii.gz")
    assert scan_identity(read_image(tmp_path / "scan.nii.gz")) == {"patient_id": "", "study_date": ""}
