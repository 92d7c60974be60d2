"""Tests of astrolearn.transits.lightcurves: mission FITS files, arrays, lightkurve-like
objects, DataFrames and the upward-only outlier clip."""

from __future__ import annotations

import warnings

import astropy.units as u
import numpy as np
import pandas as pd
import pytest
from astropy.io import fits
from astropy.time import Time
from astropy.utils.masked import Masked

from astrolearn.errors import AstrolearnInputError
from astrolearn.transits.lightcurves import (
    KEPLER_QUALITY_BITMASKS,
    TESS_QUALITY_BITMASKS,
    as_lightcurves,
    clean_transit_lightcurve,
    iter_stars,
    lightcurve_from_arrays,
    lightcurve_from_lightkurve,
    read_mission_fits,
)

# --------------------------------------------------------------------------------------
# a small light-curve FITS writer (the layout of the Kepler / TESS SPOC files)
# --------------------------------------------------------------------------------------


def write_lc(path, time, flux, *, flux_err=None, quality=None, mission="Kepler", star=11442793,
             segment=3, columns=("PDCSAP", "SAP"), header=None, quality_column=True):
    """Write a minimal mission light-curve FITS file and return its path."""
    time = np.asarray(time, dtype=float)
    flux = np.asarray(flux, dtype=float)
    flux_err = np.full(time.size, 1.0) if flux_err is None else np.asarray(flux_err, float)
    quality = np.zeros(time.size, dtype=np.int32) if quality is None else np.asarray(quality)
    primary = fits.Header()
    ext = fits.Header()
    if mission == "TESS":
        primary.update({"TELESCOP": "TESS", "TICID": star, "SECTOR": segment,
                        "OBJECT": f"TIC {star}"})
        ext.update({"BJDREFI": 2457000, "BJDREFF": 0.0})
        qname = "QUALITY"
    else:
        primary.update({"TELESCOP": "Kepler", "MISSION": mission, "KEPLERID": star,
                        "OBJECT": f"KIC {star}"})
        primary["CAMPAIGN" if mission == "K2" else "QUARTER"] = segment
        ext.update({"BJDREFI": 2454833, "BJDREFF": 0.0})
        qname = "SAP_QUALITY"
    for key, value in (header or {}).items():
        if value is None:
            primary.remove(key, ignore_missing=True)
        else:
            primary[key] = value
    cols = [fits.Column(name="TIME", format="D", array=time)]
    for prefix in columns:
        cols.append(fits.Column(name=f"{prefix}_FLUX", format="E", array=flux))
        cols.append(fits.Column(name=f"{prefix}_FLUX_ERR", format="E", array=flux_err))
    if quality_column:
        cols.append(fits.Column(name=qname, format="J", array=quality))
    hdul = fits.HDUList([fits.PrimaryHDU(header=primary),
                         fits.BinTableHDU.from_columns(cols, name="LIGHTCURVE", header=ext)])
    hdul.writeto(path)
    return path


def quarter(rng, t0, n, level, noise=1e-3):
    time = t0 + np.arange(n) * 0.0204
    flux = level * (1 + noise * rng.standard_normal(n))
    return time, flux


# --------------------------------------------------------------------------------------
# read_mission_fits
# --------------------------------------------------------------------------------------


def test_two_quarters_with_different_medians_are_stitched(tmp_path):
    rng = np.random.default_rng(0)
    t3, f3 = quarter(rng, 260.0, 400, 40000.0)
    t4, f4 = quarter(rng, 352.0, 300, 43000.0)  # a different aperture: 7.5 % brighter
    p3 = write_lc(tmp_path / "q3_llc.fits", t3, f3, flux_err=np.full(400, 40.0), segment=3)
    p4 = write_lc(tmp_path / "q4_llc.fits", t4, f4, flux_err=np.full(300, 43.0), segment=4)
    lc = read_mission_fits([p4, p3])  # order of the list does not matter
    assert lc["object_id"].unique().tolist() == ["KIC 11442793"]
    assert list(lc.columns) == ["object_id", "time", "flux", "flux_err", "segment"]
    assert np.all(np.diff(lc["time"].to_numpy()) > 0)
    assert lc["segment"].tolist() == [3] * 400 + [4] * 300
    medians = lc.groupby("segment")["flux"].median()
    np.testing.assert_allclose(medians.to_numpy(), [1.0, 1.0], rtol=1e-12)
    # errors scale with the flux: 40 / ~40000 and 43 / ~43000
    np.testing.assert_allclose(lc["flux_err"].to_numpy(), 1e-3, rtol=0.01)
    # no step at the join: both quarters sit at 1 (without normalisation they do not)
    raw = read_mission_fits([p3, p4], normalise=False)
    raw_medians = raw.groupby("segment")["flux"].median().to_numpy()
    assert raw_medians[1] / raw_medians[0] == pytest.approx(43000 / 40000, rel=0.01)
    assert lc.attrs["mission"] == "Kepler"
    assert lc.attrs["time_reference"] == "BKJD = BJD - 2454833"
    assert lc.attrs["normalised"] is True and raw.attrs["normalised"] is False
    assert [f["segment"] for f in lc.attrs["files"]] == [3, 4]
    assert lc.attrs["files"][0]["median_flux"] == pytest.approx(np.median(f3.astype(np.float32)))
    # the table passes through as_lightcurves unchanged, its reading record kept
    again = as_lightcurves(lc)
    pd.testing.assert_frame_equal(again, lc)
    assert again.attrs["mission"] == "Kepler" and again.attrs["files"] == lc.attrs["files"]


def test_quality_bitmask_kepler_and_tess(tmp_path):
    time = np.arange(8.0)
    flux = np.full(8, 100.0)
    #           ok  tweak cosmic zero-crossing impulsive no-data  manual(K) 128+1
    quality = [0, 1, 128, 16, 2048, 65536, 256, 129]
    path = write_lc(tmp_path / "k.fits", time, flux, quality=quality)

    def kept(**kw):
        return read_mission_fits(path, **kw)["time"].astype(int).tolist()

    assert kept() == [0, 2, 3, 4]                      # default: 1, 65536, 256 (and 129)
    assert kept(quality="hard") == [0, 3, 4]            # + 128 (cosmic ray in aperture)
    assert kept(quality="none") == list(range(8))
    assert kept(quality=16) == [0, 1, 2, 4, 5, 6, 7]    # an integer bitmask as given
    assert kept(quality="hardest") == [0]
    lc = read_mission_fits(path)
    assert lc.attrs["quality_bitmask"] == KEPLER_QUALITY_BITMASKS["default"] == 1130799
    assert lc.attrs["dropped"]["quality"] == 4
    assert lc.attrs["files"][0]["dropped_quality"] == 4
    # the same numbers mean other things for TESS: 128 is "manual exclude" (default),
    # 256 "discontinuity corrected" and 65536 is no TESS bit at all
    tess = write_lc(tmp_path / "t.fits", time, flux, quality=quality, mission="TESS",
                    star=25155310, segment=1)
    assert read_mission_fits(tess)["time"].astype(int).tolist() == [0, 3, 4, 5, 6]
    assert TESS_QUALITY_BITMASKS["default"] == 175


def test_nan_and_bad_errors_are_dropped_and_counted(tmp_path):
    time = np.array([1.0, np.nan, 3.0, 4.0, 5.0, 6.0])
    flux = np.array([10.0, 10.0, np.nan, 10.0, 10.0, 12.0])
    err = np.array([0.1, 0.1, 0.1, 0.0, -1.0, 0.1])
    path = write_lc(tmp_path / "nan.fits", time, flux, flux_err=err, quality=[0, 0, 0, 0, 0, 1])
    lc = read_mission_fits(path)
    assert lc["time"].tolist() == [1.0]
    info = lc.attrs["files"][0]
    assert (info["dropped_quality"], info["dropped_time"], info["dropped_flux"],
            info["dropped_flux_err"], info["n_kept"]) == (1, 1, 1, 2, 1)
    assert np.isfinite(lc[["time", "flux", "flux_err"]].to_numpy()).all()


def test_missing_flux_column_names_file_column_and_fix(tmp_path):
    path = write_lc(tmp_path / "sap_only.fits", np.arange(5.0), np.full(5, 10.0),
                    columns=("SAP",))
    with pytest.raises(AstrolearnInputError) as info:
        read_mission_fits(path)
    text = str(info.value)
    assert "sap_only.fits" in text and "PDCSAP_FLUX" in text and 'flux="sap"' in text
    assert read_mission_fits(path, flux="sap")["flux"].tolist() == [1.0] * 5
    # neither flux: the error lists what the file has
    other = write_lc(tmp_path / "qlp.fits", np.arange(5.0), np.full(5, 10.0),
                     columns=("KSPSAP",))
    with pytest.raises(AstrolearnInputError, match="KSPSAP_FLUX"):
        read_mission_fits(other)
    assert len(read_mission_fits(other, flux="KSPSAP_FLUX")) == 5


def test_unreadable_inputs_are_refused_clearly(tmp_path):
    with pytest.raises(AstrolearnInputError, match="no such file"):
        read_mission_fits(tmp_path / "absent.fits")
    with pytest.raises(AstrolearnInputError, match="matches no file"):
        read_mission_fits(str(tmp_path / "kplr*.fits"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(AstrolearnInputError, match="no FITS file"):
        read_mission_fits(tmp_path / "empty")
    text = tmp_path / "notes.fits"
    text.write_text("this is not FITS\n" * 200)
    with pytest.raises(AstrolearnInputError, match="not a FITS file") as info:
        read_mission_fits(text)
    assert "notes.fits" in str(info.value)
    image = tmp_path / "image.fits"
    fits.PrimaryHDU(np.zeros((4, 4))).writeto(image)
    with pytest.raises(AstrolearnInputError, match="not a light-curve FITS"):
        read_mission_fits(image)
    noqual = write_lc(tmp_path / "noqual.fits", np.arange(5.0), np.full(5, 10.0),
                      quality_column=False)
    with pytest.raises(AstrolearnInputError, match='quality="none"'):
        read_mission_fits(noqual)
    assert len(read_mission_fits(noqual, quality="none")) == 5
    with pytest.raises(AstrolearnInputError, match="quality"):
        read_mission_fits(noqual, quality="strict")
    with pytest.raises(AstrolearnInputError, match="quality"):
        read_mission_fits(noqual, quality=-1)


def test_mixed_missions_and_overlaps_are_refused(tmp_path):
    k = write_lc(tmp_path / "k.fits", np.arange(5.0), np.full(5, 10.0))
    t = write_lc(tmp_path / "t.fits", np.arange(5.0), np.full(5, 10.0), mission="TESS",
                 star=1, segment=1)
    with pytest.raises(AstrolearnInputError, match="different missions") as info:
        read_mission_fits([k, t])
    assert "BKJD" in str(info.value)
    again = write_lc(tmp_path / "k_sc.fits", np.arange(2.0, 4.0, 0.5), np.full(4, 10.0))
    with pytest.raises(AstrolearnInputError, match="overlap in time"):
        read_mission_fits([k, again])
    # the same file twice (a list and a glob) is read once, not refused
    assert len(read_mission_fits([k, str(tmp_path / "k.f*")])) == 5


def test_star_names_segments_and_time_references(tmp_path):
    tess = read_mission_fits(write_lc(tmp_path / "t.fits", np.arange(1325.0, 1330.0),
                                      np.full(5, 7.0), mission="TESS", star=25155310,
                                      segment=2))
    assert tess["object_id"].iloc[0] == "TIC 25155310"
    assert tess["segment"].iloc[0] == 2
    assert tess.attrs["mission"] == "TESS"
    assert tess.attrs["time_reference"] == "BTJD = BJD - 2457000"
    k2 = read_mission_fits(write_lc(tmp_path / "k2.fits", np.arange(5.0), np.full(5, 7.0),
                                    mission="K2", star=211089792, segment=5))
    assert (k2["object_id"].iloc[0], k2["segment"].iloc[0], k2.attrs["mission"]) == (
        "EPIC 211089792", 5, "K2")
    named = read_mission_fits(write_lc(tmp_path / "obj.fits", np.arange(5.0), np.full(5, 7.0),
                                       header={"KEPLERID": None, "QUARTER": None,
                                               "OBJECT": "HAT-P-7"}))
    assert named["object_id"].iloc[0] == "HAT-P-7"
    assert named["segment"].iloc[0] == 0  # no QUARTER: position in the file list
    bare = read_mission_fits(write_lc(tmp_path / "mystar_lc.fits", np.arange(5.0),
                                      np.full(5, 7.0), header={"KEPLERID": None,
                                                               "OBJECT": None}))
    assert bare["object_id"].iloc[0] == "mystar_lc"


def test_folder_glob_and_several_stars(tmp_path):
    rng = np.random.default_rng(1)
    for star, t0 in ((1, 0.0), (2, 0.0), (1, 10.0)):
        t, f = quarter(rng, t0, 50, 1000.0 * star)
        write_lc(tmp_path / f"kplr{star:09d}-{int(t0):03d}_llc.fits", t, f, star=star,
                 segment=int(t0 // 10))
    lc = read_mission_fits(tmp_path)
    assert lc.groupby("object_id").size().to_dict() == {"KIC 1": 100, "KIC 2": 50}
    assert lc["object_id"].is_monotonic_increasing
    one = read_mission_fits(str(tmp_path / "kplr000000001-*_llc.fits"))
    assert one["segment"].unique().tolist() == [0, 1]
    assert len(one.attrs["files"]) == 2


# --------------------------------------------------------------------------------------
# the real files in shared/data/kepler/fits
# --------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_real_kepler90_quarters_stitch_into_one_star(real_data_path):
    folder = real_data_path("kepler", "fits")
    files = sorted(folder.glob("kplr011442793-*_llc.fits"))
    assert len(files) == 3
    lc = read_mission_fits(files)
    assert lc["object_id"].unique().tolist() == ["KIC 11442793"]
    assert sorted(lc["segment"].unique().tolist()) == [3, 4, 5]
    assert lc["time"].is_monotonic_increasing
    assert 260.0 < lc["time"].min() < 261.0 and 538.0 < lc["time"].max() < 538.5
    counts = lc.groupby("segment").size()
    assert counts[4] <= 1021 and counts[3] <= 4370 and counts[5] <= 4634
    assert counts.sum() > 0.9 * (4370 + 1021 + 4634)
    np.testing.assert_allclose(lc.groupby("segment")["flux"].median(), 1.0)
    assert lc.attrs["mission"] == "Kepler"
    assert lc.attrs["time_reference"] == "BKJD = BJD - 2454833"
    # the quarters' raw levels differ by several per cent (different apertures)
    raw = [f["median_flux"] for f in lc.attrs["files"]]
    assert max(raw) / min(raw) > 1.05
    assert lc.attrs["dropped"]["quality"] > 0


@pytest.mark.realdata
def test_real_hatp7_short_cadence_and_tess_hlsp_load(real_data_path):
    sc = read_mission_fits(real_data_path("kepler", "fits",
                                          "kplr010666592-2009131110544_slc.fits"))
    assert sc["object_id"].iloc[0] == "KIC 10666592"
    assert sc["segment"].iloc[0] == 0  # Kepler Q0
    assert 120.5 < sc["time"].min() < 120.6 and 130.2 < sc["time"].max() < 130.3
    assert np.median(np.diff(sc["time"].to_numpy())) == pytest.approx(0.000681, rel=0.01)
    # HAT-P-7 b (depth ~0.7 %) is in the raw normalised flux
    assert 0.990 < sc["flux"].min() < 0.995
    tess = read_mission_fits(real_data_path(
        "kepler", "fits", "hlsp_tess-data-alerts_tess_phot_00025155310-s01_tess_v1_lc.fits"))
    assert tess["object_id"].iloc[0] == "TIC 25155310"
    assert tess.attrs["mission"] == "TESS" and tess["segment"].iloc[0] == 1
    assert tess.attrs["time_reference"] == "BTJD = BJD - 2457000"
    assert 1325.2 < tess["time"].min() < 1325.4 and 1353.1 < tess["time"].max() < 1353.2
    info = tess.attrs["files"][0]
    assert info["n_cadences"] == 20076 and info["dropped_time"] > 0
    assert info["dropped_quality"] > 0


@pytest.mark.realdata
def test_real_folder_mixes_missions(real_data_path):
    with pytest.raises(AstrolearnInputError, match="different missions"):
        read_mission_fits(real_data_path("kepler", "fits"))


# --------------------------------------------------------------------------------------
# arrays, lightkurve-like objects, DataFrames
# --------------------------------------------------------------------------------------


def test_from_arrays_estimates_the_error_from_the_scatter():
    rng = np.random.default_rng(2)
    time = np.arange(0.0, 20.0, 0.02)
    flux = 500.0 * (1 + 0.01 * np.sin(time / 3) + 1e-3 * rng.standard_normal(time.size))
    flux[(time > 5) & (time < 5.2)] *= 0.99  # a transit does not inflate the estimate
    keep = time.copy(), flux.copy()
    lc = lightcurve_from_arrays(time, flux, object_id="KIC 1")
    assert lc["flux"].median() == pytest.approx(1.0)
    assert lc["flux_err"].nunique() == 1
    assert lc["flux_err"].iloc[0] == pytest.approx(1e-3, rel=0.1)
    np.testing.assert_array_equal(time, keep[0])
    np.testing.assert_array_equal(flux, keep[1])
    raw = lightcurve_from_arrays(time, flux, np.full(time.size, 0.5), normalise=False)
    assert raw["flux"].median() == pytest.approx(500.0, rel=0.02)
    assert raw["flux_err"].unique().tolist() == [0.5]


def test_from_arrays_drops_missing_with_a_warning_and_checks_shapes():
    with pytest.warns(UserWarning, match="dropped 2 of 5"):
        lc = lightcurve_from_arrays([1.0, 2.0, np.nan, 4.0, 5.0], [1.0, np.inf, 1.0, 1.0, 1.0],
                                    [0.1] * 5)
    assert lc["time"].tolist() == [1.0, 4.0, 5.0]
    assert lc.attrs["dropped"] == {"time": 1, "flux": 1, "flux_err": 0}
    with pytest.raises(AstrolearnInputError, match="equal length"):
        lightcurve_from_arrays([1.0, 2.0], [1.0])
    with pytest.raises(AstrolearnInputError, match="cannot be normalised"):
        lightcurve_from_arrays([1.0, 2.0, 3.0], [-1.0, -1.0, -1.0], [0.1] * 3)
    with pytest.raises(AstrolearnInputError, match="cannot estimate flux_err"):
        lightcurve_from_arrays([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0])


class FakeLightCurve:
    """What lightkurve's LightCurve offers: astropy Time, (masked) Quantities and meta."""

    def __init__(self, time, flux, flux_err, meta):
        self.time = time
        self.flux = flux
        self.flux_err = flux_err
        self.meta = meta


def test_from_lightkurve_like_collection():
    rng = np.random.default_rng(3)
    parts = []
    for sector, (start, level) in {1: (1325.0, 1000.0), 2: (1354.0, 1300.0)}.items():
        n = 200
        btjd = start + np.arange(n) * 0.02
        flux = level * (1 + 1e-3 * rng.standard_normal(n))
        mask = np.zeros(n, dtype=bool)
        mask[5] = True  # a masked cadence, as lightkurve makes for NaN fluxes
        parts.append(FakeLightCurve(
            time=Time(btjd + 2457000.0, format="jd", scale="tdb"),
            flux=Masked(flux * u.electron / u.s, mask=mask),
            flux_err=np.full(n, level * 1e-3) * u.electron / u.s,
            meta={"TICID": 25155310, "SECTOR": sector, "MISSION": "TESS"}))
    with pytest.warns(UserWarning, match="dropped 2 of 400"):
        lc = lightcurve_from_lightkurve(parts)
    assert lc["object_id"].unique().tolist() == ["TIC 25155310"]
    assert lc.groupby("segment").size().to_dict() == {1: 199, 2: 199}
    np.testing.assert_allclose(lc.groupby("segment")["flux"].median(), 1.0)
    np.testing.assert_allclose(lc["flux_err"], 1e-3, rtol=0.01)
    assert lc["time"].is_monotonic_increasing
    assert lc.attrs["mission"] == "TESS" and lc.attrs["time_reference"] == "JD (tdb)"
    # a single light curve without errors and with a Kepler id
    single = FakeLightCurve(time=np.arange(0.0, 10.0, 0.02),
                            flux=np.ma.MaskedArray(1 + 1e-3 * rng.standard_normal(500)),
                            flux_err=None, meta={"KEPLERID": 11442793, "QUARTER": 4})
    one = lightcurve_from_lightkurve(single)
    assert one["object_id"].iloc[0] == "KIC 11442793" and one["segment"].iloc[0] == 4
    assert one["flux_err"].iloc[0] == pytest.approx(1e-3, rel=0.15)
    assert as_lightcurves(single, object_id="mine")["object_id"].iloc[0] == "mine"
    with pytest.raises(AstrolearnInputError, match="overlap in time"):
        lightcurve_from_lightkurve([parts[0], parts[0]])
    # an astropy TimeSeries with a flux column reads the same way (lightkurve's base class)
    from astropy.timeseries import TimeSeries

    series = TimeSeries(time=Time(2459000.0 + np.arange(5) * 0.1, format="jd", scale="tdb"),
                        data={"flux": np.arange(10.0, 15.0) * u.electron / u.s,
                              "flux_err": np.full(5, 0.1) * u.electron / u.s})
    series.meta["TICID"] = 5
    from_series = as_lightcurves(series)
    assert from_series["flux"].tolist() == pytest.approx([10 / 12, 11 / 12, 1.0, 13 / 12,
                                                          14 / 12])
    assert from_series["object_id"].iloc[0] == "TIC 5"
    with pytest.raises(AstrolearnInputError, match="empty"):
        lightcurve_from_lightkurve([])
    with pytest.raises(AstrolearnInputError, match="not a light curve"):
        lightcurve_from_lightkurve([single, "not a light curve"])


def test_as_lightcurves_dataframe_validation_and_dispatch():
    raw = pd.DataFrame({"TIC_ID": [7, 7, 7, 9, 9], "BTJD": [3.0, 1.0, 2.0, 1.0, 2.0],
                        "Flux": [1.0, 1.01, np.nan, 1.0, 0.99], "flux_err": [1e-3] * 5,
                        "centroid": [0.1, 0.2, 0.3, 0.4, 0.5]})
    before = raw.copy()
    with pytest.warns(UserWarning, match="dropped 1 of 5"):
        lc = as_lightcurves(raw)
    pd.testing.assert_frame_equal(raw, before)
    assert list(lc.columns) == ["object_id", "time", "flux", "flux_err", "segment", "centroid"]
    assert lc[["object_id", "time"]].to_numpy().tolist() == [[7, 1.0], [7, 3.0], [9, 1.0],
                                                            [9, 2.0]]
    assert lc["centroid"].tolist() == [0.2, 0.1, 0.4, 0.5]  # extra columns follow their rows
    assert lc.attrs["dropped"]["flux"] == 1
    with pytest.raises(AstrolearnInputError, match="has an id column"):
        as_lightcurves(raw, object_id="x")
    with pytest.raises(AstrolearnInputError, match="column 'flux'"):
        as_lightcurves(pd.DataFrame({"time": [1.0], "mag": [12.0]}))
    with pytest.raises(AstrolearnInputError, match="not numbers"):
        as_lightcurves(pd.DataFrame({"time": [1.0, 2.0], "flux": ["1.0", "bad"]}))
    mapped = as_lightcurves(pd.DataFrame({"t": [2.0, 1.0, 3.0], "f": [100.0, 110.0, 90.0]}),
                            columns={"time": "t", "flux": "f"}, normalise=True)
    assert mapped["flux"].tolist() == [1.1, 1.0, 0.9]
    assert mapped["object_id"].unique().tolist() == ["star"]
    arrays = as_lightcurves((np.array([2.0, 1.0]), np.array([4.0, 2.0]), np.array([1.0, 1.0])))
    assert arrays["flux"].tolist() == [2.0 / 3.0, 4.0 / 3.0]
    with pytest.raises(AstrolearnInputError, match="cannot read"):
        as_lightcurves(42)


# --------------------------------------------------------------------------------------
# cleaning
# --------------------------------------------------------------------------------------


def transit_lightcurve(seed=4, noise=1e-3):
    rng = np.random.default_rng(seed)
    time = np.arange(0.0, 6.0, 1.0 / 144)  # 10-min cadence
    flux = 1.0 + 0.002 * np.sin(2 * np.pi * time / 4.0) + noise * rng.standard_normal(time.size)
    in_transit = np.abs(time - 3.0) < 0.06
    flux[in_transit] -= 0.01                       # deep (10 sigma), 0.12 d
    spikes = np.array([50, 200, 400, 600, 800])
    flux[spikes] += np.array([0.01, 0.02, 0.008, 0.05, 0.012])  # cosmic rays / flares
    return time, flux, in_transit, spikes


def test_upward_clip_removes_spikes_and_keeps_a_deep_transit():
    time, flux, in_transit, spikes = transit_lightcurve()
    lc = pd.DataFrame({"object_id": "KIC 1", "time": time, "flux": flux,
                       "flux_err": np.full(time.size, 1e-3)})
    before = lc.copy()
    cleaned, report = clean_transit_lightcurve(lc)
    pd.testing.assert_frame_equal(lc, before)
    kept = set(np.round(cleaned["time"].to_numpy(), 9))
    assert all(round(t, 9) in kept for t in time[in_transit])       # the transit survives
    assert not any(round(t, 9) in kept for t in time[spikes])       # every spike is gone
    assert report["upper_outliers"] <= len(spikes) + 1              # little else
    assert report["lower_outliers"] == 0
    assert report["per_object"]["KIC 1"]["sigma"] == pytest.approx(1e-3, rel=0.2)
    assert report["n_output"] == len(cleaned) == len(lc) - report["upper_outliers"]
    # a lower clip would cut the transit: that is why it is off by default
    cut, rep2 = clean_transit_lightcurve(lc, sigma_lower=4.0)
    assert rep2["lower_outliers"] >= 0.8 * in_transit.sum()
    assert not np.isin(np.round(time[in_transit], 9), np.round(cut["time"], 9)).any()


def test_clip_is_per_star_and_counts_non_finite_rows():
    time, flux, _, _ = transit_lightcurve(noise=1e-4)
    rng = np.random.default_rng(5)
    noisy = 1.0 + 5e-3 * rng.standard_normal(time.size)
    quiet = flux.copy()
    quiet[300] += 2e-3      # 20 sigma for the quiet star: clipped
    noisy[300] += 2e-3      # < 1 sigma for the noisy one: kept
    quiet[10] = np.nan
    lc = pd.DataFrame({"object_id": np.repeat(["quiet", "noisy"], time.size),
                       "time": np.tile(time, 2), "flux": np.r_[quiet, noisy]})
    cleaned, report = clean_transit_lightcurve(lc)
    assert report["non_finite_flux"] == 1
    assert report["per_object"]["quiet"]["upper_outliers"] >= 6   # 5 spikes + the 2e-3 one
    assert report["per_object"]["noisy"]["sigma"] == pytest.approx(5e-3, rel=0.1)
    noisy_kept = cleaned.loc[cleaned["object_id"] == "noisy", "time"].to_numpy()
    quiet_kept = cleaned.loc[cleaned["object_id"] == "quiet", "time"].to_numpy()
    assert time[300] in noisy_kept and time[300] not in quiet_kept
    with pytest.raises(AstrolearnInputError, match="sigma_upper"):
        clean_transit_lightcurve(lc, sigma_upper=0)
    with pytest.raises(AstrolearnInputError, match="column 'flux'"):
        clean_transit_lightcurve(lc.drop(columns="flux"))


def test_iter_stars_yields_each_star_once_in_order():
    lc = pd.DataFrame({"object_id": ["b", "a", "b", "a"], "time": [1.0, 1.0, 2.0, 2.0],
                       "flux": [1.0] * 4})
    out = [(star, rows["time"].tolist()) for star, rows in iter_stars(lc)]
    assert out == [("a", [1.0, 2.0]), ("b", [1.0, 2.0])]
    with pytest.raises(AstrolearnInputError):
        list(iter_stars(lc.drop(columns="object_id")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(iter_stars(lc.iloc[:0])) == []
