"""Catalog tasks: star/galaxy/quasar classification (and, later, photometric redshifts)."""

from astrolearn.catalogs.classifier import SourceClassifier
from astrolearn.catalogs.photometry import PhotometryFeatures, PhotometryReport

__all__ = ["PhotometryFeatures", "PhotometryReport", "SourceClassifier"]
