"""``astrolearn transits search``, ``simulate transits``, ``fit transits``, ``evaluate``,
``predict``: the command line end to end on simulated stars (and real FITS when present)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from astrolearn.cli import main
from astrolearn.datasets.transit_sim import simulate_transits
from astrolearn.transits.pipeline import label_simulated_signals, search_lightcurves


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """Simulated TESS stars written by the CLI, and a small model fitted on them."""
    folder = tmp_path_factory.mktemp("transits_cli")
    assert main(["simulate", "transits", "--n", "36", "--seed", "3", "--out",
                 str(folder / "sim"), "--quiet"]) == 0
    code = main(["fit", "transits", "--data", str(folder / "sim" / "signals.parquet"),
                 "--model", "lightgbm", "--model-param", "n_estimators=40",
                 "--out", str(folder / "model"), "--quiet"])
    assert code == 0
    return folder


def test_simulate_writes_labelled_signals_with_views(workspace):
    sim = workspace / "sim"
    signals = pd.read_parquet(sim / "signals.parquet")
    truth = pd.read_parquet(sim / "truth.parquet")
    assert len(truth) == 36 and 0 < len(signals) <= 36
    assert set(signals["label"]) <= {"PC", "EB", "J"} and signals["label"].nunique() == 3
    assert len(signals["global_view"].iloc[0]) == 201 and len(signals["local_view"].iloc[0]) == 61
    # a planet host's signal is labelled PC only at the planet's period
    pc = signals[signals["label"] == "PC"]
    assert np.allclose(pc["period"] / pc["true_period"], 1, atol=0.01)


def test_fit_writes_a_transit_model_folder(workspace):
    manifest = json.loads((workspace / "model" / "manifest.json").read_text())
    assert manifest["task"] == "transits" and manifest["model"] == "lightgbm"
    assert manifest["group_column"] == "object_id"
    assert manifest["view_bins"] == {"global": 201, "local": 61}
    assert "snr" in manifest["feature_names"] and "epoch" not in manifest["feature_names"]


def test_evaluate_prints_ranking_and_writes_report(workspace, capsys):
    report = workspace / "report.html"
    code = main(["evaluate", str(workspace / "model"), "--data",
                 str(workspace / "sim" / "signals.parquet"), "--report", str(report),
                 "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "average_precision" in out and "confusion matrix" in out
    html = report.read_text()
    assert "Example views" in html and html.count("<img") >= 4


def test_predict_gives_probabilities_and_triage_score(workspace):
    out = workspace / "pred.parquet"
    assert main(["predict", str(workspace / "model"), "--data",
                 str(workspace / "sim" / "signals.parquet"), "--out", str(out),
                 "--quiet"]) == 0
    pred = pd.read_parquet(out)
    signals = pd.read_parquet(workspace / "sim" / "signals.parquet")
    assert list(pred["object_id"]) == list(signals["object_id"])
    probs = pred[["prob_EB", "prob_J", "prob_PC"]].to_numpy()
    assert np.allclose(probs.sum(1), 1, atol=1e-5)
    assert np.allclose(pred["prob_astrophysical"], 1 - pred["prob_J"], atol=1e-6)
    assert {"period", "epoch", "snr", "predicted_class"} <= set(pred.columns)


def test_binary_fit_with_positive_and_grouped_cv(workspace, capsys):
    code = main(["fit", "transits", "--data", str(workspace / "sim" / "signals.parquet"),
                 "--model", "lightgbm", "--model-param", "n_estimators=20", "--positive",
                 "PC,EB", "--cv", "3", "--out", str(workspace / "triage"), "--quiet"])
    assert code == 0
    manifest = json.loads((workspace / "triage" / "manifest.json").read_text())
    assert manifest["classes"] == ["PC+EB", "other"]
    assert manifest["metrics"]["cross_validation"]["group"] == "object_id"
    assert "PC+EB" in manifest["metrics"]["cross_validation"]["ranking"]
    assert "cross-validation (3-fold, grouped by object_id)" in capsys.readouterr().out


def test_search_command_on_a_table_finds_the_planet(tmp_path):
    lc, truth = simulate_transits(2, classes=["planet"], mission="tess", snr_range=(30, 30),
                                  period_range=(2, 4), seed=5)
    lc.to_parquet(tmp_path / "lc.parquet")
    out = tmp_path / "tces.parquet"
    figures = tmp_path / "figures"
    assert main(["transits", "search", str(tmp_path / "lc.parquet"), "--out", str(out),
                 "--max-signals", "2", "--global-bins", "101", "--local-bins", "31",
                 "--figures", str(figures), "--quiet"]) == 0
    tces = pd.read_parquet(out)
    first = tces[tces["signal"] == 1].set_index("object_id")
    assert np.allclose(first["period"], truth.set_index("object_id").loc[first.index, "period"],
                       rtol=1e-3)
    assert len(tces["global_view"].iloc[0]) == 101
    assert sorted(p.name for p in figures.iterdir()) == ["SIM_000001.png", "SIM_000002.png"]


def test_search_command_errors_are_one_line(tmp_path, capsys):
    lc, _ = simulate_transits(1, classes=["planet"], mission="tess", seed=5)
    lc.to_parquet(tmp_path / "lc.parquet")
    assert main(["transits", "search", str(tmp_path / "lc.parquet"), "--out",
                 str(tmp_path / "tces.csv")]) == 2
    assert "need a Parquet file" in capsys.readouterr().err
    assert main(["transits", "search", str(tmp_path / "nothing.fits"), "--out",
                 str(tmp_path / "t.parquet")]) == 2
    assert "nothing.fits" in capsys.readouterr().err
    assert main(["transits", "search", str(tmp_path / "lc.parquet"), "--out",
                 str(tmp_path / "lc.parquet")]) == 2


def test_label_simulated_signals_marks_other_periods_as_junk():
    lc, truth = simulate_transits(3, classes=["planet", "eb"], mission="tess",
                                  snr_range=(40, 40), seed=8)
    found = search_lightcurves(lc, max_signals=1, views=False).signals
    labelled = label_simulated_signals(found, truth)
    wrong = found.assign(period=found["period"] * 1.37)
    assert set(label_simulated_signals(wrong, truth)["label"]) == {"J"}
    assert set(labelled["label"]) <= {"PC", "EB", "J"}
    assert (labelled["true_class"] == truth.set_index("object_id").loc[
        labelled["object_id"], "label"].to_numpy()).all()


@pytest.mark.realdata
def test_search_command_on_real_tess_fits(real_data_path, tmp_path):
    path = real_data_path("kepler", "fits",
                          "hlsp_tess-data-alerts_tess_phot_00025155310-s01_tess_v1_lc.fits")
    out = tmp_path / "wasp126.parquet"
    assert main(["transits", "search", str(path), "--out", str(out), "--max-signals", "1",
                 "--quiet"]) == 0
    tces = pd.read_parquet(out)
    assert tces["object_id"].iloc[0] == "TIC 25155310"
    assert abs(tces["period"].iloc[0] / 3.2888 - 1) < 1e-3  # WASP-126 b
