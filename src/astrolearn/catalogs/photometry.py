"""Photometric features from a catalog: clean magnitudes, errors, colours, indicators.

Missing is not zero (DESIGN principle 3). Every magnitude is sorted into one of three
states, by a fixed, documented rule:

* **measured** -- a finite number brighter than ``faint_limit`` and not a sentinel;
* **non-detection** -- ``+inf``, a positive sentinel (99, 999, 9999) or anything at or
  fainter than ``faint_limit`` (default 30 mag: fainter than any survey measures; SDSS
  asinh magnitudes of 30-33 are non-detections). The source was looked at and not seen,
  so it is *faint* in that band;
* **missing** -- NaN, ``-inf``, or a negative sentinel (-99, -999, -9999): the band was
  not measured at all, which says nothing about the source.

Non-detections and missing values never enter a model as numbers. Tree models
(LightGBM) get NaN plus 0/1 indicator features (``u_nondet``, ``u_missing``) and learn
what absence means; models that cannot take NaN get the *imputed* variant: a
non-detection is replaced by the band's faint fill value (the 99.5th percentile of the
measured training magnitudes: "at least this faint"), a missing value by the training
median, and colours are then computed from the filled magnitudes. The indicators are
added in both cases, and what was done is counted in a :class:`PhotometryReport`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError

__all__ = [
    "AUTO_ERROR_PATTERNS",
    "EXTINCTION_COEFFICIENTS",
    "PhotometryFeatures",
    "PhotometryReport",
    "resolve_error_columns",
]

#: A_band / E(B-V) for a reddening vector R_V = 3.1 (Schlafly & Finkbeiner 2011, Table 6).
EXTINCTION_COEFFICIENTS: dict[str, dict[str, float]] = {
    "sdss": {"u": 4.239, "g": 3.303, "r": 2.285, "i": 1.698, "z": 1.263},
    "lsst": {"u": 4.145, "g": 3.237, "r": 2.273, "i": 1.684, "z": 1.323, "y": 1.088},
}

#: Error-column patterns tried, in order, when ``errors="auto"``; ``{band}`` is the band column.
AUTO_ERROR_PATTERNS = ("{band}_err", "{band}err", "err_{band}", "e_{band}", "{band}_error",
                       "sigma_{band}", "{band}_sigma", "magerr_{band}", "dered_{band}_err")

POSITIVE_SENTINELS = (99.0, 999.0, 9999.0)
NEGATIVE_SENTINELS = (-99.0, -999.0, -9999.0)


@dataclass
class PhotometryReport:
    """What was found and done to the photometry of one table.

    Attributes
    ----------
    n_rows : int
        Rows inspected.
    nondetections, missing : dict
        Per column, how many values were treated as non-detections / as not measured.
    rows_with_nondetection, rows_with_missing : int
        Rows with at least one such value.
    rule : str
        The rule applied, in words.
    """

    n_rows: int
    nondetections: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    rows_with_nondetection: int = 0
    rows_with_missing: int = 0
    rule: str = ""

    def to_dict(self) -> dict:
        """Return the report as a JSON-serialisable dictionary."""
        return {
            "n_rows": self.n_rows,
            "nondetections": dict(self.nondetections),
            "missing": dict(self.missing),
            "rows_with_nondetection": self.rows_with_nondetection,
            "rows_with_missing": self.rows_with_missing,
            "rule": self.rule,
        }

    def lines(self) -> list[str]:
        """Return a short human-readable summary, one line per affected column."""
        out = []
        for column in sorted(set(self.nondetections) | set(self.missing)):
            nd, ms = self.nondetections.get(column, 0), self.missing.get(column, 0)
            if nd or ms:
                out.append(f"{column}: {nd} non-detections, {ms} not measured "
                           f"(of {self.n_rows} rows)")
        if out:
            out.append(f"rows affected: {self.rows_with_nondetection} with a non-detection, "
                       f"{self.rows_with_missing} with a missing band. Rule: {self.rule}")
        return out


def resolve_error_columns(
    columns: Sequence[str], bands: Sequence[str], errors
) -> list[str] | None:
    """Find the magnitude-error column of each band.

    Parameters
    ----------
    columns : sequence of str
        Columns of the table.
    bands : sequence of str
        Magnitude columns.
    errors : None, "auto", str pattern with ``{band}``, or sequence of column names
        ``None`` uses no errors; ``"auto"`` tries :data:`AUTO_ERROR_PATTERNS` and uses the
        first that matches every band (no errors if none does); a pattern must match
        every band; a list names one column per band.

    Returns
    -------
    list of str or None

    Examples
    --------
    >>> resolve_error_columns(["u", "g", "u_err", "g_err"], ["u", "g"], "auto")
    ['u_err', 'g_err']
    >>> resolve_error_columns(["mag_u_lsst", "mag_err_u_lsst"], ["mag_u_lsst"], "auto")
    ['mag_err_u_lsst']
    """
    if errors is None or errors is False:
        return None
    present = set(columns)
    if isinstance(errors, str) and errors == "auto":
        for pattern in AUTO_ERROR_PATTERNS:
            names = [pattern.format(band=b) for b in bands]
            if all(n in present for n in names):
                return names
        # RAIL / LSST DESC naming: mag_u_lsst -> mag_err_u_lsst
        names = [b.replace("mag_", "mag_err_", 1) for b in bands]
        if all(b.startswith("mag_") for b in bands) and all(n in present for n in names):
            return names
        return None
    if isinstance(errors, str):
        if "{band}" not in errors:
            names = [e.strip() for e in errors.split(",")]
        else:
            names = [errors.format(band=b) for b in bands]
    else:
        names = list(errors)
    if len(names) != len(bands):
        raise AstrolearnInputError(
            f"{len(names)} error columns given for {len(bands)} bands",
            column=",".join(names),
            fix="give one error column per band, or a pattern such as '{band}_err'",
        )
    for name in names:
        if name not in present:
            raise AstrolearnInputError(
                "magnitude-error column not found",
                column=name,
                fix="check --errors (a pattern such as '{band}_err' or one name per band), "
                "or use --errors none",
            )
    return names


def _numeric(frame: pd.DataFrame, column: str, file) -> np.ndarray:
    values = frame[column]
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values):
        converted = pd.to_numeric(values, errors="coerce")
        bad = converted.isna() & values.notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise AstrolearnInputError(
                f"holds non-numeric values (e.g. {values.iloc[row]!r} in row {row})",
                file=file,
                column=column,
                fix="make the column numeric; write missing values as NaN or -99",
            )
        values = converted
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


class PhotometryFeatures:
    """Turn catalog photometry into model features (see the module docstring for the rule).

    Parameters
    ----------
    bands : sequence of str
        Magnitude columns, blue to red (colours are differences of neighbours).
    errors : None, "auto", pattern or list
        Magnitude-error columns (see :func:`resolve_error_columns`).
    colours : {"adjacent", "all", None}
        Adjacent colours (u-g, g-r, ...), every pair, or none.
    ebv : str, optional
        Column of Milky-Way E(B-V); when given, magnitudes are dereddened.
    extinction : mapping or {"sdss", "lsst"}, optional
        A_band / E(B-V) per band column. Needed with ``ebv`` unless the band names are the
        SDSS or LSST letters.
    faint_limit : float or mapping, default 30.0
        Magnitudes at or fainter than this are non-detections.
    impute : bool
        Fill non-detections and missing values (for models that cannot take NaN).
    sky : tuple of (ra, dec) column names, optional
        Add Galactic longitude and latitude, and RA and Dec, as features (star counts depend
        on Galactic position; survey depth and targeting on the footprint).
    extra : sequence of str, optional
        Other numeric columns used as features as they are (e.g. a PSF-minus-model
        magnitude, a WISE colour). NaN/inf are missing (filled with the training median
        when ``impute``).

    Examples
    --------
    >>> frame = pd.DataFrame({"g": [20.0, 99.0], "r": [19.5, 21.0]})
    >>> features = PhotometryFeatures(["g", "r"], errors=None).fit(frame)
    >>> features.transform(frame)[["g", "g-r", "g_nondet"]].to_numpy().tolist()
    [[20.0, 0.5, 0.0], [nan, nan, 1.0]]
    """

    def __init__(self, bands: Sequence[str], *, errors=None, colours: str | None = "adjacent",
                 ebv: str | None = None, extinction=None, faint_limit=30.0,
                 impute: bool = False, sky: tuple[str, str] | None = None,
                 extra: Sequence[str] = ()) -> None:
        self.bands = list(bands)
        self.errors = errors
        self.colours = colours
        self.ebv = ebv
        self.extinction = extinction
        self.faint_limit = faint_limit
        self.impute = impute
        self.sky = sky
        self.extra = extra

    # ----------------------------------------------------------------- configuration
    def _validate(self) -> None:
        if len(self.bands) == 0:
            raise AstrolearnInputError("no bands given", fix="name the magnitude columns, "
                                       "e.g. --bands u,g,r,i,z")
        if len(set(self.bands)) != len(self.bands):
            raise AstrolearnInputError("a band is named twice", column=",".join(self.bands),
                                       fix="name each magnitude column once")
        if self.colours not in ("adjacent", "all", None, "none"):
            raise AstrolearnInputError(f"unknown colours option {self.colours!r}",
                                       fix="use 'adjacent', 'all' or 'none'")

    def _coefficients(self) -> dict[str, float] | None:
        if self.ebv is None:
            return None
        ext = self.extinction
        if ext is None or isinstance(ext, str):
            systems = [ext.lower()] if isinstance(ext, str) else list(EXTINCTION_COEFFICIENTS)
            if systems[0] not in EXTINCTION_COEFFICIENTS:
                raise AstrolearnInputError(f"unknown extinction system {ext!r}",
                                           fix="use 'sdss', 'lsst' or a per-band mapping")
            for system in systems:
                table = EXTINCTION_COEFFICIENTS[system]
                letters = {b: _band_letter(b, table) for b in self.bands}
                if all(letters.values()):
                    return {b: table[letters[b]] for b in self.bands}
            raise AstrolearnInputError(
                "no extinction coefficients known for these bands",
                column=",".join(self.bands),
                fix="give A_band/E(B-V) per band (extinction={'mag_u': 4.2, ...}) "
                "or extinction='sdss'/'lsst'",
            )
        ext = dict(ext)
        missing = [b for b in self.bands if b not in ext]
        if missing:
            raise AstrolearnInputError("no extinction coefficient for this band",
                                       column=missing[0],
                                       fix="give a coefficient for every band")
        return {b: float(ext[b]) for b in self.bands}

    def _limits(self) -> dict[str, float]:
        if isinstance(self.faint_limit, Mapping):
            return {b: float(self.faint_limit.get(b, 30.0)) for b in self.bands}
        return {b: float(self.faint_limit) for b in self.bands}

    def required_columns(self) -> list[str]:
        """Columns the features need from a table (after :meth:`fit`)."""
        cols = list(self.bands) + list(self.error_columns_ or [])
        if self.ebv:
            cols.append(self.ebv)
        if self.sky:
            cols.extend(self.sky)
        cols.extend(self.extra)
        return list(dict.fromkeys(cols))

    # ----------------------------------------------------------------- cleaning
    def _clean(self, frame: pd.DataFrame, file=None):
        """Return magnitudes (NaN where not measured), masks and a report."""
        from astrolearn.io import require_columns

        require_columns(frame, self.bands, file=file, option="--bands")
        n = len(frame)
        limits = self._limits()
        mags = np.empty((n, len(self.bands)))
        nondet = np.zeros((n, len(self.bands)), dtype=bool)
        missing = np.zeros((n, len(self.bands)), dtype=bool)
        for j, band in enumerate(self.bands):
            values = _numeric(frame, band, file)
            is_missing = np.isnan(values) | (values == -np.inf) | np.isin(values,
                                                                           NEGATIVE_SENTINELS)
            is_nondet = ~is_missing & ((values >= limits[band]) | np.isin(values,
                                                                          POSITIVE_SENTINELS))
            mags[:, j] = np.where(is_missing | is_nondet, np.nan, values)
            nondet[:, j], missing[:, j] = is_nondet, is_missing
        report = PhotometryReport(
            n_rows=n,
            nondetections={b: int(nondet[:, j].sum()) for j, b in enumerate(self.bands)},
            missing={b: int(missing[:, j].sum()) for j, b in enumerate(self.bands)},
            rows_with_nondetection=int(nondet.any(axis=1).sum()),
            rows_with_missing=int(missing.any(axis=1).sum()),
            rule=("NaN/-inf/-99/-999/-9999 = not measured; +inf/99/999/9999 or fainter than "
                  f"the faint limit ({self.faint_limit}) = non-detection; "
                  + ("filled with faint fill value / training median, plus indicators"
                     if self.impute else "left missing (NaN), plus indicators")),
        )
        return mags, nondet, missing, report

    def magnitudes(self, data, *, file=None) -> np.ndarray:
        """Observed magnitudes with non-detections and missing values as NaN, shape (n, bands).

        Examples
        --------
        >>> PhotometryFeatures(["g"]).magnitudes(pd.DataFrame({"g": [20.0, 99.0]})).tolist()
        [[20.0], [nan]]
        """
        from astrolearn.io import as_dataframe

        self._validate()
        return self._clean(as_dataframe(data, file=file), file)[0]

    def inspect(self, data, *, file=None) -> PhotometryReport:
        """Count non-detections and missing values in ``data`` without building features.

        Examples
        --------
        >>> PhotometryFeatures(["g"]).inspect(pd.DataFrame({"g": [20.0, -99.0]})).missing
        {'g': 1}
        """
        from astrolearn.io import as_dataframe

        self._validate()
        return self._clean(as_dataframe(data, file=file), file)[3]

    # ----------------------------------------------------------------- fit / transform
    def fit(self, data, *, file=None) -> PhotometryFeatures:
        """Learn error columns, fill values and which indicators to add from training data."""
        from astrolearn.io import as_dataframe

        self._validate()
        frame = as_dataframe(data, file=file)
        if len(frame) == 0:
            raise AstrolearnInputError("the table has no rows", file=file,
                                       fix="give a table with at least one row")
        self.error_columns_ = resolve_error_columns(list(frame.columns), self.bands, self.errors)
        self.coefficients_ = self._coefficients()
        mags, nondet, missing, report = self._clean(frame, file)
        for j, band in enumerate(self.bands):
            if np.all(np.isnan(mags[:, j])):
                others = ",".join(b for b in self.bands if b != band)
                raise AstrolearnInputError(
                    "the band has no measured value in any row (all missing or non-detected)",
                    file=file, column=band,
                    fix=f"drop the band (--bands {others}) or check its sentinel values")
        self.report_ = report
        measured = np.where(nondet | missing, np.nan, mags)
        self.median_ = np.nanmedian(measured, axis=0)
        self.faint_fill_ = np.nanpercentile(measured, 99.5, axis=0)
        self.nondet_bands_ = [b for j, b in enumerate(self.bands) if nondet[:, j].any()]
        self.missing_bands_ = [b for j, b in enumerate(self.bands) if missing[:, j].any()]
        if self.error_columns_:
            errs = self._errors(frame, nondet | missing, file)
            self.error_median_ = np.nanmedian(errs, axis=0)
            self.error_fill_ = np.nanpercentile(errs, 99.5, axis=0)
            self.error_median_ = np.where(np.isnan(self.error_median_), 0.0, self.error_median_)
            self.error_fill_ = np.where(np.isnan(self.error_fill_), 1.0, self.error_fill_)
        self.extra_median_ = [float(np.nanmedian(v)) if np.isfinite(v).any() else 0.0
                              for v in (self._extra(frame, c, file) for c in self.extra)]
        self.feature_names_ = list(self.transform(frame.iloc[:1], file=file).columns)
        return self

    @staticmethod
    def _extra(frame, column, file) -> np.ndarray:
        values = _numeric(frame, column, file)
        return np.where(np.isfinite(values), values, np.nan)

    def _errors(self, frame, absent, file) -> np.ndarray:
        errs = np.column_stack([_numeric(frame, c, file) for c in self.error_columns_])
        bad = ~np.isfinite(errs) | (errs <= 0) | (errs >= 9) | absent
        return np.where(bad, np.nan, errs)

    def _colour_pairs(self) -> list[tuple[int, int]]:
        n = len(self.bands)
        if self.colours == "adjacent":
            return [(j, j + 1) for j in range(n - 1)]
        if self.colours == "all":
            return list(combinations(range(n), 2))
        return []

    def transform(self, data, *, file: str | Path | None = None) -> pd.DataFrame:
        """Return the feature table (float32) for ``data``; column order is fixed at fit."""
        from astrolearn.io import as_dataframe, require_columns

        if not hasattr(self, "median_"):
            raise RuntimeError("PhotometryFeatures is not fitted; call fit first")
        frame = as_dataframe(data, file=file)
        require_columns(frame, self.required_columns(), file=file)
        mags, nondet, missing, _ = self._clean(frame, file)
        if self.coefficients_:
            ebv = _numeric(frame, self.ebv, file)
            if np.isnan(ebv).any():
                raise AstrolearnInputError(
                    f"{int(np.isnan(ebv).sum())} rows have no E(B-V)", file=file,
                    column=self.ebv, fix="fill E(B-V) from a dust map (e.g. SFD) or drop --ebv")
            mags = mags - ebv[:, None] * np.array([self.coefficients_[b] for b in self.bands])
        if self.impute:
            mags = np.where(nondet, self.faint_fill_, mags)
            mags = np.where(missing | np.isnan(mags), self.median_, mags)
        columns: dict[str, np.ndarray] = {b: mags[:, j] for j, b in enumerate(self.bands)}
        if self.error_columns_:
            errs = self._errors(frame, nondet | missing, file)
            if self.impute:
                errs = np.where(nondet, self.error_fill_, errs)
                errs = np.where(np.isnan(errs), self.error_median_, errs)
            for j, name in enumerate(self.error_columns_):
                columns[name] = errs[:, j]
        for a, b in self._colour_pairs():
            columns[f"{self.bands[a]}-{self.bands[b]}"] = mags[:, a] - mags[:, b]
        for j, band in enumerate(self.bands):
            if band in self.nondet_bands_:
                columns[f"{band}_nondet"] = nondet[:, j].astype(np.float64)
            if band in self.missing_bands_:
                columns[f"{band}_missing"] = missing[:, j].astype(np.float64)
        if self.sky:
            columns.update(_galactic(frame, self.sky, file))
        for column, median in zip(self.extra, self.extra_median_, strict=True):
            values = self._extra(frame, column, file)
            columns[column] = np.where(np.isnan(values), median, values) if self.impute else values
        return pd.DataFrame(columns, index=frame.index).astype(np.float32)

    def feature_units(self) -> dict[str, str]:
        """Unit of each feature: mag, deg, flag (0/1) or "as given" for ``extra`` columns."""
        units = {}
        for name in self.feature_names_:
            if name.endswith(("_nondet", "_missing")):
                units[name] = "flag"
            elif name in ("gal_l", "gal_b") or (self.sky and name in self.sky):
                units[name] = "deg"
            elif name in self.extra:
                units[name] = "as given"
            else:
                units[name] = "mag"
        return units

    def get_state(self) -> dict:
        """Return the fitted state as JSON-serialisable data (for model folders)."""
        return {
            "params": {"bands": self.bands, "errors": self.errors, "colours": self.colours,
                       "ebv": self.ebv, "extinction": self.extinction,
                       "faint_limit": self.faint_limit, "impute": self.impute,
                       "sky": list(self.sky) if self.sky else None,
                       "extra": list(self.extra)},
            "error_columns": self.error_columns_,
            "coefficients": self.coefficients_,
            "median": self.median_.tolist(),
            "faint_fill": self.faint_fill_.tolist(),
            "nondet_bands": self.nondet_bands_,
            "missing_bands": self.missing_bands_,
            "error_median": getattr(self, "error_median_", np.array([])).tolist(),
            "error_fill": getattr(self, "error_fill_", np.array([])).tolist(),
            "extra_median": self.extra_median_,
            "feature_names": self.feature_names_,
        }

    @classmethod
    def from_state(cls, state: dict) -> PhotometryFeatures:
        """Rebuild a fitted instance from :meth:`get_state` output."""
        params = dict(state["params"])
        params["sky"] = tuple(params["sky"]) if params.get("sky") else None
        self = cls(params.pop("bands"), **params)
        self.error_columns_ = state["error_columns"]
        self.coefficients_ = state["coefficients"]
        self.median_ = np.asarray(state["median"], dtype=float)
        self.faint_fill_ = np.asarray(state["faint_fill"], dtype=float)
        self.nondet_bands_ = list(state["nondet_bands"])
        self.missing_bands_ = list(state["missing_bands"])
        if self.error_columns_:
            self.error_median_ = np.asarray(state["error_median"], dtype=float)
            self.error_fill_ = np.asarray(state["error_fill"], dtype=float)
        self.extra_median_ = list(state["extra_median"])
        self.feature_names_ = list(state["feature_names"])
        return self


def _band_letter(column: str, table: Mapping[str, float]) -> str | None:
    """The filter letter of a magnitude column: ``'r'`` for ``r``, ``mag_r_lsst`` or ``dered_r``."""
    if column in table:
        return column
    tokens = [t for t in re.split(r"[^A-Za-z0-9]+", column) if t in table]
    return tokens[0] if len(tokens) == 1 else None


def _galactic(frame: pd.DataFrame, sky: tuple[str, str], file) -> dict[str, np.ndarray]:
    """RA, Dec and Galactic longitude and latitude (deg) from ICRS RA/Dec columns."""
    from astropy.coordinates import SkyCoord

    ra, dec = (_numeric(frame, c, file) for c in sky)
    for name, values, low, high in ((sky[0], ra, 0, 360), (sky[1], dec, -90, 90)):
        bad = ~np.isfinite(values) | (values < low) | (values > high)
        if bad.any():
            raise AstrolearnInputError(
                f"{int(bad.sum())} rows hold no valid coordinate (expected {low}..{high} deg)",
                file=file, column=name, fix="give RA/Dec in degrees (ICRS) for every row")
    coords = SkyCoord(ra=ra, dec=dec, unit="deg", frame="icrs").galactic
    return {sky[0]: ra, sky[1]: dec, "gal_l": coords.l.deg, "gal_b": coords.b.deg}
