"""``thigh_report --followup DIR``: the follow-up of thigh_followup becomes a page of the report folder."""

from __future__ import annotations

from pathlib import Path

from evaluation_report.test_build_report import html_targets, markdown_targets
from support.commands import run_main

from thigh_evaluation.report.cli import main
from thigh_inference.followup.run import FollowupOptions, run_followup


def _report(inputs, output: Path, *extra) -> object:
    return run_main(
        main,
        "--predictions", inputs.predictions, "--evaluation", inputs.evaluation, "--model", inputs.model_fold,
        "-o", output, *extra,
    )  # fmt: skip


def test_the_followup_becomes_a_page_of_the_report_and_goes_with_a_rerun_without_it(make_inputs, tmp_path):
    inputs = make_inputs()
    change = tmp_path / "change"
    assert run_followup(FollowupOptions(inputs.predictions, inputs.predictions, change)) == 0
    report = tmp_path / "report"
    done = _report(inputs, report, "--followup", change)
    assert done.returncode == 0, done.stderr
    folder = report / "followup"
    subjects = sorted(path.name for path in change.glob("*_change.png"))
    assert subjects and sorted(path.name for path in folder.glob("*_change.png")) == subjects
    assert (folder / "followup.csv").read_bytes() == (change / "followup.csv").read_bytes()
    page = (folder / "index.md").read_text()
    assert page.startswith("[back to the report](../index.html)") and "## Subjects" in page
    for target in markdown_targets(page):
        assert (folder / target).is_file(), target
    html_links, _ = html_targets((folder / "index.html").read_text())
    assert sorted(target for target in html_links if target.endswith(".png")) == subjects
    index = (report / "index.md").read_text()
    assert "## Follow-up" in index and f"{len(subjects)} subject(s) compared" in index
    assert "followup/index.html" in html_targets((report / "index.html").read_text())[0]

    again = _report(inputs, report)
    assert again.returncode == 0 and not list(folder.glob("*")), (
        "the follow-up page of the earlier report stayed"
    )
    assert "## Follow-up" not in (report / "index.md").read_text()


def test_a_folder_that_is_not_a_followup_is_refused(make_inputs, tmp_path):
    inputs = make_inputs()
    (tmp_path / "empty").mkdir()
    done = _report(inputs, tmp_path / "report", "--followup", tmp_path / "empty")
    assert done.returncode == 2
    assert (
        f"--followup {tmp_path / 'empty'}: no followup.md; give the output folder of thigh_followup"
        in done.stderr
    )
    assert not (tmp_path / "report").exists()
