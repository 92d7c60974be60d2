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
# # 3. Clustering and embeddings: looking at colour space without labels
#
# Before training a classifier it pays to *look* at the data. Two families of tools help:
#
# * **clustering** (k-means, Gaussian mixtures, HDBSCAN) splits the rows into groups
#   that are close in feature space -- without ever seeing the labels;
# * **embeddings** (t-SNE, UMAP) draw a high-dimensional feature space as a 2-D map in
#   which neighbours stay neighbours.
#
# Both are tempting to over-read. This tutorial uses
# `astrolearn.explore.clustering.cluster_features` and `astrolearn.explore.embedding.embed`
# on the colours of stars, galaxies and quasars, and scores the clusters against the
# spectroscopic class to show the main lesson: **clusters are not classes**.
#
# Data: the SDSS DR17 sample when present (`$ASTROLEARN_DATA` or `../shared/data`:
# `sdss/sdss_dr17_100k.parquet`), otherwise a simulated catalog. Figures are written as
# PNG files in the current folder. `ASTROLEARN_TUTORIAL_FAST=1` uses 1,500 rows.

# %%
import os

import pandas as pd

from astrolearn.catalogs import PhotometryFeatures
from astrolearn.datasets import example_catalog
from astrolearn.explore.clustering import CLUSTERING_METHODS, cluster_features
from astrolearn.explore.embedding import embed
from astrolearn.explore.figures import plot_clusters, plot_embedding_pair

FAST = os.environ.get("ASTROLEARN_TUTORIAL_FAST", "0") not in ("", "0")


catalog, source = example_catalog(1500 if FAST else 20000, seed=0)
print(f"data: {source}, {len(catalog):,} rows; classes "
      f"{catalog['class'].value_counts().to_dict()}")

# %% [markdown]
# ## Features: colours
#
# We describe each object by its four adjacent colours $u-g$, $g-r$, $r-i$, $i-z$: the
# shape of its spectrum, independent of how far away (how bright) it is. Catalogs mark
# non-detections and unobserved bands with sentinels such as 99 and -99; clustering and
# embeddings need complete numbers, so `PhotometryFeatures(..., impute=True)` replaces a
# non-detection by a faint fill value ("at least this faint") and a missing band by the
# median before computing colours. (It also adds 0/1 indicator columns, which we do not
# use: binary columns split a map into islands that only say "had a non-detection".)

# %%
photometry = PhotometryFeatures(["u", "g", "r", "i", "z"], errors=None, colours="adjacent",
                                impute=True).fit(catalog)
for line in photometry.report_.lines():
    print(f"photometry: {line}")
table = photometry.transform(catalog)
X = table[["u-g", "g-r", "r-i", "i-z"]]
r_mag = photometry.magnitudes(catalog)[:, 2]   # r, with sentinels as NaN (for colouring)
truth = catalog["class"]

# %% [markdown]
# ## Clustering, scored against the class
#
# `cluster_features` standardises the features (median and inter-quartile range), runs
# the algorithm and, given `truth=`, reports:
#
# * the **adjusted Rand index** (ARI) and **adjusted mutual information** (AMI): 1 when
#   clusters and classes are the same partition, about 0 for a random one;
# * a per-cluster table: the majority class of each cluster and its **purity** (the
#   fraction of the cluster in that class);
# * the **silhouette** (-1 to 1): around 0.7 and above the clusters are well separated;
#   around 0.25 and below they are slices of one continuous cloud.
#
# We ask k-means and the Gaussian mixture for 3 clusters -- as many as there are classes,
# the most favourable setting for "clusters = classes" -- and let HDBSCAN choose the
# number itself (it also labels sparse rows as noise, -1).

# %%
results = {}
for method in ["kmeans", "gmm", "hdbscan"]:
    result = cluster_features(X, method=method, n_clusters=3, truth=truth, random_state=0)
    results[method] = result
    print(result.text())
    print()

summary = pd.DataFrame([
    {"method": CLUSTERING_METHODS[m], "clusters": r.n_clusters, "noise rows": r.n_noise,
     "silhouette": round(r.silhouette, 3), "ARI": round(r.adjusted_rand, 3),
     "AMI": round(r.adjusted_mutual_info, 3),
     "median purity": round(float(r.per_cluster.loc[r.per_cluster["cluster"] >= 0,
                                                      "purity"].median()), 3)}
    for m, r in results.items()])
print(summary.to_string(index=False))

kmeans = results["kmeans"]
fig = plot_clusters(kmeans.projection, kmeans.labels, truth=kmeans.truth, truth_name="class",
                    title="k-means (3 clusters) vs class, first two principal components",
                    axis_labels=("principal component 1", "principal component 2"))
fig.savefig("03_kmeans_clusters.png", dpi=120)

# %% [markdown]
# **Reading the numbers.** One cluster is usually a fairly pure block of galaxies (the
# red, low-redshift ones sit apart in colour), while stars and quasars share clusters:
# at $z \approx 2.7$ quasar colours cross the stellar locus, and hot white dwarfs sit
# next to low-redshift quasars in $u-g$. The ARI stays far below 1 and the silhouette is
# low: colour space is mostly one continuous cloud with density ridges, and an
# unsupervised algorithm cuts it where the density is lowest, which is not where the
# class boundaries are. Use clusters as a *map* of the data (find sub-populations,
# outliers, artefacts), not as labels.

# %% [markdown]
# ## Embeddings: t-SNE and UMAP
#
# `embed` standardises the features the same way and fits a 2-D map: t-SNE through
# openTSNE, UMAP through umap-learn. The fitted model is kept, so new rows can later be
# placed into the same map (`Embedding.transform`, tutorial 5).
#
# In such a map **neighbours are meaningful; distances between groups, group sizes and
# shapes are not**. The classic figure is the same map twice: coloured by a magnitude
# (here $r$: is brightness a hidden axis of the map?) and by the class (do the classes
# occupy their own regions?). `plot_embedding_pair` draws it.

# %%
tsne = embed(X, method="tsne", perplexity=30, random_state=0)
print(tsne.text())
fig = plot_embedding_pair(tsne.coords, {"r": r_mag, "class": truth},
                          title=f"t-SNE of {len(X):,} objects, colours u-g, g-r, r-i, i-z",
                          axis_labels=("t-SNE 1", "t-SNE 2"))
fig.savefig("03_tsne_pair.png", dpi=120)

# The k-means clusters drawn on the t-SNE map: a different view of the same partition.
fig = plot_clusters(tsne.coords, kmeans.labels, truth=kmeans.truth, truth_name="class",
                    title="k-means clusters on the t-SNE map",
                    axis_labels=("t-SNE 1", "t-SNE 2"))
fig.savefig("03_tsne_kmeans.png", dpi=120)

# %% [markdown]
# UMAP is usually faster than t-SNE on large tables and keeps somewhat more of the
# large-scale structure. Its first call in a Python session compiles code with numba,
# which takes about ten seconds.

# %%
umap_map = embed(X, method="umap", n_neighbors=15, min_dist=0.1, random_state=0)
print(umap_map.text())
fig = plot_embedding_pair(umap_map.coords, {"r": r_mag, "class": truth},
                          title=f"UMAP of {len(X):,} objects, colours u-g, g-r, r-i, i-z",
                          axis_labels=("UMAP 1", "UMAP 2"))
fig.savefig("03_umap_pair.png", dpi=120)

# %% [markdown]
# ## What to take away
#
# * Scoring clusters against known labels (ARI, AMI, purity per cluster) is the honest
#   way to say how "class-like" they are -- and in photometric colour space they are
#   not very class-like.
# * A t-SNE or UMAP map shows which objects are neighbours in feature space. Classes
#   that blend on the map blend in the features: no classifier on these features alone
#   will separate them perfectly. Colouring by $r$ shows whether faint (noisy) objects
#   smear out the structure.
# * Never measure distances or sizes on these maps, and try more than one seed or
#   perplexity before trusting a feature of the picture.
#
# Figures written: `03_kmeans_clusters.png`, `03_tsne_pair.png`, `03_tsne_kmeans.png`,
# `03_umap_pair.png`.
