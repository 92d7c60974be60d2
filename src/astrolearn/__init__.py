"""astrolearn: machine learning for astronomy, from a table to survey-scale predictions."""

from astrolearn.errors import AstrolearnInputError

__version__ = "0.1.0"

__all__ = ["AstrolearnInputError", "PhotoZ", "SourceClassifier", "__version__"]


def __getattr__(name: str):
    # Lazy import keeps `import astrolearn` fast (no torch, no lightgbm until needed).
    if name == "SourceClassifier":
        from astrolearn.catalogs.classifier import SourceClassifier

        return SourceClassifier
    if name == "PhotoZ":
        from astrolearn.photoz.estimator import PhotoZ

        return PhotoZ
    raise AttributeError(f"module 'astrolearn' has no attribute {name!r}")
