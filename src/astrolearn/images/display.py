"""Display stretch for galaxy cutouts: what a screen (a figure, a web page) shows.

Linear fluxes (FITS cutouts, simulator counts) are shown with a per-image arcsinh stretch in
the manner of Lupton et al. (2004, PASP 116, 133): a per-band background (median of the
border pixels) is subtracted, the pixels are expressed in units of the image's noise (1.4826
x the median absolute deviation of the border), and the total intensity ``I`` (mean over the
shown bands) is mapped through ``asinh(I / soft)`` with ``soft`` = 1 noise unit, every band
being scaled by the same factor so that colours are kept. Black is the background; white is
the 99.5th percentile of the stretched image, but never less than ``asinh(30)`` (30 times the
noise), so that a blank cutout stays dark instead of showing its noise at full contrast.
Images whose pixels all lie in [0, 1] are taken as already display-stretched (8-bit
PNG/JPEG colour composites) and shown as they are (``stretch="auto"``).

Bands: 1 band is shown in grey, 3 bands as RGB in the stored order (channel 0 red: the order
of RGB composites, and of :func:`astrolearn.datasets.galaxy_sim.simulate_galaxies`, whose band
0 is the reddest); 2 bands as (R, G, B) = (band 0, mean, band 1); 4 or more as RGB from the
channels ``0, (n - 1) // 2, n - 1``. Row 0 of a cutout is drawn at the top (the convention of
PNG/JPEG cutouts; an array read from FITS appears flipped up-down compared with DS9, which does
not matter for spotting anomalies).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from astrolearn.errors import AstrolearnInputError

__all__ = ["BATCH", "STRETCHES", "display_images"]

#: Display stretches of :func:`display_images`.
STRETCHES = ("auto", "arcsinh", "none")
#: Images stretched at a time (bounds the memory of the float64 work arrays).
BATCH = 512

_SOFT = 1.0  # arcsinh softening, in noise units
_WHITE_FLOOR = 30.0  # white is never below asinh(30 / soft): blank cutouts stay dark
_WHITE_PERCENTILE = 99.5


def _check_images(images: Any) -> np.ndarray:
    """The images as an array of shape (n, bands, height, width) (3-D input gets one band)."""
    array = np.asarray(images)
    if array.dtype.kind not in "fiub":
        raise AstrolearnInputError(
            f"the images must be a numeric array, got dtype {array.dtype}",
            fix="pass float32 cutouts of shape (n, bands, height, width)")
    if array.ndim == 3:
        array = array[:, None]
    if array.ndim != 4 or min(array.shape[1:], default=0) < 1:
        raise AstrolearnInputError(
            f"the images must have shape (n, bands, height, width), got {array.shape}",
            fix="pass channels-first (NCHW) cutouts; convert NHWC arrays with "
            "images.transpose(0, 3, 1, 2)")
    return array


def _resolve_stretch(images: np.ndarray, stretch: str) -> str:
    """``"arcsinh"`` or ``"none"`` (``"auto"``: ``"none"`` when every pixel lies in [0, 1])."""
    if stretch not in STRETCHES:
        raise AstrolearnInputError(f"unknown stretch {stretch!r}",
                                   fix=f"use one of {', '.join(STRETCHES)}")
    if stretch != "auto":
        return stretch
    if images.dtype.kind == "b":
        return "none"
    if images.size == 0:
        return "arcsinh"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN array
        low, high = np.nanmin(images), np.nanmax(images)
    if not (np.isfinite(low) and np.isfinite(high)):
        return "arcsinh"
    return "none" if 0.0 <= float(low) and float(high) <= 1.0 else "arcsinh"


def _band_map(batch: np.ndarray) -> np.ndarray:
    """(n, C, H, W) -> (n, k, H, W) with k = 1 (grey) or 3 (R, G, B); see the module docstring."""
    bands = batch.shape[1]
    if bands in (1, 3):
        return batch
    if bands == 2:
        return np.stack([batch[:, 0], 0.5 * (batch[:, 0] + batch[:, 1]), batch[:, 1]], axis=1)
    return batch[:, [0, (bands - 1) // 2, bands - 1]]


def _display_float(batch: np.ndarray, mode: str) -> np.ndarray:
    """Display values in [0, 1], float32, shape (n, H, W, k) with k = 1 or 3."""
    x = _band_map(np.asarray(batch, dtype=np.float64))
    x = np.where(np.isfinite(x), x, np.nan)
    if mode == "none":
        out = np.clip(np.nan_to_num(x, nan=0.0), 0.0, 1.0)
        return np.moveaxis(out, 1, -1).astype(np.float32)
    n, k, h, w = x.shape
    edge = max(1, min(h, w) // 8)
    border = np.ones((h, w), dtype=bool)
    border[edge:h - edge, edge:w - edge] = False
    if not border.any() or border.all():
        border = np.ones((h, w), dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN images or borders
        rim = x[:, :, border]  # (n, k, m)
        background = np.nanmedian(rim, axis=2)
        background = np.where(np.isfinite(background), background, 0.0)
        mad = np.nanmedian(np.abs(rim - background[:, :, None]), axis=2)
        sigma = 1.4826 * np.where(np.isfinite(mad), mad, 0.0)
        whole = np.nanstd(x.reshape(n, k, -1), axis=2)
    sigma = np.where(sigma > 0, sigma, np.where(np.isfinite(whole) & (whole > 0), whole, 0.0))
    # one noise unit per image (the median over bands) so that flux ratios, i.e. colours, stay
    noise = np.median(sigma, axis=1)
    noise = np.where(noise > 0, noise, 1.0)
    x = np.nan_to_num((x - background[:, :, None, None]) / noise[:, None, None, None], nan=0.0)
    intensity = x.mean(axis=1) / _SOFT  # (n, H, W)
    safe = np.where(np.abs(intensity) > 1e-8, intensity, 1.0)
    factor = np.where(np.abs(intensity) > 1e-8, np.arcsinh(safe) / safe, 1.0) / _SOFT
    stretched = x * factor[:, None]  # each band scaled as asinh(I) / I: colours kept
    level = np.arcsinh(intensity)
    white = np.maximum(np.percentile(level.reshape(n, -1), _WHITE_PERCENTILE, axis=1),
                       math.asinh(_WHITE_FLOOR / _SOFT))
    out = stretched / white[:, None, None, None]
    if k > 1:  # a saturated colour keeps its hue: divide by the brightest band
        peak = out.max(axis=1, keepdims=True)
        out = np.where(peak > 1.0, out / np.where(peak > 1.0, peak, 1.0), out)
    out = np.clip(out, 0.0, 1.0)
    return np.moveaxis(out, 1, -1).astype(np.float32)


def display_images(images: Any, *, stretch: str = "auto") -> np.ndarray:
    """Turn cutouts into 8-bit display images, as the explore page shows them.

    Parameters
    ----------
    images : array of shape (n, bands, height, width)
        Cutouts (linear fluxes or already-stretched values in [0, 1]); a 3-D array is
        taken as one band. Not modified. NaN and infinite pixels are shown as background.
    stretch : {"auto", "arcsinh", "none"}
        ``"arcsinh"``: the per-image Lupton-style arcsinh stretch of the module docstring;
        ``"none"``: the values as they are, clipped to [0, 1]; ``"auto"``: ``"none"`` when
        every pixel of the array lies in [0, 1], else ``"arcsinh"``.

    Returns
    -------
    numpy.ndarray of uint8
        ``(n, height, width)`` for grey (1 band), ``(n, height, width, 3)`` for colour (2
        or more bands; see the module docstring for the band mapping).

    Examples
    --------
    >>> cutout = np.zeros((1, 1, 9, 9), dtype="float32"); cutout[0, 0, 4, 4] = 1000.0
    >>> shown = display_images(cutout + 0.01 * np.arange(81).reshape(9, 9) % 0.05)
    >>> shown.shape, shown.dtype, int(shown[0, 4, 4]), int(shown[0, 0, 0])
    ((1, 9, 9), dtype('uint8'), 255, 0)
    """
    array = _check_images(images)
    mode = _resolve_stretch(array, stretch)
    parts = [_display_float(array[i:i + BATCH], mode) for i in range(0, len(array), BATCH)]
    if not parts:
        return np.zeros((0, *array.shape[2:]), dtype=np.uint8)
    out = np.round(np.concatenate(parts) * 255.0).astype(np.uint8)
    return out[..., 0] if out.shape[-1] == 1 else out


