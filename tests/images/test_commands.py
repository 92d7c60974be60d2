"""End-to-end tests of the image commands: simulate, fit, evaluate, predict images."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astrolearn.cli import main


@pytest.fixture(scope="module")
def morphology(tmp_path_factory):
    folder = tmp_path_factory.mktemp("morph")
    assert main(["simulate", "images", "--morphology", "--n", "48", "--seed", "2",
                 "--out", str(folder), "--quiet"]) == 0
    return folder


def test_simulate_writes_cutouts_and_truth(morphology):
    from astrolearn.images.io import read_images

    images = read_images(morphology / "cutouts.npz")
    truth = pd.read_parquet(morphology / "truth.parquet")
    assert images.images.shape == (48, 1, 64, 64) and not images.stretched
    assert images.ids.tolist() == truth["id"].tolist()
    assert images.labels.tolist() == truth["label"].tolist()


def test_fit_evaluate_predict(morphology, tmp_path, capsys):
    model = tmp_path / "model"
    labels = pd.read_parquet(morphology / "truth.parquet")[["id", "label"]]
    labels.assign(field=np.arange(len(labels)) % 4).to_csv(tmp_path / "labels.csv", index=False)
    assert main(["fit", "images", "--images", str(morphology / "cutouts.npz"),
                 "--labels", str(tmp_path / "labels.csv"), "--group", "field",
                 "--model-param", "epochs=2", "--model-param", "width=4",
                 "--model-param", "num_threads=1", "--no-flips", "--decision-holdout",
                 "0.25", "--out", str(model), "--quiet"]) == 0
    from astrolearn.images.classifier import ImageClassifier

    clf = ImageClassifier.load(model)
    assert clf.width == 4 and clf.flips is False and len(clf.classes_) == 6
    assert clf.decision_holdout == 0.25 and clf.decision_scores_["n_images"] == 12
    report = tmp_path / "report.html"
    assert main(["evaluate", str(model), "--images", str(morphology / "cutouts.npz"),
                 "--report", str(report), "--quiet"]) == 0
    assert "macro" in capsys.readouterr().out.lower()
    assert report.stat().st_size > 10_000
    out = tmp_path / "pred.parquet"
    assert main(["predict", str(model), "--images", str(morphology / "cutouts.npz"),
                 "--out", str(out), "--quiet"]) == 0
    pred = pd.read_parquet(out)
    assert len(pred) == 48 and {"id", "predicted_class", "max_probability"} <= set(pred)
    np.testing.assert_allclose(pred.filter(like="prob_").sum(axis=1), 1.0, atol=1e-5)


def test_errors_are_one_line(morphology, tmp_path, capsys):
    assert main(["fit", "images", "--out", str(tmp_path / "m")]) == 2
    assert "--images" in capsys.readouterr().err
    assert main(["fit", "images", "--images", str(morphology / "cutouts.npz"), "--group", "x",
                 "--out", str(tmp_path / "m")]) == 2
    assert "--group needs --labels" in capsys.readouterr().err
    assert main(["fit", "images", "--images", str(morphology / "cutouts.npz"),
                 "--mirror-pairs", "spiral_cw", "--out", str(tmp_path / "m")]) == 2
    assert "--mirror-pairs 'spiral_cw' is not a list of A:B pairs" in capsys.readouterr().err


def test_mirror_pairs_are_read_as_a_dict():
    from astrolearn.images.commands import _mirror_pairs

    assert _mirror_pairs("spiral_cw:spiral_acw, a:b") == {"spiral_cw": "spiral_acw", "a": "b"}
    assert _mirror_pairs(None) is None
