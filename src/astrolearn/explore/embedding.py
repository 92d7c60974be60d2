"""Two-dimensional embeddings of catalog feature space: t-SNE (openTSNE) and UMAP.

:func:`embed` standardises the features (median and interquartile range, scikit-learn's
``RobustScaler(unit_variance=True)``: a Gaussian column ends up with unit variance, and a few
wild magnitudes do not squash the others), fits the embedding and keeps the fitted model, so
that :meth:`Embedding.transform` can place *new* rows into the *existing* map (openTSNE's
``TSNEEmbedding.transform``, UMAP's ``UMAP.transform``) -- the way to see whether an
inference catalog falls where the training set is (see
:func:`astrolearn.explore.figures.plot_embedding_overlay`).

The embedding is a picture, not a measurement: distances between well-separated groups,
cluster sizes and shapes in t-SNE and UMAP maps carry little meaning. What the maps show
reliably is which objects are neighbours in feature space.

:func:`embed_command` is the ``astrolearn embed`` command: catalog in, the classic figure
pair (the same map coloured by a magnitude and by the spectroscopic class) out.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.report import Report

__all__ = [
    "DEFAULT_MAX_ROWS",
    "EMBEDDING_METHODS",
    "FIGURE_FORMATS",
    "Embedding",
    "catalog_features",
    "colour_values",
    "embed",
    "embed_command",
    "feature_matrix",
    "sample_rows",
]

#: Embedding algorithms of :func:`embed`, with their display names.
EMBEDDING_METHODS = {"tsne": "t-SNE", "umap": "UMAP"}
#: Figure formats the commands write, by extension.
FIGURE_FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}
#: Rows embedded or clustered by the commands unless told otherwise (a deterministic sample).
DEFAULT_MAX_ROWS = 20_000

_NAN_FIX = ("impute missing values first, e.g. with "
            "astrolearn.catalogs.PhotometryFeatures(bands, impute=True), or drop those rows")


# ---------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------


def feature_matrix(
    X: Any, *, file: str | Path | None = None, fix: str = _NAN_FIX, min_rows: int = 2
) -> tuple[np.ndarray, list[str]]:
    """Check a feature table and return it as a float array with its column names.

    Parameters
    ----------
    X : DataFrame, astropy Table or 2-D array-like
        Numeric features, one row per object. Array columns are named by their position
        (``"0"``, ``"1"``, ...).
    file : str or Path, optional
        The file the table came from (named in errors).
    fix : str
        Advice given when a column holds NaN or infinite values.
    min_rows : int
        Fewest rows accepted.

    Returns
    -------
    array of shape (n, k) and list of k column names

    Raises
    ------
    AstrolearnInputError
        Not two-dimensional, too few rows, no columns, a non-numeric column, or NaN/inf
        values (the error names the first such column and how many rows are affected).

    Examples
    --------
    >>> values, names = feature_matrix(pd.DataFrame({"g": [20.0, 21.0], "g-r": [0.4, 0.9]}))
    >>> values.shape, names
    ((2, 2), ['g', 'g-r'])
    """
    if _is_table(X):
        from astrolearn.io import as_dataframe

        frame = as_dataframe(X, file=file)
        names = [str(c) for c in frame.columns]
        columns = []
        for name, column in zip(names, frame.columns, strict=True):
            values = frame[column]
            if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
                raise AstrolearnInputError(
                    f"is not numeric (dtype {values.dtype})", file=file, column=name,
                    fix="use numeric feature columns only (a class column is a label, "
                    "not a feature)")
            columns.append(values.to_numpy(dtype=np.float64, na_value=np.nan))
        array = np.column_stack(columns) if columns else np.empty((len(frame), 0))
    else:
        try:
            array = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise AstrolearnInputError(
                "the features are not numeric", file=file,
                fix="pass a numeric 2-D array or a DataFrame of numeric columns") from exc
        if array.ndim != 2:
            raise AstrolearnInputError(
                f"the features must be a 2-D table (rows x columns), got shape {array.shape}",
                file=file, fix="pass a 2-D array; reshape a single feature with x[:, None]")
        names = [str(j) for j in range(array.shape[1])]
    if array.shape[1] == 0:
        raise AstrolearnInputError("no feature columns", file=file,
                                   fix="give at least one numeric feature column")
    if array.shape[0] < min_rows:
        raise AstrolearnInputError(f"{array.shape[0]} rows: too few", file=file,
                                   fix=f"give at least {min_rows} rows")
    bad = ~np.isfinite(array)
    if bad.any():
        j = int(np.flatnonzero(bad.any(axis=0))[0])
        raise AstrolearnInputError(
            f"{int(bad[:, j].sum())} of {len(array)} rows are NaN or infinite", file=file,
            column=names[j], fix=fix)
    return array, names


def _is_table(X: Any) -> bool:
    """A DataFrame, astropy Table, dict of columns or structured array (named columns)."""
    if isinstance(X, pd.DataFrame | dict):
        return True
    if isinstance(X, np.ndarray):
        return X.dtype.names is not None
    try:
        from astropy.table import Table
    except ImportError:  # pragma: no cover - astropy is a dependency
        return False
    return isinstance(X, Table)


def sample_rows(data: Any, n: int | None, random_state: int | None = 0) -> Any:
    """Return at most ``n`` rows of ``data``: all of them, or a seeded random subset in order.

    Parameters
    ----------
    data : DataFrame or array
        The catalog.
    n : int or None
        Largest number of rows to keep (``None``: keep all).
    random_state : int
        Seed; the same seed and table give the same rows. Rows keep their order (and a
        DataFrame its index).

    Examples
    --------
    >>> frame = pd.DataFrame({"r": np.arange(10.0)})
    >>> sample_rows(frame, 3, random_state=0).index.tolist()
    [5, 6, 9]
    >>> len(sample_rows(frame, 50))
    10
    """
    if n is None or len(data) <= n:
        return data
    if int(n) < 1:
        raise AstrolearnInputError(f"cannot sample {n} rows", fix="give a positive number of rows")
    keep = np.sort(np.random.default_rng(random_state).choice(len(data), int(n), replace=False))
    return data.iloc[keep] if isinstance(data, pd.DataFrame | pd.Series) else data[keep]


# ---------------------------------------------------------------------------------------
# Embedding
# ---------------------------------------------------------------------------------------


@dataclass
class Embedding:
    """A fitted 2-D (or k-D) map of feature space, able to place new rows into it.

    Attributes
    ----------
    coords : ndarray of shape (n, n_components)
        Position of every training row.
    method : str
        ``"tsne"`` or ``"umap"``.
    seconds : float
        Wall time of the fit (standardisation included).
    feature_names : list of str
        Feature columns, in order (positions ``"0"``, ``"1"``, ... for an array).
    params : dict
        Settings of the fit (perplexity or n_neighbors/min_dist, seed, ...).
    scaler : sklearn.preprocessing.RobustScaler
        The standardisation fitted on the training rows (median, IQR).
    model : openTSNE.TSNEEmbedding or umap.UMAP
        The fitted embedding.
    """

    coords: np.ndarray = field(repr=False)
    method: str
    seconds: float
    feature_names: list[str]
    params: dict[str, Any]
    scaler: Any = field(repr=False)
    model: Any = field(repr=False)

    @property
    def n_rows(self) -> int:
        """Number of training rows."""
        return len(self.coords)

    def transform(self, X_new: Any) -> np.ndarray:
        """Place new rows into this embedding, without moving the training rows.

        Parameters
        ----------
        X_new : DataFrame or 2-D array
            The same features as the training rows (a DataFrame needs the training column
            names, in any order; an array the same number of columns). Standardised with the
            *training* median and IQR. openTSNE optimises only the new points, against the
            fixed training points (its default perplexity 5 for this step); UMAP uses
            ``UMAP.transform``.

        Returns
        -------
        ndarray of shape (m, n_components)

        Examples
        --------
        >>> X = np.random.default_rng(0).normal(size=(60, 3))
        >>> emb = embed(X, perplexity=10)
        >>> emb.transform(X[:4]).shape
        (4, 2)
        """
        from astrolearn.io import require_columns

        if isinstance(X_new, pd.DataFrame) and not self._positional():
            require_columns(X_new, self.feature_names, option="the training feature columns")
            X_new = X_new[self.feature_names]
        values, _ = feature_matrix(X_new, min_rows=0)
        if values.shape[1] != len(self.feature_names):
            raise AstrolearnInputError(
                f"{values.shape[1]} feature columns given, the embedding was fitted on "
                f"{len(self.feature_names)}",
                fix=f"give the columns {', '.join(self.feature_names)}")
        if len(values) == 0:
            return np.empty((0, self.coords.shape[1]))
        scaled = self.scaler.transform(values)
        if self.method == "tsne":
            return np.array(self.model.transform(scaled), dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return np.asarray(self.model.transform(scaled), dtype=float)

    def _positional(self) -> bool:
        return self.feature_names == [str(j) for j in range(len(self.feature_names))]

    def text(self) -> str:
        """One line for the terminal: method, rows, features and time."""
        features = ", ".join(self.feature_names[:12]) + (" ..." if len(self.feature_names) > 12
                                                         else "")
        settings = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return (f"{EMBEDDING_METHODS[self.method]} of {self.n_rows:,} rows x "
                f"{len(self.feature_names)} features ({features}) in {self.seconds:.1f} s "
                f"[{settings}]")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (no coordinates)."""
        return {"method": self.method, "n_rows": self.n_rows,
                "n_components": int(self.coords.shape[1]),
                "feature_names": list(self.feature_names), "seconds": float(self.seconds),
                "params": dict(self.params), "standardisation": "median/IQR"}

    def add_to(self, report: Report, colours: dict[str, Any] | None = None,
               title: str | None = None) -> Report:
        """Add a section with the settings and the map (coloured by ``colours``) to ``report``.

        Examples
        --------
        >>> X = np.random.default_rng(0).normal(size=(40, 2))
        >>> page = embed(X, perplexity=8).add_to(Report("R"), {"x": X[:, 0]}).to_html()
        >>> "data:image/png" in page
        True
        """
        from astrolearn.explore.figures import plot_embedding_pair

        name = EMBEDDING_METHODS[self.method]
        report.section(title or f"{name} map of feature space",
                       f"{name} of {self.n_rows:,} rows. Features standardised by median and "
                       "interquartile range. Distances between separated groups and group "
                       "sizes carry little meaning in such a map; neighbours do.")
        report.metrics({"rows": self.n_rows, "features": ", ".join(self.feature_names),
                        "seconds": self.seconds, **self.params})
        axis = (f"{name} 1", f"{name} 2")
        fig = plot_embedding_pair(self.coords, colours or {"rows": np.full(self.n_rows, "all")},
                                  axis_labels=axis)
        report.figure(fig, caption=f"{name} map" + (f" coloured by {', '.join(colours)}"
                                                    if colours else ""))
        return report


def embed(
    X: Any,
    *,
    method: str = "tsne",
    n_components: int = 2,
    random_state: int | None = 0,
    perplexity: float = 30.0,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    n_jobs: int | None = None,
) -> Embedding:
    """Fit a t-SNE or UMAP map of standardised features.

    Parameters
    ----------
    X : DataFrame or 2-D array of shape (n, k)
        Numeric features without NaN (build them with
        ``PhotometryFeatures(bands, impute=True)``). Standardised inside by median and
        interquartile range (``RobustScaler(unit_variance=True)``; kept for
        :meth:`Embedding.transform`).
    method : {"tsne", "umap"}
        ``"tsne"``: ``openTSNE.TSNE`` (PCA initialisation; openTSNE's ``"auto"`` gradient
        rule: Barnes-Hut below 10,000 rows, FFT interpolation from 10,000 up, which
        is much faster there; Barnes-Hut always above 2 components). ``"umap"``:
        ``umap.UMAP``.
    n_components : int
        Dimension of the map.
    random_state : int or None
        Seed: the same seed, data and ``n_jobs`` give the same map. UMAP with a seed runs on
        one core (umap-learn's rule); ``None`` lets it use ``n_jobs`` cores.
    perplexity : float
        t-SNE: effective number of neighbours (openTSNE lowers it for tiny tables).
    n_neighbors, min_dist : int, float
        UMAP: neighbourhood size and how tightly points may pack.
    n_jobs : int or None
        Cores; ``None`` means 1 (``-1``: all).

    Returns
    -------
    Embedding

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(60, 3))
    >>> emb = embed(X, perplexity=10)
    >>> emb.coords.shape, emb.method
    ((60, 2), 'tsne')
    """
    from sklearn.preprocessing import RobustScaler

    if method not in EMBEDDING_METHODS:
        raise AstrolearnInputError(f"unknown embedding method {method!r}",
                                   fix=f"use one of {', '.join(EMBEDDING_METHODS)}")
    if not isinstance(n_components, int | np.integer) or n_components < 1:
        raise AstrolearnInputError(f"n_components must be a positive integer, got {n_components}",
                                   fix="use n_components=2 for a map")
    if perplexity <= 0 or n_neighbors < 2 or not 0.0 <= min_dist:
        raise AstrolearnInputError(
            f"bad settings: perplexity={perplexity}, n_neighbors={n_neighbors}, "
            f"min_dist={min_dist}", fix="use perplexity > 0, n_neighbors >= 2, min_dist >= 0")
    values, names = feature_matrix(X)
    if len(values) < 4:
        raise AstrolearnInputError(f"{len(values)} rows: too few for an embedding",
                                   fix="give at least 4 rows (hundreds for a useful map)")
    jobs = 1 if n_jobs is None else int(n_jobs)
    start = time.perf_counter()
    scaler = RobustScaler(unit_variance=True).fit(values)
    scaled = scaler.transform(values)
    if method == "tsne":
        from openTSNE import TSNE

        params = {"perplexity": float(perplexity), "random_state": random_state}
        model = TSNE(n_components=n_components, perplexity=perplexity,
                     negative_gradient_method="auto" if n_components <= 2 else "bh",
                     random_state=random_state, n_jobs=jobs, verbose=False).fit(scaled)
        coords = np.array(model, dtype=float)
    else:
        import umap

        params = {"n_neighbors": int(n_neighbors), "min_dist": float(min_dist),
                  "random_state": random_state}
        model = umap.UMAP(n_components=n_components, n_neighbors=n_neighbors,
                          min_dist=min_dist, random_state=random_state,
                          n_jobs=1 if random_state is not None else jobs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "n_neighbors larger than data"
            coords = np.asarray(model.fit_transform(scaled), dtype=float)
    seconds = time.perf_counter() - start
    return Embedding(coords=coords, method=method, seconds=seconds, feature_names=names,
                     params=params, scaler=scaler, model=model)


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------


def _split(text: str | Sequence[str] | None) -> list[str]:
    if text is None:
        return []
    if not isinstance(text, str):
        return [str(t) for t in text]
    return [part.strip() for part in text.split(",") if part.strip()]


def _bands(args) -> list[str]:
    return _split(getattr(args, "bands", None)) or ["u", "g", "r", "i", "z"]


def catalog_features(frame: pd.DataFrame, args: Any, *, file: str | Path | None = None,
                     say: Callable[[str], None] | None = None) -> pd.DataFrame:
    """The feature table the ``embed`` and ``cluster`` commands use.

    With ``args.features`` (comma-separated columns) those columns, as they are (they must
    be numeric and complete). Otherwise the magnitudes of ``args.bands`` (default
    ``u,g,r,i,z``), their error columns if ``args.errors`` names them (``None``/``"none"``:
    no errors; ``"auto"`` or a pattern such as ``"{band}_err"``), and the colours
    ``args.colours`` (``"adjacent"``, ``"all"``, ``"none"``), built by
    :class:`~astrolearn.catalogs.PhotometryFeatures` with ``impute=True``: a non-detection
    becomes the band's faint fill value and a missing band the median. The 0/1
    non-detection indicators are left out (binary columns split a map into islands that
    only say "had a non-detection").

    Examples
    --------
    >>> from argparse import Namespace
    >>> frame = pd.DataFrame({"g": [20.0, 21.0, 99.0], "r": [19.5, 20.0, 21.0]})
    >>> args = Namespace(features=None, bands="g,r", errors=None, colours="adjacent")
    >>> list(catalog_features(frame, args).columns)
    ['g', 'r', 'g-r']
    """
    from astrolearn.catalogs.photometry import PhotometryFeatures
    from astrolearn.io import require_columns

    explicit = _split(getattr(args, "features", None))
    if explicit:
        require_columns(frame, explicit, file=file, option="--features")
        return frame[explicit]
    bands = _bands(args)
    errors = getattr(args, "errors", None)
    if isinstance(errors, str) and errors.lower() == "none":
        errors = None
    colours = getattr(args, "colours", None) or "adjacent"
    features = PhotometryFeatures(bands, errors=errors, colours=None if colours == "none"
                                  else colours, impute=True).fit(frame, file=file)
    table = features.transform(frame, file=file)
    keep = [c for c in table.columns if not c.endswith(("_nondet", "_missing"))]
    if say is not None:
        for line in features.report_.lines():
            say(line)
        if len(keep) < table.shape[1]:
            say("the 0/1 non-detection and missing-band indicators are not used as features here")
    return table[keep]


def colour_values(frame: pd.DataFrame, column: str, bands: Sequence[str] = ()) -> Any:
    """Values of ``column`` to colour a map by; a magnitude column gets its sentinels as NaN.

    Examples
    --------
    >>> colour_values(pd.DataFrame({"r": [19.0, 99.0]}), "r", ["r"]).tolist()
    [19.0, nan]
    """
    from astrolearn.catalogs.photometry import PhotometryFeatures

    values = frame[column]
    if column in bands and pd.api.types.is_numeric_dtype(values) and \
            not pd.api.types.is_bool_dtype(values):
        return PhotometryFeatures([column]).magnitudes(frame[[column]])[:, 0]
    return values.to_numpy()


def _check_figure_path(out: str | Path, data: str | Path) -> str:
    """Check a figure path: a known extension, not the input; return the format.

    """
    from astrolearn.io import check_not_input

    check_not_input(out, data)
    fmt = FIGURE_FORMATS.get(Path(out).suffix.lower())
    if fmt is None:
        raise AstrolearnInputError(
            f"unknown figure format {Path(out).suffix or '(no extension)'!r}", file=out,
            fix=f"end --out with {', '.join(FIGURE_FORMATS)}")
    return fmt


def _save_figure(fig: Any, out: str | Path, fmt: str) -> Path:
    """Save ``fig`` to ``out`` atomically (the file appears complete or not at all)."""
    from astrolearn.io import atomic_path

    with atomic_path(out) as tmp:
        fig.savefig(tmp, format=fmt, dpi=150)
    return Path(out)


def _read_sample(args: Any, say: Callable[[str], None]) -> tuple[pd.DataFrame, int]:
    """Read ``args.data`` and keep at most ``args.n`` rows (seed ``args.seed``)."""
    from astrolearn.io import read_table

    frame = read_table(args.data, hdf5_key=getattr(args, "hdf5_key", None))
    total = len(frame)
    n = getattr(args, "n", None) or DEFAULT_MAX_ROWS
    seed = getattr(args, "seed", 0) or 0
    frame = sample_rows(frame, n, seed)
    if len(frame) < total:
        say(f"read {total:,} rows from {args.data}; using a random {len(frame):,} (seed {seed})")
    else:
        say(f"read {total:,} rows from {args.data}")
    return frame, total


def embed_command(args: Any, say: Callable[[str], None]) -> Path:
    """``astrolearn embed``: draw a t-SNE or UMAP map of a catalog, coloured by columns.

    Parameters
    ----------
    args : argparse.Namespace
        ``data`` (table file), ``hdf5_key``, ``bands``, ``errors``, ``colours``,
        ``features`` (see :func:`catalog_features`), ``color`` (comma-separated columns to
        colour by; default the middle band plus ``class`` when the table has it), ``method``
        (``tsne``/``umap``), ``n`` (largest number of rows, a seeded random sample; default
        20,000), ``seed``, ``out`` (figure: ``.png``, ``.pdf`` or ``.svg``), ``quiet``;
        optional ``n_jobs``.
    say : callable
        Progress messages.

    Returns
    -------
    Path
        The figure written.
    """
    from astrolearn.explore.figures import plot_embedding_pair
    from astrolearn.io import require_columns, table_columns

    method = getattr(args, "method", None) or "tsne"
    if method not in EMBEDDING_METHODS:
        raise AstrolearnInputError(f"unknown --method {method!r}",
                                   fix=f"use one of {', '.join(EMBEDDING_METHODS)}")
    fmt = _check_figure_path(args.out, args.data)
    bands = _bands(args)
    color = _split(getattr(args, "color", None))
    if color:  # fail before the long read when possible
        require_columns(pd.DataFrame(columns=table_columns(args.data, hdf5_key=getattr(
            args, "hdf5_key", None))), color, file=args.data, option="--color")
    frame, total = _read_sample(args, say)
    if not color:
        color = [bands[len(bands) // 2]] if bands[len(bands) // 2] in frame.columns else []
        color += ["class"] if "class" in frame.columns else []
        if not color:
            raise AstrolearnInputError("nothing to colour the map by", file=args.data,
                                       fix="name columns with --color, e.g. --color r,class")
    require_columns(frame, color, file=args.data, option="--color")
    features = catalog_features(frame, args, file=args.data, say=say)
    seed = getattr(args, "seed", 0) or 0
    values, _ = feature_matrix(features, file=args.data, fix=_command_fix(args))
    say(f"embedding {len(values):,} rows x {values.shape[1]} features "
        f"({', '.join(map(str, features.columns))}) with {EMBEDDING_METHODS[method]} ...")
    embedding = embed(features, method=method, random_state=seed,
                      n_jobs=getattr(args, "n_jobs", None))
    name = EMBEDDING_METHODS[method]
    sampled = f" (random {len(frame):,} of {total:,})" if len(frame) < total else ""
    fig = plot_embedding_pair(
        embedding.coords, {c: colour_values(frame, c, bands) for c in color},
        title=f"{name} of {len(frame):,} objects{sampled}, {values.shape[1]} features",
        axis_labels=(f"{name} 1", f"{name} 2"), random_state=seed)
    _save_figure(fig, args.out, fmt)
    print(f"{embedding.text()}; figure written to {args.out}")
    return Path(args.out)


def _command_fix(args: Any) -> str:
    if _split(getattr(args, "features", None)):
        return ("--features columns must be complete: drop the rows with missing values, or "
                "leave out --features to use the band magnitudes (missing values imputed)")
    return _NAN_FIX
