"""The evaluation tools' output files on fixed inputs, compared with copies recorded from the code.

Every file that ``thigh_evaluate`` (both forms), ``thigh_compare``, ``thigh_report`` and the
experiment's results step write is compared with ``tests/evaluation/pinned/SCENARIO/``: text files
(CSV, JSON, Markdown) character for character, with the temporary folder written as ``<TMP>``;
HTML pages by what a reader gets from them (their text, the cells of each table, every link and
image with its alternative text), since ``index.html`` is rendered from ``index.md`` by a Markdown
library whose markup differs from the hand-written renderer it replaced; PNG figures by a digest of their decoded pixels (``png_pixels.json``), which is stable
where the PNG bytes are not (matplotlib writes its version into them).

The inputs are the small fakes of the other evaluation tests: the two-leg scene of
``support.label_maps`` (stored plainly, flipped, and cut to one leg), the comparison's fake
evaluations, the report's fake predict / evaluate / train outputs and fake cross-validation folds.

To record the copies again after an intended change of an output, run this module with
``THIGH_RECORD_PINS=1`` and review the difference of ``tests/evaluation/pinned/`` before committing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from support.label_maps import labels_image, scene, write_labels, write_scene

PINNED = Path(__file__).with_name("pinned")
RECORD = os.environ.get("THIGH_RECORD_PINS") == "1"
TEXT_SUFFIXES = (".csv", ".json", ".md", ".html", ".txt", ".ctbl")
PIXELS_FILE = "png_pixels.json"


def _pixel_digest(path: Path) -> str:
    from matplotlib import image

    pixels = np.ascontiguousarray(image.imread(path))
    return f"{pixels.shape} " + hashlib.sha256(pixels.tobytes()).hexdigest()


class _Reading(HTMLParser):
    """What a reader gets from an HTML page: its text, table cells, links and images (markup aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.cells: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._open: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("a", "img"):
            self.links.append((tag, attributes.get("href") or attributes.get("src") or ""))
        if tag == "img":
            self.text.append(f"[image {attributes.get('alt')}]")
        if tag in ("td", "th"):
            self._cell = []
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(" ".join("".join(self._cell).split()))
            self._cell = None
        while self._open and self._open.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if "style" in self._open:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _reading(page: str) -> dict[str, object]:
    reading = _Reading()
    reading.feed(page)
    return {
        "text": re.sub(r"\s+", " ", " ".join(reading.text)).strip(),
        "table cells": reading.cells,
        "links and images": reading.links,
    }


def _anonymous(text: str, tmp_path: Path) -> str:
    return text.replace(str(tmp_path.resolve()), "<TMP>").replace(str(tmp_path), "<TMP>")


def _snapshot(folder: Path, tmp_path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Text of every text file (``<TMP>`` for ``tmp_path``) and pixel digest of every PNG, by relative path."""
    texts, pixels = {}, {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if path.suffix == ".png":
            pixels[name] = _pixel_digest(path)
        else:
            assert path.suffix in TEXT_SUFFIXES, f"unexpected output {name}"
            texts[name] = _anonymous(path.read_text(encoding="utf-8"), tmp_path)
    return texts, pixels


def _check(scenario: str, texts: dict[str, str], pixels: dict[str, str]) -> None:
    """Compare with (or, when recording, write) ``pinned/SCENARIO``."""
    golden = PINNED / scenario
    if RECORD:
        for name, text in texts.items():
            (golden / name).parent.mkdir(parents=True, exist_ok=True)
            (golden / name).write_text(text, encoding="utf-8")
        (golden / PIXELS_FILE).write_text(json.dumps(pixels, indent=1, sort_keys=True) + "\n")
        return
    recorded = {
        path.relative_to(golden).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(golden.rglob("*"))
        if path.is_file() and path.name != PIXELS_FILE
    }
    assert sorted(texts) == sorted(recorded), "the files written differ from the recorded ones"
    for name, text in texts.items():
        if name.endswith(".html"):
            assert _reading(text) == _reading(recorded[name]), (
                f"{scenario}/{name} reads otherwise than recorded"
            )
        else:
            assert text == recorded[name], f"{scenario}/{name} differs from the recorded copy"
    assert pixels == json.loads((golden / PIXELS_FILE).read_text())


def test_evaluate_folders(tmp_path, capsys):
    from thigh_evaluation.cli import main

    reference, prediction = tmp_path / "labelsTr", tmp_path / "predictions"
    write_scene(reference, prediction, "c1")
    write_scene(reference, prediction, "c2", flip=True)
    write_labels(labels_image(scene()[0]), reference / "c3.nii.gz")  # no prediction
    one_leg = [array.copy() for array in scene()]
    for array in one_leg:
        array[:, :, :20] = 0  # the left leg alone: its side from vastus lateralis and adductors
    write_labels(labels_image(one_leg[0]), reference / "c4.nii.gz")
    write_labels(labels_image(one_leg[1]), prediction / "c4.nii.gz")
    output = tmp_path / "eval"
    assert main(["-r", str(reference), "-p", str(prediction), "-o", str(output)]) == 0
    texts, pixels = _snapshot(output, tmp_path)
    texts["stdout.txt"] = _anonymous(capsys.readouterr().out, tmp_path)
    _check("evaluate", texts, pixels)


def _write_fold(configuration: Path, fold: int, legs: dict[str, float]) -> None:
    from thigh_common.labels import LABELS, MUSCLE_LABELS

    folder = configuration / f"fold_{fold}"
    (folder / "validation").mkdir(parents=True)
    (folder / "splits.json").write_text(json.dumps([{"train": [], "val": []}] * 5))
    content = {
        "num_legs": len(legs),
        "legs": {
            leg: {"dice": {LABELS[label]: (None if label == 7 and value < 0.7 else value + label / 100)
                           for label in MUSCLE_LABELS}}
            for leg, value in legs.items()
        },
    }  # fmt: skip
    (folder / "validation" / "summary.json").write_text(json.dumps(content))


def test_evaluate_cross_validation(tmp_path, capsys):
    from thigh_evaluation.cli import main

    configuration = tmp_path / "results" / "Demo" / "2d5"
    _write_fold(configuration, 0, {"a_left": 0.8, "a_right": 0.6})
    _write_fold(configuration, 2, {"b_left": 0.5})
    (configuration / "fold_1" / "axial").mkdir(parents=True)
    output = tmp_path / "cv"
    arguments = ["--cv", "-d", "Demo", "--results", str(tmp_path / "results"), "-o", str(output)]
    assert main(arguments) == 0
    texts, pixels = _snapshot(output, tmp_path)
    texts["stdout.txt"] = capsys.readouterr().out
    _check("cross_validation", texts, pixels)


def test_compare(tmp_path, capsys):
    from evaluation_comparison.conftest import fake_frames, write_evaluation

    from thigh_evaluation.comparison.cli import main

    folders = [
        f"{name}={write_evaluation(tmp_path / name, frame, na_rep='nan' if name == '2d' else '')}"
        for name, frame in fake_frames().items()
    ]
    output = tmp_path / "comparison"
    assert main([*folders, "-o", str(output)]) == 0
    texts, pixels = _snapshot(output, tmp_path)
    texts["stdout.txt"] = _anonymous(capsys.readouterr().out, tmp_path)
    _check("compare", texts, pixels)


def test_report(tmp_path, capsys):
    from evaluation_report.fake_inputs import write_inputs

    from thigh_evaluation.report.cli import main

    inputs = write_inputs(tmp_path / "inputs")
    output = tmp_path / "report"
    arguments = ["--predictions", str(inputs.predictions), "--evaluation", str(inputs.evaluation),
                 "--model", str(inputs.model_fold), "-o", str(output)]  # fmt: skip
    assert main(arguments) == 0
    texts, pixels = _snapshot(output, tmp_path)
    texts["stdout.txt"] = _anonymous(capsys.readouterr().out, tmp_path)
    _check("report", texts, pixels)


def test_experiment_results_and_steps(tmp_path):
    from evaluation_comparison.conftest import fake_frames, write_evaluation

    from thigh_evaluation.experiment.run import (
        ExperimentOptions,
        configuration_means,
        experiment_steps,
        write_results,
    )

    output = tmp_path / "experiment"
    (output / "comparison").mkdir(parents=True)
    (output / "comparison" / "comparison.md").write_text("# comparison\n")
    frames = fake_frames()
    record = {
        "dataset": "Thigh", "raw": str(tmp_path / "Thigh"), "output": str(output),
        "split": {"train": ["case_05", "case_06"], "test": ["case_00", "case_01"]},
        "configurations": list(frames), "minutes_per_configuration": 7.5, "preset": "default", "seed": 3,
        "training_overrides": ["--iterations", "20"], "prediction_flags": ["--device", "cpu"],
        "seconds": {"plan": 12.0, "train 2d": 450.0, "train 2d5": 451.5, "compare": 3.0},
        "total_seconds": 1000.0,
        "results": {name: configuration_means(write_evaluation(tmp_path / name, frame))
                    for name, frame in frames.items()},
    }  # fmt: skip
    write_results(output, record)
    options = ExperimentOptions(raw=tmp_path / "Thigh", output=output, minutes=7.5, seed=3,
                                training_overrides=("--iterations", "20"), prediction_flags=("--device", "cpu"))  # fmt: skip
    steps = experiment_steps(options, output / "raw" / "Thigh_train", output / "raw" / "Thigh_test")
    (output / "steps.txt").write_text("".join(f"{step.name}: {step.shown}\n" for step in steps))
    texts, pixels = _snapshot(output, tmp_path)
    _check("experiment", texts, pixels)


@pytest.mark.skipif(RECORD, reason="recording")
def test_the_recorded_copies_are_there():
    names = sorted(path.name for path in PINNED.iterdir())
    assert names == ["compare", "cross_validation", "evaluate", "experiment", "report"]
