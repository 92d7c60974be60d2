"""Predictions as a lazy LSDB catalog, for users who already work in LSDB.

:func:`predict_catalog` maps a catalog model over every HEALPix partition of an LSDB
catalog (after a cone search, a cross-match or a column selection, say) and returns a new
lazy catalog of predictions with the input's id, RA and Dec, which can be searched,
cross-matched, computed, or written with ``to_hats``. Given a model folder, the tasks
carry only its path and each worker process loads the model once (the folder must be on a
file system the workers share); a fitted model object is pickled into every task.
"""

from __future__ import annotations

import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.scale.engines import ModelSource

__all__ = ["predict_catalog"]


def _predict_partition(frame: pd.DataFrame, model, keep: list[str],
                       options: dict) -> pd.DataFrame:
    if isinstance(model, ModelSource):
        model = model.load_once()
    out = model.predict_frame(frame, **options)
    out.index = frame.index
    return pd.concat([frame[keep], out], axis=1)


def predict_catalog(model, catalog, *, id_column: str | None = None,
                    predict_options: dict | None = None):
    """A lazy LSDB catalog of ``model``'s predictions for every row of ``catalog``.

    Parameters
    ----------
    model : estimator or str or Path
        Fitted catalog model (``required_columns()``, ``predict_frame()``) or model folder.
    catalog : lsdb.Catalog
        The catalog to predict (opened with ``lsdb.open_catalog`` or built by LSDB).
    id_column : str, optional
        Column kept beside RA, Dec and the predictions.
    predict_options : dict, optional
        Keyword arguments of ``model.predict_frame``.

    Returns
    -------
    lsdb.Catalog
        Lazy; ``.compute()`` gives a DataFrame, ``.to_hats(path)`` writes a HATS catalog.

    Examples
    --------
    >>> import lsdb
    >>> from astrolearn.datasets import simulate_catalog
    >>> from astrolearn.catalogs import SourceClassifier
    >>> cat = simulate_catalog(2000, seed=4)
    >>> clf = SourceClassifier(model_params={"n_estimators": 10}).fit(cat, "class")
    >>> sky = lsdb.from_dataframe(cat, ra_column="ra", dec_column="dec")
    >>> result = predict_catalog(clf, sky, id_column="object_id").compute()
    >>> len(result), "prob_STAR" in result.columns
    (2000, True)
    """
    if not hasattr(catalog, "map_partitions") or not hasattr(catalog, "hc_structure"):
        raise AstrolearnInputError("predict_catalog needs an LSDB catalog",
                                   fix="open it with lsdb.open_catalog(path)")
    source = None
    if not hasattr(model, "predict_frame"):
        source = ModelSource.of(model)
        model = source.load_once()
    info = catalog.hc_structure.catalog_info
    keep = list(dict.fromkeys(c for c in (id_column, info.ra_column, info.dec_column) if c))
    columns = list(catalog.columns)
    for name in [*keep, *model.required_columns()]:
        if name not in columns:
            raise AstrolearnInputError("the catalog lacks a column the model needs",
                                       column=name, fix="open the catalog with that column "
                                       "(lsdb.open_catalog(path, columns=...))")
    options = dict(predict_options or {})
    meta = _predict_partition(catalog.meta, model, keep, options)
    return catalog.map_partitions(_predict_partition, source or model, keep, options,
                                  meta=meta)
