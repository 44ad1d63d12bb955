"""The report folder built from fake inputs: files, links, tables, pictures, copies, re-runs."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd
from matplotlib import image

from thigh_evaluation.report import DEMO_NOTE, build_report

NOTE = "The model was trained on synthetic phantom scans for a few minutes; it is a demonstration and not for clinical use."
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPECTED_FILES = [
    "index.html",
    "index.md",
    "boxplot.png",
    "training_curve.png",
    "overlays/case_a_overlay.png",
    "overlays/case_b_overlay.png",
    "tables/case_a_muscles.csv",
    "tables/case_b_muscles.csv",
    "tables/summary.csv",
    "evaluation/metrics.csv",
    "evaluation/summary.json",
    "evaluation/summary.csv",
    "labels/labels.ctbl",
    "labels/labels_itksnap.txt",
    "training/axial_progress.csv",
    "training/coronal_progress.csv",
    "training/sagittal_progress.csv",
    "training/validation_summary.json",
    "training/validation_dice.csv",
]


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.targets += [value for name, value in attrs if name in ("href", "src") and value]


def html_targets(page: str) -> tuple[list[str], set[str]]:
    collector = _LinkCollector()
    collector.feed(page)
    return collector.targets, collector.tags


def markdown_targets(page: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", page)


def assert_inside(report: Path, targets: list[str]) -> None:
    assert targets
    for target in targets:
        parsed = urlparse(target)
        assert not parsed.scheme and not parsed.netloc, target
        path = Path(unquote(parsed.path))
        assert not path.is_absolute() and ".." not in path.parts, target
        assert (report / path).is_file(), target


def markdown_row(page: str, first_cell: str) -> list[str]:
    for line in page.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no table row {first_cell!r}")


def test_every_output_file_is_written_and_copies_are_plain_files(built_report):
    inputs, report = built_report
    for name in EXPECTED_FILES:
        assert (report / name).is_file(), name
        assert not (report / name).is_symlink(), name
    assert (report / "overlays/case_a_overlay.png").read_bytes() == (
        inputs.predictions / "case_a_overlay.png"
    ).read_bytes()
    assert (report / "evaluation/metrics.csv").read_text() == (inputs.evaluation / "metrics.csv").read_text()
    assert not list(report.rglob("*.nii.gz"))  # label maps are not copied
    assert not [path for path in report.rglob("*") if path.name.startswith(".")]  # no temporary file left


def test_html_and_markdown_link_only_files_inside_the_report(built_report):
    _, report = built_report
    page = (report / "index.html").read_text()
    targets, tags = html_targets(page)
    assert_inside(report, targets)
    assert "script" not in tags and "link" not in tags  # no JavaScript, no external style sheet
    assert {"style", "img", "table", "a"} <= tags
    assert "http://" not in page and "https://" not in page
    assert_inside(report, markdown_targets((report / "index.md").read_text()))
    assert set(markdown_targets((report / "index.md").read_text())) == set(targets)


def test_both_pages_carry_the_note_and_show_the_pictures(built_report):
    _, report = built_report
    assert DEMO_NOTE == NOTE
    for name in ("index.html", "index.md"):
        page = (report / name).read_text()
        assert NOTE in page
        for picture in ("boxplot.png", "training_curve.png", "overlays/case_a_overlay.png"):
            assert picture in page
    assert (
        '<img alt="Dice (top) and ASD (bottom) per muscle and over all muscles" src="boxplot.png"'
        in (report / "index.html").read_text()
    )
    assert "![" in (report / "index.md").read_text()


def test_the_per_class_table_has_the_means_of_metrics_csv(built_report):
    inputs, report = built_report
    frame = pd.read_csv(inputs.evaluation / "metrics.csv")
    page = (report / "index.md").read_text()
    html = (report / "index.html").read_text()
    classes = frame[frame["kind"] == "class"]
    for structure, rows in classes.groupby("structure"):
        cells = markdown_row(page, structure.replace("_", " "))
        dice, asd = rows["dice"].dropna(), rows["asd_mm"].dropna()
        assert cells[2] == str(len(dice))
        assert cells[3] == f"{dice.mean():.3f} ± {dice.std():.3f}"
        assert cells[4] == f"{dice.median():.3f}"
        assert cells[5].startswith(f"{asd.mean():.2f} ± {asd.std():.2f}")
        assert f"{dice.mean():.3f} ± {dice.std():.3f}" in html
    sartorius = markdown_row(page, "sartorius")
    assert sartorius[1:3] == ["1", "3"]  # absent from both maps in one leg: left out
    assert markdown_row(page, "gracilis")[5].endswith("(n=3)")  # missing from one prediction: no ASD
    quadriceps = frame[(frame["kind"] == "group") & (frame["structure"] == "quadriceps")]["dice"]
    assert markdown_row(page, "quadriceps (group)")[3] == f"{quadriceps.mean():.3f} ± {quadriceps.std():.3f}"
    per_leg = classes.groupby(["case", "leg"])[["dice", "asd_mm"]].mean()
    overall = markdown_row(page, "all classes (mean per leg)")
    assert overall[3] == f"{per_leg['dice'].mean():.3f} ± {per_leg['dice'].std():.3f}"
    assert overall[5] == f"{per_leg['asd_mm'].mean():.2f} ± {per_leg['asd_mm'].std():.2f}"
    assert f"the mean Dice is {per_leg['dice'].mean():.3f} ± {per_leg['dice'].std():.3f}" in page


def test_the_per_case_table_and_the_case_sections(built_report):
    inputs, report = built_report
    frame = pd.read_csv(inputs.evaluation / "metrics.csv")
    page = (report / "index.md").read_text()
    per_leg = frame[frame["kind"] == "class"].groupby(["case", "leg"])[["dice", "asd_mm"]].mean()
    for case in ("case_a", "case_b"):
        cells = markdown_row(page, case)
        assert cells[1:4] == [
            "2",
            f"{per_leg.loc[case, 'dice'].mean():.3f}",
            f"{per_leg.loc[case, 'asd_mm'].mean():.2f}",
        ]
        assert f"[muscles](tables/{case}_muscles.csv)" in cells[5]
        assert f"### {case}" in page
    assert markdown_row(page, "case_b")[4] == "1"  # gracilis missed in one leg
    assert "`../../pred/case_a.nii.gz`" in page  # label maps listed relative to the report
    assert (report / "../../pred/case_a.nii.gz").is_file()
    assert "`../../results/Demo/2d5/fold_0`" in page


def test_the_training_section(built_report):
    _, report = built_report
    page = (report / "index.md").read_text()
    axial = markdown_row(page, "axial")
    assert axial[1:4] == ["4", "0.5000", "0.5500"]  # epochs, last training and validation loss
    assert axial[5] == "0.8"  # 4 epochs x 12 s
    assert "mean Dice 0.610" in page
    assert "thighseg report: Demo 2d5 fold_0" in page.splitlines()[0]


def test_the_pictures_are_valid_pngs(built_report):
    _, report = built_report
    for name in ("boxplot.png", "training_curve.png", "overlays/case_a_overlay.png"):
        assert (report / name).read_bytes()[:8] == PNG_SIGNATURE, name
        pixels = image.imread(report / name)
        assert pixels.ndim == 3 and pixels.shape[0] > 10 and pixels.shape[1] > 10
        assert pixels[..., :3].std() > 0.01
    height, width = image.imread(report / "boxplot.png").shape[:2]
    assert height > 500 and width > 800


def test_a_case_without_overlay_gives_a_warning_and_a_report(make_inputs, tmp_path, caplog):
    inputs = make_inputs()
    (inputs.predictions / "case_b_overlay.png").unlink()
    (inputs.predictions / "case_b_muscles.csv").unlink()
    with caplog.at_level(logging.WARNING):
        index = build_report(inputs.predictions, inputs.evaluation, inputs.model_fold, tmp_path / "report")
    assert "case_b: no overlay case_b_overlay.png" in caplog.text
    assert "case_b: no muscle table" in caplog.text
    page = (tmp_path / "report" / "index.md").read_text()
    assert "No overlay was found for this case." in page
    assert not (tmp_path / "report" / "overlays" / "case_b_overlay.png").exists()
    assert_inside(tmp_path / "report", html_targets(index.read_text())[0])


def test_re_running_overwrites_the_report(make_inputs, tmp_path):
    inputs = make_inputs()
    report = tmp_path / "report"
    build_report(inputs.predictions, inputs.evaluation, inputs.model_fold, report, title="First run")
    (report / "index.md").write_text("stale")
    (inputs.predictions / "case_b.nii.gz").unlink()  # a case fewer
    (inputs.predictions / "case_b_overlay.png").unlink()
    (inputs.predictions / "case_b_muscles.csv").unlink()
    index = build_report(inputs.predictions, inputs.evaluation, inputs.model_fold, report, title="Second run")
    page = (report / "index.md").read_text()
    assert page.startswith("# Second run") and "Second run" in index.read_text()
    assert not (report / "overlays" / "case_b_overlay.png").exists()  # the earlier run's copy is removed
    assert not (report / "tables" / "case_b_muscles.csv").exists()
    assert "Evaluated but not in the predictions folder: case_b." in page
    assert_inside(report, markdown_targets(page))


def test_without_validation_summary_and_with_a_custom_note(make_inputs, tmp_path):
    inputs = make_inputs()
    for path in (inputs.model_fold / "validation").iterdir():
        path.unlink()
    build_report(
        inputs.predictions, inputs.evaluation, inputs.model_fold, tmp_path / "r", note="Research only."
    )
    page = (tmp_path / "r" / "index.md").read_text()
    assert "The fold has no validation summary" in page
    assert "> **Research only.**" in page and NOTE not in page
    assert not (tmp_path / "r" / "training" / "validation_dice.csv").exists()
