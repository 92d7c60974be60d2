"""Multi-band light curves of transients: reading, cleaning, features, classifiers.

Light curves travel as one pandas "long table", one row per observation, with the
canonical columns

``object_id``  identifier of the object (int or str)
``time``       observation time in days (MJD)
``band``       passband name (str), e.g. ``"g"`` or ``"lsstr"``
``flux``       linear flux (SNANA ``FLUXCAL`` convention: zero point 27.5), may be negative
``flux_err``   its 1-sigma error (> 0)
``detected``   bool, the survey's detection flag (or SNR >= 5 when none is given)

sorted by ``object_id`` then ``time``. Per-object metadata is a second table keyed by
``object_id`` with optional ``redshift``, ``redshift_err`` and ``mwebv`` columns.
"""

from astrolearn.transients.classifier import TransientClassifier
from astrolearn.transients.lightcurves import (
    clean_lightcurves,
    read_lightcurves,
    read_objects,
    read_snana,
    truncate_lightcurves,
)

__all__ = [
    "TransientClassifier",
    "clean_lightcurves",
    "read_lightcurves",
    "read_objects",
    "read_snana",
    "truncate_lightcurves",
]
