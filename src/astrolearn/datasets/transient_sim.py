"""Seeded simulator of multi-band light curves of transients and variables (PLAsTiCC-like).

:func:`simulate_transients` returns a long light-curve table (``object_id, time, band, flux,
flux_err, detected``, the convention of :mod:`astrolearn.transients`) and a per-object metadata
table (host photometric redshift and its error, true redshift, Milky-Way E(B-V), sky position,
the class label). It is the offline default data of the transient-classification task (demo,
tests, benchmark), so it has to carry the same difficulties as the PLAsTiCC challenge (Kessler
et al. 2019; The PLAsTiCC team 2018): classes that overlap in brightness, duration and colour,
objects spread over a wide redshift range so that most are faint and barely detected, seasonal
gaps, sparse and irregular multi-band cadence, difference-imaging fluxes that go negative,
Milky-Way dust, imperfect photometric redshifts, and transients caught half-way (peaking in a
gap, or before or after the survey). An easy simulator proves nothing.

Why it is written by hand
-------------------------
The tools the field uses to simulate such data (SNANA, with its SALT2/SALT3, NMF and SED
time-series templates, and the PLAsTiCC model libraries; ``sncosmo`` with downloaded sources;
``simsurvey``; the LSST OpSim databases) need large downloaded templates or cadence databases,
compiled code, or both, and none runs 10^4 objects of eight classes in seconds offline. The
physics below is deliberately simple (a parametric rest-frame light-curve shape, a blackbody-like
SED with a per-class temperature evolution, a few colour corrections) and every number is taken
from, or tuned to, the literature named with it.

The model
---------
**Classes and their rest-frame light curves.** ``SNIa``, ``SNIbc``, ``SNII-P``, ``SNIIn``,
``SLSN`` (superluminous SN, type I) and ``TDE`` (tidal disruption event) are extragalactic
explosive transients; ``AGN`` is a stochastically varying active galactic nucleus; ``periodic``
are Galactic periodic variable stars (RR Lyrae and eclipsing binaries). A transient's
rest-frame light curve in the reference band (rest-frame B, 4400 A, AB magnitudes) is the
piecewise form of Villar et al. (2019, eq. 1),

    S(x) = (1 + beta min(x, gamma)) / (1 + exp(-x / tau_rise)) * D(max(x - gamma, 0)),

with ``x`` the rest-frame days since the half-rise epoch, a plateau of length ``gamma`` and
slope ``beta`` (per day, fraction of peak), and a decline
``D(d) = (1 - w) exp(-d / tau_fall) + w exp(-d / tau_tail)`` (a fast decline plus a slower
radioactive tail); TDEs decline as the fallback power law ``D(d) = (1 + d / tau_fall)^(-5/3)``
(Rees 1988; van Velzen et al. 2021). ``S`` is normalised to 1 at its maximum, which defines
the peak epoch (``peak_time`` in the metadata). Other wavelengths follow from a blackbody of
temperature ``T(p) = T_late + (T_peak - T_late) exp(-max(p, 0) / tau_T)`` (``p``: rest days
since peak), taken as a ratio to its value at 4400 A, times (i) a UV suppression
``1 / (1 + exp(-(lambda - lambda_uv) / 250 A))`` for line blanketing below ``lambda_uv`` in
SNe Ia and the UV absorption of SNe Ibc, II and SLSNe (Chomiuk et al. 2011; Nicholl et al.
2017), (ii) host-galaxy reddening (Cardelli, Clayton & Mathis 1989, hereafter CCM; R_V = 3.1,
E(B-V) exponential), normalised at 4400 A so that it changes colours but not the drawn peak
magnitude, which therefore includes host dimming as the literature magnitudes do, and (iii)
for SNe Ia the secondary red maximum: redwards of 5800 A rest (fully from 7300 A) the flux is
lowered by 50 % after +4 s rest days (s the stretch) and a Gaussian bump (sigma 7 d,
amplitude 0.8-1.4) is added at +27 s days, which gives the ~0.7 mag dip near +14 d and a
second i-band maximum ~0.5 mag below the first near +25 d (Hamuy et al. 1996; Kasen 2006).
With these numbers a SN Ia declines by 1.1 mag in 15 rest days after B maximum
(Delta m15, Phillips 1993), is 1.4 mag below peak 10 days before it, has a B FWHM of ~17 d
and a rest u-g of ~0.7 mag at peak. SN Ia peak
magnitudes follow the Tripp (1998) relation ``M_B = -19.3 - alpha x1 + beta c + N(0, 0.12)``
with ``alpha = 0.14`` and ``beta = 3.1`` (Betoule et al. 2014), ``x1 ~ N(0, 1)`` and
``c ~ N(0, 0.1)`` (about the SALT2 populations of Scolnic & Kessler 2016), stretch
``s = 1 + 0.1 x1`` (Guy et al. 2007) scaling all time scales, and the colour ``c`` applied as
a CCM colour law with ``R_V = beta - 1 = 2.1``. The per-class numbers (rest frame):

=======  ===============  ==========  =========  ===========  ==============  ===============
class    M_B peak (AB)    tau_rise    gamma      tau_fall     T_peak -> late   z_max, rate
=======  ===============  ==========  =========  ===========  ==============  ===============
SNIa     -19.3 Tripp      4.5 s       2 s        8.5 s,       10500 -> 5000,  1.3,
         (sd 0.12 intr.)                         w .10, 60    tau_T 16 s;     (1+z)^1.5 [7]
                                                              UV 3400 A [1]
SNIbc    -17.5 +- 0.9 [2] 3.0-4.5     1-5        10-16,       8500 -> 4500,   0.9, SFR [8]
                                                 w .15, 90    tau_T 20; UV
                                                              3500 A [3]
SNII-P   -16.8 +- 1.0 [2] 1.0-2.5     N(100,20)  8-15 drop,   12000 -> 6000,  0.8, SFR
                          [4]         [5]        w .06-.25,   tau_T 12; UV
                                      beta -.007 111 [5]      3000 A
                                      to -.003
SNIIn    -18.5 +- 1.2 [2] 4-10 [6]    5-40       30-200 log,  10500 -> 7000,  1.5, SFR
                                                 w .1, 250    tau_T 100; UV
                                                              2500 A
SLSN     -21.0 +- 0.7 [9] 6-14 [9]    0-20       35-80 log,   15000 -> 8000,  3.0, SFR
                                                 w .15, 150   tau_T 50; UV
                                                              3000 A [3]
TDE      -19.5 +- 0.7     3-8 [10]    0          25-70,       2-4e4, almost   1.5,
         [10]                                    t^-5/3 [10]  constant [10]   (1+z)^-3 [11]
=======  ===============  ==========  =========  ===========  ==============  ===============

Ranges ``a-b`` are uniform (``log``: log-uniform), ``+-`` Gaussian standard deviations; times in
rest-frame days, temperatures in K; ``w`` and the number after it are the tail weight and
``tau_tail``. References: [1] Nugent, Kim & Perlmutter (2002), Kasen (2006); [2] Richardson
et al. (2014), rounded, values not corrected for host extinction (their AB-Vega offset of
~0.1 mag in B is neglected); [3] Drout et al. (2011), Chomiuk et al. (2011), Nicholl et al.
(2017); [4] Gall et al. (2015), Gonzalez-Gaitan et al. (2015); [5] Anderson et al. (2014)
(plateau duration ``Pd``, plateau decline ``s2``, the 0.98 mag/100 d Co-56 tail); [6] Nyholm et
al. (2020); [7] Dilday et al. (2010), Perrett et al. (2012); [8] the cosmic star-formation
history ``(1+z)^2.7 / (1 + ((1+z)/2.9)^5.6)`` of Madau & Dickinson (2014); [9] Nicholl et al.
(2017), Lunnan et al. (2018), De Cia et al. (2018); [10] van Velzen et al. (2021); [11] our
assumption, qualitatively after Kochanek (2016), who predicts a TDE rate falling with
redshift. Host reddening E(B-V) is exponential with mean 0.1 mag for SNe Ibc, II-P, IIn, 0.03
for SLSNe and TDEs (Ia: the colour ``c``).

**Redshifts and distances.** Each transient class draws ``z`` between 0.01 and its ``z_max``
with density ``R(z) dV/dz / (1 + z)`` (volumetric rate ``R`` times comoving volume, over
(1 + z) for time dilation of the rate), so that distant, faint objects dominate and many are
barely detected. ``z_max`` is set beyond the distance where the brightest members of a class
fade below the single-visit depth, so the visible redshift range, and its Malmquist bias, come
out of the detection cut rather than being imposed. Distances use astropy's
``FlatLambdaCDM(H0=70, Om0=0.3)``. A monochromatic AB magnitude at the observed effective
wavelength ``lambda`` is ``m = M(lambda / (1 + z)) + DM(z) - 2.5 log10(1 + z)`` (the
K-correction of a redshifted f_nu, Hogg et al. 2002); observed times are dilated by (1 + z).
Bands are represented by their effective wavelengths (LSST u 3671, g 4827, r 6223, i 7546,
z 8691, y 9712 A; DES g 4730, r 6420, i 7840, z 9260 A), i.e. narrow top-hats: a simplification
that ignores the band-integrated K-correction of line features.

**AGN.** A damped random walk in magnitude (Kelly et al. 2009; MacLeod et al. 2010): one
Ornstein-Uhlenbeck process per object with rest-frame time scale ``tau`` log-uniform in
100-500 d (dilated by 1 + z), exactly sampled at the observation times, shared by all bands
(nearly perfect inter-band correlation) and scaled per band by the asymptotic structure
function ``SF_inf(lambda) = SF_0 (lambda_rest / 4000 A)^-0.479`` (MacLeod et al. 2010, bluer is
more variable), ``SF_0`` lognormal with median 0.2 mag (sigma_ln 0.35, i.e. ~0.1-0.4 mag). The
mean (AGN + host) spectrum is ``f_nu ~ nu^-0.44`` (Vanden Berk et al. 2001) with ``M_B ~
N(-22, 1.5)``; redshifts follow ``dV/dz (1 + min(z, 2))^3`` (density evolution up to the
quasar peak at z ~ 2, Richards et al. 2006) between 0.05 and 3.

**Periodic variables** (Galactic, ``redshift = 0`` as in PLAsTiCC). Half are RR Lyrae: 70 %
RRab (period N(0.57, 0.08) d in 0.4-0.9, g amplitude 0.5-1.1 mag, fast rise over 10-20 % of the
cycle and slow decline) and 30 % RRc (period N(0.32, 0.04) d in 0.25-0.45, amplitude
0.25-0.5 mag, near-symmetric), amplitudes scaling as ``(lambda / 4827 A)^-1`` (capped at 1.2
times g), which reproduces the r/g, i/g, z/g amplitude ratios ~0.78, 0.64, 0.56 of Sesar et
al. (2010), mean temperature 6000-7200 K, absolute magnitude M_r = 0.6 at distances log-uniform
in 8-120 kpc (a halo density ~ r^-3, Watkins et al. 2009). The other half are detached or
semi-detached eclipsing binaries: period log-uniform in 0.5-10 d, primary temperature
4500-10000 K, secondary-to-primary temperature ratio 0.5-1, radius ratio 0.4-1, covering
fraction 0.1-1 at mid-eclipse (so the primary and secondary depths and their colours follow
from the two stars' blackbody light), eclipse half-width ``0.054 f P^(-2/3)`` in phase (two
sun-like stars in a 1-day orbit, f lognormal sigma 0.3, by Kepler's law), an ellipsoidal
modulation for wide eclipses, and r magnitudes with counts ``~ 10^(0.25 m)`` in 16-23.5.

**Cadence.** ``survey="lsst"`` is LSST Wide-Fast-Deep-like (Ivezic et al. 2019; the PLAsTiCC
WFD): by default 3 years from MJD 60800; each field is observable for 180 days a year centred
on its opposition date (the Sun's RA is 0 at the March equinox, MJD 60754.4); nights with
visits are separated by Gamma(2)-distributed gaps with mean ``cadence_days`` (default 5);
each such night has 1 visit (40 %) or 2 visits ~15-65 min apart in two different filters
(60 %), filters drawn with the WFD visit mix u 7 %, g 10 %, r 22 %, i 22 %, z 20 %, y 19 %
(Ivezic et al. 2019, Table 1: 56/80/184/184/160/160 visits); 20 % of nights are lost to
weather, the same nights for every object (Delgado et al. 2014). This gives ~130 points per
object over 3 years, close to the PLAsTiCC test-set mean. ``survey="des"`` is DES-SN-like
(Kessler et al. 2015; Abbott et al. 2019): seasons from 31 August to mid-February (168 days)
from MJD 56535, griz on the same night every ``cadence_days`` (default 7) with the same 20 %
weather loss, objects in the 10 DES-SN fields (8 shallow, C3 and X3 deep).

**Noise and detection.** Fluxes are in SNANA ``FLUXCAL`` units (AB zero point 27.5:
``mag = 27.5 - 2.5 log10(flux)``). Single-visit 5-sigma depths are LSST u 23.8, g 24.5,
r 24.0, i 23.5, z 22.9, y 22.1 (Ivezic et al. 2019) and DES shallow g 23.7, r 23.8, i 23.6,
z 23.3, deep fields 1.0 mag deeper (Kessler et al. 2015: ~23.5 and ~24.5), each visit varying
by N(0, 0.25) mag clipped to +-0.5 (seeing, Moon). The error is
``sigma^2 = sigma_sky^2 (1 + F_src / F_sky) + (0.005 F_src)^2`` with ``sigma_sky`` = depth
flux / 5, ``F_src`` the source's total (not difference) flux, ``F_sky`` the sky in the PSF
aperture (dark-sky brightness of Ivezic et al. 2019, Table 2, over ~1.6 arcsec^2 for LSST,
~3 arcsec^2 for DES), and a 0.5 % calibration floor. The reported flux is the true flux plus
Gaussian noise, so it can be negative; ``detected`` is ``flux / flux_err >= 5``. Fluxes are
difference-imaging fluxes by default (``flux_kind="difference"``, as in PLAsTiCC): transients
are measured against a template without them, and for AGN and periodic stars the template
holds their mean flux, so their fluxes swing around zero. With ``flux_kind="total"`` AGN and
stars keep their mean flux (transient hosts are never added).

**Milky Way.** E(B-V) is exponential with mean 0.03 mag (typical of high-latitude
extragalactic fields in the Schlegel, Finkbeiner & Davis 1998 map), applied in the observed
frame with ``A_b = R_b E(B-V)``: LSST coefficients from :data:`~astrolearn.catalogs.photometry.
EXTINCTION_COEFFICIENTS` (R_V = 3.1), DES from Abbott et al. (2018, DES DR1: g 3.186,
r 2.140, i 1.569, z 1.196). ``mwebv`` in the metadata is the true value.

**Host redshifts.** ``redshift`` is a host photometric redshift: Gaussian with per-object
``redshift_err = sigma_0 (1 + z)``, ``sigma_0`` uniform in 0.02-0.06 (0.05-0.10 for AGN), plus
5 % catastrophic outliers (15 % for AGN) drawn uniformly in 0.01-3 (Graham et al. 2018), with
the usual (too small) error. Galactic objects have ``redshift = redshift_err = 0``.

**Selection.** An object enters the sample only with at least ``min_detections`` (default 2)
detections, like the PLAsTiCC trigger; objects are drawn in batches until every class has its
requested count. Peak epochs of transients are uniform from 50 days before to 50 days after the
survey, so some peak in a seasonal gap or outside the survey and are caught only on the rise or
the decline.

Truth columns (``peak_time``, ``true_redshift`` and, with ``truth=True``, ``flux_true``,
``distmod``, ``peak_absmag``) are for tests and diagnostics: they are unknown for real objects
and must never be used as classifier features.

Everything is vectorised numpy and each class has its own random stream derived from ``seed``
(``numpy.random.SeedSequence([seed, class_index])``), so a seed gives the same tables (bit for
bit with the same numpy), and a class's objects do not change when other classes are added.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from astrolearn.catalogs.photometry import EXTINCTION_COEFFICIENTS
from astrolearn.errors import AstrolearnInputError
from astrolearn.transients.passbands import extinction_coefficient

__all__ = ["GALACTIC_CLASSES", "SURVEYS", "TRANSIENT_CLASSES", "simulate_transients"]

TRANSIENT_CLASSES: tuple[str, ...] = (
    "SNIa",
    "SNIbc",
    "SNII-P",
    "SNIIn",
    "SLSN",
    "TDE",
    "AGN",
    "periodic",
)
"""Class names simulated by :func:`simulate_transients`, in their default order."""

GALACTIC_CLASSES: tuple[str, ...] = ("periodic",)
"""Classes inside the Milky Way (``redshift = 0``)."""

SURVEYS: tuple[str, ...] = ("lsst", "des")
"""Survey cadences and depths available to :func:`simulate_transients`."""

_HC_K = 1.438777e8  # h c / k in Angstrom Kelvin
_LAM_REF = 4400.0  # rest-frame B, reference wavelength of the peak magnitudes (Angstrom)
_Z_MIN = 0.01
_LN10_04 = 0.4 * math.log(10.0)


@dataclass(frozen=True)
class _Survey:
    name: str
    bands: tuple[str, ...]
    wavelength: tuple[float, ...]  # effective wavelengths, Angstrom
    depth: tuple[float, ...]  # single-visit 5-sigma AB depth
    sky_aperture: tuple[float, ...]  # sky brightness in the PSF aperture, AB mag
    extinction: tuple[float, ...]  # A_b / E(B-V)
    band_mix: tuple[float, ...] | None  # per-visit filter probabilities (None: all bands)
    start_mjd: float
    cadence_days: float
    p_pair: float  # probability of a second visit on a night (LSST)
    season_days: float


_LSST_EXT = EXTINCTION_COEFFICIENTS["lsst"]
_SURVEY_TABLE: dict[str, _Survey] = {
    "lsst": _Survey(
        name="lsst",
        bands=("u", "g", "r", "i", "z", "y"),
        wavelength=(3671.0, 4827.0, 6223.0, 7546.0, 8691.0, 9712.0),
        depth=(23.8, 24.5, 24.0, 23.5, 22.9, 22.1),
        # dark sky (mag / arcsec^2, Ivezic et al. 2019) - 0.5 mag for a ~1.6 arcsec^2 PSF area
        sky_aperture=(22.5, 21.8, 20.7, 20.0, 19.1, 18.1),
        extinction=tuple(_LSST_EXT[b] for b in "ugrizy"),
        band_mix=(0.07, 0.10, 0.22, 0.22, 0.20, 0.19),
        start_mjd=60800.0,
        cadence_days=5.0,
        p_pair=0.6,
        season_days=180.0,
    ),
    "des": _Survey(
        name="des",
        bands=("g", "r", "i", "z"),
        wavelength=(4730.0, 6420.0, 7840.0, 9260.0),
        depth=(23.7, 23.8, 23.6, 23.3),
        sky_aperture=(21.0, 20.0, 19.2, 18.2),
        extinction=(3.186, 2.140, 1.569, 1.196),
        band_mix=None,
        start_mjd=56535.0,
        cadence_days=7.0,
        p_pair=0.0,
        season_days=168.0,
    ),
}
_LSST_EQUINOX_MJD = 60754.4  # 2025 March equinox: the Sun's RA is 0

# DES-SN field centres (RA, Dec in deg; approximately those of Kessler et al. 2015) and depth.
_DES_FIELDS = (
    ("C1", 54.27, -27.11, False),
    ("C2", 54.26, -29.09, False),
    ("C3", 52.65, -28.10, True),
    ("E1", 7.87, -43.01, False),
    ("E2", 9.50, -43.99, False),
    ("S1", 42.82, 0.00, False),
    ("S2", 41.19, -0.99, False),
    ("X1", 34.48, -4.93, False),
    ("X2", 35.66, -6.41, False),
    ("X3", 36.45, -4.60, True),
)

_WEATHER_LOSS = 0.2
_DEPTH_JITTER = 0.25
_CAL_FLOOR = 0.005
_PEAK_MARGIN = 50.0  # peak epochs from this many days before to after the survey


@dataclass(frozen=True)
class _TransientModel:
    z_max: float
    rate: str  # "ia", "sfr" or "tde"
    m_peak: tuple[float, float]  # mean, sd (non-Ia)
    tau_rise: tuple[float, float]
    gamma: tuple[float, float] | None  # uniform range (None: Gaussian given in gamma_norm)
    beta: tuple[float, float]
    tau_fall: tuple[float, float]
    fall_log: bool
    w_tail: tuple[float, float]
    tau_tail: float
    t_peak: tuple[float, float]  # Gaussian mean, sd of T_peak (TDE: uniform range)
    t_late: float  # T_late (unused for TDEs: T_late = T_peak * U(0.85, 1.1))
    tau_t: float
    uv_edge: float  # Angstrom; 0 for no suppression
    host_ebv: float  # mean of the exponential host E(B-V)
    powerlaw: bool = False
    gamma_norm: tuple[float, float] | None = None


_MODELS: dict[str, _TransientModel] = {
    "SNIa": _TransientModel(
        z_max=1.3, rate="ia", m_peak=(-19.3, 0.12), tau_rise=(4.5, 4.5), gamma=(2.0, 2.0),
        beta=(-0.01, -0.01), tau_fall=(8.5, 8.5), fall_log=False, w_tail=(0.1, 0.1),
        tau_tail=60.0, t_peak=(10500.0, 800.0), t_late=5000.0, tau_t=16.0, uv_edge=3400.0,
        host_ebv=0.0,
    ),
    "SNIbc": _TransientModel(
        z_max=0.9, rate="sfr", m_peak=(-17.5, 0.9), tau_rise=(3.0, 4.5), gamma=(1.0, 5.0),
        beta=(-0.01, -0.01), tau_fall=(10.0, 16.0), fall_log=False, w_tail=(0.15, 0.15),
        tau_tail=90.0, t_peak=(8500.0, 800.0), t_late=4500.0, tau_t=20.0, uv_edge=3500.0,
        host_ebv=0.1,
    ),
    "SNII-P": _TransientModel(
        z_max=0.8, rate="sfr", m_peak=(-16.8, 1.0), tau_rise=(1.0, 2.5), gamma=None,
        gamma_norm=(100.0, 20.0), beta=(-0.007, -0.003), tau_fall=(8.0, 15.0), fall_log=False,
        w_tail=(0.06, 0.25), tau_tail=111.0, t_peak=(12000.0, 1500.0), t_late=6000.0,
        tau_t=12.0, uv_edge=3000.0, host_ebv=0.1,
    ),
    "SNIIn": _TransientModel(
        z_max=1.5, rate="sfr", m_peak=(-18.5, 1.2), tau_rise=(4.0, 10.0), gamma=(5.0, 40.0),
        beta=(-0.01, 0.0), tau_fall=(30.0, 200.0), fall_log=True, w_tail=(0.1, 0.1),
        tau_tail=250.0, t_peak=(10500.0, 1500.0), t_late=7000.0, tau_t=100.0, uv_edge=2500.0,
        host_ebv=0.1,
    ),
    "SLSN": _TransientModel(
        z_max=3.0, rate="sfr", m_peak=(-21.0, 0.7), tau_rise=(6.0, 14.0), gamma=(0.0, 20.0),
        beta=(-0.01, 0.0), tau_fall=(35.0, 80.0), fall_log=True, w_tail=(0.15, 0.15),
        tau_tail=150.0, t_peak=(15000.0, 2500.0), t_late=8000.0, tau_t=50.0, uv_edge=3000.0,
        host_ebv=0.03,
    ),
    "TDE": _TransientModel(
        z_max=1.5, rate="tde", m_peak=(-19.5, 0.7), tau_rise=(3.0, 8.0), gamma=(0.0, 0.0),
        beta=(0.0, 0.0), tau_fall=(25.0, 70.0), fall_log=False, w_tail=(0.0, 0.0),
        tau_tail=100.0, t_peak=(2.0e4, 4.0e4), t_late=1.0, tau_t=100.0, uv_edge=0.0,
        host_ebv=0.03, powerlaw=True,
    ),
}

_AGN_Z = (0.05, 3.0)
_PHOTOZ_OUTLIER_RANGE = (0.01, 3.0)


# ----------------------------------------------------------------------------------------------
# cosmology and redshift sampling
# ----------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _cosmo_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance modulus and dV/dz on a redshift grid (FlatLambdaCDM, H0 = 70, Om0 = 0.3)."""
    from astropy.cosmology import FlatLambdaCDM

    cosmo = FlatLambdaCDM(H0=70.0, Om0=0.3)
    z = np.linspace(0.001, 4.0, 4000)
    dm = np.asarray(cosmo.distmod(z).value, dtype=float)
    dvdz = np.asarray(cosmo.differential_comoving_volume(z).value, dtype=float)
    return z, dm, dvdz


def _distmod(z: np.ndarray) -> np.ndarray:
    zg, dm, _ = _cosmo_tables()
    return np.interp(z, zg, dm)


def _rate(kind: str, z: np.ndarray) -> np.ndarray:
    if kind == "ia":
        return (1.0 + z) ** 1.5
    if kind == "sfr":
        return (1.0 + z) ** 2.7 / (1.0 + ((1.0 + z) / 2.9) ** 5.6)
    if kind == "tde":
        return (1.0 + z) ** -3.0
    if kind == "agn":  # persistent sources: no (1 + z) time-dilation of a rate
        return (1.0 + np.minimum(z, 2.0)) ** 3 * (1.0 + z)
    raise ValueError(kind)


def _sample_z(rng: np.random.Generator, n: int, kind: str, lo: float, hi: float) -> np.ndarray:
    zg, _, dvdz = _cosmo_tables()
    grid = np.linspace(lo, hi, 2000)
    pdf = np.interp(grid, zg, dvdz) * _rate(kind, grid) / (1.0 + grid)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (pdf[1:] + pdf[:-1]) * np.diff(grid))])
    return np.interp(rng.random(n) * cdf[-1], cdf, grid)


# ----------------------------------------------------------------------------------------------
# spectral ingredients
# ----------------------------------------------------------------------------------------------
def _bb_ratio(lam: np.ndarray, temp: np.ndarray, ref: float | np.ndarray = _LAM_REF) -> np.ndarray:
    """Blackbody f_nu at ``lam`` over f_nu at ``ref`` (both Angstrom), temperature ``temp`` K."""
    return (ref / lam) ** 3 * np.expm1(_HC_K / (ref * temp)) / np.expm1(_HC_K / (lam * temp))


@lru_cache(maxsize=4)
def _ccm_table(r_v: float) -> tuple[np.ndarray, np.ndarray]:
    lam = np.linspace(300.0, 13_000.0, 4000)
    return lam, extinction_coefficient(lam, r_v)


def _ccm_k(lam: np.ndarray, r_v: float) -> np.ndarray:
    """CCM A_lambda / E(B-V), linearly interpolated in a fine table (much faster)."""
    grid, k = _ccm_table(r_v)
    return np.interp(lam, grid, k)


def _uv_factor(lam: np.ndarray, edge: np.ndarray) -> np.ndarray:
    """UV suppression relative to the reference wavelength (1 where ``edge`` is 0)."""
    on = edge > 0

    def logistic(w: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip((w - edge) / 250.0, -50.0, 50.0)))

    return np.where(on, logistic(lam) / logistic(np.full_like(lam, _LAM_REF)), 1.0)


# ----------------------------------------------------------------------------------------------
# cadence
# ----------------------------------------------------------------------------------------------
@dataclass
class _Epochs:
    obj: np.ndarray  # int64 index of the object
    time: np.ndarray  # MJD
    band: np.ndarray  # int index into survey bands
    m5: np.ndarray  # 5-sigma depth of the visit


def _weather(seed: int, n_nights: int) -> np.ndarray:
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7919]))
    return rng.random(n_nights) >= _WEATHER_LOSS


def _sky_positions(
    rng: np.random.Generator, sv: _Survey, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RA, Dec (deg) and a depth offset (mag) per object."""
    if sv.name == "lsst":  # uniform on the sphere within the WFD declination band
        ra = rng.uniform(0.0, 360.0, n)
        s_lo, s_hi = np.sin(np.radians(-65.0)), np.sin(np.radians(5.0))
        dec = np.degrees(np.arcsin(rng.uniform(s_lo, s_hi, n)))
        return ra, dec, np.zeros(n)
    field = rng.integers(0, len(_DES_FIELDS), n)
    ra0 = np.array([f[1] for f in _DES_FIELDS])[field]
    dec0 = np.array([f[2] for f in _DES_FIELDS])[field]
    deep = np.array([f[3] for f in _DES_FIELDS])[field]
    rad = 1.1 * np.sqrt(rng.random(n))  # uniform in a DECam-sized disc
    ang = rng.uniform(0.0, 2.0 * np.pi, n)
    dec = dec0 + rad * np.sin(ang)
    ra = (ra0 + rad * np.cos(ang) / np.cos(np.radians(dec0))) % 360.0
    return ra, dec, np.where(deep, 1.0, 0.0)


def _cadence(
    rng: np.random.Generator,
    sv: _Survey,
    ra: np.ndarray,
    depth_offset: np.ndarray,
    n_nights: int,
    cadence: float,
    weather_ok: np.ndarray,
) -> _Epochs:
    n = ra.size
    k = int(n_nights / cadence * 1.5) + 12
    gaps = np.maximum(1.0, np.rint(rng.gamma(2.0, cadence / 2.0, (n, k))))
    first = np.floor(rng.uniform(0.0, cadence, (n, 1)))
    nights = (first + np.cumsum(gaps, axis=1) - gaps[:, :1]).astype(np.int64)
    inside = nights < n_nights
    nights_c = np.minimum(nights, n_nights - 1)
    ok = inside & weather_ok[nights_c]
    mjd_night = sv.start_mjd + nights_c
    if sv.name == "lsst":
        opposition = _LSST_EQUINOX_MJD + (ra + 180.0) / 360.0 * 365.25
        dphase = (mjd_night - opposition[:, None] + 182.625) % 365.25 - 182.625
        ok &= np.abs(dphase) < sv.season_days / 2.0
    else:
        ok &= ((mjd_night - sv.start_mjd) % 365.25) < sv.season_days
    obj_n, col = np.nonzero(ok)
    night = nights[obj_n, col]
    t_night = sv.start_mjd + night + rng.uniform(0.02, 0.33, night.size)
    nb = len(sv.bands)
    if sv.band_mix is None:  # all bands, one after the other
        n_vis = np.full(night.size, nb)
        obj = np.repeat(obj_n, n_vis)
        t = np.repeat(t_night, n_vis)
        j = np.tile(np.arange(nb), night.size)
        band = j
        t = t + j * 0.007
    else:
        n_vis = 1 + (rng.random(night.size) < sv.p_pair)
        p = np.asarray(sv.band_mix)
        b1 = np.minimum(np.searchsorted(np.cumsum(p), rng.random(night.size)), nb - 1)
        cond = np.tile(p, (nb, 1))
        np.fill_diagonal(cond, 0.0)
        cond_cum = np.cumsum(cond / cond.sum(axis=1, keepdims=True), axis=1)
        b2 = np.minimum((rng.random(night.size)[:, None] > cond_cum[b1]).sum(axis=1), nb - 1)
        sep = rng.uniform(0.01, 0.045, night.size)
        obj = np.repeat(obj_n, n_vis)
        first_of = np.cumsum(n_vis) - n_vis
        j = np.arange(obj.size) - np.repeat(first_of, n_vis)
        band = np.where(j == 0, np.repeat(b1, n_vis), np.repeat(b2, n_vis))
        t = np.repeat(t_night, n_vis) + j * np.repeat(sep, n_vis)
    jitter = np.clip(rng.normal(0.0, _DEPTH_JITTER, obj.size), -0.5, 0.5)
    m5 = np.asarray(sv.depth)[band] + depth_offset[obj] + jitter
    return _Epochs(obj=obj.astype(np.int64), time=t, band=band.astype(np.int64), m5=m5)


# ----------------------------------------------------------------------------------------------
# light-curve models
# ----------------------------------------------------------------------------------------------
def _shape(x: np.ndarray, q: dict[str, np.ndarray]) -> np.ndarray:
    """Un-normalised Villar et al. (2019) shape at rest days ``x`` since the half-rise epoch."""
    tr, g, be = q["tau_rise"], q["gamma"], q["beta"]
    rise = (1.0 + be * np.minimum(x, g)) / (1.0 + np.exp(-np.clip(x / tr, -60.0, 60.0)))
    d = np.maximum(x - g, 0.0)
    decline = np.where(
        q["powerlaw"],
        (1.0 + d / q["tau_fall"]) ** (-5.0 / 3.0),
        (1.0 - q["w_tail"]) * np.exp(-d / q["tau_fall"]) + q["w_tail"] * np.exp(-d / q["tau_tail"]),
    )
    return np.where(x > -12.0 * tr, rise * decline, 0.0)


def _u(rng: np.random.Generator, lohi: tuple[float, float], n: int, log: bool = False):
    lo, hi = lohi
    if lo == hi:
        return np.full(n, float(lo))
    if log:
        return np.exp(rng.uniform(math.log(lo), math.log(hi), n))
    return rng.uniform(lo, hi, n)


def _draw_transients(rng: np.random.Generator, cls: str, n: int, z_hi: float) -> dict:
    m = _MODELS[cls]
    q: dict[str, np.ndarray] = {}
    z = _sample_z(rng, n, m.rate, _Z_MIN, z_hi)
    q["z"] = z
    if cls == "SNIa":
        x1 = np.clip(rng.normal(0.0, 1.0, n), -3.0, 3.0)
        c = np.clip(rng.normal(0.0, 0.1, n), -0.3, 0.5)
        s = 1.0 + 0.1 * x1
        q["M"] = m.m_peak[0] - 0.14 * x1 + 3.1 * c + rng.normal(0.0, m.m_peak[1], n)
        q["host_ebv"], q["host_rv"] = c, np.full(n, 2.1)
        q["bump"] = rng.uniform(0.8, 1.4, n)
    else:
        s = np.ones(n)
        q["M"] = rng.normal(m.m_peak[0], m.m_peak[1], n)
        q["host_ebv"] = rng.exponential(m.host_ebv, n) if m.host_ebv > 0 else np.zeros(n)
        q["host_rv"] = np.full(n, 3.1)
        q["bump"] = np.zeros(n)
    q["stretch"] = s
    q["tau_rise"] = _u(rng, m.tau_rise, n) * s
    if m.gamma_norm is not None:
        q["gamma"] = np.clip(rng.normal(*m.gamma_norm, n), 50.0, 160.0)
    else:
        q["gamma"] = _u(rng, m.gamma, n) * s  # type: ignore[arg-type]
    q["beta"] = np.maximum(_u(rng, m.beta, n) / s, -0.6 / np.maximum(q["gamma"], 1e-9))
    q["tau_fall"] = _u(rng, m.tau_fall, n, log=m.fall_log) * s
    q["w_tail"] = _u(rng, m.w_tail, n)
    q["tau_tail"] = np.full(n, m.tau_tail)
    q["powerlaw"] = np.full(n, m.powerlaw)
    if cls == "TDE":
        q["T_peak"] = rng.uniform(m.t_peak[0], m.t_peak[1], n)
        q["T_late"] = q["T_peak"] * rng.uniform(0.85, 1.1, n)
    else:
        q["T_peak"] = np.maximum(rng.normal(m.t_peak[0], m.t_peak[1], n), 1.2 * m.t_late)
        q["T_late"] = np.full(n, m.t_late)
    q["tau_T"] = np.full(n, m.tau_t) * s
    q["uv_edge"] = np.full(n, m.uv_edge)
    # peak of the shape: grid search plus a parabolic refinement
    u = np.linspace(0.0, 1.0, 257)
    lo = -4.0 * q["tau_rise"]
    span = q["gamma"] + 8.0 * q["tau_rise"]
    xg = lo[:, None] + span[:, None] * u[None, :]
    qq = {k: v[:, None] for k, v in q.items()}
    sg = _shape(xg, qq)
    i = np.clip(np.argmax(sg, axis=1), 1, u.size - 2)
    rows = np.arange(n)
    y0, y1, y2 = sg[rows, i - 1], sg[rows, i], sg[rows, i + 1]
    den = y0 - 2.0 * y1 + y2
    off = np.where(den < 0, 0.5 * (y0 - y2) / np.where(den < 0, den, -1.0), 0.0)
    x_pk = xg[rows, i] + np.clip(off, -1.0, 1.0) * span / (u.size - 1)
    q["x_peak"] = x_pk
    q["s_max"] = _shape(x_pk, q)
    return q


def _transient_flux(q: dict, ep: _Epochs, sv: _Survey, lam_b: np.ndarray, peak_time, mwebv):
    o = ep.obj
    z = q["z"][o]
    p = (ep.time - peak_time[o]) / (1.0 + z)
    qq = {k: v[o] for k, v in q.items()}
    s = _shape(p + qq["x_peak"], qq) / qq["s_max"]
    lam = lam_b[ep.band] / (1.0 + z)
    temp = qq["T_late"] + (qq["T_peak"] - qq["T_late"]) * np.exp(-np.maximum(p, 0.0) / qq["tau_T"])
    colour = _bb_ratio(lam, temp) * _uv_factor(lam, qq["uv_edge"])
    r_v = float(q["host_rv"][0]) if q["host_rv"].size else 3.1  # one R_V per class
    k_ref = float(_ccm_k(np.array([_LAM_REF]), r_v)[0])
    colour *= 10.0 ** (-0.4 * qq["host_ebv"] * (_ccm_k(lam, r_v) - k_ref))
    # SN Ia secondary red maximum: a dip after +4 s days and a bump at +27 s days
    red = np.clip((lam - 5800.0) / 1500.0, 0.0, 1.0) * (qq["bump"] > 0)
    st = qq["stretch"]
    dip = 0.5 / (1.0 + np.exp(-np.clip((p - 4.0 * st) / 3.0, -60.0, 60.0)))
    colour *= 1.0 - red * (dip - qq["bump"] * np.exp(-0.5 * ((p - 27.0 * st) / 7.0) ** 2))
    a_mw = np.asarray(sv.extinction)[ep.band] * mwebv[o]
    norm = 10.0 ** (-0.4 * (qq["M"] + q["distmod"][o] - 27.5 + a_mw)) * (1.0 + z)
    flux = norm * s * colour
    return flux, flux  # (difference flux, total source flux)


_SCREEN_PHASES = np.array([-20.0, -10.0, -5.0, 0.0, 5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 80.0,
                           100.0, 130.0])


def _can_be_detected(q: dict, sv: _Survey, peak_time, mwebv, depth_off) -> np.ndarray:
    """Conservative pre-screen: can the true flux reach 1 sigma of the best visit at all?

    Objects that fail it would need two >= 4-sigma noise excursions to pass the detection cut
    (probability ~1e-6), so dropping them before the cadence is drawn changes nothing visible
    and saves most of the work at high redshift.
    """
    n, nb, g = q["z"].size, len(sv.bands), _SCREEN_PHASES.size
    obj = np.repeat(np.arange(n), nb * g)
    band = np.tile(np.repeat(np.arange(nb), g), n)
    phase = np.tile(_SCREEN_PHASES, n * nb)
    fake = _Epochs(obj=obj, time=peak_time[obj] + phase * (1.0 + q["z"][obj]), band=band,
                   m5=np.zeros(obj.size))
    flux, _ = _transient_flux(q, fake, sv, np.asarray(sv.wavelength), peak_time, mwebv)
    best = flux.reshape(n, nb, g).max(axis=2)
    sigma = 10.0 ** (-0.4 * (np.asarray(sv.depth)[None, :] + depth_off[:, None] + 0.5 - 27.5)) / 5
    return (best / sigma).max(axis=1) >= 1.0


def _drw(rng: np.random.Generator, ep: _Epochs, tau_obs: np.ndarray, n: int) -> np.ndarray:
    """Unit-variance Ornstein-Uhlenbeck process sampled exactly at each object's epochs."""
    counts = np.bincount(ep.obj, minlength=n)
    starts = np.cumsum(counts) - counts
    pos = np.arange(ep.obj.size) - starts[ep.obj]
    width = int(counts.max()) if counts.size else 0
    tpad = np.zeros((n, max(width, 1)))
    tpad[ep.obj, pos] = ep.time
    eps = rng.standard_normal((n, max(width, 1)))
    x = np.empty_like(tpad)
    x[:, 0] = eps[:, 0]
    for j in range(1, width):
        rho = np.exp(-np.maximum(tpad[:, j] - tpad[:, j - 1], 0.0) / tau_obs)
        x[:, j] = rho * x[:, j - 1] + np.sqrt(1.0 - rho**2) * eps[:, j]
    return x[ep.obj, pos]


def _draw_agn(rng: np.random.Generator, n: int, z_hi: float) -> dict:
    q = {"z": _sample_z(rng, n, "agn", _AGN_Z[0], z_hi)}
    q["M"] = rng.normal(-22.0, 1.5, n)
    q["tau"] = np.exp(rng.uniform(math.log(100.0), math.log(500.0), n))
    q["sf0"] = 0.2 * np.exp(rng.normal(0.0, 0.35, n))
    return q


def _agn_flux(rng, q, ep: _Epochs, sv: _Survey, lam_b, mwebv, n):
    o = ep.obj
    z = q["z"][o]
    lam = lam_b[ep.band] / (1.0 + z)
    a_mw = np.asarray(sv.extinction)[ep.band] * mwebv[o]
    median = (10.0 ** (-0.4 * (q["M"][o] + q["distmod"][o] - 27.5 + a_mw)) * (1.0 + z)
              * (lam / _LAM_REF) ** 0.44)
    sigma = q["sf0"][o] * (lam / 4000.0) ** -0.479 / math.sqrt(2.0)
    x = _drw(rng, ep, q["tau"] * (1.0 + q["z"]), n)
    total = median * 10.0 ** (-0.4 * sigma * x)
    template = median * np.exp(0.5 * (_LN10_04 * sigma) ** 2)
    return total - template, total


def _draw_periodic(rng: np.random.Generator, n: int) -> dict:
    q: dict[str, np.ndarray] = {}
    rr = rng.random(n) < 0.5
    rrab = rr & (rng.random(n) < 0.7)
    rrc = rr & ~rrab
    q["rr"] = rr
    period = np.where(
        rrab,
        np.clip(rng.normal(0.57, 0.08, n), 0.4, 0.9),
        np.where(rrc, np.clip(rng.normal(0.32, 0.04, n), 0.25, 0.45),
                 np.exp(rng.uniform(math.log(0.5), math.log(10.0), n))),
    )
    q["period"] = period
    q["t_ref"] = rng.uniform(0.0, 1.0, n) * period
    q["amp_g"] = np.where(rrab, rng.uniform(0.5, 1.1, n), rng.uniform(0.25, 0.5, n))
    q["rise"] = np.where(rrab, rng.uniform(0.1, 0.2, n), rng.uniform(0.35, 0.45, n))
    q["kappa"] = np.where(rrab, 1.5, 1.0)
    dist_pc = np.exp(rng.uniform(math.log(8.0e3), math.log(1.2e5), n))
    m_rr = 0.6 + 5.0 * np.log10(dist_pc / 10.0)
    # EB magnitudes: p(m) ~ 10^(0.25 m) on [16, 23.5]
    lo, hi, k = 16.0, 23.5, 0.25 * math.log(10.0)
    uu = rng.random(n)
    m_eb = np.log(np.exp(k * lo) + uu * (np.exp(k * hi) - np.exp(k * lo))) / k
    q["m_ref"] = np.where(rr, m_rr, m_eb)
    q["T1"] = np.where(rr, rng.uniform(6000.0, 7200.0, n), rng.uniform(4500.0, 10000.0, n))
    q["T2"] = q["T1"] * rng.uniform(0.5, 1.0, n)
    q["rho"] = rng.uniform(0.4, 1.0, n)
    q["cover"] = rng.uniform(0.1, 1.0, n)
    q["width"] = np.clip(0.054 * np.exp(rng.normal(0.0, 0.3, n)) * period ** (-2.0 / 3.0),
                         0.005, 0.25)
    q["ell"] = np.clip(0.1 * (q["width"] / 0.08) ** 3, 0.0, 0.15)
    return q


_LAM_STAR_REF = 6223.0


def _periodic_rel(q: dict, phase: np.ndarray, lam: np.ndarray, o: np.ndarray) -> np.ndarray:
    """Flux relative to the maximum-light (EB) or mean-magnitude (RR) flux."""
    rr = q["rr"][o]
    # RR Lyrae sawtooth in magnitude
    r, kap = q["rise"][o], q["kappa"][o]
    bright = np.where(phase < r, phase / r, np.clip(1.0 - (phase - r) / (1.0 - r), 0.0, 1.0)
                      ** kap)
    amp = q["amp_g"][o] * np.minimum((lam / 4827.0) ** -1.0, 1.2)
    rel_rr = 10.0 ** (-0.4 * amp * (0.5 - bright))
    # eclipsing binary from the two stars' blackbody light
    t1, t2, rho = q["T1"][o], q["T2"][o], q["rho"][o]
    l1 = _bb_ratio(lam, t1, _LAM_STAR_REF)
    l2 = rho**2 * _bb_ratio(lam, t2, _LAM_STAR_REF) * (
        np.expm1(_HC_K / (_LAM_STAR_REF * t1)) / np.expm1(_HC_K / (_LAM_STAR_REF * t2))
    )
    q1 = l1 / (l1 + l2)
    w = q["width"][o]
    d_prim = np.minimum(phase, 1.0 - phase)
    d_sec = np.abs(phase - 0.5)
    prof_p = np.clip(1.0 - (d_prim / w) ** 2, 0.0, None) ** 0.6
    prof_s = np.clip(1.0 - (d_sec / w) ** 2, 0.0, None) ** 0.6
    cov = q["cover"][o]
    ell = q["ell"][o] * 0.5 * (1.0 - np.cos(4.0 * np.pi * phase))
    rel_eb = (1.0 - cov * rho**2 * q1 * prof_p - cov * (1.0 - q1) * prof_s) * (1.0 - ell)
    return np.where(rr, rel_rr, rel_eb)


def _periodic_flux(q: dict, ep: _Epochs, sv: _Survey, lam_b, mwebv, n):
    o = ep.obj
    lam = lam_b[ep.band]
    a_mw = np.asarray(sv.extinction)[ep.band] * mwebv[o]
    # colour of the combined light of the two stars (of the single star for RR Lyrae)
    l2w = np.where(q["rr"], 0.0, q["rho"] ** 2)[o]
    t1, t2 = q["T1"][o], q["T2"][o]
    sed = 1.0 / np.expm1(_HC_K / (lam * t1)) + l2w / np.expm1(_HC_K / (lam * t2))
    sed_ref = (1.0 / np.expm1(_HC_K / (_LAM_STAR_REF * t1))
               + l2w / np.expm1(_HC_K / (_LAM_STAR_REF * t2)))
    colour = (_LAM_STAR_REF / lam) ** 3 * sed / sed_ref
    base = 10.0 ** (-0.4 * (q["m_ref"][o] - 27.5 + a_mw)) * colour
    phase = ((ep.time - q["t_ref"][o]) / q["period"][o]) % 1.0
    total = base * _periodic_rel(q, phase, lam, o)
    # template: mean over a phase grid, per object and band
    nb = lam_b.size
    grid = (np.arange(32) + 0.5) / 32.0
    oo = np.repeat(np.arange(n), nb * 32)
    bb = np.tile(np.repeat(np.arange(nb), 32), n)
    ph = np.tile(grid, n * nb)
    mean_rel = _periodic_rel(q, ph, lam_b[bb], oo).reshape(n, nb, 32).mean(axis=2)
    template = base * mean_rel[o, ep.band]
    return total - template, total


# ----------------------------------------------------------------------------------------------
# one batch of one class
# ----------------------------------------------------------------------------------------------
@dataclass
class _Batch:
    meta: dict[str, np.ndarray]
    ep: _Epochs
    flux: np.ndarray
    flux_err: np.ndarray
    flux_true: np.ndarray
    keep: np.ndarray  # per object


def _photoz(rng: np.random.Generator, z: np.ndarray, agn: bool) -> tuple[np.ndarray, np.ndarray]:
    n = z.size
    s0 = rng.uniform(0.05, 0.10, n) if agn else rng.uniform(0.02, 0.06, n)
    z_ph = z + s0 * (1.0 + z) * rng.standard_normal(n)
    outlier = rng.random(n) < (0.15 if agn else 0.05)
    z_ph = np.where(outlier, rng.uniform(*_PHOTOZ_OUTLIER_RANGE, n), z_ph)
    z_ph = np.maximum(z_ph, 0.005)
    return z_ph, s0 * (1.0 + z_ph)


def _simulate_batch(
    rng: np.random.Generator,
    cls: str,
    n: int,
    sv: _Survey,
    cfg: dict,
) -> _Batch:
    ra, dec, depth_off = _sky_positions(rng, sv, n)
    mwebv = rng.exponential(0.03, n)
    n_nights = cfg["n_nights"]
    lam_b = np.asarray(sv.wavelength)
    peak_time = np.full(n, np.nan)
    absmag = np.full(n, np.nan)
    if cls in _MODELS:
        q = _draw_transients(rng, cls, n, min(_MODELS[cls].z_max, cfg["z_max"]))
        q["distmod"] = _distmod(q["z"])
        peak_time = rng.uniform(sv.start_mjd - _PEAK_MARGIN,
                                sv.start_mjd + n_nights + _PEAK_MARGIN, n)
        if cfg["min_detections"] > 0:
            ok = _can_be_detected(q, sv, peak_time, mwebv, depth_off)
            q = {k: v[ok] for k, v in q.items()}
            ra, dec, depth_off, mwebv, peak_time = (a[ok] for a in
                                                    (ra, dec, depth_off, mwebv, peak_time))
            n = int(ok.sum())
        ep = _cadence(rng, sv, ra, depth_off, n_nights, cfg["cadence"], cfg["weather"])
        diff, total = _transient_flux(q, ep, sv, lam_b, peak_time, mwebv)
        z, dm, absmag = q["z"], q["distmod"], q["M"]
    elif cls == "AGN":
        ep = _cadence(rng, sv, ra, depth_off, n_nights, cfg["cadence"], cfg["weather"])
        q = _draw_agn(rng, n, min(_AGN_Z[1], max(cfg["z_max"], _AGN_Z[0] + 0.01)))
        q["distmod"] = _distmod(q["z"])
        diff, total = _agn_flux(rng, q, ep, sv, lam_b, mwebv, n)
        z, dm = q["z"], q["distmod"]
    else:
        ep = _cadence(rng, sv, ra, depth_off, n_nights, cfg["cadence"], cfg["weather"])
        q = _draw_periodic(rng, n)
        diff, total = _periodic_flux(q, ep, sv, lam_b, mwebv, n)
        z, dm = np.zeros(n), np.full(n, np.nan)
    true_flux = diff if cfg["flux_kind"] == "difference" else total
    sig_sky = 10.0 ** (-0.4 * (ep.m5 - 27.5)) / 5.0
    f_sky = 10.0 ** (-0.4 * (np.asarray(sv.sky_aperture)[ep.band] - 27.5))
    src = np.maximum(total, 0.0)
    err = np.sqrt(sig_sky**2 * (1.0 + src / f_sky) + (_CAL_FLOOR * src) ** 2)
    flux = true_flux + err * rng.standard_normal(err.size)
    n_det = np.bincount(ep.obj, weights=(flux >= 5.0 * err).astype(float), minlength=n)
    keep = n_det >= cfg["min_detections"]
    if cls in GALACTIC_CLASSES:
        z_ph, z_err = np.zeros(n), np.zeros(n)
    else:
        z_ph, z_err = _photoz(rng, z, agn=cls == "AGN")
    meta = {
        "redshift": z_ph,
        "redshift_err": z_err,
        "true_redshift": z,
        "mwebv": mwebv,
        "peak_time": peak_time,
        "ra": ra,
        "dec": dec,
        "distmod": dm,
        "peak_absmag": absmag,
    }
    return _Batch(meta=meta, ep=ep, flux=flux, flux_err=err, flux_true=true_flux, keep=keep)


def _subset(batch: _Batch, take: np.ndarray) -> _Batch:
    """Objects ``take`` (sorted local indices) of a batch, re-indexed 0..len(take)-1."""
    n = batch.keep.size
    new_index = np.full(n, -1, dtype=np.int64)
    new_index[take] = np.arange(take.size)
    rows = new_index[batch.ep.obj] >= 0
    ep = _Epochs(obj=new_index[batch.ep.obj[rows]], time=batch.ep.time[rows],
                 band=batch.ep.band[rows], m5=batch.ep.m5[rows])
    meta = {k: v[take] for k, v in batch.meta.items()}
    return _Batch(meta=meta, ep=ep, flux=batch.flux[rows], flux_err=batch.flux_err[rows],
                  flux_true=batch.flux_true[rows], keep=batch.keep[take])


def _simulate_class(cls: str, n: int, sv: _Survey, cfg: dict, seed: int) -> list[_Batch]:
    rng = np.random.default_rng(np.random.SeedSequence([seed, TRANSIENT_CLASSES.index(cls)]))
    out: list[_Batch] = []
    need = n
    rate = 0.5
    for _ in range(60):
        if need <= 0:
            break
        size = int(min(max(need / rate * 1.15 + 16, 32), 20_000))
        batch = _simulate_batch(rng, cls, size, sv, cfg)
        idx = np.flatnonzero(batch.keep)
        rate = max(idx.size / size, 0.01)
        if idx.size:
            take = idx[:need]
            out.append(_subset(batch, take))
            need -= take.size
    if need > 0:
        raise AstrolearnInputError(
            f"could not find {n} {cls} objects with >= {cfg['min_detections']} detections "
            f"(found {n - need})",
            column="min_detections",
            fix="lower min_detections or z_max, or lengthen the survey (years)",
        )
    return out


# ----------------------------------------------------------------------------------------------
# public API
# ----------------------------------------------------------------------------------------------
def _check_counts(
    n_per_class: int | Mapping[str, int], classes: Sequence[str] | None
) -> dict[str, int]:
    def as_count(value: object, name: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise AstrolearnInputError(
                f"the number of objects for {name} must be an integer, got {value!r}",
                column="n_per_class", fix="give a whole number such as 100")
        if value < 0:
            raise AstrolearnInputError(
                f"the number of objects for {name} is negative ({value})",
                column="n_per_class", fix="give a count >= 0")
        return int(value)

    if classes is not None:
        if isinstance(classes, str) or not isinstance(classes, Sequence):
            raise AstrolearnInputError(
                f"classes must be a sequence of class names, got {classes!r}",
                column="classes", fix=f"e.g. classes=['SNIa', 'SNII-P'] from {TRANSIENT_CLASSES}")
        names = list(classes)
        if not names:
            raise AstrolearnInputError("no classes given", column="classes",
                                       fix=f"name at least one of {TRANSIENT_CLASSES}")
    if isinstance(n_per_class, Mapping):
        if classes is not None:
            raise AstrolearnInputError(
                "classes and a per-class mapping n_per_class were both given",
                column="classes", fix="give the classes as the keys of n_per_class only")
        names = list(n_per_class)
        counts = {str(k): as_count(v, str(k)) for k, v in n_per_class.items()}
    else:
        names = list(TRANSIENT_CLASSES) if classes is None else names
        c = as_count(n_per_class, "every class")
        counts = {k: c for k in names}
    unknown = [k for k in names if k not in TRANSIENT_CLASSES]
    if unknown:
        raise AstrolearnInputError(
            f"unknown class name(s) {unknown!r}",
            column="classes" if not isinstance(n_per_class, Mapping) else "n_per_class",
            fix=f"use names from {list(TRANSIENT_CLASSES)} (case-sensitive)")
    if len(set(names)) != len(names):
        raise AstrolearnInputError(f"class names repeat: {names!r}", column="classes",
                                   fix="name each class once")
    if sum(counts.values()) < 1:
        raise AstrolearnInputError("no objects requested", column="n_per_class",
                                   fix="ask for at least one object, e.g. n_per_class=100")
    return counts


def simulate_transients(
    n_per_class: int | Mapping[str, int] = 100,
    *,
    classes: Sequence[str] | None = None,
    survey: str = "lsst",
    seed: int = 0,
    z_max: float | None = None,
    years: float = 3.0,
    cadence_days: float | None = None,
    min_detections: int = 2,
    flux_kind: str = "difference",
    truth: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate multi-band light curves of transients and variables, with their metadata.

    The physics (light-curve shapes, SEDs, rates, cadence, noise, dust, photometric redshifts)
    and the literature behind every number are described in the module docstring of
    :mod:`astrolearn.datasets.transient_sim`.

    Parameters
    ----------
    n_per_class : int or mapping of str to int, default 100
        Objects per class after the detection cut, or a mapping ``{class: count}`` (its keys
        are then the classes).
    classes : sequence of str, optional
        Classes to simulate, among :data:`TRANSIENT_CLASSES` (default: all of them).
    survey : {"lsst", "des"}, default "lsst"
        Cadence, bands (``ugrizy`` or ``griz``), depths and Milky-Way extinction coefficients.
    seed : int, default 0
        Seed; the same seed gives the same tables.
    z_max : float, optional
        Upper limit of the true redshift of every extragalactic class (each class also has
        its own limit, see the module docstring); must exceed 0.01.
    years : float, default 3.0
        Survey duration in years (0.5-10).
    cadence_days : float, optional
        Mean interval in days between nights on which an object is observed (default 5 for
        ``"lsst"``, 7 for ``"des"``).
    min_detections : int, default 2
        Objects with fewer detections (``flux / flux_err >= 5``) are rejected and replaced.
    flux_kind : {"difference", "total"}, default "difference"
        Difference-imaging fluxes (PLAsTiCC convention: AGN and variable stars swing around
        zero) or total fluxes for AGN and stars.
    truth : bool, default False
        Add truth columns for tests: ``flux_true`` (noise-free flux) to the light curves and
        ``distmod``, ``peak_absmag`` (drawn rest-frame B peak absolute AB magnitude of the
        explosive transients) to the metadata. Never use them as features.

    Returns
    -------
    lightcurves : pandas.DataFrame
        One row per observation: ``object_id`` (int64), ``time`` (MJD), ``band`` (str),
        ``flux`` (FLUXCAL, zero point 27.5), ``flux_err``, ``detected`` (bool), sorted by
        ``object_id`` and ``time``.
    metadata : pandas.DataFrame
        One row per object, sorted by ``object_id``: ``object_id``, ``label``, ``redshift``
        (host photo-z; 0 for Galactic objects), ``redshift_err``, ``true_redshift``,
        ``mwebv``, ``peak_time`` (truth, NaN for AGN and stars; never a feature), ``ra``,
        ``dec``. Object ids are a random permutation, so they carry no class information.

    Raises
    ------
    astrolearn.errors.AstrolearnInputError
        For unknown classes or survey, negative or non-integer counts, ``z_max <= 0.01``,
        an out-of-range ``years``, ``cadence_days`` or ``min_detections``, or a class that
        cannot reach its count under the detection cut.

    Examples
    --------
    >>> lc, meta = simulate_transients(5, classes=["SNIa", "AGN"], seed=1)
    >>> sorted(meta["label"].value_counts().items())
    [('AGN', 5), ('SNIa', 5)]
    >>> list(lc.columns)
    ['object_id', 'time', 'band', 'flux', 'flux_err', 'detected']
    >>> bool((lc.groupby("object_id")["detected"].sum() >= 2).all())
    True
    """
    counts = _check_counts(n_per_class, classes)
    if not isinstance(survey, str) or survey.lower() not in _SURVEY_TABLE:
        raise AstrolearnInputError(f"unknown survey {survey!r}", column="survey",
                                   fix=f"use one of {list(SURVEYS)}")
    sv = _SURVEY_TABLE[survey.lower()]
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise AstrolearnInputError(f"seed must be an integer >= 0, got {seed!r}", column="seed",
                                   fix="give e.g. seed=0")
    if z_max is not None and not (isinstance(z_max, int | float) and math.isfinite(z_max)
                                  and _Z_MIN < z_max <= 4.0):
        raise AstrolearnInputError(f"z_max must lie in (0.01, 4], got {z_max!r}",
                                   column="z_max", fix="give e.g. z_max=0.5, or None")
    if not (isinstance(years, int | float) and 0.5 <= years <= 10.0):
        raise AstrolearnInputError(f"years must lie in [0.5, 10], got {years!r}",
                                   column="years", fix="give e.g. years=3")
    cadence = sv.cadence_days if cadence_days is None else cadence_days
    if not (isinstance(cadence, int | float) and 1.0 <= cadence <= 60.0):
        raise AstrolearnInputError(f"cadence_days must lie in [1, 60], got {cadence_days!r}",
                                   column="cadence_days", fix="give e.g. cadence_days=3")
    if isinstance(min_detections, bool) or not isinstance(min_detections, int | np.integer) \
            or not 0 <= min_detections <= 50:
        raise AstrolearnInputError(
            f"min_detections must be an integer in [0, 50], got {min_detections!r}",
            column="min_detections", fix="give e.g. min_detections=2")
    if flux_kind not in ("difference", "total"):
        raise AstrolearnInputError(f"unknown flux_kind {flux_kind!r}", column="flux_kind",
                                   fix="use 'difference' (PLAsTiCC) or 'total'")
    n_nights = round(years * 365.25)
    cfg = {
        "n_nights": n_nights,
        "cadence": float(cadence),
        "weather": _weather(int(seed), n_nights),
        "z_max": 4.0 if z_max is None else float(z_max),
        "min_detections": int(min_detections),
        "flux_kind": flux_kind,
    }
    parts: list[tuple[str, _Batch]] = []
    for cls, n in counts.items():
        if n > 0:
            parts.extend((cls, b) for b in _simulate_class(cls, n, sv, cfg, int(seed)))
    sizes = np.array([b.keep.size for _, b in parts])
    total = int(sizes.sum())
    id_rng = np.random.default_rng(np.random.SeedSequence([int(seed), 104729]))
    ids = id_rng.permutation(total).astype(np.int64)
    offsets = np.cumsum(sizes) - sizes
    pairs = list(zip(offsets, parts, strict=True))
    obj_id = np.concatenate([ids[off + b.ep.obj] for off, (_, b) in pairs])
    time = np.concatenate([b.ep.time for _, b in parts])
    band_idx = np.concatenate([b.ep.band for _, b in parts])
    flux = np.concatenate([b.flux for _, b in parts])
    flux_err = np.concatenate([b.flux_err for _, b in parts])
    order = np.lexsort((time, obj_id))
    lc = pd.DataFrame({
        "object_id": obj_id[order],
        "time": time[order],
        "band": np.asarray(sv.bands, dtype=object)[band_idx[order]],
        "flux": flux[order],
        "flux_err": flux_err[order],
        "detected": (flux >= 5.0 * flux_err)[order],
    })
    if truth:
        lc["flux_true"] = np.concatenate([b.flux_true for _, b in parts])[order]
    cols = ["redshift", "redshift_err", "true_redshift", "mwebv", "peak_time", "ra", "dec"]
    if truth:
        cols += ["distmod", "peak_absmag"]
    meta = pd.DataFrame({
        "object_id": np.concatenate([ids[off:off + b.keep.size] for off, (_, b) in pairs]),
        "label": np.concatenate([np.full(b.keep.size, cls, dtype=object) for cls, b in parts]),
        **{c: np.concatenate([b.meta[c] for _, b in parts]).astype(float) for c in cols},
    })
    meta = meta.sort_values("object_id", kind="stable").reset_index(drop=True)
    return lc, meta
