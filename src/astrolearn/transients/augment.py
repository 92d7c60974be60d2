"""Training-set augmentation by moving transients to new redshifts (Boone 2019, §4).

Spectroscopically confirmed training sets are brighter and at lower redshift than the
photometric sample a classifier is applied to. Following avocado (Boone 2019, AJ 158, 257),
:func:`augment_lightcurves` makes realistic copies of each training object as it would
look at another redshift, observed with the cadence and noise of the target survey:

1. a Gaussian process (:mod:`astrolearn.transients.gp`) models the original light curve
   over time and wavelength;
2. a new redshift :math:`z'` is drawn inside avocado's window, from :math:`0.95z` (copies
   much brighter than the original would carry its noise, magnified, as if it were
   signal) up to ``z_max`` (default :math:`\\min(5z, 1.5(1+z)-1)`, beyond which the GP
   would extrapolate too far in wavelength): log-uniform in the window, or, given
   ``target_redshifts``, one of the targets inside the window (log-uniform when none is);
3. the cadence (times, bands, background noise) is taken from a random light curve of
   ``cadence_pool``, shifted so that the original peak falls at a uniformly random time
   inside its window;
4. each new observation at time :math:`t'` in band :math:`b` queries the GP at
   :math:`t_0 + (t' - t'_0)(1+z)/(1+z')` and wavelength :math:`\\lambda_b (1+z)/(1+z')`;
   the flux is scaled by :math:`[(1+z')/(1+z)]\\,[d_L(z)/d_L(z')]^2` (flux density per unit
   frequency; FlatLambdaCDM H0=70, Om0=0.3);
5. noise: :math:`\\sigma^2 = \\sigma_\\mathrm{sky}^2 + c_b \\max(f, 0) + \\sigma_\\mathrm{GP}^2`
   with :math:`\\sigma_\\mathrm{sky}` the pool observation's own error when its flux was
   faint (:math:`|f| < 3\\sigma`), otherwise the median faint error of that band in that
   pool light curve; :math:`c_b` the per-band source (Poisson) term measured on the bright
   pool points (:math:`f > 10\\sigma_\\mathrm{sky}`; 0 with fewer than 5 of them); and
   :math:`\\sigma_\\mathrm{GP}` the scaled GP predictive uncertainty. Gaussian noise of that
   size is added, ``detected`` is flux / flux_err >= 5, and copies with fewer than
   ``min_detections`` (2) detections are dropped — the survey's selection effect, so fewer
   than ``n_copies`` copies may come back (there are no retries);
6. the copy's host redshift is a photo-z: :math:`z'` plus Gaussian noise whose error is
   drawn from ``pool_metadata['redshift_err']`` (or :math:`0.03(1+z')` when there is none),
   clipped at 1e-4; the true :math:`z'` is stored in ``redshift_true``.

Points are dropped rather than extrapolated where the GP knows nothing: pool epochs that
map outside the time span of the original observations, and bands whose requested
rest-frame wavelength :math:`\\lambda_b/(1+z')` lies more than 1500 Å outside the rest-frame
range of the original bands.

Objects whose redshift is NaN or <= 0 (galactic) keep their redshift and brightness: their
copies only get the new cadence and noise (time stretch 1, no wavelength shift).

Milky-Way extinction is not re-applied. Every metadata column (labels included) is copied
from the original, except the Milky-Way E(B-V) (``mwebv``), which is multiplied by a factor
drawn from N(1, 0.1) in each copy, as avocado does, so that its exact value does not single
out the copies of one object for the classifier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.transients.gp import (
    LightCurveGP,
    _check_wavelengths,
    _fit_gp,
    _luminosity_distance,
    _single_thread_blas,
    _split_lightcurves,
)

__all__ = ["augment_lightcurves"]

#: Rest-frame distance (Å) beyond the original bands' range at which points are dropped.
MAX_WAVELENGTH_EXTRAPOLATION = 1500.0
#: Lowest new redshift, as a fraction of the original's (avocado's ``0.95 * z``).
MIN_REDSHIFT_FACTOR = 0.95
#: Relative scatter given to the Milky-Way E(B-V) of each copy (avocado's 10%).
MWEBV_SCATTER = 0.1
_LC_COLUMNS = ["object_id", "time", "band", "flux", "flux_err", "detected"]


def _metadata_table(metadata: pd.DataFrame, name: str) -> pd.DataFrame:
    if not isinstance(metadata, pd.DataFrame):
        raise AstrolearnInputError(f"{name} must be a pandas DataFrame",
                                   fix="pass a table with an object_id column")
    if "object_id" in metadata.columns:
        meta = metadata.set_index("object_id", drop=True)
    elif metadata.index.name == "object_id":
        meta = metadata
    else:
        raise AstrolearnInputError(f"{name} has no object_id column", column="object_id",
                                   fix="add the object_id column (or set it as the index)")
    if not meta.index.is_unique:
        raise AstrolearnInputError(f"{name} has duplicated object_id values",
                                   column="object_id", fix="keep one row per object")
    return meta


def _pool_noise(groups: list[dict[str, np.ndarray]]) -> tuple[list[np.ndarray], dict[str, float]]:
    """Per-observation sky noise of each pool light curve, and the per-band source term."""
    sky_all = []
    ratios: dict[str, list[np.ndarray]] = {}
    for g in groups:
        err, flux, band = g["flux_err"], g["flux"], g["band"]
        faint = np.abs(flux) < 3.0 * err
        sky = err.copy()
        for b in np.unique(band):
            in_band = band == b
            base = np.median(err[in_band & faint]) if np.any(in_band & faint) else np.min(
                err[in_band])
            sky[in_band & ~faint] = base
            bright = in_band & (flux > 10.0 * sky)
            if np.any(bright):
                ratios.setdefault(str(b), []).append(
                    (err[bright] ** 2 - sky[bright] ** 2) / flux[bright])
        sky_all.append(sky)
    source = {}
    for b, parts in ratios.items():
        values = np.concatenate(parts)
        source[b] = float(max(np.median(values), 0.0)) if values.size >= 5 else 0.0
    return sky_all, source


def _peak_time(gp: LightCurveGP, g: dict[str, np.ndarray]) -> float:
    """Time of maximum GP flux, within the observed span, in the observed band nearest 6000 Å."""
    lam = g["wavelength"]
    ref = lam[np.argmin(np.abs(lam - 6000.0))]
    t_min, t_max = float(g["time"].min()), float(g["time"].max())
    grid = np.linspace(t_min, t_max, max(int((t_max - t_min) / 0.25), 2))
    return float(grid[np.argmax(gp.predict(grid, ref, return_std=False))])


def augment_lightcurves(
    lightcurves: pd.DataFrame,
    metadata: pd.DataFrame,
    wavelengths: Mapping[str, float],
    *,
    n_copies: int = 5,
    z_max: float | None = None,
    target_redshifts: Sequence[float] | np.ndarray | None = None,
    cadence_pool: pd.DataFrame | None = None,
    pool_metadata: pd.DataFrame | None = None,
    seed: int = 0,
    gps: Mapping[Any, LightCurveGP] | None = None,
    min_detections: int = 2,
    length_scale_wavelength: float = 6000.0,
    mwebv: str | None = "mwebv",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Make redshifted, re-observed copies of training light curves (Boone 2019 §4).

    See the module docstring for the full recipe.

    Parameters
    ----------
    lightcurves : DataFrame
        Training long table ``object_id, time, band, flux, flux_err`` (``detected``
        optional).
    metadata : DataFrame
        One row per training object with ``object_id``, ``redshift`` (NaN or <= 0 for
        galactic objects) and any label columns; every column is copied to the copies.
    wavelengths : Mapping[str, float]
        Effective wavelength in Å of every band of ``lightcurves`` and ``cadence_pool``.
    n_copies : int, default 5
        Copies attempted per object; copies failing the detection cut are dropped.
    z_max : float, optional
        Upper end of the redshift window (default per object :math:`\\min(5z, 1.5(1+z)-1)`;
        the window starts at :math:`0.95z`).
    target_redshifts : array_like, optional
        Redshift sample to draw new redshifts from (with replacement, among the values inside
        each object's window), e.g. the test set's photo-z, so that the augmented set
        matches it. Values <= 0 or NaN are ignored.
    cadence_pool : DataFrame, optional
        Light curves whose cadences and noise levels the copies take (e.g. the unlabelled
        test set); default ``lightcurves``.
    pool_metadata : DataFrame, optional
        Metadata of the pool; its ``redshift_err`` values set the photo-z errors. Default
        ``metadata`` when the pool is the training set; otherwise 0.03(1+z').
    seed : int, default 0
        Seed of the random generator; the result is deterministic for a given seed.
    gps : Mapping, optional
        Already-fitted GPs by object id (from :func:`~astrolearn.transients.gp.fit_gps`).
    min_detections : int, default 2
        Copies with fewer detections (flux / flux_err >= 5) are dropped.
    length_scale_wavelength : float, default 6000.0
        Wavelength length scale of the GPs fitted here, in Å.
    mwebv : str or None, default "mwebv"
        Metadata column of the Milky-Way E(B-V), smeared by 10% in each copy (None: copied
        unchanged).

    Returns
    -------
    lightcurves : DataFrame
        ``object_id, time, band, flux, flux_err, detected`` of the copies, sorted by
        object then time.
    metadata : DataFrame
        One row per copy: the original's columns with new ``object_id``, ``redshift``
        (photo-z), ``redshift_err``, plus ``original_id`` (group on it in cross-validation
        so copies of one object never straddle train and test) and ``redshift_true``
        (the copy's true redshift — absent from real data, so never use it as a feature).
        New ids are integers above every existing id when the ids are integers, otherwise
        ``"<id>_aug<k>"``.

    Raises
    ------
    AstrolearnInputError
        On malformed tables, objects without metadata, a missing ``redshift`` column, or
        bad options.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(0.0, 100.0, 2.0)
    >>> lc = pd.DataFrame({"object_id": 1, "time": np.concatenate([t, t]),
    ...                    "band": ["g"] * 50 + ["r"] * 50, "flux_err": 5.0,
    ...                    "flux": np.tile(500 * np.exp(-0.5 * ((t - 50) / 8) ** 2), 2)})
    >>> meta = pd.DataFrame({"object_id": [1], "redshift": [0.1], "target": ["SNIa"]})
    >>> new_lc, new_meta = augment_lightcurves(lc, meta, {"g": 4827.0, "r": 6223.0},
    ...                                        n_copies=2, seed=1)
    >>> new_meta[["object_id", "original_id", "target"]].to_numpy().tolist()
    [[2, 1, 'SNIa'], [3, 1, 'SNIa']]
    """
    wl = _check_wavelengths(wavelengths)
    if isinstance(n_copies, bool) or not isinstance(n_copies, (int, np.integer)) \
            or n_copies < 0:
        raise AstrolearnInputError(f"n_copies must be an integer >= 0, got {n_copies!r}",
                                   fix="pass e.g. n_copies=5")
    if z_max is not None and not (np.isfinite(z_max) and z_max > 0):
        raise AstrolearnInputError(f"z_max must be a positive number, got {z_max!r}",
                                   fix="pass e.g. z_max=1.5, or None for the default range")
    targets = None
    if target_redshifts is not None:
        targets = np.asarray(target_redshifts, dtype=float).ravel()
        targets = np.sort(targets[np.isfinite(targets) & (targets > 0)])
        if targets.size == 0:
            raise AstrolearnInputError("target_redshifts holds no positive finite redshift",
                                       column="redshift",
                                       fix="pass the redshifts of the extragalactic targets")
    meta = _metadata_table(metadata, "metadata")
    if "redshift" not in meta.columns:
        raise AstrolearnInputError(
            "metadata has no redshift column", column="redshift",
            fix="add it (NaN or 0 for galactic objects, which get new cadences only)")

    with _single_thread_blas():
        return _augment(lightcurves, meta, wl, n_copies, z_max, targets, cadence_pool,
                        pool_metadata, seed, gps, min_detections, length_scale_wavelength,
                        mwebv if mwebv in meta.columns else None)


def _augment(
    lightcurves: pd.DataFrame, meta: pd.DataFrame, wl: dict[str, float], n_copies: int,
    z_max: float | None, targets: np.ndarray | None, cadence_pool: pd.DataFrame | None,
    pool_metadata: pd.DataFrame | None, seed: int, gps: Mapping[Any, LightCurveGP] | None,
    min_detections: int, length_scale_wavelength: float, mwebv: str | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids, groups = _split_lightcurves(lightcurves, wl)
    missing = [i for i in ids.tolist() if i not in meta.index]
    if missing:
        raise AstrolearnInputError(
            f"{len(missing)} object(s) have no metadata row, e.g. {missing[:3]}",
            column="object_id", fix="add their rows (with redshift and labels) to metadata")
    if cadence_pool is None:
        pool_ids, pool_groups = ids, groups
        if pool_metadata is None:
            pool_metadata = meta
    else:
        pool_ids, pool_groups = _split_lightcurves(cadence_pool, wl)
    pool_sky, source = _pool_noise(pool_groups)
    photoz_errs = np.array([])
    if pool_metadata is not None:
        pmeta = _metadata_table(pool_metadata, "pool_metadata")
        if "redshift_err" in pmeta.columns:
            photoz_errs = pd.to_numeric(pmeta["redshift_err"], errors="coerce").to_numpy(float)
            photoz_errs = photoz_errs[np.isfinite(photoz_errs) & (photoz_errs > 0)]

    all_ids = np.concatenate([ids, pool_ids]) if cadence_pool is not None else ids
    integer_ids = all(isinstance(i, (int, np.integer)) and not isinstance(i, bool)
                      for i in all_ids.tolist())
    next_id = int(max(all_ids.tolist())) + 1 if integer_ids else 0

    rng = np.random.default_rng(seed)
    redshift = pd.to_numeric(meta["redshift"], errors="coerce")
    out_lcs: list[pd.DataFrame] = []
    out_meta: list[dict[str, Any]] = []
    for oid, g in zip(ids.tolist(), groups, strict=True):
        gp = gps[oid] if gps is not None and oid in gps else _fit_gp(
            g["time"], g["flux"], g["flux_err"], g["wavelength"], length_scale_wavelength)
        row = meta.loc[oid]
        z_orig = float(redshift.loc[oid])
        extragalactic = bool(np.isfinite(z_orig) and z_orig > 0)
        t0 = _peak_time(gp, g)
        t_lo, t_hi = float(g["time"].min()), float(g["time"].max())
        onepz_orig = 1.0 + z_orig if extragalactic else 1.0
        rest_lo = float(g["wavelength"].min()) / onepz_orig - MAX_WAVELENGTH_EXTRAPOLATION
        rest_hi = float(g["wavelength"].max()) / onepz_orig + MAX_WAVELENGTH_EXTRAPOLATION
        d_orig = _luminosity_distance(np.array([z_orig]))[0] if extragalactic else np.nan
        root = row["original_id"] if "original_id" in meta.columns and pd.notna(
            row.get("original_id")) else oid

        # the new-redshift window, and the (sorted) targets inside it: targets[first:stop]
        z_lo = MIN_REDSHIFT_FACTOR * z_orig
        z_hi = max(z_max if z_max is not None else min(5 * z_orig, 1.5 * onepz_orig - 1),
                   z_orig)
        first = stop = 0
        if extragalactic and targets is not None:
            first = int(np.searchsorted(targets, z_lo, "left"))
            stop = int(np.searchsorted(targets, z_hi, "right"))
        for k in range(n_copies):
            if extragalactic:
                if stop > first:
                    z_new = float(targets[rng.integers(first, stop)])
                else:
                    z_new = float(np.exp(rng.uniform(np.log(z_lo), np.log(z_hi))))
                onepz_new = 1.0 + z_new
                d_new = _luminosity_distance(np.array([z_new]))[0]
                factor = (onepz_new / onepz_orig) * (d_orig / d_new) ** 2
            else:
                z_new, onepz_new, factor = z_orig, 1.0, 1.0
            j = int(rng.integers(len(pool_groups)))
            pg = pool_groups[j]
            t0_new = float(rng.uniform(pg["time"].min(), pg["time"].max()))
            stretch = onepz_orig / onepz_new
            t_query = t0 + (pg["time"] - t0_new) * stretch
            rest = pg["wavelength"] / onepz_new
            keep = ((t_query >= t_lo) & (t_query <= t_hi)
                    & (rest >= rest_lo) & (rest <= rest_hi))
            # draw every random number whether or not points survive, for stability
            noise = rng.standard_normal(pg["time"].size)
            err_draw = rng.choice(photoz_errs) if photoz_errs.size else None
            photoz_noise = rng.standard_normal()
            mwebv_factor = rng.normal(1.0, MWEBV_SCATTER)
            if not np.any(keep):
                continue
            mean, std = gp.predict(t_query[keep], pg["wavelength"][keep] * stretch)
            f_true = factor * mean
            c_b = np.array([source.get(str(b), 0.0) for b in pg["band"][keep]])
            err = np.sqrt(pool_sky[j][keep] ** 2 + c_b * np.clip(f_true, 0, None)
                          + (factor * std) ** 2)
            flux = f_true + err * noise[keep]
            detected = flux / err >= 5.0
            if int(detected.sum()) < min_detections:
                continue
            new_id: Any
            if integer_ids:
                new_id, next_id = next_id, next_id + 1
            else:
                new_id = f"{oid}_aug{k}"
            out_lcs.append(pd.DataFrame({
                "object_id": new_id, "time": pg["time"][keep], "band": pg["band"][keep],
                "flux": flux, "flux_err": err, "detected": detected,
            }))
            record = row.to_dict()
            record["object_id"] = new_id
            record["original_id"] = root
            record["redshift_true"] = z_new
            if mwebv is not None:
                record[mwebv] = record[mwebv] * mwebv_factor
            if extragalactic:
                sigma = err_draw if err_draw is not None else 0.03 * onepz_new
                record["redshift"] = max(z_new + sigma * photoz_noise, 1e-4)
                record["redshift_err"] = float(sigma)
            out_meta.append(record)

    meta_cols = ["object_id", *[c for c in meta.columns if c != "object_id"]]
    for extra in ("redshift_err", "original_id", "redshift_true"):
        if extra not in meta_cols:
            meta_cols.append(extra)
    if not out_lcs:
        return (pd.DataFrame({c: [] for c in _LC_COLUMNS}),
                pd.DataFrame({c: [] for c in meta_cols}))
    new_lc = pd.concat(out_lcs, ignore_index=True)
    new_lc = new_lc.sort_values(["object_id", "time"], kind="stable", ignore_index=True)
    new_meta = pd.DataFrame(out_meta)
    new_meta = new_meta.reindex(columns=meta_cols)
    return new_lc, new_meta.reset_index(drop=True)
