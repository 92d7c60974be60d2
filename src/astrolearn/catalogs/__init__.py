"""Catalog tasks: star/galaxy/quasar classification (photometric redshifts: astrolearn.photoz)."""

from astrolearn.catalogs.classifier import SourceClassifier
from astrolearn.catalogs.photometry import PhotometryFeatures, PhotometryReport

__all__ = ["PhotometryFeatures", "PhotometryReport", "SourceClassifier"]
