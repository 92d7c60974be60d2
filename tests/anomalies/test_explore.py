"""Tests of the anomaly explore page: content, order, self-containment, script, errors."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from astrolearn.anomalies.explore import explore_embedding, write_explore_page
from astrolearn.errors import AstrolearnInputError

TOP = 24
THUMB = re.compile(r'<div class="card" data-id="([^"]*)" data-rank="(\d+)"><img [^>]*'
                   r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def sim():
    """200 simulated 32 x 32 cutouts, 10 % rare, with a score table that favours the rare."""
    from astrolearn.datasets.galaxy_sim import simulate_galaxies

    images, truth = simulate_galaxies(200, size=32, anomaly_fraction=0.1, seed=3)
    rng = np.random.default_rng(0)
    forest = truth["is_anomaly"].to_numpy(float) + rng.normal(0, 0.5, len(truth))
    autoencoder = truth["is_anomaly"].to_numpy(float) + rng.normal(0, 0.5, len(truth))
    combined = forest + autoencoder
    scores = pd.DataFrame({
        "id": [f"obj-{i:03d}" for i in range(len(truth))],
        "score": combined,
        "rank": pd.Series(-combined).rank(method="first").astype(int).to_numpy(),
        "score_forest": forest,
        "rank_forest": pd.Series(-forest).rank(method="first").astype(int).to_numpy(),
        "score_autoencoder": autoencoder,
        "rank_autoencoder": pd.Series(-autoencoder).rank(method="first").astype(int).to_numpy(),
        "kind": truth["kind"].to_numpy(),
    })
    embedding = rng.normal(size=(len(truth), 2))
    return images, scores, embedding


@pytest.fixture(scope="module")
def page(sim, tmp_path_factory):
    images, scores, embedding = sim
    images_before, scores_before = images.copy(), scores.copy()
    out = tmp_path_factory.mktemp("explore") / "sub" / "page.html"
    lines: list[str] = []
    written = write_explore_page(scores, images, out, embedding=embedding, top=TOP,
                                 title="Simulated search", say=lines.append)
    return {"path": written, "text": written.read_text(encoding="utf-8"), "out": out,
            "images_before": images_before, "scores_before": scores_before, "say": lines}


def _expected_top(scores: pd.DataFrame, top: int) -> list[str]:
    return scores.sort_values("rank")["id"].head(top).tolist()


# ---------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------


def test_page_written_whole_without_leftovers(page):
    assert page["path"] == page["out"]
    text = page["text"]
    assert text.startswith("<!DOCTYPE html>") and text.endswith("</html>\n")
    assert [p.name for p in page["out"].parent.iterdir()] == ["page.html"]  # no temp file
    assert "<title>Simulated search</title>" in text


def test_top_ids_in_rank_order_with_scores_and_method_ranks(page, sim):
    _, scores, _ = sim
    cards = THUMB.findall(page["text"])
    assert [c[0] for c in cards] == _expected_top(scores, TOP)
    assert [int(c[1]) for c in cards] == list(range(1, TOP + 1))
    first = scores.sort_values("rank").iloc[0]
    block = page["text"].split(f'data-id="{first["id"]}"', 1)[1].split('<div class="card"')[0]
    assert f"score {first['score']:.4g}" in block
    assert f"forest #{first['rank_forest']}" in block
    assert f"autoencoder #{first['rank_autoencoder']}" in block
    assert "Methods: forest, autoencoder" in page["text"]


def test_thumbnails_are_embedded_nearest_neighbour_pngs(page):
    from PIL import Image

    text = page["text"]
    # the thumbnails plus three figures (map, tiled map, histogram), nothing else
    assert text.count('src="data:image/png;base64,') == TOP + 3
    assert len(re.findall(r"<img ", text)) == TOP + 3
    cards = THUMB.findall(text)
    assert len(cards) == TOP
    for _, _, encoded in cards[:5]:
        picture = Image.open(io.BytesIO(base64.b64decode(encoded)))
        assert picture.format == "PNG" and picture.mode == "L"  # one band: grey
        assert picture.size == (128, 128)  # 32 pixels, 4x
        pixels = np.asarray(picture)
        assert np.array_equal(np.repeat(np.repeat(pixels[::4, ::4], 4, 0), 4, 1), pixels)
        assert pixels.max() > 100 and pixels.min() < 30  # stretched, not a flat square


def test_map_histogram_and_label_summary(page, sim):
    _, scores, _ = sim
    text = page["text"]
    assert "Map of the 200 objects coloured by score percentile and by label" in text
    assert "12 x 12 cells" in text
    assert "Scores of all 200 objects; dashed: the score of rank 24." in text
    assert "a precomputed 2-D embedding" in text
    top_kinds = scores.sort_values("rank")["kind"].head(TOP)
    for kind, count in top_kinds.value_counts().items():
        assert f'<span class="label">{kind}</span>' in text
        row = re.search(rf'<td class="text">{kind}</td><td class="num">(\d+)</td>', text)
        assert row is not None and int(row.group(1)) == count
    assert "Labels among the top 24 and in the whole set" in text


def test_decision_buttons_script_and_download_link(page):
    text = page["text"]
    assert text.count('data-label="1"') == TOP and text.count('data-label="0"') == TOP
    assert 'download="decisions.csv"' in text and 'id="download-decisions"' in text
    assert text.count("<script>") == 1 and "<script src" not in text
    assert "--decisions decisions.csv" in text and "1 = interesting, 0 = boring" in text


def test_self_contained(page):
    text = page["text"]
    assert "http://" not in text and "https://" not in text
    assert "<link" not in text and "@import" not in text and "url(" not in text
    for match in re.finditer(r'(?:src|href)="([^"]*)"', text):
        assert match.group(1).startswith(("data:", "#")), match.group(1)


def test_inputs_not_modified(page, sim):
    images, scores, _ = sim
    assert np.array_equal(images, page["images_before"])
    pd.testing.assert_frame_equal(scores, page["scores_before"])


def test_rank_from_score_when_no_rank_column_and_rgb(tmp_path):
    rng = np.random.default_rng(5)
    n = 30
    scores = pd.DataFrame({"id": [f"g{i}" for i in range(n)], "score": rng.normal(size=n)})
    images = rng.random((n, 3, 20, 20)).astype("float32")  # in [0, 1]: shown as given
    out = write_explore_page(scores, images, tmp_path / "p.html", top=50,
                             embedding=rng.normal(size=(n, 2)), labels=None)
    cards = THUMB.findall(out.read_text(encoding="utf-8"))
    assert [c[0] for c in cards] == scores.sort_values("score", ascending=False)["id"].tolist()
    from PIL import Image

    best = int(np.argmax(scores["score"].to_numpy()))
    picture = Image.open(io.BytesIO(base64.b64decode(cards[0][2])))
    assert picture.mode == "RGB" and picture.size == (120, 120)  # 20 pixels, 6x
    expected = np.round(np.moveaxis(images[best], 0, -1) * 255).astype(np.uint8)
    assert np.array_equal(np.asarray(picture)[::6, ::6], expected)


def test_atomic_write_keeps_the_old_page_on_failure(sim, tmp_path, monkeypatch):
    images, scores, embedding = sim
    out = tmp_path / "page.html"
    out.write_text("old page", encoding="utf-8")

    original = Path.write_text

    def half_then_fail(self, data, *args, **kwargs):  # the disk fills up mid-write
        original(self, data[: len(data) // 2], *args, **kwargs)
        raise OSError("No space left on device")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(OSError, match="No space"):
        write_explore_page(scores.head(40), images[:40], out, embedding=embedding[:40], top=5)
    monkeypatch.undo()
    assert out.read_text(encoding="utf-8") == "old page"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_escaping_of_ids_and_labels(tmp_path):
    rng = np.random.default_rng(2)
    ids = ['<script>alert(1)</script>', 'a&b "q"', "plain", "x", "y", "z"]
    scores = pd.DataFrame({"id": ids, "score": [6.0, 5, 4, 3, 2, 1],
                           "label": ["<b>odd</b>", "merger", None, "n", "n", "n"]})
    text = write_explore_page(scores, rng.normal(size=(6, 1, 8, 8)), tmp_path / "p.html",
                              top=3, embedding=rng.normal(size=(6, 2))).read_text("utf-8")
    assert "<script>alert" not in text and "<b>odd" not in text
    assert 'data-id="&lt;script&gt;alert(1)&lt;/script&gt;"' in text
    assert 'data-id="a&amp;b &quot;q&quot;"' in text
    assert '<span class="label">&lt;b&gt;odd&lt;/b&gt;</span>' in text


# ---------------------------------------------------------------------------------------
# The decision script, run in node with a minimal stand-in for the DOM
# ---------------------------------------------------------------------------------------

_HARNESS = r"""
const fs = require("fs");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
class Classes { constructor() { this.s = new Set(); }
  toggle(c, on) { if (on === undefined) on = !this.s.has(c); if (on) this.s.add(c);
                  else this.s.delete(c); return on; }
  contains(c) { return this.s.has(c); } }
class El { constructor(attrs, parent, kind) { this.attrs = attrs || {}; this.parent = parent;
    this.kind = kind; this.classList = new Classes(); this.id = this.attrs.id || "";
    this.textContent = ""; this.value = ""; }
  getAttribute(k) { return k in this.attrs ? this.attrs[k] : null; }
  setAttribute(k, v) { this.attrs[k] = String(v); }
  closest(sel) { for (let e = this; e; e = e.parent) {
      if ((sel === ".card" && e.kind === "card") ||
          (sel === "button[data-label]" && e.kind === "button")) return e; }
    return null; } }
const store = {};
function run(ids) {
  const byId = {decisions: new El({"data-page-key": "k"}), "download-decisions": new El(),
                "decision-count": new El(), "decisions-csv": new El()};
  const cards = ids.map(id => new El({"data-id": id}, null, "card"));
  let handler = null;
  const document = {getElementById: id => byId[id], querySelectorAll: () => cards,
                    addEventListener: (type, fn) => { handler = fn; }};
  const window = {localStorage: {getItem: k => (k in store ? store[k] : null),
                                 setItem: (k, v) => { store[k] = v; }},
                  confirm: () => true};
  new Function("document", "window", input.script)(document, window);
  const click = (i, label) => handler({target: new El({"data-label": label}, cards[i],
                                                         "button")});
  return {byId, cards, click, clear: () => handler({target: byId["clear-decisions"] ||
                                                     {id: "clear-decisions"}})};
}
const page = run(input.ids);
for (const [i, label] of input.clicks) page.click(i, label);
const href = page.byId["download-decisions"].getAttribute("href");
const reloaded = run(input.ids);
const out = {csv: decodeURIComponent(href.split(",").slice(1).join(",")),
             count: page.byId["decision-count"].textContent,
             preview: page.byId["decisions-csv"].value,
             classes: page.cards.map(c => [c.classList.contains("yes"),
                                           c.classList.contains("no")]),
             reloaded: reloaded.byId["decision-count"].textContent};
reloaded.clear();
out.cleared = reloaded.byId["decision-count"].textContent;
process.stdout.write(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node (JavaScript) not installed")
def test_decision_script_records_and_exports_csv(page, tmp_path):
    script = page["text"].split("<script>", 1)[1].split("</script>", 1)[0]
    ids = ["obj-007", 'odd,"id"', "obj-003", "obj-100"]
    clicks = [[0, "1"], [1, "0"], [2, "1"], [2, "1"], [3, "0"], [3, "1"]]  # 2 undone, 3 changed
    harness = tmp_path / "harness.js"
    harness.write_text(_HARNESS, encoding="utf-8")
    result = subprocess.run(["node", str(harness)], input=json.dumps(
        {"script": script, "ids": ids, "clicks": clicks}), capture_output=True, text=True,
        timeout=60, check=True)
    out = json.loads(result.stdout)
    assert out["csv"] == 'id,label\nobj-007,1\n"odd,""id""",0\nobj-100,1\n'
    assert out["preview"] == out["csv"]
    assert out["count"] == "2 interesting, 1 boring"
    assert out["classes"] == [[True, False], [False, True], [False, False], [True, False]]
    assert out["reloaded"] == "2 interesting, 1 boring"  # kept in localStorage
    assert out["cleared"] == "0 interesting, 0 boring"
    decisions = pd.read_csv(io.StringIO(out["csv"]), dtype={"id": str})
    assert decisions["id"].tolist() == ["obj-007", 'odd,"id"', "obj-100"]
    assert decisions["label"].tolist() == [1, 0, 1]


def test_big_cutouts_are_shrunk(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(1)
    images = rng.normal(size=(6, 1, 200, 100)).astype("float32")
    scores = pd.DataFrame({"id": list("abcdef"), "score": np.arange(6.0)})
    text = write_explore_page(scores, images, tmp_path / "p.html", top=2,
                              embedding=rng.normal(size=(6, 2))).read_text("utf-8")
    encoded = THUMB.findall(text)[0][2]
    assert Image.open(io.BytesIO(base64.b64decode(encoded))).size == (64, 128)


# ---------------------------------------------------------------------------------------
# UMAP
# ---------------------------------------------------------------------------------------


def test_umap_map_separates_groups_and_page_without_embedding(sim, tmp_path):
    rng = np.random.default_rng(0)
    groups = np.repeat([0, 1], 100)
    features = rng.normal(size=(200, 10)) + 6.0 * groups[:, None]
    coords = explore_embedding(features, random_state=0)
    assert coords.shape == (200, 2) and np.isfinite(coords).all()
    distance = ((coords[:, None] - coords[None]) ** 2).sum(-1)
    np.fill_diagonal(distance, np.inf)
    assert (groups[distance.argmin(axis=1)] == groups).mean() > 0.97
    assert np.array_equal(coords, explore_embedding(features, random_state=0))  # seeded

    images, scores, _ = sim
    lines: list[str] = []
    text = write_explore_page(scores, images, tmp_path / "u.html", top=10,
                              say=lines.append).read_text("utf-8")
    assert "a UMAP (n_neighbors 15, seed 0) of the 30 principal components" in text
    assert any("UMAP of 200 objects" in line for line in lines)
    assert text.count('src="data:image/png;base64,') == 13


# ---------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------


@pytest.fixture
def small():
    rng = np.random.default_rng(4)
    scores = pd.DataFrame({"id": [f"g{i}" for i in range(8)], "score": rng.random(8)})
    return scores, rng.normal(size=(8, 1, 8, 8)).astype("float32"), rng.normal(size=(8, 2))


@pytest.mark.parametrize("column", ["id", "score"])
def test_missing_column_names_file_column_and_fix(small, tmp_path, column):
    scores, images, embedding = small
    with pytest.raises(AstrolearnInputError) as info:
        write_explore_page(scores.drop(columns=column), images, tmp_path / "p.html",
                           embedding=embedding, file="scores.parquet")
    message = str(info.value)
    assert message.startswith(f"scores.parquet, column '{column}'")
    assert "astrolearn anomalies score" in message and "Fix:" in message
    assert not (tmp_path / "p.html").exists()


def test_length_mismatch_nan_and_duplicates(small, tmp_path):
    scores, images, embedding = small
    out = tmp_path / "p.html"
    with pytest.raises(AstrolearnInputError, match="7 images for 8 rows"):
        write_explore_page(scores, images[:7], out, embedding=embedding)
    bad = scores.copy()
    bad.loc[[2, 5], "score"] = np.nan
    with pytest.raises(AstrolearnInputError, match=r"2 of 8 scores are NaN.*g2, g5") as info:
        write_explore_page(bad, images, out, embedding=embedding, file="s.parquet")
    assert info.value.column == "score" and info.value.file == "s.parquet"
    twice = scores.copy()
    twice.loc[3, "id"] = "g1"
    with pytest.raises(AstrolearnInputError, match=r"1 ids appear more than once \(e.g. g1\)"):
        write_explore_page(twice, images, out, embedding=embedding)
    assert not out.exists()


@pytest.mark.parametrize("change, match", [
    ({"embedding": np.zeros((8, 3))}, r"embedding must have shape \(8, 2\)"),
    ({"embedding": np.full((8, 2), np.nan)}, "NaN"),
    ({"features": np.zeros((5, 4))}, "one row per score row"),
    ({"top": 0}, "top must be a positive integer"),
    ({"stretch": "log"}, "unknown stretch"),
    ({"labels": ["a"] * 3}, "3 labels for 8 scores"),
    ({"labels": "class"}, "no such column"),
    ({"images": np.zeros((8, 8))}, r"shape \(n, bands, height, width\)"),
    ({"scores": {"id": [1]}}, "must be a pandas DataFrame"),
])
def test_bad_options(small, tmp_path, change, match):
    scores, images, embedding = small
    kwargs = {"scores": scores, "images": images, "out": tmp_path / "p.html",
              "embedding": embedding}
    if "features" in change:
        kwargs.pop("embedding")
    kwargs.update(change)
    with pytest.raises(AstrolearnInputError, match=match):
        write_explore_page(**kwargs)


def test_explore_embedding_errors():
    with pytest.raises(AstrolearnInputError, match="too few"):
        explore_embedding(np.zeros((4, 3)))
    features = np.ones((10, 3))
    features[4, 1] = np.nan
    with pytest.raises(AstrolearnInputError, match="column '1'"):
        explore_embedding(features)
    with pytest.raises(AstrolearnInputError, match="n_neighbors"):
        explore_embedding(np.random.default_rng(0).normal(size=(10, 2)), n_neighbors=1)


@pytest.mark.realdata
def test_real_sdss_colour_cutouts(real_data_path, tmp_path):
    from PIL import Image

    with np.load(real_data_path("galaxies", "gz1_sdss_64.npz")) as archive:
        pixels = archive["images"][:300]
    labels = pd.read_parquet(real_data_path("galaxies", "gz1_sdss_labels.parquet")).iloc[:300]
    images = np.ascontiguousarray(pixels.transpose(0, 3, 1, 2), dtype=np.float32) / 255.0
    scores = pd.DataFrame({"id": labels["objid"].astype(str).to_numpy(),
                           "score": images.mean(axis=(1, 2, 3)),  # brightness as a score
                           "label": labels["label_name"].to_numpy()})
    embedding = np.random.default_rng(0).normal(size=(300, 2))
    text = write_explore_page(scores, images, tmp_path / "real.html", top=12,
                              embedding=embedding).read_text("utf-8")
    cards = THUMB.findall(text)
    assert [c[0] for c in cards] == scores.sort_values("score", ascending=False)["id"].head(
        12).tolist()
    picture = np.asarray(Image.open(io.BytesIO(base64.b64decode(cards[0][2]))))
    best = int(scores["score"].to_numpy().argmax())
    assert picture.shape == (128, 128, 3)  # 64 pixels, 2x, colour as stored (already 8-bit)
    assert np.array_equal(picture[::2, ::2], pixels[best])
    assert f'<span class="label">{labels["label_name"].iloc[best]}</span>' in text
