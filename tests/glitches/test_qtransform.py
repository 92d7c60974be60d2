"""Q-transform views: injected sine-Gaussians come out where they were put; real GW150914."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.glitches.qtransform import (
    GRAVITY_SPY_WINDOWS,
    as_timeseries,
    frequency_grid,
    peak_time_frequency,
    qtransform_views,
    read_strain,
    time_offsets,
    write_strain,
)

FS = 4096.0
T0 = 1000000000.0  # GPS start of the simulated strain
DURATION = 16.0


def sine_gaussian(t: np.ndarray, t0: float, f0: float, q: float) -> np.ndarray:
    """Unit-amplitude sine-Gaussian, envelope exp(-(t - t0)^2 / tau^2), tau = Q / (sqrt2 pi f0)."""
    tau = q / (np.sqrt(2) * np.pi * f0)
    return np.exp(-(((t - t0) / tau) ** 2)) * np.sin(2 * np.pi * f0 * (t - t0))


def coloured_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise with a steep low-frequency wall and a rising high-frequency tail."""
    white = np.fft.rfft(rng.normal(size=n))
    f = np.fft.rfftfreq(n, 1 / FS)
    f[0] = f[1]
    asd = (f / 40.0) ** -4 + 1.0 + (f / 300.0) ** 2
    return np.fft.irfft(white * asd, n)


def inject(f0: float, snr: float, *, coloured: bool = False, seed: int = 0):
    """Noise plus a sine-Gaussian (Q = 9) of the given SNR at T0 + 8.3; returns data, time."""
    rng = np.random.default_rng(seed)
    n = int(DURATION * FS)
    t = T0 + np.arange(n) / FS
    t_inj = T0 + 8.3
    if coloured:
        noise = coloured_noise(n, rng)
        # scale the signal so its SNR is ~snr against the local noise level at f0
        spec = np.abs(np.fft.rfft(noise)) / np.sqrt(n)
        f = np.fft.rfftfreq(n, 1 / FS)
        sigma = np.median(spec[(f > 0.9 * f0) & (f < 1.1 * f0)])
    else:
        noise = rng.normal(size=n)
        sigma = 1.0
    h = sine_gaussian(t, t_inj, f0, 9.0)
    h *= snr * sigma / np.sqrt(np.sum(h**2))
    return noise + h, t_inj


@pytest.fixture(scope="module")
def injected_views():
    out = {}
    for f0 in (120.0, 400.0):
        data, t_inj = inject(f0, 40.0, seed=int(f0))
        ts = as_timeseries(data, sample_rate=FS, t0=T0)
        out[f0] = (qtransform_views(ts, [t_inj]), ts, data, t_inj)
    return out


@pytest.mark.parametrize("f0", [120.0, 400.0])
def test_peak_at_injected_time_and_frequency(injected_views, f0):
    views = injected_views[f0][0]
    freqs = frequency_grid(128, 10, 2048)
    for j, window in enumerate(GRAVITY_SPY_WINDOWS):
        dt, f = peak_time_frequency(views[0, j], window=window, frequencies=freqs)
        pixel = window / 128
        assert abs(dt) <= max(0.010 * window / 0.5, 1.5 * pixel), (window, dt)
        assert abs(f / f0 - 1) < 0.10, (window, f)
        assert views[0, j].max() > 20 * np.median(views[0, j])


def test_shape_finite_and_noise_normalised(injected_views):
    views = injected_views[120.0][0]
    assert views.shape == (1, 4, 128, 128)
    assert views.dtype == np.float32
    assert np.isfinite(views).all() and (views >= 0).all()
    # rows inside the Q-plane range (<= 1 kHz), away from the injection
    freqs = frequency_grid(128)
    rows = (freqs > 20) & (freqs < 1000) & (np.abs(np.log(freqs / 120.0)) > 0.5)
    # max-pooling over each column lifts the noise floor of the longer windows
    floors = [np.median(views[0, j][rows]) for j in range(4)]
    assert bool(np.all(np.diff(floors) > 0)), floors
    assert 1.0 < floors[0] < 1.7 and 1.8 < floors[3] < 3.2, floors
    # one sample per column (0.5 s over 256 columns < 1/512 s): median normalised energy ~1
    _, ts, _, t_inj = injected_views[120.0]
    fine = qtransform_views(ts, t_inj - 2.0, windows=(0.5,), shape=(128, 256))
    med = np.median(fine[0, 0][rows])
    assert 0.85 < med < 1.2, med
    # rows above the plane's highest tile frequency are zero, never NaN
    assert np.all(views[0, :, -1, :] == 0)


def test_coloured_noise_injection_recovered():
    data, t_inj = inject(120.0, 40.0, coloured=True, seed=3)
    views = qtransform_views(data, [t_inj, t_inj - 3.0], windows=(0.5, 2.0),
                             sample_rate=FS, t0=T0)
    dt, f = peak_time_frequency(views[0, 0], window=0.5)
    assert abs(dt) <= 0.010 and abs(f / 120 - 1) < 0.10, (dt, f)
    # 3 s earlier there is only noise: no pixel near the injected peak's height
    assert views[1].max() < 0.3 * views[0].max()


def test_normalise_false_gives_raw_energy(injected_views):
    _, ts, _, t_inj = injected_views[400.0]
    raw = qtransform_views(ts, t_inj, windows=(1.0,), shape=(32, 32), normalise=False)
    norm = qtransform_views(ts, t_inj, windows=(1.0,), shape=(32, 32))
    assert raw.shape == norm.shape == (1, 1, 32, 32)
    assert not np.allclose(raw, norm)
    assert raw.argmax() == norm.argmax() or abs(int(raw.argmax()) - int(norm.argmax())) <= 33


def test_array_input_equals_timeseries_and_input_untouched(injected_views):
    views, ts, data, t_inj = injected_views[120.0]
    before = data.copy()
    from_array = qtransform_views(data, [t_inj], sample_rate=FS, t0=T0)
    np.testing.assert_allclose(from_array, views, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(data, before)
    np.testing.assert_array_equal(ts.value, before)


def test_worker_processes_give_identical_views():
    data = np.random.default_rng(1).normal(size=int(20 * FS))
    data[int(10 * FS):int(10 * FS) + 40] += 30.0  # a loud click at t = 10 s
    one = qtransform_views(data, [6.0, 10.0, 14.0], sample_rate=FS, shape=(32, 64))
    two = qtransform_views(data, [6.0, 10.0, 14.0], sample_rate=FS, shape=(32, 64), n_jobs=2)
    np.testing.assert_array_equal(one, two)
    assert one[1].max() > 5 * one[0].max()  # the click is in the middle view only


@pytest.mark.parametrize("n_jobs", [0, -2, 1.5, True])
def test_bad_n_jobs_raise(n_jobs):
    data = np.random.default_rng(0).normal(size=int(DURATION * FS))
    with pytest.raises(AstrolearnInputError, match="n_jobs"):
        qtransform_views(data, [T0 + 8.0], sample_rate=FS, t0=T0, n_jobs=n_jobs)


@pytest.mark.parametrize("t_off", [4.9, 11.1, -1.0, 20.0])
def test_times_near_edges_raise(t_off):
    data = np.zeros(int(DURATION * FS))
    data[::7] = 1.0
    with pytest.raises(AstrolearnInputError, match=r"too close to the edge.*1000000000\.0000"):
        qtransform_views(data, [T0 + t_off], sample_rate=FS, t0=T0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sample_rate": None}, "needs a sample rate"),
        ({"sample_rate": -1.0}, "sample rate must be positive"),
        ({"frange": (10, 4000)}, "Nyquist"),
        ({"frange": (100, 10)}, "frange"),
        ({"qrange": (0, 64)}, "qrange"),
        ({"shape": (1, 128)}, "at least 2"),
        ({"windows": ()}, "no windows"),
        ({"windows": (-1.0,)}, "window must be positive"),
        ({"qscan_duration": 3.0}, "qscan_duration"),
        ({"times": [np.nan]}, "finite GPS times"),
        ({"times": "soon"}, "times must be numbers"),
    ],
)
def test_bad_options_raise(kwargs, match):
    data = np.random.default_rng(0).normal(size=int(DURATION * FS))
    call = {"sample_rate": FS, "t0": T0, "times": [T0 + 8.0]}
    call.update(kwargs)
    times = call.pop("times")
    with pytest.raises(AstrolearnInputError, match=match):
        qtransform_views(data, times, **call)


def test_bad_strain_raises():
    data = np.random.default_rng(0).normal(size=int(DURATION * FS))
    data[100] = np.nan
    with pytest.raises(AstrolearnInputError, match="NaN/inf"):
        as_timeseries(data, sample_rate=FS)
    with pytest.raises(AstrolearnInputError, match="1-D"):
        as_timeseries(np.zeros((4, 100)), sample_rate=FS)
    ts = as_timeseries(np.zeros(100), sample_rate=FS)
    with pytest.raises(AstrolearnInputError, match="disagrees"):
        as_timeseries(ts, sample_rate=2048)
    with pytest.raises(AstrolearnInputError, match="2-D"):
        peak_time_frequency(np.zeros(5), window=1.0)


def test_read_strain_errors(tmp_path):
    with pytest.raises(AstrolearnInputError, match="does not exist"):
        read_strain(tmp_path / "nope.hdf5")
    bad = tmp_path / "bad.hdf5"
    bad.write_bytes(b"not an hdf5 file")
    with pytest.raises(AstrolearnInputError, match="cannot read GWOSC strain") as err:
        read_strain(bad)
    assert "bad.hdf5" in str(err.value)
    gwf = tmp_path / "frame.gwf"
    gwf.write_bytes(b"x")
    with pytest.raises(AstrolearnInputError, match="channel"):
        read_strain(gwf)


def test_write_strain_round_trip_and_input_untouched(tmp_path):
    data = np.random.default_rng(3).normal(size=8 * 1024)
    before = data.copy()
    path = write_strain(tmp_path / "L-L1_SIM-1000000000-8.hdf5", data, sample_rate=1024,
                        t0=T0, detector="L1")
    series = read_strain(path)
    np.testing.assert_array_equal(series.value, data)
    np.testing.assert_array_equal(data, before)
    assert float(series.t0.value) == T0 and float(series.dt.value) == 1 / 1024
    assert sorted(p.name for p in tmp_path.iterdir()) == ["L-L1_SIM-1000000000-8.hdf5"]


def test_gwpy_import_leaves_matplotlib_style_alone():
    code = ("import matplotlib; before = dict(matplotlib.rcParams); import numpy as np; "
            "from astrolearn.glitches.qtransform import as_timeseries; "
            "as_timeseries(np.zeros(1000), sample_rate=100); "
            "changed = [k for k, v in matplotlib.rcParams.items() if before[k] != v]; "
            "assert not changed, changed")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_grids():
    f = frequency_grid(128)
    assert f[0] == pytest.approx(10) and f[-1] == pytest.approx(2048)
    assert np.allclose(np.diff(np.log(f)), np.log(f[1] / f[0]))
    off = time_offsets(0.5, 128)
    assert off.mean() == pytest.approx(0, abs=1e-12) and off[1] - off[0] == pytest.approx(0.5 / 128)


@pytest.mark.realdata
def test_gw150914_chirp_in_l1(real_data_path):
    path = real_data_path("gravityspy", "strain", "L-L1_LOSC_4_V2-1126259446-32.hdf5")
    strain = read_strain(path)
    assert strain.sample_rate.value == 4096 and strain.duration.value == 32
    merger = 1126259462.4
    views = qtransform_views(strain, [merger], windows=(0.5, 1.0))
    for j, window in enumerate((0.5, 1.0)):
        dt, f = peak_time_frequency(views[0, j], window=window)
        assert -0.1 <= dt <= 0.05, (window, dt)
        assert 35 <= f <= 350, (window, f)
        assert views[0, j].max() > 15 * np.median(views[0, j]), window
    # the same strain 6 s earlier (noise only) has no such peak
    quiet = qtransform_views(strain, [merger - 6.0], windows=(0.5,))
    assert quiet.max() < 0.5 * views[0, 0].max()
