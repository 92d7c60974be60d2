"""Figures of galaxy cutouts: grids of thumbnails with titles (ids, labels, scores).

Cutouts are shown with :func:`astrolearn.images.display.display_images` (a per-image arcsinh
stretch of linear fluxes; display-stretched values in [0, 1] as they are).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["plot_cutouts"]


def plot_cutouts(images: np.ndarray, *, titles: Sequence[str] | None = None, ncols: int = 8,
                 stretch: str = "auto", panel_size: float = 1.6):
    """A grid of cutouts with optional titles (e.g. id, label, score).

    Parameters
    ----------
    images : ndarray of shape (n, bands, height, width)
    titles : sequence of str, optional
        One title per cutout (may hold newlines).
    ncols : int, default 8
    stretch : {"auto", "arcsinh", "none"}, default "auto"
        See :func:`~astrolearn.images.display.display_images`.
    panel_size : float, default 1.6
        Inches per panel.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_cutouts(np.random.default_rng(0).normal(size=(3, 1, 16, 16)),
    ...                    titles=["a", "b", "c"])
    >>> len(fig.axes)
    3
    """
    import matplotlib.pyplot as plt

    from astrolearn.images.display import display_images

    n = len(images)
    if n == 0:
        raise ValueError("no cutouts to plot")
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    title_lines = max((t.count("\n") + 1 for t in titles), default=0) if titles else 0
    fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                             figsize=(panel_size * ncols,
                                      (panel_size + 0.18 * title_lines) * nrows))
    shown = display_images(images, stretch=stretch)
    for k, ax in enumerate(axes.ravel()):
        if k >= n:
            fig.delaxes(ax)
            continue
        ax.imshow(shown[k], cmap="gray" if shown.ndim == 3 else None, vmin=0, vmax=255,
                  interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[k], fontsize=7)
    fig.tight_layout()
    return fig
