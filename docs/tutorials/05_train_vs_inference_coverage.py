# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5. Training set vs inference set: where can a model be trusted?
#
# Spectroscopic training sets are bright: a spectrum needs many more photons than a
# magnitude. The catalogs we then classify are photometric and go much fainter. A model
# applied to objects *unlike* any it was trained on still returns an answer -- a class
# and a probability -- but nothing in its training tells whether that answer means
# anything.
#
# This tutorial makes the situation on purpose: train on the bright objects only
# ($r < 19$), then predict for everything else. Tools from
# `astrolearn.explore.coverage` and `astrolearn.explore.embedding` show where the
# inference rows leave the training coverage:
#
# * `CoverageScore`: for each new row, how its distance to the k-th nearest training row
#   compares with the training rows' own k-th-neighbour distances (about uniform on
#   [0, 1] for rows like the training set, near 1 outside it);
# * `adversarial_validation`: can a classifier tell training from inference rows (ROC
#   AUC), which features does it use, and which fraction of rows is outside coverage per
#   magnitude bin;
# * an embedding of the training rows with the inference rows placed into it
#   (`Embedding.transform`) and drawn with `plot_embedding_overlay`.
#
# Data: the SDSS DR17 sample when present (`$ASTROLEARN_DATA` or `../shared/data`:
# `sdss/sdss_dr17_100k.parquet`), otherwise a simulated catalog. Both have spectroscopic
# classes for the faint objects too, so we can check the answers -- a luxury a real
# inference catalog does not have. `ASTROLEARN_TUTORIAL_FAST=1` uses 4,000 rows.

# %%
import os

import numpy as np
import pandas as pd

from astrolearn.catalogs import PhotometryFeatures, SourceClassifier
from astrolearn.datasets import example_catalog
from astrolearn.explore.coverage import (
    CoverageScore,
    adversarial_validation,
    plot_coverage_scores,
    plot_outside_fraction,
)
from astrolearn.explore.embedding import embed, sample_rows
from astrolearn.explore.figures import plot_embedding_overlay

FAST = os.environ.get("ASTROLEARN_TUTORIAL_FAST", "0") not in ("", "0")
BANDS = ["u", "g", "r", "i", "z"]
BRIGHT = 19.0  # training set: r < 19


catalog, source = example_catalog(4000 if FAST else 100_000, seed=0)
print(f"data: {source}, {len(catalog):,} rows")

# %% [markdown]
# ## Training and inference sets
#
# `PhotometryFeatures.magnitudes` reads the $r$ magnitudes with the catalog's sentinels
# (99 = not detected, -99 = not observed) turned into NaN. The training set is a random
# 80 % of the rows with $r < 19$; the inference set is *every other row*: the remaining
# 20 % of bright rows (they should look exactly like the training set, a useful control)
# and all fainter ones.

# %%
r_all = PhotometryFeatures(BANDS).magnitudes(catalog)[:, BANDS.index("r")]
rng = np.random.default_rng(0)
bright_rows = np.flatnonzero(r_all < BRIGHT)
is_train = np.zeros(len(catalog), dtype=bool)
is_train[rng.permutation(bright_rows)[: int(0.8 * len(bright_rows))]] = True
train, inference = catalog[is_train], catalog[~is_train]
r_inf = r_all[~is_train]
print(f"training set: {len(train):,} rows with r < {BRIGHT:g}; inference set: "
      f"{len(inference):,} rows ({np.sum(r_inf < BRIGHT):,} bright, "
      f"{np.sum(~(r_inf < BRIGHT)):,} at r >= {BRIGHT:g} or without r)")

# %% [markdown]
# Features for the coverage checks: magnitudes and adjacent colours, with non-detections
# filled by a faint value and missing bands by the median -- all learned from the
# *training* rows, as a deployed model would do it. (The 0/1 non-detection indicators
# are left out, as in tutorial 3.)

# %%
photometry = PhotometryFeatures(BANDS, errors=None, colours="adjacent", impute=True)
photometry.fit(train)
columns = [c for c in photometry.transform(train.iloc[:1]).columns
           if not c.endswith(("_nondet", "_missing"))]
X_train = photometry.transform(train)[columns]
X_inf = photometry.transform(inference)[columns]
print(f"features: {', '.join(columns)}")

# %% [markdown]
# ## The classifier, and how it fares
#
# A `SourceClassifier` trained on the bright rows predicts all inference rows. Because
# this catalog has spectroscopic classes for every row, we can compare, per $r$ bin, its
# accuracy with its **confidence** (the mean of its highest class probability).

# %%
model = SourceClassifier(BANDS, model_params={"n_estimators": 100 if FAST else 300},
                         n_jobs=1, random_state=0).fit(train, train["class"])
proba = model.predict_proba(inference)
predicted = model.classes_[proba.argmax(axis=1)]
correct = predicted == inference["class"].to_numpy()
confidence = proba.max(axis=1)

# %% [markdown]
# ## Coverage score
#
# `CoverageScore` standardises the features with the training median and inter-quartile
# range and, for every inference row, finds its distance to the 10th-nearest training
# row. Its score is the fraction of training rows that sit in denser company. Scores
# above 0.99 mean "outside coverage": about 1 % of rows drawn like the training set get
# there by chance, so the bright control rows should show ~1 %.

# %%
cover = CoverageScore(k=10, random_state=0).fit(X_train)
scores = cover.score_samples(X_inf)
outside = scores > 0.99
control = r_inf < BRIGHT
print(f"outside coverage: {outside[control].mean():.1%} of the held-out bright rows "
      f"(expected ~1%), {outside[~control].mean():.1%} of the fainter rows")
print(f"fraction of inference rows outside coverage: {outside.mean():.1%}")

edges = [12, 17, 18, 19, 20, 21, 22, 23]
bins = pd.cut(pd.Series(r_inf), edges, right=False)
per_bin = pd.DataFrame({"r": bins, "outside": outside, "correct": correct,
                        "confidence": confidence}).groupby("r", observed=True).agg(
    n=("outside", "size"), outside=("outside", "mean"), accuracy=("correct", "mean"),
    confidence=("confidence", "mean"))
print(per_bin.to_string(float_format="{:.3f}".format))
for name, rows in [("inside coverage", ~outside), ("outside coverage", outside)]:
    if rows.any():
        print(f"{name:>16}: {rows.sum():5,} rows, accuracy {correct[rows].mean():.3f}, "
              f"mean confidence {confidence[rows].mean():.3f}")
worst = (per_bin["confidence"] - per_bin["accuracy"]).abs().idxmax()
print(f"largest confidence-accuracy mismatch: r in {worst}, confidence "
      f"{per_bin.loc[worst, 'confidence']:.3f} vs accuracy {per_bin.loc[worst, 'accuracy']:.3f}"
      f" ({per_bin.loc[worst, 'outside']:.0%} of its rows outside coverage)")

# %% [markdown]
# ## Adversarial validation
#
# The second view: label training rows 0 and inference rows 1 and let a LightGBM
# classifier tell them apart under cross-validation. An AUC near 0.5 means the two sets
# look alike; near 1 they are different populations. The features it used most say
# *how* they differ, and the report bins the coverage by magnitude.

# %%
adversarial = adversarial_validation(X_train, X_inf, magnitude=r_inf, magnitude_name="r",
                                     bins=edges, cv=3, random_state=0, n_jobs=1)
print(adversarial.text())
plot_outside_fraction(adversarial.binned, xlabel="r [mag]").savefig(
    "05_outside_fraction.png", dpi=120)
plot_coverage_scores(adversarial.train_scores, adversarial.inference_scores).savefig(
    "05_coverage_scores.png", dpi=120)

# %% [markdown]
# ## A map of it: training rows, with the inference rows placed into it
#
# `embed` fits a t-SNE map of the training rows; `Embedding.transform` places inference
# rows into that *fixed* map (openTSNE optimises only the new points), and
# `plot_embedding_overlay` draws the training rows in grey, the inference rows on top
# and the rows outside coverage in red. (Subsamples keep it fast.)

# %%
n_map = 1000 if FAST else 5000
map_rows = sample_rows(np.arange(len(X_train)), n_map, 0)
new_rows = sample_rows(np.arange(len(X_inf)), n_map, 1)
tsne = embed(X_train.iloc[map_rows], method="tsne", perplexity=30, random_state=0)
placed = tsne.transform(X_inf.iloc[new_rows])
print(tsne.text())
fig = plot_embedding_overlay(
    tsne.coords, placed, labels=(f"training, r < {BRIGHT:g}", "inference"),
    highlight=outside[new_rows],
    title="inference rows placed into a t-SNE map of the training rows",
    axis_labels=("t-SNE 1", "t-SNE 2"))
fig.savefig("05_embedding_overlay.png", dpi=120)

# %% [markdown]
# Read the map with care: `transform` can only put a new row *near the training rows it
# most resembles* -- a map of the training set has no empty territory for genuinely new
# objects, so out-of-coverage rows pile up at the edges of the training clouds or on top
# of them. That is why the red points are the coverage score's verdict, not the map's.
#
# ## Why the probabilities cannot be trusted outside coverage
#
# * A classifier learns $p(\mathrm{class} \mid \mathrm{features})$ **where it has
#   training rows**. Outside, trees extend their last leaf and networks extrapolate
#   linearly: the output is still a valid-looking probability vector, but nothing has
#   fitted it.
# * Calibration measured on held-out training-like rows (the bright control here) says
#   nothing about the faint rows: the noise, the class mix (quasars and faint galaxies
#   dominate at $r > 21$) and the colours themselves differ.
# * Compare the accuracy and confidence columns of the table above. In the bright bins
#   they are close; in the faint bins, outside coverage, the confidence falls too -- but
#   not necessarily as fast as the accuracy (on the simulated catalog the model is
#   overconfident at $r > 22$). Nothing guarantees how the two move apart, and without
#   faint labels you could not even check: a model can be confidently wrong where it
#   has never seen data.
#
# What to do: report the coverage score with every prediction and flag (or drop) rows
# above the threshold; extend the training set towards the inference population (deeper
# spectroscopy, or importance weighting when the overlap is partial); and quote
# performance only for the region the training set covers.
#
# Figures written: `05_outside_fraction.png`, `05_coverage_scores.png`,
# `05_embedding_overlay.png`.
