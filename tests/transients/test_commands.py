"""``astrolearn fit transients``, then ``evaluate`` and ``predict``; simulate and foreign bands."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from astrolearn.cli import main


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, des_pair, des_pair_test):
    folder = tmp_path_factory.mktemp("transients_cli")
    for name, (lc, meta) in {"train": des_pair, "test": des_pair_test}.items():
        lc.rename(columns={"time": "mjd", "band": "filter"}).to_parquet(folder / f"{name}.parquet")
        meta.rename(columns={"label": "target"}).to_parquet(folder / f"{name}_objects.parquet")
    code = main(["fit", "transients", "--lightcurves", str(folder / "train.parquet"),
                 "--objects", str(folder / "train_objects.parquet"), "--label", "target",
                 "--survey", "des", "--columns", "time=mjd,band=filter",
                 "--model-param", "n_estimators=30", "--out", str(folder / "model"),
                 "--quiet"])
    assert code == 0
    return folder


def _io(folder, name):
    return ["--lightcurves", str(folder / f"{name}.parquet"), "--objects",
            str(folder / f"{name}_objects.parquet"), "--columns", "time=mjd,band=filter"]


def test_fit_writes_a_transient_model_folder(workspace):
    manifest = json.loads((workspace / "model" / "manifest.json").read_text())
    assert manifest["task"] == "transients"
    assert manifest["label_column"] == "target"
    assert manifest["bands"] == ["g", "r", "i", "z"]
    assert manifest["training"]["class_counts"] == {"SNII-P": 60, "SNIa": 60}


def test_augment_redshift_column_reaches_the_fit(workspace, capsys):
    code = main(["fit", "transients", *_io(workspace, "train"), "--label", "target",
                 "--survey", "des", "--augment", "1", "--augment-wavelength-scale", "2000",
                 "--augment-redshift", "z_spectro", "--out", str(workspace / "aug"),
                 "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--augment-redshift column 'z_spectro'" in err and "train_objects.parquet" in err
    assert not (workspace / "aug").exists()


def test_redshift_bins_reach_the_fit_and_the_manifest(workspace):
    out = workspace / "rates_independent"
    code = main(["fit", "transients", *_io(workspace, "train"), "--label", "target",
                 "--survey", "des", "--model-param", "n_estimators=5", "--redshift-bins", "4",
                 "--out", str(out), "--quiet"])
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["params"]["redshift_bins"] == 4


def test_evaluate_prints_early_metrics_and_writes_report(workspace, capsys):
    report = workspace / "report.html"
    code = main(["evaluate", str(workspace / "model"), *_io(workspace, "test"),
                 "--days-list", "10,30", "--report", str(report), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "plasticc" in out.lower() and "days" in out
    html = report.read_text()
    assert "early classification" in html and html.count("<img") >= 4


def test_predict_all_and_first_days(workspace):
    out_full, out_early = workspace / "full.parquet", workspace / "early.parquet"
    assert main(["predict", str(workspace / "model"), *_io(workspace, "test"), "--out",
                 str(out_full), "--quiet"]) == 0
    assert main(["predict", str(workspace / "model"), *_io(workspace, "test"), "--days", "8",
                 "--out", str(out_early), "--quiet"]) == 0
    full, early = pd.read_parquet(out_full), pd.read_parquet(out_early)
    assert len(full) == len(early) == 120
    assert {"object_id", "prob_SNIa", "prob_SNII-P", "predicted_class", "usable",
            "flags"} <= set(full.columns)
    assert not np.allclose(full["prob_SNIa"], early["prob_SNIa"])


def test_missing_inputs_are_one_line_errors(workspace, capsys):
    assert main(["fit", "transients", "--objects", str(workspace / "train_objects.parquet"),
                 "--out", str(workspace / "m2")]) == 2
    assert "--lightcurves" in capsys.readouterr().err
    assert main(["fit", "transients", *_io(workspace, "train"), "--label", "nope",
                 "--survey", "des", "--out", str(workspace / "m3")]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["evaluate", str(workspace / "model"), *_io(workspace, "test"),
                 "--positive", "SNIbc"]) == 2
    assert "--positive" in capsys.readouterr().err


def test_ztf_magnitudes_with_limits_are_mapped_to_the_model_bands(workspace, capsys):
    """ZTF g/r magnitudes and upper limits: g, r used; i is absent, not an error."""
    lc = pd.read_parquet(workspace / "test.parquet")
    lc = lc[lc["filter"].isin(["g", "r"])].head(400)
    flux = lc["flux"].to_numpy()
    snr = flux / lc["flux_err"].to_numpy()
    detected = snr >= 5
    mag = np.where(detected, 27.5 - 2.5 * np.log10(np.clip(flux, 1e-3, None)), np.nan)
    table = pd.DataFrame({"object_id": lc["object_id"], "mjd": lc["mjd"],
                          "band": "ztf_" + lc["filter"], "mag": mag,
                          "mag_err": np.where(detected, 1.0857 / snr, np.nan),
                          "limit": 27.5 - 2.5 * np.log10(5 * lc["flux_err"].to_numpy())})
    table.to_csv(workspace / "ztf.csv", index=False)
    out = workspace / "ztf_pred.parquet"
    code = main(["predict", str(workspace / "model"), "--lightcurves",
                 str(workspace / "ztf.csv"), "--magnitudes", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "ztf_g" in err and "-> g" in err
    assert len(pd.read_parquet(out)) == table["object_id"].nunique()


def test_simulate_transients_writes_two_tables(tmp_path):
    assert main(["simulate", "transients", "--n", "5", "--out", str(tmp_path / "sim"),
                 "--quiet"]) == 0
    objects = pd.read_parquet(tmp_path / "sim" / "objects.parquet")
    lc = pd.read_parquet(tmp_path / "sim" / "lightcurves.parquet")
    assert len(objects) == 40 and "peak_time" not in objects.columns
    assert set(lc["object_id"]) == set(objects["object_id"])


def _snana_text(snid, sim_type, rows, redshift):
    lines = [f"SNID: {snid}", "FILTERS: griz", "MWEBV: 0.02 +- 0.001",
             f"HOST_GALAXY_PHOTO-Z: {redshift:.4f} +- 0.03",
             f"SIM_COMMENT:  SN Type = {sim_type} , MODEL = test", f"NOBS: {len(rows)}",
             "NVAR: 7", "VARLIST: MJD FLT FIELD FLUXCAL FLUXCALERR MAG MAGERR"]
    lines += [f"OBS: {r.time:.4f} {r.band} NULL {r.flux:.4e} {r.flux_err:.4e} 99.0 5.0"
              for r in rows.itertuples()]
    return "\n".join([*lines, "END:", ""])


def test_fit_and_predict_from_snana_files(tmp_path, des_pair):
    """SPCC-style SNANA .DAT files, one per object; labels from the SIM_COMMENT type."""
    lc, meta = des_pair
    folder = tmp_path / "dat"
    folder.mkdir()
    for row in meta.itertuples():
        kind = "Ia" if row.label == "SNIa" else "IIP"
        text = _snana_text(row.object_id, kind, lc[lc["object_id"] == row.object_id],
                           row.redshift)
        (folder / f"DES_SN{row.object_id:06d}.DAT").write_text(text)
    assert main(["fit", "transients", "--lightcurves", str(folder), "--label", "sim_type",
                 "--survey", "des", "--model-param", "n_estimators=20", "--early-copies",
                 "0", "--out", str(tmp_path / "model"), "--quiet"]) == 0
    assert main(["predict", str(tmp_path / "model"), "--lightcurves",
                 str(folder / "DES_SN*.DAT"), "--out", str(tmp_path / "p.csv"),
                 "--quiet"]) == 0
    out = pd.read_csv(tmp_path / "p.csv")
    assert len(out) == len(meta) and {"prob_Ia", "prob_IIP"} <= set(out.columns)


def test_fit_with_cross_validation_stores_its_metrics(workspace, capsys):
    out = workspace / "model_cv"
    assert main(["fit", "transients", *_io(workspace, "train"), "--label", "target",
                 "--survey", "des", "--model-param", "n_estimators=10", "--early-copies", "0",
                 "--cv", "2", "--out", str(out), "--quiet"]) == 0
    assert "cross-validation (2-fold" in capsys.readouterr().out
    cv = json.loads((out / "manifest.json").read_text())["metrics"]["cross_validation"]
    assert cv["folds"] == 2 and 0.0 <= cv["accuracy"] <= 1.0


def test_warnings_are_one_line_on_the_command_line(workspace, capsys):
    lc = pd.read_parquet(workspace / "test.parquet")
    lc.loc[lc.index[:3], "flux_err"] = 0.0  # dropped by cleaning, with a warning
    lc.to_parquet(workspace / "bad.parquet")
    assert main(["predict", str(workspace / "model"), "--lightcurves",
                 str(workspace / "bad.parquet"), "--columns", "time=mjd,band=filter",
                 "--out", str(workspace / "bad_pred.parquet"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "astrolearn predict: warning:" in err and "flux_err" in err
    assert "clean_lightcurves(" not in err
