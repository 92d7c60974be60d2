"""A model that fails on purpose on one input file, for the engine tests (importable by
Dask workers, which are separate processes)."""

from __future__ import annotations

import os
from pathlib import Path


class FaultyModel:
    """Wraps a fitted catalog model; while ``poison`` exists, predicting rows of a file
    named ``target`` kills the process (``mode="kill"``) or raises (``"raise"``).
    ``once=True`` removes the poison file first, so only the first attempt fails."""

    def __init__(self, model, poison: Path, target: str, mode: str = "kill",
                 once: bool = True) -> None:
        self.model, self.poison, self.target = model, str(poison), target
        self.mode, self.once = mode, once

    def required_columns(self):
        return self.model.required_columns()

    def predict_frame(self, frame, *, file=None, **options):
        if len(frame) and file is not None and Path(file).name == self.target \
                and os.path.exists(self.poison):
            if self.once:
                os.unlink(self.poison)
            if self.mode == "kill":
                os._exit(1)
            raise RuntimeError("injected failure")
        return self.model.predict_frame(frame, file=file, **options)
