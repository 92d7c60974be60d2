"""Exact, faster batch prediction for LightGBM models (the default catalog classifier).

LightGBM's own predictor walks every tree for one row before it moves to the next, with a
branch per node that the processor cannot predict; for the default source model (500
iterations x 3 classes of 127-leaf trees) that sets the speed of ``astrolearn predict``.
:class:`TreeKernel` reads the trees once into flat arrays and walks them the other way
round: a block of 256 rows goes through one tree at a time, one level at a time, with the
branch replaced by arithmetic (``child[2 * node + (x > threshold)]``, leaves pointing to
themselves), so the tree stays in the processor's cache and the rows' walks overlap.
It is compiled by numba (already used through umap-learn) and cached on disk.

The result is LightGBM's to the last bit or two of a double: the same decisions (missing
values sent the way the model learnt, LightGBM's zero threshold of 1e-35), the leaf values
summed in the same order, the same softmax or sigmoid. Models it cannot reproduce exactly
(categorical splits, linear trees, random-forest mode, objectives other than binary and
multiclass softmax, the "zero as missing" mode) return ``None`` from :meth:`from_booster`
and keep LightGBM's predictor.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import numba
import numpy as np

__all__ = ["TreeKernel"]

#: Rows walked through each tree together (fits the level-1 cache with 24 features).
BLOCK_ROWS = 256
#: LightGBM treats |x| <= this as exactly zero (``kZeroThreshold``).
_ZERO_THRESHOLD = 1e-35
# numba's default threading layer must not be entered by two threads at once
_LOCK = threading.Lock()


@numba.njit(parallel=True, cache=True, nogil=True)
def _raw_scores(x, feature, threshold, nan_right, child, value, roots, depth, n_outputs,
                block):  # pragma: no cover - compiled by numba
    n = x.shape[0]
    out = np.zeros((n, n_outputs))
    for b in numba.prange((n + block - 1) // block):
        lo = b * block
        m = min(n, lo + block) - lo
        rows = np.empty((m, x.shape[1]))
        for i in range(m):
            for j in range(x.shape[1]):
                v = np.float64(x[lo + i, j])
                rows[i, j] = 0.0 if abs(v) <= _ZERO_THRESHOLD else v
        node = np.empty(m, np.int32)
        acc = np.zeros((m, n_outputs))
        for t in range(roots.shape[0]):
            for i in range(m):
                node[i] = roots[t]
            for _ in range(depth[t]):
                for i in range(m):
                    k = node[i]
                    v = rows[i, feature[k]]
                    right = (v > threshold[k]) | (np.isnan(v) & nan_right[k])
                    node[i] = child[2 * k + right]
            c = t % n_outputs
            for i in range(m):
                acc[i, c] += value[node[i]]
        out[lo:lo + m] = acc
    return out


@dataclass(frozen=True)
class TreeKernel:
    """A LightGBM model as flat node arrays, predicted by a compiled block kernel.

    Examples
    --------
    >>> import lightgbm, numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 3)); y = (x[:, 0] + x[:, 1] > 0).astype(int)
    >>> booster = lightgbm.train({"objective": "binary", "verbose": -1},
    ...                          lightgbm.Dataset(x, y), num_boost_round=5)
    >>> kernel = TreeKernel.from_booster(booster)
    >>> bool(np.allclose(kernel.predict_proba(x)[:, 1], booster.predict(x), atol=1e-12))
    True
    """

    feature: np.ndarray     # split feature of each node (0 for leaves)
    threshold: np.ndarray   # go right when x > threshold (+inf for leaves)
    nan_right: np.ndarray   # where a missing value goes
    child: np.ndarray       # children of node k at 2k, 2k + 1 (a leaf points to itself)
    value: np.ndarray       # leaf value of each node (0 for internal nodes)
    roots: np.ndarray       # first node of each tree
    depth: np.ndarray       # levels to walk in each tree
    n_outputs: int          # trees per iteration: classes, or 1
    link: str               # "softmax" or "sigmoid"
    sigmoid: float = 1.0

    @classmethod
    def from_booster(cls, booster) -> TreeKernel | None:
        """Read a ``lightgbm.Booster``; ``None`` if the kernel cannot reproduce it.

        The trees are read from LightGBM's text model (``model_to_string``): per tree,
        arrays of split features, thresholds, decision types and children (a negative
        child ``c`` is leaf ``~c``), split ``i`` always created after its parent.
        """
        header, *trees = booster.model_to_string().split("\nTree=")
        head = _key_values(header)
        objective = head.get("objective", "").split()
        if not objective or "average_output" in header.split("\n"):
            return None
        options = dict(part.split(":", 1) for part in objective[1:] if ":" in part)
        if objective[0] == "multiclass":
            link, n_outputs = "softmax", int(head["num_tree_per_iteration"])
        elif objective[0] == "binary" and int(head.get("num_tree_per_iteration", 1)) == 1:
            link, n_outputs = "sigmoid", 1
        else:
            return None
        parts: dict[str, list[np.ndarray]] = {k: [] for k in
                                              ("feature", "threshold", "nan_right", "child",
                                               "value")}
        roots, depths, start = [], [], 0
        for text in trees:
            tree = _key_values(text.split("\nend of trees")[0])
            if "num_leaves" not in tree:
                continue
            if int(tree.get("num_cat", 0)) or int(tree.get("is_linear", 0)):
                return None
            arrays = _tree_arrays(tree, start)
            if arrays is None:
                return None
            for key, array in zip(parts, arrays[:5], strict=True):
                parts[key].append(array)
            roots.append(start)
            depths.append(arrays[5])
            start += len(arrays[4])
        return cls(*(np.concatenate(parts[k]) for k in parts),
                   np.asarray(roots, np.int64), np.asarray(depths, np.int64),
                   n_outputs, link, float(options.get("sigmoid", 1.0)))

    def raw_scores(self, features: np.ndarray, n_jobs: int | None = None) -> np.ndarray:
        """Sum of leaf values per row and output, as LightGBM's ``raw_score=True``."""
        x = np.ascontiguousarray(features)
        if x.dtype not in (np.float32, np.float64):
            x = x.astype(np.float64)
        threads = n_jobs or int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or None
        threads = min(threads or numba.config.NUMBA_NUM_THREADS,
                      numba.config.NUMBA_NUM_THREADS)
        with _LOCK:
            numba.set_num_threads(max(1, threads))
            return _raw_scores(x, self.feature, self.threshold, self.nan_right, self.child,
                          self.value, self.roots, self.depth, self.n_outputs, BLOCK_ROWS)

    def predict_proba(self, features: np.ndarray, n_jobs: int | None = None) -> np.ndarray:
        """Class probabilities (two columns for a binary model), as LightGBM gives them."""
        raw = self.raw_scores(features, n_jobs)
        if self.link == "sigmoid":
            p = 1.0 / (1.0 + np.exp(-self.sigmoid * raw[:, 0]))
            return np.column_stack([1.0 - p, p])
        raw -= raw.max(axis=1, keepdims=True)
        np.exp(raw, out=raw)
        raw /= raw.sum(axis=1, keepdims=True)
        return raw


def _key_values(text: str) -> dict[str, str]:
    """``key=value`` lines of a LightGBM text model section."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def _numbers(tree: dict[str, str], key: str, dtype) -> np.ndarray:
    return np.array(tree.get(key, "").split(), dtype=dtype)


def _tree_arrays(tree: dict[str, str], start: int):
    """Node arrays of one tree (splits first, then leaves) and its depth; None if the
    kernel cannot reproduce its decisions."""
    leaves = _numbers(tree, "leaf_value", np.float64)
    n_splits = len(leaves) - 1
    if n_splits == 0:  # a one-leaf tree
        return (np.zeros(1, np.int32), np.full(1, np.inf), np.zeros(1, bool),
                np.array([start, start], np.int32), leaves, 0)
    threshold = _numbers(tree, "threshold", np.float64)
    decision = _numbers(tree, "decision_type", np.int64)
    missing = (decision >> 2) & 3  # 0 none, 1 zero, 2 NaN
    if (decision & 1).any() or (missing == 1).any():  # categorical, or zero as missing
        return None
    default_left = (decision & 2) > 0
    # LightGBM: NaN -> the default side when missing_type is NaN, else NaN -> 0
    nan_right = np.where(missing == 2, ~default_left, ~(0.0 <= threshold))
    links = np.stack([_numbers(tree, "left_child", np.int64),
                      _numbers(tree, "right_child", np.int64)], axis=1)
    local = np.where(links >= 0, links, n_splits + ~links)  # leaf j -> node n_splits + j
    n = n_splits + len(leaves)
    child = np.repeat(np.arange(n), 2).reshape(n, 2)  # leaves point to themselves
    child[:n_splits] = local
    depth = np.zeros(n, np.int64)
    for i in range(n_splits):  # parents come before their children
        depth[local[i]] = depth[i] + 1
    feature = np.zeros(n, np.int32)
    feature[:n_splits] = _numbers(tree, "split_feature", np.int64)
    return (feature, np.concatenate([threshold, np.full(len(leaves), np.inf)]),
            np.concatenate([nan_right, np.zeros(len(leaves), bool)]),
            (child + start).astype(np.int32).ravel(),
            np.concatenate([np.zeros(n_splits), leaves]), int(depth.max()))
