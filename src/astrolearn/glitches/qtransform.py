"""Gravity Spy-style Q-transform views of strain around trigger times, through gwpy.

Gravity Spy (Zevin et al. 2017, CQG 34 064003) classifies glitches from Omega-scan images:
the normalised energy of a Q-transform of whitened strain, shown for four durations (0.5, 1,
2 and 4 s) centred on the trigger, on a logarithmic frequency axis from 10 to 2048 Hz.
Bahaadini et al. (2018, Information Sciences 444, 172) fuse the four durations in a
multi-view CNN. :func:`qtransform_views` makes those four images as arrays a network can
read, with the Q-transform itself done by gwpy (:func:`gwpy.signal.qtransform.q_scan`, the
code behind :meth:`gwpy.timeseries.TimeSeries.q_transform`), the field's tool.

Choices, in order of processing:

1. **Whitening, once per call.** The whole strain series is whitened with
   :meth:`~gwpy.timeseries.TimeSeries.whiten` (Welch median ASD, ``fftlength`` 2 s with 1 s
   overlap, 2 s FIR filter). Whitening once over the full series, not per trigger, gives the
   same noise estimate for every trigger of a call and costs one FFT convolution. The first
   and last ``fduration / 2`` = 1 s are corrupted by the filter and never used.
2. **One Q scan per trigger time.** ``qscan_duration`` seconds (8 by default) of whitened
   data centred on each time go through ``q_scan(qrange, frange, search=0.5 s)``. As in
   ``q_transform(gps=t, search=0.5)``, the Q plane with the loudest tile within 0.25 s of
   the trigger is kept; it is the same for the four windows (Gravity Spy calls
   ``q_transform`` once per window with the same ``gps`` and ``search``, which picks the
   same plane), so one scan serves all four. Energies are normalised by gwpy's
   ``norm="median"``: each frequency row is divided by its median over the scanned
   stretch, so Gaussian noise has a median normalised energy of 1 (and mean about 1.4),
   whatever the detector's sensitivity. The upper frequency given to gwpy is left open
   (gwpy caps it at ``fs / 2 / (1 + sqrt(11) / q_min)``, about 1.1-1.3 kHz at 4096 Hz).
3. **Fixed grid.** Each window ``W`` has ``n_time`` columns centred at
   ``t - W/2 + (k + 1/2) W / n_time`` (so the trigger lies between the two middle columns).
   Each frequency row of the chosen plane (one energy series per row, at the row's own tile
   spacing) is sampled, by linear interpolation in time, at least every 1/512 s across each
   column and the column keeps the **maximum** (max-pooling; this lifts the noise floor of
   long windows: the median of white noise is ~1.05, 1.1, 1.2, 1.3 in the 0.5, 1, 2, 4-s
   128-column views, and 1 where a column is one sample, ``W / n_time <= 1/512 s``): a 5-ms
   blip would fall between the 31-ms samples of a 4-s, 128-column view and vanish if the
   Q-gram were only sampled at the column centres (Gravity Spy samples 1000 times per window
   before drawing). Then each column is interpolated linearly in log frequency onto
   :func:`frequency_grid` (``n_freq`` log-spaced frequencies from ``frange``; rows run from
   **low to high** frequency, the reverse of the image convention of the staged Gravity Spy
   PNG data, use ``view[..., ::-1, :]`` to compare). Grid frequencies above the plane's
   highest tile frequency (near Nyquist, where a Q-transform has no tiles) are set to 0,
   which reads as "no excess energy" (noise is ~1). gwpy's own ``QGram.interpolate`` fits a
   cubic spline to every row instead, which costs more than the Q scan itself and can
   overshoot below 0; linear interpolation keeps energies >= 0 and at the tile values.
   Energies are not clipped at the 25.5 top of the Gravity Spy colour bar.

Default image size is 128 x 128, the size of the staged Gravity Spy arrays in
``shared/data/gravityspy`` (the original Gravity Spy crops were 140 x 170; pass
``shape=(140, 170)`` for those). Cost: about 0.16 s for the four windows of one time on
one core, most of it in gwpy's Q scan; ``n_jobs`` spreads the scans over processes.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from astrolearn.errors import AstrolearnInputError

__all__ = [
    "GRAVITY_SPY_WINDOWS",
    "as_timeseries",
    "frequency_grid",
    "peak_time_frequency",
    "qtransform_views",
    "read_strain",
    "time_offsets",
    "write_strain",
]

GRAVITY_SPY_WINDOWS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
"""The four Gravity Spy image durations in seconds (Zevin et al. 2017)."""

_FDURATION = 2.0  # seconds of FIR whitening filter; half of it is lost at each end
_FFTLENGTH = 2.0  # seconds per Welch segment of the ASD used to whiten
_FINE_DT = 1 / 512  # seconds: longest step at which the Q-gram is sampled inside a pixel
_SEARCH = 0.5  # seconds around the trigger in which gwpy picks the loudest Q plane


def _gwpy_timeseries() -> Any:
    """gwpy's TimeSeries class, imported without restyling the caller's matplotlib.

    Importing gwpy applies its own ``rcParams`` (grid on, fonts, sizes) to every later figure
    of the process; the import runs inside :func:`matplotlib.rc_context`, which puts the
    caller's settings back.
    """
    import matplotlib

    with matplotlib.rc_context():
        from gwpy.timeseries import TimeSeries
    return TimeSeries


def read_strain(path: str | Path, *, channel: str | None = None) -> Any:
    """Read strain from a GWOSC (LOSC) HDF5 file as a gwpy TimeSeries.

    Parameters
    ----------
    path : str or Path
        A GWOSC-format HDF5 file (``.hdf5`` / ``.h5``, dataset ``strain/Strain``), e.g.
        ``H-H1_LOSC_4_V2-1126259446-32.hdf5``. Other formats gwpy reads (GWF frame files,
        with ``channel``) are passed to :meth:`gwpy.timeseries.TimeSeries.read`.
    channel : str, optional
        For GWOSC HDF5 files, the name given to the series (default: gwpy's, e.g.
        ``"L1:Strain"``); for frame files, the channel to read (required there).

    Returns
    -------
    gwpy.timeseries.TimeSeries
        The strain, with its GPS start time and sample rate.

    Raises
    ------
    AstrolearnInputError
        When the file is missing, unreadable, not GWOSC strain, or holds non-finite values.

    Examples
    --------
    >>> try:
    ...     read_strain("missing-strain.hdf5")
    ... except AstrolearnInputError as err:
    ...     print(err.problem)
    file does not exist
    """
    TimeSeries = _gwpy_timeseries()

    path = Path(path)
    if not path.exists():
        raise AstrolearnInputError(
            "file does not exist", file=path,
            fix="give the path of a GWOSC strain file (e.g. H-H1_LOSC_4_V2-1126259446-32.hdf5)",
        )
    if not path.is_file():
        raise AstrolearnInputError("not a file", file=path, fix="give a strain file, not a folder")
    suffix = path.suffix.lower()
    try:
        if suffix in (".hdf5", ".h5", ".hdf"):
            kwargs = {} if channel is None else {"channel": channel}
            series = TimeSeries.read(str(path), format="hdf5.gwosc", **kwargs)
        else:
            if channel is None:
                raise AstrolearnInputError(
                    f"reading a {suffix or 'suffix-less'} strain file needs a channel name",
                    file=path, fix="pass channel='L1:GDS-CALIB_STRAIN' (or the file's channel)",
                )
            series = TimeSeries.read(str(path), channel)
    except AstrolearnInputError:
        raise
    except Exception as exc:  # h5py/gwpy raise many types for a bad file
        raise AstrolearnInputError(
            f"cannot read GWOSC strain ({type(exc).__name__}: {exc})", file=path,
            fix="give a GWOSC HDF5 strain file with a 'strain/Strain' dataset",
        ) from None
    try:
        return as_timeseries(series)
    except AstrolearnInputError as err:
        raise err.in_file(path) from None


def write_strain(path: str | Path, strain: Any, *, sample_rate: float, t0: float = 0.0,
                 detector: str = "H1") -> Path:
    """Write strain as a GWOSC-format HDF5 file that :func:`read_strain` (and gwpy) read.

    The layout is GWOSC's: dataset ``strain/Strain`` with attributes ``Xstart`` (GPS start),
    ``Xspacing`` (1 / sample rate), ``Npoints`` and ``Xunits``, and ``meta/GPSstart``,
    ``meta/Duration``, ``meta/Detector``. The file appears atomically.

    Parameters
    ----------
    path : str or Path
        Output file (``.hdf5``); by GWOSC's convention named ``{ifo[0]}-{ifo}_..._{gps}-{dur}``.
    strain : array-like
        1-D strain samples (copied as float64).
    sample_rate : float
        Samples per second.
    t0 : float, default 0.0
        GPS time of the first sample.
    detector : str, default "H1"

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "H-H1_SIM-1000000000-4.hdf5")
    >>> _ = write_strain(path, np.zeros(4 * 1024), sample_rate=1024, t0=1e9)
    >>> series = read_strain(path)
    >>> float(series.t0.value), float(series.sample_rate.value), len(series)
    (1000000000.0, 1024.0, 4096)
    """
    import h5py

    from astrolearn.io import atomic_path

    series = as_timeseries(strain, sample_rate=sample_rate, t0=t0)
    values = np.asarray(series.value, dtype=float)
    rate = float(series.sample_rate.value)
    path = Path(path)
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as handle:
        data = handle.create_dataset("strain/Strain", data=values)
        data.attrs["Xstart"] = float(t0)
        data.attrs["Xspacing"] = 1.0 / rate
        data.attrs["Npoints"] = values.size
        data.attrs["Xunits"] = "second"
        data.attrs["Yunits"] = ""
        handle["meta/GPSstart"] = float(t0)
        handle["meta/Duration"] = values.size / rate
        handle["meta/Detector"] = str(detector)
    return path


def as_timeseries(data: Any, sample_rate: float | None = None, t0: float = 0.0) -> Any:
    """Return strain as a float64 gwpy TimeSeries (always a copy; the input is not modified).

    Parameters
    ----------
    data : gwpy.timeseries.TimeSeries or array-like
        Strain. A 1-D array needs ``sample_rate``.
    sample_rate : float, optional
        Samples per second for an array; for a TimeSeries it must agree with its own rate.
    t0 : float, default 0.0
        GPS time of the first sample of an array (ignored for a TimeSeries).

    Returns
    -------
    gwpy.timeseries.TimeSeries

    Raises
    ------
    AstrolearnInputError
        For a missing or non-positive sample rate, a non 1-D or too short array, or
        NaN/inf samples.

    Examples
    --------
    >>> import numpy as np
    >>> ts = as_timeseries(np.zeros(4096), sample_rate=4096, t0=100.0)
    >>> float(ts.t0.value), float(ts.sample_rate.value), float(ts.duration.value)
    (100.0, 4096.0, 1.0)
    """
    TimeSeries = _gwpy_timeseries()

    if isinstance(data, TimeSeries):
        rate = float(data.sample_rate.value)
        if sample_rate is not None and not math.isclose(float(sample_rate), rate, rel_tol=1e-9):
            raise AstrolearnInputError(
                f"sample_rate={sample_rate} disagrees with the TimeSeries' own {rate} Hz",
                fix="leave sample_rate out for a TimeSeries",
            )
        values = np.array(data.value, dtype=float, copy=True)
        start = float(data.t0.value)
        name = data.name
    else:
        if sample_rate is None:
            raise AstrolearnInputError(
                "an array of strain needs a sample rate",
                fix="pass sample_rate=4096 (samples per second), or a gwpy TimeSeries",
            )
        try:
            rate = float(sample_rate)
            start = float(t0)
            values = np.array(data, dtype=float, copy=True)
        except (TypeError, ValueError) as exc:
            raise AstrolearnInputError(
                f"strain, sample_rate and t0 must be numeric ({exc})",
                fix="pass a 1-D float array, a sample rate in Hz and a GPS start time",
            ) from None
        name = None
    if not (math.isfinite(rate) and rate > 0):
        raise AstrolearnInputError(f"sample rate must be positive, got {rate}",
                                   fix="pass the rate in Hz, e.g. 4096")
    if not math.isfinite(start):
        raise AstrolearnInputError(f"t0 must be finite, got {start}", fix="pass a GPS time")
    if values.ndim != 1:
        raise AstrolearnInputError(f"strain must be 1-D, got shape {values.shape}",
                                   fix="pass one detector's strain as a 1-D array")
    if values.size < 16:
        raise AstrolearnInputError(f"strain has only {values.size} samples",
                                   fix="pass at least several seconds of strain")
    bad = ~np.isfinite(values)
    if bad.any():
        raise AstrolearnInputError(
            f"strain has {int(bad.sum())} NaN/inf samples (first at index {int(np.argmax(bad))})",
            fix="cut the strain around the gap (GWOSC marks gaps with NaN) or fill it",
        )
    return TimeSeries(values, t0=start, sample_rate=rate, name=name)


def frequency_grid(n: int = 128, fmin: float = 10.0, fmax: float = 2048.0) -> np.ndarray:
    """Log-spaced frequencies of the image rows, from ``fmin`` (row 0) to ``fmax`` (last row).

    Examples
    --------
    >>> f = frequency_grid(5, 10, 1000)
    >>> f.round(3).tolist()
    [10.0, 31.623, 100.0, 316.228, 1000.0]
    """
    if int(n) != n or n < 2:
        raise AstrolearnInputError(f"need at least 2 frequencies, got n={n}", fix="pass n >= 2")
    if not (math.isfinite(fmin) and math.isfinite(fmax) and 0 < fmin < fmax):
        raise AstrolearnInputError(f"need 0 < fmin < fmax, got ({fmin}, {fmax})",
                                   fix="pass a frequency range in Hz such as (10, 2048)")
    return np.geomspace(float(fmin), float(fmax), int(n))


def time_offsets(window: float, n: int = 128) -> np.ndarray:
    """Time of each image column relative to the trigger (pixel centres, seconds).

    Examples
    --------
    >>> time_offsets(1.0, 4).tolist()
    [-0.375, -0.125, 0.125, 0.375]
    """
    if not (math.isfinite(window) and window > 0):
        raise AstrolearnInputError(f"window must be positive, got {window}",
                                   fix="pass a duration in seconds, e.g. 0.5")
    if int(n) != n or n < 2:
        raise AstrolearnInputError(f"need at least 2 time bins, got n={n}", fix="pass n >= 2")
    dt = float(window) / int(n)
    return -float(window) / 2 + (np.arange(int(n)) + 0.5) * dt


def _check_pair(value: Any, what: str, fix: str, *, positive: bool = True
                ) -> tuple[float, float]:
    """Two finite numbers ``low < high`` (and ``0 < low`` when ``positive``)."""
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise AstrolearnInputError(f"{what} must be a pair of numbers, got {value!r}",
                                   fix=fix) from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi and (lo > 0 or not positive)):
        raise AstrolearnInputError(f"{what} must satisfy {'0 < ' if positive else ''}low < "
                                   f"high, got {value!r}", fix=fix)
    return lo, hi


def qtransform_views(
    strain: Any,
    times: float | Sequence[float] | np.ndarray,
    *,
    windows: Sequence[float] = GRAVITY_SPY_WINDOWS,
    shape: tuple[int, int] = (128, 128),
    frange: tuple[float, float] = (10.0, 2048.0),
    qrange: tuple[float, float] = (4.0, 64.0),
    whiten: bool = True,
    normalise: bool = True,
    qscan_duration: float = 8.0,
    sample_rate: float | None = None,
    t0: float = 0.0,
    n_jobs: int = 1,
) -> np.ndarray:
    """Normalised Q-transform energy images around each time, one per Gravity Spy window.

    Parameters
    ----------
    strain : gwpy.timeseries.TimeSeries or array-like
        Strain of one detector (an array needs ``sample_rate``; ``t0`` is its start time).
    times : float or sequence of float
        Trigger times (GPS seconds, on the same clock as the strain).
    windows : sequence of float, default (0.5, 1, 2, 4)
        Durations of the views in seconds, each centred on the trigger.
    shape : (n_freq, n_time), default (128, 128)
        Image size: ``n_freq`` log-spaced frequencies (:func:`frequency_grid`), low to high,
        and ``n_time`` columns linear in time (:func:`time_offsets`).
    frange : (fmin, fmax), default (10, 2048)
        Frequency range of the grid (Hz); ``fmax`` must not exceed the Nyquist frequency.
    qrange : (qmin, qmax), default (4, 64)
        Range of Q searched by gwpy (the Gravity Spy range).
    whiten : bool, default True
        Whiten the whole series once before scanning (set False for already white data).
    normalise : bool, default True
        Median-normalised energy (gwpy ``norm="median"``, noise ~ 1); False gives raw
        tile energies.
    qscan_duration : float, default 8.0
        Seconds of data scanned around each time; at least ``max(windows) + 1``.
    sample_rate, t0 : optional
        For array input, see :func:`as_timeseries`.
    n_jobs : int, default 1
        Worker processes for the Q scans (-1: all cores). The whitening is done once in the
        calling process; each trigger's whitened stretch is scanned in a worker. Results do
        not depend on ``n_jobs``.

    Returns
    -------
    numpy.ndarray
        float32 array of shape ``(n_times, n_windows, n_freq, n_time)``.

    Raises
    ------
    AstrolearnInputError
        For bad options or a time whose scan would reach the first or last second of the
        data (the part corrupted by the whitening filter); the message names the time and
        the usable span.

    Examples
    --------
    >>> import numpy as np
    >>> noise = np.random.default_rng(0).normal(size=12 * 1024)
    >>> views = qtransform_views(noise, [6.0], windows=(0.5,), shape=(32, 256),
    ...                          frange=(10, 256), sample_rate=1024, qscan_duration=4)
    >>> views.shape, bool(0.7 < np.median(views) < 1.4)
    ((1, 1, 32, 256), True)
    """
    series = as_timeseries(strain, sample_rate=sample_rate, t0=t0)
    rate = float(series.sample_rate.value)
    fmin, fmax = _check_pair(frange, "frange", "pass frange=(10, 2048) in Hz")
    qmin, qmax = _check_pair(qrange, "qrange", "pass qrange=(4, 64)")
    if fmax > rate / 2 * (1 + 1e-9):
        raise AstrolearnInputError(
            f"frange upper limit {fmax} Hz is above the Nyquist frequency {rate / 2} Hz",
            fix=f"pass frange=({fmin}, {rate / 2}) or strain sampled at >= {2 * fmax} Hz",
        )
    try:
        n_freq, n_time = (int(v) for v in shape)
    except (TypeError, ValueError):
        raise AstrolearnInputError(f"shape must be (n_freq, n_time), got {shape!r}",
                                   fix="pass shape=(128, 128)") from None
    freqs = frequency_grid(n_freq, fmin, fmax)
    wins = [float(w) for w in np.atleast_1d(np.asarray(windows, dtype=float))]
    if not wins:
        raise AstrolearnInputError("no windows given", fix="pass windows=(0.5, 1, 2, 4)")
    for w in wins:
        time_offsets(w, n_time)  # checks each window and n_time before any work
    try:
        tarr = np.atleast_1d(np.array(times, dtype=float))
    except (TypeError, ValueError):
        raise AstrolearnInputError(f"times must be numbers (GPS seconds), got {times!r}",
                                   fix="pass a float or a list of GPS times") from None
    if tarr.ndim != 1 or tarr.size == 0 or not np.isfinite(tarr).all():
        raise AstrolearnInputError("times must be a non-empty 1-D list of finite GPS times",
                                   fix="drop NaN times; pass e.g. [1126259462.4]")
    duration = float(qscan_duration)
    if not (math.isfinite(duration) and duration >= max(wins) + 1.0):
        raise AstrolearnInputError(
            f"qscan_duration={qscan_duration} s is shorter than the longest window "
            f"({max(wins)} s) plus 1 s",
            fix=f"pass qscan_duration >= {max(wins) + 1.0}",
        )

    start = float(series.t0.value)
    end = start + series.value.size / rate
    lo_ok, hi_ok = start + _FDURATION / 2, end - _FDURATION / 2
    for t in tarr:
        if t - duration / 2 < lo_ok or t + duration / 2 > hi_ok:
            raise AstrolearnInputError(
                f"time {t:.4f} is too close to the edge of the data ({start:.4f} to "
                f"{end:.4f}): its {duration:g}-s Q scan must lie within {lo_ok:.4f} to "
                f"{hi_ok:.4f} (the first and last {_FDURATION / 2:g} s are spoilt by whitening)",
                fix="drop the time, read a longer stretch of strain, or lower qscan_duration",
            )

    if whiten:
        fftlength = min(_FFTLENGTH, (end - start) / 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            series = series.whiten(fftlength=fftlength, overlap=fftlength / 2,
                                   fduration=_FDURATION)
    norm: str | bool = "median" if normalise else False
    # one scan per trigger: the whitened stretches travel to worker processes as arrays
    tasks = []
    for t in tarr:
        chunk = series.crop(t - duration / 2, t + duration / 2)
        tasks.append((np.asarray(chunk.value), float(chunk.t0.value), t))
    scan = partial(_trigger_views, rate=rate, qrange=(qmin, qmax), fmin=fmin, norm=norm,
                   windows=tuple(wins), freqs=freqs, n_time=n_time)
    jobs = _check_jobs(n_jobs, len(tasks))
    if jobs == 1:
        images = [scan(task) for task in tasks]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            images = list(pool.map(scan, tasks, chunksize=max(1, len(tasks) // (4 * jobs))))
    return np.stack(images).astype(np.float32, copy=False)


def _check_jobs(n_jobs: int, n_tasks: int) -> int:
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0 \
            or n_jobs < -1:
        raise AstrolearnInputError(f"n_jobs must be a positive integer or -1 (all cores), got "
                                   f"{n_jobs!r}", fix="pass n_jobs=1, 2, ... or -1")
    jobs = (os.cpu_count() or 1) if n_jobs == -1 else int(n_jobs)
    return max(1, min(jobs, n_tasks))


def _trigger_views(task: tuple[np.ndarray, float, float], *, rate: float,
                   qrange: tuple[float, float], fmin: float, norm: str | bool,
                   windows: tuple[float, ...], freqs: np.ndarray, n_time: int) -> np.ndarray:
    """The ``(n_windows, n_freq, n_time)`` images of one trigger from its whitened stretch."""
    TimeSeries = _gwpy_timeseries()
    from gwpy.segments import Segment
    from gwpy.signal.qtransform import q_scan

    values, start, t = task
    chunk = TimeSeries(values, t0=start, sample_rate=rate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        qgram, _ = q_scan(chunk, qrange=qrange, frange=(fmin, math.inf), mismatch=0.2,
                          norm=norm, search=Segment(t - _SEARCH / 2, t + _SEARCH / 2))
    plane_f = np.log(np.asarray(qgram.plane.frequencies, dtype=float))
    log_grid = np.log(freqs)
    # linear weights in log f from the plane's rows onto the fixed grid
    hi = np.clip(np.searchsorted(plane_f, log_grid), 1, plane_f.size - 1)
    lo = hi - 1
    frac = np.clip((log_grid - plane_f[lo]) / (plane_f[hi] - plane_f[lo]), 0.0, 1.0)
    outside = (log_grid < plane_f[0] - 1e-9) | (log_grid > plane_f[-1] + 1e-9)
    rows = [(float(row.x0.value), float(row.dx.value), np.asarray(row.value, dtype=float))
            for row in qgram.energies]
    out = np.empty((len(windows), freqs.size, n_time))
    for j, w in enumerate(windows):
        dt = w / n_time
        k = max(1, math.ceil(dt / _FINE_DT - 1e-9))  # samples per pixel, max-pooled
        fine = dt / k
        sample_times = t + time_offsets(w, n_time)[0] - dt / 2 + fine / 2 \
            + fine * np.arange(n_time * k)
        energy = np.empty((n_time * k, len(rows)))
        for r, (x0, dx, row) in enumerate(rows):
            energy[:, r] = np.interp(sample_times, x0 + dx * np.arange(row.size), row)
        energy = energy.reshape(n_time, k, -1).max(axis=1)  # (n_time, n_rows)
        img = energy[:, lo] * (1.0 - frac) + energy[:, hi] * frac  # (n_time, n_freq)
        img[:, outside] = 0.0
        out[j] = img.T
    return out


def peak_time_frequency(
    view: np.ndarray, *, window: float, frequencies: np.ndarray | None = None,
    frange: tuple[float, float] = (10.0, 2048.0),
) -> tuple[float, float]:
    """Time offset (s, from the trigger) and frequency (Hz) of the brightest pixel of a view.

    Parameters
    ----------
    view : numpy.ndarray
        One image ``(n_freq, n_time)`` from :func:`qtransform_views`.
    window : float
        Its duration in seconds.
    frequencies : numpy.ndarray, optional
        Its row frequencies (default: :func:`frequency_grid` over ``frange``).

    Examples
    --------
    >>> view = np.zeros((4, 8)); view[2, 5] = 9.0
    >>> peak_time_frequency(view, window=1.0, frequencies=np.array([10., 20., 40., 80.]))
    (0.1875, 40.0)
    """
    img = np.asarray(view, dtype=float)
    if img.ndim != 2 or min(img.shape) < 2 or not np.isfinite(img).all():
        raise AstrolearnInputError(
            f"view must be a finite 2-D (n_freq, n_time) image, got shape {img.shape}",
            fix="pass views[i, j] from qtransform_views",
        )
    freqs = (frequency_grid(img.shape[0], *frange) if frequencies is None
             else np.asarray(frequencies, dtype=float))
    if freqs.shape != (img.shape[0],):
        raise AstrolearnInputError(
            f"{freqs.size} frequencies for {img.shape[0]} image rows",
            fix="pass frequency_grid(view.shape[0], ...)",
        )
    row, col = np.unravel_index(int(np.argmax(img)), img.shape)
    return float(time_offsets(window, img.shape[1])[col]), float(freqs[row])
