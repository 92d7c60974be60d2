"""Exoplanet transits: light-curve reading and detrending, period search, views, vetting.

A single-band light curve travels as a pandas long table with the columns

``object_id``  identifier of the star (e.g. ``"KIC 11442793"`` or ``"TIC 25155310"``)
``time``       time in days (BKJD for Kepler, BTJD for TESS, any consistent scale otherwise)
``flux``       relative flux, normalised to a median of 1 per quarter or sector
``flux_err``   its 1-sigma error

sorted by ``object_id`` then ``time``.
"""

from astrolearn.transits.classifier import TransitClassifier
from astrolearn.transits.detrend import detrend, detrend_lightcurves
from astrolearn.transits.lightcurves import (
    as_lightcurves,
    clean_transit_lightcurve,
    lightcurve_from_arrays,
    lightcurve_from_lightkurve,
    read_mission_fits,
)
from astrolearn.transits.pipeline import search_lightcurves, simulate_signals
from astrolearn.transits.search import find_transits, search_periods
from astrolearn.transits.views import global_view, local_view, make_views, views_table

__all__ = [
    "TransitClassifier",
    "as_lightcurves",
    "clean_transit_lightcurve",
    "detrend",
    "detrend_lightcurves",
    "find_transits",
    "global_view",
    "lightcurve_from_arrays",
    "lightcurve_from_lightkurve",
    "local_view",
    "make_views",
    "read_mission_fits",
    "search_lightcurves",
    "search_periods",
    "simulate_signals",
    "views_table",
]
