"""PDF recalibration from the PIT distribution of held-out objects.

If an estimator's PDFs are too narrow (or too wide, or biased), the probability integral
transform PIT = CDF(z_true) of held-out objects is not uniform. With G the CDF of those
PIT values, replacing every CDF F(z) by G(F(z)) makes the PIT of objects like them
uniform (Bordoloi et al. 2010). G is a monotone cubic (PCHIP) through the PIT quantiles,
so the recalibrated PDF g(F(z)) f(z) stays smooth and positive.

Examples
--------
>>> from astrolearn.photoz.pdf import gaussian_mixture_on_grid, make_grid, pit_values
>>> rng = np.random.default_rng(0)
>>> zgrid = make_grid(0, 2, 401)
>>> truth = rng.uniform(0.5, 1.5, 2000); guess = truth + rng.normal(0, 0.1, 2000)
>>> narrow = gaussian_mixture_on_grid(zgrid, guess[:, None], np.full((2000, 1), 0.05),
...                                   np.ones((2000, 1)))
>>> cal = PITRecalibration().fit(pit_values(narrow, zgrid, truth))
>>> wide = cal.transform(narrow, zgrid)
>>> from astrolearn.photoz.pdf import pdf_interval
>>> lo, hi = pdf_interval(wide, zgrid, 0.68)
>>> 0.6 < float(np.mean((truth > lo) & (truth < hi))) < 0.76
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.interpolate import PchipInterpolator

from astrolearn.errors import AstrolearnInputError
from astrolearn.photoz.pdf import normalise_pdfs, pdf_cdf

__all__ = ["PITRecalibration"]


class PITRecalibration:
    """Monotone map of CDF values that makes held-out PIT values uniform.

    Parameters
    ----------
    objects_per_knot : int, default 75
        Held-out objects per knot of the map (between 5 and 50 knots are used): fewer
        objects per knot follow the PIT histogram more closely but more noisily.
    """

    def __init__(self, objects_per_knot: int = 75) -> None:
        self.objects_per_knot = int(objects_per_knot)

    def fit(self, pit) -> PITRecalibration:
        """Learn the map from PIT values of held-out objects."""
        pit = np.asarray(pit, dtype=np.float64).ravel()
        if pit.size < 50 or not np.all(np.isfinite(pit)):
            raise AstrolearnInputError(
                f"PIT recalibration needs at least 50 finite PIT values, got {pit.size}",
                fix="hold out more calibration rows or turn recalibration off")
        n_knots = int(np.clip(pit.size // self.objects_per_knot, 5, 50))
        levels = np.linspace(0.0, 1.0, n_knots + 1)
        knots = np.quantile(np.clip(pit, 0.0, 1.0), levels)
        knots[0], knots[-1] = 0.0, 1.0
        # strictly increasing knots (ties when many PIT values are exactly 0 or 1)
        knots = np.maximum.accumulate(knots + 1e-6 * np.arange(knots.size))
        knots = (knots - knots[0]) / (knots[-1] - knots[0])
        self.knots_, self.levels_ = knots, levels
        self._build()
        return self

    def _build(self) -> None:
        self.map_ = PchipInterpolator(self.knots_, self.levels_)
        self.slope_ = self.map_.derivative()

    def transform(self, pdfs: np.ndarray, zgrid: np.ndarray) -> np.ndarray:
        """Recalibrated PDFs: g(F(z)) f(z), renormalised."""
        cdf = pdf_cdf(pdfs, zgrid)
        pdfs = normalise_pdfs(pdfs, zgrid)
        return normalise_pdfs(pdfs * np.clip(self.slope_(cdf), 0.0, None), zgrid)

    def get_state(self) -> dict[str, Any]:
        """The knots of the map, as JSON-serialisable data."""
        return {"objects_per_knot": self.objects_per_knot, "knots": self.knots_.tolist(),
                "levels": self.levels_.tolist()}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> PITRecalibration:
        """Rebuild a fitted map from :meth:`get_state`."""
        self = cls(state["objects_per_knot"])
        self.knots_ = np.asarray(state["knots"], dtype=np.float64)
        self.levels_ = np.asarray(state["levels"], dtype=np.float64)
        self._build()
        return self
