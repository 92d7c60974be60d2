"""Data-leak checks: a constructed case that must trigger each check, one that must not,
``astrolearn explore leaks`` end to end, and the SDSS redshift leak."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.explore.leakage import LeakReport, check_leaks, leaks_command
from astrolearn.report import Report
from astrolearn.validation import SkyGroupKFold

BANDS = ["u", "g", "r", "i", "z"]
PHOTOMETRY = BANDS + [f"{b}_err" for b in BANDS]


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny fits run fastest, and steadiest on a busy machine, on one BLAS/OpenMP thread."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def split(catalog):
    """A random 3:1 split of the simulated catalog (conftest: 4,000 rows, seed 0)."""
    rows = np.random.default_rng(0).permutation(len(catalog))
    train = catalog.iloc[rows[:3000]].reset_index(drop=True)
    test = catalog.iloc[rows[3000:]].reset_index(drop=True)
    return train, test


# ---------------------------------------------------------------------- duplicates
def test_clean_split_passes_the_duplicate_and_id_checks(split):
    train, test = split
    report = check_leaks(train, test, features=PHOTOMETRY, id_column="object_id")
    for name in ("exact duplicates", "near duplicates", "shared ids"):
        assert report.check(name).status == "PASS", report.check(name).message
    assert report.passed and report.warnings() == []
    assert report.check("shared groups").status == "SKIP"
    assert report.check("shared sky cells").status == "SKIP"
    assert report.check("target leakage").status == "SKIP"
    assert not report.check("target leakage").passed  # skipped is not passed


def test_exact_duplicates_in_the_test_set_fail_with_the_count(split):
    train, test = split
    leaked = pd.concat([test, train.iloc[[5, 50, 500, 5, 7, 8, 9]]], ignore_index=True)
    check = check_leaks(train, leaked, features=PHOTOMETRY).check("exact duplicates")
    assert check.status == "FAIL"
    assert check.message.startswith("7 of 1007 test rows (0.70%) are exact copies")
    assert check.details["test_row"].tolist() == list(range(1000, 1007))
    assert check.details["train_row"].tolist() == [5, 50, 500, 5, 7, 8, 9]


def test_exact_duplicates_within_the_training_set(split):
    train, _ = split
    doubled = pd.concat([train, train.iloc[[3, 4, 4]]], ignore_index=True)
    report = check_leaks(doubled, features=PHOTOMETRY)
    check = report.check("exact duplicates")
    assert check.status == "FAIL" and check.message.startswith("3 of 3,003 (0.1")
    assert check.details["copy_of_row"].tolist() == [3, 4, 4]
    assert report.check("near duplicates").status == "PASS"  # copies are not near ones
    assert check_leaks(train, features=PHOTOMETRY).check("exact duplicates").passed


def test_near_duplicates_fail_and_exact_copies_are_not_counted_twice(split):
    train, test = split
    rng = np.random.default_rng(1)
    copies = train.iloc[:12].copy()
    copies[BANDS] += rng.normal(0, 1e-6, (12, 5))
    leaked = pd.concat([test, copies, train.iloc[[20, 21]]], ignore_index=True)
    report = check_leaks(train, leaked, features=PHOTOMETRY)
    near = report.check("near duplicates")
    assert near.status == "FAIL" and near.message.startswith("12 of 1,014 (1.2%) test rows")
    assert sorted(near.details["train_row"]) == list(range(12))
    assert near.details["distance"].max() < 1e-4
    assert report.check("exact duplicates").message.startswith("2 of 1014 test rows")
    assert "closest" in check_leaks(train, test, features=PHOTOMETRY).check(
        "near duplicates").message


def test_rows_with_missing_features_are_left_out_of_the_near_check(split):
    train, test = split
    test = test.copy()
    test.loc[:9, "u"] = np.nan
    check = check_leaks(train, test, features=PHOTOMETRY).check("near duplicates")
    assert check.passed and "10 test and 0 training rows with a missing feature" in \
        check.message


# ---------------------------------------------------------------------- groups and sky
def test_shared_ids_and_groups_fail(split):
    train, test = split
    train = train.assign(star_id=np.arange(len(train)) // 3)
    test = test.assign(star_id=10_000 + np.arange(len(test)))
    test.loc[:4, "object_id"] = train["object_id"].iloc[:5].to_numpy()
    test.loc[10:13, "star_id"] = [0, 0, 1, 2]
    report = check_leaks(train, test, features=PHOTOMETRY, id_column="object_id",
                         group_columns=["star_id"])
    ids = report.check("shared ids")
    assert ids.status == "FAIL"
    assert ids.message.startswith("5 of 1,000 (0.5%) test rows share their object_id")
    groups = report.check("shared groups (star_id)")
    assert groups.status == "FAIL" and "4 of 1,000" in groups.message
    assert groups.details.set_index("star_id").loc[0, "n_test"] == 2
    assert groups.details.set_index("star_id").loc[0, "n_train"] == 3
    assert not report.passed and len(report.warnings()) == 2
    assert report.warnings()[0].startswith("data leak? shared ids: 5 of 1,000")


def test_sky_cells_fail_for_a_random_split_and_pass_for_sky_folds(catalog, split):
    train, test = split
    check = check_leaks(train, test, features=PHOTOMETRY, ra="ra", dec="dec").check(
        "shared sky cells")
    assert check.status == "FAIL" and "SkyGroupKFold" in check.message
    assert "calibration" in check.message
    n_shared = int(check.message.split(" of ")[0].replace(",", ""))
    assert n_shared > 0.9 * len(test)
    train_rows, test_rows = next(SkyGroupKFold(4).split(catalog, catalog["class"]))
    report = check_leaks(catalog.iloc[train_rows], catalog.iloc[test_rows],
                         features=PHOTOMETRY, ra="ra", dec="dec")
    assert report.check("shared sky cells").status == "PASS"


# ---------------------------------------------------------------------- target leakage
def test_redshift_is_a_target_leak_and_magnitudes_are_not(split):
    train, _ = split
    check = check_leaks(train, label="class").check("target leakage")
    assert check.status == "FAIL"
    assert check.message.startswith("redshift alone predicts class with ROC AUC 0.9")
    scores = check.details.set_index("column")
    assert scores.index[0] == "redshift" and scores.loc["redshift", "leak"]
    assert scores.loc[PHOTOMETRY, "roc_auc"].max() < 0.8
    assert not scores.drop("redshift")["leak"].any()
    assert "balanced_accuracy" in scores.columns
    magnitudes = check_leaks(train, label="class", features=PHOTOMETRY).check("target leakage")
    assert magnitudes.status == "PASS" and "ROC AUC >= 0.95" in magnitudes.message


def test_numeric_label_uses_r2():
    rng = np.random.default_rng(0)
    x = rng.normal(size=3000)
    frame = pd.DataFrame({"x": x, "noise": rng.normal(size=3000),
                          "y": 2 * x + rng.normal(0, 1.0, 3000)})
    frame["y_copy"] = frame["y"] + rng.normal(0, 1e-3, 3000)
    check = check_leaks(frame, label="y").check("target leakage")
    assert list(check.details.columns) == ["column", "r2", "leak"]
    scores = check.details.set_index("column")["r2"]
    assert scores["y_copy"] > 0.99 and 0.6 < scores["x"] < 0.9 and scores["noise"] < 0.05
    assert check.status == "FAIL" and check.message.startswith("y_copy alone predicts y with R²")
    assert "x alone" not in check.message


def test_position_and_id_leaks_are_explained():
    rng = np.random.default_rng(0)
    n = 900
    label = np.repeat(["A", "B", "C"], n // 3)
    frame = pd.DataFrame({"object_id": np.arange(n), "ra": rng.uniform(0, 360, n),
                          "dec": rng.uniform(-30, 30, n), "g": rng.normal(20, 1, n),
                          "cls": label})
    frame.loc[frame.cls == "A", "ra"] = rng.uniform(0, 10, n // 3)  # a targeted field
    check = check_leaks(frame, label="cls", id_column="object_id", ra="ra",
                        dec="dec").check("target leakage")
    leaking = set(check.details.loc[check.details["leak"], "column"])
    assert leaking == {"object_id"}  # ra only finds class A: macro AUC < 0.95
    assert "never use ids as features" in check.message
    frame["cls"] = np.where(frame.cls == "A", "A", "other")
    check = check_leaks(frame, label="cls", ra="ra", dec="dec").check("target leakage")
    assert "ra" in set(check.details.loc[check.details["leak"], "column"])
    assert "footprint" in check.message


def test_target_check_skips_what_cannot_run():
    frame = pd.DataFrame({"g": np.arange(10.0), "cls": ["A"] * 8 + ["B"] * 2})
    check = check_leaks(frame, label="cls").check("target leakage")
    assert check.status == "SKIP" and "only one class (A)" in check.message


# ---------------------------------------------------------------------- outputs, errors
def test_report_outputs(split):
    train, test = split
    leaked = pd.concat([test, train.iloc[:3]], ignore_index=True)
    report = check_leaks(train, leaked, label="class", id_column="object_id", ra="ra",
                         dec="dec")
    assert isinstance(report, LeakReport)
    lines = report.text().splitlines()
    assert len(lines) == len(report.checks) == 6
    assert all(line.split()[0] in {"PASS", "FAIL", "SKIP"} for line in lines)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["passed"] is False and data["n_test"] == 1003
    assert {c["status"] for c in data["checks"]} == {"PASS", "FAIL", "SKIP"}
    page = report.add_to(Report("t")).to_html()
    assert "Data-leak checks" in page and "Each column alone" in page
    assert "exact duplicates: details" in page


def test_bad_input_is_explained(split):
    train, test = split
    with pytest.raises(AstrolearnInputError, match="both RA and Dec"):
        check_leaks(train, test, ra="ra")
    with pytest.raises(AstrolearnInputError, match="non-numeric"):
        check_leaks(train, test, features=["u", "class"])
    with pytest.raises(AstrolearnInputError, match="column not found"):
        check_leaks(train, test, features=["u", "w"])
    with pytest.raises(AstrolearnInputError, match="column not found"):
        check_leaks(train, label="klass", features=BANDS)


# ---------------------------------------------------------------------- command line
def test_leaks_command_end_to_end(split, tmp_path, capsys):
    from astrolearn.cli import main

    train, test = split
    leaked = pd.concat([test, train.iloc[:4]], ignore_index=True)
    train.to_parquet(tmp_path / "train.parquet")
    leaked.to_parquet(tmp_path / "test.parquet")
    report = tmp_path / "leaks.html"
    code = main(["explore", "leaks", "--data", str(tmp_path / "train.parquet"),
                 "--test", str(tmp_path / "test.parquet"), "--label", "class",
                 "--id", "object_id", "--ra", "ra", "--dec", "dec", "--bands", "u,g,r,i,z",
                 "--report", str(report), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0  # failed checks are findings, not errors
    assert "FAIL exact duplicates: 4 of 1004 test rows" in out
    assert "training rows in u, g, r, i, z, u_err" in out  # --bands: magnitudes and errors
    assert "FAIL shared ids: 4 of 1,004" in out
    assert "FAIL target leakage: redshift alone" in out
    assert "single-column scores" in out and "4 failed, 1 passed, 1 skipped" in out
    html = report.read_text()
    assert "Data-leak checks" in html and "test.parquet" in html
    code = main(["explore", "leaks", "--data", str(tmp_path / "train.parquet"),
                 "--test", str(tmp_path / "test.parquet"), "--group", "star_id", "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert "train.parquet, column 'star_id': column not found" in err


def test_leaks_command_returns_the_report(split, tmp_path):
    import argparse

    train, _ = split
    train.to_parquet(tmp_path / "train.parquet")
    args = argparse.Namespace(data=tmp_path / "train.parquet", test=None, label="class",
                              features="u,g,r,i,z,redshift", report=None, quiet=True)
    result = leaks_command(args, lambda _t: None)
    assert isinstance(result, LeakReport) and result.n_test is None
    assert result.features == ["u", "g", "r", "i", "z", "redshift"]
    assert result.check("target leakage").details["column"].iloc[0] == "redshift"
    with pytest.raises(AstrolearnInputError, match="overwrite the input"):
        leaks_command(argparse.Namespace(data=tmp_path / "train.parquet",
                                         report=tmp_path / "train.parquet"), lambda _t: None)


# ---------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_sdss_redshift_is_a_target_leak(real_data_path):
    frame = pd.read_parquet(real_data_path("sdss", "sdss_dr17_100k.parquet"))
    report = check_leaks(frame, label="class", features=[*BANDS, "redshift"])
    check = report.check("target leakage")
    assert check.status == "FAIL" and check.message.startswith("redshift alone predicts class")
    scores = check.details.set_index("column")
    assert scores.loc["redshift", "roc_auc"] > 0.96
    assert scores.loc["redshift", "balanced_accuracy"] < 0.95  # why ROC AUC is the score
    assert not scores.loc[BANDS, "leak"].any() and scores.loc[BANDS, "roc_auc"].max() < 0.8
    # one object was observed twice (two MJDs): same photometry, redshifts 3e-5 apart
    near = report.check("near duplicates")
    assert near.status == "FAIL" and len(near.details) == 1
