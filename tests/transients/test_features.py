"""Light-curve features: shape, invariances, dust and redshift terms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.transients.features import SHAPE_FEATURES, distance_modulus, extract_features
from astrolearn.transients.passbands import extinction_coefficient

WAVE = {"g": 4730.0, "r": 6420.0, "i": 7840.0, "z": 9260.0}


def _bazin(t, t0=30.0, amp=200.0, rise=3.0, fall=20.0):
    return amp * np.exp(-(t - t0) / fall) / (1 + np.exp(-(t - t0) / rise))


def _curve(object_id=1, shift=0.0, amp=200.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 120.0, 2.5)
    band = np.array(list("griz"))[np.arange(t.size) % 4]
    flux = _bazin(t, amp=amp) + rng.normal(0, 2.0, t.size)
    return pd.DataFrame({"object_id": object_id, "time": t + shift, "band": band,
                         "flux": flux, "flux_err": 2.0, "detected": flux / 2.0 >= 5})


def test_one_row_per_object_and_fixed_columns():
    lc = pd.concat([_curve(1), _curve(2, seed=1)], ignore_index=True)
    table = extract_features(lc, bands=list("griz"), wavelengths=WAVE)
    assert list(table.index) == [1, 2]
    for b in "griz":
        for name in SHAPE_FEATURES:
            assert f"{name}_{b}" in table.columns
    # a band missing from the data still has its (NaN) columns
    only_gr = lc[lc["band"].isin(["g", "r"])]
    other = extract_features(only_gr, bands=list("griz"), wavelengths=WAVE)
    assert list(other.columns) == list(table.columns)
    assert other["peak_mag_i"].isna().all()


def test_time_shift_does_not_change_features():
    a = extract_features(_curve(shift=0.0), bands=list("griz"), wavelengths=WAVE)
    b = extract_features(_curve(shift=58000.0), bands=list("griz"), wavelengths=WAVE)
    pd.testing.assert_frame_equal(a, b, rtol=1e-4, atol=1e-6)


def test_brightness_enters_only_through_magnitudes():
    faint = extract_features(_curve(amp=200.0), bands=list("griz"), wavelengths=WAVE)
    bright = extract_features(_curve(amp=2000.0), bands=list("griz"), wavelengths=WAVE)
    # ten times brighter: peak magnitudes 2.5 mag brighter, rise time about the same
    assert bright["peak_mag_r"].iloc[0] == pytest.approx(faint["peak_mag_r"].iloc[0] - 2.5,
                                                         abs=0.05)
    assert bright["bazin_fit_rise_time_r"].iloc[0] == pytest.approx(
        faint["bazin_fit_rise_time_r"].iloc[0], rel=0.3)


def test_bazin_fit_recovers_the_rise_and_fall():
    table = extract_features(_curve(), bands=list("griz"), wavelengths=WAVE)
    assert table["bazin_fit_fall_time_r"].iloc[0] == pytest.approx(20.0, rel=0.3)
    # r is sampled every 10 days: the 3-day rise is only known to be fast
    assert table["bazin_fit_rise_time_r"].iloc[0] < 8.0


def test_redshift_terms():
    lc = _curve()
    objects = pd.DataFrame({"object_id": [1], "redshift": [0.5], "redshift_err": [0.02]})
    table = extract_features(lc, objects, bands=list("griz"), wavelengths=WAVE)
    mu = distance_modulus(np.array([0.5]))[0]
    assert table["abs_mag_proxy"].iloc[0] == pytest.approx(table["peak_mag"].iloc[0] - mu)
    no_z = extract_features(lc, bands=list("griz"), wavelengths=WAVE)
    assert np.isnan(no_z["abs_mag_proxy"].iloc[0])
    assert table["redshift"].iloc[0] == 0.5


def test_dust_correction_brightens_by_the_extinction():
    lc = _curve()
    clear = extract_features(lc, pd.DataFrame({"object_id": [1], "mwebv": [0.0]}),
                             bands=list("griz"), wavelengths=WAVE)
    dusty = extract_features(lc, pd.DataFrame({"object_id": [1], "mwebv": [0.1]}),
                             bands=list("griz"), wavelengths=WAVE)
    expected = 0.1 * extinction_coefficient(WAVE["g"])
    assert clear["peak_mag_g"].iloc[0] - dusty["peak_mag_g"].iloc[0] == pytest.approx(expected)


def test_ccm89_coefficients_match_published_values():
    # Cardelli et al. 1989 Table 3 gives A/A_V at U (3650 Å) 1.569 and at I (8000 Å) 0.601
    assert extinction_coefficient(3650.0) / 3.1 == pytest.approx(1.569, abs=0.02)
    assert extinction_coefficient(8000.0) / 3.1 == pytest.approx(0.601, abs=0.02)


def test_distance_modulus_by_hand():
    # d_L(z=0.1) = 461.4 Mpc for H0=70, Om=0.3: mu = 5 log10(461.4e6 / 10) = 38.32
    assert distance_modulus(np.array([0.1]))[0] == pytest.approx(38.32, abs=0.01)
    assert np.isnan(distance_modulus(np.array([0.0, np.nan]))).all()


def test_missing_wavelength_is_a_clear_error():
    with pytest.raises(AstrolearnInputError, match="wavelength"):
        extract_features(_curve(), bands=list("griz"), wavelengths={"g": 4730.0})


def test_periodic_signal_gives_its_period():
    t = np.sort(np.random.default_rng(3).uniform(0, 300, 150))
    flux = 100 + 50 * np.sin(2 * np.pi * t / 0.61) + np.random.default_rng(4).normal(0, 2, 150)
    lc = pd.DataFrame({"object_id": 5, "time": t, "band": "r", "flux": flux, "flux_err": 2.0,
                       "detected": True})
    table = extract_features(lc, bands=["r"], wavelengths={"r": 6420.0})
    assert table["period"].iloc[0] == pytest.approx(0.61, rel=0.02)
