"""Tests of the glitch commands, called with argparse Namespaces (simulated strain)."""

from __future__ import annotations

from argparse import Namespace

import numpy as np
import pandas as pd
import pytest

from astrolearn.datasets.glitch_sim import simulate_glitches
from astrolearn.errors import AstrolearnInputError
from astrolearn.glitches.classifier import read_views
from astrolearn.glitches.commands import (
    evaluate_glitches_command,
    fit_glitches,
    predict_glitches,
    views_command,
)
from astrolearn.glitches.qtransform import write_strain

T0 = 1_000_000_000.0


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("glitch_cmd")
    strain, truth = simulate_glitches(3, classes=("Blip", "Whistle"), duration=12.0, seed=2)
    path = write_strain(root / "H-H1_SIM-1000000000-72.hdf5", strain.reshape(-1),
                        sample_rate=4096, t0=T0)
    times = T0 + 12.0 * np.arange(len(truth)) + truth["peak_time"].to_numpy()
    pd.DataFrame({"time": times, "id": [f"g{i}" for i in range(len(truth))],
                  "label": truth["label"]}).to_csv(root / "times.csv", index=False)
    return root, path


def _say(messages):
    return messages.append


def test_views_fit_evaluate_predict(files, capsys):
    root, strain = files
    said = []
    views_command(Namespace(strain=strain, times=root / "times.csv", out=root / "views.npz",
                            channel=None, size=32, qscan_duration=6.0), _say(said))
    data = read_views(root / "views.npz")
    assert data["views"].shape == (6, 4, 32, 32)
    assert data["ids"].tolist() == [f"g{i}" for i in range(6)]
    assert sorted(set(data["labels"])) == ["Blip", "Whistle"]
    fit_glitches(Namespace(data=root / "views.npz", out=root / "model", model="single",
                           seed=3, window=2,
                           model_param=["width=4", "dense=16", "epochs=3"]), _say(said))
    assert (root / "model" / "manifest.json").exists()
    evaluation = evaluate_glitches_command(Namespace(model=root / "model",
                                                     data=root / "views.npz",
                                                     report=root / "report.html"), _say(said))
    assert 0 <= evaluation.summary["accuracy"] <= 1
    assert (root / "report.html").stat().st_size > 1000
    assert (root / "report.html").read_text().count("<figcaption>Views of a ") == 2
    assert "confusion matrix" in capsys.readouterr().out
    predict_glitches(Namespace(model=root / "model", data=root / "views.npz", strain=None,
                               out=root / "p.parquet"), _say(said))
    from_views = pd.read_parquet(root / "p.parquet")
    assert list(from_views.columns) == ["id", "prob_Blip", "prob_Whistle", "predicted_class"]
    predict_glitches(Namespace(model=root / "model", data=None, strain=strain,
                               times=root / "times.csv", channel=None, qscan_duration=6.0,
                               out=root / "q.parquet"), _say(said))
    from_strain = pd.read_parquet(root / "q.parquet")
    np.testing.assert_allclose(from_strain["prob_Blip"], from_views["prob_Blip"], atol=1e-6)
    assert said


def test_command_errors(files, tmp_path):
    root, strain = files
    (tmp_path / "t.csv").write_text("gps\n1\n")
    with pytest.raises(AstrolearnInputError, match="time"):
        views_command(Namespace(strain=strain, times=tmp_path / "t.csv",
                                out=tmp_path / "v.npz"), print)
    with pytest.raises(AstrolearnInputError, match=r"\.npz"):
        views_command(Namespace(strain=strain, times=root / "times.csv",
                                out=tmp_path / "v.parquet"), print)
    from astrolearn.glitches.classifier import write_views

    write_views(tmp_path / "u.npz", np.ones((4, 4, 8, 8)), list("abcd"))
    with pytest.raises(AstrolearnInputError, match="no labels"):
        fit_glitches(Namespace(data=tmp_path / "u.npz", out=tmp_path / "m", model=None,
                               seed=None), print)


def test_the_astrolearn_command_runs_views_fit_and_predict(files, tmp_path):
    from astrolearn.cli import main

    root, strain = files
    views = tmp_path / "views.npz"
    assert main(["glitches", "views", str(strain), "--times", str(root / "times.csv"),
                 "--out", str(views), "--size", "32", "--qscan-duration", "6", "--quiet"]) == 0
    assert main(["fit", "glitches", "--data", str(views), "--model", "single", "--window", "1",
                 "--model-param", "width=4", "--model-param", "dense=16", "--model-param",
                 "epochs=2", "--out", str(tmp_path / "model"), "--quiet"]) == 0
    assert main(["evaluate", str(tmp_path / "model"), "--data", str(views), "--quiet"]) == 0
    assert main(["predict", str(tmp_path / "model"), "--strain", str(strain), "--times",
                 str(root / "times.csv"), "--qscan-duration", "6", "--out",
                 str(tmp_path / "p.parquet"), "--quiet"]) == 0
    assert len(pd.read_parquet(tmp_path / "p.parquet")) == 6
    assert main(["fit", "glitches", "--out", str(tmp_path / "m2"), "--quiet"]) == 2
