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
# # 4. Bias, variance and data leaks: is the score you measured the score you will get?
#
# Two questions to ask of every trained model:
#
# 1. **Bias or variance?** Does the model underfit (even its training rows are
#    predicted badly: *high bias*) or overfit (training rows much better than new ones:
#    *high variance*)? Learning curves (score against training-set size) and complexity
#    curves (score against one hyperparameter) answer it, and say whether more data, a
#    simpler or a richer model would help. `astrolearn.explore.learning` draws them and
#    writes the diagnosis in one line.
# 2. **Is the validation score honest?** A *data leak* -- information in the features or
#    in the split that will not exist when the model is used -- inflates it.
#    `astrolearn.explore.leakage.check_leaks` runs the usual checks before you fit. We
#    look at two classic astronomical leaks: the spectroscopic redshift as a feature of a
#    spectroscopic classification, and neighbouring objects on the sky split between
#    training and test.
#
# The model throughout is astrolearn's star / galaxy / quasar classifier
# (`astrolearn.catalogs.SourceClassifier`, LightGBM on magnitudes, colours and
# non-detection flags). Data: the SDSS DR17 sample when present (`$ASTROLEARN_DATA` or
# `../shared/data`: `sdss/sdss_dr17_100k.parquet`), otherwise a simulated catalog.
# `ASTROLEARN_TUTORIAL_FAST=1` uses 3,000 rows and small models.

# %%
import os

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split

from astrolearn.catalogs import SourceClassifier
from astrolearn.datasets import example_catalog
from astrolearn.explore.leakage import check_leaks
from astrolearn.explore.learning import (
    complexity_curve,
    learning_curve,
    plot_complexity_curve,
    plot_learning_curve,
)
from astrolearn.validation import SkyGroupKFold

FAST = os.environ.get("ASTROLEARN_TUTORIAL_FAST", "0") not in ("", "0")
BANDS = ["u", "g", "r", "i", "z"]


catalog, source = example_catalog(3000 if FAST else 20000, seed=0)
labels = catalog["class"].to_numpy()
print(f"data: {source}, {len(catalog):,} rows; classes "
      f"{catalog['class'].value_counts().to_dict()}")

# A small, fast LightGBM; one thread each (a laptop or a shared machine stays usable).
TREES = 60 if FAST else 200


def classifier(**options):
    params = {"n_estimators": TREES, "learning_rate": 0.1, **options.pop("params", {})}
    return SourceClassifier(BANDS, model_params=params, n_jobs=1, random_state=0, **options)


# %% [markdown]
# ## Learning curve
#
# `learning_curve` fits the classifier on growing subsets of the training folds (here
# 3-fold cross-validation, stratified by class) and records the accuracy on the
# training subset ($T$) and on the validation fold ($V$). The diagnosis compares them at
# the largest size: a gap $T - V$ above 0.05 means high variance; a training score that
# is itself low (below 0.9 of the best possible) means high bias. While $V$ still rises,
# more data helps.

# %%
curve = learning_curve(classifier(), catalog, labels, cv=3,
                       train_sizes=(0.1, 0.25, 0.5, 1.0), random_state=0)
print(curve.text())
plot_learning_curve(curve).savefig("04_learning_curve.png", dpi=120)

# %% [markdown]
# ## Complexity curve
#
# The number of leaves per tree is LightGBM's main complexity knob. `complexity_curve`
# scores each value by cross-validation (`"model_params.num_leaves"` reaches into the
# classifier's `model_params` dict). Few leaves: simple trees, training and validation
# scores close together and both lower (bias). Many leaves: the training score goes to 1
# while the validation score stalls (variance). We also allow small leaves
# (`min_child_samples=5`) so that the overfitting shows.
#
# Gradient-boosted trees are forgiving: past the best value the validation score often
# stays on a plateau instead of falling, and the "best" value on a plateau is decided by
# noise (differences of 0.001). The one-line diagnosis reads the raw means, so check the
# table too: a common rule is to take the *simplest* value whose validation score is
# within one standard deviation of the best (the "one-standard-error rule").

# %%
complexity = complexity_curve(classifier(params={"min_child_samples": 5}), catalog, labels,
                              param_name="model_params.num_leaves",
                              param_range=[2, 8, 32, 256], cv=3, random_state=0)
print(complexity.text())
best = complexity.best_index
within = np.flatnonzero(complexity.valid_mean
                        >= complexity.valid_mean[best] - complexity.valid_std[best])
simplest = complexity.param_range[int(within.min())]  # the range runs simple -> complex
print(f"best num_leaves = {complexity.best_value} (validation {complexity.best_score:.3f}); "
      f"simplest within one standard deviation of it: num_leaves = {simplest}")
plot_complexity_curve(complexity).savefig("04_complexity_curve.png", dpi=120)

# %% [markdown]
# ## Leak (a): the redshift gives the class away
#
# Catalogs with spectroscopic classes usually also carry the spectroscopic redshift --
# measured from the *same spectrum* as the class. Stars have $z \approx 0$, most
# quasars $z > 1$: as a feature it nearly answers the question. Many public notebooks on
# this SDSS table quote ~98 % accuracy this way. But a photometric classifier is meant
# for objects *without* spectra, which have no spectroscopic redshift: the score is a
# fiction.
#
# We train the classifier twice on the same split, with and without
# `extra=("redshift",)`, and then ask `check_leaks` about the training table alone. Its
# target-leakage check scores every column *on its own* with a small cross-validated
# decision tree (ROC AUC for a class label) and fails any column that reaches 0.95.

# %%
train, test = train_test_split(catalog, test_size=0.25, stratify=labels, random_state=0)
honest = classifier().fit(train, train["class"])
leaky = classifier(extra=("redshift",)).fit(train, train["class"])
accuracy_honest = np.mean(honest.predict(test) == test["class"].to_numpy())
accuracy_leaky = np.mean(leaky.predict(test) == test["class"].to_numpy())
print(f"test accuracy without redshift: {accuracy_honest:.3f}")
print(f"test accuracy with redshift   : {accuracy_leaky:.3f}  (inflated by "
      f"{accuracy_leaky - accuracy_honest:+.3f}: a target leak)")

report = check_leaks(train, label="class", features=[*BANDS, "redshift"])
print(report.text())
print(report.summary())
target = report.check("target leakage")
print(target.details.to_string(index=False, float_format="{:.3f}".format))
flagged = target.details.loc[target.details["leak"], "column"].tolist()
print(f"check_leaks flags as target leaks: {flagged or 'nothing'}")

# %% [markdown]
# Note the scores: on its own, the redshift reaches a ROC AUC near 0.98 while a single
# magnitude gets about 0.65-0.7. The balanced accuracy of the redshift alone stays below
# 0.95 (galaxies and quasars overlap at $z < 1$), which is why the check uses the ROC AUC.
# The "near duplicates" check may also report a pair: the same object observed twice.
#
# ## Leak (b): neighbours on the sky
#
# Objects close together on the sky share photometric calibration, Galactic dust,
# survey depth and targeting. A random split puts neighbours on both sides; a model can
# then learn the quirks of a sky patch and be rewarded for them in validation, but a
# new field has other quirks. `SkyGroupKFold` cuts the sky into HEALPix cells (nside 16,
# about 13 deg² each) and keeps every cell in one fold. `check_leaks` with `ra`/`dec`
# counts test rows that share a cell with training rows.

# %%
random_report = check_leaks(train, test, features=BANDS, ra="ra", dec="dec")
print("random split:", random_report.check("shared sky cells").line())

sky = SkyGroupKFold(4, ra="ra", dec="dec", random_state=0)
train_rows, test_rows = next(sky.split(catalog, labels))
grouped_report = check_leaks(catalog.iloc[train_rows], catalog.iloc[test_rows],
                             features=BANDS, ra="ra", dec="dec")
print("sky-grouped split:", grouped_report.check("shared sky cells").line())

# %% [markdown]
# Does it change the measured accuracy here? Compare 3-fold cross-validation with
# stratified random folds and with sky-grouped folds, same model.

# %%
random_scores = cross_val_score(classifier(), catalog, labels,
                                cv=StratifiedKFold(3, shuffle=True, random_state=0))
sky_scores = cross_val_score(classifier(), catalog, labels,
                             cv=SkyGroupKFold(3, ra="ra", dec="dec", random_state=0))
difference = random_scores.mean() - sky_scores.mean()
noise = np.hypot(random_scores.std(), sky_scores.std())
print(f"accuracy, random folds     : {random_scores.mean():.3f} +- {random_scores.std():.3f}")
print(f"accuracy, sky-grouped folds: {sky_scores.mean():.3f} +- {sky_scores.std():.3f}")
if difference > max(2 * noise, 0.01):
    verdict = "random folds are more optimistic: the random split leaks sky information"
else:
    verdict = ("random folds are not measurably more optimistic (less than 1 percentage "
               "point or within the fold-to-fold scatter): no measurable sky leak here")
print(f"random minus sky-grouped: {difference:+.3f}; {verdict}")

# %% [markdown]
# **Be honest about this one.** On this data the difference is usually small -- within
# the fold-to-fold scatter. The simulated catalog has no sky-dependent calibration
# errors at all (only dust and star counts vary with position, smoothly), and the SDSS
# photometry is well calibrated and the model does not see the coordinates. The check is
# still worth running: the size of the leak depends on the survey (patchy depth or
# calibration, targeted fields, features that include position), and a grouped split
# costs nothing. The shared-cell count tells you whether your split *could* leak; the
# accuracy comparison tells you whether it *did*.
#
# ## What to take away
#
# * Read learning and complexity curves before tuning: they say whether to collect more
#   data, simplify the model, or find better features.
# * Run `check_leaks` (or `astrolearn explore leaks`) on the tables before fitting: a
#   column that predicts the label by itself is usually measured with or after the label.
# * Split the way the model will be used: by sky region for a new field, by object for
#   repeated observations.
#
# Figures written: `04_learning_curve.png`, `04_complexity_curve.png`.
