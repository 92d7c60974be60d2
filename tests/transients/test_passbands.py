"""Tests of astrolearn.transients.passbands: registry, aliases, mapping, magnitudes to flux."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.transients.passbands import (
    PASSBANDS,
    VEGA_TO_AB,
    BandMapping,
    effective_wavelength,
    magnitudes_to_flux,
    map_bands,
    resolve_band,
)

LSST = ["u", "g", "r", "i", "z", "y"]

# ---------------------------------------------------------------------------------------
# Registry and aliases
# ---------------------------------------------------------------------------------------


def test_registry_values():
    expected = {
        "lsst_u": 3671, "lsst_g": 4827, "lsst_r": 6223, "lsst_i": 7546, "lsst_z": 8691,
        "lsst_y": 9712, "des_g": 4730, "des_r": 6420, "des_i": 7840, "des_z": 9260,
        "ztf_g": 4746, "ztf_r": 6366, "ztf_i": 7815, "atlas_c": 5330, "atlas_o": 6790,
        "ps1_g": 4849, "ps1_r": 6201, "ps1_i": 7535, "ps1_z": 8674, "ps1_y": 9628,
        "swift_uvw2": 2030, "swift_uvm2": 2231, "swift_uvw1": 2634, "swift_u": 3465,
        "swift_b": 4392, "swift_v": 5468, "sdss_u": 3557, "sdss_g": 4702, "sdss_r": 6175,
        "sdss_i": 7491, "sdss_z": 8946,
    }
    assert set(PASSBANDS) == set(expected)
    for name, wavelength in expected.items():
        band = PASSBANDS[name]
        assert band.wavelength == wavelength
        assert band.name == name
        assert 0 < band.fwhm < band.wavelength
        assert band.source.startswith("SVO ")
        assert band.system == ("Vega" if band.survey == "swift" else "AB")
    assert set(VEGA_TO_AB) == {n for n in PASSBANDS if n.startswith("swift_")}


@pytest.mark.parametrize(
    ("name", "survey", "expected"),
    [
        ("g", "ztf", "ztf_g"),
        ("ZTF_g", None, "ztf_g"),
        ("ztfg", None, "ztf_g"),
        ("ztf-r", None, "ztf_r"),
        ("o", "atlas", "atlas_o"),
        ("c", None, "atlas_c"),
        ("orange", "ATLAS", "atlas_o"),
        ("uvw2", None, "swift_uvw2"),
        ("UVW2", "swift", "swift_uvw2"),
        ("W2", None, "swift_uvw2"),
        ("M2", "uvot", "swift_uvm2"),
        ("Swift/UVOT.UVW1", None, "swift_uvw1"),
        ("B", "swift", "swift_b"),
        ("PS1.z", None, "ps1_z"),
        ("y", "panstarrs", "ps1_y"),
        ("lsstr", None, "lsst_r"),
        ("r", "rubin", "lsst_r"),
        ("DECam z", None, "des_z"),
        ("u", "sdss", "sdss_u"),
        ("lsst_g", None, "lsst_g"),
        ("sdss_i", "ztf", "sdss_i"),  # an explicit prefix wins over survey=
    ],
)
def test_resolve_band_aliases(name, survey, expected):
    assert resolve_band(name, survey) == expected


def test_resolve_band_errors_list_known_bands():
    with pytest.raises(AstrolearnInputError, match="unknown band 'q'; known bands: lsst_u"):
        resolve_band("q")
    with pytest.raises(AstrolearnInputError, match=r"its bands: g, i, r"):
        resolve_band("z", survey="ztf")
    with pytest.raises(AstrolearnInputError, match=r"ambiguous.*ztf_g"):
        resolve_band("g")
    with pytest.raises(AstrolearnInputError, match="unknown survey 'hst'"):
        resolve_band("g", survey="hst")
    with pytest.raises(AstrolearnInputError, match="non-empty string"):
        resolve_band("")
    with pytest.raises(AstrolearnInputError, match="non-empty string"):
        resolve_band(3)  # type: ignore[arg-type]


def test_effective_wavelength():
    assert effective_wavelength("ztf_g").tolist() == [4746.0]
    assert effective_wavelength(["g", "r", "i"], survey="ztf").tolist() == [4746.0, 6366.0,
                                                                           7815.0]
    assert effective_wavelength(["uvw2", "atlas_o"]).dtype == np.float64


# ---------------------------------------------------------------------------------------
# Band mapping
# ---------------------------------------------------------------------------------------


def test_map_ztf_to_lsst_and_swift_unusable():
    m = map_bands(["g", "r", "i"], LSST, survey="ztf", model_survey="lsst")
    # ZTF g 4746 vs LSST g 4827: 81 / 4746 = 1.71 % <= 8 %; r: 143 / 6366 = 2.25 %;
    # i: 269 / 7815 = 3.44 %
    assert m.mapping == {"g": "g", "r": "r", "i": "i"}
    assert m.unusable == {}
    assert m.table["relative_offset"].round(4).tolist() == [0.0171, 0.0225, 0.0344]

    s = map_bands(["UVW2", "UVW1", "U", "B"], LSST, survey="swift", model_survey="lsst")
    # UVW2: nearest LSST u at 3671: (3671 - 2030) / 2030 = 80.8 % -> unusable
    assert s.unusable["UVW2"].startswith(
        "UVW2 at 2030 Å is outside the model's bands 3671–9712 Å"
    )
    assert "80.8%" in s.unusable["UVW2"]
    # U: (3671 - 3465) / 3465 = 5.9 % -> LSST u; B: (4827 - 4392) / 4392 = 9.9 % -> between
    assert s.mapping == {"U": "u"}
    assert "between the model's bands" in s.unusable["B"]
    assert "9.9%" in s.unusable["B"]


def test_map_bands_tolerance_and_names_as_given():
    # ATLAS o 6790 vs LSST r 6223: 567 / 6790 = 8.35 %: rejected at 8 %, accepted at 10 %
    names = ["lsstu", "lsstg", "lsstr", "lssti", "lsstz", "lssty"]
    strict = map_bands(["atlas_o"], names)
    assert "atlas_o" in strict.unusable
    loose = map_bands(["atlas_o"], names, tolerance=0.10)
    assert loose.mapping == {"atlas_o": "lsstr"}  # model names are returned as given


def test_map_bands_unknown_source_reported_and_describe():
    m = map_bands(["ztf_g", "clear", "UVW2"], LSST, model_survey="lsst")
    assert isinstance(m, BandMapping)
    assert m.unusable["clear"].startswith("unknown passband")
    text = m.describe()
    assert "ztf_g (4746 Å) -> g (4827 Å, offset 1.7%)" in text
    assert "clear: not used" in text
    assert "UVW2: not used -- UVW2 at 2030 Å is outside" in text
    assert "1 band(s) usable, 2 unusable" in text
    assert m.table["usable"].tolist() == [True, False, False]


def test_map_bands_errors():
    with pytest.raises(AstrolearnInputError, match="unknown band 'w'"):
        map_bands(["ztf_g"], ["w"])
    with pytest.raises(AstrolearnInputError, match="ambiguous"):
        map_bands(["g"], LSST, model_survey="lsst")
    with pytest.raises(AstrolearnInputError, match="unknown survey"):
        map_bands(["g"], LSST, survey="hst", model_survey="lsst")
    with pytest.raises(AstrolearnInputError, match="tolerance"):
        map_bands(["ztf_g"], LSST, model_survey="lsst", tolerance=0)
    with pytest.raises(AstrolearnInputError, match="lists of band names"):
        map_bands("ztf_g", LSST, model_survey="lsst")
    with pytest.raises(AstrolearnInputError, match="model_bands is empty"):
        map_bands(["ztf_g"], [])


# ---------------------------------------------------------------------------------------
# Magnitudes to flux
# ---------------------------------------------------------------------------------------

LN10_04 = 0.4 * math.log(10.0)  # 0.921034


def test_magnitudes_to_flux_by_hand():
    frame = pd.DataFrame(
        {
            "band": ["g", "r", "g", "r"],
            "mag": [22.5, 20.0, np.nan, np.nan],
            "mag_err": [0.1, 0.05, np.nan, np.nan],
            "limit": [np.nan, np.nan, 25.0, 23.5],
        }
    )
    original = frame.copy()
    out = magnitudes_to_flux(frame)
    # 22.5 -> 10**((27.5 - 22.5)/2.5) = 10**2 = 100; error 0.921034 x 100 x 0.1 = 9.21034
    # 20.0 -> 10**3 = 1000; error 0.921034 x 1000 x 0.05 = 46.0517
    # limit 25.0 -> F_lim = 10**1 = 10, error 10 / 5 = 2
    # limit 23.5 -> F_lim = 10**1.6 = 39.8107, error 7.96214
    assert out["flux"].tolist() == pytest.approx([100.0, 1000.0, 0.0, 0.0])
    assert out["flux_err"].tolist() == pytest.approx([9.21034, 46.0517, 2.0, 7.96214],
                                                     rel=1e-5)
    assert out["flux_err"].iloc[0] == pytest.approx(LN10_04 * 100 * 0.1, rel=1e-12)
    assert out["detected"].tolist() == [True, True, False, False]
    pd.testing.assert_frame_equal(frame, original)  # input untouched
    assert list(out.columns[:4]) == list(frame.columns)


def test_magnitudes_to_flux_zero_point_and_limit_sigma():
    frame = pd.DataFrame({"mag": [22.5, np.nan], "mag_err": [0.2, np.nan],
                          "limit": [np.nan, 25.0]})
    # zero point 31.4 (nJy): 10**((31.4 - 22.5)/2.5) = 10**3.56 = 3630.78
    out = magnitudes_to_flux(frame, zero_point=31.4, limit_sigma=3.0)
    assert out["flux"].iloc[0] == pytest.approx(3630.78, rel=1e-5)
    # 3-sigma limit 25 -> F_lim = 10**((31.4 - 25)/2.5) = 10**2.56 = 363.078, / 3 = 121.026
    assert out["flux_err"].iloc[1] == pytest.approx(121.026, rel=1e-5)


def test_magnitudes_to_flux_is_limit_column():
    frame = pd.DataFrame(
        {
            "mag": [22.5, 25.0, 24.0],
            "mag_err": [0.1, np.nan, np.nan],
            "limit": [np.nan, np.nan, 23.5],
            "is_limit": [False, True, True],
        }
    )
    out = magnitudes_to_flux(frame)
    # row 1: limit taken from mag (25 -> error 2); row 2: from the limit column (23.5)
    assert out["flux"].tolist() == pytest.approx([100.0, 0.0, 0.0])
    assert out["flux_err"].tolist() == pytest.approx([9.21034, 2.0, 7.96214], rel=1e-5)
    assert out["detected"].tolist() == [True, False, False]
    # 0/1 flags and no limit column at all
    ints = frame.drop(columns="limit").assign(is_limit=[0, 1, 1])
    assert magnitudes_to_flux(ints)["flux_err"].iloc[2] == pytest.approx(
        10 ** ((27.5 - 24.0) / 2.5) / 5
    )


def test_magnitudes_to_flux_vega():
    frame = pd.DataFrame({"band": ["UVW2", "g"], "mag": [18.0, 22.5], "mag_err": [0.1, 0.1]})
    # Swift UVW2 Vega 18.0 -> AB 18.0 + 1.73 = 19.73 -> 10**((27.5 - 19.73)/2.5) = 10**3.108
    # = 1282.33; ZTF g stays AB 22.5 -> 100
    out = magnitudes_to_flux(frame, system={"UVW2": "Vega", "g": "AB"}, survey="swift")
    assert out["flux"].tolist() == pytest.approx([1282.33, 100.0], rel=1e-5)
    # all-Vega table of Swift bands; V: AB = Vega - 0.01 -> 10**((27.5 - 22.49)/2.5)
    swift = pd.DataFrame({"band": ["swift_v"], "mag": [22.5], "mag_err": [0.1]})
    assert magnitudes_to_flux(swift, system="Vega")["flux"].iloc[0] == pytest.approx(
        10 ** (5.01 / 2.5)
    )
    with pytest.raises(AstrolearnInputError, match=r"no Vega-to-AB offset.*ztf_g"):
        magnitudes_to_flux(frame.assign(band=["ztf_g", "ztf_g"]), system="Vega")
    with pytest.raises(AstrolearnInputError, match="column 'band'"):
        magnitudes_to_flux(frame.drop(columns="band"), system="Vega")
    with pytest.raises(AstrolearnInputError, match="no magnitude system for band 'g'"):
        magnitudes_to_flux(frame, system={"UVW2": "Vega"}, survey="swift")
    with pytest.raises(AstrolearnInputError, match="system must be"):
        magnitudes_to_flux(frame, system="ST")


def test_magnitudes_to_flux_errors_name_column_and_fix():
    frame = pd.DataFrame({"mag": [22.5, 21.0], "mag_err": [0.1, np.nan]})
    with pytest.raises(AstrolearnInputError, match=r"column 'mag_err'.*Fix:") as info:
        magnitudes_to_flux(frame)
    assert info.value.column == "mag_err"
    with pytest.raises(AstrolearnInputError, match=r"column 'e_mag'.*column is missing"):
        magnitudes_to_flux(frame.drop(columns="mag_err"), mag_err="e_mag")
    with pytest.raises(AstrolearnInputError, match="no magnitude and no limiting"):
        magnitudes_to_flux(pd.DataFrame({"mag": [np.nan], "mag_err": [np.nan]}))
    with pytest.raises(AstrolearnInputError, match="sentinel"):
        magnitudes_to_flux(pd.DataFrame({"mag": [99.0], "mag_err": [0.1]}))
    with pytest.raises(AstrolearnInputError, match=r"column 'mag'.*not numeric"):
        magnitudes_to_flux(pd.DataFrame({"mag": ["bright"], "mag_err": [0.1]}))
    with pytest.raises(AstrolearnInputError, match="column 'magnitude'"):
        magnitudes_to_flux(frame, mag="magnitude")
    with pytest.raises(AstrolearnInputError, match="column 'is_limit'"):
        magnitudes_to_flux(frame.assign(is_limit=["yes", "no"]))
    with pytest.raises(AstrolearnInputError, match="non-positive error"):
        magnitudes_to_flux(frame.assign(mag_err=[0.1, 0.0]))
