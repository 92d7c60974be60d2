"""Photometric redshifts with calibrated PDFs: estimators, metrics, figures, storage."""

from astrolearn.photoz.estimator import PhotoZ

__all__ = ["PhotoZ"]
