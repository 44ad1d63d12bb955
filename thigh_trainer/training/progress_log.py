"""Training progress of one network: a human log, a per-epoch CSV table and a curve picture.

Files in the network's folder:

- ``training_log.txt``: the training's log records (appended to on resume);
- ``progress.csv``: one row per epoch: ``epoch, train_loss, val_loss, dice_1 .. dice_C-1,
  mean_dice, lr, seconds`` (epochs counted from 1, as in the log; rewritten atomically after
  every epoch; on resume, rows after the checkpoint's epoch are dropped);
- ``progress.png``: training and validation loss, and the validation mean Dice, per epoch.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> log = ProgressLog(folder, num_classes=3)
    >>> log.add(EpochRecord(1, 0.9, 0.8, (0.5, 0.7), 0.01, 1.5))
    >>> (folder / "progress.csv").read_text().splitlines()[0]
    'epoch,train_loss,val_loss,dice_1,dice_2,mean_dice,lr,seconds'
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import math
from pathlib import Path

from thigh_common.atomic import atomic_path, write_text_atomic
from thigh_common.cli import LOG_FORMAT

LOG_FILE = "training_log.txt"
CSV_FILE = "progress.csv"
PLOT_FILE = "progress.png"
TRAINER_LOGGER = "thigh_trainer"


@dataclasses.dataclass(frozen=True)
class EpochRecord:
    """What one epoch produced.

    Attributes:
        epoch: Epoch number, from 1 (as the log counts).
        train_loss: Mean training loss of the epoch.
        val_loss: Loss on the fixed validation batches (NaN without validation).
        dice: Hard Dice per foreground class on those batches (NaN where absent).
        lr: Learning rate at the end of the epoch.
        seconds: Wall time of the epoch.
    """

    epoch: int
    train_loss: float
    val_loss: float
    dice: tuple[float, ...]
    lr: float
    seconds: float

    @property
    def mean_dice(self) -> float:
        """Mean Dice over the classes with a value (NaN if none has one)."""
        present = [value for value in self.dice if not math.isnan(value)]
        return sum(present) / len(present) if present else math.nan


class ProgressLog:
    """Writes the progress files of one network (only on the main process of a DDP run)."""

    def __init__(self, folder: Path, num_classes: int, resume_epoch: int | None = None) -> None:
        """Start or continue the progress files in ``folder``.

        Args:
            folder: The network's results folder.
            num_classes: Output classes including background (the CSV has ``num_classes - 1`` Dice columns).
            resume_epoch: Epochs completed when resuming: older rows are kept, later ones dropped.
        """
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.num_classes = num_classes
        self.records: list[EpochRecord] = []
        if resume_epoch is not None:
            self.records = [r for r in read_progress(self.folder / CSV_FILE) if r.epoch <= resume_epoch]
        self._handler: logging.Handler | None = None
        self._previous_level = logging.NOTSET

    @property
    def header(self) -> list[str]:
        """The CSV columns."""
        dice = [f"dice_{label}" for label in range(1, self.num_classes)]
        return ["epoch", "train_loss", "val_loss", *dice, "mean_dice", "lr", "seconds"]

    def attach(self) -> None:
        """Copy the trainer's log records into ``training_log.txt`` until :meth:`detach`."""
        if self._handler is None:
            handler = logging.FileHandler(self.folder / LOG_FILE, encoding="utf-8")
            handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt="%Y-%m-%d %H:%M:%S"))
            handler.setLevel(logging.INFO)
            trainer = logging.getLogger(TRAINER_LOGGER)
            trainer.addHandler(handler)
            self._previous_level = trainer.level
            if trainer.getEffectiveLevel() > logging.INFO:
                trainer.setLevel(logging.INFO)
            self._handler = handler

    def detach(self) -> None:
        """Stop writing ``training_log.txt``."""
        if self._handler is not None:
            trainer = logging.getLogger(TRAINER_LOGGER)
            trainer.removeHandler(self._handler)
            trainer.setLevel(self._previous_level)
            self._handler.close()
            self._handler = None

    def add(self, record: EpochRecord) -> None:
        """Append an epoch and rewrite ``progress.csv`` and ``progress.png``."""
        self.records.append(record)
        self.write_table()
        self.write_plot()

    def write_table(self) -> None:
        """Rewrite ``progress.csv`` atomically."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.header)
        for r in self.records:
            dice = [_number(value) for value in r.dice]
            # the mean of the written values, so that rows read back on resume are written unchanged
            written = EpochRecord(r.epoch, r.train_loss, r.val_loss, tuple(map(float, dice)), r.lr, r.seconds)
            writer.writerow(
                [r.epoch, _number(r.train_loss), _number(r.val_loss), *dice, _number(written.mean_dice)]
                + [f"{r.lr:.6g}", f"{r.seconds:.2f}"]
            )
        write_text_atomic(buffer.getvalue(), self.folder / CSV_FILE)

    def write_plot(self) -> None:
        """Draw the loss curves and the mean Dice into ``progress.png`` (matplotlib, Agg)."""
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure

        epochs = [r.epoch for r in self.records]
        figure = Figure(figsize=(8, 4.5), dpi=100)
        loss_axes = figure.add_subplot(1, 1, 1)
        loss_axes.plot(epochs, [r.train_loss for r in self.records], "b-", marker=".", label="train loss")
        loss_axes.plot(epochs, [r.val_loss for r in self.records], "r-", marker=".", label="val loss")
        loss_axes.set_xlabel("epoch")
        loss_axes.set_ylabel("loss")
        dice_axes = loss_axes.twinx()
        dice_axes.plot(epochs, [r.mean_dice for r in self.records], "g--", marker=".", label="val mean Dice")
        dice_axes.set_ylabel("mean Dice")
        dice_axes.set_ylim(0, 1)
        lines = loss_axes.get_legend_handles_labels()
        more = dice_axes.get_legend_handles_labels()
        loss_axes.legend(lines[0] + more[0], lines[1] + more[1], loc="center right")
        figure.suptitle(self.folder.name)
        figure.tight_layout()
        with atomic_path(self.folder / PLOT_FILE) as temporary:
            figure.savefig(temporary, format="png")


def _number(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.6f}"


def read_progress(path: Path) -> list[EpochRecord]:
    """Read the rows of a ``progress.csv`` (an absent file gives no rows)."""
    if not path.is_file():
        return []
    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    records = []
    for row in rows:
        dice_columns = sorted((k for k in row if k.startswith("dice_")), key=lambda k: int(k[5:]))
        records.append(
            EpochRecord(
                epoch=int(row["epoch"]),
                train_loss=float(row["train_loss"]),
                val_loss=float(row["val_loss"]),
                dice=tuple(float(row[k]) for k in dice_columns),
                lr=float(row["lr"]),
                seconds=float(row["seconds"]),
            )
        )
    return records
