"""Tests of astrolearn.photoz.storage: 16-bit PDFs in Parquet, reading them back, qp export."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.photoz import PhotoZ
from astrolearn.photoz.pdf import gaussian_mixture_on_grid, make_grid
from astrolearn.photoz.storage import (
    dequantise_pdfs,
    grid_metadata,
    quantise_pdfs,
    read_pdfs,
    to_qp,
)
from astrolearn.scale import predict_table_file

ZGRID = make_grid(0.0, 3.0, 301)


@pytest.fixture(scope="module")
def pdfs():
    rng = np.random.default_rng(0)
    n = 200
    means = rng.uniform(0.2, 2.8, (n, 2))
    sigmas = rng.uniform(0.01, 0.3, (n, 2))
    weights = rng.dirichlet([1.0, 1.0], n)
    return gaussian_mixture_on_grid(ZGRID, means, sigmas, weights)


def peak_relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / b.max(axis=1, keepdims=True)))


# ---------------------------------------------------------------------------------------
# quantisation
# ---------------------------------------------------------------------------------------


def test_quantise_by_hand():
    # [0, 1, 2, 1, 0] / 2 * 65535 = [0, 32767.5, 65535, 32767.5, 0]; numpy rounds half to
    # even: 32768
    codes = quantise_pdfs(np.array([[0.0, 1.0, 2.0, 1.0, 0.0]]))
    assert codes.dtype == np.uint16
    assert codes.tolist() == [[0, 32768, 65535, 32768, 0]]
    # a zero PDF stays zero (no division by zero), negatives are clipped
    assert quantise_pdfs(np.zeros((1, 4))).tolist() == [[0, 0, 0, 0]]
    assert quantise_pdfs(np.array([[-1.0, 0.5, 1.0]])).tolist() == [[0, 32768, 65535]]


def test_round_trip_precision(pdfs):
    codes = quantise_pdfs(pdfs)
    assert codes.shape == pdfs.shape and codes.dtype == np.uint16
    assert np.all(codes.max(axis=1) == 65535)
    back = dequantise_pdfs(codes, ZGRID)
    # rounding to 1/65535 of the peak: half a step is 7.6e-6 of the peak (plus the
    # renormalisation, of the same order)
    assert peak_relative_error(back, pdfs) < 1e-4
    np.testing.assert_allclose(np.trapezoid(back, ZGRID, axis=1), 1.0, rtol=1e-12)


def test_grid_metadata():
    import json

    meta = grid_metadata(ZGRID)
    assert list(meta) == [b"astrolearn.zgrid"]
    assert json.loads(meta[b"astrolearn.zgrid"]) == {"min": 0.0, "max": 3.0, "n": 301}


# ---------------------------------------------------------------------------------------
# prediction files
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from astrolearn.datasets import simulate_catalog

    folder = tmp_path_factory.mktemp("storage")
    cat = simulate_catalog(1500, seed=3)
    gal = cat[cat["class"] == "GALAXY"].reset_index(drop=True)
    pz = PhotoZ(model="knn", errors="{band}_err", ebv="ebv", n_jobs=1).fit(gal, "redshift")
    path = folder / "catalog.parquet"
    cat.iloc[:700].to_parquet(path)
    return pz, cat.iloc[:700].reset_index(drop=True), path, folder


def test_parquet_round_trip(setup):
    pz, cat, path, folder = setup
    out = folder / "pred.parquet"
    run = predict_table_file(pz, path, out, id_column="object_id", chunk_rows=300)
    assert (run.rows, run.chunks) == (700, 3)
    zgrid, read, table = read_pdfs(out)
    np.testing.assert_allclose(zgrid, pz.zgrid_, rtol=0, atol=1e-12)
    expected = pz.predict_pdf(cat)
    assert read.shape == expected.shape
    assert peak_relative_error(read, expected) < 1e-4
    # the other columns: the id and the point estimates, in the input order
    frame = pz.predict_frame(cat, pdf=False)
    assert list(table.columns) == ["object_id", *frame.columns]
    np.testing.assert_array_equal(table["object_id"], cat["object_id"])
    for column in frame.columns:
        np.testing.assert_allclose(table[column], frame[column], rtol=1e-6, atol=1e-7)


def test_csv_without_pdfs(setup):
    pz, cat, path, folder = setup
    out = folder / "pred.csv"
    predict_table_file(pz, path, out, id_column="object_id", chunk_rows=400,
                       predict_options={"pdf": False})
    table = pd.read_csv(out)
    assert "pdf" not in table.columns
    assert list(table.columns) == ["object_id", "z_median", "z_mode", "z_mean", "z_best",
                                   "z_risk", "z_lo68", "z_hi68", "z_lo95", "z_hi95",
                                   "z_err68"]
    assert len(table) == 700
    np.testing.assert_allclose(table["z_best"], pz.predict(cat), rtol=1e-5, atol=1e-6)
    # a CSV holds no PDFs
    with pytest.raises(AstrolearnInputError, match="not a Parquet file"):
        read_pdfs(out)


def test_parquet_without_pdfs(setup):
    pz, _, path, folder = setup
    out = folder / "nopdf.parquet"
    predict_table_file(pz, path, out, predict_options={"pdf": False})
    with pytest.raises(AstrolearnInputError, match="holds no photo-z PDFs"):
        read_pdfs(out)
    # nor does a plain table without the grid metadata
    with pytest.raises(AstrolearnInputError, match="holds no photo-z PDFs"):
        read_pdfs(path)


def test_missing_file(tmp_path):
    with pytest.raises(AstrolearnInputError, match="no such file"):
        read_pdfs(tmp_path / "absent.parquet")


def test_empty_input_gives_empty_pdfs(setup):
    pz, cat, _, folder = setup
    path = folder / "empty.parquet"
    cat.iloc[:0].to_parquet(path)
    out = folder / "empty_pred.parquet"
    run = predict_table_file(pz, path, out)
    assert run.rows == 0
    zgrid, read, table = read_pdfs(out)
    np.testing.assert_allclose(zgrid, pz.zgrid_)
    assert read.shape[0] == 0 and len(table) == 0


# ---------------------------------------------------------------------------------------
# qp
# ---------------------------------------------------------------------------------------


def test_to_qp(pdfs):
    pytest.importorskip("qp")
    ancil = pd.DataFrame({"object_id": np.arange(len(pdfs))})
    ensemble = to_qp(ZGRID, pdfs, ancil=ancil)
    assert ensemble.npdf == len(pdfs)
    np.testing.assert_allclose(ensemble.pdf(np.array([1.0]))[:, 0],
                               pdfs[:, np.searchsorted(ZGRID, 1.0)], rtol=1e-4)


def test_to_qp_without_qp(pdfs, monkeypatch):
    monkeypatch.setitem(sys.modules, "qp", None)  # makes "import qp" raise ImportError
    with pytest.raises(AstrolearnInputError, match="qp package is not installed"):
        to_qp(ZGRID, pdfs)
