"""Reading and cleaning multi-band light curves into the canonical long table.

Three layouts are read into the table described in :mod:`astrolearn.transients`
(``object_id, time, band, flux, flux_err, detected``, sorted by ``object_id`` then ``time``):

* a **long table** in any format :func:`astrolearn.io.read_table` reads (Parquet, CSV, FITS,
  HDF5, VOTable) or an in-memory DataFrame / astropy Table. Column names are mapped with
  ``columns={"time": "mjd", "band": "filter"}``; ``mjd`` is recognised as ``time``,
  ``passband``/``filter`` as ``band`` and ``detected_bool`` as ``detected`` without help.
* the **PLAsTiCC** layout (``object_id, mjd, passband, flux, flux_err, detected`` with integer
  passbands 0-5), found automatically; passbands become ``"u","g","r","i","z","y"``
  (override with ``band_names``). Its metadata file is read by :func:`read_objects`.
* **SNANA text files** (``.DAT``, one object per file, as released for the SPCC / SNPhotCC
  challenge), a folder of them, a list or a glob pattern, read by :func:`read_snana`.

When a table has no detection flag, ``detected`` is ``flux / flux_err >= detection_snr``
(5 by default). Only the canonical columns are kept.

:func:`clean_lightcurves` drops unusable rows (NaN/inf values, ``flux_err <= 0``), combines
duplicate epochs by inverse-variance weighting and flags objects with too few points or no
detection, with one warning that counts what was done. Negative fluxes are kept: in
difference imaging they are honest measurements of faint (or absent) sources, and removing
them would bias every flux statistic upwards.

Written by hand because no maintained library reads these three layouts into one table:
``sncosmo.read_snana_ascii`` parses SNANA files but returns astropy tables per file without
the SPCC metadata conventions (``+-`` errors, ``SIM_COMMENT`` truth) and knows nothing of
PLAsTiCC; the parsing here is a few dozen lines of plain text handling.
"""

from __future__ import annotations

import glob
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.io import (
    as_dataframe,
    iter_objects,
    read_table,
    require_columns,
    table_columns,
    table_format,
)

__all__ = [
    "CANONICAL_COLUMNS",
    "PLASTICC_BANDS",
    "clean_lightcurves",
    "first_detection_time",
    "iter_objects",
    "read_lightcurves",
    "read_objects",
    "read_snana",
    "truncate_lightcurves",
]

CANONICAL_COLUMNS = ("object_id", "time", "band", "flux", "flux_err", "detected")
"""Columns of the canonical light-curve table, in order."""

PLASTICC_BANDS = ("u", "g", "r", "i", "z", "y")
"""LSST passband names of PLAsTiCC passbands 0-5."""

# Column names recognised without a ``columns=`` mapping (compared case-insensitively).
_ALIASES: dict[str, tuple[str, ...]] = {
    "object_id": ("object_id",),
    "time": ("time", "mjd"),
    "band": ("band", "passband", "filter"),
    "flux": ("flux",),
    "flux_err": ("flux_err",),
    "detected": ("detected", "detected_bool"),
}
_REQUIRED = ("object_id", "time", "band", "flux", "flux_err")
_LAYOUTS = ("auto", "long", "plasticc", "snana")
_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}
_MISSING_TEXT = {"", "nan", "none", "null", "na", "n/a"}

SourceLike = str | Path | pd.DataFrame | Sequence[str | Path] | Any


# --------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------


def read_lightcurves(
    path_or_frame: SourceLike,
    *,
    columns: Mapping[str, str] | None = None,
    layout: str = "auto",
    band_names: Sequence[str] | Mapping[Any, str] | None = None,
    detection_snr: float = 5.0,
) -> pd.DataFrame:
    """Read light curves into the canonical long table.

    Parameters
    ----------
    path_or_frame : str, Path, DataFrame, astropy Table or sequence of paths
        A table file (any format :func:`astrolearn.io.read_table` reads) or an in-memory
        table; or SNANA ``.DAT`` files: one file, a folder of them, a glob pattern such as
        ``"data/DES_SN*.DAT"`` or a list of files.
    columns : mapping, optional
        Canonical name -> the table's column name, e.g. ``{"time": "mjd", "band": "filter"}``.
        Unmapped names are looked up among common spellings (``mjd`` for ``time``,
        ``passband``/``filter`` for ``band``, ``detected_bool`` for ``detected``).
    layout : {"auto", "long", "plasticc", "snana"}
        ``"auto"`` recognises SNANA files by their ``.dat`` extension and the PLAsTiCC layout
        by an integer ``passband`` column.
    band_names : sequence or mapping, optional
        Names of integer bands: a sequence (band ``k`` -> ``band_names[k]``) or a mapping.
        PLAsTiCC defaults to ``("u", "g", "r", "i", "z", "y")``; other integer bands become
        strings (``"0"``, ``"1"``, ...).
    detection_snr : float
        When the table has no detection flag, ``detected = flux / flux_err >= detection_snr``.

    Returns
    -------
    pandas.DataFrame
        Columns ``object_id, time, band, flux, flux_err, detected`` (``time``, ``flux`` and
        ``flux_err`` float64, ``band`` str or category, ``detected`` bool), sorted by
        ``object_id`` then ``time`` (stably). Rows with missing or infinite values are kept
        here; :func:`clean_lightcurves` removes them.

    Raises
    ------
    AstrolearnInputError
        Missing columns, non-numeric values, unknown bands or unreadable files, naming the
        file, the column and the fix.

    Examples
    --------
    >>> raw = pd.DataFrame({"object_id": [7, 7], "mjd": [60001.0, 60000.0],
    ...                     "filter": ["r", "g"], "flux": [50.0, 3.0], "flux_err": [2.0, 2.0]})
    >>> lc = read_lightcurves(raw, columns={"band": "filter"})
    >>> lc[["time", "band", "detected"]].to_numpy().tolist()
    [[60000.0, 'g', False], [60001.0, 'r', True]]
    """
    if layout not in _LAYOUTS:
        raise AstrolearnInputError(f"unknown layout {layout!r}",
                                   fix=f"use one of {', '.join(_LAYOUTS)}")
    _check_snr(detection_snr)
    snana = _snana_files(path_or_frame, layout)
    if snana is not None:
        if columns:
            raise AstrolearnInputError("columns= does not apply to SNANA files",
                                       fix="leave columns out; SNANA names are fixed "
                                       "(MJD, FLT, FLUXCAL, FLUXCALERR)")
        return _read_snana_files(snana, detection_snr, band_names)[0]
    frame, file = _load_table(path_or_frame, columns, layout)
    return _standardise(frame, columns=columns, layout=layout, band_names=band_names,
                        detection_snr=detection_snr, file=file)


def read_objects(path_or_frame: SourceLike, *, id_column: str = "object_id") -> pd.DataFrame:
    """Read a per-object metadata table (PLAsTiCC metadata, SPCC objects, SNANA headers).

    The id column becomes ``object_id``. PLAsTiCC's ``hostgal_photoz`` and
    ``hostgal_photoz_err`` are copied to ``redshift`` and ``redshift_err`` (the originals are
    kept; an existing ``redshift`` column is left as it is). SNANA files (a ``.DAT`` file, a
    folder, a glob or a list) give the metadata of :func:`read_snana`.

    Parameters
    ----------
    path_or_frame : str, Path, DataFrame, astropy Table or sequence of paths
        The metadata table, or SNANA files.
    id_column : str
        Name of the object identifier column in the table.

    Returns
    -------
    pandas.DataFrame
        One row per object, ``object_id`` first, in the order of the input.

    Raises
    ------
    AstrolearnInputError
        The id column is missing, empty or repeats an identifier.

    Examples
    --------
    >>> meta = pd.DataFrame({"object_id": [615, 713], "hostgal_photoz": [0.0, 0.75],
    ...                      "hostgal_photoz_err": [0.0, 0.02], "target": [92, 88]})
    >>> read_objects(meta)[["object_id", "redshift", "redshift_err"]].to_numpy().tolist()
    [[615.0, 0.0, 0.0], [713.0, 0.75, 0.02]]
    """
    snana = _snana_files(path_or_frame, "auto")
    if snana is not None:
        return _read_snana_files(snana, 5.0, None)[1]
    file = None
    if isinstance(path_or_frame, str | Path):
        file = Path(path_or_frame)
        frame = read_table(file)
    else:
        frame = as_dataframe(path_or_frame).copy()
    if len(frame) == 0:
        raise AstrolearnInputError("the metadata table has no rows", file=file,
                                   fix="give a table with one row per object")
    require_columns(frame, [id_column], file=file, option="id_column=")
    frame = frame.rename(columns={id_column: "object_id"}) if id_column != "object_id" else frame
    ids = frame["object_id"]
    if ids.isna().any():
        raise AstrolearnInputError(f"{int(ids.isna().sum())} rows have no object id", file=file,
                                   column=id_column, fix="give every object an identifier")
    repeated = ids[ids.duplicated()]
    if len(repeated):
        raise AstrolearnInputError(
            f"{len(repeated)} object ids appear more than once (first: {repeated.iloc[0]!r})",
            file=file, column=id_column, fix="keep one metadata row per object")
    for source, target in (("hostgal_photoz", "redshift"), ("hostgal_photoz_err", "redshift_err")):
        if source in frame.columns and target not in frame.columns:
            frame[target] = frame[source]
    order = ["object_id"] + [c for c in frame.columns if c != "object_id"]
    return frame[order].reset_index(drop=True)


def read_snana(
    paths: str | Path | Sequence[str | Path], *, detection_snr: float = 5.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read SNANA text light curves (``.DAT``, one object per file, as in SPCC).

    A file holds ``KEY: value`` header lines, then ``VARLIST:`` naming the columns of the
    ``OBS:`` rows that follow, and ends with ``END:``. ``MJD``, ``FLT``, ``FLUXCAL`` and
    ``FLUXCALERR`` become ``time``, ``band``, ``flux`` and ``flux_err``; ``detected`` is
    ``FLUXCAL / FLUXCALERR >= detection_snr`` (SPCC files carry no detection flag).

    Parameters
    ----------
    paths : str, Path or sequence of them
        A file, a folder (its ``*.dat``/``*.DAT`` files), a glob pattern or a list of files.
    detection_snr : float
        Signal-to-noise ratio that counts as a detection.

    Returns
    -------
    lightcurves : pandas.DataFrame
        The canonical long table.
    objects : pandas.DataFrame
        One row per file: ``object_id`` (``SNID``; integer when every SNID is one),
        ``sntype`` (``SNTYPE``, nullable int; -9 means not spectroscopically confirmed),
        ``redshift``, ``redshift_err`` (``HOST_GALAXY_PHOTO-Z: z +- err``),
        ``redshift_final``, ``redshift_final_err`` (``REDSHIFT_FINAL``), ``redshift_spec``,
        ``redshift_spec_err`` (``REDSHIFT_SPEC``), ``mwebv``, ``mwebv_err``, ``filters``,
        ``sim_type`` (the truth from ``SIM_COMMENT: SN Type = Ia , ...``; only when some file
        has it) and ``source_file``. Missing keys give NaN; SNANA's sentinel redshifts and
        extinctions (negative, e.g. ``-9 +- 9``) are NaN too, value and error.

    Raises
    ------
    AstrolearnInputError
        Empty files, a missing ``SNID``, ``OBS`` rows that do not match ``VARLIST``,
        non-numeric values, repeated SNIDs: each naming the file (and line) and the fix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "SN1.DAT"
    >>> _ = p.write_text("SNID: 1\\nHOST_GALAXY_PHOTO-Z: 0.31 +- 0.03\\n"
    ...                  "VARLIST: MJD FLT FIELD FLUXCAL FLUXCALERR\\n"
    ...                  "OBS: 56171.0 g NULL 60.0 3.0\\nEND:\\n")
    >>> lc, meta = read_snana(p)
    >>> lc["flux"].tolist(), meta["redshift"].tolist(), meta["redshift_err"].tolist()
    ([60.0], [0.31], [0.03])
    """
    _check_snr(detection_snr)
    files = _snana_files(paths, "snana")
    assert files is not None
    return _read_snana_files(files, detection_snr, None)


# --------------------------------------------------------------------------------------
# cleaning and helpers
# --------------------------------------------------------------------------------------


def clean_lightcurves(
    lc: pd.DataFrame,
    *,
    min_points: int = 3,
    min_detections: int = 1,
    file: str | Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop unusable rows, combine duplicate epochs and flag poor objects.

    Rules, in order:

    1. rows with NaN/inf ``time``, ``flux`` or ``flux_err``, or ``flux_err <= 0``, are dropped
       (one warning counts them per column);
    2. rows are sorted by ``object_id``, ``time``, ``band`` (with ``flux``, ``flux_err`` as
       final tie-breakers), so the result does not depend on the input order;
    3. duplicate epochs (same object, band and time) become one row: the inverse-variance
       weighted mean flux, ``flux_err = 1 / sqrt(sum(1 / flux_err**2))``, ``detected = any``;
    4. objects with fewer than ``min_points`` points or ``min_detections`` detections are
       flagged (``too_few_points``, ``no_detection`` / ``too_few_detections``) and marked
       ``usable = False``; they are not dropped.

    Negative fluxes are kept (they are real measurements of faint sources). Bands without
    data for an object are simply absent (``n_bands`` counts those present). When ``lc`` has
    no ``detected`` column it is computed as ``flux / flux_err >= 5``.

    Parameters
    ----------
    lc : pandas.DataFrame
        A canonical light-curve table (see :func:`read_lightcurves`); it is not modified.
    min_points : int
        Fewest observations (after cleaning) for an object to be usable.
    min_detections : int
        Fewest detected observations for an object to be usable.
    file : str or Path, optional
        The file ``lc`` came from, named in warnings and errors.

    Returns
    -------
    cleaned : pandas.DataFrame
        The cleaned table, canonical columns and dtypes, index 0..n-1.
    quality : pandas.DataFrame
        One row per object of the input (also those left with no rows), sorted by
        ``object_id``: ``object_id, n_points, n_detections, n_bands, flags, usable``.
        ``flags`` is a ``;``-separated string, empty when the object is fine.

    Examples
    --------
    >>> lc = pd.DataFrame({"object_id": [1, 1, 1, 2], "time": [1.0, 1.0, 2.0, 1.0],
    ...                    "band": ["g", "g", "r", "g"], "flux": [10.0, 20.0, 30.0, 1.0],
    ...                    "flux_err": [1.0, 2.0, 1.0, 1.0], "detected": [True] * 3 + [False]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     cleaned, quality = clean_lightcurves(lc, min_points=2)
    >>> cleaned["flux"].round(3).tolist()
    [12.0, 30.0, 1.0]
    >>> quality[["object_id", "flags", "usable"]].to_numpy().tolist()
    [[1, '', True], [2, 'too_few_points;no_detection', False]]
    """
    for name, value, low in (("min_points", min_points, 1), ("min_detections", min_detections, 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise AstrolearnInputError(f"{name} must be an integer >= {low}, not {value!r}",
                                       fix=f"pass {name}={max(low, 1)} or more")
    frame = _canonical_copy(lc, file=file)
    all_ids = frame["object_id"].drop_duplicates()

    # 1. unusable rows
    time = frame["time"].to_numpy()
    flux = frame["flux"].to_numpy()
    err = frame["flux_err"].to_numpy()
    bad_time = ~np.isfinite(time)
    bad_flux = ~np.isfinite(flux)
    bad_err = ~np.isfinite(err) | (err <= 0)
    drop = bad_time | bad_flux | bad_err
    notes = []
    if drop.any():
        parts = [f"{int(n)} with NaN/inf in {col!r}" for col, n in
                 (("time", bad_time.sum()), ("flux", bad_flux.sum())) if n]
        if bad_err.sum():
            parts.append(f"{int(bad_err.sum())} with NaN/inf or <= 0 in 'flux_err'")
        notes.append(f"dropped {int(drop.sum())} of {len(frame)} rows ({', '.join(parts)})")
        frame = frame.loc[~drop]

    # 2. deterministic order, 3. duplicate epochs
    frame = frame.sort_values(["object_id", "time", "band", "flux", "flux_err", "detected"],
                              kind="mergesort").reset_index(drop=True)
    frame, n_merged = _combine_duplicates(frame)
    if n_merged:
        notes.append(f"combined {n_merged} duplicate epochs (same object_id, band and time) "
                     "by inverse-variance weighting")
    if notes:
        where = f"{file}: " if file else ""
        warnings.warn(where + "; ".join(notes), UserWarning, stacklevel=2)

    # 4. per-object quality
    quality = _quality(frame, all_ids, min_points, min_detections)
    return frame, quality


def first_detection_time(lc: pd.DataFrame) -> pd.Series:
    """Time of the first detected observation of each object.

    Objects never detected get the time of their first observation instead, so the result
    has no NaN (check ``lc.groupby("object_id")["detected"].any()`` to tell them apart).

    Parameters
    ----------
    lc : pandas.DataFrame
        Canonical light-curve table (any row order); not modified.

    Returns
    -------
    pandas.Series
        float64, indexed by ``object_id`` (sorted), named ``first_detection_time``.

    Examples
    --------
    >>> lc = pd.DataFrame({"object_id": [1, 1, 2], "time": [0.0, 3.0, 5.0],
    ...                    "band": ["g", "g", "r"], "flux": [1.0, 40.0, 1.0],
    ...                    "flux_err": [1.0, 2.0, 1.0], "detected": [False, True, False]})
    >>> first_detection_time(lc).tolist()
    [3.0, 5.0]
    """
    frame = _canonical_copy(lc)
    _require_finite_time(frame)
    first_obs = frame.groupby("object_id", sort=True, observed=True)["time"].min()
    detected = frame.loc[frame["detected"].to_numpy()]
    first_det = detected.groupby("object_id", sort=True, observed=True)["time"].min()
    result = first_det.reindex(first_obs.index).fillna(first_obs)
    return result.astype(np.float64).rename("first_detection_time")


def truncate_lightcurves(
    lc: pd.DataFrame,
    days: float,
    *,
    reference: str | pd.Series | Mapping[Any, float] = "first_detection",
) -> pd.DataFrame:
    """Keep each object's observations up to ``days`` after a reference time.

    For early classification: the kept rows are those with ``time <= t_ref + days``, which
    includes every earlier observation (the non-detections before the first detection too).

    Parameters
    ----------
    lc : pandas.DataFrame
        Canonical light-curve table; not modified.
    days : float
        Days after the reference time to keep (>= 0).
    reference : {"first_detection", "first_observation"}, Series or mapping
        ``"first_detection"``: :func:`first_detection_time` (the first observation for
        objects never detected); ``"first_observation"``: each object's first time; or a
        time per ``object_id`` (e.g. an alert time), covering every object.

    Returns
    -------
    pandas.DataFrame
        The kept rows, in the input order, index 0..n-1.

    Examples
    --------
    >>> lc = pd.DataFrame({"object_id": [1] * 4, "time": [0.0, 2.0, 4.0, 9.0],
    ...                    "band": ["g"] * 4, "flux": [0.5, 30.0, 60.0, 40.0],
    ...                    "flux_err": [1.0] * 4, "detected": [False, True, True, True]})
    >>> truncate_lightcurves(lc, 3)["time"].tolist()
    [0.0, 2.0, 4.0]
    """
    if isinstance(days, bool) or not isinstance(days, int | float | np.integer | np.floating) \
            or not np.isfinite(days) or days < 0:
        raise AstrolearnInputError(f"days must be a finite number >= 0, not {days!r}",
                                   fix="pass e.g. days=30")
    frame = _canonical_copy(lc)
    _require_finite_time(frame)
    if isinstance(reference, str):
        if reference == "first_detection":
            ref = first_detection_time(frame)
        elif reference == "first_observation":
            ref = frame.groupby("object_id", sort=True, observed=True)["time"].min()
        else:
            raise AstrolearnInputError(
                f"unknown reference {reference!r}",
                fix="use 'first_detection', 'first_observation' or a time per object_id")
    else:
        ref = pd.Series(reference, dtype=np.float64) if isinstance(reference, Mapping) \
            else reference.astype(np.float64)
    t_ref = ref.reindex(frame["object_id"].to_numpy()).to_numpy()
    missing = np.isnan(t_ref)
    if missing.any():
        first = frame["object_id"].to_numpy()[missing][0]
        raise AstrolearnInputError(
            f"the reference gives no time for {int(missing.sum())} rows (first object: "
            f"{first!r})", column="object_id",
            fix="give a finite reference time for every object_id")
    keep = frame["time"].to_numpy() <= t_ref + float(days)
    return frame.loc[keep].reset_index(drop=True)


# --------------------------------------------------------------------------------------
# internals: long tables
# --------------------------------------------------------------------------------------


def _check_snr(detection_snr: float) -> None:
    if isinstance(detection_snr, bool) or not isinstance(
            detection_snr, int | float | np.integer | np.floating) or not np.isfinite(
            detection_snr):
        raise AstrolearnInputError(f"detection_snr must be a finite number, not {detection_snr!r}",
                                   fix="pass e.g. detection_snr=5.0")


def _load_table(source, columns, layout) -> tuple[pd.DataFrame, Path | None]:
    """Read a table file (only the needed columns) or copy an in-memory table."""
    if isinstance(source, str | Path):
        path = Path(source)
        table_format(path)  # unknown extension -> clear error
        names = table_columns(path)
        header = pd.DataFrame(columns=names)
        mapping = _resolve(header, columns, layout, file=path)
        frame = read_table(path, columns=list(dict.fromkeys(mapping.values())))
        return frame, path
    if layout == "snana":
        raise AstrolearnInputError("layout='snana' needs SNANA files, not an in-memory table",
                                   fix="pass the .DAT files, their folder or a glob pattern")
    frame = as_dataframe(source)
    return frame.copy(), None


def _resolve(frame: pd.DataFrame, columns, layout, *, file) -> dict[str, str]:
    """Canonical name -> column of ``frame`` (``detected`` only when present)."""
    columns = dict(columns or {})
    unknown = [k for k in columns if k not in CANONICAL_COLUMNS]
    if unknown:
        raise AstrolearnInputError(
            f"columns= maps unknown names {unknown}", file=file,
            fix=f"map the canonical names {', '.join(CANONICAL_COLUMNS)} to your columns, "
            "e.g. columns={'time': 'mjd'}")
    require_columns(frame, list(columns.values()), file=file, option="columns=")
    lower: dict[str, str] = {}
    for col in frame.columns:
        lower.setdefault(str(col).lower(), col)
    mapping: dict[str, str] = {}
    for canon in CANONICAL_COLUMNS:
        if canon in columns:
            mapping[canon] = columns[canon]
            continue
        aliases = ("passband", "band") if canon == "band" and layout == "plasticc" \
            else _ALIASES[canon]
        found = next((lower[a] for a in aliases if a in lower), None)
        if found is not None:
            mapping[canon] = found
        elif canon in _REQUIRED:
            shown = ", ".join(map(str, list(frame.columns)[:20]))
            raise AstrolearnInputError(
                "column not found", file=file, column=canon,
                fix=f"name the table's {canon} column with columns={{'{canon}': ...}} "
                f"(the table has: {shown})")
    return mapping


def _standardise(frame: pd.DataFrame, *, columns, layout, band_names, detection_snr,
                 file) -> pd.DataFrame:
    """Turn a raw long table into the canonical one (a new frame; ``frame`` untouched)."""
    if len(frame) == 0:
        raise AstrolearnInputError("the table has no rows", file=file,
                                   fix="give a table with at least one observation")
    mapping = _resolve(frame, columns, layout, file=file)
    band_col = mapping["band"]
    band_raw = frame[band_col]
    is_int_band = pd.api.types.is_integer_dtype(band_raw.dtype) and not \
        pd.api.types.is_bool_dtype(band_raw.dtype)
    if layout == "plasticc" and not is_int_band:
        raise AstrolearnInputError("PLAsTiCC passbands must be integers 0-5", file=file,
                                   column=band_col, fix="use layout='long' for named bands")
    plasticc = layout == "plasticc" or (
        layout == "auto" and is_int_band and str(band_col).lower() == "passband")
    if band_names is None and plasticc:
        band_names = PLASTICC_BANDS

    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    ids = frame[mapping["object_id"]]
    if ids.isna().any():
        first = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise AstrolearnInputError(f"{int(ids.isna().sum())} rows have no object id "
                                   f"(first: data row {first + 1})", file=file,
                                   column=mapping["object_id"],
                                   fix="give every observation the id of its object")
    out["object_id"] = ids.reset_index(drop=True)
    for canon in ("time", "flux", "flux_err"):
        out[canon] = _to_float(frame[mapping[canon]], mapping[canon], canon, file)
    out["band"] = _bands(band_raw, band_col, band_names, file)
    if "detected" in mapping:
        out["detected"] = _to_bool(frame[mapping["detected"]], mapping["detected"], file)
    else:
        out["detected"] = _snr_detected(out["flux"].to_numpy(), out["flux_err"].to_numpy(),
                                        detection_snr)
    out = out[list(CANONICAL_COLUMNS)]
    return out.sort_values(["object_id", "time"], kind="mergesort").reset_index(drop=True)


def _snr_detected(flux: np.ndarray, err: np.ndarray, snr: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = flux / err
    return np.isfinite(ratio) & (err > 0) & (ratio >= snr)


def _to_float(series: pd.Series, column: str, role: str, file) -> np.ndarray:
    """Float64 values of ``series``; text that is not a number raises a clear error."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise AstrolearnInputError(f"holds true/false values, but {role} must be numbers",
                                   file=file, column=column, fix=f"map {role} to a numeric column")
    if pd.api.types.is_numeric_dtype(dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    values = pd.to_numeric(series, errors="coerce")
    text = series.astype(object)
    blank = series.isna() | text.map(lambda v: str(v).strip().lower() in _MISSING_TEXT)
    bad = values.isna() & ~blank
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        used = f" (used as {role})" if role != column else ""
        raise AstrolearnInputError(
            f"{int(bad.sum())} values are not numbers{used}, first {series.iloc[pos]!r} "
            f"in data row {pos + 1}", file=file, column=column,
            fix="correct those values or remove the rows (leave unknown values empty)")
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _to_bool(series: pd.Series, column: str, file) -> np.ndarray:
    """Booleans from bool, 0/1 numbers or true/false text."""
    fix = "give the detection flag as true/false or 1/0, or leave the column out to use SNR"
    if series.isna().any():
        raise AstrolearnInputError(f"{int(series.isna().sum())} detection flags are missing",
                                   file=file, column=column, fix=fix)
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return series.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(dtype):
        values = series.to_numpy(dtype=np.float64)
        if np.isin(values, [0.0, 1.0]).all():
            return values == 1.0
        bad = values[~np.isin(values, [0.0, 1.0])][0]
        raise AstrolearnInputError(f"detection flags must be 0 or 1, found {bad!r}",
                                   file=file, column=column, fix=fix)
    text = series.astype(str).str.strip().str.lower()
    known = text.isin(_TRUE | _FALSE)
    if not known.all():
        raise AstrolearnInputError(
            f"unreadable detection flag {series[~known.to_numpy()].iloc[0]!r}",
            file=file, column=column, fix=fix)
    return text.isin(_TRUE).to_numpy()


def _bands(series: pd.Series, column: str, band_names, file) -> pd.Series:
    """Band names as str (or category with str categories, when given as category)."""
    if series.isna().any():
        raise AstrolearnInputError(f"{int(series.isna().sum())} observations have no band",
                                   file=file, column=column,
                                   fix="give every observation its passband")
    values = series.reset_index(drop=True)
    if band_names is not None:
        lookup = dict(enumerate(band_names)) if not isinstance(band_names, Mapping) \
            else dict(band_names)
        keys = values.astype(object)
        unknown = ~keys.isin(list(lookup))
        if unknown.any():
            missing = sorted({str(v) for v in keys[unknown].unique()})
            raise AstrolearnInputError(
                f"band values {', '.join(missing)} have no name in band_names", file=file,
                column=column, fix="give band_names covering every band value "
                "(a sequence indexed by band number, or a mapping)")
        return keys.map(lookup).astype(str)
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.rename_categories([str(c) for c in values.cat.categories])
    return values.astype(str)


def _canonical_copy(lc: pd.DataFrame, *, file=None) -> pd.DataFrame:
    """A canonical copy of ``lc``: checked columns and dtypes, ``detected`` added if absent."""
    if not isinstance(lc, pd.DataFrame):
        raise AstrolearnInputError(f"expected a DataFrame, got {type(lc).__name__}", file=file,
                                   fix="read the light curves with read_lightcurves first")
    for canon in _REQUIRED:
        if canon not in lc.columns:
            shown = ", ".join(map(str, list(lc.columns)[:20]))
            raise AstrolearnInputError(
                "column not found", file=file, column=canon,
                fix=f"read the table with read_lightcurves(..., columns={{'{canon}': ...}}) "
                f"(the table has: {shown})")
    ids = lc["object_id"]
    if ids.isna().any():
        raise AstrolearnInputError(f"{int(ids.isna().sum())} rows have no object id", file=file,
                                   column="object_id", fix="give every observation an object id")
    out = pd.DataFrame({"object_id": ids.reset_index(drop=True)})
    for canon in ("time", "flux", "flux_err"):
        out[canon] = _to_float(lc[canon], canon, canon, file)
    band = lc["band"].reset_index(drop=True)
    if band.isna().any():
        raise AstrolearnInputError(f"{int(band.isna().sum())} observations have no band",
                                   file=file, column="band", fix="give every observation a band")
    out["band"] = band if isinstance(band.dtype, pd.CategoricalDtype) else band.astype(str)
    if "detected" in lc.columns:
        out["detected"] = _to_bool(lc["detected"], "detected", file)
    else:
        out["detected"] = _snr_detected(out["flux"].to_numpy(), out["flux_err"].to_numpy(), 5.0)
    return out[list(CANONICAL_COLUMNS)]


def _comparable(series: pd.Series) -> np.ndarray:
    """Values of ``series`` that compare element-wise with ``!=`` (category codes)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy()
    return series.to_numpy()


def _combine_duplicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Inverse-variance combination of rows with equal (object_id, time, band); sorted input."""
    n = len(frame)
    if n < 2:
        return frame, 0
    ids = _comparable(frame["object_id"])
    time = frame["time"].to_numpy()
    band = _comparable(frame["band"])
    new = np.ones(n, dtype=bool)
    new[1:] = (ids[1:] != ids[:-1]) | (time[1:] != time[:-1]) | (band[1:] != band[:-1])
    starts = np.flatnonzero(new)
    if len(starts) == n:
        return frame, 0
    weight = 1.0 / frame["flux_err"].to_numpy() ** 2
    sum_w = np.add.reduceat(weight, starts)
    sum_wf = np.add.reduceat(weight * frame["flux"].to_numpy(), starts)
    detected = np.logical_or.reduceat(frame["detected"].to_numpy(), starts)
    out = frame.iloc[starts].reset_index(drop=True)
    out["flux"] = sum_wf / sum_w
    out["flux_err"] = 1.0 / np.sqrt(sum_w)
    out["detected"] = detected
    return out, n - len(starts)


def _quality(frame: pd.DataFrame, all_ids: pd.Series, min_points: int,
             min_detections: int) -> pd.DataFrame:
    grouped = frame.groupby("object_id", sort=True, observed=True)
    stats = pd.DataFrame({
        "n_points": grouped.size(),
        "n_detections": grouped["detected"].sum(),
        "n_bands": grouped["band"].nunique(),
    })
    index = pd.Index(all_ids.to_numpy() if not isinstance(all_ids.dtype, pd.CategoricalDtype)
                     else all_ids.astype(object).to_numpy(), name="object_id")
    stats = stats.reindex(index.sort_values(), fill_value=0).astype(np.int64)
    few_points = stats["n_points"].to_numpy() < min_points
    n_det = stats["n_detections"].to_numpy()
    few_det = n_det < min_detections
    flags = []
    for points_bad, det_bad, count in zip(few_points, few_det, n_det, strict=True):
        parts = []
        if points_bad:
            parts.append("too_few_points")
        if det_bad:
            parts.append("no_detection" if count == 0 else "too_few_detections")
        flags.append(";".join(parts))
    quality = stats.reset_index()
    quality["object_id"] = quality["object_id"].astype(all_ids.dtype)
    quality["flags"] = pd.Series(flags, dtype=str)
    quality["usable"] = ~(few_points | few_det)
    return quality


def _require_finite_time(frame: pd.DataFrame) -> None:
    bad = ~np.isfinite(frame["time"].to_numpy())
    if bad.any():
        raise AstrolearnInputError(f"{int(bad.sum())} observation times are NaN or infinite",
                                   column="time", fix="clean the table with clean_lightcurves "
                                   "first")


# --------------------------------------------------------------------------------------
# internals: SNANA
# --------------------------------------------------------------------------------------

_GLOB_CHARS = re.compile(r"[*?\[]")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_VALUE_ERR = re.compile(rf"^\s*({_NUMBER})(?:\s*\+-\s*({_NUMBER}))?")
_SIM_TYPE = re.compile(r"SN\s*Type\s*=\s*([^,\s]+)", re.IGNORECASE)
_SNANA_REQUIRED = {"MJD": "time", "FLT": "band", "FLUXCAL": "flux", "FLUXCALERR": "flux_err"}


def _is_snana_name(path: Path) -> bool:
    return path.suffix.lower() == ".dat"


def _snana_files(source, layout: str) -> list[Path] | None:
    """The SNANA files ``source`` names, or None when it is not SNANA input."""
    if isinstance(source, pd.DataFrame) or not isinstance(source, str | Path | list | tuple):
        return None
    if isinstance(source, list | tuple):
        files = [Path(p) for p in source]
        if not files:
            raise AstrolearnInputError("the list of SNANA files is empty",
                                       fix="give at least one .DAT file")
    elif isinstance(source, str) and _GLOB_CHARS.search(source) and not Path(source).exists():
        files = [Path(p) for p in sorted(glob.glob(source))]
        if not files:
            raise AstrolearnInputError("no files match the pattern", file=source,
                                       fix="check the folder and the pattern, e.g. 'DES_SN*.DAT'")
    else:
        path = Path(source)
        if path.is_dir():
            dats = sorted(p for p in path.iterdir() if p.is_file() and _is_snana_name(p))
            if not dats and layout != "snana":
                return None
            if not dats:
                raise AstrolearnInputError("the folder holds no .DAT files", file=path,
                                           fix="give the folder of SNANA light-curve files")
            files = dats
        elif layout == "snana" or _is_snana_name(path):
            files = [path]
        else:
            return None
    if layout not in ("auto", "snana"):
        raise AstrolearnInputError(f"layout={layout!r} cannot read SNANA files",
                                   file=files[0], fix="use layout='snana' or 'auto'")
    return files


def _parse_value(text: str, key: str, file: Path, line: int) -> tuple[float, float]:
    match = _VALUE_ERR.match(text)
    if match is None:
        raise AstrolearnInputError(f"line {line}: {key} value {text.strip()!r} is not a number",
                                   file=file, column=key,
                                   fix="write it as 'KEY: value' or 'KEY: value +- error'")
    value = float(match.group(1))
    err = float(match.group(2)) if match.group(2) is not None else np.nan
    return value, err


def _parse_snana_file(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Header values and observation columns of one SNANA file."""
    if not path.is_file():
        raise AstrolearnInputError("no such file", file=path, fix="check the path")
    text = path.read_text(encoding="latin-1")
    if not text.strip():
        raise AstrolearnInputError("the file is empty", file=path,
                                   fix="give a SNANA light-curve file (or remove it)")
    header: dict[str, tuple[str, int]] = {}
    varlist: list[str] | None = None
    rows: list[list[str]] = []
    row_lines: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or ":" not in line:
            continue
        key, _, value = line.partition(":")
        key = key.strip().upper()
        if key in ("END", "END_PHOTOMETRY"):
            break
        if key == "OBS":
            if varlist is None:
                raise AstrolearnInputError(f"line {number}: OBS row before VARLIST", file=path,
                                           column="VARLIST",
                                           fix="name the OBS columns in a VARLIST: line first")
            tokens = value.split()
            if len(tokens) != len(varlist):
                raise AstrolearnInputError(
                    f"line {number}: OBS row has {len(tokens)} values but VARLIST names "
                    f"{len(varlist)}", file=path, column="VARLIST",
                    fix="repair the row so that it has one value per VARLIST column")
            rows.append(tokens)
            row_lines.append(number)
        elif key == "VARLIST":
            varlist = [v.upper() for v in value.split()]
            missing = [v for v in _SNANA_REQUIRED if v not in varlist]
            if missing:
                raise AstrolearnInputError(
                    f"VARLIST lacks {', '.join(missing)}", file=path, column=missing[0],
                    fix="give MJD, FLT, FLUXCAL and FLUXCALERR columns")
        else:
            header.setdefault(key, (value.strip(), number))
    if "SNID" not in header or not header["SNID"][0]:
        raise AstrolearnInputError("no SNID in the header", file=path, column="SNID",
                                   fix="add a 'SNID: <id>' line (is this a SNANA file?)")

    meta: dict[str, Any] = {"object_id": header["SNID"][0].split()[0]}
    if "SNTYPE" in header:
        value, line = header["SNTYPE"]
        try:
            meta["sntype"] = int(float(value.split()[0]))
        except (ValueError, IndexError):
            raise AstrolearnInputError(f"line {line}: SNTYPE {value!r} is not a number",
                                       file=path, column="SNTYPE",
                                       fix="give the type code as an integer") from None
    for key, name in (("HOST_GALAXY_PHOTO-Z", "redshift"), ("REDSHIFT_FINAL", "redshift_final"),
                      ("REDSHIFT_SPEC", "redshift_spec"), ("MWEBV", "mwebv")):
        if key in header:
            value, err = _parse_value(header[key][0], key, path, header[key][1])
            if value < 0:  # SNANA writes -9 +- 9 for "unknown"
                value, err = np.nan, np.nan
            meta[name] = value
            meta["redshift_err" if name == "redshift" else f"{name}_err"] = err
    if "FILTERS" in header:
        meta["filters"] = header["FILTERS"][0]
    if "SIM_COMMENT" in header:
        match = _SIM_TYPE.search(header["SIM_COMMENT"][0])
        if match:
            meta["sim_type"] = match.group(1)
    meta["source_file"] = path.name

    obs: dict[str, np.ndarray] = {}
    if rows:
        assert varlist is not None
        table = np.array(rows, dtype=object)
        for var, canon in _SNANA_REQUIRED.items():
            col = table[:, varlist.index(var)]
            if canon == "band":
                obs[canon] = col.astype(str)
                continue
            try:
                obs[canon] = col.astype(np.float64)
            except ValueError:
                for k, item in enumerate(col):
                    try:
                        float(item)
                    except ValueError:
                        raise AstrolearnInputError(
                            f"line {row_lines[k]}: {var} value {item!r} is not a number",
                            file=path, column=var,
                            fix="correct the value or remove the OBS row") from None
    return meta, obs


def _read_snana_files(files: list[Path], detection_snr: float,
                      band_names) -> tuple[pd.DataFrame, pd.DataFrame]:
    metas: list[dict[str, Any]] = []
    parts: list[dict[str, np.ndarray]] = []
    seen: dict[str, Path] = {}
    for path in files:
        meta, obs = _parse_snana_file(path)
        snid = meta["object_id"]
        if snid in seen:
            raise AstrolearnInputError(f"SNID {snid} also appears in {seen[snid]}", file=path,
                                       column="SNID", fix="remove the duplicate file")
        seen[snid] = path
        metas.append(meta)
        parts.append(obs)
    snids = [m["object_id"] for m in metas]
    as_int = all(re.fullmatch(r"[-+]?\d+", s) for s in snids)
    ids = np.array([int(s) for s in snids], dtype=np.int64) if as_int else np.array(snids,
                                                                                      dtype=object)
    counts = np.array([len(p.get("time", ())) for p in parts])
    if counts.sum() == 0:
        raise AstrolearnInputError("no OBS rows in any file", file=files[0], column="OBS",
                                   fix="give SNANA files that hold light-curve observations")
    filled = [p for p in parts if p]
    lc = pd.DataFrame({
        "object_id": np.repeat(ids, counts),
        "time": np.concatenate([p["time"] for p in filled]),
        "band": np.concatenate([p["band"] for p in filled]),
        "flux": np.concatenate([p["flux"] for p in filled]),
        "flux_err": np.concatenate([p["flux_err"] for p in filled]),
    })
    if not as_int:
        lc["object_id"] = lc["object_id"].astype(str)
    lc = _standardise(lc, columns=None, layout="long", band_names=band_names,
                      detection_snr=detection_snr, file=files[0] if len(files) == 1 else None)

    objects = pd.DataFrame(metas)
    objects["object_id"] = ids if as_int else pd.Series(snids, dtype=str)
    order = ["object_id", "sntype", "redshift", "redshift_err", "redshift_final",
             "redshift_final_err", "redshift_spec", "redshift_spec_err", "mwebv", "mwebv_err",
             "filters", "sim_type", "source_file"]
    for name in order:
        if name not in objects.columns and name != "sim_type":
            objects[name] = np.nan
    if "sntype" in objects.columns:
        objects["sntype"] = objects["sntype"].astype("Int64")
    objects = objects[[c for c in order if c in objects.columns]]
    return lc, objects
