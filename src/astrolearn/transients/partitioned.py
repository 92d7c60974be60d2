"""Transient classification over a light-curve dataset partitioned by object.

:class:`TransientWork` is the partition work of :mod:`astrolearn.scale` for transient
models: each file of a Parquet long table (every observation of an object in one file)
is read whole, cleaned and classified, and its per-object predictions written as one
output file, by the local engine or on a Dask cluster. The per-object metadata table
(redshifts, extinction) is read once per process and matched by id.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.scale.partitions import Partition
from astrolearn.scale.work import file_state, side_table

__all__ = ["TransientWork", "check_one_file_per_object"]

@dataclass(frozen=True)
class TransientWork:
    """Classify the objects of one light-curve file.

    Parameters
    ----------
    columns : tuple of (str, str)
        Canonical name -> the table's column name (as ``--columns``).
    layout : str
        ``auto``, ``long`` or ``plasticc`` (see :func:`read_lightcurves`).
    survey : str, optional
        Survey of bare band names, matched to the model's bands by wavelength.
    days : float, optional
        Classify from the first ``days`` days after each object's first detection.
    objects : str, optional
        Per-object metadata table.
    objects_id : str
        Its id column.

    Examples
    --------
    >>> TransientWork(days=10.0).expected_rows(None) is None  # one row per object
    True
    """

    columns: tuple[tuple[str, str], ...] = ()
    layout: str = "auto"
    survey: str | None = None
    days: float | None = None
    objects: str | None = None
    objects_id: str = "object_id"

    def identity(self) -> str:
        """Everything that changes the output, as text (with the metadata file's state)."""
        state = None if self.objects is None else file_state(self.objects)
        return json.dumps([self.columns, self.layout, self.survey, self.days, self.objects,
                           self.objects_id, state])

    def expected_rows(self, partition: Partition | None) -> None:
        """Not known before reading: one output row per object."""
        return None

    def frames(self, model, partition: Partition) -> Iterator[pd.DataFrame]:
        """The predictions of the partition's objects (one frame)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        from astrolearn.transients.commands import map_to_model
        from astrolearn.transients.lightcurves import read_lightcurves

        file = partition.pieces[0][0]
        table = pa.concat_tables(pq.ParquetFile(path).read_row_groups(list(groups))
                                 for path, groups in partition.pieces)
        try:
            lightcurves = read_lightcurves(table.to_pandas(), columns=dict(self.columns) or None,
                                           layout=self.layout)
            lightcurves = map_to_model(lightcurves, model, self.survey, lambda _line: None)
        except AstrolearnInputError as err:
            raise err.in_file(file) from None
        objects = self._objects(lightcurves["object_id"].unique())
        yield model.predict_frame(lightcurves, objects, days=self.days, file=file)

    def _objects(self, ids) -> pd.DataFrame | None:
        if self.objects is None:
            return None
        from astrolearn.transients.lightcurves import read_objects

        table = side_table(self.objects,
                           lambda path: read_objects(path, id_column=self.objects_id))
        return table[table["object_id"].isin(ids)]


def check_one_file_per_object(folder: str | Path, data: str | Path) -> None:
    """Refuse a result in which an object was classified from two input files (its light
    curve was split, so both verdicts saw only part of it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"object_id": [1, 2]}).to_parquet(out / "a.parquet")
    >>> check_one_file_per_object(out, "lc/")
    """
    ids = pd.read_parquet(folder, columns=["object_id"])["object_id"]
    repeated = ids[ids.duplicated()]
    if len(repeated):
        raise AstrolearnInputError(
            f"{len(repeated.unique()):,} object(s), e.g. {repeated.iloc[0]!r}, have "
            "observations in more than one file, so each was classified from part of its "
            "light curve", file=data, column="object_id",
            fix="write the light curves partitioned by object (all rows of an object in "
            "one file)")
