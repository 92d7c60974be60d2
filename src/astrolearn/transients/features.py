"""Features of multi-band light curves for classifiers: light-curve extractors, GP, redshift.

Three families, one row per object:

* **per band**, from the field's `light-curve` package (Malanchev et al. 2021): amplitude,
  spread and shape statistics, a linear trend, Stetson K, and the Bazin (Bazin et al. 2009)
  and Villar (Villar et al. 2019) parametric fits. Fluxes are first divided by the object's
  brightest detected flux, so these describe the *shape*; brightness enters separately;
* **across bands**: peak magnitude per band, colours at peak from the Bazin amplitudes,
  peak time of each band relative to the first detection, durations, detection counts,
  and the top Lomb-Scargle peak of the whole multi-band curve (for periodic variables);
* **redshift-aware** (when the objects table has a redshift): the redshift and its error,
  rest-frame rise and fall times (divided by 1 + z), and an absolute-magnitude proxy
  (peak magnitude minus the distance modulus), as in Lochner et al. 2016 and Boone 2019;
* optionally the avocado-style Gaussian-process features of :mod:`astrolearn.transients.gp`.

Times are always relative to the first detection, so the features do not depend on
when an object was observed, and truncated (early) light curves give the same kind of
row as complete ones. Features a light curve cannot support (a band with too few points,
a fit that did not converge, no redshift) are NaN, which the gradient-boosting classifier
handles natively; the sequence network does not read these features.

Fluxes are corrected for Milky-Way extinction when the objects table has ``mwebv``,
with R_V = 3.1 CCM89 coefficients at each band's effective wavelength.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.transients.lightcurves import first_detection_time
from astrolearn.transients.passbands import extinction_coefficient

__all__ = ["SHAPE_FEATURES", "distance_modulus", "extract_features"]

#: Per-band shape features, by the names the light-curve package gives them.
SHAPE_FEATURES = (
    "amplitude", "beyond_1_std", "kurtosis", "skew", "standard_deviation", "median",
    "maximum_slope", "linear_fit_slope", "linear_fit_reduced_chi2", "excess_variance",
    "inter_percentile_range_10", "stetson_K", "chi2",
    "bazin_fit_amplitude", "bazin_fit_baseline", "bazin_fit_reference_time",
    "bazin_fit_rise_time", "bazin_fit_fall_time", "bazin_fit_reduced_chi2",
    "villar_fit_amplitude", "villar_fit_reference_time", "villar_fit_rise_time",
    "villar_fit_fall_time", "villar_fit_plateau_rel_amplitude", "villar_fit_plateau_duration",
    "villar_fit_reduced_chi2",
)
_ZERO_POINT = 27.5
_PEAK_SNR = 3.0


def distance_modulus(z: np.ndarray) -> np.ndarray:
    """Distance modulus in a flat ΛCDM cosmology (H0 = 70, Ωm = 0.3); NaN where z <= 0.

    Examples
    --------
    >>> round(float(distance_modulus(np.array([0.1]))[0]), 2)
    38.32
    """
    from astropy.cosmology import FlatLambdaCDM

    z = np.asarray(z, dtype=float)
    out = np.full(z.shape, np.nan)
    good = np.isfinite(z) & (z > 0)
    if good.any():
        out[good] = FlatLambdaCDM(H0=70, Om0=0.3).distmod(z[good]).value
    return out


def _extractor(fit_algorithm: str):
    import light_curve as lc

    return lc.Extractor(
        lc.Amplitude(), lc.BeyondNStd(1.0), lc.Kurtosis(), lc.Skew(), lc.StandardDeviation(),
        lc.Median(), lc.MaximumSlope(), lc.LinearFit(), lc.ExcessVariance(),
        lc.InterPercentileRange(0.1), lc.StetsonK(), lc.ReducedChi2(),
        lc.BazinFit(fit_algorithm), lc.VillarFit(fit_algorithm))


def _periodogram():
    import light_curve as lc

    # one fixed grid up to 5 cycles per day (periods down to 0.2 d: RR Lyrae c), 2^14 + 1
    # frequencies (the FFT periodogram needs this form); irregular same-night revisits make
    # periods far below the average-gap Nyquist limit measurable
    return lc.Periodogram(peaks=1, freqs=np.linspace(0.0, 2 * np.pi * 5.0, 2**14 + 1),
                          fast=True)


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniques, codes = np.unique(values, return_inverse=True)
    return uniques, codes


def object_column(objects: pd.DataFrame | None, ids: np.ndarray, column: str | None,
                  default: float) -> np.ndarray:
    """Numbers of one objects-table column in the order of ``ids`` (``default`` when the
    table or column is absent, NaN for unknown ids and non-numbers)."""
    if objects is None or column is None or column not in objects.columns:
        return np.full(len(ids), default)
    values = objects.set_index("object_id")[column].reindex(ids)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def extract_features(
    lightcurves: pd.DataFrame,
    objects: pd.DataFrame | None = None,
    *,
    bands: Sequence[str],
    wavelengths: Mapping[str, float],
    redshift: str | None = "redshift",
    redshift_err: str | None = "redshift_err",
    mwebv: str | None = "mwebv",
    gp: bool = False,
    fit_algorithm: str = "lmsder",
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Feature table of cleaned light curves, one row per object.

    Parameters
    ----------
    lightcurves : DataFrame
        Cleaned long table (``object_id, time, band, flux, flux_err, detected``), sorted
        by object and time (see :func:`astrolearn.transients.lightcurves.clean_lightcurves`).
    objects : DataFrame, optional
        Per-object metadata with ``object_id`` and optionally the redshift, its error and
        Milky-Way E(B-V) columns named below.
    bands : sequence of str
        The bands to describe, in wavelength order; other bands are ignored and a missing
        band gives NaN features (the column set depends only on ``bands``).
    wavelengths : mapping
        Effective wavelength (Å) of every band in ``bands``.
    redshift, redshift_err, mwebv : str or None
        Column names in ``objects`` (``None`` to ignore).
    gp : bool, default False
        Add the Gaussian-process features of :func:`astrolearn.transients.gp.gp_features`.
    fit_algorithm : str, default "lmsder"
        Least-squares algorithm of the Bazin and Villar fits (light-curve's names, e.g.
        ``"mcmc-lmsder"`` for a slower, more robust fit).
    n_jobs : int, default 1
        Threads for the light-curve extractors.

    Returns
    -------
    DataFrame
        Indexed by ``object_id`` (sorted), float columns.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = np.tile(np.arange(0.0, 60.0, 3.0), 2)
    >>> flux = 100 * np.exp(-0.5 * ((t - 20) / 8) ** 2) + rng.normal(0, 2, t.size)
    >>> lc = pd.DataFrame({"object_id": 1, "time": np.sort(t),
    ...                    "band": ["g", "r"] * 20, "flux": flux, "flux_err": 2.0,
    ...                    "detected": flux > 10})
    >>> table = extract_features(lc, bands=["g", "r"], wavelengths={"g": 4800, "r": 6200})
    >>> table.shape[0], "peak_mag_r" in table.columns
    (1, True)
    """
    missing = [b for b in bands if b not in wavelengths]
    if missing:
        raise AstrolearnInputError(
            f"no effective wavelength for band(s) {', '.join(map(str, missing))}",
            column="band", fix="give the survey (or a wavelengths mapping) for these bands")
    bands = list(bands)
    lam = np.array([float(wavelengths[b]) for b in bands])
    ids, obj_codes = _codes(lightcurves["object_id"].to_numpy())
    n_obj, n_band = len(ids), len(bands)
    band_index = {b: i for i, b in enumerate(bands)}
    band_codes = lightcurves["band"].astype(str).map(band_index).to_numpy(dtype=float, na_value=-1)
    time = lightcurves["time"].to_numpy(dtype=float)
    flux = lightcurves["flux"].to_numpy(dtype=float)
    err = lightcurves["flux_err"].to_numpy(dtype=float)
    det = lightcurves["detected"].to_numpy(dtype=bool)

    ebv = np.nan_to_num(object_column(objects, ids, mwebv, 0.0), nan=0.0)
    z = object_column(objects, ids, redshift, np.nan)
    z_err = object_column(objects, ids, redshift_err, np.nan)
    known = band_codes >= 0
    dust = np.ones_like(flux)
    dust[known] = 10 ** (0.4 * extinction_coefficient(lam)[band_codes[known].astype(int)]
                         * ebv[obj_codes[known]])
    flux, err = flux * dust, err * dust

    # reference time and brightness of each object
    t_ref = first_detection_time(lightcurves).reindex(ids).to_numpy(dtype=float)
    t_last_det = np.full(n_obj, -np.inf)
    np.maximum.at(t_last_det, obj_codes[det], time[det])
    scale = np.zeros(n_obj)
    np.maximum.at(scale, obj_codes[det], flux[det])
    no_det = scale <= 0
    if no_det.any():
        fallback = np.zeros(n_obj)
        np.maximum.at(fallback, obj_codes, np.abs(flux))
        scale[no_det] = np.maximum(fallback[no_det], 1e-9)

    out: dict[str, np.ndarray] = {}
    shape = _band_shapes(obj_codes, band_codes, time, flux, err, t_ref, scale, n_obj, n_band,
                         fit_algorithm, n_jobs)
    for j, b in enumerate(bands):
        for k, name in enumerate(SHAPE_FEATURES):
            out[f"{name}_{b}"] = shape[:, j, k]

    # brightness and colours
    snr = flux / err
    good = known & (snr >= _PEAK_SNR)
    flat = obj_codes[good] * n_band + band_codes[good].astype(int)
    peak_flat = np.full(n_obj * n_band, -np.inf)
    np.maximum.at(peak_flat, flat, flux[good])
    peak_flat[~np.isfinite(peak_flat)] = np.nan
    peak = peak_flat.reshape(n_obj, n_band)
    peak_mag = _ZERO_POINT - 2.5 * np.log10(peak)
    for j, b in enumerate(bands):
        out[f"peak_mag_{b}"] = peak_mag[:, j]
        out[f"n_obs_{b}"] = np.bincount(obj_codes[band_codes == j], minlength=n_obj).astype(float)
        out[f"n_det_{b}"] = np.bincount(obj_codes[(band_codes == j) & det],
                                        minlength=n_obj).astype(float)
    bazin_amp = shape[:, :, SHAPE_FEATURES.index("bazin_fit_amplitude")]
    with np.errstate(divide="ignore", invalid="ignore"):
        for j in range(n_band - 1):
            ratio = bazin_amp[:, j] / bazin_amp[:, j + 1]
            out[f"colour_{bands[j]}_{bands[j + 1]}"] = np.where(
                ratio > 0, -2.5 * np.log10(ratio), np.nan)
            out[f"peak_colour_{bands[j]}_{bands[j + 1]}"] = peak_mag[:, j] - peak_mag[:, j + 1]
    brightest = np.nanmin(np.where(np.isfinite(peak_mag), peak_mag, np.inf), axis=1)
    brightest[~np.isfinite(brightest)] = np.nan
    out["peak_mag"] = brightest
    out["n_obs"] = np.bincount(obj_codes, minlength=n_obj).astype(float)
    out["n_det"] = np.bincount(obj_codes[det], minlength=n_obj).astype(float)
    out["duration_detected"] = np.where(np.isfinite(t_last_det), t_last_det - t_ref, 0.0)
    out["time_observed_after_first_detection"] = _last_time(obj_codes, time, n_obj) - t_ref
    out["n_obs_before_first_detection"] = np.bincount(
        obj_codes[time < t_ref[obj_codes]], minlength=n_obj).astype(float)
    period, period_snr = _periodogram_features(obj_codes, band_codes, time, flux, n_obj, n_band,
                                               n_jobs)
    out["period"] = period
    out["period_snr"] = period_snr

    # redshift-aware
    out["redshift"] = z
    out["redshift_err"] = z_err
    out["mwebv"] = ebv
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows stay NaN
        mu = distance_modulus(z)
        out["abs_mag_proxy"] = brightest - mu
        stretch = np.where(np.isfinite(z) & (z >= 0), 1.0 + z, np.nan)
        for name in ("bazin_fit_rise_time", "bazin_fit_fall_time", "villar_fit_plateau_duration"):
            k = SHAPE_FEATURES.index(name)
            out[f"rest_{name}"] = np.nanmedian(
                np.where(np.isfinite(shape[:, :, k]), shape[:, :, k], np.nan), axis=1) / stretch
    table = pd.DataFrame(out, index=pd.Index(ids, name="object_id"))
    if gp:
        from astrolearn.transients.gp import gp_features

        extra = gp_features(lightcurves, objects, wavelengths={b: wavelengths[b] for b in bands})
        # the GP peak as days after the first detection, never as an absolute date
        reference = pd.Series(t_ref, index=ids).reindex(extra.index)
        extra["peak_after_first_detection"] = extra.pop("peak_time") - reference
        table = table.join(extra.add_prefix("gp_"), how="left")
    return table.astype(float)


def _last_time(obj_codes: np.ndarray, time: np.ndarray, n_obj: int) -> np.ndarray:
    last = np.full(n_obj, -np.inf)
    np.maximum.at(last, obj_codes, time)
    return last


def _band_shapes(obj_codes, band_codes, time, flux, err, t_ref, scale, n_obj, n_band,
                 fit_algorithm, n_jobs) -> np.ndarray:
    """light-curve features of every (object, band) curve, as an (objects, bands, k) array."""
    result = np.full((n_obj, n_band, len(SHAPE_FEATURES)), np.nan)
    keep = band_codes >= 0
    pair = obj_codes[keep] * n_band + band_codes[keep].astype(int)
    t = time[keep] - t_ref[obj_codes[keep]]
    f = flux[keep] / scale[obj_codes[keep]]
    e = err[keep] / scale[obj_codes[keep]]
    order = np.lexsort((t, pair))
    pair, t, f, e = pair[order], t[order], f[order], e[order]
    if pair.size == 0:
        return result
    starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    ends = np.r_[starts[1:], pair.size]
    # the light-curve package needs strictly increasing times within a band
    curves, slots = [], []
    for s, en in zip(starts, ends, strict=True):
        tt = t[s:en]
        if en - s < 2 or np.any(np.diff(tt) <= 0):
            if en - s >= 2:
                tt, idx = np.unique(tt, return_index=True)
                curves.append((tt, f[s:en][idx], e[s:en][idx]))
                slots.append(pair[s])
            continue
        curves.append((tt, f[s:en], e[s:en]))
        slots.append(pair[s])
    if not curves:
        return result
    extractor = _extractor(fit_algorithm)
    values = np.asarray(extractor.many(curves, sorted=True, check=False, n_jobs=n_jobs,
                                       fill_value=np.nan), dtype=float)
    names = list(extractor.names)
    columns = [names.index(n) for n in SHAPE_FEATURES]
    values = values[:, columns]
    values[~np.isfinite(values)] = np.nan
    slots = np.asarray(slots)
    result.reshape(n_obj * n_band, -1)[slots] = values
    return result


def _periodogram_features(obj_codes, band_codes, time, flux, n_obj, n_band, n_jobs):
    """Top Lomb-Scargle peak of each object's multi-band curve (each band median-subtracted)."""
    period = np.full(n_obj, np.nan)
    snr = np.full(n_obj, np.nan)
    keep = band_codes >= 0
    codes, t, f = obj_codes[keep], time[keep], flux[keep]
    bcodes = band_codes[keep].astype(int)
    if codes.size == 0:
        return period, snr
    pair = codes * n_band + bcodes
    medians = pd.Series(f).groupby(pair).transform("median").to_numpy()
    scales = pd.Series(np.abs(f - medians)).groupby(codes).transform("max").to_numpy()
    g = (f - medians) / np.where(scales > 0, scales, 1.0)
    order = np.lexsort((t, codes))
    codes, t, g = codes[order], t[order], g[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], codes.size]
    curves, slots = [], []
    for s, en in zip(starts, ends, strict=True):
        tt, idx = np.unique(t[s:en], return_index=True)
        if tt.size >= 8:
            curves.append((tt, g[s:en][idx], np.ones(tt.size)))
            slots.append(codes[s])
    if curves:
        values = np.asarray(_periodogram().many(curves, sorted=True, check=False, n_jobs=n_jobs,
                                                fill_value=np.nan), dtype=float)
        period[slots] = values[:, 0]
        snr[slots] = values[:, 1]
    return period, snr
