"""What both engines share (the model source, progress, the stop report) and the local engine.

The local engine and the Dask engine (:mod:`astrolearn.scale.dask_engine`) call the same
work object on the same partitions, so their outputs are identical. The model is loaded
once per process: here before the loop, on Dask once per worker.

A partition that fails is retried; when it still fails, the engine stops and raises
:class:`~astrolearn.errors.AstrolearnRunError` reporting what was done, so that running
the same command again resumes.
"""

from __future__ import annotations

import hashlib
import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from astrolearn.errors import AstrolearnInputError, AstrolearnRunError
from astrolearn.scale.partitions import Partition
from astrolearn.scale.work import PartitionResult, run_partition

__all__ = ["ENGINES", "ModelSource", "Progress", "run_local", "stopped_error"]

ENGINES = ("local", "dask")

_LOADED: dict = {}  # identity -> model, for ModelSource.load_once


@dataclass(frozen=True)
class ModelSource:
    """Where a process gets the model: a model folder (read where the work runs, so it
    must be on a file system the workers share) or a pickled fitted model.

    Examples
    --------
    >>> ModelSource.of("model/").folder
    'model'
    """

    folder: str | None = None
    payload: bytes | None = None

    @classmethod
    def of(cls, model) -> ModelSource:
        """A source for a model folder path or a fitted model object."""
        if isinstance(model, (str, Path)):
            return cls(folder=str(Path(model)))
        return cls(payload=pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))

    def load(self):
        """The model itself."""
        if self.folder is not None:
            from astrolearn.persist import load_model

            return load_model(self.folder)
        return pickle.loads(self.payload)  # our own bytes, pickled by ModelSource.of

    def load_once(self):
        """The model, loaded at most once per process for each model identity."""
        key = self.identity()
        if key not in _LOADED:
            _LOADED.clear()  # hold one model at a time
            _LOADED[key] = self.load()
        return _LOADED[key]

    def identity(self) -> str:
        """A fingerprint of the model: its manifest (which holds the weights' checksums)
        or its pickle."""
        if self.folder is not None:
            manifest = Path(self.folder) / "manifest.json"
            if not manifest.is_file():
                raise AstrolearnInputError("not a model folder (no manifest.json)",
                                           file=self.folder, fix="give the folder that "
                                           "`astrolearn fit` wrote")
            return hashlib.sha256(manifest.read_bytes()).hexdigest()
        return hashlib.sha256(self.payload).hexdigest()


class Progress:
    """Progress of a whole job, reported at most every ``every`` seconds and at the end.

    Examples
    --------
    >>> lines = []
    >>> p = Progress(total_rows=10, total_partitions=2, say=lines.append, every=0)
    >>> p.done(5); p.done(5)
    >>> lines[-1].startswith("2/2 partitions, 10/10 rows")
    True
    """

    def __init__(self, total_rows: int, total_partitions: int,
                 say: Callable[[str], None] | None, every: float = 2.0) -> None:
        self.total_rows, self.total_partitions = total_rows, total_partitions
        self.rows = self.partitions = 0
        self.say, self.every = say, every
        self.start = self.last = time.perf_counter()

    def done(self, rows: int) -> None:
        """Count a finished partition of ``rows`` input rows."""
        self.rows += rows
        self.partitions += 1
        now = time.perf_counter()
        if self.say is None or (now - self.last < self.every
                                and self.partitions < self.total_partitions):
            return
        self.last = now
        rate = self.rows / max(now - self.start, 1e-9)
        left = (self.total_rows - self.rows) / rate if rate > 0 else float("nan")
        self.say(f"{self.partitions}/{self.total_partitions} partitions, "
                 f"{self.rows:,}/{self.total_rows:,} rows ({rate:,.0f} rows/s"
                 f"{f', about {left:,.0f} s left' if self.rows < self.total_rows else ''})")


def stopped_error(failed: Partition, error: BaseException, attempts: str, done: int,
             total: int, out: Path) -> AstrolearnRunError:
    return AstrolearnRunError(
        f"partition {failed.key} ({failed.rows:,} rows from {failed.pieces[0][0]}) failed "
        f"{attempts}: {type(error).__name__}: {error}. {done} of {total} partitions are "
        f"written and verified in {out}",
        fix="fix the cause and run the same command again: it resumes, writing only the "
        "partitions that are missing")


def run_local(work, partitions: Sequence[Partition], model: ModelSource, out: Path,
              keys: dict[str, str], progress: Progress, *, retries: int = 1,
              loaded=None) -> list[PartitionResult]:
    """Run ``work`` on each partition in turn, in this process.

    A partition that fails with anything but bad input is tried ``retries`` more times.
    ``loaded`` is the model when the caller has it already.
    """
    loaded = model.load() if loaded is None else loaded
    results = []
    for partition in partitions:
        for attempt in range(retries + 1):
            try:
                result = run_partition(work, loaded, partition, out, keys[partition.key])
                break
            except AstrolearnInputError:
                raise
            except Exception as err:
                if attempt == retries:
                    raise stopped_error(partition, err, f"{retries + 1} time(s)", len(results),
                                   len(partitions), out) from err
        results.append(result)
        progress.done(partition.rows)
    return results
