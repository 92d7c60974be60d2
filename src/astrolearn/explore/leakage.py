"""Data-leak checks before a model is fitted or scored: copies, shared objects and sky
cells, and single columns that give the label away.

:func:`check_leaks` runs each check on a training table (and, when given, a test table)
and returns a :class:`LeakReport`. A check that cannot run (no test table, no
coordinates, no label) is *skipped*, never passed. A failed check is a warning about the
data, not an error.

The checks
----------
**exact duplicates**
    Test rows whose feature values exactly repeat a training row (the one hashing rule of
    :func:`astrolearn.persist.row_hashes`, via :func:`astrolearn.validation.find_duplicates`);
    without a test table, training rows that repeat an earlier training row (in
    cross-validation the copies land in both the training and the validation folds).
**near duplicates**
    Test rows (not exact copies) whose nearest training row lies closer than
    ``near_tolerance`` in Euclidean distance after standardising every feature by the
    training median and inter-quartile range (scikit-learn ``NearestNeighbors``); without
    a test table, pairs of training rows. Rows with a missing feature are left out.
**shared ids / shared groups**
    Test rows whose ``id_column`` value, or value of a ``group_columns`` column (e.g. a
    star id of repeated observations), also occurs in training.
**shared sky cells**
    Test rows in a HEALPix cell (:func:`astrolearn.validation.sky_cells`, ``nside``) that
    also holds training rows. Neighbouring objects share photometric calibration, dust,
    depth and large-scale structure, so a random split (where almost every test row
    shares a cell) flatters a catalog model; :class:`astrolearn.validation.SkyGroupKFold`
    keeps cells whole.
**target leakage**
    Each numeric column alone (including RA/Dec and ids: position can predict the class in
    a targeted survey, and an id can when the table is sorted by class) is scored by a
    small cross-validated model on a seeded sample of at most 20,000 training rows:
    ``DecisionTreeClassifier(max_depth=4)`` with 3-fold stratified folds for a categorical
    label, ``DecisionTreeRegressor(max_depth=6)`` with 3-fold folds and R² for a numeric
    one. A column whose score reaches ``target_threshold`` (0.95) fails.

    For a categorical label the score is the macro one-vs-rest ROC AUC (the balanced
    accuracy is reported beside it). Balanced accuracy cannot serve: a spectroscopic
    redshift, the textbook leak for star/galaxy/quasar classification, separates stars
    perfectly but overlaps galaxies and quasars at z < 1, and reaches a balanced accuracy
    of only 0.93 on SDSS DR17 (0.94 on the simulated catalog), below 0.95, while its ROC
    AUC is 0.975 (0.983); single magnitudes reach ROC AUC 0.65-0.72.

    A label is categorical when it is not numeric, is boolean, or is integer-valued with
    at most 20 distinct values; otherwise numeric.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.io import as_dataframe, require_columns
from astrolearn.persist import row_hashes
from astrolearn.report import Report, format_table
from astrolearn.validation import find_duplicates, sky_cells

__all__ = ["LeakCheck", "LeakReport", "check_leaks", "leaks_command"]

#: Most rows a ``details`` table keeps (the counts in the messages are always complete).
MAX_DETAIL_ROWS = 1000
#: Integer-valued numeric labels with at most this many distinct values are categorical.
MAX_CATEGORICAL_LEVELS = 20


# ---------------------------------------------------------------------- results
@dataclass
class LeakCheck:
    """The outcome of one leak check.

    Attributes
    ----------
    name : str
        e.g. ``"exact duplicates"``.
    passed : bool
        True when the check ran and found nothing (False for a skipped check).
    message : str
        One line for people: what was found and what to do.
    details : DataFrame or None
        The rows, values or scores behind the message (at most 1000 rows).
    skipped : bool
        True when the check could not run (the message says why).
    """

    name: str
    passed: bool
    message: str
    details: pd.DataFrame | None = None
    skipped: bool = False

    @property
    def status(self) -> str:
        """``"PASS"``, ``"FAIL"`` or ``"SKIP"``."""
        return "SKIP" if self.skipped else ("PASS" if self.passed else "FAIL")

    @property
    def failed(self) -> bool:
        """True when the check ran and found a leak."""
        return not self.passed and not self.skipped

    def line(self) -> str:
        """``STATUS name: message``."""
        return f"{self.status} {self.name}: {self.message}"

    def to_dict(self, max_rows: int = 50) -> dict[str, Any]:
        """JSON-serialisable form, with the first ``max_rows`` rows of the details."""
        details = None
        if self.details is not None:
            part = self.details.head(max_rows).astype(object)
            details = [{str(k): _plain(v) for k, v in row.items()}
                       for row in part.to_dict(orient="records")]
        return {"name": self.name, "status": self.status, "passed": self.passed,
                "skipped": self.skipped, "message": self.message, "details": details}


def _plain(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


@dataclass
class LeakReport:
    """All leak checks of one training (and test) table.

    Attributes
    ----------
    checks : list of LeakCheck
    n_train : int
    n_test : int or None
    features : list of str
        Columns compared by the duplicate checks.
    """

    checks: list[LeakCheck]
    n_train: int
    n_test: int | None = None
    features: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no check failed (skipped checks do not count either way)."""
        return not any(c.failed for c in self.checks)

    def failed(self) -> list[LeakCheck]:
        """The checks that found a leak."""
        return [c for c in self.checks if c.failed]

    def check(self, name: str) -> LeakCheck:
        """The check called ``name`` (e.g. ``"target leakage"``)."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def warnings(self) -> list[str]:
        """One line per failed check, for ``fit`` and ``evaluate`` to print."""
        return [f"data leak? {c.name}: {c.message}" for c in self.failed()]

    def text(self) -> str:
        """One line per check: PASS / FAIL / SKIP, its name and its message."""
        return "\n".join(c.line() for c in self.checks)

    def summary(self) -> str:
        """``N failed, N passed, N skipped``."""
        counts = {s: sum(c.status == s for c in self.checks) for s in ("FAIL", "PASS", "SKIP")}
        rows = (f"{self.n_train:,} training rows, " + (
            f"{self.n_test:,} test rows" if self.n_test is not None else "no test table"))
        return (f"{counts['FAIL']} failed, {counts['PASS']} passed, {counts['SKIP']} skipped "
                f"({rows})")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {"passed": self.passed, "n_train": self.n_train, "n_test": self.n_test,
                "features": list(self.features), "checks": [c.to_dict() for c in self.checks]}

    def add_to(self, report: Report, title: str = "Data-leak checks") -> Report:
        """Add a section: the verdict of every check, then the details behind each."""
        report.section(title, f"{self.summary()}. Duplicate checks compared: "
                       f"{', '.join(self.features) or 'no columns'}.")
        report.table(pd.DataFrame({"status": [c.status for c in self.checks],
                                   "check": [c.name for c in self.checks],
                                   "message": [c.message for c in self.checks]}),
                     caption="Checks", max_rows=None)
        for c in self.checks:
            if c.details is not None and len(c.details) and (c.failed or
                                                              c.name == "target leakage"):
                caption = ("Each column alone: cross-validated score" if c.name ==
                           "target leakage" else f"{c.name}: details")
                report.table(c.details, caption=caption, float_format="{:.4g}", max_rows=50)
        return report


# ---------------------------------------------------------------------- helpers
def _numeric_columns(frame: pd.DataFrame, exclude: Sequence[str] = ()) -> list[str]:
    return [str(c) for c in frame.columns if c not in set(exclude)
            and pd.api.types.is_numeric_dtype(frame[c].dtype)
            and not pd.api.types.is_bool_dtype(frame[c].dtype)]


def _as_numeric(frame: pd.DataFrame, columns: Sequence[str], what: str) -> pd.DataFrame:
    """``frame[columns]`` as float64, with a clear error for a non-numeric column."""
    require_columns(frame, list(columns), option="--features")
    out = {}
    for column in columns:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values.dtype) or \
                pd.api.types.is_bool_dtype(values.dtype):
            converted = pd.to_numeric(values, errors="coerce")
            bad = converted.isna() & values.notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise AstrolearnInputError(
                    f"the {what} table holds non-numeric values (e.g. {values.iloc[row]!r} "
                    f"in row {row})", column=column,
                    fix="leave the column out of --features, or make it numeric")
            values = converted
        out[column] = values.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.DataFrame(out)


def _pct(k: int, n: int) -> str:
    if not n:
        return f"{k:,}"
    share = 100 * k / n
    return f"{k:,} of {n:,} ({share:.1f}%)" if share >= 1 else f"{k:,} of {n:,} ({share:.2g}%)"


def _skip(name: str, why: str) -> LeakCheck:
    return LeakCheck(name, False, why, None, skipped=True)


# ---------------------------------------------------------------------- the checks
def _exact(train_x, test_x, features, train_hashes) -> tuple[LeakCheck, np.ndarray]:
    """The check, and a mask of the rows (test, or training) that are exact copies."""
    name = "exact duplicates"
    if test_x is None:
        hashes = pd.Series(train_hashes)
        repeat = hashes.duplicated(keep="first").to_numpy()
        first = pd.Series(np.arange(len(hashes))).groupby(train_hashes).transform(
            "first").to_numpy()
        in_group = hashes.duplicated(keep=False).to_numpy()
        k = int(repeat.sum())
        rows = np.flatnonzero(repeat)
        details = pd.DataFrame({"row": rows, "copy_of_row": first[rows]}).head(MAX_DETAIL_ROWS)
        if not k:
            return LeakCheck(name, True, "no training row repeats another (compared "
                             f"{', '.join(features)})", details), in_group
        return LeakCheck(name, False, (
            f"{_pct(k, len(train_x))} training rows exactly repeat an earlier training row in "
            f"{', '.join(features)}: in cross-validation a copy can land in both the training "
            "and the validation fold and inflate the score; drop the duplicates"),
            details), in_group
    found = find_duplicates(train_x, test_x, list(features), train_hashes=train_hashes)
    first_train = pd.Series(np.arange(len(train_hashes))).groupby(train_hashes).first()
    test_hashes = row_hashes(test_x, list(features))
    rows = found.test_rows
    details = pd.DataFrame({"test_row": rows, "train_row": first_train.reindex(
        test_hashes[rows]).to_numpy()}).head(MAX_DETAIL_ROWS)
    mask = np.zeros(len(test_x), dtype=bool)
    mask[rows] = True
    return LeakCheck(name, found.n_duplicates == 0, found.message(), details), mask


def _standardiser(train_x: np.ndarray):
    centre = np.nanmedian(train_x, axis=0)
    q75, q25 = np.nanpercentile(train_x, [75, 25], axis=0)
    scale = q75 - q25
    std = np.nanstd(train_x, axis=0)
    scale = np.where(scale > 0, scale, np.where(std > 0, std, 1.0))
    return lambda x: (x - centre) / scale


def _near(train_x, test_x, train_exact, test_exact, tolerance) -> LeakCheck:
    from sklearn.neighbors import NearestNeighbors

    name = "near duplicates"
    a = train_x.to_numpy()
    ok_train = np.isfinite(a).all(axis=1)
    if ok_train.sum() < 1 or np.isfinite(a).sum() == 0:
        return _skip(name, "no training row has every feature measured")
    scale = _standardiser(np.where(np.isfinite(a), a, np.nan))
    left_out = int((~ok_train).sum())
    if test_x is None:
        index_rows = np.flatnonzero(ok_train & ~train_exact)
        if len(index_rows) < 2:
            return _skip(name, "fewer than two distinct complete training rows")
        z = scale(a[index_rows])
        dist, nbr = NearestNeighbors(n_neighbors=2).fit(z).kneighbors(z)
        dist, nbr = dist[:, 1], index_rows[nbr[:, 1]]
        close = dist < tolerance
        pairs = pd.DataFrame({"row": np.minimum(index_rows, nbr)[close],
                              "near_row": np.maximum(index_rows, nbr)[close],
                              "distance": dist[close]}).drop_duplicates(["row", "near_row"])
        pairs = pairs.sort_values("distance", kind="stable").reset_index(drop=True)
        k = len(pairs)
        note = f"; {left_out:,} rows with a missing feature left out" if left_out else ""
        if not k:
            return LeakCheck(name, True, (
                f"no two distinct training rows lie within {tolerance:g} of each other "
                f"(standardised; closest pair {dist.min():.3g}){note}"),
                pairs.head(MAX_DETAIL_ROWS))
        return LeakCheck(name, False, (
            f"{k:,} {'pair of training rows lies' if k == 1 else 'pairs of training rows lie'} "
            f"within {tolerance:g} of each other "
            "(standardised by the training median and IQR) without being exact copies: "
            "probably the same objects twice; keep each object in one fold (group by "
            f"object) or drop the repeats{note}"), pairs.head(MAX_DETAIL_ROWS))
    b = test_x.to_numpy()
    ok_test = np.isfinite(b).all(axis=1)
    query = np.flatnonzero(ok_test & ~test_exact)
    index_rows = np.flatnonzero(ok_train)
    if not len(query):
        return _skip(name, "no test row with every feature measured is left after the "
                     "exact copies")
    dist, nbr = NearestNeighbors(n_neighbors=1).fit(scale(a[index_rows])).kneighbors(
        scale(b[query]))
    dist, nbr = dist[:, 0], index_rows[nbr[:, 0]]
    close = dist < tolerance
    details = pd.DataFrame({"test_row": query[close], "train_row": nbr[close],
                            "distance": dist[close]}).sort_values("distance", kind="stable")
    details = details.reset_index(drop=True).head(MAX_DETAIL_ROWS)
    k = int(close.sum())
    left = int((~ok_test).sum())
    note = (f"; {left:,} test and {left_out:,} training rows with a missing feature left out"
            if left or left_out else "")
    if not k:
        return LeakCheck(name, True, (
            f"no test row lies within {tolerance:g} of a training row (standardised; "
            f"closest {dist.min():.3g}){note}"), details)
    return LeakCheck(name, False, (
        f"{_pct(k, len(b))} test rows lie within {tolerance:g} of a training row "
        "(standardised by the training median and IQR) without being exact copies: "
        "probably the same objects measured twice or copied with rounding; their scores are "
        f"not independent; remove them from the test set or split by object{note}"), details)


def _shared(name: str, column: str, train_values: pd.Series, test_values: pd.Series,
            advice: str) -> LeakCheck:
    train_values = pd.Series(np.asarray(train_values)).dropna()
    test_values = pd.Series(np.asarray(test_values))
    shared = test_values.isin(train_values.unique()).to_numpy() & test_values.notna().to_numpy()
    k = int(shared.sum())
    if not k:
        return LeakCheck(name, True, f"no {column} value occurs in both training and test")
    values = test_values[shared]
    details = pd.DataFrame({column: values.value_counts().index,
                            "n_test": values.value_counts().to_numpy()})
    details["n_train"] = train_values.value_counts().reindex(details[column]).to_numpy()
    details = details.head(MAX_DETAIL_ROWS)
    return LeakCheck(name, False, (
        f"{_pct(k, len(test_values))} test rows share their {column} value with training "
        f"({values.nunique():,} distinct values): {advice}"), details)


def _sky(train, test, ra, dec, nside) -> LeakCheck:
    name = "shared sky cells"

    def cells(frame):
        require_columns(frame, [ra, dec], option="--ra/--dec")
        r = pd.to_numeric(frame[ra], errors="coerce").to_numpy(dtype=float)
        d = pd.to_numeric(frame[dec], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(r) & np.isfinite(d) & (np.abs(d) <= 90)
        out = np.full(len(frame), -1, dtype=np.int64)
        if ok.any():
            out[ok] = sky_cells(r[ok], d[ok], nside)
        return out, int((~ok).sum())

    train_cells, bad_train = cells(train)
    test_cells, bad_test = cells(test)
    valid_test = test_cells >= 0
    if not valid_test.any() or not (train_cells >= 0).any():
        return _skip(name, f"no valid {ra}/{dec} coordinates")
    present = np.unique(train_cells[train_cells >= 0])
    shared = valid_test & np.isin(test_cells, present)
    k = int(shared.sum())
    area = 41252.96 / (12 * nside**2)
    note = (f"; {bad_train + bad_test:,} rows without valid coordinates left out"
            if bad_train + bad_test else "")
    n = int(valid_test.sum())
    if not k:
        return LeakCheck(name, True, (
            f"no HEALPix cell (nside={nside}, {area:.3g} deg²) holds both training and test "
            f"rows: the split is sky-grouped{note}"))
    counts = pd.Series(test_cells[shared]).value_counts()
    details = pd.DataFrame({"cell": counts.index.to_numpy(), "n_test": counts.to_numpy()})
    details["n_train"] = pd.Series(train_cells).value_counts().reindex(
        details["cell"]).to_numpy()
    return LeakCheck(name, False, (
        f"{_pct(k, n)} test rows lie in HEALPix cells (nside={nside}, {area:.3g} deg²) that "
        "also hold training rows: neighbouring objects share photometric calibration, dust, "
        "depth and large-scale structure, so such a split flatters the model; split by sky "
        f"cell with astrolearn.validation.SkyGroupKFold (--split sky){note}"),
        details.head(MAX_DETAIL_ROWS))


def _is_categorical(y: pd.Series) -> bool:
    if not pd.api.types.is_numeric_dtype(y.dtype) or pd.api.types.is_bool_dtype(y.dtype):
        return True
    values = y.dropna().to_numpy(dtype=float)
    return bool(np.all(values == np.round(values))
                and len(np.unique(values)) <= MAX_CATEGORICAL_LEVELS)


def _single_column(values: np.ndarray) -> np.ndarray | None:
    """One column as a finite tree input: NaN, -inf and +inf become their own end bins."""
    finite = np.isfinite(values)
    if not finite.any():
        return None
    lo, hi = values[finite].min(), values[finite].max()
    out = values.copy()
    out[np.isnan(values)] = lo - 2.0
    out[values == -np.inf] = lo - 1.0
    out[values == np.inf] = hi + 1.0
    return out.reshape(-1, 1)


def _target(train: pd.DataFrame, label: str, columns: Sequence[str], threshold: float,
            max_rows: int, random_state: int) -> LeakCheck:
    from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    name = "target leakage"
    require_columns(train, [label], option="--label")
    columns = [c for c in columns if c != label]
    if not columns:
        return _skip(name, "no numeric column besides the label")
    y = train[label]
    keep = y.notna().to_numpy()
    categorical = _is_categorical(y)
    dropped_classes: list[str] = []
    if categorical:
        y_text = y.astype(str)
        counts = y_text[keep].value_counts()
        dropped_classes = [str(c) for c in counts.index[counts < 3]]
        keep = keep & ~y_text.isin(dropped_classes).to_numpy()
    rows = np.flatnonzero(keep)
    if len(rows) > max_rows:
        rows = np.sort(np.random.default_rng(random_state).choice(rows, max_rows,
                                                                   replace=False))
    if len(rows) < 6:
        return _skip(name, f"only {len(rows)} labelled rows")
    x_all = _as_numeric(train.iloc[rows], columns, "training")
    if categorical:
        classes, codes = np.unique(y.iloc[rows].astype(str).to_numpy(), return_inverse=True)
        if len(classes) < 2:
            return _skip(name, f"only one class ({classes[0]}) in {label}")
        target = codes
        cv = StratifiedKFold(3, shuffle=True, random_state=random_state)
        model = DecisionTreeClassifier(max_depth=4, random_state=random_state)
        scoring = {"score": "roc_auc" if len(classes) == 2 else "roc_auc_ovr",
                   "balanced_accuracy": "balanced_accuracy"}
        score_name = "ROC AUC"
    else:
        target = pd.to_numeric(y.iloc[rows]).to_numpy(dtype=float)
        finite = np.isfinite(target)
        x_all, target = x_all[finite].reset_index(drop=True), target[finite]
        cv = KFold(3, shuffle=True, random_state=random_state)
        model = DecisionTreeRegressor(max_depth=6, random_state=random_state)
        scoring = {"score": "r2"}
        score_name = "R²"
    records = []
    for column in columns:
        x = _single_column(x_all[column].to_numpy())
        record = {"column": column, "score": np.nan}
        if categorical:
            record["balanced_accuracy"] = np.nan
        if x is not None:
            scores = cross_validate(model, x, target, cv=cv, scoring=scoring)
            record["score"] = float(np.mean(scores["test_score"]))
            if categorical:
                record["balanced_accuracy"] = float(np.mean(scores["test_balanced_accuracy"]))
        records.append(record)
    table = pd.DataFrame(records).rename(columns={"score": "roc_auc" if categorical else "r2"})
    key = table.columns[1]
    table = table.sort_values(key, ascending=False, kind="stable", na_position="last")
    table["leak"] = table[key] >= threshold
    table = table.reset_index(drop=True)
    sample = f"{len(target):,}-row sample" + (
        f"; classes with < 3 rows left out: {', '.join(dropped_classes)}"
        if dropped_classes else "")
    leaks = table[table["leak"]]
    if leaks.empty:
        top = table.iloc[0]
        best = (f"highest: {top['column']}, {top[key]:.3f}" if np.isfinite(top[key])
                else "no column could be scored")
        return LeakCheck(name, True, (
            f"no single column predicts {label} with {score_name} >= {threshold} "
            f"({best}; {sample})"), table)
    parts = []
    for _, row in leaks.iterrows():
        extra = (f" (balanced accuracy {row['balanced_accuracy']:.3f})" if categorical else "")
        parts.append(f"{row['column']} alone predicts {label} with {score_name} "
                     f"{row[key]:.3f}{extra}")
    message = ("; ".join(parts) + ": a column that gives the label away is usually measured "
               "with or after it (e.g. a spectroscopic redshift for a spectroscopic class); "
               "drop it from the features")
    return LeakCheck(name, False, message + f" ({sample})", table)


def _target_notes(check: LeakCheck, ra, dec, id_column, group_columns) -> LeakCheck:
    """Add what a leaking position or id column means to the message."""
    if not check.failed:
        return check
    flagged = set(check.details.loc[check.details["leak"], "column"])
    notes = []
    if flagged & {c for c in (ra, dec) if c}:
        notes.append(f"{'/'.join(sorted(flagged & {ra, dec}))}: in a targeted survey the "
                     "footprint can give the class away; keep position only with sky-grouped "
                     "validation and a test field like the training ones")
    ids = flagged & ({id_column} | set(group_columns)) - {None}
    if ids:
        notes.append(f"{', '.join(sorted(ids))}: an id that predicts the label means the "
                     "table is ordered by it; never use ids as features")
    if notes:
        check.message += ". " + ". ".join(notes)
    return check


def check_leaks(
    train,
    test=None,
    *,
    label: str | None = None,
    features: Sequence[str] | None = None,
    id_column: str | None = None,
    group_columns: Sequence[str] = (),
    ra: str | None = None,
    dec: str | None = None,
    nside: int = 16,
    near_tolerance: float = 1e-3,
    target_threshold: float = 0.95,
    random_state: int = 0,
    target_columns: Sequence[str] | None = None,
    max_target_rows: int = 20_000,
) -> LeakReport:
    """Run every data-leak check (see the module docstring) on a training (and test) table.

    Parameters
    ----------
    train : DataFrame, astropy Table or structured array
        Training catalog.
    test : same, optional
        Test catalog; without it the duplicate checks look inside ``train`` and the
        shared-id/group/sky-cell checks are skipped.
    label : str, optional
        Label (or regression target) column, for the target-leakage check.
    features : sequence of str, optional
        Columns compared by the duplicate checks (default: the numeric columns of
        ``train`` except the label, id and group columns, that ``test`` also has).
    id_column : str, optional
        Object id column.
    group_columns : sequence of str
        Columns whose values must not span training and test (e.g. a star id).
    ra, dec : str, optional
        Coordinate columns (deg) for the sky-cell check.
    nside : int, default 16
        HEALPix resolution of the sky cells (about 13 deg² each).
    near_tolerance : float, default 1e-3
        Standardised Euclidean distance below which a row is a near duplicate.
    target_threshold : float, default 0.95
        Single-column score (ROC AUC or R²) at which a column is a target leak.
    random_state : int, default 0
        Seed of the target-leakage sample and folds.
    target_columns : sequence of str, optional
        Columns scored alone for target leakage (default: ``features`` when given, else
        every numeric column of ``train`` except the label).
    max_target_rows : int, default 20000
        Rows sampled for the target-leakage check.

    Returns
    -------
    LeakReport

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> train = pd.DataFrame({"g": rng.normal(20, 1, 300), "r": rng.normal(19, 1, 300)})
    >>> test = pd.concat([train.iloc[:5], pd.DataFrame({"g": [25.0], "r": [24.0]})])
    >>> report = check_leaks(train, test)
    >>> report.check("exact duplicates").status, report.check("target leakage").status
    ('FAIL', 'SKIP')
    """
    train = as_dataframe(train)
    test = None if test is None else as_dataframe(test)
    group_columns = [group_columns] if isinstance(group_columns, str) else list(group_columns)
    if (ra is None) != (dec is None):
        raise AstrolearnInputError("give both RA and Dec columns, or neither",
                                   column=ra or dec, fix="name both with --ra and --dec")
    given = features is not None
    if not given:
        excluded = {label, id_column, *group_columns}
        features = _numeric_columns(train, excluded)
        if test is not None:
            features = [c for c in features if c in test.columns]
        if not features:
            raise AstrolearnInputError(
                "no numeric feature columns to compare" + (" that both tables have"
                                                           if test is not None else ""),
                fix="name the feature columns with --features")
    features = list(features)
    if not features:
        raise AstrolearnInputError("features is empty", fix="name at least one column")
    train_x = _as_numeric(train, features, "training")
    test_x = None if test is None else _as_numeric(test, features, "test")
    train_hashes = row_hashes(train_x, features)
    checks = []
    exact, exact_mask = _exact(train_x, test_x, features, train_hashes)
    checks.append(exact)
    if test_x is None:
        checks.append(_near(train_x, None, exact_mask, None, near_tolerance))
    else:
        checks.append(_near(train_x, test_x, np.zeros(len(train_x), bool), exact_mask,
                            near_tolerance))
    no_test = "no test table"
    if id_column is None:
        checks.append(_skip("shared ids", "no id column given (--id)"))
    elif test is None:
        checks.append(_skip("shared ids", no_test))
    else:
        require_columns(train, [id_column], option="--id")
        require_columns(test, [id_column], option="--id")
        checks.append(_shared("shared ids", id_column, train[id_column], test[id_column],
                              "the same objects are in both sets; split by object"))
    if not group_columns:
        checks.append(_skip("shared groups", "no group columns given (--group)"))
    for column in group_columns:
        name = f"shared groups ({column})"
        if test is None:
            checks.append(_skip(name, no_test))
            continue
        require_columns(train, [column], option="--group")
        require_columns(test, [column], option="--group")
        checks.append(_shared(name, column, train[column], test[column],
                              f"rows of one {column} are in both sets; split by {column} "
                              "(e.g. sklearn GroupKFold)"))
    if ra is None:
        checks.append(_skip("shared sky cells", "no coordinates given (--ra/--dec)"))
    elif test is None:
        checks.append(_skip("shared sky cells", no_test))
    else:
        checks.append(_sky(train, test, ra, dec, nside))
    if label is None:
        checks.append(_skip("target leakage", "no label given (--label)"))
    else:
        if target_columns is None:
            target_columns = features if given else _numeric_columns(train, [label])
        target = _target(train, label, list(target_columns), target_threshold,
                         max_target_rows, random_state)
        checks.append(_target_notes(target, ra, dec, id_column, group_columns))
    return LeakReport(checks=checks, n_train=len(train),
                      n_test=None if test is None else len(test), features=features)


# ---------------------------------------------------------------------- command line
#: Attributes of ``args`` that :func:`leaks_command` reads (absent ones count as None).
_LEAKS_OPTIONS = ("data", "test", "hdf5_key", "label", "id_column", "group", "ra", "dec",
                  "features", "bands", "errors", "report", "seed")


def _split(text) -> list[str] | None:
    if text is None:
        return None
    if isinstance(text, list | tuple):
        return list(text)
    return [part.strip() for part in str(text).split(",") if part.strip()]


def leaks_command(args, say: Callable[[str], None]) -> LeakReport:
    """``astrolearn explore leaks``: run :func:`check_leaks` on catalog files and print it.

    ``args`` attributes: ``data`` (training catalog), ``test`` (optional), ``hdf5_key``,
    ``label``, ``id_column``, ``group`` (comma list), ``ra``, ``dec``, ``features`` (comma
    list: compared by the duplicate checks and scored by the target check; default:
    duplicates on the magnitudes and errors of ``bands`` when given, else on every numeric
    column but the label, id and group columns, and the target check on every numeric
    column but the label), ``bands``, ``errors``, ``report`` (HTML), ``seed``, ``quiet``.

    Only bad input raises (:class:`~astrolearn.errors.AstrolearnInputError`); failed
    checks are printed and returned.
    """
    from astrolearn.catalogs.commands import read_catalog
    from astrolearn.catalogs.photometry import resolve_error_columns
    from astrolearn.io import check_not_input

    opt = {name: getattr(args, name, None) for name in _LEAKS_OPTIONS}
    inputs = [p for p in (opt["data"], opt["test"]) if p is not None]
    if opt["report"] is not None:
        check_not_input(opt["report"], *inputs)
    train = read_catalog(opt["data"], opt["hdf5_key"], say)
    test = None if opt["test"] is None else read_catalog(opt["test"], opt["hdf5_key"], say)
    label = opt["label"]
    features = _split(opt["features"])
    target_columns = features
    bands = _split(opt["bands"])
    if features is None and bands:
        errors = opt["errors"] if opt["errors"] is not None else "auto"
        if isinstance(errors, str) and errors.lower() == "none":
            errors = None
        features = bands + (resolve_error_columns(list(train.columns), bands, errors) or [])
        target_columns = _numeric_columns(train, [label] if label else [])
    groups = _split(opt["group"]) or []
    if (opt["ra"] is None) != (opt["dec"] is None):
        raise AstrolearnInputError("give both --ra and --dec, or neither",
                                   column=opt["ra"] or opt["dec"], fix="name both columns")
    named = [(features or [], "--features"), ([opt["id_column"]], "--id"),
             (groups, "--group"), ([opt["ra"], opt["dec"]], "--ra/--dec")]
    for frame, path in ((train, opt["data"]), (test, opt["test"])):
        if frame is None:
            continue
        for columns, option in named:
            require_columns(frame, [c for c in columns if c], file=path, option=option)
    if label is not None:
        require_columns(train, [label], file=opt["data"], option="--label")
    try:
        result = check_leaks(train, test, label=label, features=features,
                             id_column=opt["id_column"], group_columns=groups, ra=opt["ra"],
                             dec=opt["dec"], random_state=int(opt["seed"] or 0),
                             target_columns=target_columns)
    except AstrolearnInputError as err:
        if err.file is None and test is None:
            raise err.in_file(opt["data"]) from None
        raise
    print(result.text())
    target = next((c for c in result.checks if c.name == "target leakage"), None)
    if target is not None and target.details is not None:
        print("\nsingle-column scores (target leakage):")
        print(format_table(target.details.head(20)))
    print(f"\n{result.summary()}")
    if opt["report"] is not None:
        report = Report(f"astrolearn leak checks of {opt['data'].name}"
                        + (f" against {opt['test'].name}" if opt["test"] else ""))
        report.section("Data", f"Training table {opt['data']} ({len(train):,} rows)"
                       + (f"; test table {opt['test']} ({len(test):,} rows)"
                          if test is not None else "; no test table") + ".")
        result.add_to(report)
        report.write(opt["report"])
        print(f"report written to {opt['report']}")
    return result
