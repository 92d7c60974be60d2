"""TransitClassifier on a synthetic set of views: learning, binary tasks, the average,
features, save/load, bad input, the scikit-learn contract."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

from astrolearn.errors import AstrolearnInputError
from astrolearn.transits.classifier import SCALAR_FEATURES, TransitClassifier, view_matrix

GLOBAL_BINS, LOCAL_BINS = 61, 21
CLASSES = ("PC", "EB", "J")
# Small but robust across seeds (see tests/transits/test_astronet.py): with width 4, three
# dense layers, dropout and batches of 128 the network often stays on its initial plateau.
NET = {"width": 8, "dense": 16, "dense_layers": 1, "dropout": 0.0, "epochs": 20,
       "batch_size": 32, "learning_rate": 0.003, "n_networks": 1}
GBM = {"n_estimators": 30}
MODELS = ("lightgbm", "astronet", "average")
# The network trains on CUDA when present, where convolution gradients are not deterministic:
# two fits with one seed then differ (test_astronet.py), so exact refit checks are CPU-only.
CPU_ONLY = pytest.mark.skipif(torch.cuda.is_available(),
                              reason="bit-identical refits are promised on the CPU only")


def make_signals(n: int, seed: int) -> pd.DataFrame:
    """``n`` synthetic signals, a third of each class.

    PC: a narrow, flat-bottomed (U) dip at the centre of both views. EB: a wider V-shaped
    dip and a secondary eclipse around phase 0.5 (the edges of the global view). J: noise, a
    sinusoid, or a step away from the centre. Views have noise 0.08 and depth 0.6-1; the
    depth in ppm is informative too (EBs are deep), the other scalars are not.
    """
    rng = np.random.default_rng(seed)
    labels = np.array(CLASSES)[np.arange(n) % 3]
    rng.shuffle(labels)
    phase = np.linspace(-0.5, 0.5, GLOBAL_BINS)
    x = np.linspace(-1.5, 1.5, LOCAL_BINS)  # in transit durations
    g = rng.normal(0, 0.08, (n, GLOBAL_BINS))
    loc = rng.normal(0, 0.08, (n, LOCAL_BINS))
    depth_ppm = np.empty(n)
    for i, label in enumerate(labels):
        depth = rng.uniform(0.6, 1.0)
        if label == "PC":
            g[i] -= depth * (np.abs(phase) < 0.02)
            loc[i] -= depth * np.clip((0.5 - np.abs(x)) / 0.15, 0, 1)
            depth_ppm[i] = 10 ** rng.uniform(2.3, 3.7)
        elif label == "EB":
            g[i] -= depth * np.clip(1 - np.abs(phase) / 0.08, 0, None)
            g[i] -= rng.uniform(0.4, 0.7) * depth * (np.abs(phase) > 0.46)
            loc[i] -= depth * np.clip(1 - np.abs(x) / 1.2, 0, None)
            depth_ppm[i] = 10 ** rng.uniform(3.3, 4.7)
        else:
            kind = rng.integers(3)
            if kind == 1:
                shift = rng.uniform(0, 2 * np.pi)
                g[i] += depth * np.sin(2 * np.pi * rng.integers(1, 4) * phase + shift)
                loc[i] += 0.5 * depth * np.sin(rng.uniform(1, 3) * x + shift)
            elif kind == 2:
                edge = rng.choice([-1, 1]) * rng.uniform(0.15, 0.4)
                g[i] -= depth * (phase > edge)
            depth_ppm[i] = 10 ** rng.uniform(1.7, 3.3)
    return pd.DataFrame({
        "signal_id": [f"S{seed}-{i}" for i in range(n)],
        "tic_id": 1_000_000 * (seed + 1) + rng.integers(0, n // 3, n),
        "global_view": list(g),
        "local_view": list(loc),
        "period": 10 ** rng.uniform(-0.3, 2.0, n),
        "depth": depth_ppm,
        "snr": rng.uniform(7.1, 60.0, n),
        "teff": rng.uniform(4000, 7000, n),
        "disposition": labels,
    })


@pytest.fixture(scope="module")
def train():
    return make_signals(180, seed=0)


@pytest.fixture(scope="module")
def test_set():
    return make_signals(120, seed=1)


def _classifier(model: str, **kwargs) -> TransitClassifier:
    return TransitClassifier(model, lightgbm_params=GBM, astronet_params=NET, n_jobs=1,
                             **kwargs)


@pytest.fixture(scope="module")
def fitted(train):
    """The three models, fitted on the same table with the star as group."""
    return {m: _classifier(m).fit(train, "disposition", groups="tic_id") for m in MODELS}


# ------------------------------------------------------------------ learning
@pytest.mark.parametrize("model", MODELS)
def test_each_model_learns_the_classes(fitted, test_set, model):
    clf = fitted[model]
    assert list(clf.classes_) == ["EB", "J", "PC"]
    proba = clf.predict_proba(test_set)
    assert proba.shape == (len(test_set), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    accuracy = clf.score(test_set, test_set["disposition"])
    assert accuracy > 0.85, f"{model}: held-out accuracy {accuracy:.2f} (chance 0.33)"
    assert set(clf.models_) == ({"lightgbm", "astronet"} if model == "average" else {model})
    assert clf.class_counts_ == {"EB": 60, "J": 60, "PC": 60}
    assert clf.n_training_signals_ == 180


def test_average_is_the_mean_of_its_two_members(fitted, test_set):
    avg = fitted["average"]
    g = view_matrix(test_set, "global_view")
    loc = view_matrix(test_set, "local_view")
    scalars = np.column_stack([np.log10(test_set["period"]), np.log10(test_set["depth"]),
                               np.log10(test_set["snr"]), test_set["teff"]]).astype(np.float32)
    gbm = avg.models_["lightgbm"].predict_proba(np.hstack([g, loc, scalars]))
    net = avg.models_["astronet"].predict_proba(g, loc, scalars)
    assert np.abs(gbm - net).max() > 0.05  # the members disagree, so the check has teeth
    np.testing.assert_allclose(avg.predict_proba(test_set), (gbm + net) / 2, atol=1e-6)


@CPU_ONLY
def test_average_members_are_the_single_models(fitted, test_set):
    avg = fitted["average"]
    for name in ("lightgbm", "astronet"):
        alone = fitted[name]
        np.testing.assert_array_equal(
            avg.models_[name].predict_proba(*_member_inputs(avg, test_set, name)),
            alone.models_[name].predict_proba(*_member_inputs(alone, test_set, name)))


def _member_inputs(clf: TransitClassifier, table: pd.DataFrame, name: str) -> tuple:
    g, loc, scalars = clf._inputs(table)
    return (np.hstack([g, loc, scalars]),) if name == "lightgbm" else (g, loc, scalars)


@CPU_ONLY
def test_groups_column_or_array_give_the_same_network(fitted, train, test_set):
    by_array = _classifier("astronet").fit(train, train["disposition"].to_numpy(),
                                           groups=train["tic_id"].to_numpy())
    np.testing.assert_array_equal(by_array.predict_proba(test_set),
                                  fitted["astronet"].predict_proba(test_set))
    history = by_array.models_["astronet"].history_
    assert history.n_train + history.n_val == len(train)
    # the held-out part is a tenth of the stars, whole (exactness: test_astronet.py)
    counts = train["tic_id"].value_counts()
    held = max(1, len(counts) // 10)
    assert held * counts.min() <= history.n_val <= held * counts.max()
    assert history.n_val in _sums_of(counts.to_numpy(), held)


def _sums_of(sizes: np.ndarray, k: int) -> set[int]:
    """Every total of exactly ``k`` of ``sizes`` (star signal counts)."""
    totals = {(0, 0)}
    for size in sizes:
        totals |= {(n + 1, t + int(size)) for n, t in totals if n < k}
    return {t for n, t in totals if n == k}


# ------------------------------------------------------------------ binary tasks
def test_vetting_is_planet_against_the_rest(train, test_set):
    clf = _classifier("lightgbm", positive=["PC"]).fit(train, "disposition")
    assert list(clf.classes_) == ["PC", "other"]
    assert clf.class_counts_ == {"PC": 60, "other": 120}
    proba = clf.predict_proba(test_set)
    assert proba.shape == (len(test_set), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    truth = np.where(test_set["disposition"] == "PC", "PC", "other")
    assert clf.score(test_set, truth) > 0.85
    assert set(clf.predict(test_set)) <= {"PC", "other"}
    # a binary model has no separate triage score
    assert list(clf.predict_frame(test_set).columns) == ["prob_PC", "prob_other",
                                                         "predicted_class"]


@pytest.mark.parametrize(("junk", "triage"), [("NTP", True), ("junk", True), ("NEB", False)])
def test_triage_score_needs_a_junk_label(train, test_set, junk, triage):
    labels = train["disposition"].replace("J", junk)
    clf = _classifier("lightgbm").fit(train, labels)
    frame = clf.predict_frame(test_set)
    assert ("prob_astrophysical" in frame.columns) is triage
    if triage:
        np.testing.assert_allclose(frame["prob_astrophysical"], 1 - frame[f"prob_{junk}"],
                                   atol=1e-6)


def test_triage_joins_the_positive_labels_in_the_given_order(train, test_set):
    clf = _classifier("average", positive=["PC", "EB"]).fit(train, "disposition")
    assert list(clf.classes_) == ["PC+EB", "other"]
    assert clf.class_counts_ == {"PC+EB": 120, "other": 60}
    proba = clf.predict_proba(test_set)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    truth = np.where(test_set["disposition"] == "J", "other", "PC+EB")
    assert clf.score(test_set, truth) > 0.85
    # a tuple works as well, and the other order only renames the class
    flipped = _classifier("lightgbm", positive=("EB", "PC")).fit(train, "disposition")
    assert list(flipped.classes_) == ["EB+PC", "other"]


# ------------------------------------------------------------------ features
def test_default_features_are_the_known_columns_present(fitted, train):
    assert fitted["lightgbm"].feature_names_ == ["period", "depth", "snr", "teff"]
    assert set(fitted["lightgbm"].feature_names_) <= set(SCALAR_FEATURES)
    # tic_id, signal_id and the label are not features
    assert fitted["lightgbm"].models_["lightgbm"].n_features_in_ == GLOBAL_BINS + LOCAL_BINS + 4
    bare = train.drop(columns=["period", "depth", "snr", "teff"])
    clf = _classifier("lightgbm").fit(bare, "disposition")
    assert clf.feature_names_ == []
    assert clf.models_["lightgbm"].n_features_in_ == GLOBAL_BINS + LOCAL_BINS


def test_explicit_features_are_used_in_the_given_order(train, test_set):
    train = train.assign(colour=np.linspace(0, 1, len(train)))
    clf = _classifier("lightgbm", features=["colour", "snr"]).fit(train, "disposition")
    assert clf.feature_names_ == ["colour", "snr"]
    assert clf.predict_proba(test_set.assign(colour=0.5)).shape == (len(test_set), 3)
    with pytest.raises(AstrolearnInputError) as info:
        clf.predict_proba(test_set)  # no colour column
    assert info.value.column == "colour"


def test_heavy_tailed_features_enter_as_log10(fitted, train):
    net = fitted["astronet"].models_["astronet"]
    mean = net.net_.scalar_mean.numpy()
    expected = [np.log10(train["period"]).mean(), np.log10(train["depth"]).mean(),
                np.log10(train["snr"]).mean(), train["teff"].mean()]  # teff stays linear
    np.testing.assert_allclose(mean, expected, rtol=1e-4)
    scale = net.net_.scalar_scale.numpy()
    np.testing.assert_allclose(scale[:3], [np.log10(train[c]).std(ddof=0)
                                           for c in ("period", "depth", "snr")], rtol=1e-3)


def test_zero_or_negative_depth_is_clipped_not_nan(fitted, test_set):
    rows = test_set.iloc[:3]
    clf = fitted["average"]
    zero = clf.predict_proba(rows.assign(depth=0.0))
    negative = clf.predict_proba(rows.assign(depth=-5.0))
    tiny = clf.predict_proba(rows.assign(depth=1e-9))  # all clip to 1e-6 ppm
    assert np.isfinite(zero).all()
    np.testing.assert_array_equal(zero, negative)
    np.testing.assert_array_equal(zero, tiny)


def test_missing_scalar_values_are_allowed(fitted, test_set):
    rows = test_set.iloc[:5].assign(teff=np.nan)
    proba = fitted["average"].predict_proba(rows)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)


# ------------------------------------------------------------------ save / load
@pytest.mark.parametrize("model", MODELS)
def test_save_load_round_trip_is_exact_and_pickle_free(fitted, test_set, tmp_path, model):
    clf = fitted[model]
    folder = clf.save(tmp_path / model, metrics={"accuracy": 0.9})
    loaded = TransitClassifier.load(folder)
    np.testing.assert_array_equal(loaded.predict_proba(test_set), clf.predict_proba(test_set))
    assert list(loaded.classes_) == list(clf.classes_)
    assert loaded.feature_names_ == clf.feature_names_
    assert loaded.view_bins_ == {"global": GLOBAL_BINS, "local": LOCAL_BINS}
    assert loaded.fingerprint_ == clf.fingerprint_
    assert loaded.get_params()["model"] == model
    expected = {"manifest.json"}
    if model in ("lightgbm", "average"):
        expected.add("model_lightgbm.txt")
    if model in ("astronet", "average"):
        expected.add("astronet.safetensors")
    names = {p.name for p in folder.iterdir()}
    assert names == expected
    for path in folder.iterdir():
        assert not path.read_bytes().startswith(b"\x80"), f"{path.name} looks like a pickle"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["metrics"] == {"accuracy": 0.9}
    assert manifest["view_bins"] == {"global": GLOBAL_BINS, "local": LOCAL_BINS}
    # the loaded model still checks the bin count
    with pytest.raises(AstrolearnInputError, match="bins"):
        loaded.predict_proba(_rebin(test_set.iloc[:4], "global_view", 41))


def test_binary_model_round_trip(train, test_set, tmp_path):
    clf = _classifier("lightgbm", positive=["PC"]).fit(train, "disposition")
    loaded = TransitClassifier.load(clf.save(tmp_path / "vet"))
    assert loaded.positive == ["PC"]
    assert list(loaded.classes_) == ["PC", "other"]
    np.testing.assert_array_equal(loaded.predict_proba(test_set), clf.predict_proba(test_set))


def test_load_refuses_a_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(AstrolearnInputError, match="manifest"):
        TransitClassifier.load(tmp_path)


# ------------------------------------------------------------------ bad input
def _rebin(table: pd.DataFrame, column: str, bins: int) -> pd.DataFrame:
    old = np.linspace(0, 1, len(table[column].iloc[0]))
    new = np.linspace(0, 1, bins)
    return table.assign(**{column: [np.interp(new, old, v) for v in table[column]]})


def test_views_of_another_bin_count_are_refused(fitted, test_set):
    rows = test_set.iloc[:5]
    for column, bins, text in (("global_view", 41, "41 (global)"),
                               ("local_view", 31, "31 (local)")):
        with pytest.raises(AstrolearnInputError) as info:
            fitted["average"].predict_proba(_rebin(rows, column, bins))
        message = str(info.value)
        assert text in message and "trained on 61 and 21" in message
        assert "Fix:" in message


@pytest.mark.parametrize("column", ["global_view", "local_view"])
def test_nan_in_a_view_is_refused_naming_the_column(fitted, train, test_set, column):
    rows = test_set.iloc[:6].copy()
    views = [np.array(v, dtype=float) for v in rows[column]]
    views[4][3] = np.nan
    rows[column] = views
    with pytest.raises(AstrolearnInputError, match="NaN") as info:
        fitted["lightgbm"].predict_proba(rows)
    assert info.value.column == column
    assert "first row 4" in str(info.value)
    bad = train.copy()
    bad[column] = [np.where(np.arange(len(v)) == 0, np.inf, v) if i == 7 else v
                   for i, v in enumerate(bad[column])]
    with pytest.raises(AstrolearnInputError, match="NaN or inf") as info:
        _classifier("lightgbm").fit(bad, "disposition")
    assert info.value.column == column


def test_views_of_unequal_lengths_are_refused(fitted, test_set):
    rows = test_set.iloc[:5].copy()
    rows["local_view"] = [v[:-1] if i == 2 else v for i, v in enumerate(rows["local_view"])]
    with pytest.raises(AstrolearnInputError, match="unequal lengths") as info:
        fitted["lightgbm"].predict_proba(rows)
    assert info.value.column == "local_view"
    rows["local_view"] = [1.0] * len(rows)  # scalars, not arrays
    with pytest.raises(AstrolearnInputError, match="unequal lengths"):
        fitted["lightgbm"].predict_proba(rows)


def test_missing_columns_are_named(fitted, train, test_set):
    with pytest.raises(AstrolearnInputError) as info:
        fitted["lightgbm"].predict_proba(test_set.drop(columns="local_view"))
    assert info.value.column == "local_view"
    with pytest.raises(AstrolearnInputError) as info:
        fitted["lightgbm"].predict_proba(test_set.drop(columns="snr"))
    assert info.value.column == "snr"
    with pytest.raises(AstrolearnInputError) as info:
        _classifier("lightgbm", features=["snr", "nope"]).fit(train, "disposition")
    assert info.value.column == "nope"
    with pytest.raises(AstrolearnInputError) as info:
        _classifier("lightgbm", global_view="gv").fit(train, "disposition")
    assert info.value.column == "gv"
    with pytest.raises(AstrolearnInputError) as info:
        _classifier("lightgbm").fit(train, "label")
    assert info.value.column == "label"


@pytest.mark.parametrize(("make", "message"), [
    (lambda t: _classifier("lightgbm", positive=["PC", "KOI"]).fit(t, "disposition"),
     "positive label(s) ['KOI']"),
    (lambda t: _classifier("lightgbm", positive="PC").fit(t, "disposition"),
     "got a string"),
    (lambda t: _classifier("lightgbm").fit(t, np.full(len(t), "PC")), "only one class"),
    (lambda t: _classifier("lightgbm", positive=["PC", "EB", "J"]).fit(t, "disposition"),
     "only one class"),
    (lambda t: _classifier("cnn").fit(t, "disposition"), "unknown transit model 'cnn'"),
    (lambda t: _classifier("lightgbm").fit(t, t["disposition"].iloc[:-1]), "179 labels"),
    (lambda t: _classifier("lightgbm").predict_proba(t), "not fitted"),
])
def test_bad_options_and_labels_raise(train, make, message):
    with pytest.raises(AstrolearnInputError) as info:
        make(train)
    assert message in str(info.value)


@pytest.mark.parametrize("case", ["nan_label", "groups_column", "groups_length",
                                  "weight_length"])
def test_bad_labels_groups_and_weights_raise_input_errors(train, case):
    labels = train["disposition"].copy()
    kwargs = {}
    if case == "nan_label":
        labels.iloc[3] = None
    elif case == "groups_column":
        kwargs["groups"] = "star"
    elif case == "groups_length":
        kwargs["groups"] = train["tic_id"].to_numpy()[:-5]
    else:
        kwargs["sample_weight"] = np.ones(10)
    model = "lightgbm" if case == "weight_length" else "astronet"
    with pytest.raises(AstrolearnInputError):
        TransitClassifier(model, lightgbm_params=GBM, astronet_params={**NET, "epochs": 1},
                          n_jobs=1).fit(train, labels, **kwargs)


def test_predicting_from_a_non_dataframe_is_refused(fitted, test_set):
    with pytest.raises(AstrolearnInputError, match="DataFrame"):
        fitted["lightgbm"].predict_proba(test_set.to_dict("list"))


@pytest.mark.parametrize("case", ["fit_dict", "predict_unfitted"])
def test_fit_on_a_dict_and_unfitted_predict_raise_input_errors(train, case):
    with pytest.raises(AstrolearnInputError, match=r"DataFrame|not fitted"):
        if case == "fit_dict":
            _classifier("lightgbm").fit(train.to_dict("list"), "disposition")
        else:
            _classifier("lightgbm").predict(train)


# ------------------------------------------------------------------ contract
def test_inputs_are_not_modified(train, test_set):
    table = train.copy()
    table["global_view"] = [np.asarray(v, dtype=np.float32) for v in table["global_view"]]
    before = table.copy()
    views = np.stack(table["global_view"]).copy(), np.stack(table["local_view"]).copy()
    labels = table["disposition"].to_numpy().copy()
    weights = np.linspace(0.5, 1.5, len(table))
    weights_before = weights.copy()
    clf = TransitClassifier("average", positive=["PC"], lightgbm_params=GBM,
                            astronet_params={**NET, "epochs": 2}, n_jobs=1)
    clf.fit(table, labels, groups="tic_id", sample_weight=weights)
    clf.predict_frame(table, keep=["signal_id"])
    pd.testing.assert_frame_equal(table.drop(columns=["global_view", "local_view"]),
                                  before.drop(columns=["global_view", "local_view"]))
    assert list(table.columns) == list(before.columns)
    np.testing.assert_array_equal(np.stack(table["global_view"]), views[0])
    np.testing.assert_array_equal(np.stack(table["local_view"]), views[1])
    assert all(a is b for a, b in zip(table["global_view"], before["global_view"], strict=True))
    np.testing.assert_array_equal(labels, train["disposition"].to_numpy())
    np.testing.assert_array_equal(weights, weights_before)


def test_clone_and_get_params_round_trip(fitted, train):
    clf = fitted["average"]
    params = clf.get_params()
    assert params["model"] == "average" and params["astronet_params"] == NET
    assert TransitClassifier(**params).get_params() == params
    copy = clone(clf)
    assert copy.get_params() == params
    assert copy.astronet_params is not clf.astronet_params  # deep-copied, not shared
    assert not hasattr(copy, "models_")
    copy.set_params(model="lightgbm", positive=["EB"])
    assert copy.get_params()["model"] == "lightgbm"
    assert list(copy.fit(train, "disposition").classes_) == ["EB", "other"]
    assert clf.model == "average"  # the original is untouched


def test_cross_val_score_runs(train):
    clf = TransitClassifier("lightgbm", lightgbm_params={"n_estimators": 10}, n_jobs=1)
    scores = cross_val_score(clf, train, train["disposition"].to_numpy(), cv=3)
    assert scores.shape == (3,) and scores.min() > 0.7


def test_refit_with_other_bin_counts(train, test_set):
    clf = _classifier("lightgbm").fit(train, "disposition")
    narrow = _rebin(train, "global_view", 41)
    clf.fit(narrow, "disposition")
    assert clf.view_bins_ == {"global": 41, "local": LOCAL_BINS}
    assert clf.predict_proba(_rebin(test_set, "global_view", 41)).shape == (len(test_set), 3)


def test_predict_frame_keeps_ids_and_adds_probabilities(fitted, test_set):
    clf = fitted["average"]
    table = test_set.set_axis(np.arange(len(test_set)) + 1000)  # a non-default index
    frame = clf.predict_frame(table, keep=["signal_id", "tic_id", "not_a_column"])
    assert list(frame.columns) == ["signal_id", "tic_id", "prob_EB", "prob_J", "prob_PC",
                                   "prob_astrophysical", "predicted_class"]
    assert frame.index.tolist() == list(range(len(test_set)))
    assert frame["signal_id"].tolist() == test_set["signal_id"].tolist()
    assert frame["tic_id"].tolist() == test_set["tic_id"].tolist()
    proba = clf.predict_proba(table)
    np.testing.assert_allclose(frame[["prob_EB", "prob_J", "prob_PC"]].to_numpy(), proba,
                               rtol=1e-6)
    # the triage score of a multi-class model with a junk class: one minus P(J)
    np.testing.assert_allclose(frame["prob_astrophysical"], 1 - proba[:, 1], atol=1e-6)
    assert frame["predicted_class"].tolist() == list(clf.predict(table))
    bare = clf.predict_frame(table)
    assert list(bare.columns) == ["prob_EB", "prob_J", "prob_PC", "prob_astrophysical",
                                  "predicted_class"]


def test_view_matrix_stacks_rows():
    frame = pd.DataFrame({"v": [np.arange(3.0), [1, 2, 3]]})
    matrix = view_matrix(frame, "v")
    assert matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix, [[0, 1, 2], [1, 2, 3]])
    with pytest.raises(AstrolearnInputError) as info:
        view_matrix(frame, "w", file="views.parquet")
    assert info.value.file == "views.parquet" and info.value.column == "w"
