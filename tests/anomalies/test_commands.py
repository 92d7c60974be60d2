"""End-to-end tests of `astrolearn anomalies score` and `astrolearn anomalies explore`."""

from __future__ import annotations

import pandas as pd
import pytest

from astrolearn.anomalies.commands import read_scores
from astrolearn.cli import main


@pytest.fixture(scope="module")
def cutouts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("anom")
    assert main(["simulate", "images", "--n", "200", "--anomaly-fraction", "0.05", "--seed",
                 "3", "--out", str(folder), "--quiet"]) == 0
    return folder


def test_score_explore_and_learn_from_decisions(cutouts, tmp_path):
    scores = tmp_path / "scores.parquet"
    assert main(["anomalies", "score", "--images", str(cutouts / "cutouts.npz"), "--out",
                 str(scores), "--method", "forest", "--method-param", "forest.n_trees=100",
                 "--quiet"]) == 0
    table, images_path = read_scores(scores)
    assert images_path == (cutouts / "cutouts.npz").resolve()
    assert {"id", "label", "score", "rank", "rank_forest", "feature_0"} <= set(table)
    assert sorted(table["rank"]) == list(range(1, 201))
    truth = pd.read_parquet(cutouts / "truth.parquet")
    top = table.nsmallest(20, "rank")["id"]
    assert truth.set_index("id").loc[top, "is_anomaly"].mean() > 0.2  # base rate 0.05

    page = tmp_path / "page.html"
    assert main(["anomalies", "explore", str(scores), "--out", str(page), "--top", "12",
                 "--quiet"]) == 0
    html = page.read_text(encoding="utf-8")
    assert html.count('class="card"') == 12 and "decisions.csv" in html

    # the user likes the rare objects among the top 20 and finds the rest boring
    decided = truth.set_index("id").loc[top, "is_anomaly"].astype(int)
    pd.DataFrame({"id": decided.index, "label": decided.to_numpy()}).to_csv(
        tmp_path / "decisions.csv", index=False)
    learned = tmp_path / "learned.parquet"
    assert main(["anomalies", "score", "--images", str(cutouts / "cutouts.npz"), "--out",
                 str(learned), "--method", "forest", "--decisions",
                 str(tmp_path / "decisions.csv"), "--quiet"]) == 0
    after, _ = read_scores(learned)
    assert {"score_unsupervised", "decision"} <= set(after)
    assert after["decision"].notna().sum() == 20
    assert main(["anomalies", "explore", str(learned), "--out", str(tmp_path / "p2.html"),
                 "--top", "5", "--quiet"]) == 0
    html = (tmp_path / "p2.html").read_text(encoding="utf-8")
    assert html.count('class="card"') == 5
    assert not any(f'data-id="{i}"' in html for i in top)  # decided: not shown again
    shown = [i for i in after.nsmallest(30, "rank")["id"] if f'data-id="{i}"' in html]
    assert len(shown) == 5


def test_errors(cutouts, tmp_path, capsys):
    assert main(["anomalies", "score", "--images", str(cutouts / "cutouts.npz"), "--out",
                 str(tmp_path / "s.csv")]) == 2
    assert ".parquet" in capsys.readouterr().err
    assert main(["anomalies", "score", "--images", str(cutouts / "cutouts.npz"), "--out",
                 str(tmp_path / "s.parquet"), "--method-param", "epochs=3"]) == 2
    assert "METHOD.KEY=VALUE" in capsys.readouterr().err
    assert main(["anomalies", "explore", str(tmp_path / "none.parquet"), "--out",
                 str(tmp_path / "p.html")]) == 2
    assert "no such scores file" in capsys.readouterr().err
