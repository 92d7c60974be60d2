"""Photometric redshifts with PDFs: the :class:`PhotoZ` scikit-learn regressor.

:class:`PhotoZ` takes a catalog as astronomers hold it (magnitudes, errors, optional
E(B-V), under any column names; non-detections and missing bands as in
:mod:`astrolearn.catalogs.photometry`) and learns p(z | photometry) on a redshift grid with
one of three estimators or their ensemble:

``"knn"``
    weighted kernel sum of the nearest training objects in colour space;
``"flexcode"``
    cosine-basis expansion with one LightGBM regression per coefficient;
``"mdn"``
    PyTorch mixture density network in ln(1 + z), trained with photometric noise
    augmentation when magnitude errors are given;
``"ensemble"`` (default)
    a mixture of the three PDFs, the weights chosen on held-out training rows by the
    CRPS, then recalibrated from the PIT of those rows.

``predict`` gives a point estimate (HSC's risk-minimising ``z_best`` by default),
``predict_pdf`` the PDFs on ``zgrid_``, ``predict_frame`` a table with ``z_best`` and its
risk, median, mode, mean, 68% and 95% intervals and the PDF itself, stored compactly
(see :mod:`astrolearn.photoz.storage`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin

from astrolearn.catalogs.model_coverage import (
    add_coverage_columns,
    fit_model_coverage,
    load_training_reference,
    save_training_reference,
)
from astrolearn.catalogs.photometry import PhotometryFeatures
from astrolearn.errors import AstrolearnInputError
from astrolearn.io import as_dataframe
from astrolearn.persist import (
    data_fingerprint,
    read_estimator_manifest,
    row_hashes,
    write_model_folder,
)
from astrolearn.photoz import pdf as pdfs_
from astrolearn.photoz.calibration import PITRecalibration
from astrolearn.photoz.flexcode import FlexCodeDensity
from astrolearn.photoz.knn import KNNDensity
from astrolearn.photoz.mdn import MDNDensity

__all__ = ["MEMBERS", "PhotoZ", "redshifts_from"]

#: The density estimators, by name.
MEMBERS: dict[str, type] = {"knn": KNNDensity, "flexcode": FlexCodeDensity, "mdn": MDNDensity}


def redshifts_from(y, frame: pd.DataFrame | None = None, *, file=None) -> np.ndarray:
    """Return true redshifts as float64, checking that every row has a valid one.

    ``y`` may be an array-like or the name of a column of ``frame``.

    Examples
    --------
    >>> redshifts_from([0.1, 0.5]).tolist()
    [0.1, 0.5]
    """
    column = None
    if isinstance(y, str):
        from astrolearn.io import require_columns

        require_columns(frame if frame is not None else pd.DataFrame(), [y], file=file,
                        option="--target")
        column, y = y, frame[y]
    try:
        z = np.asarray(y, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise AstrolearnInputError("redshifts are not numbers", file=file, column=column,
                                   fix="give a numeric redshift column") from None
    bad = ~np.isfinite(z) | (z <= -1)
    if bad.any():
        raise AstrolearnInputError(
            f"{int(bad.sum())} rows have no valid redshift (NaN, inf or <= -1; first at row "
            f"{int(np.argmax(bad))})", file=file, column=column,
            fix="drop rows without a spectroscopic redshift before fitting or evaluating")
    return z


class PhotoZ(RegressorMixin, BaseEstimator):
    """Photometric redshifts with full PDFs from catalog photometry.

    Parameters
    ----------
    bands : sequence of str, default ("u", "g", "r", "i", "z")
        Magnitude columns, blue to red.
    errors : None, "auto", str or sequence of str, default "auto"
        Magnitude-error columns (pattern such as ``"{band}_err"``, list, ``"auto"``).
        When found they are features and drive the MDN's noise augmentation.
    colours : {"adjacent", "all", None}, default "adjacent"
    ebv, extinction, faint_limit, sky, extra
        As for :class:`~astrolearn.catalogs.SourceClassifier` (``sky=(ra, dec)`` adds
        position: a proxy for Milky-Way reddening when no E(B-V) column is given, and for
        survey depth and targeting).
    model : {"ensemble", "mdn", "flexcode", "knn"}, default "ensemble"
    model_params : dict, optional
        Settings of the estimator; for the ensemble, one dict per member, e.g.
        ``{"mdn": {"epochs": 300}, "flexcode": {"n_basis": 40}}``.
    members : sequence of str, default ("mdn", "flexcode", "knn")
        Estimators combined by the ensemble.
    z_max : float, optional
        Top of the redshift grid (default: 5% above the highest training redshift).
    n_grid : int, default 301
        Points of the redshift grid.
    recalibrate : bool, optional
        PIT recalibration on held-out training rows (default: on for the ensemble only).
    calibration_fraction : float, default 0.15
        Training rows held out for the ensemble weights and recalibration.
    max_calibration_rows : int, optional, default 2500
        At most this many rows are held out: a few thousand rows fix the weights (steps of
        0.1) and the PIT map (one knot per 75 rows); beyond that, every held-out row is a
        row the members do not learn from. ``None`` holds out the whole fraction.
    point_estimate : {"best", "median", "mode", "mean"}, default "best"
        What :meth:`predict` returns. ``"best"`` is the redshift of least expected outlier
        loss (the ``z_best`` that HSC recommends for its photo-z releases,
        :func:`~astrolearn.photoz.pdf.pdf_best`): the median where the PDF is narrow, and the
        more probable peak where it has two.
    coverage : bool, default True
        Keep a coverage reference of the training photometry for
        ``predict_frame(..., coverage=True)``.
    random_state : int, default 0
    n_jobs : int, optional
        Threads (default: all cores).

    Attributes
    ----------
    zgrid_ : ndarray
        The redshift grid of the PDFs.
    members_ : dict
        The fitted estimators.
    weights_ : dict
        Ensemble weight of each member.
    calibration_ : PITRecalibration or None

    Examples
    --------
    >>> from astrolearn.datasets import simulate_catalog
    >>> cat = simulate_catalog(3000, seed=1)
    >>> gal = cat[cat["class"] == "GALAXY"]
    >>> pz = PhotoZ(errors="{band}_err", model="knn").fit(gal, "redshift")
    >>> pz.predict_pdf(gal.iloc[:2]).shape
    (2, 301)
    """

    def __init__(
        self,
        bands: Sequence[str] = ("u", "g", "r", "i", "z"),
        *,
        errors: str | Sequence[str] | None = "auto",
        colours: str | None = "adjacent",
        ebv: str | None = None,
        extinction: Mapping[str, float] | str | None = None,
        faint_limit: float | Mapping[str, float] = 30.0,
        sky: tuple[str, str] | None = None,
        extra: Sequence[str] = (),
        model: str = "ensemble",
        model_params: dict[str, Any] | None = None,
        members: Sequence[str] = ("mdn", "flexcode", "knn"),
        z_max: float | None = None,
        n_grid: int = 301,
        recalibrate: bool | None = None,
        calibration_fraction: float = 0.15,
        max_calibration_rows: int | None = 2500,
        point_estimate: str = "best",
        coverage: bool = True,
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.bands = bands
        self.errors = errors
        self.colours = colours
        self.ebv = ebv
        self.extinction = extinction
        self.faint_limit = faint_limit
        self.sky = sky
        self.extra = extra
        self.model = model
        self.model_params = model_params
        self.members = members
        self.z_max = z_max
        self.n_grid = n_grid
        self.recalibrate = recalibrate
        self.calibration_fraction = calibration_fraction
        self.max_calibration_rows = max_calibration_rows
        self.point_estimate = point_estimate
        self.coverage = coverage
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ settings
    def _member_names(self) -> list[str]:
        if self.model == "ensemble":
            names = list(dict.fromkeys(self.members))
            unknown = [m for m in names if m not in MEMBERS]
            if unknown or not names:
                raise AstrolearnInputError(
                    f"unknown ensemble member {unknown[0] if unknown else '(none)'!r}",
                    fix=f"choose members among {', '.join(MEMBERS)}")
            return names
        if self.model not in MEMBERS:
            raise AstrolearnInputError(
                f"unknown photo-z model {self.model!r}",
                fix=f"use one of ensemble, {', '.join(MEMBERS)}")
        return [self.model]

    def _member_params(self, name: str) -> dict[str, Any]:
        params = dict(self.model_params or {})
        if self.model == "ensemble":
            unknown = set(params) - set(MEMBERS)
            if unknown:
                raise AstrolearnInputError(
                    f"model_params for the ensemble must be keyed by member, got "
                    f"{sorted(unknown)[0]!r}",
                    fix='write e.g. {"mdn": {"epochs": 300}}')
            params = dict(params.get(name, {}))
        params.setdefault("random_state", self.random_state)
        if name == "mdn":
            params.setdefault("num_threads", self.n_jobs)
        else:
            params.setdefault("n_jobs", self.n_jobs)
        return params

    def _use_recalibration(self) -> bool:
        return self.model == "ensemble" if self.recalibrate is None else bool(self.recalibrate)

    # ------------------------------------------------------------------ features
    def _design(self, frame: pd.DataFrame, file=None) -> tuple[np.ndarray, np.ndarray | None]:
        """Feature matrix and per-band errors for augmentation (0 where not measured)."""
        table = self.features_.transform(frame, file=file)
        X = table.to_numpy(dtype=np.float32)
        if not self.features_.error_columns_:
            return X, None
        errors = table[self.features_.error_columns_].to_numpy(dtype=np.float32).copy()
        for j, band in enumerate(self.features_.bands):
            for flag in (f"{band}_nondet", f"{band}_missing"):
                if flag in table.columns:
                    errors[table[flag].to_numpy() > 0, j] = 0.0
        return X, np.clip(errors, 0.0, 1.0)

    def _noise_map(self) -> np.ndarray:
        """How a change of each band's magnitude changes each feature."""
        names = self.features_.feature_names_
        bands = self.features_.bands
        noise = np.zeros((len(bands), len(names)), dtype=np.float32)
        for j, band in enumerate(bands):
            noise[j, names.index(band)] = 1.0
        for a, b in self.features_._colour_pairs():
            column = names.index(f"{bands[a]}-{bands[b]}")
            noise[a, column], noise[b, column] = 1.0, -1.0
        return noise

    def _knn_columns(self) -> list[int]:
        """Colours and one magnitude (the middle band) for the neighbour search."""
        names = self.features_.feature_names_
        bands = self.features_.bands
        colours = [f"{bands[a]}-{bands[b]}" for a, b in self.features_._colour_pairs()]
        chosen = [*colours, bands[len(bands) // 2]] if colours else list(bands)
        chosen += [c for c in self.features_.extra if c in names]
        return [names.index(c) for c in chosen]

    def _member_inputs(self, name: str, X: np.ndarray) -> np.ndarray:
        return X[:, self._knn_columns()] if name == "knn" else X

    # ------------------------------------------------------------------ training
    def fit(self, X, y, *, file: str | Path | None = None, progress=None) -> PhotoZ:
        """Learn p(z | photometry) from a catalog with known redshifts.

        Parameters
        ----------
        X : DataFrame, astropy Table or structured array
            The training catalog.
        y : array-like or str
            True redshifts, or the name of their column in ``X``.
        file : str or Path, optional
            Where ``X`` came from, named in error messages.
        progress : callable, optional
            Called with a line of text as each estimator is fitted.
        """
        import time

        say = progress or (lambda _text: None)
        frame = as_dataframe(X, file=file)
        z = redshifts_from(y, frame, file=file)
        if len(z) != len(frame):
            raise AstrolearnInputError(f"{len(z)} redshifts for {len(frame)} rows", file=file,
                                       fix="give one redshift per catalog row")
        if len(z) < 100:
            raise AstrolearnInputError(f"only {len(z)} training rows", file=file,
                                       fix="train on at least 100 objects with redshifts")
        if self.point_estimate not in pdfs_.POINT_ESTIMATES:
            raise AstrolearnInputError(f"point_estimate must be one of "
                                       f"{tuple(pdfs_.POINT_ESTIMATES)}, got "
                                       f"{self.point_estimate!r}", fix="use 'best'")
        names = self._member_names()
        self.features_ = PhotometryFeatures(
            list(self.bands), errors=self.errors, colours=self.colours, ebv=self.ebv,
            extinction=self.extinction, faint_limit=self.faint_limit, impute=True,
            sky=tuple(self.sky) if self.sky else None,
            extra=list(self.extra)).fit(frame, file=file)
        design, band_errors = self._design(frame, file)
        z_top = self.z_max if self.z_max is not None else np.ceil(z.max() * 1.05 * 10) / 10
        z_bottom = min(0.0, float(np.floor(z.min() * 10) / 10))
        if z_top <= z.max():
            raise AstrolearnInputError(
                f"z_max={z_top} is below the highest training redshift {z.max():.3f}",
                file=file, fix="raise z_max or drop the highest-redshift rows")
        self.zgrid_ = pdfs_.make_grid(z_bottom, z_top, self.n_grid)

        combine = len(names) > 1 or self._use_recalibration()
        held = np.zeros(len(z), dtype=bool)
        if combine:
            held = self._calibration_rows(len(z))
        fit_rows = ~held
        self.members_ = {}
        self.fit_seconds_ = {}
        for name in names:
            start = time.perf_counter()
            member = MEMBERS[name](**self._member_params(name))
            extra = {}
            if name == "mdn" and band_errors is not None:
                extra = {"band_errors": band_errors[fit_rows], "noise_map": self._noise_map()}
            member.fit(self._member_inputs(name, design[fit_rows]), z[fit_rows], self.zgrid_,
                       **extra)
            self.members_[name] = member
            self.fit_seconds_[name] = time.perf_counter() - start
            say(f"{name} fitted on {int(fit_rows.sum()):,} rows in "
                f"{self.fit_seconds_[name]:.1f} s")
        self.weights_ = {names[0]: 1.0} if len(names) == 1 else {}
        self.calibration_ = None
        self.calibration_scores_: dict[str, float] = {}
        if combine:
            self._calibrate(design[held], z[held], names)
        self.coverage_ = (fit_model_coverage(self.features_, frame, file=file,
                                             random_state=self.random_state)
                          if self.coverage else None)
        hashes = row_hashes(frame, self.features_.required_columns())
        self.training_row_hashes_ = np.unique(hashes)
        self.fingerprint_ = data_fingerprint(hashes, z)
        self.n_training_rows_ = len(frame)
        self.n_calibration_rows_ = int(held.sum())
        return self

    def _calibration_rows(self, n: int) -> np.ndarray:
        """Mask of the rows held out for the weights and recalibration (seeded)."""
        rng = np.random.default_rng(self.random_state)
        held = rng.random(n) < self.calibration_fraction
        cap = self.max_calibration_rows
        if cap is not None and held.sum() > cap:
            if cap < 50:
                raise AstrolearnInputError(
                    f"max_calibration_rows={cap} is too few for the weights and recalibration",
                    fix="hold out at least 50 rows, or None for the whole calibration_fraction")
            keep = rng.choice(np.flatnonzero(held), int(cap), replace=False)
            held = np.zeros(n, dtype=bool)
            held[keep] = True
        return held

    def _calibrate(self, X_held: np.ndarray, z_held: np.ndarray, names: list[str]) -> None:
        """Ensemble weights by CRPS on held-out rows, then the PIT map of the mixture."""
        from itertools import product

        from astrolearn.photoz.metrics import crps

        if len(z_held) < 50:
            raise AstrolearnInputError(
                f"only {len(z_held)} rows held out for calibration",
                fix="train on more rows, raise calibration_fraction, or use a single model "
                "without recalibration")
        member_pdfs = {n: self.members_[n].predict_pdf(self._member_inputs(n, X_held))
                       for n in names}
        for n in names:
            self.calibration_scores_[f"crps_{n}"] = float(crps(member_pdfs[n], self.zgrid_,
                                                               z_held).mean())
        if len(names) > 1:
            steps = np.round(np.arange(0.0, 1.0001, 0.1), 2)
            best, best_score = None, np.inf
            for weights in product(steps, repeat=len(names)):
                if abs(sum(weights) - 1.0) > 1e-6:
                    continue
                mixed = sum(w * member_pdfs[n] for w, n in zip(weights, names, strict=True))
                score = float(crps(mixed, self.zgrid_, z_held).mean())
                if score < best_score:
                    best, best_score = weights, score
            self.weights_ = {n: float(w) for n, w in zip(names, best, strict=True)}
            self.calibration_scores_["crps_ensemble"] = best_score
        mixed = self._mix(member_pdfs)
        if self._use_recalibration():
            pit = pdfs_.pit_values(mixed, self.zgrid_, z_held)
            self.calibration_ = PITRecalibration().fit(pit)

    def _mix(self, member_pdfs: dict[str, np.ndarray]) -> np.ndarray:
        mixed = sum(w * member_pdfs[n] for n, w in self.weights_.items() if w > 0)
        return pdfs_.normalise_pdfs(mixed, self.zgrid_)

    # ------------------------------------------------------------------ prediction
    def _check_fitted(self) -> None:
        if not hasattr(self, "members_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("PhotoZ is not fitted yet; call fit first")

    def predict_pdf(self, X, *, file: str | Path | None = None) -> np.ndarray:
        """Redshift PDFs on ``zgrid_``, shape (n_rows, n_grid), each integrating to one."""
        self._check_fitted()
        frame = as_dataframe(X, file=file)
        if len(frame) == 0:
            return np.empty((0, self.zgrid_.size))
        design, _ = self._design(frame, file)
        member_pdfs = {n: self.members_[n].predict_pdf(self._member_inputs(n, design))
                       for n, w in self.weights_.items() if w > 0}
        mixed = self._mix(member_pdfs)
        if self.calibration_ is not None:
            mixed = self.calibration_.transform(mixed, self.zgrid_)
        return mixed

    def point_estimates(self, pdfs: np.ndarray) -> np.ndarray:
        """The configured point estimate (``point_estimate``) of each PDF."""
        return pdfs_.point_estimate(pdfs, self.zgrid_, self.point_estimate)

    def predict(self, X, *, file: str | Path | None = None) -> np.ndarray:
        """Point redshifts (``z_best`` unless ``point_estimate`` says otherwise)."""
        return self.point_estimates(self.predict_pdf(X, file=file))

    def required_columns(self) -> list[str]:
        """The catalog columns that prediction reads."""
        self._check_fitted()
        return self.features_.required_columns()

    def predict_frame(self, X, *, file: str | Path | None = None,
                      pdf: bool = True, coverage: bool = False) -> pd.DataFrame:
        """Point estimates, intervals and (optionally) the PDFs as a table.

        Columns: ``z_median``, ``z_mode``, ``z_mean``, ``z_best`` and ``z_risk`` (the
        risk-minimising redshift and its expected loss, see :func:`~astrolearn.photoz.pdf.
        pdf_best`: a risk above about 0.3 marks an unreliable estimate), ``z_lo68``,
        ``z_hi68``, ``z_lo95``, ``z_hi95``, ``z_err68`` (half width of the 68% interval), with
        ``pdf=True``
        ``pdf``: each PDF quantised to 16 bits (see :mod:`astrolearn.photoz.storage`), and
        with ``coverage=True`` ``coverage_score`` and ``outside_coverage``.

        Examples
        --------
        >>> from astrolearn.datasets import simulate_catalog
        >>> cat = simulate_catalog(2000, seed=2)
        >>> pz = PhotoZ(errors="{band}_err", model="knn").fit(cat, "redshift")
        >>> list(pz.predict_frame(cat.iloc[:3], pdf=False).columns)[:3]
        ['z_median', 'z_mode', 'z_mean']
        """
        from astrolearn.photoz.storage import quantise_pdfs

        pdfs = self.predict_pdf(X, file=file)
        quantiles = pdfs_.pdf_quantiles(pdfs, self.zgrid_, [0.025, 0.16, 0.5, 0.84, 0.975])
        z_best, z_risk = pdfs_.pdf_best(pdfs, self.zgrid_)
        out = pd.DataFrame({
            "z_median": quantiles[:, 2], "z_mode": pdfs_.pdf_mode(pdfs, self.zgrid_),
            "z_mean": pdfs_.pdf_mean(pdfs, self.zgrid_), "z_best": z_best, "z_risk": z_risk,
            "z_lo68": quantiles[:, 1], "z_hi68": quantiles[:, 3],
            "z_lo95": quantiles[:, 0], "z_hi95": quantiles[:, 4],
            "z_err68": (quantiles[:, 3] - quantiles[:, 1]) / 2}).astype(np.float32)
        if coverage:
            out = add_coverage_columns(self, out, X, file=file)
        if pdf:
            out["pdf"] = list(quantise_pdfs(pdfs))
        return out

    def output_metadata(self) -> dict[bytes, bytes]:
        """Parquet schema metadata that lets :func:`read_pdfs` rebuild the PDFs."""
        from astrolearn.photoz.storage import grid_metadata

        return grid_metadata(self.zgrid_)

    # ------------------------------------------------------------------ persistence
    def save(self, folder: str | Path, *, metrics: Mapping[str, Any] | None = None,
             extra: Mapping[str, Any] | None = None) -> Path:
        """Write the fitted estimator to a model folder (manifest + safe weights)."""
        self._check_fitted()
        params = self.get_params()
        for key in ("bands", "extra", "members"):
            params[key] = list(params[key])
        params["sky"] = list(self.sky) if self.sky else None
        manifest = {
            "task": "photoz",
            "estimator": "PhotoZ",
            "model": self.model,
            "description": f"photo-z {self.model} ({', '.join(self.members_)})",
            "params": params,
            "feature_names": self.features_.feature_names_,
            "feature_units": self.features_.feature_units(),
            "columns": {"bands": list(self.bands), "errors": self.features_.error_columns_,
                        "ebv": self.ebv},
            "features": self.features_.get_state(),
            "zgrid": {"min": float(self.zgrid_[0]), "max": float(self.zgrid_[-1]),
                      "n": int(self.zgrid_.size)},
            "members": {n: m.get_config() for n, m in self.members_.items()},
            "weights": self.weights_,
            "calibration": None if self.calibration_ is None else self.calibration_.get_state(),
            "calibration_scores": self.calibration_scores_,
            "training": {"n_rows": self.n_training_rows_,
                         "n_calibration_rows": self.n_calibration_rows_,
                         "fingerprint": self.fingerprint_,
                         "fit_seconds": self.fit_seconds_,
                         "photometry": self.features_.report_.to_dict()},
            "metrics": dict(metrics or {}),
            **dict(extra or {}),
        }

        def write(tmp: Path) -> dict[str, str]:
            files: dict[str, str] = {}
            for name, member in self.members_.items():
                files.update(member.save(tmp, name))
            files.update(save_training_reference(self, tmp))
            return files

        return write_model_folder(folder, manifest, write)

    @classmethod
    def load(cls, folder: str | Path) -> PhotoZ:
        """Read an estimator written by :meth:`save` (nothing is unpickled)."""
        manifest = read_estimator_manifest(folder, "PhotoZ", "photoz")
        return cls._from_folder(Path(folder), manifest)

    @classmethod
    def _from_folder(cls, folder: Path, manifest: dict[str, Any]) -> PhotoZ:
        params = dict(manifest["params"])
        for key in ("bands", "extra", "members"):
            params[key] = tuple(params[key])
        if params.get("sky"):
            params["sky"] = tuple(params["sky"])
        self = cls(**params)
        self.features_ = PhotometryFeatures.from_state(manifest["features"])
        grid = manifest["zgrid"]
        self.zgrid_ = pdfs_.make_grid(grid["min"], grid["max"], grid["n"])
        files = manifest["files"]
        self.members_ = {}
        for name, config in manifest["members"].items():
            member = MEMBERS[name].load(folder, files, name, config)
            if hasattr(member, "n_jobs"):
                member.n_jobs = self.n_jobs
            self.members_[name] = member
        self.weights_ = {n: float(w) for n, w in manifest["weights"].items()}
        calibration = manifest.get("calibration")
        self.calibration_ = None if calibration is None else PITRecalibration.from_state(
            calibration)
        self.calibration_scores_ = manifest.get("calibration_scores", {})
        training = manifest["training"]
        self.fingerprint_ = training["fingerprint"]
        self.n_training_rows_ = training["n_rows"]
        self.n_calibration_rows_ = training.get("n_calibration_rows", 0)
        self.fit_seconds_ = training.get("fit_seconds", {})
        load_training_reference(self, folder, files)
        self.manifest_ = manifest
        return self
