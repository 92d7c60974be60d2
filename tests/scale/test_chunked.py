"""Chunked prediction: identical to in-memory prediction, bounded chunks, atomic, safe."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.scale import predict_table_file


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_chunked_predictions_equal_in_memory_predictions(tmp_path, catalog, fitted, suffix):
    catalog.to_parquet(tmp_path / "cat.parquet")
    run = predict_table_file(fitted, tmp_path / "cat.parquet", tmp_path / f"pred{suffix}",
                             id_column="object_id", chunk_rows=700)
    assert run.rows == len(catalog) and run.chunks == int(np.ceil(len(catalog) / 700))
    out = pd.read_parquet(run.output) if suffix == ".parquet" else pd.read_csv(run.output)
    assert out["object_id"].tolist() == catalog["object_id"].tolist()
    expected = fitted.predict_proba(catalog)
    np.testing.assert_allclose(out[["prob_GALAXY", "prob_QSO", "prob_STAR"]], expected,
                               atol=1e-6)
    assert (out["predicted_class"].astype(str) == fitted.predict(catalog)).all()


def test_refuses_to_overwrite_its_input(tmp_path, catalog, fitted):
    path = tmp_path / "cat.parquet"
    catalog.to_parquet(path)
    before = path.read_bytes()
    with pytest.raises(AstrolearnInputError, match="overwrite the input"):
        predict_table_file(fitted, path, path)
    assert path.read_bytes() == before


def test_failure_midway_leaves_no_output(tmp_path, catalog, fitted):
    bad = catalog.copy()
    bad["g"] = bad["g"].astype(object)
    bad.loc[bad.index[2500], "g"] = "oops"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(AstrolearnInputError, match="'g'"):
        predict_table_file(fitted, tmp_path / "bad.csv", tmp_path / "pred.parquet",
                           chunk_rows=1000)
    assert not (tmp_path / "pred.parquet").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]
