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
# # 6. Classifying transients from their light curves -- before they are over
#
# A survey like LSST sends millions of alerts a night. Each is a handful of flux
# measurements in a few bands, unevenly spaced, with seasonal gaps and non-detections.
# Spectra, which give the true class, exist for a tiny, bright fraction. Brokers must
# decide which few objects deserve a spectrum *while they are still bright*, from the
# first days of the light curve.
#
# This tutorial walks through what `astrolearn.transients` does about it:
#
# 1. simulated light curves of eight classes, with an LSST-like cadence;
# 2. turning an irregular multi-band light curve into a fixed set of numbers (features:
#    parametric fits of Bazin et al. 2009 and Villar et al. 2019 from the `light-curve`
#    package, colours at peak, redshift terms);
# 3. a gradient-boosting classifier, scored on an independent draw, complete and after
#    N days since the first detection;
# 4. why spectroscopic training sets mislead, and what redshift augmentation does.
#
# `ASTROLEARN_TUTORIAL_FAST=1` uses 40 objects per class.

# %%
import os

import numpy as np

from astrolearn.datasets import simulate_transients
from astrolearn.transients import TransientClassifier
from astrolearn.transients.evaluation import (
    evaluate_transients,
    plot_lightcurve,
    plot_metrics_by_days,
)
from astrolearn.transients.features import extract_features

FAST = os.environ.get("ASTROLEARN_TUTORIAL_FAST") == "1"
PER_CLASS = 40 if FAST else 250

# %% [markdown]
# ## 1. Light curves
#
# `simulate_transients` draws supernovae (Ia, Ibc, II-P, IIn), superluminous supernovae,
# tidal disruption events, AGN and periodic variable stars at redshifts drawn from their
# volumetric rates, observes them with a cadence of about three years of LSST seasons,
# and keeps those detected at least twice. Each row of the long table is one
# observation; the objects table holds the host-galaxy photometric redshift and the
# Milky-Way reddening.

# %%
lc, objects = simulate_transients(PER_CLASS, survey="lsst", seed=0)
test_lc, test_objects = simulate_transients(PER_CLASS // 2, survey="lsst", seed=1)
print(f"simulated {len(objects):,} training objects, {len(lc):,} observations")
print(lc.head())
print(objects[["object_id", "label", "redshift", "redshift_err", "mwebv"]].head())

# %% [markdown]
# Most points are *not* detections: the flux is measured at the position anyway (forced
# photometry), so it scatters around zero, sometimes below. Those points still tell the
# classifier when the object was *not* bright.

# %%
print(f"fraction of points detected at 5 sigma: {lc['detected'].mean():.2f}")
ia = objects.loc[objects["label"] == "SNIa", "object_id"].iloc[0]
plot_lightcurve(lc, ia, objects=objects).savefig("tutorial06_lightcurve.png", dpi=80)

# %% [markdown]
# ## 2. Features
#
# A classifier wants a fixed-length row per object. Per band, the features describe the
# *shape* of the flux (fluxes are divided by the object's brightest detection), and a
# few numbers carry the brightness and colour. Times are counted from the first
# detection, so a light curve observed a year later gives the same row. With a redshift,
# the peak magnitude minus the distance modulus is an absolute-magnitude proxy: SNe Ia
# are standard candles, and SLSNe are ten times brighter than them.

# %%
table = extract_features(lc, objects, bands=list("ugrizy"),
                         wavelengths={"u": 3671, "g": 4827, "r": 6223, "i": 7546,
                                      "z": 8691, "y": 9712})
print(f"{table.shape[1]} features per object")
labels = objects.set_index("object_id").loc[table.index, "label"]
print(table.groupby(labels.to_numpy())["abs_mag_proxy"].median().round(1))

# %% [markdown]
# ## 3. Classify, then classify early
#
# `TransientClassifier` cleans the light curves, computes the features and trains
# LightGBM. It also adds a truncated copy of every training object, cut at a random
# number of days after its first detection, so it has seen partial light curves like
# the ones it will be asked about. `predict_proba(..., days=N)` uses only the first N
# days after each first detection.

# %%
clf = TransientClassifier(survey="lsst", model_params={"n_estimators": 200})
clf.fit(lc, "label", objects=objects)
classes = list(clf.classes_)
proba = clf.predict_proba(test_lc, test_objects)
by_days = {d: clf.predict_proba(test_lc, test_objects, days=d) for d in (5, 10, 20, 40)}
evaluation = evaluate_transients(test_objects["label"].to_numpy(), proba, classes,
                                 proba_by_days=by_days, positive="SNIa")
print(evaluation.text())
plot_metrics_by_days(evaluation.by_days).savefig("tutorial06_by_days.png", dpi=80)
print(f"accuracy after 10 days: {evaluation.by_days['accuracy'].iloc[1]:.2f}, "
      f"complete: {evaluation.summary['accuracy']:.2f}")

# %% [markdown]
# The confusion matrix shows what is hard: core-collapse supernovae of different types
# look alike, and SNe Ia resemble SNe Ibc in broad bands. AGN and periodic stars are easy:
# they vary for years. The PLAsTiCC challenge scored classifiers with a *weighted* log
# loss in which every class counts equally, however rare, so a classifier cannot win by
# ignoring rare classes; `astrolearn.transients.metrics.plasticc_log_loss` computes it.
#
# ## 4. A biased training set, and redshift augmentation
#
# Spectra are taken of bright objects, which are nearby. A model trained on them has
# never seen a faint, distant, time-dilated supernova. Boone (2019) fixed that by moving
# every training object to higher redshifts: a Gaussian process models its light curve
# across time and wavelength, and the copy is observed with the cadence and noise of the
# real survey (`fit(..., augment=N, cadence_pool=...)`).
#
# Here the "spectroscopic" training set keeps the nearest third of the objects.

# %%
near = objects[objects["redshift"] < objects["redshift"].quantile(0.33)]
near_lc = lc[lc["object_id"].isin(near["object_id"])]
results = {}
for copies in (0, 3):
    model = TransientClassifier(survey="lsst", model_params={"n_estimators": 200})
    model.fit(near_lc, "label", objects=near, augment=copies, cadence_pool=test_lc,
              pool_objects=test_objects)
    predicted = model.predict(test_lc, test_objects)
    results[copies] = float(np.mean(predicted == test_objects["label"].to_numpy()))
print(f"trained on the nearest third: accuracy {results[0]:.2f} without augmentation, "
      f"{results[3]:.2f} with 3 redshifted copies per object")
