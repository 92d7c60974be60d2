"""Galaxy images: reading cutouts, astronomy-aware preprocessing, and CNN classifiers."""
