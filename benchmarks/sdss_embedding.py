"""Benchmark: t-SNE and UMAP maps of 20,000 SDSS DR17 objects (ugriz + adjacent colours).

Data: ../shared/data/sdss/sdss_dr17_100k.parquet (or $ASTROLEARN_DATA/sdss/...).
Sample: 20,000 objects drawn with seed 0 (astrolearn.explore.embedding.sample_rows).
Features: u, g, r, i, z and u-g, g-r, r-i, i-z (PhotometryFeatures, impute=True; the one
row with -9999 magnitudes is imputed), standardised by median/IQR inside embed().
For each method: the figure pair coloured by r and by the spectroscopic class, saved under
--out; wall time of the embedding and of the figure; the adjusted Rand index of k-means
(3 clusters) on the 2-D map against the class; and the 5-fold cross-validated accuracy of
a k=15 nearest-neighbour classifier of the class on the 2-D map (how well the map keeps
the classes apart; the map itself saw all rows, so this measures separation, not a
classifier). The same two scores on the 9 standardised features are the reference row.

    python benchmarks/sdss_embedding.py [--methods tsne,umap] [--n 20000] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import time
from argparse import Namespace
from pathlib import Path

import numpy as np
import pandas as pd
from _common import data_path, hardware, markdown
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import RobustScaler

from astrolearn.explore.clustering import cluster_features
from astrolearn.explore.embedding import (
    EMBEDDING_METHODS,
    catalog_features,
    colour_values,
    embed,
    sample_rows,
)
from astrolearn.explore.figures import plot_embedding_pair

BANDS = ["u", "g", "r", "i", "z"]


def scores(coords: np.ndarray, labels: np.ndarray, seed: int) -> tuple[float, float]:
    """ARI of k-means (3) against the class, and the 5-fold kNN (k=15) accuracy."""
    ari = cluster_features(coords, method="kmeans", n_clusters=3, truth=labels,
                           random_state=seed).adjusted_rand
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    accuracy = cross_val_score(KNeighborsClassifier(15), coords, labels, cv=folds,
                               n_jobs=1).mean()
    return float(ari), float(accuracy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="tsne,umap")
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("/tmp/astrolearn-embedding"))
    args = parser.parse_args()

    data = data_path("sdss", "sdss_dr17_100k.parquet")
    full = pd.read_parquet(data)
    frame = sample_rows(full, args.n, args.seed)
    labels = frame["class"].astype(str).to_numpy()
    features = catalog_features(frame, Namespace(features=None, bands=",".join(BANDS),
                                                 errors=None, colours="adjacent"))
    args.out.mkdir(parents=True, exist_ok=True)

    print(f"data: {data} ({len(full):,} rows); random {len(frame):,} rows, seed {args.seed}")
    print(f"features: {', '.join(features.columns)}")
    print(f"hardware: {hardware()}; n_jobs {args.n_jobs}; "
          f"load average at start {os.getloadavg()[0]:.1f}")

    scaled = RobustScaler(unit_variance=True).fit_transform(features.to_numpy(float))
    ari, accuracy = scores(scaled, labels, args.seed)
    rows = [{"method": f"reference: {features.shape[1]} standardised features",
             "rows": len(frame), "embed_s": "-", "figure_s": "-", "total_s": "-",
             "kmeans3_ARI": round(ari, 3), "kNN15_accuracy": round(accuracy, 3)}]
    notes = []
    for method in [m.strip() for m in args.methods.split(",") if m.strip()]:
        if method == "umap":  # numba compiles UMAP on its first call in a process
            start = time.perf_counter()
            embed(features.iloc[:300], method="umap", random_state=args.seed)
            notes.append(f"UMAP's one-off numba compilation (first call in a process, "
                         f"300 rows): {time.perf_counter() - start:.1f} s, not included")
        start = time.perf_counter()
        embedding = embed(features, method=method, random_state=args.seed, n_jobs=args.n_jobs)
        embed_s = time.perf_counter() - start
        name = EMBEDDING_METHODS[method]
        start = time.perf_counter()
        fig = plot_embedding_pair(
            embedding.coords, {"r": colour_values(frame, "r", BANDS), "class": labels},
            title=f"SDSS DR17: {name} of {len(frame):,} objects (ugriz + adjacent colours)",
            axis_labels=(f"{name} 1", f"{name} 2"), random_state=args.seed)
        path = args.out / f"sdss_{method}.png"
        fig.savefig(path, dpi=150)
        figure_s = time.perf_counter() - start
        ari, accuracy = scores(embedding.coords, labels, args.seed)
        rows.append({"method": name, "rows": len(frame), "embed_s": f"{embed_s:.1f}",
                     "figure_s": f"{figure_s:.1f}", "total_s": f"{embed_s + figure_s:.1f}",
                     "kmeans3_ARI": round(ari, 3), "kNN15_accuracy": round(accuracy, 3)})
        notes.append(f"{name} settings: {embedding.params}; figure: {path}")
    print(f"load average at end {os.getloadavg()[0]:.1f}\n")
    print(markdown(pd.DataFrame(rows)))
    print()
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
