"""Seeded simulator of photometric catalogs of stars, galaxies and quasars.

:func:`simulate_catalog` returns a table shaped like an SDSS (or LSST) photometric catalog
with spectroscopic truth: positions, Milky-Way E(B-V), one magnitude and one error column per
band, the class (``STAR``, ``GALAXY``, ``QSO``) and the true redshift. It is the offline default
data of the catalog tasks (source classification, photometric redshifts), so its colours have to
carry the same information and the same confusions as real photometry: the stellar locus, the
red sequence moving through the filters with redshift, the quasar UV excess, the quasar/star
crossing near z ~ 2.7, the u-band dropout of z > 3 quasars, noise that grows towards the depth,
non-detections and non-observations.

Why it is written by hand
-------------------------
No PyPI package we know of ships a fast, offline simulator of all three classes in broad-band
photometry. ``speclite`` and ``synphot`` provide filters and synthetic photometry but no
populations; ``skypy`` and ``kcorrect`` model galaxies only and need downloaded templates;
``simqso`` models quasars only and needs data files; ``fsps`` needs a Fortran build and stellar
libraries; LSST CatSim/OpSim need large databases. Each of those covers one class or needs data
outside the wheel, and none runs 10^7 rows in seconds. The physics below is deliberately simple
(a few analytic templates and tabulated loci) and every ingredient is taken from the literature
named with it.

The model
---------
**Classes.** Default fractions GALAXY 0.59, STAR 0.22, QSO 0.19 are those of the SDSS DR17
spectroscopic "Stellar Classification Dataset" (Abdurro'uf et al. 2022; fedesoriano 2022), a
sample dominated by BOSS/eBOSS targets (Dawson et al. 2013, 2016). Each row draws its class
independently with these probabilities.

**Sky and Milky-Way dust.** Positions are uniform on the sphere inside ``sky`` (RA range, Dec
range). Galactic latitude b comes from astropy's ICRS -> Galactic rotation. Stars are thinned
with weight csc|b| (star counts of a plane-parallel disc, Bahcall & Soneira 1980; Juric et al.
2008), capped at |b| = 10 deg. E(B-V) follows the cosecant law of a dust slab,
``0.022 csc|b|`` mag (capped at |b| = 2 deg), times a lognormal cirrus factor
(sigma_ln = 0.5), which gives a median near 0.03 mag in the default SDSS north-cap box, like the
Schlegel,
Finkbeiner & Davis (1998) map there. Every band is reddened by ``A_b = R_b E(B-V)`` with the
Schlafly & Finkbeiner (2011, Table 6, R_V = 3.1) coefficients (:data:`SDSS_EXTINCTION`,
:data:`LSST_EXTINCTION`); stars get the full column (at r > 14 almost all lie behind the dust
layer at these latitudes).

**Stars.** Colours lie along a median SDSS stellar locus, tabulated as u-g, g-r, r-i, i-z
against the position g-i from -0.3 (A/BHB) to 3.4 (M5), in the manner of Covey et al. (2007,
Table 3) and Ivezic et al. (2008). g-r, r-i and i-z follow Covey's main sequence; u-g follows
the binned medians of bright (14.5 < r < 19.5) DR17 spectroscopic stars, which at g-i < 1 are
up to ~0.3 mag bluer than Covey's solar-metallicity dwarfs because faint SDSS samples are
dominated by metal-poor thick-disc and halo turn-off stars (Ivezic et al. 2008). In bins of
g-i along the main sequence, simulated and DR17 medians agree within ~0.05 mag in every
colour. The position g-i is drawn from the
quantiles of that DR17 star sample. Intrinsic scatter: 0.025-0.03 mag in g-r, r-i, i-z and
0.10 mag in u-g (the metallicity spread). 3 % of stars are DA white dwarfs on a cooling
sequence from 50,000 K to 6,500 K (SDSS colours approximating Holberg & Bergeron 2006 and the
DR4 white-dwarf catalogue of Eisenstein et al. 2006); hot ones sit next to low-z quasars in
u-g, as in real data. Radial velocities are Gaussian with sigma 120 km/s, stored as
``redshift = v/c``. For LSST bands the SDSS AB magnitudes of a star are interpolated (and for
y extrapolated) linearly in log wavelength to the LSST effective wavelengths, which ignores
colour terms of a few hundredths of a magnitude.

**Filters and synthetic photometry.** Each filter is a Gaussian with the SDSS effective
wavelengths (Doi et al. 2010: u 3551, g 4686, r 6166, i 7480, z 8932 A) and the FWHM of
Fukugita et al. (1996), or the LSST ones (Ivezic et al. 2019). AB magnitudes of an SED are
``-2.5 log10( int f_nu T dlnlambda / int T dlnlambda )``; SEDs live on a log-spaced rest grid
(400-13,000 A) so that redshifting is a shift. Band fluxes of each template are computed once
on a redshift grid (dz = 0.004, 0 <= z <= 5) and linearly interpolated per object; because
synthetic photometry is linear in the SED, mixtures of templates are exact sums of the tabled
fluxes. Lyman-series absorption of the intergalactic medium follows Madau (1995); flux below
the 912 A Lyman limit is set to zero.

**Galaxies.** Two continua, normalised at 5,500 A rest: an old population (a tabulated
f_lambda with a D4000 ~ 2 break at 4,000 A and the UV fall-off of an elliptical, shaped after
the Coleman, Wu & Weedman 1980 E template and Balogh et al. 1999, tuned so that its track
follows the DR17 red sequence and LRG colours up to z ~ 0.7) and a star-forming one
(f_lambda ~ lambda^-1.3 with a weak Balmer break). A galaxy is ``(1 - w) old + w SF`` plus
emission lines scaled with w: [OII] 3727, H-beta, [OIII] 4959/5007, H-alpha + [NII], [SII]
with rest equivalent widths of star-forming galaxies (Kennicutt 1992) times a lognormal factor
(sigma 0.4 dex). Red galaxies have w < 0.06 and blue ones 0.15 < w < 1; blue ones get
Calzetti et al. (2000) internal dust, E(B-V) exponential with mean 0.1 mag. Spectroscopic
targets are chosen differently at different magnitudes (Main Galaxy Sample at r < 17.8,
Strauss et al. 2002; luminous red LRG/CMASS galaxies at 18-21, Eisenstein et al. 2001, Dawson
et al. 2013; blue eBOSS ELGs at the faint end, Raichoor et al. 2017), so the red fraction is a
smooth function of r (0.5 at r < 17.5, 0.85 at 18.5-21.2, 0.25 at 22.5) and so is the mean
absolute magnitude (red: M_r = -21.3 - 0.5 clip(r - 17, 0, 3.2), sigma 0.45; blue:
M_r = -20.7 - 0.25 clip(r - 17, 0, 5), sigma 0.9; h = 0.7). The redshift then solves
``r = M_r + DM(z) + K_r(z)`` with the template's own K-correction (Hogg et al. 2002) and a flat
LambdaCDM distance modulus (astropy, H0 = 70, Om0 = 0.3), limited to 0.005 < z < 1.4. This gives
both the joint magnitude-redshift relation and an n(z) like the DR17 (BOSS-era) sample: a
Main-Galaxy-Sample peak at z ~ 0.1, a CMASS peak at z ~ 0.5, most galaxies at 0.05-0.8 and a
tail to z ~ 1.3. A 0.03 mag per-band scatter stands for template variety.

**Quasars.** A power law f_nu ~ nu^alpha, alpha ~ N(-0.45, 0.3) (the composite slope -0.44 of
Vanden Berk et al. 2001 with an object-to-object scatter of a few tenths, Richards et al.
2001), broad lines with the
rest equivalent widths of the Vanden Berk et al. (2001) composite (Ly-alpha + NV, SiIV, CIV,
CIII], MgII, H-gamma, H-beta, [OIII], H-alpha), a small blue bump of FeII + Balmer continuum
around 3,000 A, a lognormal line-strength factor (sigma 0.2 dex, Baldwin effect and object
scatter), SMC-like reddening (Prevot et al. 1984; Richards et al. 2003) with E(B-V)
exponential of mean 0.03 mag, and host-galaxy light (old template) adding up to 50 % of the
r flux below z ~ 1 (Vanden Berk et al. 2006). Redshifts follow a two-component model of
BOSS/eBOSS quasars (Ross et al. 2012; Myers et al. 2015): 70 % ~ N(1.4, 0.6), 30 % ~
N(2.4, 0.65), truncated to 0.3-4.5, i.e. a peak near z ~ 1.5 and a median near 1.6 like DR17.
The Ly-alpha forest and Lyman
limit make u drop out above z ~ 3, and the line passages make the colour-redshift tracks
degenerate (Richards et al. 2001), as in real data.

**Apparent magnitudes.** The dust-free r magnitude of each class is drawn from
``p(r) ~ 10^(k r)`` between limits, rising towards the faint end with medians close to DR17:
stars 14-22 (k = 0.057, median 19.0), galaxies 15-22.5 (k = 0.092, median 20.1), quasars
17-22.5 (k = 0.142, median 20.85). Other bands follow from the colours.

**Errors, non-detections, non-observations.** Fluxes in nanomaggies; sky-limited noise with
``sigma_f = f(depth) / 5`` (5 sigma at the depth; defaults are the SDSS 95 % point-source
completeness limits of Abazajian et al. 2009, u 22.0, g 22.2, r 22.2, i 21.3, z 20.5, used as
5-sigma depths, or the LSST 10-year depths of Ivezic et al. 2019) added in quadrature to a
calibration floor (0.02 mag in u and z or y, 0.01 mag elsewhere). Observed flux = true flux +
Gaussian noise, magnitude error = 1.0857 / SNR. Where the observed SNR < 1 (including
flux <= 0) the band is a non-detection: magnitude and error are both ``nondetection_value``
(99). A random ``missing_fraction`` of band measurements is not observed at all: magnitude and
error are both ``missing_value`` (-99).
These sentinels are on purpose: downstream code must handle them explicitly.

Everything is vectorised numpy; one ``numpy.random.default_rng(seed)`` drives every draw, so a
seed gives the same table (bit for bit with the same numpy on the same platform). The
synthetic-photometry tables are built once per process (1-2 s, half of it the astropy
cosmology import). Measured on a shared 2-core AMD EPYC virtual machine: 10^6 rows in 0.9-1.6 s,
10^7 rows in about 17 s with a peak memory of about 3.2 GB (the numpy code is single-threaded).
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

__all__ = [
    "CLASSES",
    "DEFAULT_CLASS_FRACTIONS",
    "LSST_DEPTH",
    "LSST_EXTINCTION",
    "SDSS_DEPTH",
    "SDSS_EXTINCTION",
    "simulate_catalog",
]

CLASSES: tuple[str, ...] = ("STAR", "GALAXY", "QSO")
"""Class labels, in the order used internally."""

DEFAULT_CLASS_FRACTIONS: dict[str, float] = {"GALAXY": 0.59, "STAR": 0.22, "QSO": 0.19}
"""Class fractions of the SDSS DR17 spectroscopic sample (59.4 %, 21.6 %, 19.0 %), rounded."""

SDSS_EXTINCTION: dict[str, float] = EXTINCTION_COEFFICIENTS["sdss"]
"""A_b / E(B-V) for SDSS, Schlafly & Finkbeiner (2011) Table 6, R_V = 3.1."""

LSST_EXTINCTION: dict[str, float] = EXTINCTION_COEFFICIENTS["lsst"]
"""A_b / E(B-V) for LSST, Schlafly & Finkbeiner (2011) Table 6, R_V = 3.1."""

SDSS_DEPTH: dict[str, float] = {"u": 22.0, "g": 22.2, "r": 22.2, "i": 21.3, "z": 20.5}
"""Default 5-sigma depths (mag) of SDSS imaging (95 % completeness, Abazajian et al. 2009)."""

LSST_DEPTH: dict[str, float] = {"u": 25.6, "g": 26.9, "r": 26.9, "i": 26.4, "z": 25.6, "y": 24.8}
"""Default 5-sigma depths (mag) of the LSST 10-year coadd (Ivezic et al. 2019, Table 1)."""

_ERR_COEF = 2.5 / math.log(10.0)  # 1.0857: magnitude error per unit relative flux error
_C_KMS = 299_792.458


@dataclass(frozen=True)
class _System:
    name: str
    bands: str
    wavelength: tuple[float, ...]  # effective wavelength, Angstrom
    fwhm: tuple[float, ...]  # Angstrom
    extinction: Mapping[str, float]
    depth: Mapping[str, float]
    floor: Mapping[str, float]  # calibration floor, mag


_SDSS = _System(
    name="SDSS",
    bands="ugriz",
    wavelength=(3551.0, 4686.0, 6166.0, 7480.0, 8932.0),
    fwhm=(599.0, 1379.0, 1382.0, 1535.0, 1370.0),
    extinction=SDSS_EXTINCTION,
    depth=SDSS_DEPTH,
    floor={"u": 0.02, "g": 0.01, "r": 0.01, "i": 0.01, "z": 0.02},
)
_LSST = _System(
    name="LSST",
    bands="ugrizy",
    wavelength=(3671.0, 4827.0, 6223.0, 7546.0, 8691.0, 9712.0),
    fwhm=(560.0, 1400.0, 1300.0, 1250.0, 1000.0, 900.0),
    extinction=LSST_EXTINCTION,
    depth=LSST_DEPTH,
    floor={"u": 0.02, "g": 0.01, "r": 0.01, "i": 0.01, "z": 0.01, "y": 0.02},
)

# --------------------------------------------------------------------------------------------
# Stellar loci (SDSS colours).
# Median main-sequence locus against g-i in the manner of Covey et al. (2007, Table 3): g-r,
# r-i, i-z follow Covey's dwarfs, u-g the binned medians of bright DR17 spectroscopic stars
# (bluer at g-i < 1: metal-poor turn-off stars, Ivezic et al. 2008). Rows satisfy
# (g-r) + (r-i) = g-i.  Columns: g-i, u-g, g-r, r-i, i-z.
_STAR_LOCUS = np.array(
    [
        [-0.30, 1.15, -0.17, -0.13, -0.10],
        [-0.10, 1.17, -0.04, -0.06, -0.06],
        [0.10, 1.12, 0.08, 0.02, -0.02],
        [0.30, 0.91, 0.22, 0.08, 0.01],
        [0.50, 0.95, 0.36, 0.14, 0.04],
        [0.70, 1.35, 0.51, 0.19, 0.08],
        [0.90, 1.62, 0.64, 0.26, 0.12],
        [1.10, 1.91, 0.78, 0.32, 0.16],
        [1.30, 2.25, 0.93, 0.37, 0.20],
        [1.50, 2.45, 1.07, 0.43, 0.23],
        [1.70, 2.55, 1.20, 0.50, 0.27],
        [1.90, 2.56, 1.31, 0.59, 0.32],
        [2.10, 2.60, 1.39, 0.71, 0.39],
        [2.30, 2.59, 1.44, 0.86, 0.47],
        [2.50, 2.55, 1.46, 1.04, 0.56],
        [2.70, 2.50, 1.48, 1.22, 0.65],
        [2.90, 2.46, 1.52, 1.38, 0.74],
        [3.10, 2.42, 1.55, 1.55, 0.84],
        [3.40, 2.40, 1.60, 1.80, 0.98],
    ]
)
# Quantiles of g-i for SDSS DR17 spectroscopic stars (14.5 < r < 19.5), rounded.
_STAR_GI_QUANTILES = (
    np.array([0.0, 0.02, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 1.0]),
    np.array([-0.30, -0.15, 0.05, 0.32, 0.45, 0.72, 1.15, 1.95, 2.45, 2.95, 3.40]),
)
# DA white-dwarf cooling sequence (Teff 50,000 K -> 6,500 K): u-g, g-r, r-i, i-z.
_WD_LOCUS = np.array(
    [
        [-0.52, -0.52, -0.38, -0.36],
        [-0.40, -0.45, -0.33, -0.33],
        [-0.22, -0.38, -0.29, -0.30],
        [-0.05, -0.30, -0.25, -0.28],
        [0.10, -0.22, -0.21, -0.25],
        [0.25, -0.12, -0.16, -0.20],
        [0.35, 0.05, -0.05, -0.10],
        [0.55, 0.25, 0.05, -0.02],
    ]
)
_WD_FRACTION = 0.03
_SDSS_LAMBDA = np.array(_SDSS.wavelength)

# --------------------------------------------------------------------------------------------
# Magnitude distributions p(r) ~ 10^(k r) on [lo, hi] (dust-free r).
_R_LAW = {"STAR": (14.0, 22.0, 0.0567), "GALAXY": (15.0, 22.5, 0.0916), "QSO": (17.0, 22.5, 0.1422)}

# Galaxy population.
# Spectroscopic targets are more luminous at fainter r (MGS -> LRG -> CMASS, ELG): the red
# fraction and the mean absolute magnitude of each type are smooth functions of r.
_RED_FRACTION_KNOTS = ((15.0, 17.5, 18.5, 21.2, 22.2, 22.5), (0.5, 0.5, 0.85, 0.85, 0.35, 0.25))
_M_RED = (-21.3, -0.5, 3.2, 0.45)  # M = a + b * clip(r - 17, 0, c), scatter
_M_BLUE = (-20.7, -0.25, 5.0, 0.9)
_GAL_ZMIN, _GAL_ZMAX = 0.005, 1.4
_W_BINS = np.linspace(0.0, 1.0, 11)

# Quasar population.
_QSO_ALPHA = (-0.45, 0.3)
_QSO_Z_MIX = ((0.7, 1.4, 0.6), (0.3, 2.4, 0.65))
_QSO_ZMIN, _QSO_ZMAX = 0.3, 4.5

# Redshift and wavelength grids of the synthetic-photometry tables.
_DZ = 0.004
_Z_GRID = np.arange(0.0, 5.0 + _DZ / 2, _DZ)
_LOG_LAM = np.linspace(np.log(400.0), np.log(13_000.0), 3000)
_LAM = np.exp(_LOG_LAM)
_ALPHA_GRID = np.arange(-2.0, 1.0 + 1e-9, 0.25)


# ============================================================================================
# Templates (rest frame, f_lambda up to a constant, then f_nu ~ f_lambda lambda^2).


def _line_profile(center: float, sigma: float) -> np.ndarray:
    """A Gaussian line on the log grid with unit integral in f_lambda (per Angstrom)."""
    sigma = max(sigma, 1.5 * center * (_LOG_LAM[1] - _LOG_LAM[0]))
    prof = np.exp(-0.5 * ((_LAM - center) / sigma) ** 2)
    dlam = _LAM * (_LOG_LAM[1] - _LOG_LAM[0])
    return prof / np.sum(prof * dlam)


def _smooth_step(lam: np.ndarray, edge: float, width: float) -> np.ndarray:
    """0 blueward of ``edge``, 1 redward, a logistic of ``width`` Angstrom between."""
    return 0.5 * (1.0 + np.tanh((lam - edge) / width))


# Old (elliptical) continuum, f_lambda normalised at 5500 A, interpolated in log-log: a
# D4000 ~ 2 break and the UV fall-off of old populations (shape of the Coleman, Wu & Weedman
# 1980 E template), tuned so that the track runs along the DR17 red sequence / LRG colours.
_OLD_SED = np.array(
    [
        [1000.0, 0.017],
        [2000.0, 0.035],
        [2500.0, 0.052],
        [3000.0, 0.115],
        [3500.0, 0.23],
        [3900.0, 0.315],
        [4050.0, 0.61],
        [4500.0, 0.795],
        [5000.0, 0.93],
        [5500.0, 1.0],
        [6500.0, 1.02],
        [7500.0, 0.98],
        [8500.0, 0.92],
        [10_000.0, 0.82],
        [13_000.0, 0.62],
    ]
)


def _galaxy_templates() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Old continuum, star-forming continuum and its emission lines (f_lambda, 5500 A = 1)."""
    lam = _LAM
    knots = _OLD_SED[:, 0]
    old = np.exp(np.interp(np.log(lam), np.log(knots), np.log(_OLD_SED[:, 1])))

    sf = (lam / 5500.0) ** -1.3
    sf = sf * (0.8 + 0.2 * _smooth_step(lam, 3700.0, 60.0))  # weak Balmer break
    sf = sf / np.interp(5500.0, lam, sf)

    lines = np.zeros_like(lam)
    # rest equivalent widths (Angstrom) typical of star-forming galaxies (Kennicutt 1992)
    for center, ew in (
        (3727.0, 35.0),  # [OII]
        (4861.0, 10.0),  # H-beta
        (4959.0, 6.0),  # [OIII]
        (5007.0, 18.0),  # [OIII]
        (6563.0, 50.0),  # H-alpha
        (6584.0, 15.0),  # [NII]
        (6724.0, 10.0),  # [SII] doublet
    ):
        lines += ew * np.interp(center, lam, sf) * _line_profile(center, 3.0)
    return old, sf, lines


def _qso_templates() -> tuple[np.ndarray, np.ndarray]:
    """Power-law continua and their line + blue-bump spectra, one row per alpha in the grid."""
    lam = _LAM
    cont = np.empty((_ALPHA_GRID.size, lam.size))
    lines = np.zeros_like(cont)
    for k, alpha in enumerate(_ALPHA_GRID):
        # f_nu ~ nu^alpha  ->  f_lambda ~ lambda^(-2 - alpha)
        c = (lam / 5500.0) ** (-2.0 - alpha)
        cont[k] = c
        # Vanden Berk et al. (2001) composite: (center, rest EW in A, FWHM in km/s)
        for center, ew, fwhm in (
            (1216.0, 93.0, 5000.0),  # Ly-alpha + NV
            (1400.0, 8.0, 6000.0),  # SiIV + OIV]
            (1549.0, 24.0, 5000.0),  # CIV
            (1909.0, 21.0, 5500.0),  # CIII]
            (2798.0, 32.0, 4500.0),  # MgII
            (3000.0, 350.0, 110_000.0),  # small blue bump (FeII + Balmer continuum)
            (4340.0, 40.0, 4000.0),  # H-gamma
            (4861.0, 46.0, 4000.0),  # H-beta
            (5007.0, 13.0, 1000.0),  # [OIII]
            (6563.0, 195.0, 4000.0),  # H-alpha
        ):
            sigma = center * fwhm / _C_KMS / 2.3548
            lines[k] += ew * np.interp(center, lam, c) * _line_profile(center, sigma)
    return cont, lines


def _igm_transmission() -> np.ndarray:
    """Madau (1995) mean Lyman-series transmission, shape (n_z, n_lambda); 0 below 912 A."""
    trans = np.ones((_Z_GRID.size, _LAM.size))
    blue = np.flatnonzero(_LAM < 1215.67)  # only the forest region needs work
    log_obs = _LOG_LAM[None, blue] + np.log1p(_Z_GRID)[:, None]
    tau = np.zeros((_Z_GRID.size, blue.size))
    for lam_line, coef in (
        (1215.67, 3.6e-3),
        (1025.72, 1.7e-3),
        (972.54, 1.18e-3),
        (949.74, 9.3e-4),
    ):
        below = _LAM[blue] < lam_line
        tau[:, below] += coef * np.exp(3.46 * (log_obs[:, below] - math.log(lam_line)))
    trans[:, blue] = np.exp(-tau)
    trans[:, _LAM < 912.0] = 0.0
    return trans


@dataclass(frozen=True)
class _Tables:
    """Band fluxes (AB-normalised) of every template on the redshift grid."""

    old: np.ndarray  # (n_z, n_band)
    sf: np.ndarray
    gal_lines: np.ndarray
    qso_cont: np.ndarray  # (n_z, n_alpha, n_band)
    qso_lines: np.ndarray
    dmk: np.ndarray  # (n_w, n_z): distance modulus + r-band K-correction per w bin
    calzetti: np.ndarray  # (n_z, n_band): k(lambda_b / (1 + z)) - k(lambda_r / (1 + z))
    smc: np.ndarray  # (n_z, n_band): the same for the SMC-like law


@lru_cache(maxsize=2)
def _tables(system_name: str) -> _Tables:
    system = _SDSS if system_name == "SDSS" else _LSST
    old, sf, gal_lines = _galaxy_templates()
    qso_cont, qso_lines = _qso_templates()
    to_fnu = _LAM**2
    seds = np.vstack([old, sf, gal_lines, qso_cont, qso_lines]) * to_fnu  # (n_sed, n_lambda)
    igm = _igm_transmission()
    lam_obs = _LAM[None, :] * (1.0 + _Z_GRID[:, None])
    n_band = len(system.bands)
    fluxes = np.empty((_Z_GRID.size, seds.shape[0], n_band))
    for b, (center, fwhm) in enumerate(zip(system.wavelength, system.fwhm, strict=True)):
        sigma = fwhm / 2.3548
        resp = np.exp(-0.5 * ((lam_obs - center) / sigma) ** 2)
        norm = resp.sum(axis=1, keepdims=True)  # int T dln(lambda), same log step
        fluxes[:, :, b] = ((resp * igm) / norm) @ seds.T
    n_a = _ALPHA_GRID.size
    f_old, f_sf = fluxes[:, 0], fluxes[:, 1]
    r = system.bands.index("r")
    lam_rest = np.array(system.wavelength)[None, :] / (1.0 + _Z_GRID[:, None])

    def k_rest(law):  # reddening of each band relative to r, per unit E(B-V), on the z grid
        k = law(lam_rest)
        return k - k[:, r : r + 1]

    tables = _Tables(
        old=f_old,
        sf=f_sf,
        gal_lines=fluxes[:, 2],
        qso_cont=fluxes[:, 3 : 3 + n_a],
        qso_lines=fluxes[:, 3 + n_a : 3 + 2 * n_a],
        dmk=_distance_plus_k(f_old, f_sf, r),
        calzetti=k_rest(_calzetti_k),
        smc=k_rest(_smc_k),
    )
    return tables


def _distance_plus_k(f_old: np.ndarray, f_sf: np.ndarray, r: int) -> np.ndarray:
    """DM(z) + K_r(z) for continuum mixtures on the ``_W_BINS`` grid, forced monotonic in z."""
    from astropy.cosmology import FlatLambdaCDM

    z = np.maximum(_Z_GRID, 1e-4)
    dm = FlatLambdaCDM(H0=70.0, Om0=0.3).distmod(z).value
    out = np.empty((_W_BINS.size, _Z_GRID.size))
    for k, w in enumerate(_W_BINS):
        fr = (1.0 - w) * f_old[:, r] + w * f_sf[:, r]
        kcorr = -2.5 * np.log10((1.0 + _Z_GRID) * fr / fr[0])
        out[k] = np.maximum.accumulate(dm + kcorr)
    return out


# ============================================================================================
# Helpers.


def _interp_index(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pos = np.clip(z / _DZ, 0.0, _Z_GRID.size - 1.000001)
    idx = pos.astype(np.int64)
    return idx, pos - idx


def _lerp(table: np.ndarray, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Linear interpolation of a (n_z, n_band) table at (idx, t): returns (n, n_band)."""
    return table[idx] * (1.0 - t)[:, None] + table[idx + 1] * t[:, None]


def _power_law_mags(rng: np.random.Generator, n: int, law: tuple[float, float, float]):
    lo, hi, k = law
    a, b = 10.0 ** (k * lo), 10.0 ** (k * hi)
    return np.log10(a + rng.random(n) * (b - a)) / k


def _truncnorm(
    rng: np.random.Generator, mean: float, sd: float, lo: float, hi: float, n: int
) -> np.ndarray:
    out = rng.normal(mean, sd, n)
    bad = (out < lo) | (out > hi)
    while bad.any():
        out[bad] = rng.normal(mean, sd, int(bad.sum()))
        bad = (out < lo) | (out > hi)
    return out


def _calzetti_k(lam_aa: np.ndarray) -> np.ndarray:
    """Calzetti et al. (2000) k(lambda) for stellar continua, R_V = 4.05."""
    x = np.clip(lam_aa, 1000.0, 22_000.0) / 1e4
    blue = 2.659 * (-2.156 + 1.509 / x - 0.198 / x**2 + 0.011 / x**3) + 4.05
    red = 2.659 * (-1.857 + 1.040 / x) + 4.05
    return np.where(x < 0.63, blue, red)


def _smc_k(lam_aa: np.ndarray) -> np.ndarray:
    """SMC-like k(lambda) = 1.39 lambda_um^-1.2 (Prevot et al. 1984, Richards et al. 2003)."""
    return 1.39 * (np.clip(lam_aa, 900.0, 30_000.0) / 1e4) ** -1.2


def _sdss_to_system(mags_sdss: np.ndarray, system: _System) -> np.ndarray:
    """Interpolate SDSS AB magnitudes in log wavelength to another system's bands."""
    if system is _SDSS:
        return mags_sdss
    x = np.log(_SDSS_LAMBDA)
    out = np.empty((mags_sdss.shape[0], len(system.bands)))
    for b, lam in enumerate(system.wavelength):
        j = int(np.clip(np.searchsorted(x, np.log(lam)) - 1, 0, x.size - 2))
        t = (np.log(lam) - x[j]) / (x[j + 1] - x[j])  # t > 1 extrapolates (y band)
        out[:, b] = mags_sdss[:, j] * (1.0 - t) + mags_sdss[:, j + 1] * t
    return out


@lru_cache(maxsize=1)
def _galactic_z_row() -> np.ndarray:
    """Third row of the ICRS -> Galactic rotation matrix (gives sin b), from astropy."""
    from astropy.coordinates import ICRS, CartesianRepresentation, Galactic

    basis = ICRS(CartesianRepresentation(np.eye(3)))  # the three ICRS unit vectors
    galactic = basis.transform_to(Galactic()).cartesian.xyz.value  # column k = image of e_k
    return np.asarray(galactic)[2].copy()


def _sin_b(ra: np.ndarray, dec: np.ndarray) -> np.ndarray:
    row = _galactic_z_row()
    ra_r, dec_r = np.radians(ra), np.radians(dec)
    cos_d = np.cos(dec_r)
    return row[0] * cos_d * np.cos(ra_r) + row[1] * cos_d * np.sin(ra_r) + row[2] * np.sin(dec_r)


def _uniform_sky(rng: np.random.Generator, n: int, sky) -> tuple[np.ndarray, np.ndarray]:
    ra_lo, ra_hi, dec_lo, dec_hi = sky
    ra = rng.uniform(ra_lo, ra_hi, n)
    s_lo, s_hi = np.sin(np.radians(dec_lo)), np.sin(np.radians(dec_hi))
    dec = np.degrees(np.arcsin(rng.uniform(s_lo, s_hi, n)))
    return ra, dec


_CSC_CAP_STARS = 1.0 / math.sin(math.radians(10.0))
_CSC_CAP_DUST = 1.0 / math.sin(math.radians(2.0))


def _star_sky(rng: np.random.Generator, n: int, sky) -> tuple[np.ndarray, np.ndarray]:
    """Positions thinned with weight csc|b| (capped at |b| = 10 deg): more stars near the plane."""
    ra = np.empty(n)
    dec = np.empty(n)
    filled = 0
    while filled < n:
        need = n - filled
        cand_ra, cand_dec = _uniform_sky(rng, max(2 * need, 64), sky)
        weight = np.minimum(
            1.0 / np.maximum(np.abs(_sin_b(cand_ra, cand_dec)), 1e-9), _CSC_CAP_STARS
        )
        keep = rng.random(weight.size) * _CSC_CAP_STARS < weight
        take = np.flatnonzero(keep)[:need]
        ra[filled : filled + take.size] = cand_ra[take]
        dec[filled : filled + take.size] = cand_dec[take]
        filled += take.size
    return ra, dec


# ============================================================================================
# Populations: each returns (colours relative to r, shape (n, n_band); redshift).


def _stars(rng: np.random.Generator, n: int, system: _System):
    gi = np.interp(rng.random(n), *_STAR_GI_QUANTILES)
    col = np.empty((n, 4))
    for c in range(4):
        col[:, c] = np.interp(gi, _STAR_LOCUS[:, 0], _STAR_LOCUS[:, c + 1])
    col += rng.normal(0.0, 1.0, (n, 4)) * np.array([0.10, 0.025, 0.025, 0.03])
    is_wd = rng.random(n) < _WD_FRACTION
    n_wd = int(is_wd.sum())
    if n_wd:
        pos = rng.beta(2.0, 2.0, n_wd) * (_WD_LOCUS.shape[0] - 1)
        grid = np.arange(_WD_LOCUS.shape[0])
        wd = np.column_stack([np.interp(pos, grid, _WD_LOCUS[:, c]) for c in range(4)])
        col[is_wd] = wd + rng.normal(0.0, 0.03, (n_wd, 4))
    ug, gr, ri, iz = col.T
    rel = np.column_stack([ug + gr, gr, np.zeros(n), -ri, -ri - iz])  # u g r i z minus r
    rel = _sdss_to_system(rel, system)
    redshift = rng.normal(0.0, 120.0, n) / _C_KMS
    return rel, redshift


def _galaxies(rng: np.random.Generator, r_mag: np.ndarray, system: _System):
    n = r_mag.size
    tab = _tables(system.name)
    r = system.bands.index("r")
    red = rng.random(n) < np.interp(r_mag, *_RED_FRACTION_KNOTS)
    w = np.where(red, rng.uniform(0.0, 0.06, n), rng.uniform(0.15, 1.0, n))
    a, b, c, sd = np.where(red[None, :], np.array(_M_RED)[:, None], np.array(_M_BLUE)[:, None])
    m_mean = a + b * np.clip(r_mag - 17.0, 0.0, c)
    w_bin = np.rint(w * (_W_BINS.size - 1)).astype(np.int64)
    # z from r = M + DM(z) + K(z): redraw M where the solution falls outside the z range.
    z = np.empty(n)
    todo = np.arange(n)
    for _ in range(30):
        mu = r_mag[todo] - (m_mean[todo] + sd[todo] * rng.standard_normal(todo.size))
        z_try = np.full(todo.size, np.nan)
        for k in np.unique(w_bin[todo]):
            sel = w_bin[todo] == k
            z_try[sel] = np.interp(mu[sel], tab.dmk[k], _Z_GRID, left=np.nan, right=np.nan)
        ok = (z_try >= _GAL_ZMIN) & (z_try <= _GAL_ZMAX)
        z[todo[ok]] = z_try[ok]
        todo = todo[~ok]
        if todo.size == 0:
            break
    if todo.size:
        z[todo] = rng.uniform(_GAL_ZMIN, _GAL_ZMAX, todo.size)
    idx, t = _interp_index(z)
    line_scale = w * 10.0 ** rng.normal(0.0, 0.4, n)
    flux = (
        (1.0 - w)[:, None] * _lerp(tab.old, idx, t)
        + w[:, None] * _lerp(tab.sf, idx, t)
        + line_scale[:, None] * _lerp(tab.gal_lines, idx, t)
    )
    rel = -2.5 * np.log10(flux / flux[:, r : r + 1])
    # Calzetti dust for blue galaxies, evaluated at each band's rest-frame wavelength.
    ebv_int = rng.exponential(0.1, n)
    blue = np.flatnonzero(~red)
    rel[blue] += ebv_int[blue, None] * _lerp(tab.calzetti, idx[blue], t[blue])
    rel += rng.normal(0.0, 0.03, rel.shape)
    rel[:, r] = 0.0
    return rel, z


def _quasars(rng: np.random.Generator, n: int, system: _System):
    tab = _tables(system.name)
    r = system.bands.index("r")
    which = rng.random(n) < _QSO_Z_MIX[0][0]
    z = np.where(
        which,
        _truncnorm(rng, _QSO_Z_MIX[0][1], _QSO_Z_MIX[0][2], _QSO_ZMIN, _QSO_ZMAX, n),
        _truncnorm(rng, _QSO_Z_MIX[1][1], _QSO_Z_MIX[1][2], _QSO_ZMIN, _QSO_ZMAX, n),
    )
    alpha = np.clip(rng.normal(*_QSO_ALPHA, n), _ALPHA_GRID[0], _ALPHA_GRID[-1])
    line_scale = 10.0 ** rng.normal(0.0, 0.2, n)
    idx, t = _interp_index(z)
    apos = np.clip((alpha - _ALPHA_GRID[0]) / 0.25, 0.0, _ALPHA_GRID.size - 1.000001)
    ia = apos.astype(np.int64)
    ta = (apos - ia)[:, None]
    tz = t[:, None]
    flux = np.zeros((n, len(system.bands)))
    for tbl, scale in ((tab.qso_cont, None), (tab.qso_lines, line_scale)):
        part = (1.0 - tz) * ((1.0 - ta) * tbl[idx, ia] + ta * tbl[idx, ia + 1]) + tz * (
            (1.0 - ta) * tbl[idx + 1, ia] + ta * tbl[idx + 1, ia + 1]
        )
        flux += part if scale is None else scale[:, None] * part
    flux /= flux[:, r : r + 1]
    # host galaxy (old template) contributes a fraction h of the r-band flux at low z
    host = rng.uniform(0.0, 0.5, n) * np.clip((1.0 - z) / 0.7, 0.0, 1.0)
    gal = _lerp(tab.old, idx, t)
    gal /= gal[:, r : r + 1]
    flux = (1.0 - host)[:, None] * flux + host[:, None] * gal
    rel = -2.5 * np.log10(flux)
    ebv_int = rng.exponential(0.03, n)
    rel += ebv_int[:, None] * _lerp(tab.smc, idx, t)
    rel += rng.normal(0.0, 0.03, rel.shape)
    rel[:, r] = 0.0
    return rel, z


# ============================================================================================
# Argument checks.


def _parse_bands(bands: str | Sequence[str]) -> tuple[list[str], _System]:
    if isinstance(bands, str):
        text = "".join(bands.split())  # ignore white space
        items = text.split(",") if "," in text else list(text)
    else:
        items = [str(b).strip() for b in bands]
    allowed = set(_LSST.bands)
    bad = [b for b in items if b not in allowed]
    if not items or bad:
        raise AstrolearnInputError(
            f"unknown band(s) {bad!r}" if bad else "no bands given",
            column="bands",
            fix="use letters from 'ugriz' (SDSS) or 'ugrizy' (LSST), e.g. bands='ugriz'",
        )
    if len(set(items)) != len(items):
        raise AstrolearnInputError(
            f"bands repeat: {items!r}", column="bands", fix="name each band once"
        )
    system = _LSST if "y" in items else _SDSS
    return items, system


def _parse_fractions(class_fractions: Mapping[str, float] | None) -> np.ndarray:
    if class_fractions is None:
        class_fractions = DEFAULT_CLASS_FRACTIONS
    unknown = [k for k in class_fractions if k not in CLASSES]
    if unknown:
        raise AstrolearnInputError(
            f"unknown class name(s) {unknown!r} in class_fractions",
            column="class_fractions",
            fix=f"use the keys {list(CLASSES)} (upper case)",
        )
    p = np.array([float(class_fractions.get(c, 0.0)) for c in CLASSES])
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise AstrolearnInputError(
            "class fractions must be finite and >= 0",
            column="class_fractions",
            fix="give fractions in [0, 1]",
        )
    if abs(p.sum() - 1.0) > 1e-6:
        raise AstrolearnInputError(
            f"class fractions sum to {p.sum():.6g}, not 1",
            column="class_fractions",
            fix="rescale them, e.g. {'GALAXY': 0.59, 'STAR': 0.22, 'QSO': 0.19}",
        )
    return p


def _check_args(n, missing_fraction, nondetection_value, missing_value, sky) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise AstrolearnInputError(
            f"n must be a positive integer, got {n!r}", column="n", fix="pass n >= 1, e.g. n=10_000"
        )
    if not (
        isinstance(missing_fraction, (int, float, np.floating)) and 0.0 <= missing_fraction < 1.0
    ):
        raise AstrolearnInputError(
            f"missing_fraction must be in [0, 1), got {missing_fraction!r}",
            column="missing_fraction",
            fix="pass e.g. missing_fraction=0.003 (0 for none)",
        )
    try:
        nd, ms = float(nondetection_value), float(missing_value)
    except (TypeError, ValueError):
        raise AstrolearnInputError(
            "nondetection_value and missing_value must be numbers",
            column="missing_value",
            fix="use e.g. 99.0 and -99.0 (NaN is allowed for one of them)",
        ) from None
    if nd == ms or (math.isnan(nd) and math.isnan(ms)):
        raise AstrolearnInputError(
            "nondetection_value and missing_value are the same, so the two cases could not be "
            "told apart",
            column="missing_value",
            fix="use different sentinels, e.g. 99 and -99",
        )
    try:
        ra_lo, ra_hi, dec_lo, dec_hi = (float(v) for v in sky)
    except (TypeError, ValueError):
        raise AstrolearnInputError(
            f"sky must be four numbers, got {sky!r}",
            column="sky",
            fix="pass (ra_min, ra_max, dec_min, dec_max) in degrees",
        ) from None
    if not (0.0 <= ra_lo < ra_hi <= 360.0 and -90.0 <= dec_lo < dec_hi <= 90.0):
        raise AstrolearnInputError(
            f"sky box {sky!r} is not 0 <= ra_min < ra_max <= 360, -90 <= dec_min < dec_max <= 90",
            column="sky",
            fix="pass (ra_min, ra_max, dec_min, dec_max) in degrees",
        )


def _parse_depth(depth: Mapping[str, float] | None, system: _System) -> dict[str, float]:
    out = dict(system.depth)
    if depth is None:
        return out
    for band, value in depth.items():
        if band not in system.bands:
            raise AstrolearnInputError(
                f"depth given for band {band!r}, which the {system.name} system lacks",
                column="depth",
                fix=f"use bands from {system.bands!r}",
            )
        value = float(value)
        if not math.isfinite(value):
            raise AstrolearnInputError(
                f"depth of band {band!r} is not finite",
                column="depth",
                fix="give 5-sigma depths in AB mag, e.g. 22.2",
            )
        out[band] = value
    return out


# ============================================================================================


def simulate_catalog(
    n: int = 10_000,
    *,
    seed: int = 0,
    bands: str | Sequence[str] = "ugriz",
    class_fractions: Mapping[str, float] | None = None,
    depth: Mapping[str, float] | None = None,
    missing_fraction: float = 0.003,
    nondetection_value: float = 99.0,
    missing_value: float = -99.0,
    sky: tuple[float, float, float, float] = (120.0, 240.0, -5.0, 60.0),
) -> pd.DataFrame:
    """Simulate a photometric catalog of stars, galaxies and quasars with spectroscopic truth.

    The physics (stellar locus, galaxy and quasar SEDs through the filters, luminosity-based
    redshifts, Milky-Way dust, noise and sentinels) and its references are described in the
    module docstring of :mod:`astrolearn.datasets.catalog_sim`.

    Parameters
    ----------
    n : int, default 10_000
        Number of rows.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same seed gives the same table.
    bands : str or sequence of str, default "ugriz"
        Bands to return, as letters (``"ugriz"``, ``"griz"``, ``"g,r,i"`` or a list). With ``y``
        among them the LSST filters, depths and extinction coefficients are used (e.g.
        ``"ugrizy"``); otherwise SDSS ones.
    class_fractions : mapping of str to float, optional
        Probability of each class, keys among ``"STAR"``, ``"GALAXY"``, ``"QSO"`` (absent keys
        count as 0), summing to 1. Default :data:`DEFAULT_CLASS_FRACTIONS`, the SDSS DR17
        spectroscopic mix GALAXY 0.59, STAR 0.22, QSO 0.19.
    depth : mapping of str to float, optional
        5-sigma limiting AB magnitude per band, overriding the defaults
        (:data:`SDSS_DEPTH` or :data:`LSST_DEPTH`) for the bands given.
    missing_fraction : float, default 0.003
        Probability that a band measurement is not observed at all.
    nondetection_value : float, default 99.0
        Magnitude and error written where the observed flux has SNR < 1.
    missing_value : float, default -99.0
        Magnitude and error written where the band was not observed.
    sky : tuple of 4 floats, default (120, 240, -5, 60)
        ``(ra_min, ra_max, dec_min, dec_max)`` in degrees (the default lies in the SDSS
        northern Galactic cap).

    Returns
    -------
    pandas.DataFrame
        One row per object with columns ``object_id`` (int64, 0..n-1), ``ra``, ``dec`` (deg),
        ``ebv`` (Milky-Way E(B-V), mag), one magnitude column per band named by its letter
        (observed AB magnitude, reddened), ``{band}_err`` (1-sigma magnitude error), ``class``
        (``"STAR"``, ``"GALAXY"`` or ``"QSO"``) and ``redshift`` (true redshift; v/c for stars).
        Non-detections hold ``nondetection_value`` and non-observations ``missing_value`` in
        both the magnitude and its error.

    Raises
    ------
    astrolearn.errors.AstrolearnInputError
        If an argument is out of range: ``n < 1``, unknown band or class name, fractions that
        do not sum to 1, equal sentinels, a bad sky box.

    Examples
    --------
    >>> from astrolearn.datasets import simulate_catalog
    >>> cat = simulate_catalog(1000, seed=1)
    >>> list(cat.columns[:6])
    ['object_id', 'ra', 'dec', 'ebv', 'u', 'g']
    >>> sorted(cat["class"].unique())
    ['GALAXY', 'QSO', 'STAR']
    >>> measured = cat["r"].between(0.0, 50.0)  # leave out the 99 / -99 sentinels
    >>> bool((cat.loc[measured, "r_err"] > 0).all())
    True
    >>> int((cat["u"] == 99.0).sum()) > 0  # faint or u-dropout objects: non-detections
    True
    """
    _check_args(n, missing_fraction, nondetection_value, missing_value, sky)
    band_list, system = _parse_bands(bands)
    p_class = _parse_fractions(class_fractions)
    depths = _parse_depth(depth, system)
    n = int(n)
    rng = np.random.default_rng(seed)

    codes = rng.choice(len(CLASSES), size=n, p=p_class).astype(np.int8)
    n_sys = len(system.bands)
    rel = np.empty((n, n_sys))  # colours relative to r (dust-free)
    r_true = np.empty(n)
    redshift = np.empty(n)
    ra = np.empty(n)
    dec = np.empty(n)
    for code, name in enumerate(CLASSES):
        rows = np.flatnonzero(codes == code)
        if rows.size == 0:
            continue
        r_mag = _power_law_mags(rng, rows.size, _R_LAW[name])
        if name == "STAR":
            c_rel, z = _stars(rng, rows.size, system)
            c_ra, c_dec = _star_sky(rng, rows.size, sky)
        elif name == "GALAXY":
            c_rel, z = _galaxies(rng, r_mag, system)
            c_ra, c_dec = _uniform_sky(rng, rows.size, sky)
        else:
            c_rel, z = _quasars(rng, rows.size, system)
            c_ra, c_dec = _uniform_sky(rng, rows.size, sky)
        rel[rows] = c_rel
        r_true[rows] = r_mag
        redshift[rows] = z
        ra[rows] = c_ra
        dec[rows] = c_dec

    csc_b = np.minimum(1.0 / np.maximum(np.abs(_sin_b(ra, dec)), 1e-9), _CSC_CAP_DUST)
    ebv = 0.022 * csc_b * np.exp(rng.normal(0.0, 0.5, n))

    # All float columns go into one block, so that pandas does not copy them again.
    names = ["ra", "dec", "ebv", *band_list, *(f"{b}_err" for b in band_list), "redshift"]
    block = np.empty((len(names), n))
    block[0], block[1], block[2], block[-1] = ra, dec, ebv, redshift
    # one noise stream per band of the system, so a band's values do not depend on which
    # other bands were asked for
    band_seeds = rng.integers(0, 2**63, size=len(system.bands))
    for k, band in enumerate(band_list):
        b = system.bands.index(band)
        band_rng = np.random.default_rng(band_seeds[b])
        mag_true = r_true + rel[:, b] + system.extinction[band] * ebv
        flux = 10.0 ** (-0.4 * (mag_true - 22.5))  # nanomaggies
        sky_sigma = 10.0 ** (-0.4 * (depths[band] - 22.5)) / 5.0
        sigma = np.hypot(sky_sigma, flux * system.floor[band] / _ERR_COEF)
        flux_obs = flux + sigma * band_rng.standard_normal(n)
        snr = flux_obs / sigma
        detected = snr >= 1.0
        mag, err = block[3 + k], block[3 + len(band_list) + k]
        mag.fill(float(nondetection_value))
        err.fill(float(nondetection_value))
        mag[detected] = 22.5 - 2.5 * np.log10(flux_obs[detected])
        err[detected] = _ERR_COEF / snr[detected]
        missing = band_rng.random(n) < missing_fraction
        mag[missing] = float(missing_value)
        err[missing] = float(missing_value)
    frame = pd.DataFrame(block.T, columns=names, copy=False)
    frame.insert(0, "object_id", np.arange(n, dtype=np.int64))
    # pandas >= 3 stores these as its "str" dtype, pandas 2 as object: strings either way
    frame.insert(len(names), "class", np.asarray(CLASSES, dtype=object)[codes])
    return frame
