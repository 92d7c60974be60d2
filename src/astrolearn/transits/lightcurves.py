"""Reading and cleaning single-band transit light curves into the long table.

Light curves reach :mod:`astrolearn.transits` as the long table of the package docstring
(``object_id, time, flux, flux_err`` plus ``segment``, sorted by ``object_id`` then ``time``,
flux relative with a median of 1 per quarter or sector). Four doors lead in:

* :func:`read_mission_fits`: Kepler, K2 and TESS light-curve FITS files (SPOC/Ames
  ``*_llc.fits``, ``*_slc.fits``, ``*_lc.fits`` and HLSPs with the same ``LIGHTCURVE``
  table, such as the TESS data-alerts files), one or many, stitched per star;
* :func:`lightcurve_from_arrays`: plain ``time, flux[, flux_err]`` arrays;
* :func:`lightcurve_from_lightkurve`: a lightkurve ``LightCurve`` or ``LightCurveCollection``,
  read by duck typing (lightkurve itself is optional and never imported);
* :func:`as_lightcurves`: dispatches any of the above, or validates a DataFrame.

:func:`clean_transit_lightcurve` then removes non-finite rows and *upward* outliers (cosmic
rays, flares) against a robust running median; transits are dips and are never clipped
unless a lower clip is asked for.

Why written here: lightkurve reads these files but pins ``pandas < 3`` and brings a large
dependency tree; astropy reads the FITS tables, and what remains is the mission-specific
bookkeeping (quality bits, star identifiers, time references, per-quarter normalisation),
which is a few dozen lines. The quality bitmasks are those of lightkurve
(``KeplerQualityFlags`` / ``TessQualityFlags``), written out below with the meaning of each
bit so that the rule is visible. The running median of the outlier clip is wotan's.

Quality bits (Kepler Archive Manual table 2.3; TESS Science Data Products Description,
table 28). ``"default"`` drops cadences that are definitely useless, ``"hard"`` also those
that are often still usable, ``"hardest"`` any flagged cadence:

=======  ==================================  ========  =====  ==================================
bit      Kepler / K2 meaning                 default   hard   TESS meaning (default, hard)
=======  ==================================  ========  =====  ==================================
1        attitude tweak                      yes       yes    attitude tweak (yes, yes)
2        safe mode                           yes       yes    safe mode (yes, yes)
4        coarse point                        yes       yes    coarse point (yes, yes)
8        Earth point                         yes       yes    Earth point (yes, yes)
16       zero crossing (reaction wheels)     no        no     Argabrightening (no, no)
32       desaturation event                  yes       yes    desaturation event (yes, yes)
64       Argabrightening                     no        no     cosmic ray in aperture (no, yes)
128      cosmic ray in optimal aperture      no        yes    manual exclude (yes, yes)
256      manual exclude                      yes       yes    discontinuity corrected (no, no)
512      (unused)                            no        no     impulsive outlier (no, no)
1024     sudden sensitivity dropout          no        yes    cosmic ray in collateral (no, yes)
2048     impulsive outlier                   no        no     straylight (no, yes)
4096     Argabrightening on CCD              no        no     straylight 2 (no, yes)
8192     cosmic ray in collateral data       no        yes    planet-search exclude (no, no)
16384    detector anomaly                    yes       yes    bad calibration exclude (no, no)
32768    no fine point                       no        no     insufficient targets (no, no)
65536    no data                             yes       yes    -
131072   rolling band in optimal aperture    no        no     -
262144   rolling band in full mask           no        no     -
524288   possible thruster firing (K2)       no        yes    -
1048576  thruster firing (K2)                yes       yes    -
=======  ==================================  ========  =====  ==================================

So ``"default"`` is 1130799 for Kepler/K2 and 175 for TESS; ``"hard"`` is 1664431 and 7407.
"""

from __future__ import annotations

import glob
import itertools
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.io import as_dataframe, iter_objects, require_columns

__all__ = [
    "KEPLER_QUALITY_BITMASKS",
    "KEPLER_QUALITY_FLAGS",
    "LIGHTCURVE_COLUMNS",
    "TESS_QUALITY_BITMASKS",
    "TESS_QUALITY_FLAGS",
    "as_lightcurves",
    "clean_transit_lightcurve",
    "fits_star_names",
    "iter_stars",
    "lightcurve_from_arrays",
    "lightcurve_from_lightkurve",
    "read_mission_fits",
]

LIGHTCURVE_COLUMNS = ("object_id", "time", "flux", "flux_err", "segment")
"""Columns of the transit light-curve table, in order (other columns may follow)."""

KEPLER_QUALITY_FLAGS: dict[int, str] = {
    1: "attitude tweak",
    2: "safe mode",
    4: "coarse point",
    8: "Earth point",
    16: "zero crossing",
    32: "desaturation event",
    64: "Argabrightening",
    128: "cosmic ray in optimal aperture",
    256: "manual exclude",
    1024: "sudden sensitivity dropout",
    2048: "impulsive outlier",
    4096: "Argabrightening on CCD",
    8192: "cosmic ray in collateral data",
    16384: "detector anomaly",
    32768: "no fine point",
    65536: "no data",
    131072: "rolling band in optimal aperture",
    262144: "rolling band in full mask",
    524288: "possible thruster firing",
    1048576: "thruster firing",
}
"""Kepler / K2 ``SAP_QUALITY`` bits and their meaning (Kepler Archive Manual, table 2.3)."""

TESS_QUALITY_FLAGS: dict[int, str] = {
    1: "attitude tweak",
    2: "safe mode",
    4: "coarse point",
    8: "Earth point",
    16: "Argabrightening",
    32: "desaturation event",
    64: "cosmic ray in optimal aperture",
    128: "manual exclude",
    256: "discontinuity corrected",
    512: "impulsive outlier",
    1024: "cosmic ray in collateral data",
    2048: "straylight",
    4096: "straylight 2",
    8192: "planet search exclude",
    16384: "bad calibration exclude",
    32768: "insufficient targets for error correction",
}
"""TESS ``QUALITY`` bits and their meaning (TESS Science Data Products Description, table 28)."""

_KEPLER_DEFAULT = 1 | 2 | 4 | 8 | 32 | 256 | 16384 | 65536 | 1048576
_TESS_DEFAULT = 1 | 2 | 4 | 8 | 32 | 128

KEPLER_QUALITY_BITMASKS: dict[str, int] = {
    "none": 0,
    # attitude tweak, safe mode, coarse point, Earth point, desaturation, manual exclude,
    # detector anomaly, no data, thruster firing
    "default": _KEPLER_DEFAULT,
    # + sudden sensitivity dropout, cosmic rays (aperture, collateral), possible thruster firing
    "hard": _KEPLER_DEFAULT | 1024 | 128 | 8192 | 524288,
    "hardest": 2096639,  # every defined bit
}
"""Named quality bitmasks for Kepler and K2 (lightkurve's values)."""

TESS_QUALITY_BITMASKS: dict[str, int] = {
    "none": 0,
    # attitude tweak, safe mode, coarse point, Earth point, desaturation, manual exclude
    "default": _TESS_DEFAULT,
    # + cosmic rays (aperture, collateral), both straylight flags
    "hard": _TESS_DEFAULT | 64 | 1024 | 2048 | 4096,
    "hardest": 65535,
}
"""Named quality bitmasks for TESS (lightkurve's values)."""

_BITMASKS = {"Kepler": KEPLER_QUALITY_BITMASKS, "K2": KEPLER_QUALITY_BITMASKS,
             "TESS": TESS_QUALITY_BITMASKS}
_TIME_NAMES = {2454833.0: "BKJD", 2457000.0: "BTJD"}
_SEGMENT_KEY = {"Kepler": "QUARTER", "K2": "CAMPAIGN", "TESS": "SECTOR"}
_FITS_SUFFIXES = (".fits", ".fits.gz", ".fit", ".fts")
_FLUX_CHOICES = {"pdcsap": "PDCSAP_FLUX", "sap": "SAP_FLUX"}

# Column names recognised in DataFrames without a ``columns=`` mapping (case-insensitive).
_ALIASES: dict[str, tuple[str, ...]] = {
    "object_id": ("object_id", "star", "tic_id", "ticid", "kepid", "kic_id"),
    "time": ("time", "bjd", "btjd", "bkjd"),
    "flux": ("flux", "pdcsap_flux"),
    "flux_err": ("flux_err", "flux_error", "pdcsap_flux_err"),
    "segment": ("segment", "quarter", "sector", "campaign"),
}

PathsLike = str | Path | Sequence[str | Path]


# --------------------------------------------------------------------------------------
# mission FITS files
# --------------------------------------------------------------------------------------


def read_mission_fits(
    paths: PathsLike,
    *,
    flux: str = "pdcsap",
    quality: str | int = "default",
    normalise: bool = True,
) -> pd.DataFrame:
    """Read Kepler, K2 or TESS light-curve FITS files into the long table, stitched per star.

    Each file's light-curve table (the ``LIGHTCURVE`` extension, else the first binary table
    with a ``TIME`` column) gives ``time`` (``TIME``), ``flux`` and ``flux_err``
    (``PDCSAP_FLUX``/``PDCSAP_FLUX_ERR`` or ``SAP_FLUX``/``SAP_FLUX_ERR``). Cadences are
    dropped, in this order and counted per file, when: a quality bit of the bitmask is set
    in ``SAP_QUALITY`` (or ``QUALITY``); ``time`` is not finite; ``flux`` is not finite;
    ``flux_err`` is not finite or ``<= 0``.

    The star is named from the header: ``KEPLERID`` -> ``"KIC 11442793"`` (``"EPIC ..."``
    for K2), ``TICID`` -> ``"TIC 25155310"``, else ``OBJECT``, else the file name. Files
    of one star (quarters, campaigns, sectors) are stitched: with ``normalise=True`` each
    file is divided by its own median flux (so that quarters with different apertures
    join), the rows are sorted by time and ``segment`` holds the ``QUARTER`` / ``CAMPAIGN``
    / ``SECTOR`` number (else the file's position in the sorted file list).

    Parameters
    ----------
    paths : str, Path or sequence of them
        A file, a folder (its ``*.fits`` files), a glob pattern such as
        ``"data/kplr011442793-*_llc.fits"`` or a list of any of these.
    flux : {"pdcsap", "sap"} or str
        ``"pdcsap"``: the systematics-corrected PDCSAP flux (the usual choice for transit
        search); ``"sap"``: simple aperture photometry. Any other value is taken as the
        name of a flux column (e.g. ``"KSPSAP_FLUX"`` of QLP HLSPs); its error column is
        ``<name>_ERR``, estimated from the point-to-point scatter when absent.
    quality : {"default", "hard", "hardest", "none"} or int
        Quality bitmask (see the module docstring for the bits): a name (the mission's
        lightkurve bitmask) or an integer; a cadence is dropped when ``QUALITY & bitmask``
        is not zero.
    normalise : bool
        Divide the flux and its error of each file by the file's median flux.

    Returns
    -------
    pandas.DataFrame
        Columns ``object_id`` (str), ``time``, ``flux``, ``flux_err`` (float64),
        ``segment`` (int64), sorted by ``object_id`` then ``time``, index 0..n-1.
        ``frame.attrs`` holds ``mission`` (``"Kepler"``, ``"K2"`` or ``"TESS"``),
        ``time_reference`` (e.g. ``"BKJD = BJD - 2454833"``), ``bjd_reference`` (float),
        ``flux_column``, ``quality_bitmask`` (int), ``normalised``, ``dropped`` (totals per
        reason) and ``files``: one dict per file with ``file, object_id, segment,
        n_cadences, dropped_quality, dropped_time, dropped_flux, dropped_flux_err, n_kept,
        median_flux``.

    Raises
    ------
    AstrolearnInputError
        A missing file, a glob or folder with no FITS file, a file that is not a
        light-curve FITS, a missing flux or quality column, an unknown mission, files of
        different missions or time references, two files of one star that overlap in time,
        or no usable cadence at all; each naming the file, the column and the fix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from astropy.io import fits
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "kplr000000042_llc.fits"
    >>> cols = [fits.Column(name="TIME", format="D", array=[1.0, 2.0, 3.0]),
    ...         fits.Column(name="PDCSAP_FLUX", format="E", array=[200.0, 100.0, 100.0]),
    ...         fits.Column(name="PDCSAP_FLUX_ERR", format="E", array=[1.0, 1.0, 1.0]),
    ...         fits.Column(name="SAP_QUALITY", format="J", array=[0, 0, 128])]
    >>> head = fits.Header({"TELESCOP": "Kepler", "KEPLERID": 42, "QUARTER": 3})
    >>> fits.HDUList([fits.PrimaryHDU(header=head), fits.BinTableHDU.from_columns(
    ...     cols, name="LIGHTCURVE", header=fits.Header({"BJDREFI": 2454833}))]
    ...     ).writeto(path)
    >>> lc = read_mission_fits(path, quality="hard")   # bit 128 (cosmic ray) is "hard"
    >>> lc[["object_id", "time", "flux", "segment"]].to_numpy().tolist()
    [['KIC 42', 1.0, 1.3333333333333333, 3], ['KIC 42', 2.0, 0.6666666666666666, 3]]
    >>> lc.attrs["time_reference"], lc.attrs["dropped"]["quality"]
    ('BKJD = BJD - 2454833', 1)
    """
    if not isinstance(flux, str) or not flux.strip():
        raise AstrolearnInputError(f"flux must be 'pdcsap', 'sap' or a column name, not {flux!r}",
                                   fix='pass flux="pdcsap" or flux="sap"')
    if not isinstance(normalise, bool | np.bool_):
        raise AstrolearnInputError(f"normalise must be True or False, not {normalise!r}",
                                   fix="pass normalise=True")
    _check_quality_option(quality)
    files = _fits_files(paths)
    parts: list[pd.DataFrame] = []
    reports: list[dict[str, Any]] = []
    missions: dict[str, Path] = {}
    references: dict[float | None, Path] = {}
    flux_columns: set[str] = set()
    bitmasks: set[int] = set()
    for index, path in enumerate(files):
        part, info = _read_one_fits(path, index, flux=flux, quality=quality,
                                    normalise=bool(normalise))
        missions.setdefault(info["mission"], path)
        references.setdefault(info["bjd_reference"], path)
        if len(missions) > 1:
            (m1, p1), (m2, p2) = list(missions.items())[:2]
            raise AstrolearnInputError(
                f"files of different missions are mixed: {p1.name} is {m1}, {p2.name} is {m2}",
                file=path, fix="read each mission separately (their time scales differ: "
                "BKJD for Kepler/K2, BTJD for TESS)")
        if len(references) > 1:
            raise AstrolearnInputError(
                "files with different time references (BJDREFI + BJDREFF) are mixed: "
                f"{sorted(map(str, references))}", file=path,
                fix="read files with one time reference at a time")
        flux_columns.add(info.pop("flux_column"))
        bitmasks.add(info.pop("quality_bitmask"))
        del info["mission"], info["bjd_reference"]
        reports.append(info)
        if len(part):
            parts.append(part)
    if not parts:
        raise AstrolearnInputError(
            f"no usable cadence in {len(files)} file(s) after quality and NaN masking",
            file=files[0], fix='loosen the quality mask (quality="none") or check the files')
    frame = pd.concat(parts, ignore_index=True)
    _check_overlaps(reports)
    frame = frame.sort_values(["object_id", "time"], kind="mergesort").reset_index(drop=True)
    mission = next(iter(missions))
    reference = next(iter(references))
    dropped = {reason: int(sum(r[f"dropped_{reason}"] for r in reports))
               for reason in ("quality", "time", "flux", "flux_err")}
    frame.attrs = {
        "mission": mission,
        "time_reference": _time_reference(reference),
        "bjd_reference": reference,
        "flux_column": ", ".join(sorted(flux_columns)),
        "quality_bitmask": max(bitmasks),
        "normalised": bool(normalise),
        "dropped": dropped,
        "files": reports,
    }
    return frame


def _check_quality_option(quality: Any) -> None:
    if isinstance(quality, str):
        if quality not in KEPLER_QUALITY_BITMASKS:
            raise AstrolearnInputError(
                f"unknown quality bitmask {quality!r}",
                fix=f"use one of {', '.join(map(repr, KEPLER_QUALITY_BITMASKS))} or an integer")
        return
    if isinstance(quality, bool) or not isinstance(quality, int | np.integer) or quality < 0:
        raise AstrolearnInputError(
            f"quality must be a bitmask name or a non-negative integer, not {quality!r}",
            fix='pass quality="default", "hard", "none" or an integer such as 175')


def fits_star_names(paths: PathsLike) -> dict[Path, str]:
    """The star each light-curve FITS file belongs to, from its headers alone.

    Names as :func:`read_mission_fits` gives them (``"KIC 11442793"``, ``"TIC 25155310"``,
    ``OBJECT``, else the file name), so the files of one star can be kept together.

    Examples
    --------
    >>> fits_star_names([])  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    AstrolearnInputError: no file given
    """
    from astropy.io import fits

    names = {}
    for path in _fits_files(paths):
        try:
            with fits.open(path, memmap=True) as hdul:
                primary = hdul[0].header
                header = _lightcurve_hdu(hdul, path).header
                names[path] = _object_id(primary, header, _mission(primary, header, path),
                                         path)
        except OSError as err:
            raise AstrolearnInputError(f"not a readable FITS file ({err})", file=path,
                                       fix="re-download or remove the damaged file") from err
    return names


def _fits_files(paths: PathsLike) -> list[Path]:
    """Expand a file, folder, glob or list of them into a sorted, de-duplicated file list."""
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    if not items:
        raise AstrolearnInputError("no file given", fix="pass a FITS file, a folder or a glob")
    files: list[Path] = []
    for item in items:
        if not isinstance(item, str | Path):
            raise AstrolearnInputError(
                f"cannot read an object of type {type(item).__name__} as a FITS path",
                fix="pass file names (str or Path), a folder or a glob pattern")
        path = Path(item)
        text = str(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.name.lower().endswith(_FITS_SUFFIXES))
            if not found:
                raise AstrolearnInputError("the folder holds no FITS file", file=path,
                                           fix="give a folder of *.fits light curves")
            files.extend(found)
        elif not path.exists() and any(ch in text for ch in "*?["):
            found = sorted(Path(p) for p in glob.glob(text) if Path(p).is_file())
            if not found:
                raise AstrolearnInputError("the glob pattern matches no file", file=text,
                                           fix="check the pattern and the folder")
            files.extend(found)
        elif not path.exists():
            raise AstrolearnInputError("no such file", file=path, fix="check the path")
        else:
            files.append(path)
    unique: dict[Path, Path] = {}
    for path in files:
        unique.setdefault(path.resolve(), path)
    return sorted(unique.values(), key=lambda p: str(p))


def _read_one_fits(path: Path, index: int, *, flux: str, quality: str | int,
                   normalise: bool) -> tuple[pd.DataFrame, dict[str, Any]]:
    from astropy.io import fits

    if path.stat().st_size == 0:
        raise AstrolearnInputError("the file is empty (0 bytes)", file=path,
                                   fix="give a Kepler/K2/TESS light-curve FITS file")
    try:
        hdul = fits.open(path, memmap=False)
    except (OSError, ValueError, TypeError) as exc:
        raise AstrolearnInputError(
            f"not a FITS file ({exc})", file=path,
            fix="give a Kepler/K2/TESS light-curve FITS file (*_llc.fits, *_slc.fits, "
            "*_lc.fits)") from None
    with hdul:
        hdu = _lightcurve_hdu(hdul, path)
        primary = hdul[0].header
        header = hdu.header
        mission = _mission(primary, header, path)
        names = {name.upper(): name for name in hdu.columns.names}
        data = hdu.data
        n = 0 if data is None else len(data)
        flux_col, err_col = _flux_columns(flux, names, path)
        qual_col = names.get("SAP_QUALITY") or names.get("QUALITY")
        bitmask = _BITMASKS[mission][quality] if isinstance(quality, str) else int(quality)
        if qual_col is None and bitmask != 0:
            raise AstrolearnInputError(
                "the light-curve table has no quality column (SAP_QUALITY or QUALITY)",
                file=path, column="QUALITY",
                fix='pass quality="none" to read it without quality masking')
        time = _column(data, names["TIME"], n)
        values = _column(data, flux_col, n)
        errors = _column(data, err_col, n) if err_col else None
        flags = (np.zeros(n, dtype=np.int64) if qual_col is None
                 else np.asarray(data[qual_col]).astype(np.int64))
        object_id = _object_id(primary, header, mission, path)
        segment = _header_value(primary, header, _SEGMENT_KEY[mission])
        segment = int(segment) if _is_int(segment) else index
        ref_i = _header_value(primary, header, "BJDREFI")
        ref_f = _header_value(primary, header, "BJDREFF")
        reference = (float(ref_i) + float(ref_f or 0.0)) if _is_number(ref_i) else None

    keep = np.ones(n, dtype=bool)
    counts: dict[str, int] = {}
    for reason, bad in (
        ("quality", (flags & bitmask) != 0),
        ("time", ~np.isfinite(time)),
        ("flux", ~np.isfinite(values)),
        ("flux_err", None if errors is None else ~np.isfinite(errors) | ~(errors > 0)),
    ):
        if bad is None:
            counts[reason] = 0
            continue
        counts[reason] = int(np.count_nonzero(bad & keep))
        keep &= ~bad
    time, values = time[keep], values[keep]
    estimated = errors is None
    if errors is None:
        errors = np.full(len(values), _scatter(values) if len(values) >= 3 else np.nan)
        if len(values) and not (np.isfinite(errors[0]) and errors[0] > 0):
            raise AstrolearnInputError(
                f"no {flux_col}_ERR column and the flux error cannot be estimated from "
                "the scatter (fewer than 3 points or constant flux)", file=path,
                column=f"{flux_col}_ERR", fix='use flux="pdcsap" or flux="sap"')
    else:
        errors = errors[keep]
    median = float(np.median(values)) if len(values) else float("nan")
    if normalise and len(values):
        if not median > 0:
            raise AstrolearnInputError(
                f"the median flux is {median:g}, so the light curve cannot be normalised",
                file=path, column=flux_col,
                fix="pass normalise=False, or flux=\"pdcsap\" / \"sap\" for a positive flux")
        values = values / median
        errors = errors / median
    part = pd.DataFrame({
        "object_id": pd.Series([object_id] * len(time), dtype="str"),
        "time": time, "flux": values, "flux_err": errors,
        "segment": np.full(len(time), segment, dtype=np.int64),
    })
    info = {
        "file": str(path), "object_id": object_id, "segment": segment, "n_cadences": n,
        "dropped_quality": counts["quality"], "dropped_time": counts["time"],
        "dropped_flux": counts["flux"], "dropped_flux_err": counts["flux_err"],
        "n_kept": len(part), "median_flux": median, "flux_err_estimated": estimated,
        "time_min": float(time.min()) if len(time) else float("nan"),
        "time_max": float(time.max()) if len(time) else float("nan"),
        "mission": mission, "bjd_reference": reference, "flux_column": flux_col,
        "quality_bitmask": bitmask,
    }
    return part, info


def _lightcurve_hdu(hdul, path: Path):
    from astropy.io import fits

    tables = [h for h in hdul if isinstance(h, fits.BinTableHDU)]
    named = [h for h in tables if str(h.name).upper() == "LIGHTCURVE"]
    with_time = [h for h in tables if "TIME" in (n.upper() for n in h.columns.names)]
    hdu = (named or with_time or [None])[0]
    if hdu is None or "TIME" not in (n.upper() for n in hdu.columns.names):
        raise AstrolearnInputError(
            "not a light-curve FITS file (no LIGHTCURVE table with a TIME column)", file=path,
            fix="give a Kepler/K2/TESS light-curve file (*_llc.fits, *_slc.fits, *_lc.fits), "
            "not a target pixel file or an image; other tables can be read with "
            "astrolearn.io.read_table and passed to as_lightcurves")
    return hdu


def _mission(primary, header, path: Path) -> str:
    telescope = str(_header_value(primary, header, "TELESCOP") or "").strip().upper()
    declared = str(_header_value(primary, header, "MISSION") or "").strip().upper()
    if telescope == "TESS" or declared == "TESS":
        return "TESS"
    if telescope == "KEPLER" or declared in ("KEPLER", "K2"):
        campaign = _header_value(primary, header, "CAMPAIGN")
        return "K2" if declared == "K2" or _is_int(campaign) else "Kepler"
    raise AstrolearnInputError(
        f"cannot tell the mission (TELESCOP={telescope or 'absent'!s}, "
        f"MISSION={declared or 'absent'!s})", file=path, column="TELESCOP",
        fix="read the columns with astropy and pass them to lightcurve_from_arrays")


def _flux_columns(flux: str, names: Mapping[str, str], path: Path) -> tuple[str, str | None]:
    wanted = _FLUX_CHOICES.get(flux.lower(), flux.upper())
    available = sorted(n for n in names if "FLUX" in n and not n.endswith("_ERR"))
    if wanted not in names:
        others = [n for n in ("PDCSAP_FLUX", "SAP_FLUX") if n in names]
        if others:
            hint = f'use flux="{others[0].split("_FLUX")[0].lower()}"'
        elif available:
            hint = f'use flux="{available[0]}" (one of the flux columns: {", ".join(available)})'
        else:
            hint = "the file holds no flux column; give a light-curve file"
        raise AstrolearnInputError("flux column not found", file=path, column=wanted, fix=hint)
    err = names.get(wanted + "_ERR")
    if err is None and wanted in _FLUX_CHOICES.values():
        raise AstrolearnInputError(
            "flux error column not found", file=path, column=wanted + "_ERR",
            fix='use the other flux (flux="sap" or flux="pdcsap") or check the file')
    return names[wanted], err


def _column(data, name: str, n: int) -> np.ndarray:
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    return np.array(data[name], dtype=np.float64)


def _header_value(primary, header, key: str) -> Any:
    for head in (primary, header):
        value = head.get(key)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool) and np.isfinite(value)


def _is_int(value: Any) -> bool:
    return _is_number(value) and float(value) == int(value)


def _object_id(primary, header, mission: str, path: Path) -> str:
    kepid = _header_value(primary, header, "KEPLERID")
    if _is_int(kepid):
        return f"{'EPIC' if mission == 'K2' else 'KIC'} {int(kepid)}"
    ticid = _header_value(primary, header, "TICID")
    if _is_int(ticid):
        return f"TIC {int(ticid)}"
    obj = _header_value(primary, header, "OBJECT")
    if obj is not None:
        return str(obj).strip()
    name = path.name
    for suffix in _FITS_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def _time_reference(reference: float | None) -> str:
    if reference is None:
        return "unknown (no BJDREFI in the header)"
    name = _TIME_NAMES.get(reference)
    ref = f"{reference:.0f}" if float(reference).is_integer() else f"{reference}"
    return f"{name} = BJD - {ref}" if name else f"BJD - {ref}"


def _check_overlaps(reports: list[dict[str, Any]], *, files: bool = True) -> None:
    """Two files (or light curves) of one star must not overlap in time (the same quarter
    twice, long cadence with short cadence)."""
    by_star: dict[str, list[dict[str, Any]]] = {}
    for info in reports:
        if info["n_kept"]:
            by_star.setdefault(info["object_id"], []).append(info)
    for star, infos in by_star.items():
        infos = sorted(infos, key=lambda r: r["time_min"])
        for a, b in itertools.pairwise(infos):
            if b["time_min"] <= a["time_max"]:
                what = "files" if files else "light curves"
                raise AstrolearnInputError(
                    f"two {what} of {star} overlap in time ({Path(a['file']).name}: "
                    f"{a['time_min']:.3f}-{a['time_max']:.3f}, {Path(b['file']).name}: "
                    f"{b['time_min']:.3f}-{b['time_max']:.3f})",
                    file=b["file"] if files else None,
                    fix="pass each quarter/sector once and one cadence only (long or short, "
                    "not both)")


# --------------------------------------------------------------------------------------
# arrays, lightkurve objects, DataFrames
# --------------------------------------------------------------------------------------


def lightcurve_from_arrays(
    time: Any,
    flux: Any,
    flux_err: Any = None,
    *,
    object_id: Any = "star",
    normalise: bool = True,
) -> pd.DataFrame:
    """Turn plain arrays into the long table of one star.

    Rows with a non-finite ``time`` or ``flux``, or a ``flux_err`` that is not finite and
    positive, are dropped (one warning counts them; ``frame.attrs["dropped"]`` too). When
    ``flux_err`` is ``None`` it is estimated robustly from the point-to-point scatter,
    ``1.4826 * MAD(diff(flux)) / sqrt(2)``, one value for all rows: first differences
    cancel slow trends and transits, so this is the white noise per point.

    Parameters
    ----------
    time, flux : array-like
        Times in days and fluxes (any positive unit when ``normalise=True``). Quantities and
        masked arrays are accepted (masked values count as missing).
    flux_err : array-like, optional
        1-sigma flux errors, in the unit of ``flux``.
    object_id : object
        Name of the star.
    normalise : bool
        Divide flux and error by the median flux.

    Returns
    -------
    pandas.DataFrame
        ``object_id, time, flux, flux_err, segment`` (``segment`` 0), sorted by time.

    Raises
    ------
    AstrolearnInputError
        Arrays of different lengths or not one-dimensional, non-numeric values, fewer than
        3 usable points when the error must be estimated, or a median flux ``<= 0`` with
        ``normalise=True``.

    Examples
    --------
    >>> lc = lightcurve_from_arrays([3.0, 1.0, 2.0], [200.0, 200.0, 100.0], [2.0, 2.0, 2.0])
    >>> lc[["time", "flux", "flux_err"]].to_numpy().tolist()
    [[1.0, 1.0, 0.01], [2.0, 0.5, 0.01], [3.0, 1.0, 0.01]]
    """
    t = _plain_values(time, "time")
    f = _plain_values(flux, "flux")
    e = None if flux_err is None else _plain_values(flux_err, "flux_err")
    for name, arr in (("flux", f), ("flux_err", e)):
        if arr is not None and arr.shape != t.shape:
            raise AstrolearnInputError(
                f"time has {t.size} values but {name} has {arr.size}", column=name,
                fix="pass arrays of equal length")
    frame = pd.DataFrame({"object_id": [object_id] * t.size, "time": t, "flux": f,
                          "flux_err": np.nan if e is None else e,
                          "segment": np.zeros(t.size, dtype=np.int64)})
    return _finish(frame, estimate_err=e is None, normalise=normalise, file=None)


def lightcurve_from_lightkurve(
    lc: Any,
    *,
    object_id: Any = None,
    normalise: bool = True,
) -> pd.DataFrame:
    """Turn a lightkurve ``LightCurve`` or ``LightCurveCollection`` into the long table.

    lightkurve is not imported (it is optional and pins ``pandas < 3``): any object with
    ``.time`` (an astropy ``Time``, or an array), ``.flux`` and ``.flux_err`` (Quantities,
    masked Quantities or masked arrays; masked values count as missing) and a ``.meta``
    mapping is read, and a collection is any iterable of them. The star is named from
    ``meta``: ``TICID`` -> ``"TIC ..."``, ``KEPLERID`` -> ``"KIC ..."`` (``"EPIC ..."``
    for K2), else ``OBJECT``, else ``LABEL``, else ``"star"``. Each light curve of a
    collection is one segment (``SECTOR``, ``QUARTER`` or ``CAMPAIGN`` from ``meta``, else
    its position), normalised by its own median. Missing rows are dropped with a warning.

    Parameters
    ----------
    lc : LightCurve-like or iterable of them
        The light curve(s).
    object_id : object, optional
        Name of the star, overriding the one found in ``meta``.
    normalise : bool
        Divide each segment by its median flux.

    Returns
    -------
    pandas.DataFrame
        The long table; ``attrs["time_reference"]`` comes from ``time.format`` (``"bkjd"``
        -> ``"BKJD = BJD - 2454833"``, ``"btjd"`` -> ``"BTJD = BJD - 2457000"``) and
        ``attrs["mission"]`` from ``meta`` when known.

    Raises
    ------
    AstrolearnInputError
        An object without ``time``/``flux``, an empty collection, or the errors of
        :func:`lightcurve_from_arrays`.

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.time import Time
    >>> class FakeLC:
    ...     time = Time([2459000.5, 2459000.6], format="jd", scale="tdb")
    ...     flux = [10.0, 12.0] * u.electron / u.s
    ...     flux_err = [0.1, 0.1] * u.electron / u.s
    ...     meta = {"TICID": 25155310, "SECTOR": 1}
    >>> lc = lightcurve_from_lightkurve(FakeLC())
    >>> lc["object_id"].iloc[0], lc["segment"].tolist(), lc.attrs["time_reference"]
    ('TIC 25155310', [1, 1], 'JD (tdb)')
    """
    items = [lc] if _is_lightcurve_like(lc) else _as_collection(lc)
    parts = []
    formats: set[str] = set()
    missions: set[str] = set()
    for position, item in enumerate(items):
        meta = getattr(item, "meta", None) or {}
        meta = {str(k).upper(): v for k, v in dict(meta).items()}
        mission = _meta_mission(meta)
        if mission:
            missions.add(mission)
        name = object_id if object_id is not None else _meta_object_id(meta, mission)
        segment = next((int(meta[k]) for k in ("SECTOR", "QUARTER", "CAMPAIGN")
                        if _is_int(meta.get(k))), position)
        time_obj = item.time
        fmt = getattr(time_obj, "format", None)
        if fmt is not None:
            formats.add(f"{fmt}|{getattr(time_obj, 'scale', '')}")
        t = _plain_values(time_obj, "time")
        f = _plain_values(_field(item, "flux"), "flux")
        raw_err = _field(item, "flux_err")
        e = None if raw_err is None else _plain_values(raw_err, "flux_err")
        if e is not None and not np.isfinite(e).any():
            e = None
        for col, arr in (("flux", f), ("flux_err", e)):
            if arr is not None and arr.shape != t.shape:
                raise AstrolearnInputError(
                    f"light curve {position}: time has {t.size} values but {col} has "
                    f"{arr.size}", column=col, fix="pass light curves of consistent length")
        part = pd.DataFrame({"object_id": [name] * t.size, "time": t, "flux": f,
                             "flux_err": np.nan if e is None else e,
                             "segment": np.full(t.size, segment, dtype=np.int64)})
        parts.append((part, e is None))
    _check_overlaps([
        {"file": f"light curve {i} (segment {int(p['segment'].iloc[0])})",
         "object_id": p["object_id"].iloc[0], "n_kept": int(np.isfinite(p["time"]).sum()),
         "time_min": float(np.nanmin(p["time"])), "time_max": float(np.nanmax(p["time"]))}
        for i, (p, _) in enumerate(parts) if np.isfinite(p["time"]).any()], files=False)
    frame = pd.concat([p for p, _ in parts], ignore_index=True)
    # errors are estimated only for the light curves that have none
    estimate = np.concatenate([np.full(len(p), est, dtype=bool) for p, est in parts])
    out = _finish(frame, estimate_err=estimate, normalise=normalise, file=None)
    if len(formats) == 1:
        fmt, scale = next(iter(formats)).split("|")
        out.attrs["time_reference"] = {"bkjd": "BKJD = BJD - 2454833",
                                       "btjd": "BTJD = BJD - 2457000"}.get(
            fmt, f"{fmt.upper()} ({scale})" if scale else fmt.upper())
    if len(missions) == 1:
        out.attrs["mission"] = next(iter(missions))
    return out


def as_lightcurves(
    data: Any,
    *,
    object_id: Any = None,
    columns: Mapping[str, str] | None = None,
    normalise: bool | None = None,
) -> pd.DataFrame:
    """Return transit light curves in the long table, whatever they came as.

    * a **DataFrame** (or astropy Table, dict of arrays): columns are found by name,
      case-insensitively (``time``/``bjd``/``btjd``/``bkjd``, ``flux``/``pdcsap_flux``,
      ``flux_err``/``flux_error``, ``object_id``/``star``/``tic_id``/``kepid``,
      ``segment``/``quarter``/``sector``) or mapped with ``columns=``. Without an id column
      every row belongs to ``object_id`` (default ``"star"``); without ``flux_err`` it is
      estimated per star from the point-to-point scatter; without ``segment`` it is 0.
      Other columns are kept after the canonical ones;
    * a **lightkurve**-like object or collection (:func:`lightcurve_from_lightkurve`);
    * a **tuple** ``(time, flux)`` or ``(time, flux, flux_err)`` of arrays
      (:func:`lightcurve_from_arrays`).

    Rows with a non-finite ``time`` or ``flux``, or a ``flux_err`` that is not finite and
    positive, are dropped with a warning that counts them (``attrs["dropped"]``).

    Parameters
    ----------
    data : DataFrame, astropy Table, lightkurve-like object or tuple of arrays
        The light curves; never modified.
    object_id : object, optional
        Name of the star when ``data`` names none (an error when a table has an id column).
    columns : mapping, optional
        Canonical name -> the table's column, e.g. ``{"time": "BJD_TDB"}``.
    normalise : bool, optional
        Divide the flux (and error) of each star and segment by its median. ``None``:
        ``True`` for arrays and lightkurve objects, ``False`` for tables (kept as given).

    Returns
    -------
    pandas.DataFrame
        A new table ``object_id, time, flux, flux_err, segment`` (+ other columns), sorted
        by ``object_id`` then ``time``, index 0..n-1.

    Raises
    ------
    AstrolearnInputError
        Missing or non-numeric columns, missing object ids, an id given twice, unknown
        input types.

    Examples
    --------
    >>> raw = pd.DataFrame({"TIME": [2.0, 1.0, 3.0], "FLUX": [1.0, 0.99, np.nan],
    ...                     "FLUX_ERR": [1e-3, 1e-3, 1e-3]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     lc = as_lightcurves(raw, object_id="KIC 42")
    >>> lc[["object_id", "time", "flux"]].to_numpy().tolist()
    [['KIC 42', 1.0, 0.99], ['KIC 42', 2.0, 1.0]]
    >>> lc.attrs["dropped"]
    {'time': 0, 'flux': 1, 'flux_err': 0}
    """
    if normalise is not None and not isinstance(normalise, bool | np.bool_):
        raise AstrolearnInputError(f"normalise must be True, False or None, not {normalise!r}",
                                   fix="pass normalise=True")
    if isinstance(data, tuple) and len(data) in (2, 3) and not _is_lightcurve_like(data):
        if columns:
            raise AstrolearnInputError("columns= applies to tables, not to arrays",
                                       fix="leave columns out")
        return lightcurve_from_arrays(*data, object_id="star" if object_id is None
                                      else object_id,
                                      normalise=True if normalise is None else normalise)
    # before tables: a lightkurve LightCurve is also an astropy TimeSeries (a Table)
    if _is_lightcurve_like(data) or (_is_iterable(data) and len(data) and all(
            _is_lightcurve_like(item) for item in data)):
        if columns:
            raise AstrolearnInputError("columns= applies to tables, not to light-curve objects",
                                       fix="leave columns out")
        return lightcurve_from_lightkurve(data, object_id=object_id,
                                          normalise=True if normalise is None else normalise)
    if isinstance(data, pd.DataFrame) or _is_table_like(data):
        frame = as_dataframe(data)
        return _from_frame(frame, object_id=object_id, columns=columns,
                           normalise=bool(normalise))
    raise AstrolearnInputError(
        f"cannot read an object of type {type(data).__name__} as light curves",
        fix="pass a DataFrame (object_id, time, flux, flux_err), a lightkurve LightCurve, "
        "or a tuple (time, flux[, flux_err]); FITS files go through read_mission_fits")


def _from_frame(frame: pd.DataFrame, *, object_id, columns, normalise: bool) -> pd.DataFrame:
    if len(frame) == 0:
        raise AstrolearnInputError("the table has no rows",
                                   fix="give a table with at least one observation")
    mapping = _resolve_columns(frame, columns)
    if "object_id" in mapping and object_id is not None:
        raise AstrolearnInputError(
            f"object_id={object_id!r} was given but the table has an id column "
            f"{mapping['object_id']!r}", column=mapping["object_id"],
            fix="leave object_id out, or drop the table's id column")
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    if "object_id" in mapping:
        ids = frame[mapping["object_id"]]
        if ids.isna().any():
            raise AstrolearnInputError(f"{int(ids.isna().sum())} rows have no object id",
                                       column=mapping["object_id"],
                                       fix="give every row a star identifier")
        out["object_id"] = ids.reset_index(drop=True)
    else:
        out["object_id"] = ["star" if object_id is None else object_id] * len(frame)
    for name in ("time", "flux", "flux_err"):
        if name not in mapping:
            out[name] = np.nan
            continue
        out[name] = _numeric(frame[mapping[name]], mapping[name])
    if "segment" in mapping:
        seg = frame[mapping["segment"]]
        numeric = pd.to_numeric(seg, errors="coerce")
        if numeric.isna().any() or not np.all(numeric == np.round(numeric)):
            raise AstrolearnInputError("segment numbers must be integers", column=mapping[
                "segment"], fix="give quarter / sector numbers, or drop the column")
        out["segment"] = numeric.to_numpy().astype(np.int64)
    else:
        out["segment"] = np.zeros(len(frame), dtype=np.int64)
    used = set(mapping.values())
    for col in frame.columns:
        if col not in used and col not in out.columns:
            out[col] = frame[col].reset_index(drop=True).copy()
    result = _finish(out, estimate_err="flux_err" not in mapping, normalise=normalise,
                     file=None)
    attrs = dict(frame.attrs)  # e.g. what read_mission_fits recorded
    dropped = dict(attrs.get("dropped") or {})
    for reason, count in result.attrs["dropped"].items():
        dropped[reason] = int(dropped.get(reason, 0)) + count  # totals over both stages
    attrs["dropped"] = dropped
    result.attrs = attrs
    return result


def _resolve_columns(frame: pd.DataFrame, columns) -> dict[str, str]:
    columns = dict(columns or {})
    unknown = [k for k in columns if k not in LIGHTCURVE_COLUMNS]
    if unknown:
        raise AstrolearnInputError(
            f"columns= maps unknown names {unknown}",
            fix=f"map the canonical names {', '.join(LIGHTCURVE_COLUMNS)} to your columns")
    shown = ", ".join(map(str, list(frame.columns)[:20]))
    for canon, col in columns.items():
        if col not in frame.columns:
            raise AstrolearnInputError("column not found", column=col,
                                       fix=f"map {canon} to one of: {shown}")
    lower: dict[str, Any] = {}
    for col in frame.columns:
        lower.setdefault(str(col).lower(), col)
    mapping = dict(columns)
    for canon, aliases in _ALIASES.items():
        if canon not in mapping:
            found = next((lower[a] for a in aliases if a in lower), None)
            if found is not None:
                mapping[canon] = found
    for canon in ("time", "flux"):
        if canon not in mapping:
            raise AstrolearnInputError(
                "column not found", column=canon,
                fix=f"name the table's {canon} column with columns={{'{canon}': ...}} "
                f"(the table has: {shown})")
    return mapping


def _numeric(series: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(series.dtype):
        raise AstrolearnInputError("the column is boolean, not numeric", column=name,
                                   fix="map the right column with columns=")
    try:
        return pd.to_numeric(series, errors="raise").to_numpy(dtype=np.float64,
                                                              na_value=np.nan)
    except (ValueError, TypeError):
        values = pd.to_numeric(series, errors="coerce")
        bad = series[values.isna() & series.notna()]
        first = bad.iloc[0] if len(bad) else "?"
        raise AstrolearnInputError(f"{len(bad)} values are not numbers (first: {first!r})",
                                   column=name, fix="give numbers in days / relative flux"
                                   ) from None


def _finish(frame: pd.DataFrame, *, estimate_err: bool | np.ndarray, normalise: bool,
            file) -> pd.DataFrame:
    """Drop unusable rows (warn), estimate errors, normalise per star and segment, sort.

    ``estimate_err`` says (for all rows or row by row) where ``flux_err`` is to be estimated
    from the scatter rather than checked.
    """
    if not isinstance(normalise, bool | np.bool_):
        raise AstrolearnInputError(f"normalise must be True or False, not {normalise!r}",
                                   fix="pass normalise=True")
    time = frame["time"].to_numpy()
    flux = frame["flux"].to_numpy()
    err = frame["flux_err"].to_numpy()
    need_err = np.broadcast_to(np.asarray(estimate_err, dtype=bool), (len(frame),)).copy()
    bad_time = ~np.isfinite(time)
    bad_flux = ~np.isfinite(flux) & ~bad_time
    bad_err = ~need_err & ~(np.isfinite(err) & (err > 0)) & ~bad_time & ~bad_flux
    drop = bad_time | bad_flux | bad_err
    dropped = {"time": int(bad_time.sum()), "flux": int(bad_flux.sum()),
               "flux_err": int(bad_err.sum())}
    if drop.any():
        parts = [f"{n} with a non-finite {k}" if k != "flux_err" else
                 f"{n} with a flux_err that is not finite and > 0"
                 for k, n in dropped.items() if n]
        where = f"{file}: " if file else ""
        warnings.warn(f"{where}dropped {int(drop.sum())} of {len(frame)} light-curve rows "
                      f"({', '.join(parts)})", UserWarning, stacklevel=3)
        frame = frame.loc[~drop].reset_index(drop=True)
        need_err = need_err[~drop]
    if len(frame) == 0:
        raise AstrolearnInputError("no usable row (every time or flux is missing)",
                                   file=file, fix="check the input for NaN values")
    frame = frame.copy()
    keys = [frame["object_id"], frame["segment"]]
    groups = frame.groupby(keys, sort=False, dropna=False).indices
    flux = frame["flux"].to_numpy(dtype=np.float64, copy=True)
    err = frame["flux_err"].to_numpy(dtype=np.float64, copy=True)
    for key, idx in groups.items():
        star = key[0]
        if need_err[idx].any():
            sigma = _scatter(flux[idx]) if len(idx) >= 3 else float("nan")
            if not (np.isfinite(sigma) and sigma > 0):
                raise AstrolearnInputError(
                    f"cannot estimate flux_err of {star!r} from the point-to-point scatter "
                    "(fewer than 3 points or constant flux)", file=file, column="flux_err",
                    fix="pass flux_err")
            sub = idx[need_err[idx]]
            err[sub] = sigma
        if normalise:
            median = float(np.median(flux[idx]))
            if not median > 0:
                raise AstrolearnInputError(
                    f"the median flux of {star!r} is {median:g}, so it cannot be normalised",
                    file=file, column="flux", fix="pass normalise=False, or a positive flux")
            flux[idx] /= median
            err[idx] /= median
    frame["flux"] = flux
    frame["flux_err"] = err
    frame = frame.sort_values(["object_id", "time"], kind="mergesort").reset_index(drop=True)
    frame.attrs = {"dropped": dropped}
    return frame


def _scatter(flux: np.ndarray) -> float:
    """White noise per point from the point-to-point scatter (robust to trends, transits)."""
    diff = np.diff(flux[np.isfinite(flux)])
    if len(diff) < 2:
        return float("nan")
    mad = np.median(np.abs(diff - np.median(diff)))
    return float(1.4826 * mad / np.sqrt(2.0))


def _plain_values(values: Any, name: str) -> np.ndarray:
    """A float64 copy of an array, Quantity, Time or masked array (masked -> NaN)."""
    try:
        from astropy.time import Time
    except ImportError:  # pragma: no cover - astropy is a dependency
        Time = ()
    if isinstance(values, Time):
        values = values.value
    mask = None
    if hasattr(values, "unmasked") and hasattr(values, "mask"):  # astropy Masked arrays
        mask = np.asarray(values.mask, dtype=bool)
        values = values.unmasked
    if isinstance(values, np.ma.MaskedArray):
        extra = np.ma.getmaskarray(values)
        mask = extra if mask is None else mask | extra
        values = values.data
    if hasattr(values, "unit") and hasattr(values, "value"):  # Quantity
        values = values.value
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise AstrolearnInputError(f"{name} holds values that are not numbers", column=name,
                                   fix=f"pass a numeric {name} array") from None
    if array.ndim != 1:
        raise AstrolearnInputError(f"{name} must be one-dimensional, not of shape {array.shape}",
                                   column=name, fix="pass one light curve as 1-d arrays")
    if mask is not None:
        array[np.broadcast_to(mask, array.shape)] = np.nan
    return array


def _is_lightcurve_like(obj: Any) -> bool:
    """A lightkurve LightCurve, or anything with ``.time`` and ``.flux`` (an astropy
    TimeSeries with a ``flux`` column included)."""
    if isinstance(obj, pd.DataFrame) or not hasattr(obj, "time"):
        return False
    return hasattr(obj, "flux") or "flux" in (getattr(obj, "colnames", None) or ())


def _field(obj: Any, name: str) -> Any:
    """``obj.name``, or the column ``name`` of a TimeSeries, or None."""
    if hasattr(obj, name):
        return getattr(obj, name)
    if name in (getattr(obj, "colnames", None) or ()):
        return obj[name]
    return None


def _is_table_like(obj: Any) -> bool:
    if isinstance(obj, dict):
        return True
    if isinstance(obj, np.ndarray) and obj.dtype.names:
        return True
    try:
        from astropy.table import Table
    except ImportError:  # pragma: no cover
        return False
    return isinstance(obj, Table)


def _is_iterable(obj: Any) -> bool:
    return isinstance(obj, list | tuple) or (hasattr(obj, "__iter__") and hasattr(
        obj, "__len__") and not isinstance(obj, str | bytes | np.ndarray | pd.DataFrame))


def _as_collection(obj: Any) -> list[Any]:
    if not _is_iterable(obj):
        raise AstrolearnInputError(
            f"an object of type {type(obj).__name__} is not a light curve (no .time and "
            ".flux)", fix="pass a lightkurve LightCurve or LightCurveCollection")
    items = list(obj)
    if not items:
        raise AstrolearnInputError("the light-curve collection is empty",
                                   fix="pass at least one light curve")
    for i, item in enumerate(items):
        if not _is_lightcurve_like(item):
            raise AstrolearnInputError(
                f"item {i} of the collection (type {type(item).__name__}) is not a light "
                "curve (no .time and .flux)", fix="pass lightkurve LightCurve objects")
    return items


def _meta_mission(meta: Mapping[str, Any]) -> str | None:
    text = " ".join(str(meta.get(k, "")) for k in ("MISSION", "TELESCOP")).upper()
    if "K2" in text.split():
        return "K2"
    if "TESS" in text:
        return "TESS"
    if "KEPLER" in text:
        return "Kepler"
    return None


def _meta_object_id(meta: Mapping[str, Any], mission: str | None) -> Any:
    if _is_int(meta.get("TICID")):
        return f"TIC {int(meta['TICID'])}"
    if _is_int(meta.get("KEPLERID")):
        return f"{'EPIC' if mission == 'K2' else 'KIC'} {int(meta['KEPLERID'])}"
    for key in ("OBJECT", "LABEL"):
        value = meta.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return "star"


# --------------------------------------------------------------------------------------
# cleaning
# --------------------------------------------------------------------------------------


def clean_transit_lightcurve(
    frame: pd.DataFrame,
    *,
    sigma_upper: float = 4.0,
    sigma_lower: float | None = None,
    window_days: float = 0.5,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Drop non-finite rows and upward outliers (cosmic rays, flares), star by star.

    Each star's flux is compared with its running median over ``window_days`` (wotan's
    time-windowed ``median``, split at gaps longer than half the window); a point is an
    upward outlier when ``flux - median > sigma_upper * sigma``, with ``sigma`` the star's
    robust scatter ``1.4826 * MAD`` of those residuals. Transits are dips, so they are
    never clipped by this one-sided rule. The lower clip (``sigma_lower``) is off by
    default because it *would* cut transits; set it only for stars without them. The
    running median should span at least twice the longest transit, or the points just
    outside a transit sit a little above a median pulled down by it.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long table with ``time`` and ``flux`` (``object_id`` optional: one star without it;
        ``flux_err`` optional); not modified.
    sigma_upper : float
        Clip threshold above the running median, in robust standard deviations.
    sigma_lower : float, optional
        Threshold below it; ``None`` (default) clips nothing below.
    window_days : float
        Length of the running median window in days.

    Returns
    -------
    cleaned : pandas.DataFrame
        The kept rows (a copy) in the input order, index 0..n-1.
    report : dict
        ``n_input``, ``n_output``, ``non_finite_time``, ``non_finite_flux``,
        ``bad_flux_err`` (non-finite or ``<= 0``, when the column exists),
        ``upper_outliers``, ``lower_outliers`` and ``per_object``:
        ``{object_id: {"sigma", "upper_outliers", "lower_outliers"}}``.

    Examples
    --------
    >>> t = np.arange(0.0, 5.0, 0.02)
    >>> f = 1.0 + 1e-4 * np.sin(40 * t)
    >>> f[100] += 0.01                          # a cosmic ray
    >>> f[(t > 2.5) & (t < 2.6)] -= 0.01        # a transit
    >>> lc = pd.DataFrame({"object_id": "star", "time": t, "flux": f})
    >>> cleaned, report = clean_transit_lightcurve(lc)
    >>> report["upper_outliers"], len(cleaned), 100 in cleaned.index
    (1, 249, True)
    """
    from wotan import flatten

    for name, value, optional in (("sigma_upper", sigma_upper, False),
                                  ("sigma_lower", sigma_lower, True),
                                  ("window_days", window_days, False)):
        if optional and value is None:
            continue
        if not _is_number(value) or not value > 0:
            raise AstrolearnInputError(f"{name} must be a positive number, not {value!r}",
                                       fix=f"pass e.g. {name}="
                                       f"{0.5 if name == 'window_days' else 4.0}")
    if not isinstance(frame, pd.DataFrame):
        raise AstrolearnInputError(
            f"clean_transit_lightcurve needs a DataFrame, not {type(frame).__name__}",
            fix="convert it first with as_lightcurves")
    require_columns(frame, ["time", "flux"])
    time = _numeric(frame["time"], "time")
    flux = _numeric(frame["flux"], "flux")
    bad_time = ~np.isfinite(time)
    bad_flux = ~np.isfinite(flux) & ~bad_time
    if "flux_err" in frame.columns:
        err = _numeric(frame["flux_err"], "flux_err")
        bad_err = ~(np.isfinite(err) & (err > 0)) & ~bad_time & ~bad_flux
    else:
        bad_err = np.zeros(len(frame), dtype=bool)
    keep = ~(bad_time | bad_flux | bad_err)
    upper = np.zeros(len(frame), dtype=bool)
    lower = np.zeros(len(frame), dtype=bool)
    if "object_id" in frame.columns:
        codes, uniques = pd.factorize(frame["object_id"], use_na_sentinel=False)
    else:
        codes, uniques = np.zeros(len(frame), dtype=np.intp), pd.Index(["star"])
    per_object: dict[Any, dict[str, Any]] = {}
    for code, star in enumerate(uniques):
        idx = np.flatnonzero((codes == code) & keep)
        star = star.item() if isinstance(star, np.generic) else star
        if len(idx) == 0:
            per_object[star] = {"sigma": float("nan"), "upper_outliers": 0,
                                "lower_outliers": 0}
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trend = flatten(time[idx], flux[idx], window_length=float(window_days),
                            method="median", return_trend=True)[1]
        resid = flux[idx] - trend
        finite = np.isfinite(resid)
        centre = np.median(resid[finite]) if finite.any() else 0.0
        sigma = float(1.4826 * np.median(np.abs(resid[finite] - centre))) if finite.any() \
            else float("nan")
        up = finite & (resid > sigma_upper * sigma)
        down = finite & (resid < -sigma_lower * sigma) if sigma_lower is not None \
            else np.zeros(len(idx), dtype=bool)
        upper[idx[up]] = True
        lower[idx[down]] = True
        per_object[star] = {"sigma": sigma, "upper_outliers": int(up.sum()),
                            "lower_outliers": int(down.sum())}
    keep &= ~upper & ~lower
    cleaned = frame.loc[keep].reset_index(drop=True).copy()
    report = {
        "n_input": len(frame),
        "n_output": len(cleaned),
        "non_finite_time": int(bad_time.sum()),
        "non_finite_flux": int(bad_flux.sum()),
        "bad_flux_err": int(bad_err.sum()),
        "upper_outliers": int(upper.sum()),
        "lower_outliers": int(lower.sum()),
        "per_object": per_object,
    }
    return cleaned, report


def iter_stars(frame: pd.DataFrame) -> Iterator[tuple[Any, pd.DataFrame]]:
    """Yield ``(object_id, rows)`` for each star, in ``object_id`` order.

    :func:`astrolearn.io.iter_objects` after checking that ``frame`` is a light-curve table:
    an unsorted table is sorted stably by ``object_id`` (a copy; ``frame`` is not modified)
    and rows keep their order within a star.

    Examples
    --------
    >>> lc = pd.DataFrame({"object_id": ["TIC 2", "TIC 1", "TIC 2"],
    ...                    "time": [1.0, 1.0, 2.0], "flux": [1.0, 1.0, 1.0]})
    >>> [(star, len(rows)) for star, rows in iter_stars(lc)]
    [('TIC 1', 1), ('TIC 2', 2)]
    """
    if not isinstance(frame, pd.DataFrame):
        raise AstrolearnInputError(f"iter_stars needs a DataFrame, not {type(frame).__name__}",
                                   fix="convert it first with as_lightcurves")
    yield from iter_objects(frame)
