"""The astrolearn command: simulate, fit, evaluate, predict, demo; clear errors, exit codes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from astrolearn.cli import main


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    assert main(["simulate", "sources", "--n", "3000", "--seed", "4",
                 "--out", str(folder / "cat.parquet"), "--quiet"]) == 0
    frame = pd.read_parquet(folder / "cat.parquet")
    frame.iloc[:2400].to_parquet(folder / "train.parquet")
    frame.iloc[2400:].to_parquet(folder / "test.parquet")
    (folder / "cfg.toml").write_text(
        '[columns]\nbands = ["u", "g", "r", "i", "z"]\nerrors = "{band}_err"\n'
        'label = "class"\nid = "object_id"\nra = "ra"\ndec = "dec"\nebv = "ebv"\n'
        '[model]\nname = "lightgbm"\n[model.params]\nn_estimators = 40\n')
    code = main(["fit", "sources", "--data", str(folder / "train.parquet"), "--out",
                 str(folder / "model"), "--config", str(folder / "cfg.toml"), "--quiet"])
    assert code == 0
    return folder


def test_fit_writes_a_model_folder_with_config_settings(workspace):
    manifest = json.loads((workspace / "model" / "manifest.json").read_text())
    assert manifest["params"]["model_params"] == {"n_estimators": 40}
    assert manifest["columns"]["errors"] == ["u_err", "g_err", "r_err", "i_err", "z_err"]
    assert manifest["columns"]["ebv"] == "ebv"
    assert manifest["id_column"] == "object_id" and manifest["label_column"] == "class"


def test_evaluate_prints_metrics_and_writes_report(workspace, capsys):
    report = workspace / "report.html"
    assert main(["evaluate", str(workspace / "model"), "--data", str(workspace / "test.parquet"),
                 "--report", str(report), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "accuracy=" in out and "macro_f1=" in out and "completeness" in out
    assert "purity / completeness in r bins" in out
    assert "no test row repeats a training row" in out
    html = report.read_text()
    assert "data:image/png;base64" in html and "Confusion matrix" in html


def test_evaluate_flags_training_rows_in_the_test_set(workspace, capsys):
    assert main(["evaluate", str(workspace / "model"), "--data",
                 str(workspace / "train.parquet"), "--quiet"]) == 0
    assert "2400 of 2400 test rows" in capsys.readouterr().out


def test_predict_writes_ids_probabilities_and_class_names(workspace):
    out = workspace / "pred.parquet"
    assert main(["predict", str(workspace / "model"), "--data", str(workspace / "test.parquet"),
                 "--out", str(out), "--chunk-rows", "250", "--quiet"]) == 0
    pred = pd.read_parquet(out)
    test = pd.read_parquet(workspace / "test.parquet")
    assert pred["object_id"].tolist() == test["object_id"].tolist()
    assert set(pred["predicted_class"]) <= {"GALAXY", "QSO", "STAR"}
    assert list(pred.columns) == ["object_id", "prob_GALAXY", "prob_QSO", "prob_STAR",
                                  "predicted_class"]


def test_fit_with_options_and_cross_validation(workspace, capsys):
    code = main(["fit", "sources", "--data", str(workspace / "train.parquet"), "--out",
                 str(workspace / "model_cv"), "--bands", "g,r,i,z", "--errors", "none",
                 "--model", "knn", "--ra", "ra", "--dec", "dec", "--cv", "3", "--extra", "ebv",
                 "--sky-features", "--quiet"])
    assert code == 0
    assert "cross-validation (3-fold, sky)" in capsys.readouterr().out
    manifest = json.loads((workspace / "model_cv" / "manifest.json").read_text())
    assert manifest["metrics"]["cross_validation"]["split"] == "sky"
    assert manifest["feature_names"][:4] == ["g", "r", "i", "z"]
    assert {"ebv", "gal_l", "gal_b"} <= set(manifest["feature_names"])


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["fit", "sources", "--data", "{w}/train.parquet", "--out", "{w}/m2", "--label", "kind"],
         "column 'kind'"),
        (["fit", "sources", "--data", "{w}/train.parquet", "--out", "{w}/m2", "--bands",
          "u,g,y"], "column 'y'"),
        (["fit", "sources", "--data", "{w}/nothing.parquet", "--out", "{w}/m2"], "no such file"),
        (["predict", "{w}/model", "--data", "{w}/test.parquet", "--out", "{w}/test.parquet"],
         "overwrite the input"),
        (["evaluate", "{w}/cfg.toml", "--data", "{w}/test.parquet"], "not a model folder"),
        (["fit", "sources", "--data", "{w}/train.parquet", "--out", "{w}/m2", "--config",
          "{w}/train.parquet"], "not valid TOML"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(workspace, capsys, argv, expected):
    argv = [a.format(w=workspace) for a in argv]
    assert main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err and "Fix:" in err


def test_unknown_class_in_test_data(workspace, capsys):
    test = pd.read_parquet(workspace / "test.parquet")
    test.loc[test.index[0], "class"] = "WHITE_DWARF"
    test.to_parquet(workspace / "odd.parquet")
    assert main(["evaluate", str(workspace / "model"), "--data", str(workspace / "odd.parquet"),
                 "--quiet"]) == 2
    assert "WHITE_DWARF" in capsys.readouterr().err


def test_demo_sources_small(tmp_path, capsys):
    assert main(["demo", "sources", "--n", "4000", "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "report.html").exists()
    assert (tmp_path / "sources" / "model" / "manifest.json").exists()
    assert "accuracy=" in capsys.readouterr().out


def test_demo_transits_small(tmp_path, capsys):
    assert main(["demo", "transits", "--n", "30", "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "transits" / "model" / "manifest.json").exists()
    out = capsys.readouterr().out
    assert "average_precision" in out and "recovered fraction against SNR" in out
    assert (tmp_path / "report.html").read_text().count("<img") >= 5


def test_demo_glitches_small(tmp_path, capsys):
    assert main(["demo", "glitches", "--n", "110", "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "glitches" / "model" / "manifest.json").exists()
    predictions = pd.read_parquet(tmp_path / "glitches" / "predictions.parquet")
    assert len(predictions) == 55 and predictions["id"].is_unique
    out = capsys.readouterr().out
    assert "glitches: simulated LIGO glitches" in out and "accuracy=" in out
    # confusion, reliability, accuracy against SNR and three sets of views
    assert (tmp_path / "report.html").read_text().count("<img") >= 6


def test_demo_images_small(tmp_path, capsys):
    assert main(["demo", "images", "--n", "120", "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "images" / "model" / "manifest.json").exists()
    assert (tmp_path / "images" / "explore.html").stat().st_size > 50_000
    out = capsys.readouterr().out
    assert "simulated galaxy morphology" in out and "anomaly search in 200 cutouts" in out
    # confusion, reliability and the top cutouts
    assert (tmp_path / "report.html").read_text().count("<img") >= 3


def test_simulate_glitches_then_views_fit_predict(tmp_path, capsys):
    assert main(["simulate", "glitches", "--n", "3", "--out", str(tmp_path / "sim"),
                 "--quiet"]) == 0
    strain = tmp_path / "sim" / "H-H1_SIM-1000000000-396.hdf5"
    triggers = pd.read_csv(tmp_path / "sim" / "triggers.csv")
    assert len(triggers) == 33 and triggers["label"].nunique() == 11
    np.testing.assert_allclose(triggers["snr"], triggers["tile_snr"])
    assert main(["glitches", "views", str(strain), "--times", str(tmp_path / "sim" /
                 "triggers.csv"), "--out", str(tmp_path / "views.npz"), "--size", "16",
                 "--jobs", "2", "--quiet"]) == 0
    assert main(["fit", "glitches", "--data", str(tmp_path / "views.npz"), "--out",
                 str(tmp_path / "model"), "--model-param", "epochs=2", "--model-param",
                 "width=4", "--quiet"]) == 0
    assert main(["predict", str(tmp_path / "model"), "--strain", str(strain), "--times",
                 str(tmp_path / "sim" / "triggers.csv"), "--out",
                 str(tmp_path / "pred.parquet"), "--jobs", "2", "--quiet"]) == 0
    assert len(pd.read_parquet(tmp_path / "pred.parquet")) == 33


def test_simulate_glitches_at_optimal_snr(tmp_path):
    assert main(["simulate", "glitches", "--n", "1", "--snr-kind", "optimal", "--out",
                 str(tmp_path), "--quiet"]) == 0
    triggers = pd.read_csv(tmp_path / "triggers.csv")
    np.testing.assert_allclose(triggers["snr"], triggers["optimal_snr"])
    line = triggers.set_index("label").loc["Violin_Mode"]
    assert line["tile_snr"] < 0.5 * line["optimal_snr"]


def test_simulate_glitches_refuses_a_huge_file(tmp_path, capsys):
    assert main(["simulate", "glitches", "--n", "5000", "--out", str(tmp_path),
                 "--quiet"]) == 2
    assert "--n 1000 or less" in capsys.readouterr().err


def test_evaluate_runs_leak_checks_against_the_training_file(workspace, capsys):
    assert main(["evaluate", str(workspace / "model"), "--data", str(workspace / "test.parquet"),
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "exact duplicates" in out and "shared sky cells" in out


def test_fit_warns_about_a_target_leak(workspace, capsys):
    code = main(["fit", "sources", "--data", str(workspace / "train.parquet"), "--out",
                 str(workspace / "model_leak"), "--errors", "none", "--model", "knn",
                 "--extra", "redshift"])
    err = capsys.readouterr().err
    assert code == 0
    assert "warning:" in err and "redshift" in err


def test_predict_coverage_flags_objects_unlike_the_training_set(workspace):
    test = pd.read_parquet(workspace / "test.parquet")
    odd = test.copy()
    odd[["u", "g", "r", "i", "z"]] = odd[["u", "g", "r", "i", "z"]] + [3.0, 0.0, -3.0, 0.0, 3.0]
    odd.to_parquet(workspace / "odd.parquet")
    for name in ("test", "odd"):
        assert main(["predict", str(workspace / "model"), "--data",
                     str(workspace / f"{name}.parquet"), "--out",
                     str(workspace / f"cov_{name}.parquet"), "--coverage", "--quiet"]) == 0
    normal = pd.read_parquet(workspace / "cov_test.parquet")
    shifted = pd.read_parquet(workspace / "cov_odd.parquet")
    assert {"coverage_score", "outside_coverage"} <= set(normal.columns)
    assert normal["outside_coverage"].mean() < 0.05
    assert shifted["outside_coverage"].mean() > 0.9
