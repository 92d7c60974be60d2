"""Transit search and vetting over many stars, partition by partition, on either engine.

:class:`TransitWork` is the partition work of :mod:`astrolearn.scale` for transit models:
each partition's light curves (a group of Kepler/K2/TESS FITS files, the files of one
star always together, or one file of a Parquet long table partitioned by star) are
cleaned, detrended and searched; every signal found gets its global and local views, and
the model's verdict on it is written, one output file per partition. The views are built
with the bin counts the model was trained on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.scale.partitions import DatasetPlan, Partition
from astrolearn.scale.work import file_state, side_table

__all__ = ["TransitWork", "plan_transit_partitions"]

#: Signal columns written beside the verdicts.
SIGNAL_COLUMNS = ("object_id", "signal", "period", "epoch", "duration", "depth", "snr")


@dataclass(frozen=True)
class TransitWork:
    """Search the partition's stars and give the model's verdict on every signal.

    Parameters
    ----------
    search : tuple of (str, object)
        Keyword arguments of :func:`astrolearn.transits.pipeline.search_lightcurves`
        (method, period range, ...); the view bin counts come from the model.
    flux : str
        FITS flux column (``pdcsap`` or ``sap``).
    quality : str or int
        FITS quality mask.
    stars : str, optional
        Per-star table (``object_id`` as the light curves name the stars, e.g.
        ``"TIC 25155310"``, and stellar columns such as ``tmag``) joined to the signals,
        for models trained with stellar features.

    Examples
    --------
    >>> TransitWork().expected_rows(None) is None  # one row per signal found
    True
    """

    search: tuple[tuple[str, object], ...] = ()
    flux: str = "pdcsap"
    quality: str | int = "default"
    stars: str | None = None

    def identity(self) -> str:
        """Everything that changes the output, as text (with the star table's state)."""
        state = None if self.stars is None else file_state(self.stars)
        return json.dumps([self.search, self.flux, self.quality, self.stars, state],
                          default=str)

    def expected_rows(self, partition: Partition | None) -> None:
        """Not known before the search: one output row per signal."""
        return None

    def frames(self, model, partition: Partition) -> Iterator[pd.DataFrame]:
        """The verdicts on the signals of the partition's stars (one frame)."""
        from astrolearn.transits.commands import read_lightcurve_files
        from astrolearn.transits.pipeline import search_lightcurves

        files = [Path(path) for path, _groups in partition.pieces]
        lightcurves = read_lightcurve_files(files, flux=self.flux, quality=self.quality)
        bins = getattr(model, "view_bins_", None) or {}
        options = dict(self.search)
        options.setdefault("global_bins", bins.get("global", 2001))
        options.setdefault("local_bins", bins.get("local", 201))
        signals = search_lightcurves(lightcurves, views=True, **options).signals
        if self.stars is not None:
            signals = self._with_stars(signals)
        keep = [c for c in SIGNAL_COLUMNS if c in signals.columns]
        if len(signals):
            yield model.predict_frame(signals, keep=keep, file=files[0])
            return
        empty = pd.DataFrame({c: pd.Series(dtype=signals[c].dtype) for c in keep})
        for name in model.classes_:
            empty[f"prob_{name}"] = pd.Series(dtype="float32")
        empty["predicted_class"] = pd.Series(dtype="string")
        yield empty


    def _with_stars(self, signals: pd.DataFrame) -> pd.DataFrame:
        from astrolearn.io import read_table

        stars = side_table(self.stars, read_table)
        if "object_id" not in stars.columns:
            raise AstrolearnInputError("the star table has no object_id column",
                                       file=self.stars, column="object_id",
                                       fix="name the stars as the light curves do, e.g. "
                                       "'TIC 25155310'")
        stars = stars.drop_duplicates("object_id").astype({"object_id": str})
        extra = [c for c in stars.columns if c == "object_id" or c not in signals.columns]
        merged = signals.astype({"object_id": str}).merge(stars[extra], on="object_id",
                                                          how="left")
        return merged


def plan_transit_partitions(data: str | Path, *, stars_per_partition: int = 20
                            ) -> DatasetPlan:
    """Partitions of a folder of light-curve FITS files (grouped by star) or of a Parquet
    long table partitioned by star (one partition per file).

    Examples
    --------
    >>> plan_transit_partitions("no-such-folder")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    AstrolearnInputError: no-such-folder: no such file or folder
    """
    from astrolearn.scale.partitions import plan_file_groups, plan_partitions
    from astrolearn.transits.lightcurves import fits_star_names

    data = Path(data)
    if not data.exists():
        raise AstrolearnInputError("no such file or folder", file=data, fix="check the path")
    parquet = data.suffix.lower() == ".parquet" or (data.is_dir() and any(
        data.rglob("*.parquet")))
    if parquet:
        return plan_partitions(data, split_files=False)
    names = fits_star_names(data)
    stars = len(set(names.values()))
    files_per_star = max(1, round(len(names) / max(stars, 1)))
    return plan_file_groups(data, names, files_per_partition=stars_per_partition
                            * files_per_star)
