"""Seeded simulator of single-band Kepler / TESS light curves with planets, eclipsing binaries
and junk (the planet / EB / junk vetting problem of Shallue & Vanderburg 2018 and Yu et al. 2019).

:func:`simulate_transits` returns a long light-curve table (``object_id, time, flux, flux_err,
quality``, the convention of :mod:`astrolearn.transits`) and a truth table with one row per
star. It is the offline default data of the transit task (demo, tests, the injection-recovery
completeness map, a vetting model trained on simulated views), so it carries the difficulties
that matter for transit search and vetting: the signal-to-noise ratio, not the depth, is the
controlled quantity and spans the detection threshold; planets, eclipsing binaries and junk
share the same stellar and noise population (so that noise level or brightness tell nothing
about the class); light curves have the data gaps, flagged and corrupted cadences, NaNs,
cosmic rays, stellar variability and red noise of real pipeline products.

Why it is written by hand
-------------------------
The transit and eclipse *physics* is not: it is ``batman`` (Kreidberg 2015), the field's
standard implementation of the Mandel & Agol (2002) quadratic limb-darkening model, with its
supersampling for finite exposures (Kipping 2010). What no well-kept library provides is the
*population* around it: a labelled mix of planets, eclipsing binaries and false alarms with
mission cadences, gaps, quality flags and stellar noise, generated offline in seconds.
``lightkurve`` reads but does not simulate; eclipsing-binary codes (PHOEBE 2, ``ellc``) are
slow or compiled and model one system at a time; PSLS (Samadi et al. 2019) is PLATO-specific;
pipeline injection tools (Christiansen et al. 2013, 2020) need the mission pixels. The layers
below are deliberately simple and every number is taken from, or tuned to, the source named
with it.

The model
---------
**Cadence** (:func:`observation_times`). ``"kepler"``: long cadence of 29.4244 min (Jenkins et
al. 2010), 93-day quarters made of three ~31-day months, a ~1-day data gap at every monthly
downlink (0.8-1.2 d) and at every quarterly roll (1.0-1.8 d) (Van Cleve et al. 2016, Kepler
Data Characteristics Handbook); the default baseline is one 90-day quarter from BKJD 131.5
(the start of Q1). ``"tess"``: 27.4-day sectors of two 13.7-day orbits with a 0.8-1.3 d
downlink gap at mid-sector and 0.5-1.2 d between sectors (Ricker et al. 2015; Vanderspek et al.
2018, TESS Instrument Handbook); 30-min full-frame-image cadence by default (the QLP data of
Yu et al. 2019), or 2-min (SPOC) / 10-min / 200-s with ``cadence_minutes``; time from BTJD
1325.3 (the start of sector 1). Both missions lose a few more short stretches (about one per
15 days, 0.02-0.3 d long) to small random gaps.

**Stars.** Teff ~ N(5600, 700) K clipped to 3800-7200 K (FGK dwarfs, the transit-search
targets of Batalha et al. 2010); main-sequence power laws L ~ M^4, R ~ M^0.8, hence
Teff ~ M^0.6 (Torres, Andersen & Gimenez 2010 for the calibrations they approximate), with 5 %
scatter in mass and 7 % in radius; 20 % are subgiants whose radius is 1.3-2.5 times larger
(Berger et al. 2018 find about a fifth of Kepler targets to be subgiants; giants are left out).
``logg`` follows from mass and radius. Magnitudes have counts ~ 10^(0.3 m): Kepler Kp 10-16,
TESS T 7.5-13.5. Quadratic limb darkening follows Teff with a linear interpolation through
rounded values that approximate the Kepler-band tables of Claret & Bloemen (2011) (u1 from 0.62
at 4000 K to 0.27 at 7200 K, u1 + u2 ~ 0.6-0.7; the Sun 0.41, 0.26); in the redder TESS band u1
is lowered by 15 % (the trend of Claret 2017).

**White noise** per cadence from the magnitude: shot noise, a background-and-read term and a
floor added in quadrature. Kepler: 55 ppm per 29.4 min at Kp = 12 (the 14 ppm shot noise in
6.5 h of a Kp = 12 G2 dwarf, Koch et al. 2010; Jenkins et al. 2010), scaling as 10^(0.2 dKp),
plus 20 ppm x 10^(0.4 dKp) and a 15 ppm floor, which gives ~190 ppm at Kp 14 and ~870 ppm at
Kp 16 per long cadence (6.5-h CDPP ~50 and ~240 ppm, the range of Christiansen et al. 2012).
TESS: 136 ppm in 1 h at T = 10 (1.5e4 e-/s at T = 10, Sullivan et al. 2015) scaling as
10^(0.2 dT), plus 55 ppm x 10^(0.4 dT) and the 60 ppm hr^(1/2) systematic floor (Ricker et
al. 2015); all terms scale with cadence as 1 / sqrt(exposure). ``flux_err`` is that sigma.

**Stellar variability** (:func:`simulate_noise`), multiplicative. Granulation / "flicker" as
an Ornstein-Uhlenbeck (damped random walk) process of 10-80 ppm (times the stellar radius) with
a 0.05-0.3 d time scale (Bastien et al. 2013; Kallinger et al. 2014). Spot modulation on 30 %
of stars (McQuillan, Mazeh & Aigrain 2014 detect rotation in 26 % of Kepler dwarfs): period
lognormal around 15 d (sigma 0.6 in ln P, clipped to 1-60 d), semi-amplitude log-uniform
200-5000 ppm (their amplitude range), a fundamental and a first harmonic (ratio 0.2-0.6)
whose amplitudes and phases wander on a spot lifetime of 2-5 rotations (Giles, Collier
Cameron & Haywood 2017), i.e. a quasi-periodic signal like the quasi-periodic Gaussian process
of Haywood et al. (2014).

**Planets** (``kind="planet"``). Period log-uniform in ``period_range``; ``a/R*`` from Kepler's
third law with the star's mass and radius (Seager & Mallen-Ornelas 2003), at least 2.5 (the
period is lengthened otherwise); impact parameter uniform in [0, 1); circular orbits; first
mid-transit time ``epoch`` uniform over one period, redrawn until at least two transits fall on
data when the period allows it. The transit is ``batman`` with the star's limb darkening,
supersampled over the exposure. The radius ratio is then *solved for*: it is set so that the
expected SNR equals a value drawn uniformly in ``snr_range``, within rp/R* = 0.01-0.15; when the
bound binds, the white noise (and so the star's magnitude) is adjusted instead. The SNR is the
matched-filter (box) SNR of the white noise,

    snr = depth_mean / sigma_white * sqrt(n_in_transit),

with ``n_in_transit`` the good (finite, unflagged) cadences within T14 / 2 of a mid-transit
time and ``depth_mean`` the mean model depth over them (the box depth that BLS measures,
Kovacs, Zucker & Mazeh 2002; the expected MES of Jenkins 2002 and the injection studies of
Christiansen et al. 2013). ``depth`` in the truth table is the central (maximum) depth of the
unsmeared model, ~ (rp/R*)^2 times the limb-darkening factor.

**Eclipsing binaries.** A primary eclipse is a ``batman`` transit of the companion (radius
ratio ``k = R2/R1``) across the limb-darkened primary; the secondary eclipse is batman's
secondary-eclipse model with the companion's light ``fp = J k^2`` (``J`` the surface-brightness
ratio, Planck at 640 nm for Kepler and 790 nm for TESS), so the system's flux is
``(T_primary + fp * visible_fraction_2) / (1 + fp)`` (uniform-disc companion). Companion
temperature ``T2 = T1 k^0.75`` (the same main-sequence laws, at least 3000 K), mass ratio
``q = k^1.25``; ``a/R1`` from Kepler's third law with ``M1 (1 + q)`` and at least 2.7 (the
Roche lobe of a q ~ 1 pair is 0.38 a, Eggleton 1983). Circular orbits below 3 days (tidal
circularisation, Mazeh 2008), above it half are eccentric (e 0.02-0.4, argument of periastron
uniform), which moves the secondary eclipse off phase 0.5 by ~ (2/pi) e cos w (Winn 2010,
eq. 33; batman computes the exact time). Circular systems also show ellipsoidal variation of
semi-amplitude ``q (R1/a)^3 sin^2 i`` (Morris 1985; Faigler & Mazeh 2011, alpha ~ 1), with
minima at the eclipses. Three kinds: ``eb_detached`` (k 0.2-0.8, b up to 0.9 (1 - k): flat-
bottomed total or annular eclipses), ``eb_grazing`` (k 0.2-0.8, b from 1 - 0.7 k to 1 + 0.6 k:
partial, V-shaped eclipses only), and ``eb_odd_even`` (a near-twin pair, k 0.7-0.98, J
0.45-0.85, circular, b < 0.8) whose drawn ``period`` is *half* its orbital period
(``orbital_period``): a search finds the two unequal eclipses as alternating "transits" of
different depth, the odd/even test of the Kepler Robovetter (Thompson et al. 2018). At the SNRs
of interest an eclipse of a bright binary would be enormous; such candidates are blends (a
background or bound eclipsing pair diluted by the target's light; Brown 2003; Fressin et al.
2013), so the observed eclipse signal is diluted by the factor ``dilution`` (the binary's share
of the light, <= 1) set to meet the drawn SNR; if even the undiluted eclipse is too shallow the
noise is raised instead, as for planets. The stellar columns describe the eclipsing primary.

**Junk** (false alarms, the "J" class of Yu et al. 2019 with its IS and V subclasses).
``junk_systematic``: either (60 %) flux dips that follow the spacecraft's momentum dumps (every
3.0 d for Kepler, Van Cleve et al. 2016; every 2.5-3.1 d, drawn once per simulation, for the
first TESS year, TESS data release notes): a drop starting one cadence after each dump and
recovering exponentially within 0.03-0.12 d, repeating at the fixed dump period; or (40 %)
thermal-settling ramps after each data gap (the flux starts low and recovers exponentially on
0.1-0.6 d; Van Cleve et al. 2016, Thompson et al. 2018). ``junk_single_event``: one dip,
Gaussian (sigma 0.04-0.4 d), flat-bottomed (0.1-0.8 d), or asymmetric with a fast drop and
exponential recovery (0.1-1 d), like the single events and sudden sensitivity dropouts that
trigger false TCEs (Jenkins et al. 2010; Thompson et al. 2018); its period is NaN.
``junk_variability``: stellar variability mimicking dips, either a spotted star with one
dominant spot group, ``-A ((1 + cos phase) / 2)^m`` (m 1-6, period 0.3-10 d, amplitude
wandering by 15 % on ~5 rotations), or a pulsator (fundamental plus a first harmonic of
relative amplitude 0.1-0.5, period 0.2-3 d, the gamma Doradus / RR Lyrae range). Junk depths
are set by the same SNR rule, with the "in transit" cadences being those below half the dip's
depth (relative to the median), and ``duration`` its full width at half depth.

**Pipeline artefacts.** Every cadence at a momentum dump has ``quality`` bit 32 (the Kepler and
TESS "reaction wheel desaturation" flag, Thompson et al. 2016, Kepler Archive Manual) and a
corrupted flux (offset ~ N(0, 15 sigma)); a few attitude tweaks (bit 1, about one per 45 d,
offset ~ N(0, 10 sigma)) and coarse-point episodes (bit 4, one per 45 d, 1-6 cadences, NaN
flux) are shared by all stars; each star adds about 1.5 unflagged NaN cadences and about 3
unflagged cosmic-ray hits (5-30 sigma upward) per 90 days. These are all excluded from, or (the
cosmic rays) not accounted for in, the expected SNR.

Truth columns (``kind``, ``period``, ``epoch``, ``snr``, ``depth``, ``dilution`` ...) and, with
``truth=True``, the noise-free ``flux_true`` are for tests and diagnostics: they are unknown for
real stars and must never be used as classifier features.

Each star has its own random stream (``numpy.random.SeedSequence([seed, 2, index])``) after
the shared draws (cadence, spacecraft events, classes, stellar parameters), so a seed gives the
same tables bit for bit with the same numpy and batman.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError

__all__ = [
    "MISSIONS",
    "TRANSIT_CLASSES",
    "TRANSIT_KINDS",
    "inject_planet",
    "observation_times",
    "simulate_noise",
    "simulate_transits",
    "transit_duration",
    "transit_model",
]

TRANSIT_CLASSES: tuple[str, ...] = ("planet", "eb", "junk")
"""Class labels of :func:`simulate_transits`, in their default order."""

TRANSIT_KINDS: dict[str, tuple[str, ...]] = {
    "planet": ("planet",),
    "eb": ("eb_detached", "eb_grazing", "eb_odd_even"),
    "junk": ("junk_systematic", "junk_single_event", "junk_variability"),
}
"""The finer ``kind`` values of each class."""

_KIND_WEIGHTS: dict[str, tuple[float, ...]] = {
    "planet": (1.0,),
    "eb": (0.5, 0.25, 0.25),
    "junk": (0.4, 0.25, 0.35),
}

MISSIONS: tuple[str, ...] = ("kepler", "tess")
"""Missions whose cadence and noise :func:`simulate_transits` imitates."""

_AU_RSUN = 215.032  # astronomical unit in solar radii
_DAYS_PER_YEAR = 365.25
_C2_NM = 1.438777e7  # h c / k in nm K


@dataclass(frozen=True)
class _Mission:
    name: str
    cadence_min: float  # default cadence
    baseline: float  # default baseline (days)
    t_start: float  # first time stamp (BKJD / BTJD)
    segment: float  # data stretch between downlinks (days)
    per_group: int  # segments per quarter / sector
    gap: tuple[float, float]  # downlink gap length range (days)
    group_gap: tuple[float, float]  # gap at quarter / sector boundaries
    dump_interval: tuple[float, float]  # momentum-dump interval range (days)
    mag_name: str
    mag_range: tuple[float, float]
    band_nm: float  # effective wavelength for surface-brightness ratios
    noise_ref_min: float  # cadence of the noise-relation reference (minutes)
    noise_ref_mag: float
    shot_ppm: float
    bg_ppm: float
    floor_ppm: float
    u1_scale: float


_MISSION_TABLE: dict[str, _Mission] = {
    "kepler": _Mission(
        name="kepler", cadence_min=29.4244, baseline=90.0, t_start=131.51, segment=31.0,
        per_group=3, gap=(0.8, 1.2), group_gap=(1.0, 1.8), dump_interval=(3.0, 3.0),
        mag_name="kepmag", mag_range=(10.0, 16.0), band_nm=640.0, noise_ref_min=29.4244,
        noise_ref_mag=12.0, shot_ppm=55.0, bg_ppm=20.0, floor_ppm=15.0, u1_scale=1.0,
    ),
    "tess": _Mission(
        name="tess", cadence_min=30.0, baseline=27.4, t_start=1325.29, segment=13.7,
        per_group=2, gap=(0.8, 1.3), group_gap=(0.5, 1.2), dump_interval=(2.5, 3.125),
        mag_name="tmag", mag_range=(7.5, 13.5), band_nm=790.0, noise_ref_min=60.0,
        noise_ref_mag=10.0, shot_ppm=136.0, bg_ppm=55.0, floor_ppm=60.0, u1_scale=0.85,
    ),
}

# Quadratic limb darkening vs Teff (rounded values approximating Claret & Bloemen 2011, Kepler).
_LD_TEFF = np.array([4000.0, 5000.0, 5800.0, 6500.0, 7200.0])
_LD_U1 = np.array([0.62, 0.52, 0.41, 0.33, 0.27])
_LD_U2 = np.array([0.10, 0.18, 0.26, 0.30, 0.32])

_Q_DESAT, _Q_TWEAK, _Q_COARSE = 32, 1, 4


# ----------------------------------------------------------------------------------------------
# validation helpers
# ----------------------------------------------------------------------------------------------
def _number(value: object, name: str, *, lo: float | None = None, hi: float | None = None,
            lo_open: bool = False, fix: str = "") -> float:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    v = float(value) if ok else math.nan  # type: ignore[arg-type]
    if not (ok and math.isfinite(v)):
        raise AstrolearnInputError(f"{name} must be a finite number, got {value!r}",
                                   column=name, fix=fix or f"give a number for {name}")
    if lo is not None and (v < lo or (lo_open and v == lo)):
        rel = ">" if lo_open else ">="
        raise AstrolearnInputError(f"{name} must be {rel} {lo}, got {value!r}", column=name,
                                   fix=fix or f"give {name} {rel} {lo}")
    if hi is not None and v > hi:
        raise AstrolearnInputError(f"{name} must be <= {hi}, got {value!r}", column=name,
                                   fix=fix or f"give {name} <= {hi}")
    return v


def _rng(rng: object) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise AstrolearnInputError(f"rng must be a numpy Generator or a seed >= 0, got {rng!r}",
                               column="rng", fix="pass rng=np.random.default_rng(0) or rng=0")


def _time_array(time: object, name: str = "time") -> np.ndarray:
    try:
        t = np.array(time, dtype=float)
    except (TypeError, ValueError):
        raise AstrolearnInputError(f"{name} must be numbers (days)", column=name,
                                   fix="pass a 1-D array of times in days") from None
    if t.ndim != 1:
        raise AstrolearnInputError(f"{name} must be 1-D, got shape {t.shape}", column=name,
                                   fix="pass a 1-D array of times in days")
    if not np.isfinite(t).all():
        raise AstrolearnInputError(f"{name} holds NaN or infinite values", column=name,
                                   fix="drop the cadences without a time stamp first")
    return t


def _mission(mission: object) -> _Mission:
    if not isinstance(mission, str) or mission.lower() not in _MISSION_TABLE:
        raise AstrolearnInputError(f"unknown mission {mission!r}", column="mission",
                                   fix=f"use one of {list(MISSIONS)}")
    return _MISSION_TABLE[mission.lower()]


def _pair(value: object, name: str, *, lo: float, lo_open: bool = True) -> tuple[float, float]:
    if isinstance(value, str) or not isinstance(value, Sequence) or len(value) != 2:
        raise AstrolearnInputError(f"{name} must be a (low, high) pair, got {value!r}",
                                   column=name, fix=f"give e.g. {name}=(7.0, 40.0)")
    a = _number(value[0], name, lo=lo, lo_open=lo_open)
    b = _number(value[1], name, lo=lo, lo_open=lo_open)
    if a > b:
        raise AstrolearnInputError(f"{name} is in the wrong order: {value!r}", column=name,
                                   fix="give (low, high) with low <= high")
    return a, b


# ----------------------------------------------------------------------------------------------
# transit model (batman)
# ----------------------------------------------------------------------------------------------
def _batman_params(period, epoch, rp_rs, a_rs, inc_deg, ecc, w_deg, u):
    import batman

    p = batman.TransitParams()
    p.t0, p.per, p.rp, p.a, p.inc = float(epoch), float(period), float(rp_rs), float(a_rs), \
        float(inc_deg)
    p.ecc, p.w = float(ecc), float(w_deg)
    p.limb_dark, p.u = "quadratic", [float(u[0]), float(u[1])]
    p.fp, p.t_secondary = 0.0, float(epoch) + 0.5 * float(period)
    return p


def _supersample_for(exposure_days: float) -> int:
    """Sub-exposures for a finite exposure: 1 below 10 min, else ~ one per 3 min (<= 15)."""
    minutes = exposure_days * 1440.0
    return 1 if minutes < 10.0 else int(min(15, math.ceil(minutes / 3.0)))


def _model(t, params, supersample: int, exposure: float, transittype: str = "primary"):
    import batman

    kw = {"supersample_factor": int(supersample), "exp_time": float(exposure)} \
        if supersample > 1 else {}
    return batman.TransitModel(params, np.ascontiguousarray(t, dtype=float),
                               transittype=transittype, **kw)


def _check_orbit(period, rp_rs, a_rs, inc_deg, ecc, w_deg) -> tuple[float, ...]:
    period = _number(period, "period", lo=0.0, lo_open=True)
    rp_rs = _number(rp_rs, "rp_rs", lo=0.0, hi=2.0)
    a_rs = _number(a_rs, "a_rs", lo=1.0, lo_open=True,
                   fix="a_rs is the semi-major axis in stellar radii and must exceed 1")
    inc_deg = _number(inc_deg, "inc_deg", lo=0.0, hi=180.0)
    ecc = _number(ecc, "ecc", lo=0.0, hi=0.95)
    w_deg = _number(w_deg, "w_deg")
    return period, rp_rs, a_rs, inc_deg, ecc, w_deg


def _check_ld(limb_darkening: object) -> tuple[float, float]:
    if isinstance(limb_darkening, str) or not isinstance(limb_darkening, Sequence | np.ndarray) \
            or len(limb_darkening) != 2:
        raise AstrolearnInputError(
            f"limb_darkening must be two quadratic coefficients (u1, u2), got {limb_darkening!r}",
            column="limb_darkening", fix="give e.g. limb_darkening=(0.4, 0.25)")
    u1 = _number(limb_darkening[0], "limb_darkening")
    u2 = _number(limb_darkening[1], "limb_darkening")
    if not (u1 + u2 <= 1.0 and u1 >= 0.0 and u1 + 2.0 * u2 >= 0.0):
        raise AstrolearnInputError(
            f"limb darkening ({u1}, {u2}) is unphysical (needs u1 >= 0, u1 + u2 <= 1, "
            "u1 + 2 u2 >= 0; Kipping 2013)", column="limb_darkening",
            fix="give e.g. limb_darkening=(0.4, 0.25)")
    return u1, u2


def transit_model(
    time: np.ndarray,
    *,
    period: float,
    epoch: float,
    rp_rs: float,
    a_rs: float,
    inc_deg: float,
    ecc: float = 0.0,
    w_deg: float = 90.0,
    limb_darkening: tuple[float, float] = (0.4, 0.25),
    supersample: int = 1,
    exposure_days: float | None = None,
) -> np.ndarray:
    """Relative flux of a star transited by one body, through ``batman`` (Mandel & Agol 2002).

    Parameters
    ----------
    time : array of float
        Times in days (any order).
    period, epoch : float
        Orbital period and a mid-transit time (days).
    rp_rs : float
        Radius ratio of the transiting body to the star (0-2).
    a_rs : float
        Semi-major axis in stellar radii (> 1).
    inc_deg : float
        Orbital inclination in degrees (90: central transit).
    ecc, w_deg : float
        Eccentricity and argument of periastron (degrees; batman's convention).
    limb_darkening : (float, float)
        Quadratic limb-darkening coefficients (u1, u2).
    supersample : int, default 1
        Sub-exposures per cadence; use > 1 for long cadences (Kipping 2010 suggests ~10 for
        Kepler's 29.4 min).
    exposure_days : float, optional
        Exposure time per cadence (days) for the supersampling; by default the median
        spacing of ``time``.

    Returns
    -------
    numpy.ndarray
        Flux relative to the unocculted star: 1 out of transit.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(-0.2, 0.2, 401)
    >>> f = transit_model(t, period=3.0, epoch=0.0, rp_rs=0.1, a_rs=10.0, inc_deg=90.0)
    >>> bool(f[0] == 1.0), round(float(1.0 - f.min()), 4)
    (True, 0.0121)
    """
    t = _time_array(time)
    period, rp_rs, a_rs, inc_deg, ecc, w_deg = _check_orbit(period, rp_rs, a_rs, inc_deg, ecc,
                                                            w_deg)
    epoch = _number(epoch, "epoch")
    u = _check_ld(limb_darkening)
    if isinstance(supersample, bool) or not isinstance(supersample, int | np.integer) \
            or not 1 <= supersample <= 1000:
        raise AstrolearnInputError(f"supersample must be an integer in [1, 1000], got "
                                   f"{supersample!r}", column="supersample",
                                   fix="give e.g. supersample=10 for 30-min cadence")
    exposure = 0.0
    if supersample > 1:
        if exposure_days is None:
            steps = np.diff(np.sort(t))
            steps = steps[steps > 0]
            if steps.size == 0:
                raise AstrolearnInputError(
                    "cannot infer the exposure time from fewer than two distinct times",
                    column="exposure_days", fix="give exposure_days explicitly")
            exposure = float(np.median(steps))
        else:
            exposure = _number(exposure_days, "exposure_days", lo=0.0, lo_open=True)
    if t.size == 0:
        return np.ones(0)
    params = _batman_params(period, epoch, rp_rs, a_rs, inc_deg, ecc, w_deg, u)
    return np.asarray(_model(t, params, int(supersample), exposure).light_curve(params),
                      dtype=float)


def transit_duration(
    period: float,
    rp_rs: float,
    a_rs: float,
    inc_deg: float,
    *,
    ecc: float = 0.0,
    w_deg: float = 90.0,
) -> float:
    """Total transit duration T14 (first to fourth contact) in days, Winn (2010) eq. 14.

    ``T14 = P / pi * arcsin(sqrt((1 + k)^2 - b^2) / (a sin i))`` with ``b = a cos i``, times
    ``sqrt(1 - e^2) / (1 + e sin w)`` for an eccentric orbit (Winn 2010, eqs. 7 and 16).
    Returns 0 when the body does not transit (``b >= 1 + k``).

    Examples
    --------
    >>> round(transit_duration(3.0, 0.1, 10.0, 90.0), 5)
    0.10526
    >>> transit_duration(3.0, 0.1, 10.0, 80.0)
    0.0
    """
    period, rp_rs, a_rs, inc_deg, ecc, w_deg = _check_orbit(period, rp_rs, a_rs, inc_deg, ecc,
                                                            w_deg)
    return float(_t14(period, rp_rs, a_rs, inc_deg, ecc, w_deg))


def _t14(period, k, a_rs, inc_deg, ecc=0.0, w_deg=90.0, secondary: bool = False):
    inc = np.radians(inc_deg)
    esw = ecc * np.sin(np.radians(w_deg))
    fac = (1.0 - ecc**2) / (1.0 - esw if secondary else 1.0 + esw)
    b = a_rs * np.cos(inc) * fac
    arg = np.sqrt(np.clip((1.0 + k) ** 2 - b**2, 0.0, None)) / (a_rs * np.sin(inc))
    t = period / np.pi * np.arcsin(np.clip(arg, 0.0, 1.0)) * np.sqrt(1.0 - ecc**2) / (
        1.0 - esw if secondary else 1.0 + esw)
    return np.where(b < 1.0 + k, t, 0.0)


def inject_planet(
    lightcurves: pd.DataFrame,
    *,
    object_id: object,
    period: float,
    epoch: float,
    rp_rs: float,
    a_rs: float,
    inc_deg: float,
    ecc: float = 0.0,
    w_deg: float = 90.0,
    limb_darkening: tuple[float, float] = (0.4, 0.25),
    supersample: int | None = None,
    exposure_days: float | None = None,
    id_column: str = "object_id",
    time_column: str = "time",
    flux_column: str = "flux",
) -> pd.DataFrame:
    """Return a copy of a light-curve table with a ``batman`` transit multiplied into one star.

    For injection-recovery tests (Christiansen et al. 2013): the transit model of
    :func:`transit_model` is evaluated at the star's times and multiplies its flux (NaN fluxes
    stay NaN, ``flux_err`` is kept). The input table is not modified.

    Parameters
    ----------
    lightcurves : pandas.DataFrame
        Long table with at least the id, time and flux columns.
    object_id : object
        The star to inject into (must be present).
    period, epoch, rp_rs, a_rs, inc_deg, ecc, w_deg, limb_darkening
        As in :func:`transit_model`.
    supersample : int, optional
        Sub-exposures per cadence; by default 1 below 10-min cadence, else about one per
        3 minutes of the star's median cadence (at most 15).
    exposure_days : float, optional
        Exposure per cadence (default: the star's median time step).
    id_column, time_column, flux_column : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        A copy with the transit injected.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> lc = pd.DataFrame({"object_id": "A", "time": np.arange(0, 10, 0.02), "flux": 1.0,
    ...                    "flux_err": 1e-4})
    >>> out = inject_planet(lc, object_id="A", period=3.0, epoch=1.0, rp_rs=0.1, a_rs=10.0,
    ...                     inc_deg=90.0)
    >>> bool(out["flux"].min() < 0.99), bool((lc["flux"] == 1.0).all())
    (True, True)
    """
    if not isinstance(lightcurves, pd.DataFrame):
        raise AstrolearnInputError("lightcurves must be a pandas DataFrame",
                                   fix="pass the long light-curve table")
    for col in (id_column, time_column, flux_column):
        if col not in lightcurves.columns:
            raise AstrolearnInputError("column missing from the light-curve table", column=col,
                                       fix=f"name the columns with id_column/time_column/"
                                           f"flux_column (have {list(lightcurves.columns)})")
    rows = np.flatnonzero((lightcurves[id_column] == object_id).to_numpy(dtype=bool))
    if rows.size == 0:
        raise AstrolearnInputError(f"object_id {object_id!r} is not in the table",
                                   column=id_column, fix="pick an id present in the table")
    try:
        t = lightcurves[time_column].to_numpy(dtype=float)[rows]
        flux = lightcurves[flux_column].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise AstrolearnInputError("time and flux must be numeric", column=time_column,
                                   fix="convert the columns to float") from None
    ok = np.isfinite(t)
    if not ok.any():
        raise AstrolearnInputError(f"object {object_id!r} has no finite times",
                                   column=time_column, fix="drop or fix the bad time stamps")
    steps = np.diff(np.sort(t[ok]))
    steps = steps[steps > 0]
    cadence = float(np.median(steps)) if steps.size else 0.02
    exposure = cadence if exposure_days is None else exposure_days
    ss = _supersample_for(float(exposure)) if supersample is None else supersample
    model = np.ones(rows.size)
    model[ok] = transit_model(t[ok], period=period, epoch=epoch, rp_rs=rp_rs, a_rs=a_rs,
                              inc_deg=inc_deg, ecc=ecc, w_deg=w_deg,
                              limb_darkening=limb_darkening, supersample=ss,
                              exposure_days=exposure)
    out = lightcurves.copy()
    new_flux = flux.copy()
    new_flux[rows] = flux[rows] * model
    out[flux_column] = new_flux
    return out


# ----------------------------------------------------------------------------------------------
# noise
# ----------------------------------------------------------------------------------------------
def _ou(t: np.ndarray, rng: np.random.Generator, tau: float) -> np.ndarray:
    """Unit-variance Ornstein-Uhlenbeck process at times ``t``: exact AR(1) on a regular grid
    (step <= tau / 10 and <= the median cadence), linearly interpolated."""
    from scipy.signal import lfilter

    if t.size == 0:
        return np.zeros(0)
    t0, t1 = float(t.min()), float(t.max())
    span = t1 - t0
    steps = np.diff(np.sort(t))
    steps = steps[steps > 0]
    step = tau / 10.0
    if steps.size:
        step = min(step, float(np.median(steps)))
    step = max(step, span / 2.0e6, 1e-9)
    n = int(span / step) + 2
    phi = math.exp(-step / tau)
    e = rng.standard_normal(n)
    x = lfilter([math.sqrt(1.0 - phi * phi)], [1.0, -phi], e, zi=[phi * rng.standard_normal()])[0]
    return np.interp(t, t0 + step * np.arange(n), x)


def _spots(t, rng, period, amp_ppm, lifetime, harmonic) -> np.ndarray:
    a1 = np.exp(0.3 * _ou(t, rng, lifetime))
    a2 = np.exp(0.3 * _ou(t, rng, lifetime))
    p1 = 0.6 * _ou(t, rng, lifetime)
    p2 = 0.6 * _ou(t, rng, lifetime)
    phase = 2.0 * np.pi * (t / period) + rng.uniform(0.0, 2.0 * np.pi)
    return amp_ppm * 1e-6 * (a1 * np.cos(phase + p1) + harmonic * a2 * np.cos(2.0 * phase + p2))


def simulate_noise(
    time: np.ndarray,
    *,
    rng: np.random.Generator | int,
    white_ppm: float,
    red_ppm: float = 0.0,
    red_timescale_days: float = 0.15,
    rotation_period: float | None = None,
    rotation_amp: float = 0.0,
    spot_lifetime_days: float | None = None,
    harmonic_ratio: float = 0.4,
) -> np.ndarray:
    """Stellar variability and photometric noise around 1: ``(1 + spots)(1 + red) + white``.

    Multiply a transit model by it to get a noisy light curve.

    Parameters
    ----------
    time : array of float
        Times in days.
    rng : numpy.random.Generator or int
        Random generator (or a seed).
    white_ppm : float
        Standard deviation of the white (photon) noise per cadence, ppm.
    red_ppm : float, default 0
        Standard deviation of the granulation / flicker red noise (an Ornstein-Uhlenbeck
        process), ppm.
    red_timescale_days : float, default 0.15
        Its correlation time (days).
    rotation_period : float, optional
        Rotation period (days) of a spotted star; None for no spot modulation.
    rotation_amp : float, default 0
        Semi-amplitude of the spot modulation's fundamental, ppm.
    spot_lifetime_days : float, optional
        Coherence time of the spot pattern (default 3 rotation periods): amplitudes and
        phases of the fundamental and first harmonic wander on it (quasi-periodic).
    harmonic_ratio : float, default 0.4
        Amplitude of the first harmonic relative to the fundamental.

    Returns
    -------
    numpy.ndarray
        Relative flux with median ~1.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0.0, 30.0, 0.0204)
    >>> f = simulate_noise(t, rng=0, white_ppm=100.0, red_ppm=30.0, rotation_period=5.0,
    ...                    rotation_amp=2000.0)
    >>> bool(abs(np.median(f) - 1) < 0.002), bool(np.std(np.diff(f)) > 100e-6)
    (True, True)
    """
    t = _time_array(time)
    gen = _rng(rng)
    white = _number(white_ppm, "white_ppm", lo=0.0)
    red = _number(red_ppm, "red_ppm", lo=0.0)
    tau = _number(red_timescale_days, "red_timescale_days", lo=0.0, lo_open=True)
    amp = _number(rotation_amp, "rotation_amp", lo=0.0)
    harm = _number(harmonic_ratio, "harmonic_ratio", lo=0.0, hi=1.0)
    out = np.ones(t.size)
    if rotation_period is not None:
        prot = _number(rotation_period, "rotation_period", lo=0.0, lo_open=True)
        life = 3.0 * prot if spot_lifetime_days is None else _number(
            spot_lifetime_days, "spot_lifetime_days", lo=0.0, lo_open=True)
        if amp > 0:
            out = out + _spots(t, gen, prot, amp, life, harm)
    if red > 0:
        out = out * (1.0 + red * 1e-6 * _ou(t, gen, tau))
    if white > 0:
        out = out + white * 1e-6 * gen.standard_normal(t.size)
    return out


def _white_ppm(mag: np.ndarray, m: _Mission, cadence_min: float) -> np.ndarray:
    d = np.asarray(mag, dtype=float) - m.noise_ref_mag
    hour = np.sqrt((m.shot_ppm * 10.0 ** (0.2 * d)) ** 2 + (m.bg_ppm * 10.0 ** (0.4 * d)) ** 2
                   + m.floor_ppm**2)
    return hour * math.sqrt(m.noise_ref_min / cadence_min)


def _mag_for_noise(sigma_ppm: np.ndarray, m: _Mission, cadence_min: float) -> np.ndarray:
    grid = np.linspace(0.0, 26.0, 2601)
    return np.interp(sigma_ppm, _white_ppm(grid, m, cadence_min), grid)


# ----------------------------------------------------------------------------------------------
# cadence
# ----------------------------------------------------------------------------------------------
def observation_times(
    mission: str = "kepler",
    *,
    baseline_days: float | None = None,
    cadence_minutes: float | None = None,
    rng: np.random.Generator | int,
) -> np.ndarray:
    """Time stamps (days) of a Kepler or TESS light curve, with the missions' data gaps.

    Kepler: 29.4244-min long cadence from BKJD 131.5, ~1-day gaps at the monthly downlinks
    (every 31 d) and quarterly rolls (every 93 d). TESS: 30-min cadence (full frames; 2 min
    for SPOC targets) from BTJD 1325.3, 27.4-day sectors with a ~1-day mid-sector downlink gap
    and a short gap between sectors. Both: a few random short gaps (one per ~15 d, 0.02-0.3 d).
    See the module docstring for the sources.

    Parameters
    ----------
    mission : {"kepler", "tess"}
        Cadence and gap pattern.
    baseline_days : float, optional
        Total time span (default one quarter, 90 d, for Kepler; one sector, 27.4 d, for TESS).
    cadence_minutes : float, optional
        Cadence (default 29.4244 for Kepler, 30 for TESS).
    rng : numpy.random.Generator or int
        Random generator (or seed) for the gap lengths and the random gaps.

    Returns
    -------
    numpy.ndarray
        Sorted times in days on a regular cadence grid, gaps removed.

    Examples
    --------
    >>> import numpy as np
    >>> t = observation_times("tess", rng=0)
    >>> bool(np.diff(t).max() > 0.7), bool(26.0 < t[-1] - t[0] < 27.5)
    (True, True)
    """
    m = _mission(mission)
    gen = _rng(rng)
    baseline, cadence = _cadence_args(m, baseline_days, cadence_minutes)
    return _observation_times(m, baseline, cadence, gen)


def _cadence_args(m: _Mission, baseline_days, cadence_minutes) -> tuple[float, float]:
    baseline = m.baseline if baseline_days is None else _number(
        baseline_days, "baseline_days", lo=1.0, hi=1600.0, fix="give e.g. baseline_days=90")
    cadence = m.cadence_min if cadence_minutes is None else _number(
        cadence_minutes, "cadence_minutes", lo=0.1, hi=60.0,
        fix="give e.g. cadence_minutes=2 (TESS) or 29.4244 (Kepler)")
    if baseline * 1440.0 / cadence > 5.0e6:
        raise AstrolearnInputError(
            f"{baseline} d at {cadence} min is more than 5 million cadences per star",
            column="baseline_days", fix="shorten the baseline or lengthen the cadence")
    return baseline, cadence


def _observation_times(m: _Mission, baseline: float, cadence_min: float,
                       gen: np.random.Generator) -> np.ndarray:
    dt = cadence_min / 1440.0
    n = int(baseline / dt)
    t = m.t_start + (np.arange(n) + 0.5) * dt
    keep = np.ones(n, dtype=bool)
    k = 1
    while k * m.segment < baseline:
        group_end = k % m.per_group == 0
        length = gen.uniform(*m.group_gap) if group_end else gen.uniform(*m.gap)
        centre = m.t_start + k * m.segment
        keep &= np.abs(t - centre) > 0.5 * length
        k += 1
    for _ in range(gen.poisson(baseline / 15.0)):
        start = m.t_start + gen.uniform(0.0, baseline)
        keep &= (t < start) | (t > start + gen.uniform(0.02, 0.3))
    return t[keep]


# ----------------------------------------------------------------------------------------------
# stars
# ----------------------------------------------------------------------------------------------
def _draw_stars(rng: np.random.Generator, n: int, m: _Mission) -> dict[str, np.ndarray]:
    teff = np.clip(rng.normal(5600.0, 700.0, n), 3800.0, 7200.0)
    mass = (teff / 5772.0) ** (1.0 / 0.6) * np.exp(rng.normal(0.0, 0.05, n))
    radius = mass**0.8 * np.exp(rng.normal(0.0, 0.07, n))
    sub = rng.random(n) < 0.2
    radius = np.where(sub, radius * rng.uniform(1.3, 2.5, n), radius)
    logg = 4.438 + np.log10(mass) - 2.0 * np.log10(radius)
    lo, hi = m.mag_range
    kk = 0.3 * math.log(10.0)
    mag = np.log(np.exp(kk * lo) + rng.random(n) * (np.exp(kk * hi) - np.exp(kk * lo))) / kk
    u1 = np.interp(teff, _LD_TEFF, _LD_U1) * m.u1_scale
    u2 = np.interp(teff, _LD_TEFF, _LD_U2)
    rot = rng.random(n) < 0.3
    prot = np.where(rot, np.clip(np.exp(rng.normal(math.log(15.0), 0.6, n)), 1.0, 60.0), np.nan)
    pamp = np.where(rot, np.exp(rng.uniform(math.log(200.0), math.log(5000.0), n)), 0.0)
    return {
        "teff": teff, "logg": logg, "radius_rsun": radius, "mass_msun": mass, "mag": mag,
        "u1": u1, "u2": u2, "rotation_period": prot, "rotation_amp_ppm": pamp,
        "spot_lifetime": rng.uniform(2.0, 5.0, n) * np.nan_to_num(prot, nan=1.0),
        "harmonic": rng.uniform(0.2, 0.6, n),
        "red_ppm": np.exp(rng.uniform(math.log(10.0), math.log(80.0), n)) * radius,
        "red_tau": rng.uniform(0.05, 0.3, n),
    }


def _a_rs(period, mass_total, radius):
    a_au = (mass_total * (np.asarray(period) / _DAYS_PER_YEAR) ** 2) ** (1.0 / 3.0)
    return a_au * _AU_RSUN / radius


def _period_for_a_rs(a_rs, mass_total, radius):
    a_au = a_rs * radius / _AU_RSUN
    return _DAYS_PER_YEAR * math.sqrt(a_au**3 / mass_total)


def _planck_ratio(t2, t1, lam_nm):
    """Surface-brightness ratio B_lambda(T2) / B_lambda(T1)."""
    return math.expm1(_C2_NM / (lam_nm * t1)) / math.expm1(_C2_NM / (lam_nm * t2))


def _temp_for_ratio(j, t1, lam_nm):
    x = _C2_NM / lam_nm
    return x / math.log1p(math.expm1(x / t1) / j)


# ----------------------------------------------------------------------------------------------
# per-object signals
# ----------------------------------------------------------------------------------------------
@dataclass
class _Ctx:
    t: np.ndarray
    good: np.ndarray  # finite and unflagged cadences
    m: _Mission
    cadence: float  # days
    supersample: int
    period_range: tuple[float, float]
    dump_times: np.ndarray
    seg_starts: np.ndarray


@dataclass
class _Signal:
    factor: np.ndarray  # multiplicative signal at the cadences
    sigma_ppm: float  # white noise (may differ from the star's when the SNR needed it)
    truth: dict[str, float]


def _loguniform(rng, lo, hi):
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi)))) if hi > lo else float(lo)


def _window(t, epoch, period, half):
    ph = (t - epoch + 0.5 * period) % period - 0.5 * period
    return np.abs(ph) < half, np.rint((t - epoch) / period).astype(np.int64)


def _choose_epoch(rng, ctx: _Ctx, period: float, half: float) -> float:
    """First mid-transit time, redrawn until >= 2 (or >= 1 if the data cannot hold two)
    transits fall on good cadences."""
    tg = ctx.t[ctx.good]
    if tg.size == 0:
        return float(ctx.t[0] + rng.uniform(0.0, period))
    span = float(tg[-1] - tg[0])
    want = 2 if period < 0.9 * span else 1
    best, best_n = None, -1
    for _ in range(60):
        epoch = ctx.t[0] + rng.uniform(0.0, period)
        inwin, idx = _window(tg, epoch, period, half)
        n_tr = np.unique(idx[inwin]).size
        if n_tr > best_n:
            best, best_n = epoch, n_tr
        if n_tr >= want:
            return epoch
    if best_n >= 1:
        return float(best)
    centre = float(tg[rng.integers(tg.size)])  # put a transit on a good cadence
    return ctx.t[0] + (centre - ctx.t[0]) % period


def _box_stats(ctx: _Ctx, depth: np.ndarray, inwin: np.ndarray, idx: np.ndarray | None):
    sel = inwin & ctx.good
    n_in = int(sel.sum())
    d_mean = float(depth[sel].mean()) if n_in else 0.0
    n_tr = int(np.unique(idx[sel]).size) if (idx is not None and n_in) else int(n_in > 0)
    return n_in, d_mean, n_tr


def _planet(rng, ctx: _Ctx, star: dict, sigma0: float, snr: float) -> _Signal:
    t = ctx.t
    mass, radius = star["mass_msun"], star["radius_rsun"]
    period = _loguniform(rng, *ctx.period_range)
    a_rs = float(_a_rs(period, mass, radius))
    if a_rs < 2.5:
        period, a_rs = _period_for_a_rs(2.5, mass, radius), 2.5
    b = rng.uniform(0.0, 1.0)
    inc = math.degrees(math.acos(b / a_rs))
    k = 0.05
    epoch = _choose_epoch(rng, ctx, period, 0.5 * float(_t14(period, k, a_rs, inc)))
    u = (star["u1"], star["u2"])
    params = _batman_params(period, epoch, k, a_rs, inc, 0.0, 90.0, u)
    model = _model(t, params, ctx.supersample, ctx.cadence)
    for _ in range(4):  # solve rp/R* for the target SNR (depth ~ k^2)
        params.rp = k
        flux = model.light_curve(params)
        half = 0.5 * float(_t14(period, k, a_rs, inc))
        inwin, idx = _window(t, epoch, period, half)
        n_in, d_mean, _ = _box_stats(ctx, 1.0 - flux, inwin, idx)
        if n_in == 0 or d_mean <= 0:
            break
        target = snr * sigma0 * 1e-6 / math.sqrt(n_in)
        k_new = float(np.clip(k * math.sqrt(target / d_mean), 0.01, 0.15))
        if abs(k_new - k) < 1e-6 * k:
            break
        k = k_new
    params.rp = k
    flux = np.asarray(model.light_curve(params), dtype=float)
    t14 = float(_t14(period, k, a_rs, inc))
    inwin, idx = _window(t, epoch, period, 0.5 * t14)
    n_in, d_mean, n_tr = _box_stats(ctx, 1.0 - flux, inwin, idx)
    sigma = d_mean * math.sqrt(n_in) / snr * 1e6 if n_in else sigma0
    fine = epoch + np.linspace(-0.5, 0.5, 401) * max(t14, 1e-3)
    depth = 1.0 - float(np.min(_model(fine, params, 1, 0.0).light_curve(params)))
    truth = {"period": period, "epoch": epoch, "duration": t14, "depth": depth,
             "secondary_depth": 0.0, "rp_rs": k, "a_rs": a_rs, "inc_deg": inc, "impact": b,
             "ecc": 0.0, "w_deg": 90.0, "orbital_period": period, "n_transits": n_tr,
             "n_in_transit": n_in, "depth_mean": d_mean, "dilution": 1.0}
    return _Signal(flux, sigma, truth)


def _eb_flux(t, p_orb, epoch, k, a_rs, inc, ecc, w, u, fp, ss, exposure):
    """Eclipse-only flux of the binary (1 out of eclipse), undiluted."""
    params = _batman_params(p_orb, epoch, k, a_rs, inc, ecc, w, u)
    prim = np.asarray(_model(t, params, ss, exposure).light_curve(params), dtype=float)
    params.fp = 1.0
    params.t_secondary = _model(t[:2], params, 1, 0.0).get_t_secondary(params)
    vis = np.asarray(_model(t, params, ss, exposure, "secondary").light_curve(params)) - 1.0
    return (prim + fp * vis) / (1.0 + fp), float(params.t_secondary)


def _eb(rng, ctx: _Ctx, star: dict, sigma0: float, snr: float, kind: str) -> _Signal:
    t, m = ctx.t, ctx.m
    t1, m1, r1 = star["teff"], star["mass_msun"], star["radius_rsun"]
    u = (star["u1"], star["u2"])
    if kind == "eb_odd_even":
        k = rng.uniform(0.7, 0.98)
        j = rng.uniform(0.45, 0.85)
        t2 = _temp_for_ratio(j, t1, m.band_nm)
        b = rng.uniform(0.0, 0.8)
    else:
        k = rng.uniform(0.2, 0.8)
        t2 = max(3000.0, t1 * k**0.75)
        j = _planck_ratio(t2, t1, m.band_nm)
        b = rng.uniform(0.0, 0.9 * (1.0 - k)) if kind == "eb_detached" else \
            1.0 + k * rng.uniform(-0.7, 0.6)
    q = k**1.25
    period = _loguniform(rng, *ctx.period_range)  # the period a search would find
    p_orb = 2.0 * period if kind == "eb_odd_even" else period
    a_rs = float(_a_rs(p_orb, m1 * (1.0 + q), r1))
    if a_rs < 2.7:
        p_orb, a_rs = _period_for_a_rs(2.7, m1 * (1.0 + q), r1), 2.7
        period = 0.5 * p_orb if kind == "eb_odd_even" else p_orb
    ecc, w = 0.0, 90.0
    if kind != "eb_odd_even" and p_orb > 3.0 and rng.random() < 0.5:
        ecc, w = rng.uniform(0.02, 0.4), rng.uniform(0.0, 360.0)
    esw = ecc * math.sin(math.radians(w))
    cos_i = b / a_rs * (1.0 + esw) / (1.0 - ecc**2)
    inc = math.degrees(math.acos(min(cos_i, 1.0)))
    t14 = float(_t14(p_orb, k, a_rs, inc, ecc, w))
    epoch = _choose_epoch(rng, ctx, period, 0.5 * t14)
    fp = j * k**2
    ecl, t_sec = _eb_flux(t, p_orb, epoch, k, a_rs, inc, ecc, w, u, fp, ctx.supersample,
                          ctx.cadence)
    inwin, idx = _window(t, epoch, period, 0.5 * t14)  # odd/even: both eclipses
    n_in, d_int, n_tr = _box_stats(ctx, 1.0 - ecl, inwin, idx)
    target = snr * sigma0 * 1e-6 / math.sqrt(max(n_in, 1))
    dil = min(1.0, target / d_int) if d_int > 0 else 1.0
    sigma = dil * d_int * math.sqrt(n_in) / snr * 1e6 if n_in and d_int > 0 else sigma0
    system = ecl.copy()
    if ecc == 0.0:
        amp = q * a_rs**-3 * math.sin(math.radians(inc)) ** 2
        system = system * (1.0 - amp * np.cos(4.0 * np.pi * (t - epoch) / p_orb))
    flux = 1.0 - dil * (1.0 - system)
    # true depths from the unsmeared model on fine grids around each eclipse
    half = max(t14, 1e-3)
    fine_p = epoch + np.linspace(-0.5, 0.5, 401) * half
    t14s = float(_t14(p_orb, k, a_rs, inc, ecc, w, secondary=True))
    fine_s = t_sec + np.linspace(-0.5, 0.5, 401) * max(t14s, 1e-3)
    fine, _ = _eb_flux(np.concatenate([fine_p, fine_s]), p_orb, epoch, k, a_rs, inc, ecc, w, u,
                       fp, 1, 0.0)
    depth = dil * (1.0 - float(fine[:401].min()))
    sec_depth = dil * (1.0 - float(fine[401:].min()))
    truth = {"period": period, "epoch": epoch, "duration": t14, "depth": depth,
             "secondary_depth": sec_depth, "rp_rs": k, "a_rs": a_rs, "inc_deg": inc,
             "impact": b, "ecc": ecc, "w_deg": w, "orbital_period": p_orb, "n_transits": n_tr,
             "n_in_transit": n_in, "depth_mean": dil * d_int, "dilution": dil}
    return _Signal(flux, sigma, truth)


def _fwhm(fun: Callable[[np.ndarray], np.ndarray], centre: float, scale: float,
          base: float) -> float:
    grid = centre + np.linspace(-4.0, 4.0, 4001) * scale
    dip = base - fun(grid)
    top = dip.max()
    return float((dip >= 0.5 * top).sum() * (grid[1] - grid[0])) if top > 0 else 0.0


def _junk(rng, ctx: _Ctx, sigma0: float, snr: float, kind: str) -> _Signal:
    """Unit-depth junk signal ``s`` (flux = 1 - A s), with its period, epoch and width."""
    t = ctx.t
    lo, hi = ctx.period_range
    period = math.nan
    if kind == "junk_systematic" and rng.random() < 0.6 and ctx.dump_times.size:
        td = ctx.dump_times + ctx.cadence  # the dip starts one cadence after each dump
        tau = rng.uniform(0.03, 0.12)

        def fun(x):
            i = np.searchsorted(td, x, side="right") - 1
            dx = x - td[np.maximum(i, 0)]
            return np.where(i >= 0, np.exp(-np.maximum(dx, 0.0) / tau), 0.0)

        period = float(np.median(np.diff(ctx.dump_times))) if ctx.dump_times.size > 1 \
            else math.nan
        epoch, width = float(td[0]), tau * math.log(2.0)

        def idx_of(x):
            return np.searchsorted(td, x, side="right") - 1
    elif kind == "junk_systematic":
        starts = ctx.seg_starts
        tau = rng.uniform(0.1, 0.6)

        def fun(x):
            i = np.searchsorted(starts, x, side="right") - 1
            dx = x - starts[np.maximum(i, 0)]
            return np.where(i >= 0, np.exp(-np.maximum(dx, 0.0) / tau), 0.0)

        epoch, width = float(starts[0]), tau * math.log(2.0)

        def idx_of(x):
            return np.searchsorted(starts, x, side="right") - 1
    elif kind == "junk_single_event":
        tg = t[ctx.good]
        centre = float(tg[rng.integers(int(0.05 * tg.size), max(int(0.95 * tg.size), 1))])
        shape = rng.integers(3)
        if shape == 0:
            sw = rng.uniform(0.04, 0.4)

            def fun(x):
                return np.exp(-0.5 * ((x - centre) / sw) ** 2)
        elif shape == 1:
            w_box, edge = rng.uniform(0.1, 0.8), rng.uniform(0.02, 0.1)

            def fun(x):
                d = np.clip(np.abs(x - centre) - 0.5 * w_box + edge, 0.0, edge)
                return 0.5 * (1.0 + np.cos(np.pi * d / edge))
        else:
            tau = rng.uniform(0.1, 1.0)

            def fun(x):
                dx = x - centre
                return np.where(dx < 0, np.exp(np.minimum(dx, 0.0) / 0.02),
                                np.exp(-np.maximum(dx, 0.0) / tau))
        epoch, width = centre, math.nan
        idx_of = None
    else:  # junk_variability
        t0 = float(t[0])
        if rng.random() < 0.5:  # a dominant spot group
            period = _loguniform(rng, max(lo, 0.3), max(min(hi, 10.0), max(lo, 0.3)))
            mexp = rng.uniform(1.0, 6.0)
            wander = 1.0 + 0.15 * _ou(t, rng, 5.0 * period)
            epoch = t0 + rng.uniform(0.0, period)

            def fun(x):
                return ((1.0 + np.cos(2.0 * np.pi * (x - epoch) / period)) / 2.0) ** mexp

            s_t = fun(t) * wander
        else:  # a pulsator
            period = _loguniform(rng, max(min(lo, 3.0), 0.2), max(min(hi, 3.0), 0.2))
            r, ph2 = rng.uniform(0.1, 0.5), rng.uniform(0.0, 2.0 * np.pi)
            ph1 = rng.uniform(0.0, 2.0 * np.pi)

            def raw(x):
                a = 2.0 * np.pi * (x - t0) / period
                return -(np.sin(a + ph1) + r * np.sin(2.0 * a + ph2))

            grid = t0 + np.linspace(0.0, period, 2001)
            vals = raw(grid)
            epoch = float(grid[np.argmax(vals)])
            top = float(vals.max())

            def fun(x):
                return raw(x) / top

            s_t = fun(t)

        def idx_of(x):
            return np.rint((x - epoch) / period).astype(np.int64)

        width = math.nan
    if kind != "junk_variability":
        s_t = fun(t)
    base = float(np.median(s_t[ctx.good])) if ctx.good.any() else 0.0
    dip = s_t - base
    top = float(dip[ctx.good].max()) if ctx.good.any() else 0.0
    inwin = dip >= 0.5 * top if top > 0 else np.zeros(t.size, dtype=bool)
    idx = idx_of(t) if idx_of is not None else None
    n_in, d_unit, n_tr = _box_stats(ctx, dip, inwin, idx)
    amp = snr * sigma0 * 1e-6 / (d_unit * math.sqrt(n_in)) if n_in and d_unit > 0 else 0.0
    # the true depth and width of one event from the noise-free unit shape
    peak_unit = float(fun(np.array([epoch]))[0]) - base
    if math.isnan(width):
        scale = period / 8.0 if math.isfinite(period) else 1.0
        width = _fwhm(lambda x: -fun(x), epoch, scale, -base)
    truth = {"period": period, "epoch": epoch, "duration": width, "depth": amp * peak_unit,
             "secondary_depth": math.nan, "rp_rs": math.nan, "a_rs": math.nan,
             "inc_deg": math.nan, "impact": math.nan, "ecc": math.nan, "w_deg": math.nan,
             "orbital_period": period, "n_transits": n_tr, "n_in_transit": n_in,
             "depth_mean": amp * d_unit, "dilution": math.nan}
    return _Signal(1.0 - amp * s_t, sigma0, truth)


# ----------------------------------------------------------------------------------------------
# public simulator
# ----------------------------------------------------------------------------------------------
def _check_classes(classes, fractions) -> tuple[list[str], np.ndarray]:
    if isinstance(classes, str) or not isinstance(classes, Sequence):
        raise AstrolearnInputError(f"classes must be a sequence of class names, got {classes!r}",
                                   column="classes",
                                   fix=f"e.g. classes=('planet', 'eb') from {TRANSIT_CLASSES}")
    names = list(classes)
    if not names:
        raise AstrolearnInputError("no classes given", column="classes",
                                   fix=f"name at least one of {TRANSIT_CLASSES}")
    unknown = [c for c in names if c not in TRANSIT_CLASSES]
    if unknown:
        raise AstrolearnInputError(f"unknown class name(s) {unknown!r}", column="classes",
                                   fix=f"use names from {list(TRANSIT_CLASSES)}")
    if len(set(names)) != len(names):
        raise AstrolearnInputError(f"class names repeat: {names!r}", column="classes",
                                   fix="name each class once")
    if fractions is None:
        return names, np.full(len(names), 1.0 / len(names))
    if isinstance(fractions, Mapping):
        extra = [k for k in fractions if k not in names]
        if extra:
            raise AstrolearnInputError(f"fractions name classes not simulated: {extra!r}",
                                       column="fractions", fix=f"use keys from {names}")
        values = [fractions.get(c, 0.0) for c in names]
    elif isinstance(fractions, Sequence | np.ndarray) and not isinstance(fractions, str):
        values = list(fractions)
        if len(values) != len(names):
            raise AstrolearnInputError(
                f"{len(values)} fractions for {len(names)} classes", column="fractions",
                fix="give one fraction per class, in the order of classes, or a mapping")
    else:
        raise AstrolearnInputError(f"fractions must be a sequence or mapping, got {fractions!r}",
                                   column="fractions", fix="e.g. fractions=(0.2, 0.3, 0.5)")
    frac = np.array([_number(v, "fractions", lo=0.0) for v in values])
    if abs(frac.sum() - 1.0) > 1e-3:
        raise AstrolearnInputError(f"fractions sum to {frac.sum():.4g}, not 1",
                                   column="fractions", fix="make the fractions add up to 1")
    return names, frac / frac.sum()


def _counts(n: int, frac: np.ndarray) -> np.ndarray:
    raw = n * frac
    base = np.floor(raw).astype(int)
    order = np.argsort(-(raw - base), kind="stable")
    base[order[: n - base.sum()]] += 1
    return base


def simulate_transits(
    n_stars: int,
    *,
    classes: Sequence[str] = TRANSIT_CLASSES,
    fractions: Sequence[float] | Mapping[str, float] | None = None,
    mission: str = "kepler",
    baseline_days: float | None = None,
    cadence_minutes: float | None = None,
    snr_range: tuple[float, float] = (7.0, 40.0),
    period_range: tuple[float, float] = (0.5, 20.0),
    seed: int = 0,
    truth: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate Kepler or TESS light curves of stars with planets, eclipsing binaries or junk.

    The physics, noise, cadence and artefacts and the literature behind every number are
    described in the module docstring of :mod:`astrolearn.datasets.transit_sim`.

    Parameters
    ----------
    n_stars : int
        Number of stars (one signal each).
    classes : sequence of str, default ("planet", "eb", "junk")
        Classes to simulate, among :data:`TRANSIT_CLASSES`.
    fractions : sequence of float or mapping, optional
        Share of each class (same order as ``classes``, or ``{class: share}``), summing to 1;
        default equal shares. Counts are rounded to whole stars (largest remainder).
    mission : {"kepler", "tess"}, default "kepler"
        Cadence, gaps, noise-magnitude relation and band.
    baseline_days : float, optional
        Time span (default: one 90-day Kepler quarter or one 27.4-day TESS sector).
    cadence_minutes : float, optional
        Cadence (default 29.4244 min for Kepler, 30 min for TESS).
    snr_range : (float, float), default (7, 40)
        The expected transit SNR of each star is drawn uniformly in this range.
    period_range : (float, float), default (0.5, 20)
        Periods (days) of planets and eclipsing binaries (the apparent one) are drawn
        log-uniformly in it (lengthened where a/R* would be too small, see the module
        docstring); junk variability uses its overlap with 0.3-10 d (spots) or 0.2-3 d
        (pulsators). The low end must not exceed the baseline.
    seed : int, default 0
        Seed; the same seed gives the same tables.
    truth : bool, default False
        Add ``flux_true`` (noise-free flux: signal times stellar variability) to the light
        curves, for tests and diagnostics.

    Returns
    -------
    lightcurves : pandas.DataFrame
        ``object_id`` (str, ``"SIM 000001"``...), ``time`` (BKJD or BTJD days), ``flux``
        (median ~1), ``flux_err``, ``quality`` (int32 bit flags; nonzero cadences have corrupted
        or NaN flux), sorted by ``object_id`` and ``time``; with ``truth=True`` also
        ``flux_true``. All stars share the same time stamps (one spacecraft). Flux (and its
        error) is NaN on a few cadences: flagged coarse-point ones and a few unflagged ones.
    truth : pandas.DataFrame
        One row per star: ``object_id``, ``label`` (planet / eb / junk), ``kind`` (see
        :data:`TRANSIT_KINDS`), ``period`` (the period a search would find; NaN for single
        events and ramps), ``epoch`` (a mid-event time), ``duration`` (T14, or the dip's full
        width at half depth for junk; days), ``depth`` (fractional, of the primary),
        ``secondary_depth``, ``rp_rs``, ``a_rs``, ``inc_deg``, ``impact``, ``ecc``, ``w_deg``,
        ``orbital_period``, ``snr`` (expected), ``n_transits`` (observed events),
        ``n_in_transit`` (good in-transit cadences), ``depth_mean`` (box depth), ``white_ppm``,
        ``dilution`` (light share of an eclipsing binary), stellar ``teff``, ``logg``,
        ``radius_rsun``, ``mass_msun``, ``kepmag`` or ``tmag``, limb darkening ``u1``, ``u2``,
        ``rotation_period``, ``rotation_amp_ppm``, ``red_ppm``. NaN where not applicable.
        ``snr == depth_mean / (white_ppm * 1e-6) * sqrt(n_in_transit)``.

    Raises
    ------
    astrolearn.errors.AstrolearnInputError
        For unknown classes or mission, bad fractions, ``n_stars < 1``, reversed or
        non-positive ``snr_range`` / ``period_range``, or out-of-range baseline or cadence.

    Examples
    --------
    >>> lc, truth = simulate_transits(3, baseline_days=20.0, seed=1)
    >>> list(lc.columns)
    ['object_id', 'time', 'flux', 'flux_err', 'quality']
    >>> sorted(truth["label"])
    ['eb', 'junk', 'planet']
    >>> bool(truth["snr"].between(7.0, 40.0).all())
    True
    """
    if isinstance(n_stars, bool) or not isinstance(n_stars, int | np.integer) or n_stars < 1:
        raise AstrolearnInputError(f"n_stars must be an integer >= 1, got {n_stars!r}",
                                   column="n_stars", fix="give e.g. n_stars=200")
    names, frac = _check_classes(classes, fractions)
    m = _mission(mission)
    baseline, cadence_min = _cadence_args(m, baseline_days, cadence_minutes)
    snr_lo, snr_hi = _pair(snr_range, "snr_range", lo=0.0)
    p_lo, p_hi = _pair(period_range, "period_range", lo=0.0)
    if p_lo > baseline:
        raise AstrolearnInputError(
            f"period_range starts at {p_lo} d, beyond the {baseline} d baseline",
            column="period_range", fix="lower the periods or lengthen baseline_days")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise AstrolearnInputError(f"seed must be an integer >= 0, got {seed!r}", column="seed",
                                   fix="give e.g. seed=0")
    n = int(n_stars)
    seed = int(seed)

    # shared: cadence, spacecraft events, classes, stars
    mrng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    t = _observation_times(m, baseline, cadence_min, mrng)
    if t.size < 10:
        raise AstrolearnInputError("the baseline holds fewer than 10 cadences",
                                   column="baseline_days", fix="lengthen baseline_days")
    n_t = t.size
    dt = cadence_min / 1440.0
    quality = np.zeros(n_t, dtype=np.int32)
    interval = mrng.uniform(*m.dump_interval)
    dumps = np.arange(t[0] + mrng.uniform(0.0, interval), t[-1], interval)
    pos = np.clip(np.searchsorted(t, dumps), 0, n_t - 1)
    near = np.abs(t[pos] - dumps) <= dt
    dump_idx = pos[near]
    quality[dump_idx] |= _Q_DESAT
    tweak_idx = mrng.integers(0, n_t, mrng.poisson(baseline / 45.0))
    quality[tweak_idx] |= _Q_TWEAK
    coarse = [np.arange(s, min(s + mrng.integers(1, 7), n_t))
              for s in mrng.integers(0, n_t, mrng.poisson(baseline / 45.0))]
    coarse_idx = np.concatenate(coarse) if coarse else np.zeros(0, dtype=np.int64)
    quality[coarse_idx] |= _Q_COARSE
    gaps = np.flatnonzero(np.diff(t) > 0.5)
    seg_starts = np.concatenate([[t[0]], t[gaps + 1]])

    crng = np.random.default_rng(np.random.SeedSequence([seed, 3]))
    counts = _counts(n, frac)
    labels = crng.permutation(np.repeat(np.array(names, dtype=object), counts))
    kinds = np.empty(n, dtype=object)
    for c in names:
        sel = np.flatnonzero(labels == c)
        w = np.asarray(_KIND_WEIGHTS[c])
        kinds[sel] = np.asarray(TRANSIT_KINDS[c], dtype=object)[
            crng.choice(w.size, size=sel.size, p=w / w.sum())]
    stars = _draw_stars(np.random.default_rng(np.random.SeedSequence([seed, 4])), n, m)
    sigma_star = _white_ppm(stars["mag"], m, cadence_min)

    ss = _supersample_for(dt)
    base_good = quality == 0
    fluxes, errs, quals, trues, rows = [], [], [], [], []
    for i in range(n):
        orng = np.random.default_rng(np.random.SeedSequence([seed, 2, i]))
        star = {k: float(v[i]) for k, v in stars.items()}
        nan_idx = orng.integers(0, n_t, orng.poisson(1.5 * baseline / 90.0))
        good = base_good.copy()
        good[nan_idx] = False
        ctx = _Ctx(t=t, good=good, m=m, cadence=dt, supersample=ss,
                   period_range=(p_lo, p_hi), dump_times=dumps, seg_starts=seg_starts)
        snr = float(orng.uniform(snr_lo, snr_hi))
        kind = str(kinds[i])
        if kind == "planet":
            sig = _planet(orng, ctx, star, float(sigma_star[i]), snr)
        elif kind.startswith("eb"):
            sig = _eb(orng, ctx, star, float(sigma_star[i]), snr, kind)
        else:
            sig = _junk(orng, ctx, float(sigma_star[i]), snr, kind)
        sigma = sig.sigma_ppm * 1e-6
        rotating = np.isfinite(star["rotation_period"]) and kind != "junk_variability"
        var = np.ones(n_t)
        if rotating:
            var = var + _spots(t, orng, star["rotation_period"], star["rotation_amp_ppm"],
                               star["spot_lifetime"], star["harmonic"])
        var = var * (1.0 + star["red_ppm"] * 1e-6 * _ou(t, orng, star["red_tau"]))
        true_flux = sig.factor * var
        flux = true_flux + sigma * orng.standard_normal(n_t)
        # pipeline artefacts
        flux[dump_idx] += 15.0 * sigma * orng.standard_normal(dump_idx.size)
        flux[tweak_idx] += 10.0 * sigma * orng.standard_normal(tweak_idx.size)
        cr = orng.integers(0, n_t, orng.poisson(3.0 * baseline / 90.0))
        flux[cr] += orng.uniform(5.0, 30.0, cr.size) * sigma
        flux[coarse_idx] = np.nan
        flux[nan_idx] = np.nan
        err = np.full(n_t, sigma)
        err[~np.isfinite(flux)] = np.nan
        fluxes.append(flux)
        errs.append(err)
        trues.append(true_flux)
        mag = star["mag"] if math.isclose(sig.sigma_ppm, float(sigma_star[i]), rel_tol=1e-9) \
            else float(_mag_for_noise(sig.sigma_ppm, m, cadence_min))
        n_in, d_mean = sig.truth["n_in_transit"], sig.truth["depth_mean"]
        # the expected SNR as realised (equal to the drawn one unless no event fell on data)
        snr_true = d_mean / sigma * math.sqrt(n_in) if n_in and sigma > 0 else 0.0
        rows.append({
            "label": str(labels[i]), "kind": kind, **sig.truth, "snr": snr_true,
            "white_ppm": sig.sigma_ppm, "teff": star["teff"], "logg": star["logg"],
            "radius_rsun": star["radius_rsun"], "mass_msun": star["mass_msun"], m.mag_name: mag,
            "u1": star["u1"], "u2": star["u2"],
            "rotation_period": star["rotation_period"] if rotating else math.nan,
            "rotation_amp_ppm": star["rotation_amp_ppm"] if rotating else 0.0,
            "red_ppm": star["red_ppm"],
        })
        quals.append(quality)
    ids = np.array([f"SIM {i + 1:06d}" for i in range(n)], dtype=object)
    lc = pd.DataFrame({
        "object_id": np.repeat(ids, n_t),
        "time": np.tile(t, n),
        "flux": np.concatenate(fluxes),
        "flux_err": np.concatenate(errs),
        "quality": np.concatenate(quals).astype(np.int32),
    })
    if truth:
        lc["flux_true"] = np.concatenate(trues)
    order = ["label", "kind", "period", "epoch", "duration", "depth", "secondary_depth", "rp_rs",
             "a_rs", "inc_deg", "impact", "ecc", "w_deg", "orbital_period", "snr",
             "n_transits", "n_in_transit", "depth_mean", "white_ppm", "dilution", "teff",
             "logg", "radius_rsun", "mass_msun", m.mag_name, "u1", "u2", "rotation_period",
             "rotation_amp_ppm", "red_ppm"]
    tab = pd.DataFrame(rows)[order]
    tab.insert(0, "object_id", ids)
    for c in ("n_transits", "n_in_transit"):
        tab[c] = tab[c].astype(np.int64)
    return lc, tab
