"""Train-vs-inference coverage: the calibrated k-NN score and adversarial validation."""

from __future__ import annotations

import json
from argparse import Namespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from astrolearn.catalogs.photometry import PhotometryFeatures
from astrolearn.errors import AstrolearnInputError
from astrolearn.explore.coverage import (
    AdversarialReport,
    CoverageScore,
    adversarial_validation,
    coverage_command,
    plot_coverage_scores,
    plot_outside_fraction,
)
from astrolearn.report import Report

BANDS = ["u", "g", "r", "i", "z"]


# ---------------------------------------------------------------------------------------
# Constructed cases
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gauss():
    """Training set, a sample like it, and one shifted by 5 sigma along the first axis."""
    rng = np.random.default_rng(0)
    train = rng.normal(size=(3000, 2))
    same = rng.normal(size=(2000, 2))
    shifted = rng.normal(size=(2000, 2)) + np.array([5.0, 0.0])
    return train, same, shifted


@pytest.fixture(scope="module")
def gauss_score(gauss):
    return CoverageScore().fit(gauss[0])


@pytest.fixture(scope="module")
def adversarial(gauss):
    train, same, shifted = gauss
    return (adversarial_validation(train, same, n_jobs=1),
            adversarial_validation(train, shifted, n_jobs=1))


@pytest.fixture(scope="module")
def faint_catalog():
    """Training on r < 19 of a simulated catalog, inference on every row."""
    from astrolearn.datasets import simulate_catalog

    catalog = simulate_catalog(6000, seed=0)
    features = PhotometryFeatures(BANDS, errors="{band}_err", colours="adjacent", impute=True)
    r = features.magnitudes(catalog)[:, BANDS.index("r")]
    train = catalog[r < 19]
    features.fit(train)
    result = adversarial_validation(features.transform(train), features.transform(catalog),
                                    magnitude=r, n_jobs=1)
    return result


def test_scores_are_uniform_for_rows_like_the_training_set(gauss, gauss_score):
    scores = gauss_score.score_samples(gauss[1])
    assert stats.kstest(scores, "uniform").pvalue > 0.01
    assert abs(scores.mean() - 0.5) < 0.05
    assert 0.0 <= gauss_score.outside(gauss[1], level=0.99).mean() <= 0.03
    assert scores.min() >= 0.0 and scores.max() <= 1.0


def test_scores_are_near_one_for_a_shifted_set(gauss, gauss_score):
    scores = gauss_score.score_samples(gauss[2])
    assert (scores > 0.99).mean() > 0.95
    assert gauss_score.outside(gauss[2]).mean() > 0.95


def test_adversarial_validation_cannot_tell_like_sets_apart(adversarial):
    same = adversarial[0]
    assert same.auc < 0.6
    assert same.outside_fraction <= 0.03
    assert same.verdict().startswith("inference set looks like the training set (AUC 0.")
    assert same.n_train == 3000 and same.n_inference == 2000
    assert same.features == ["x0", "x1"]
    # Held-out training rows scored against the other 80%: the honest reference distribution.
    assert same.train_scores.size == 600
    assert stats.kstest(same.train_scores, "uniform").pvalue > 0.01


def test_adversarial_validation_separates_a_shifted_set(adversarial):
    shifted = adversarial[1]
    assert shifted.auc > 0.95
    assert shifted.outside_fraction > 0.95
    assert next(iter(shifted.top_features)) == "x0"  # the shifted axis
    assert shifted.top_features["x0"] > 0.8
    assert shifted.verdict().startswith("inference set differs from training (AUC 1.00); 9")
    assert shifted.binned is None  # no magnitude given


def test_faint_rows_are_outside_a_bright_training_set(faint_catalog):
    binned = faint_catalog.binned
    assert list(binned.columns) == ["bin_low", "bin_high", "n", "outside_fraction",
                                    "median_score"]
    assert len(binned) == 8  # equal-count bins of the rows with a measured r
    assert binned["n"].sum() == 6000 - 28 and binned["n"].max() - binned["n"].min() <= 1
    faintest = binned.sort_values("bin_low").iloc[-1]
    assert faintest["outside_fraction"] > 0.5
    bright = binned[binned["bin_high"] <= 19.0]
    assert len(bright) >= 1
    assert (bright["outside_fraction"] < 0.05).all()
    assert faintest["outside_fraction"] > 10 * bright["outside_fraction"].max()
    assert faint_catalog.magnitude_name == "r"
    text = faint_catalog.text()
    assert "most at r > " in text.splitlines()[0]
    assert "outside coverage per r bin" in text
    assert next(iter(faint_catalog.top_features)) in ("r", "r_err", "i", "g", "z", "i_err")


def test_kth_neighbour_excludes_the_row_itself():
    rng = np.random.default_rng(3)
    for n_features in (2, 9):  # k-d tree and brute-force neighbour search
        X = rng.normal(size=(60, n_features))
        cover = CoverageScore(k=3, scale="standard").fit(X)
        assert np.all(cover.reference_distances_ > 0)
        Z = (X - X.mean(axis=0)) / X.std(axis=0)
        pair = np.sqrt(((Z[:, None, :] - Z[None, :, :]) ** 2).sum(axis=-1))
        np.fill_diagonal(pair, np.inf)
        expected = np.sort(np.sort(pair, axis=1)[:, 2])
        np.testing.assert_allclose(cover.reference_distances_, expected, rtol=1e-6)
    # A duplicated row is its twin's nearest neighbour, at distance 0.
    X = np.vstack([rng.normal(size=(30, 2)), [[0.3, 0.3], [0.3, 0.3]]])
    cover = CoverageScore(k=1).fit(X)
    assert (cover.reference_distances_ == 0).sum() == 2
    assert (cover.reference_distances_[2:] > 0).all()


def test_score_is_the_fraction_of_reference_rows_in_denser_company():
    cover = CoverageScore(k=1, scale="standard").fit(np.array([[0.0], [1.0], [3.0], [7.0]]))
    # standardised by std 2.68; leave-one-out 1st-neighbour distances 1, 1, 2, 4 (raw units)
    raw = cover.reference_distances_ * cover.scale_[0]
    np.testing.assert_allclose(raw, [1.0, 1.0, 2.0, 4.0])
    new = np.array([[0.5], [5.0], [20.0]])  # raw distances 0.5, 2, 13
    np.testing.assert_allclose(cover.distance(new) * cover.scale_[0], [0.5, 2.0, 13.0])
    np.testing.assert_allclose(cover.score_samples(new), [0.0, 0.5, 1.0])
    assert cover.outside(new, level=0.9).tolist() == [False, False, True]


def test_chunked_scoring_equals_unchunked(gauss, gauss_score):
    X = np.vstack([gauss[1][:500], gauss[2][:500]])
    whole = gauss_score.score_samples(X)
    np.testing.assert_array_equal(gauss_score.score_samples(X, chunk_rows=77), whole)
    np.testing.assert_array_equal(gauss_score.distance(X, chunk_rows=1)[:50],
                                  gauss_score.distance(X[:50]))


def test_save_load_round_trip_gives_identical_scores(tmp_path, gauss, gauss_score):
    frame = pd.DataFrame(gauss[0], columns=["g-r", "r"])
    cover = CoverageScore(k=7, scale="standard").fit(frame)
    query = pd.DataFrame(np.vstack([gauss[1][:300], gauss[2][:300]]), columns=["g-r", "r"])
    path = cover.save(tmp_path / "coverage.npz")
    again = CoverageScore.load(path)
    np.testing.assert_array_equal(again.score_samples(query), cover.score_samples(query))
    assert again.get_params() == cover.get_params()
    assert again.feature_names_in_ == ["g-r", "r"]
    json.dumps(cover.get_config())
    with np.load(path, allow_pickle=False) as data:  # nothing in it needs pickle
        assert set(data.files) == {"config", *cover.get_arrays()}
    rebuilt = CoverageScore.from_parts(cover.get_config(), cover.get_arrays())
    np.testing.assert_array_equal(rebuilt.score_samples(query[["r", "g-r"]]),
                                  cover.score_samples(query))
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(AstrolearnInputError, match=r"bad\.npz"):
        CoverageScore.load(bad)
    with pytest.raises(AstrolearnInputError, match="lacks"):
        CoverageScore.from_parts(cover.get_config(), {"center": cover.center_})


def test_nan_is_a_clear_error_naming_the_column(gauss_score):
    frame = pd.DataFrame({"u-g": [1.0, 1.2, 0.9, 1.1], "g-r": [0.5, np.nan, 0.4, 0.3]})
    with pytest.raises(AstrolearnInputError, match=r"column 'g-r'.*NaN.*impute"):
        CoverageScore(k=2).fit(frame)
    fitted = CoverageScore(k=2).fit(frame.fillna(0.4))
    with pytest.raises(AstrolearnInputError, match=r"column 'g-r'.*NaN"):
        fitted.score_samples(frame)
    with pytest.raises(AstrolearnInputError, match=r"column 'x1'.*infinite"):
        gauss_score.score_samples(np.array([[0.0, np.inf]]))
    rows = np.zeros((50, 2))
    rows[37, 0] = np.nan
    with pytest.raises(AstrolearnInputError, match=r"column 'x0'.*NaN values \(first in row 37"):
        gauss_score.score_samples(rows, chunk_rows=10)
    with pytest.raises(AstrolearnInputError, match="column 'g-r'"):
        adversarial_validation(frame.fillna(0.4), frame, cv=2, n_jobs=1)
    with pytest.raises(AstrolearnInputError, match=r"column 'g-r': the inference set holds NaN"):
        adversarial_validation(frame.fillna(0.4), frame, cv=2, n_jobs=1)


def test_bad_options_and_inputs_are_clear_errors(gauss_score):
    with pytest.raises(AstrolearnInputError, match="scale"):
        CoverageScore(scale="minmax").fit(np.zeros((20, 2)))
    with pytest.raises(AstrolearnInputError, match="more than k"):
        CoverageScore(k=10).fit(np.zeros((10, 2)))
    with pytest.raises(AstrolearnInputError, match="3 features"):
        gauss_score.score_samples(np.zeros((2, 3)))
    with pytest.raises(AstrolearnInputError, match="share no numeric column"):
        adversarial_validation(pd.DataFrame({"a": [1.0] * 10}), pd.DataFrame({"b": [1.0] * 10}))
    with pytest.raises(AstrolearnInputError, match="non-numeric"):
        CoverageScore(k=1).fit(pd.DataFrame({"class": ["STAR", "QSO", "GALAXY"]}))
    with pytest.raises(RuntimeError, match="not fitted"):
        CoverageScore().score_samples(np.zeros((1, 2)))


def test_reference_is_a_seeded_subsample_and_sklearn_conventions(gauss):
    from sklearn.base import clone

    a = CoverageScore(max_reference=500, random_state=1).fit(gauss[0])
    b = CoverageScore(max_reference=500, random_state=1).fit(gauss[0])
    assert a.reference_.shape == (500, 2) and a.n_training_rows_ == 3000
    np.testing.assert_array_equal(a.reference_, b.reference_)
    assert not np.array_equal(a.reference_,
                              CoverageScore(max_reference=500, random_state=2).fit(
                                  gauss[0]).reference_)
    # a constant feature does not break the standardisation
    X = np.column_stack([gauss[0][:, 0], np.ones(len(gauss[0]))])
    assert np.isfinite(CoverageScore().fit(X).score_samples(X[:10])).all()
    assert clone(a).get_params() == {"k": 10, "max_reference": 500, "scale": "robust",
                                     "random_state": 1}


def test_report_dict_text_and_figures(adversarial, faint_catalog):
    result = faint_catalog
    data = json.loads(json.dumps(result.to_dict()))
    assert data["auc"] == pytest.approx(result.auc)
    assert len(data["binned"]) == 8 and data["magnitude"] == "r"
    assert data["verdict"] == result.verdict()
    assert len(plot_outside_fraction(result.binned).axes) == 1
    assert len(plot_coverage_scores(result.train_scores, result.inference_scores).axes) == 1
    html = result.add_to(Report("coverage")).to_html()
    assert html.count("<img") == 2 and "Training vs inference coverage" in html
    html = adversarial[0].add_to(Report("coverage")).to_html()
    assert html.count("<img") == 1  # no magnitude: only the score histogram
    assert isinstance(adversarial[0], AdversarialReport)


def _report(auc, outside, binned=None):
    return AdversarialReport(auc, 1000, 1000, ["x0"], {"x0": 1.0}, 0.99, outside, binned,
                             None if binned is None else "r", np.zeros(1000))


def test_verdict_must_and_must_not_flag():
    assert _report(0.52, 0.012).verdict() == (
        "inference set looks like the training set (AUC 0.52)")
    assert _report(0.70, 0.02).verdict().startswith(
        "inference set differs somewhat from training (AUC 0.70); 2% of rows")
    assert _report(0.55, 0.08).verdict().startswith("inference set differs somewhat")
    # a diluted AUC (inference contains the training rows) with many rows outside
    assert _report(0.68, 0.56).verdict().startswith("inference set differs from training")
    binned = pd.DataFrame({"bin_low": [14.0, 16.0, 18.0, 20.0], "bin_high": [16, 18, 20, 22.0],
                           "n": [100, 100, 100, 100],
                           "outside_fraction": [0.6, 0.1, 0.0, 0.0],
                           "median_score": [0.99, 0.6, 0.5, 0.5]})
    assert _report(0.9, 0.175, binned).verdict().endswith(
        "18% of rows outside coverage, most at r < 16.0")
    binned["outside_fraction"] = [0.0, 0.0, 0.3, 0.9]
    assert _report(0.9, 0.3, binned).verdict().endswith("most at r > 20.0")
    binned["outside_fraction"] = 0.3  # spread evenly: no "most at"
    assert _report(0.9, 0.3, binned).verdict().endswith("30% of rows outside coverage")


def test_magnitude_column_name_and_explicit_bins(gauss):
    train = pd.DataFrame(gauss[0], columns=["colour", "mag"]) + np.array([0.0, 20.0])
    inference = pd.DataFrame(gauss[1][:400], columns=["colour", "mag"]) + np.array([0.0, 20.5])
    result = adversarial_validation(train, inference, features=["colour"], magnitude="mag",
                                    bins=[15.0, 20.0, 21.0, 25.0], cv=3, n_jobs=1)
    assert result.magnitude_name == "mag" and result.features == ["colour"]
    assert result.binned["n"].tolist() == [int((inference["mag"] < 20).sum()),
                                           int(((inference["mag"] >= 20)
                                                & (inference["mag"] < 21)).sum()),
                                           int((inference["mag"] >= 21).sum())]


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------


def _args(tmp_path, **changes):
    values = dict(train=tmp_path / "train.parquet", data=tmp_path / "inference.parquet",
                  hdf5_key=None, bands=None, errors="{band}_err", colours="adjacent",
                  features=None, magnitude=None, report=tmp_path / "coverage.html", seed=0,
                  quiet=True, n_jobs=1)
    values.update(changes)
    return Namespace(**values)


def test_coverage_command_end_to_end(tmp_path, capsys):
    from astrolearn.datasets import simulate_catalog

    catalog = simulate_catalog(1500, seed=4)
    catalog[catalog["r"].between(10, 19)].to_parquet(tmp_path / "train.parquet")
    catalog.to_parquet(tmp_path / "inference.parquet")
    messages = []
    result = coverage_command(_args(tmp_path, embed=True), messages.append)
    out = capsys.readouterr().out
    assert out.startswith("inference set differs")
    assert "outside coverage per r bin" in out and "report written to" in out
    assert any("photometric features" in m for m in messages)
    html = (tmp_path / "coverage.html").read_text()
    assert html.count("<img") == 3 and "train.parquet" in html
    assert "placed into it" in html
    faintest = result.binned.sort_values("bin_low").iloc[-1]
    assert faintest["outside_fraction"] > 0.5
    assert "r_err" in result.features and "g-r" in result.features

    # explicit feature columns, used as they are
    result = coverage_command(_args(tmp_path, features="g,r,i", report=None, magnitude="i"),
                              messages.append)
    assert result.features == ["g", "r", "i"] and result.magnitude_name == "i"

    # the report never overwrites an input
    with pytest.raises(AstrolearnInputError, match="overwrite the input"):
        coverage_command(_args(tmp_path, report=tmp_path / "inference.parquet"),
                         messages.append)


def test_coverage_command_names_the_file_with_nan(tmp_path):
    frame = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0)})
    frame.to_parquet(tmp_path / "train.parquet")
    frame.assign(b=np.where(frame["a"] == 3, np.nan, frame["b"])).to_parquet(
        tmp_path / "inference.parquet")
    with pytest.raises(AstrolearnInputError, match=r"inference.parquet, column 'b'.*impute"):
        coverage_command(_args(tmp_path, features="a,b", report=None), lambda _t: None)


# ---------------------------------------------------------------------------------------
# Real data
# ---------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_sdss_faint_rows_are_outside_a_bright_training_set(real_data_path):
    path = real_data_path("sdss", "sdss_dr17_100k.parquet")
    catalog = pd.read_parquet(path, columns=BANDS)
    features = PhotometryFeatures(BANDS, errors=None, colours="adjacent", impute=True)
    r = features.magnitudes(catalog)[:, BANDS.index("r")]
    bright = np.random.default_rng(0).permutation(np.flatnonzero(r < 19))
    held, kept = bright[: bright.size // 5], bright[bright.size // 5:]
    features.fit(catalog.iloc[kept])
    cover = CoverageScore().fit(features.transform(catalog.iloc[kept]))
    outside = cover.outside(features.transform(catalog), level=0.99)
    # Measured (seed 0): 0.9% of held-out r < 19 rows and 100% of r > 21 rows are outside;
    # by r bin: <17 1.3%, 17-18 0.6%, 18-19 1.0%, 19-20 12%, 20-21 99.5%, 21-22 100%.
    assert outside[held].mean() < 0.03
    assert outside[r > 21].mean() > 0.9
    assert outside[(r > 19) & (r < 20)].mean() < outside[(r > 20) & (r < 21)].mean()
