"""Reading, cleaning and truncating multi-band light curves."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.transients.lightcurves import (
    CANONICAL_COLUMNS,
    clean_lightcurves,
    first_detection_time,
    iter_objects,
    read_lightcurves,
    read_objects,
    read_snana,
    truncate_lightcurves,
)

# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _long_table(seed: int = 0, n_objects: int = 6, n_obs: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for oid in range(100, 100 + n_objects):
        times = np.sort(rng.uniform(60000, 60100, n_obs))
        for t in times:
            flux = rng.normal(50, 30)
            rows.append((oid, t, rng.choice(["g", "r", "i"]), flux, rng.uniform(2, 6)))
    return pd.DataFrame(rows, columns=["object_id", "time", "band", "flux", "flux_err"])


def _quiet_clean(lc, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return clean_lightcurves(lc, **kwargs)


SNANA_FULL = """SURVEY: DES
SNID:   {snid}
SNTYPE:  {sntype}
FILTERS: griz
MWEBV:   0.02 +- 0.001  MW E(B-V)
REDSHIFT_FINAL:   0.3 +- 0.01  (CMB)
REDSHIFT_SPEC:    -9.00000 +- 9.00000
HOST_GALAXY_PHOTO-Z:   0.31  +- 0.03

SIM_COMMENT:  SN Type = {simtype} , MODEL = mlcs2k2.SNchallenge
# ============================================
NOBS: 4
NVAR: 7
VARLIST:  MJD  FLT FIELD   FLUXCAL   FLUXCALERR    MAG     MAGERR
OBS:  56171.051  g NULL   5.924e+00   3.252e+00   99.000    5.000
OBS:  56171.062  r NULL   4.000e+01   4.000e+00   23.5      0.1
OBS:  56175.010  i NULL  -2.500e+00   2.000e+00   99.000    5.000
DETECTION:  1 MJDs satisfy g+r+i+z
OBS:  56175.020  z NULL   6.000e+01   3.000e+00   23.0      0.05
END:
"""

SNANA_MINIMAL = """SNID: {snid}
VARLIST: MJD FLT FIELD FLUXCAL FLUXCALERR MAG MAGERR
OBS: 56200.0 g NULL 10.0 1.0 25.0 0.1
OBS: 56190.0 r NULL 2.0 1.0 26.0 0.5
END:
"""


def _write_snana(folder, name, text):
    path = folder / name
    path.write_text(text)
    return path


# --------------------------------------------------------------------------------------
# reading long tables
# --------------------------------------------------------------------------------------


def test_column_mapping_and_mjd_alias(tmp_path):
    raw = pd.DataFrame({
        "oid": ["b", "a", "a"], "mjd": [3.0, 2.0, 1.0], "filter": ["g", "r", "g"],
        "f": [10.0, 100.0, 1.0], "e": [1.0, 10.0, 1.0],
    })
    path = tmp_path / "lc.csv"
    raw.to_csv(path, index=False)
    lc = read_lightcurves(path, columns={"object_id": "oid", "band": "filter", "flux": "f",
                                         "flux_err": "e"})
    assert list(lc.columns) == list(CANONICAL_COLUMNS)
    assert lc["object_id"].tolist() == ["a", "a", "b"]
    assert lc["time"].tolist() == [1.0, 2.0, 3.0]
    assert lc["band"].tolist() == ["g", "r", "g"]
    # detected from SNR >= 5 when absent: 1/1, 100/10, 10/1
    assert lc["detected"].tolist() == [False, True, True]
    assert lc["time"].dtype == np.float64 and lc["flux"].dtype == np.float64
    assert lc["detected"].dtype == bool


def test_detection_snr_parameter():
    raw = pd.DataFrame({"object_id": [1, 1], "time": [1.0, 2.0], "band": ["g", "g"],
                        "flux": [3.0, 6.0], "flux_err": [1.0, 1.0]})
    assert read_lightcurves(raw, detection_snr=3.0)["detected"].tolist() == [True, True]
    assert read_lightcurves(raw)["detected"].tolist() == [False, True]


def test_plasticc_layout_detected_and_band_names(tmp_path):
    raw = pd.DataFrame({
        "object_id": [615, 615, 615, 713], "mjd": [59750.4, 59750.41, 59751.0, 59740.0],
        "passband": [2, 1, 5, 0], "flux": [-544.8, -816.4, 10.0, 3.0],
        "flux_err": [3.62, 5.55, 1.0, 1.0], "detected": [1, 1, 0, 0],
    })
    path = tmp_path / "training_set.parquet"
    raw.to_parquet(path, index=False)
    lc = read_lightcurves(path)
    assert lc["band"].tolist() == ["r", "g", "y", "u"]
    assert lc["detected"].tolist() == [True, True, False, False]
    assert lc["object_id"].dtype == np.int64
    custom = read_lightcurves(raw, band_names=["lsstu", "lsstg", "lsstr", "lssti", "lsstz",
                                               "lssty"])
    assert custom["band"].tolist() == ["lsstr", "lsstg", "lssty", "lsstu"]
    with pytest.raises(AstrolearnInputError, match="band_names") as err:
        read_lightcurves(raw, band_names={0: "u", 1: "g"})
    assert err.value.column == "passband"


def test_plasticc_metadata_redshift():
    meta = pd.DataFrame({
        "object_id": [615, 713], "ra": [349.0, 53.1], "hostgal_specz": [np.nan, np.nan],
        "hostgal_photoz": [0.0, 1.6267], "hostgal_photoz_err": [0.0, 0.2552],
        "distmod": [np.nan, 45.4063], "mwebv": [0.017, 0.007], "ddf": [1, 1],
        "target": [92, 88],
    })
    before = meta.copy()
    out = read_objects(meta)
    assert out["redshift"].tolist() == [0.0, 1.6267]
    assert out["redshift_err"].tolist() == [0.0, 0.2552]
    assert "hostgal_photoz" in out.columns and "target" in out.columns
    pd.testing.assert_frame_equal(meta, before)


def test_read_objects_id_column_and_duplicates(tmp_path):
    path = tmp_path / "meta.csv"
    pd.DataFrame({"snid": [1, 2], "z": [0.1, 0.2]}).to_csv(path, index=False)
    assert read_objects(path, id_column="snid")["object_id"].tolist() == [1, 2]
    with pytest.raises(AstrolearnInputError) as err:
        read_objects(path)
    assert err.value.column == "object_id" and "meta.csv" in str(err.value)
    pd.DataFrame({"object_id": [1, 1]}).to_csv(path, index=False)
    with pytest.raises(AstrolearnInputError, match="more than once"):
        read_objects(path)


def test_missing_column_names_file_column_and_fix(tmp_path):
    path = tmp_path / "lc.csv"
    pd.DataFrame({"object_id": [1], "mjd": [1.0], "band": ["g"], "flux": [1.0],
                  "fluxerr": [1.0]}).to_csv(path, index=False)
    with pytest.raises(AstrolearnInputError) as err:
        read_lightcurves(path)
    assert err.value.column == "flux_err"
    assert err.value.file == str(path)
    assert "columns=" in err.value.fix and "fluxerr" in err.value.fix
    # a mapping to a column that does not exist
    with pytest.raises(AstrolearnInputError) as err:
        read_lightcurves(path, columns={"flux_err": "flux_error"})
    assert err.value.column == "flux_error" and "fluxerr" in err.value.fix
    with pytest.raises(AstrolearnInputError, match="unknown names"):
        read_lightcurves(path, columns={"mag": "flux"})


def test_empty_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(AstrolearnInputError, match="empty") as err:
        read_lightcurves(empty)
    assert "empty.csv" in str(err.value)
    header_only = tmp_path / "header.csv"
    header_only.write_text("object_id,time,band,flux,flux_err\n")
    with pytest.raises(AstrolearnInputError, match="no rows"):
        read_lightcurves(header_only)
    with pytest.raises(AstrolearnInputError, match="no rows"):
        read_lightcurves(pd.DataFrame(columns=["object_id", "time", "band", "flux", "flux_err"]))


def test_non_numeric_flux_names_file_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("object_id,time,band,flux,flux_err\n1,1.0,g,12.5,1.0\n1,2.0,g,abc,1.0\n"
                    "1,3.0,g,,1.0\n")
    with pytest.raises(AstrolearnInputError) as err:
        read_lightcurves(path)
    assert err.value.column == "flux" and err.value.file == str(path)
    assert "'abc'" in err.value.problem and "data row 2" in err.value.problem
    # an empty value is missing, not an error: it is kept as NaN for the cleaning step
    path.write_text("object_id,time,band,flux,flux_err\n1,1.0,g,12.5,1.0\n1,3.0,g,,1.0\n")
    assert np.isnan(read_lightcurves(path)["flux"].iloc[1])


def test_bad_detected_flag_and_missing_band():
    raw = pd.DataFrame({"object_id": [1, 1], "time": [1.0, 2.0], "band": ["g", None],
                        "flux": [1.0, 2.0], "flux_err": [1.0, 1.0]})
    with pytest.raises(AstrolearnInputError, match="no band"):
        read_lightcurves(raw)
    raw["band"] = ["g", "r"]
    raw["detected"] = [0, 2]
    with pytest.raises(AstrolearnInputError, match="0 or 1") as err:
        read_lightcurves(raw)
    assert err.value.column == "detected"
    raw["detected"] = ["True", "false"]
    assert read_lightcurves(raw)["detected"].tolist() == [True, False]


def test_reading_does_not_modify_input():
    raw = _long_table().sample(frac=1.0, random_state=1)
    raw = raw.rename(columns={"time": "mjd"})
    before = raw.copy()
    read_lightcurves(raw)
    pd.testing.assert_frame_equal(raw, before)


# --------------------------------------------------------------------------------------
# SNANA
# --------------------------------------------------------------------------------------


def test_snana_parsing_with_errors_and_truth(tmp_path):
    _write_snana(tmp_path, "DES_SN000019.DAT", SNANA_FULL.format(snid=19, sntype=-9, simtype="II"))
    _write_snana(tmp_path, "DES_SN000007.DAT", SNANA_FULL.format(snid=7, sntype=1, simtype="Ia"))
    (tmp_path / "README").write_text("not a light curve")
    lc, objects = read_snana(tmp_path)
    assert lc["object_id"].tolist() == [7] * 4 + [19] * 4
    assert lc["object_id"].dtype == np.int64
    first = lc[lc["object_id"] == 7]
    assert first["time"].tolist() == [56171.051, 56171.062, 56175.010, 56175.020]
    assert first["band"].tolist() == ["g", "r", "i", "z"]
    assert first["flux"].tolist() == [5.924, 40.0, -2.5, 60.0]
    assert first["flux_err"].tolist() == [3.252, 4.0, 2.0, 3.0]
    assert first["detected"].tolist() == [False, True, False, True]

    objects = objects.set_index("object_id")
    assert objects.loc[7, "sim_type"] == "Ia" and objects.loc[19, "sim_type"] == "II"
    assert objects.loc[7, "sntype"] == 1 and objects.loc[19, "sntype"] == -9
    assert objects.loc[7, "redshift"] == 0.31 and objects.loc[7, "redshift_err"] == 0.03
    assert objects.loc[7, "redshift_final"] == 0.3
    assert objects.loc[7, "redshift_final_err"] == 0.01
    assert objects.loc[7, "mwebv"] == 0.02 and objects.loc[7, "mwebv_err"] == 0.001
    assert np.isnan(objects.loc[7, "redshift_spec"])  # -9 +- 9 sentinel
    assert objects.loc[7, "filters"] == "griz"
    assert objects.loc[19, "source_file"] == "DES_SN000019.DAT"
    # the same files through read_lightcurves / read_objects, by glob and by list
    by_glob = read_lightcurves(str(tmp_path / "DES_SN*.DAT"))
    pd.testing.assert_frame_equal(by_glob, lc)
    by_list = read_objects([tmp_path / "DES_SN000007.DAT", tmp_path / "DES_SN000019.DAT"])
    assert by_list["object_id"].tolist() == [7, 19]


def test_snana_missing_optional_keys(tmp_path):
    path = _write_snana(tmp_path, "SN_A.dat", SNANA_MINIMAL.format(snid="SN2010abc"))
    lc, objects = read_snana(path)
    assert lc["object_id"].tolist() == ["SN2010abc", "SN2010abc"]
    assert lc["time"].tolist() == [56190.0, 56200.0]  # sorted by time
    assert "sim_type" not in objects.columns
    row = objects.iloc[0]
    assert np.isnan(row["redshift"]) and np.isnan(row["redshift_err"]) and np.isnan(row["mwebv"])
    assert pd.isna(row["sntype"])


def test_snana_errors_name_file_and_column(tmp_path):
    empty = _write_snana(tmp_path, "empty.DAT", "")
    with pytest.raises(AstrolearnInputError, match="empty") as err:
        read_snana(empty)
    assert err.value.file == str(empty)

    no_id = _write_snana(tmp_path, "noid.DAT", SNANA_MINIMAL.replace("SNID: {snid}\n", ""))
    with pytest.raises(AstrolearnInputError) as err:
        read_snana(no_id)
    assert err.value.column == "SNID" and err.value.file == str(no_id)

    bad_flux = _write_snana(tmp_path, "bad.DAT",
                            SNANA_MINIMAL.format(snid=1).replace("10.0 1.0", "oops 1.0"))
    with pytest.raises(AstrolearnInputError, match="line 3") as err:
        read_snana(bad_flux)
    assert err.value.column == "FLUXCAL" and err.value.file == str(bad_flux)

    short = _write_snana(tmp_path, "short.DAT",
                         SNANA_MINIMAL.format(snid=2).replace(" 25.0 0.1", ""))
    with pytest.raises(AstrolearnInputError, match="VARLIST names 7"):
        read_snana(short)

    bad_z = _write_snana(tmp_path, "badz.DAT", "HOST_GALAXY_PHOTO-Z: unknown\n"
                         + SNANA_MINIMAL.format(snid=3))
    with pytest.raises(AstrolearnInputError) as err:
        read_snana(bad_z)
    assert err.value.column == "HOST_GALAXY_PHOTO-Z"

    with pytest.raises(AstrolearnInputError, match="no files match"):
        read_snana(str(tmp_path / "nothing*.DAT"))


def test_snana_duplicate_snid(tmp_path):
    _write_snana(tmp_path, "a.DAT", SNANA_MINIMAL.format(snid=5))
    _write_snana(tmp_path, "b.DAT", SNANA_MINIMAL.format(snid=5))
    with pytest.raises(AstrolearnInputError, match="SNID 5"):
        read_snana(tmp_path)


# --------------------------------------------------------------------------------------
# cleaning
# --------------------------------------------------------------------------------------


def test_sorting_invariance():
    lc = read_lightcurves(_long_table(seed=3))
    # add exact duplicate epochs and same-time observations in other bands
    extra = lc.iloc[[0, 5, 5, 30]].copy()
    extra["flux"] = [7.0, 9.0, -4.0, 1.0]
    extra.iloc[3, extra.columns.get_loc("band")] = "z"
    lc = pd.concat([lc, extra], ignore_index=True)
    shuffled = lc.sample(frac=1.0, random_state=7)
    a_lc, a_q = _quiet_clean(lc)
    b_lc, b_q = _quiet_clean(shuffled)
    pd.testing.assert_frame_equal(a_lc, b_lc, check_exact=True)
    pd.testing.assert_frame_equal(a_q, b_q, check_exact=True)
    ids = a_lc["object_id"].to_numpy()
    times = a_lc["time"].to_numpy()
    assert np.all((ids[1:] > ids[:-1]) | ((ids[1:] == ids[:-1]) & (times[1:] >= times[:-1])))


def test_duplicate_epochs_hand_computed():
    lc = pd.DataFrame({
        "object_id": [1, 1, 1, 1], "time": [10.0, 10.0, 10.0, 10.0],
        "band": ["g", "g", "r", "g"], "flux": [10.0, 20.0, 5.0, 40.0],
        "flux_err": [1.0, 2.0, 1.0, 4.0], "detected": [False, False, False, True],
    })
    with pytest.warns(UserWarning, match="combined 2 duplicate epochs"):
        cleaned, quality = clean_lightcurves(lc, min_points=1)
    g = cleaned[cleaned["band"] == "g"].iloc[0]
    # weights 1, 1/4, 1/16: sum 21/16; flux (10 + 5 + 2.5) / (21/16) = 17.5 * 16 / 21
    assert g["flux"] == pytest.approx(17.5 * 16 / 21)
    assert g["flux_err"] == pytest.approx(1 / np.sqrt(21 / 16))
    assert bool(g["detected"]) is True
    assert len(cleaned) == 2
    assert quality.loc[0, "n_points"] == 2 and quality.loc[0, "n_bands"] == 2


def test_bad_rows_dropped_counted_and_negative_flux_kept():
    lc = pd.DataFrame({
        "object_id": [1] * 6, "time": [1.0, np.nan, 3.0, 4.0, 5.0, 6.0],
        "band": ["g"] * 6, "flux": [-3.0, 1.0, np.inf, 2.0, 5.0, 60.0],
        "flux_err": [1.0, 1.0, 1.0, 0.0, -1.0, 2.0], "detected": [False] * 5 + [True],
    })
    before = lc.copy()
    with pytest.warns(UserWarning) as record:
        cleaned, quality = clean_lightcurves(lc, file="lc.parquet", min_points=2)
    assert len(record) == 1
    message = str(record[0].message)
    assert "lc.parquet" in message and "dropped 4 of 6 rows" in message
    assert "1 with NaN/inf in 'time'" in message and "1 with NaN/inf in 'flux'" in message
    assert "2 with NaN/inf or <= 0 in 'flux_err'" in message
    assert cleaned["flux"].tolist() == [-3.0, 60.0]
    assert quality["usable"].tolist() == [True]
    pd.testing.assert_frame_equal(lc, before)


def test_flags_and_dtypes():
    lc = pd.DataFrame({
        "object_id": [1, 1, 1, 2, 2, 2, 3, 4],
        "time": [1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 1.0],
        "band": ["g", "r", "r", "g", "g", "g", "i", "i"],
        "flux": [50.0, 1.0, 2.0, 1.0, 1.0, 1.0, 90.0, np.nan],
        "flux_err": [1.0] * 8,
        "detected": [True, False, False, False, False, False, True, True],
    })
    with pytest.warns(UserWarning, match="dropped 1"):
        cleaned, quality = clean_lightcurves(lc)
    assert quality["object_id"].tolist() == [1, 2, 3, 4]
    assert quality["flags"].tolist() == ["", "no_detection", "too_few_points",
                                         "too_few_points;no_detection"]
    assert quality["usable"].tolist() == [True, False, False, False]
    assert quality["n_points"].tolist() == [3, 3, 1, 0]
    assert quality["n_detections"].tolist() == [1, 0, 1, 0]
    assert quality["n_bands"].tolist() == [2, 1, 1, 0]
    assert quality["usable"].dtype == bool
    assert 4 not in set(cleaned["object_id"])  # all its rows were bad
    assert cleaned["object_id"].dtype == lc["object_id"].dtype
    assert cleaned["time"].dtype == np.float64 and cleaned["flux_err"].dtype == np.float64
    assert cleaned["detected"].dtype == bool
    _, strict = _quiet_clean(lc, min_points=1, min_detections=2)
    assert strict["flags"].tolist()[:3] == ["too_few_detections", "no_detection",
                                            "too_few_detections"]


def test_clean_errors():
    with pytest.raises(AstrolearnInputError) as err:
        clean_lightcurves(pd.DataFrame({"object_id": [1], "time": [1.0]}), file="x.csv")
    assert err.value.column == "band" and err.value.file == "x.csv"
    with pytest.raises(AstrolearnInputError, match="min_points"):
        clean_lightcurves(read_lightcurves(_long_table()), min_points=0)


def test_category_band_kept():
    lc = read_lightcurves(_long_table())
    lc["band"] = lc["band"].astype("category")
    cleaned, _ = clean_lightcurves(lc)
    assert isinstance(cleaned["band"].dtype, pd.CategoricalDtype)


# --------------------------------------------------------------------------------------
# helpers for early classification
# --------------------------------------------------------------------------------------


def _early_table() -> pd.DataFrame:
    return pd.DataFrame({
        "object_id": [1, 1, 1, 1, 1, 2, 2],
        "time": [0.0, 5.0, 10.0, 20.0, 40.0, 3.0, 7.0],
        "band": ["g", "r", "g", "r", "g", "g", "g"],
        "flux": [0.1, 1.0, 60.0, 80.0, 30.0, 0.2, 0.3],
        "flux_err": [1.0] * 7,
        "detected": [False, False, True, True, True, False, False],
    })


def test_first_detection_time_falls_back_to_first_observation():
    lc = _early_table()
    shuffled = lc.sample(frac=1.0, random_state=2)
    times = first_detection_time(shuffled)
    assert times.to_dict() == {1: 10.0, 2: 3.0}
    assert not times.isna().any()


def test_truncate_lightcurves():
    lc = _early_table()
    before = lc.copy()
    cut = truncate_lightcurves(lc, 10)
    assert cut["time"].tolist() == [0.0, 5.0, 10.0, 20.0, 3.0, 7.0]
    assert truncate_lightcurves(lc, 0)["time"].tolist() == [0.0, 5.0, 10.0, 3.0]
    first_obs = truncate_lightcurves(lc, 5, reference="first_observation")
    assert first_obs["time"].tolist() == [0.0, 5.0, 3.0, 7.0]
    alert = truncate_lightcurves(lc, 1, reference=pd.Series({1: 19.0, 2: 0.0}))
    assert alert["time"].tolist() == [0.0, 5.0, 10.0, 20.0]
    pd.testing.assert_frame_equal(lc, before)
    with pytest.raises(AstrolearnInputError, match="days"):
        truncate_lightcurves(lc, -1)
    with pytest.raises(AstrolearnInputError, match="no time"):
        truncate_lightcurves(lc, 1, reference={1: 0.0})


def test_iter_objects():
    lc = read_lightcurves(_long_table(n_objects=4))
    groups = list(iter_objects(lc))
    assert [oid for oid, _ in groups] == [100, 101, 102, 103]
    assert sum(len(rows) for _, rows in groups) == len(lc)
    for oid, rows in groups:
        assert (rows["object_id"] == oid).all()
    shuffled = lc.sample(frac=1.0, random_state=0)
    before = shuffled.copy()
    assert [oid for oid, _ in iter_objects(shuffled)] == [100, 101, 102, 103]
    pd.testing.assert_frame_equal(shuffled, before)
    assert list(iter_objects(lc.iloc[:0])) == []


# --------------------------------------------------------------------------------------
# real data
# --------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_spcc_long_table(real_data_path):
    path = real_data_path("supernovae", "spcc_des_lightcurves.parquet")
    lc = read_lightcurves(path)
    assert lc["object_id"].nunique() == 21_319
    assert len(lc) == 2_052_860
    assert set(lc["band"].astype(str).unique()) == {"g", "r", "i", "z"}
    assert lc["flux"].dtype == np.float64 and lc["detected"].dtype == bool
    cleaned, quality = _quiet_clean(lc)
    assert len(quality) == 21_319 and cleaned["object_id"].nunique() == 21_319
    assert quality["n_points"].between(16, 161).all()  # README: 16-161 observations per object
    assert quality["usable"].mean() > 0.99
