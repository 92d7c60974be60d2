"""Tests of redshift augmentation of training light curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from astropy.cosmology import FlatLambdaCDM
from scipy.optimize import curve_fit

from astrolearn.errors import AstrolearnInputError
from astrolearn.transients.augment import augment_lightcurves

WL = {"u": 3671.0, "g": 4827.0, "r": 6223.0, "i": 7546.0, "z": 8691.0, "y": 9712.0}
COSMO = FlatLambdaCDM(H0=70.0, Om0=0.3)
PEAK, WIDTH = 10000.0, 10.0


def gaussian(t, amp, t0, sigma):
    return amp * np.exp(-0.5 * ((t - t0) / sigma) ** 2)


def original(oid=1, amp=PEAK, bands=("g", "r", "i"), err=1.0):
    """A grey Gaussian transient peaking at t = 1000, sampled every 3 days in each band."""
    t = np.arange(900.0, 1100.0, 3.0)
    return pd.concat([
        pd.DataFrame({"object_id": oid, "time": t, "band": b,
                      "flux": gaussian(t, amp, 1000.0, WIDTH), "flux_err": err})
        for b in bands
    ], ignore_index=True)


def pool(sky=1e-3, bands=("g", "r", "i"), oid=100):
    """An empty-sky target cadence: daily in each band over 150 days."""
    t = np.arange(60000.0, 60150.0, 1.0)
    return pd.concat([pd.DataFrame({"object_id": oid, "time": t, "band": b, "flux": 0.0,
                                    "flux_err": sky}) for b in bands], ignore_index=True)


def test_noiseless_copy_flux_and_time_stretch():
    lc = original()
    meta = pd.DataFrame({"object_id": [1], "redshift": [0.1], "target": ["SNIa"]})
    z_new = 0.3
    new_lc, new_meta = augment_lightcurves(lc, meta, WL, n_copies=3, target_redshifts=[z_new],
                                           cadence_pool=pool(), seed=2)
    assert len(new_meta) == 3
    assert np.allclose(new_meta["redshift_true"], z_new)
    expected = (1.3 / 1.1) * (COSMO.luminosity_distance(0.1).value
                              / COSMO.luminosity_distance(z_new).value) ** 2
    for oid, copy in new_lc.groupby("object_id"):
        r = copy[copy["band"] == "r"]
        assert r["flux"].max() / PEAK == pytest.approx(expected, rel=0.01), oid
        t0 = r["time"].to_numpy()[np.argmax(r["flux"].to_numpy())]
        popt, _ = curve_fit(gaussian, r["time"], r["flux"], p0=[r["flux"].max(), t0, 10.0])
        assert abs(popt[2]) == pytest.approx(WIDTH * 1.3 / 1.1, rel=0.02)
        # the grey spectrum stays grey after the wavelength shift
        g = copy[copy["band"] == "g"]
        assert g["flux"].max() == pytest.approx(r["flux"].max(), rel=0.02)
    assert (new_meta["target"] == "SNIa").all()
    assert (new_meta["original_id"] == 1).all()


def test_default_redshift_range_and_photoz():
    lc = original()
    meta = pd.DataFrame({"object_id": [1], "redshift": [0.2], "redshift_err": [0.01]})
    _, new_meta = augment_lightcurves(lc, meta, WL, n_copies=20, cadence_pool=pool(),
                                      pool_metadata=pd.DataFrame({"object_id": [100],
                                                                  "redshift_err": [0.05]}))
    z = new_meta["redshift_true"].to_numpy()
    assert np.all((z >= 0.95 * 0.2) & (z <= min(5 * 0.2, 1.5 * 1.2 - 1) + 1e-12))
    assert np.allclose(new_meta["redshift_err"], 0.05)
    assert np.all(new_meta["redshift"] > 0)
    assert not np.allclose(new_meta["redshift"], z)


def test_target_redshifts_are_drawn_inside_the_window():
    lc = original()
    meta = pd.DataFrame({"object_id": [1], "redshift": [0.1]})
    # window for z = 0.1: 0.095 to min(0.5, 0.65) = 0.5; 0.05 and 3.0 lie outside it
    _, new_meta = augment_lightcurves(lc, meta, WL, n_copies=12, cadence_pool=pool(),
                                      target_redshifts=[0.05, 0.3, 0.45, 3.0], seed=0)
    z = new_meta["redshift_true"].to_numpy()
    assert len(z) == 12 and set(np.round(z, 6)) == {0.3, 0.45}
    # no target inside: log-uniform over the window instead
    _, none_inside = augment_lightcurves(lc, meta, WL, n_copies=12, cadence_pool=pool(),
                                         target_redshifts=[0.05, 3.0], seed=0)
    z = none_inside["redshift_true"].to_numpy()
    assert np.all((z >= 0.095) & (z <= 0.5)) and np.unique(z).size == 12
    # z_max widens the window
    _, wide = augment_lightcurves(lc, meta, WL, n_copies=4, cadence_pool=pool(bands=tuple(WL)),
                                  target_redshifts=[1.0], z_max=1.0, seed=0)
    assert len(wide) == 4 and np.allclose(wide["redshift_true"], 1.0)


def test_milky_way_reddening_is_smeared_per_copy():
    lc = original()
    meta = pd.DataFrame({"object_id": [1], "redshift": [0.1], "mwebv": [0.05]})
    _, copies = augment_lightcurves(lc, meta, WL, n_copies=40, cadence_pool=pool(), seed=0)
    ratio = copies["mwebv"].to_numpy() / 0.05
    assert np.unique(ratio).size == len(copies)  # no copy keeps the original's exact value
    assert abs(ratio.mean() - 1) < 0.05 and 0.05 < ratio.std() < 0.15
    _, kept = augment_lightcurves(lc, meta, WL, n_copies=3, cadence_pool=pool(), seed=0,
                                  mwebv=None)
    assert np.all(kept["mwebv"] == 0.05)


def test_deterministic_and_seed_dependent():
    lc = pd.concat([original(1), original(2, amp=5000.0)], ignore_index=True)
    meta = pd.DataFrame({"object_id": [1, 2], "redshift": [0.1, 0.15]})
    a = augment_lightcurves(lc, meta, WL, n_copies=2, seed=7)
    b = augment_lightcurves(lc, meta, WL, n_copies=2, seed=7)
    c = augment_lightcurves(lc, meta, WL, n_copies=2, seed=8)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    assert not a[1]["redshift_true"].equals(c[1]["redshift_true"])


def test_original_id_grouping_labels_and_unique_ids():
    lc = pd.concat([original(1), original(2), original(3)], ignore_index=True)
    meta = pd.DataFrame({"object_id": [1, 2, 3], "redshift": [0.1, 0.12, 0.08],
                         "target": ["Ia", "II", "Ibc"]})
    new_lc, new_meta = augment_lightcurves(lc, meta, WL, n_copies=3, cadence_pool=pool(),
                                           seed=0)
    assert len(new_meta) == 9
    assert new_meta["object_id"].is_unique
    assert not set(new_meta["object_id"]) & {1, 2, 3, 100}
    assert set(new_lc["object_id"]) == set(new_meta["object_id"])
    labels = dict(zip(meta["object_id"], meta["target"], strict=True))
    assert all(labels[o] == t for o, t in zip(new_meta["original_id"], new_meta["target"],
                                              strict=True))
    assert new_meta.groupby("original_id").size().to_dict() == {1: 3, 2: 3, 3: 3}
    # augmenting copies keeps pointing at the root object
    sub_meta = new_meta.iloc[::3]
    sub_lc = new_lc[new_lc["object_id"].isin(sub_meta["object_id"])].iloc[::4]
    _, again = augment_lightcurves(sub_lc, sub_meta, WL, n_copies=1, cadence_pool=pool(),
                                   seed=0)
    assert len(again) == 3
    assert set(again["original_id"]) <= {1, 2, 3}


def test_string_ids():
    lc = original("SN1")
    meta = pd.DataFrame({"object_id": ["SN1"], "redshift": [0.1]})
    _, new_meta = augment_lightcurves(lc, meta, WL, n_copies=2, seed=0)
    assert list(new_meta["object_id"]) == ["SN1_aug0", "SN1_aug1"]


def test_detection_selection_drops_faint_copies():
    lc = original(amp=30.0, err=1.0)
    meta = pd.DataFrame({"object_id": [1], "redshift": [0.1]})
    noisy_pool = pool(sky=10.0)
    new_lc, new_meta = augment_lightcurves(lc, meta, WL, n_copies=5, target_redshifts=[1.0],
                                           cadence_pool=noisy_pool, seed=0)
    assert len(new_meta) == 0 and len(new_lc) == 0
    assert {"object_id", "original_id", "redshift"} <= set(new_meta.columns)
    kept_lc, kept_meta = augment_lightcurves(original(), meta, WL, n_copies=5,
                                             target_redshifts=[0.2], cadence_pool=noisy_pool,
                                             seed=0)
    assert len(kept_meta) == 5
    assert kept_lc.groupby("object_id")["detected"].sum().min() >= 2
    snr = kept_lc["flux"] / kept_lc["flux_err"]
    assert np.array_equal(kept_lc["detected"].to_numpy(), (snr >= 5).to_numpy())


@pytest.mark.parametrize("z", [0.0, np.nan, -1.0])
def test_galactic_objects_get_new_cadence_only(z):
    lc = original()
    meta = pd.DataFrame({"object_id": [1], "redshift": [z], "redshift_err": [0.0]})
    new_lc, new_meta = augment_lightcurves(lc, meta, WL, n_copies=2, cadence_pool=pool(),
                                           seed=1)
    assert len(new_meta) == 2
    assert new_meta["redshift"].equals(pd.Series([z, z], name="redshift"))
    for _, copy in new_lc.groupby("object_id"):
        r = copy[copy["band"] == "r"]
        assert r["flux"].max() == pytest.approx(PEAK, rel=0.01)
        t0 = r["time"].to_numpy()[np.argmax(r["flux"].to_numpy())]
        popt, _ = curve_fit(gaussian, r["time"], r["flux"], p0=[PEAK, t0, 10.0])
        assert abs(popt[2]) == pytest.approx(WIDTH, rel=0.02)


def test_far_extrapolated_wavelengths_are_dropped():
    lc = original()
    meta = pd.DataFrame({"object_id": [1], "redshift": [0.1]})
    new_lc, _ = augment_lightcurves(lc, meta, WL, n_copies=2, target_redshifts=[2.0],
                                    z_max=2.0, cadence_pool=pool(bands=tuple(WL)), seed=0)
    # rest-frame range of g, r, i at z=0.1 widened by 1500 Å: only z and y survive at z=2
    assert set(new_lc["band"]) == {"z", "y"}


def test_inputs_unmodified():
    lc = original()
    meta = pd.DataFrame({"object_id": [1], "redshift": [0.1], "target": ["Ia"]})
    p = pool()
    lc0, meta0, p0 = lc.copy(), meta.copy(), p.copy()
    augment_lightcurves(lc, meta, WL, n_copies=2, cadence_pool=p, seed=0)
    pd.testing.assert_frame_equal(lc, lc0)
    pd.testing.assert_frame_equal(meta, meta0)
    pd.testing.assert_frame_equal(p, p0)


def test_bad_input():
    lc = original()
    with pytest.raises(AstrolearnInputError, match="redshift"):
        augment_lightcurves(lc, pd.DataFrame({"object_id": [1]}), WL)
    with pytest.raises(AstrolearnInputError, match="no metadata row"):
        augment_lightcurves(lc, pd.DataFrame({"object_id": [2], "redshift": [0.1]}), WL)
    meta = pd.DataFrame({"object_id": [1], "redshift": [0.1]})
    with pytest.raises(AstrolearnInputError, match="n_copies"):
        augment_lightcurves(lc, meta, WL, n_copies=-1)
    with pytest.raises(AstrolearnInputError, match="target_redshifts"):
        augment_lightcurves(lc, meta, WL, target_redshifts=[0.0, np.nan])
