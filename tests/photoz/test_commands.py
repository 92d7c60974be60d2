"""``astrolearn fit photoz``, then ``evaluate`` and ``predict`` on a photo-z model folder."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from astrolearn.cli import main
from astrolearn.photoz.storage import read_pdfs


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    from astrolearn.datasets import simulate_catalog

    folder = tmp_path_factory.mktemp("photoz_cli")
    frame = simulate_catalog(5000, seed=7)
    frame.iloc[:4000].to_parquet(folder / "train.parquet")
    frame.iloc[4000:].to_parquet(folder / "test.parquet")
    code = main(["fit", "photoz", "--data", str(folder / "train.parquet"), "--out",
                 str(folder / "model"), "--model", "knn", "--errors", "{band}_err",
                 "--ebv", "ebv", "--id", "object_id", "--select", "class=GALAXY", "--quiet"])
    assert code == 0
    return folder


def test_fit_writes_a_photoz_model_folder(workspace):
    manifest = json.loads((workspace / "model" / "manifest.json").read_text())
    assert manifest["task"] == "photoz" and manifest["estimator"] == "PhotoZ"
    assert manifest["target_column"] == "redshift"
    assert manifest["selection"] == "class=GALAXY"
    n_galaxies = int((pd.read_parquet(workspace / "train.parquet")["class"] == "GALAXY").sum())
    assert manifest["training"]["n_rows"] == n_galaxies


def test_evaluate_prints_metrics_per_class_and_writes_report(workspace, capsys):
    report = workspace / "pz.html"
    code = main(["evaluate", str(workspace / "model"), "--data",
                 str(workspace / "test.parquet"), "--select", "class=GALAXY,QSO",
                 "--label", "class", "--report", str(report), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "sigma_nmad=" in out and "per class" in out and "QSO" in out
    html = report.read_text()
    assert "PIT histogram" in html and html.count("<img") >= 5


def test_predict_writes_pdfs_that_read_back(workspace):
    out = workspace / "photoz.parquet"
    assert main(["predict", str(workspace / "model"), "--data",
                 str(workspace / "test.parquet"), "--out", str(out), "--quiet"]) == 0
    zgrid, pdfs, table = read_pdfs(out)
    assert list(table.columns[:2]) == ["object_id", "z_median"]
    assert pdfs.shape == (1000, zgrid.size)
    np.testing.assert_allclose(np.trapezoid(pdfs, zgrid, axis=1), 1.0, atol=1e-6)
    assert np.all(table["z_lo68"] <= table["z_median"])
    assert np.all(table["z_median"] <= table["z_hi68"])


def test_predict_to_csv_has_no_pdf_column(workspace):
    out = workspace / "photoz.csv"
    assert main(["predict", str(workspace / "model"), "--data",
                 str(workspace / "test.parquet"), "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out)
    assert "pdf" not in table.columns and "z_hi95" in table.columns


def test_qp_export_needs_parquet(workspace, capsys):
    code = main(["predict", str(workspace / "model"), "--data", str(workspace / "test.parquet"),
                 "--out", str(workspace / "p.csv"), "--qp", str(workspace / "p.hdf5")])
    assert code == 2
    assert "--qp needs the PDFs" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["--model", "lightgbm"], "not a photo-z model"),
    (["--target", "nope"], "nope"),
    (["--select", "class=UNKNOWN"], "no row has class"),
])
def test_fit_photoz_errors_are_one_line(workspace, capsys, argv, message):
    code = main(["fit", "photoz", "--data", str(workspace / "train.parquet"), "--out",
                 str(workspace / "bad"), "--errors", "{band}_err", *argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_photoz_options_are_refused_for_sources(workspace, capsys):
    code = main(["fit", "sources", "--data", str(workspace / "train.parquet"), "--out",
                 str(workspace / "bad"), "--z-max", "2"])
    assert code == 2 and "photoz options" in capsys.readouterr().err


@pytest.mark.realdata
def test_dc2_knn_photoz_matches_rail_knn(real_data_path):
    """RAIL's KNN gives sigma_NMAD 0.0251 on this split; ours must be at least as good."""
    from astrolearn.photoz import PhotoZ
    from astrolearn.photoz.metrics import point_metrics

    train = pd.read_parquet(real_data_path("dc2", "test_dc2_training_9816.pq"))
    test = pd.read_parquet(real_data_path("dc2", "test_dc2_validation_9816.pq"))
    bands = tuple(f"mag_{b}_lsst" for b in "ugrizy")
    model = PhotoZ(bands, model="knn").fit(train, "redshift")
    assert model.features_.error_columns_ == [f"mag_err_{b}_lsst" for b in "ugrizy"]
    metrics = point_metrics(model.predict(test), test["redshift"])
    assert metrics["sigma_nmad"] < 0.0251
    assert metrics["outlier_frac"] < 0.0316


def test_fit_photoz_cross_validates_on_sky_folds(workspace, capsys):
    code = main(["fit", "photoz", "--data", str(workspace / "train.parquet"), "--out",
                 str(workspace / "model_cv"), "--model", "knn", "--errors", "{band}_err",
                 "--ra", "ra", "--dec", "dec", "--select", "class=GALAXY", "--cv", "3",
                 "--quiet"])
    out = capsys.readouterr().out
    assert code == 0 and "cross-validation (3-fold, sky)" in out
    manifest = json.loads((workspace / "model_cv" / "manifest.json").read_text())
    cv = manifest["metrics"]["cross_validation"]
    assert cv["folds"] == 3 and cv["split"] == "sky" and 0 < cv["sigma_nmad"] < 0.2


def test_predict_photoz_with_coverage(workspace):
    out = workspace / "photoz_cov.parquet"
    assert main(["predict", str(workspace / "model"), "--data",
                 str(workspace / "test.parquet"), "--out", str(out), "--coverage",
                 "--no-pdf", "--quiet"]) == 0
    table = pd.read_parquet(out)
    assert "pdf" not in table.columns
    assert table["coverage_score"].between(0, 1).all()
    # the model was trained on galaxies only: stars and quasars lie further from them
    test = pd.read_parquet(workspace / "test.parquet")
    galaxy = (test["class"] == "GALAXY").to_numpy()
    score = table["coverage_score"].to_numpy()
    assert abs(np.median(score[galaxy]) - 0.5) < 0.15
    assert np.median(score[~galaxy]) > np.median(score[galaxy]) + 0.1
