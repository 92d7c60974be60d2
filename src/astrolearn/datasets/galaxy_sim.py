"""Seeded GalSim simulator of ground-based galaxy cutouts with rare (anomalous) objects.

:func:`simulate_galaxies` returns image cutouts (float32, ``(n, bands, size, size)``, flux in
counts, sky subtracted, with noise) of Sersic bulge + disc galaxies and, at a chosen fraction,
of rare kinds to find (:data:`ANOMALY_KINDS`), with a truth table. It is the offline default
data of the anomaly-detection task (issue #8: demo, tests, and the controlled benchmark of
20,000 64 x 64 cutouts with 1 % rare objects of six kinds). Profiles are made and drawn with
GalSim (Rowe et al. 2015, Astronomy & Computing 10, 121), the field's image simulator.

Survey model (ground-based, i-like reference band)
---------------------------------------------------
* Zero point ``ZERO_POINT = 30`` mag: ``magnitude = 30 - 2.5 log10(counts)`` (the DES coadd
  convention).
* PSF: one Moffat profile, ``PSF_BETA = 4.765`` (the value Trujillo et al. 2001, MNRAS 328,
  977 derive for Kolmogorov turbulence), ``PSF_FWHM = 0.8`` arcsec (median seeing of HSC-Wide
  i, Aihara et al. 2018, and of KiDS r, Kuijken et al. 2019). It is built once and reused.
* Sky: ``SKY_MAG = 20.48`` mag/arcsec^2 (dark-sky i band, Ivezic et al. 2019, ApJ 873, 111,
  table 2), subtracted. The per-pixel sky noise :func:`sky_noise` is set by the 5-sigma
  point-source depth ``DEPTH_5SIGMA = 25.0`` (between a single LSST visit, i = 23.9, and
  HSC-Wide, i = 26.2; KiDS r reaches 25.0):
  ``sigma_sky = F5 p / (5 sqrt(NEA))`` with ``F5 = 10^(0.4 (30 - 25))`` = 100 counts, ``p`` the
  pixel scale and ``NEA = 4 pi (FWHM / 2.3548)^2`` = 1.45 arcsec^2 the noise-equivalent area of
  a Gaussian PSF of the same FWHM: 3.32 counts at 0.2 arcsec/pixel.
* Noise: Gaussian with per-pixel variance ``sigma_sky^2 + max(image, 0) / gain``, the Gaussian
  limit of sky + source Poisson noise after sky subtraction; ``gain`` (counts -> photons,
  23.3 at any pixel scale) is the effective gain that makes the sky Poisson noise equal to
  ``sigma_sky`` (sky counts per pixel / ``sigma_sky^2``). ``noise=False`` gives the noiseless
  images (artefacts included).
* Magnitudes of normal galaxies: ``MAG_RANGE = (18, 23.5)`` drawn from the number counts
  ``dN/dm ~ 10^(0.33 m)`` (the i-band slope of Capak et al. 2007, ApJS 172, 99; Aihara et al.
  2018 find the same in HSC); 23.5 is ~ 10-sigma for a compact galaxy at this depth.

Normal galaxies
---------------
A De Vaucouleurs (Sersic n = 4) bulge plus an exponential (n = 1) disc sharing centre,
ellipticity and position angle (the GREAT3 / GalSim "bulge + disc" parametric model, Mandelbaum
et al. 2014):

* disc size: the CFHTLenS lensfit prior of Miller et al. 2013 (MNRAS 429, 2858, eq. 18 and
  below): scale length ``r_d`` with ``p(r) ~ r exp(-(r / a)^(4/3))``, ``a = r_s / 0.833``,
  ``ln(r_s / arcsec) = -1.145 - 0.269 (m - 23)``; disc half-light radius ``1.678 r_d``, kept
  in [0.15, 3] arcsec (the relation is extrapolated brightwards of m ~ 20).
* bulge fraction ``B/T``: 70 % disc dominated, U(0, 0.3); 30 % bulge dominated, U(0.3, 1)
  (a coarse version of the bimodal B/T distribution of the SDSS decompositions of Simard et
  al. 2011, ApJS 196, 11); bulge half-light radius U(0.3, 0.7) x the disc's.
* ellipticity ``|g| = (a - b) / (a + b)``: the lensfit priors of Miller et al. 2013 (eqs. 20,
  21), for discs ``p(e) ~ e (1 - exp((e - 0.804) / 0.2539)) / ((1 + e) sqrt(e^2 + 0.0256^2))``
  (e < 0.804), for bulge-dominated galaxies (B/T > 0.5) ``p(e) ~ e exp(-2.368 e - 6.691 e^2)``.
* position angle U(0, 180) degrees (the major axis, counter-clockwise from the +x axis, i.e.
  from the image rows' direction); sub-pixel centring offset U(-0.5, 0.5) pixel in x and y:
  the galaxy centre is at pixel ``((size - 1) / 2 + x_offset, (size - 1) / 2 + y_offset)`` in
  numpy ``(column, row)`` order.

``half_light_radius`` in the truth table is the circularised (``sqrt(a b)``) half-light
radius of the whole intrinsic (pre-PSF) bulge + disc profile, found by solving the enclosed
flux ``(1 - B) P(2, b_1 R / r_disc) + B P(8, b_4 (R / r_bulge)^(1/4)) = 1 / 2`` (``P`` the
regularised lower incomplete gamma function, ``b_1 = 1.678``, ``b_4 = 7.669``).

Rare kinds (:data:`ANOMALY_KINDS`)
----------------------------------
The main galaxy of each is brighter than a normal one so that its feature is visible.

* ``"merger"`` - a bulge + disc primary (m ~ U(18, 21)) and a companion 0-1.5 mag fainter at
  a separation of 0.8-1.6 x the sum of their half-light radii, plus two tidal tails: faint
  (each 5-12 % of the primary's flux), strongly sheared (g ~ U(0.6, 0.8)) exponential
  components offset from the pair to opposite sides along directions ~ perpendicular to the
  separation, the classic appearance of tidal tails (Toomre & Toomre 1972; the Galaxy Zoo
  merger sample, Darg et al. 2010). ``companion_magnitude`` is the companion's.
* ``"clumpy"`` - a disc-dominated galaxy (B/T < 0.1, half-light radius >= 0.8 arcsec,
  m ~ U(18, 20.5)) with 3-8 compact (Gaussian sigma 0.05-0.12 arcsec, i.e. unresolved) knots
  carrying 3-8 % of the flux each, placed within 1.3 disc half-light radii in the disc plane
  (so they follow its inclination): the star-forming clumps of Elmegreen et al. 2007 (ApJ 658,
  763) and Guo et al. 2015 (ApJ 800, 39). The knots are bluer than the disc (multi-band).
* ``"edge_on_dust"`` - a GalSim ``InclinedExponential`` disc (inclination 86-90 degrees,
  half-light radius 1.8-2.8 arcsec, scale height h = 0.65-0.8 arcsec, m ~ U(17.5, 19.5)) with
  a dust lane made by *subtracting* a thin copy of itself: ``I = D(h) - tau (h_d / h) D(h_d)``
  with the same radial profile, lane scale height ``h_d`` = 0.55-0.65 ``h`` and midplane
  attenuation ``tau`` = 0.95-1 (the midplane loses the fraction ``tau``; the result stays >= 0
  everywhere because sech^2(z / h_d) <= sech^2(z / h)). This is the simplest profile with the
  dark midplane band of edge-on spirals (Xilouris et al. 1999); no scattering, no radial dust
  gradient. Simplification: the discs are thicker (h / r_d ~ 0.4-0.75) than real ones
  (~ 0.1-0.3, Kregel et al. 2002) so that the lane survives 0.8 arcsec seeing: after the PSF
  the midplane is ~ 5-20 % fainter than the ridges either side of it. ``ellipticity`` is
  that of the projected disc (axis ratio ~ h / (1.5 hlr)), ``half_light_radius`` the face-on
  disc's, ``magnitude`` the total after the lane.
* ``"lensed_arc"`` - a foreground elliptical (De Vaucouleurs, m ~ U(18, 20), half-light
  radius 0.4-0.8 arcsec) and a background source lensed by a singular isothermal sphere of
  Einstein radius ``theta_E`` ~ U(1.5, 2.5) arcsec (the range of ground-detected galaxy-scale
  lenses, e.g. SuGOHI, Sonnenfeld et al. 2018). Simplification: instead of ray tracing, the arc
  is a chain of 12 exponential blobs (half-light radius 0.15-0.3 arcsec) laid on the Einstein
  circle over an opening angle of 60-200 degrees, each stretched tangentially by the SIS
  magnification ``theta_E / beta`` (source offset beta ~ U(0.05, 0.3) theta_E, capped at 4),
  brighter towards the arc's middle; a counter-image (fainter by the SIS magnification ratio)
  sits on the opposite side at ``theta_E - beta``. The arc (m_arc = m_lens + U(0, 1.5)) is blue.
  ``companion_magnitude`` is the arc's.
* ``"satellite_trail"`` - a normal galaxy (the same one the example would hold as ``normal``)
  crossed by a straight line of Gaussian cross-section with the PSF's FWHM, peak 5-50
  sigma_sky, random angle, passing within size / 4 pixels of the centre; in one band only
  (a satellite crosses one exposure).
* ``"bad_column"`` - a normal galaxy (as above) with one bad detector column (75 %) or row
  (25 %) in one band, from a random start to the cutout edge (half the time the full length):
  either dead (reads ``-sky level``: no charge, sky subtracted) or hot/saturated (reads
  U(10, 50) sigma_sky plus its noise), applied after the noise.

Multi-band images
-----------------
With ``bands > 1``, band 0 is the reference band (``magnitude`` is measured there) and each
next band is one "step" bluer. Every component has its own colour ``c`` (magnitudes per band
step): its flux in band k is ``F 10^(-0.4 c k)``; discs c ~ U(0.1, 0.35), bulges and lens
galaxies c ~ U(0.4, 0.7), clumps and arcs c ~ U(-0.15, 0.1). So the morphology is the same in
every band, and bulges fade faster than discs towards the blue. Sky noise is the same in every
band (a simplification). With ``bands = 1`` the whole profile is drawn in one FFT.

Reproducibility
---------------
The kinds and their positions in the output come from ``SeedSequence([seed, 1])``. Example
``i`` has its own seed ``seed_i`` (the ``seed`` column, from ``SeedSequence([seed, 0, i])``)
and its pixels depend only on ``(seed_i, kind, size, bands, pixel_scale)``: so the first k
cutouts of calls with n and n + m examples are identical wherever their kinds agree (always
with ``anomaly_fraction=0``). From ``seed_i`` three streams are spawned: galaxy parameters,
anomaly parameters and noise, so that a ``satellite_trail`` or ``bad_column`` example holds
the very galaxy a ``normal`` one of the same seed would.

Speed: GalSim FFT drawing with slightly relaxed accuracy (``folding_threshold = 1e-2``,
``maxk_threshold = 3e-3``; the defaults are 5e-3 and 1e-3), about 4-6 ms per 64 x 64 cutout
(one band) on one core; 20,000 cutouts take ~ 2 minutes and 330 MB.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import galsim
import numpy as np
import pandas as pd
from scipy.special import gammainc

from astrolearn.errors import AstrolearnInputError

__all__ = [
    "ANOMALY_KINDS",
    "DEPTH_5SIGMA",
    "MAG_RANGE",
    "MORPHOLOGY_CLASSES",
    "MORPHOLOGY_MAG_RANGE",
    "PSF_BETA",
    "PSF_FWHM",
    "SKY_MAG",
    "ZERO_POINT",
    "half_light_radius",
    "simulate_galaxies",
    "simulate_morphology",
    "sky_noise",
]

ANOMALY_KINDS: tuple[str, ...] = (
    "merger",
    "clumpy",
    "edge_on_dust",
    "lensed_arc",
    "satellite_trail",
    "bad_column",
)

ZERO_POINT = 30.0  # mag of 1 count
SKY_MAG = 20.48  # mag / arcsec^2, dark-sky i band (Ivezic et al. 2019)
DEPTH_5SIGMA = 25.0  # 5-sigma point-source depth (mag)
PSF_FWHM = 0.8  # arcsec
PSF_BETA = 4.765  # Moffat beta (Trujillo et al. 2001)
MAG_RANGE = (18.0, 23.5)
_COUNTS_SLOPE = 0.33  # d log10 N / dm
_B1, _B4 = 1.6783469900166612, 7.669249442458116  # Sersic b_n for n = 1, 4

_GSP = galsim.GSParams(folding_threshold=1e-2, maxk_threshold=3e-3)
_PSF = galsim.Moffat(beta=PSF_BETA, fwhm=PSF_FWHM, gsparams=_GSP)

#: Classes of :func:`simulate_morphology`.
MORPHOLOGY_CLASSES: tuple[str, ...] = (
    "elliptical", "disc", "edge_on_dust", "merger", "clumpy", "lensed_arc")
#: Magnitude range of the normal galaxies of :func:`simulate_morphology`.
MORPHOLOGY_MAG_RANGE = (18.0, 21.5)
_MORPHOLOGY_NORMAL = {"elliptical": (0.6, 1.0), "disc": (0.0, 0.2)}

_COLUMNS = [
    "id", "kind", "is_anomaly", "magnitude", "half_light_radius", "ellipticity",
    "bulge_fraction", "position_angle", "x_offset", "y_offset", "companion_magnitude",
    "sky_sigma", "psf_fwhm", "seed",
]


# ----------------------------------------------------------------------------- survey
def _check_pixel_scale(pixel_scale: object) -> float:
    if isinstance(pixel_scale, bool) or not isinstance(pixel_scale, int | float | np.number) \
            or not math.isfinite(float(pixel_scale)) or not 0.02 <= float(pixel_scale) <= 2.0:
        raise AstrolearnInputError(f"pixel_scale must be a number of arcsec in [0.02, 2], got "
                                   f"{pixel_scale!r}", column="pixel_scale",
                                   fix="give e.g. pixel_scale=0.2")
    return float(pixel_scale)


def sky_noise(pixel_scale: float = 0.2) -> float:
    """Per-pixel sky noise (counts) of the simulated survey.

    ``sigma = F5 p / (5 sqrt(NEA))``: the noise that puts the 5-sigma point-source depth at
    :data:`DEPTH_5SIGMA` for a PSF of FWHM :data:`PSF_FWHM` (see the module docstring).

    Parameters
    ----------
    pixel_scale : float, default 0.2
        Pixel size in arcsec.

    Returns
    -------
    float
        Standard deviation of the sky noise in one pixel, in counts.

    Examples
    --------
    >>> round(sky_noise(0.2), 2)
    3.32
    """
    p = _check_pixel_scale(pixel_scale)
    f5 = 10.0 ** (0.4 * (ZERO_POINT - DEPTH_5SIGMA))
    nea = 4.0 * math.pi * (PSF_FWHM / 2.3548) ** 2
    return f5 * p / (5.0 * math.sqrt(nea))


def _sky_level(p: float) -> float:
    return 10.0 ** (0.4 * (ZERO_POINT - SKY_MAG)) * p * p


# ----------------------------------------------------------------------- distributions
def _tabulated_sampler(pdf: np.ndarray, grid: np.ndarray):
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (pdf[1:] + pdf[:-1]) * np.diff(grid))])
    cdf /= cdf[-1]
    return lambda u: np.interp(u, cdf, grid)


_EG = np.linspace(0.0, 0.804, 2001)
_DISC_E = _tabulated_sampler(
    _EG * (1 - np.exp((_EG - 0.804) / 0.2539)) / ((1 + _EG) * np.sqrt(_EG ** 2 + 0.0256 ** 2)),
    _EG)
_BG = np.linspace(0.0, 0.95, 2001)
_BULGE_E = _tabulated_sampler(_BG * np.exp(-2.368 * _BG - 6.691 * _BG ** 2), _BG)


def _draw_magnitude(rng: np.random.Generator, lo: float, hi: float) -> float:
    """dN/dm ~ 10^(0.33 m) on [lo, hi] by inverse CDF."""
    k = _COUNTS_SLOPE * math.log(10.0)
    a, b = math.exp(k * lo), math.exp(k * hi)
    return math.log(a + rng.uniform() * (b - a)) / k


def _draw_disc_hlr(rng: np.random.Generator, mag: float, lo: float = 0.15,
                   hi: float = 3.0) -> float:
    """Miller et al. (2013) scale-length prior; returns the disc half-light radius (arcsec)."""
    r_s = math.exp(-1.145 - 0.269 * (mag - 23.0))
    a = r_s / 0.833
    r_d = a * rng.gamma(1.5) ** 0.75  # x = (r / a)^(4/3) ~ Gamma(3/2)
    return float(np.clip(1.678 * r_d, lo, hi))


def half_light_radius(disc_hlr: float | np.ndarray, bulge_hlr: float | np.ndarray,
                      bulge_fraction: float | np.ndarray) -> np.ndarray:
    """Half-light radius of an exponential disc + De Vaucouleurs bulge (same centre).

    Parameters
    ----------
    disc_hlr, bulge_hlr : float or array_like
        Half-light radii of the disc and of the bulge (any unit, > 0).
    bulge_fraction : float or array_like
        Bulge-to-total flux ratio in [0, 1].

    Returns
    -------
    numpy.ndarray
        Half-light radius of the sum (same unit), float64, broadcast shape.

    Examples
    --------
    >>> [round(float(half_light_radius(1.0, 0.5, bt)), 3) for bt in (0.0, 0.5, 1.0)]
    [1.0, 0.78, 0.5]
    """
    rd, rb, bt = np.broadcast_arrays(np.asarray(disc_hlr, float), np.asarray(bulge_hlr, float),
                                     np.asarray(bulge_fraction, float))
    if np.any(~(rd > 0)) or np.any(~(rb > 0)) or np.any(~((bt >= 0) & (bt <= 1))):
        raise AstrolearnInputError("radii must be > 0 and bulge_fraction in [0, 1]",
                                   column="bulge_fraction", fix="check the inputs")

    def enclosed(r: np.ndarray) -> np.ndarray:
        return ((1 - bt) * gammainc(2.0, _B1 * r / rd)
                + bt * gammainc(8.0, _B4 * (r / rb) ** 0.25))

    lo, hi = np.minimum(rd, rb), np.maximum(rd, rb)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        below = enclosed(mid) < 0.5
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


# ----------------------------------------------------------------------- profiles
# A component is (GSObject with its flux in counts in band 0, colour in mag per band step).
_Comp = tuple[galsim.GSObject, float]


def _normal_params(rng: np.random.Generator, mag_range: tuple[float, float] = MAG_RANGE,
                   min_hlr: float = 0.15, bt_range: tuple[float, float] | None = None) -> dict:
    mag = _draw_magnitude(rng, *mag_range)
    disc_hlr = max(_draw_disc_hlr(rng, mag), min_hlr)
    if bt_range is None:
        bt = rng.uniform(0.0, 0.3) if rng.uniform() < 0.7 else rng.uniform(0.3, 1.0)
    else:
        bt = rng.uniform(*bt_range)
    bulge_hlr = disc_hlr * rng.uniform(0.3, 0.7)
    g = float(_BULGE_E(rng.uniform()) if bt > 0.5 else _DISC_E(rng.uniform()))
    return {
        "magnitude": mag, "disc_hlr": disc_hlr, "bulge_hlr": bulge_hlr, "bulge_fraction": bt,
        "ellipticity": min(g, 0.9), "position_angle": rng.uniform(0.0, 180.0),
        "x_offset": rng.uniform(-0.5, 0.5), "y_offset": rng.uniform(-0.5, 0.5),
        "disc_colour": rng.uniform(0.1, 0.35), "bulge_colour": rng.uniform(0.4, 0.7),
    }


def _bulge_disc(par: dict, dx: float = 0.0, dy: float = 0.0) -> list[_Comp]:
    flux = 10.0 ** (0.4 * (ZERO_POINT - par["magnitude"]))
    shear = galsim.Shear(g=par["ellipticity"], beta=par["position_angle"] * galsim.degrees)
    bt = par["bulge_fraction"]
    out: list[_Comp] = []
    if bt < 1.0:
        disc = galsim.Exponential(half_light_radius=par["disc_hlr"], flux=flux * (1 - bt),
                                  gsparams=_GSP)
        out.append((disc.shear(shear).shift(dx, dy), par["disc_colour"]))
    if bt > 0.0:
        bulge = galsim.DeVaucouleurs(half_light_radius=par["bulge_hlr"], flux=flux * bt,
                                     gsparams=_GSP)
        out.append((bulge.shear(shear).shift(dx, dy), par["bulge_colour"]))
    return out


def _hlr(par: dict) -> float:
    return float(half_light_radius(par["disc_hlr"], par["bulge_hlr"], par["bulge_fraction"]))


def _unit(angle_deg: float) -> tuple[float, float]:
    a = math.radians(angle_deg)
    return math.cos(a), math.sin(a)


def _merger(rng: np.random.Generator, par: dict) -> tuple[list[_Comp], dict]:
    comp = _normal_params(rng, (par["magnitude"], par["magnitude"] + 1.5), min_hlr=0.3)
    r1, r2 = _hlr(par), _hlr(comp)
    sep = rng.uniform(0.8, 1.6) * (r1 + r2)
    phi = rng.uniform(0.0, 360.0)
    ux, uy = _unit(phi)
    f2 = 10.0 ** (-0.4 * (comp["magnitude"] - par["magnitude"]))
    # primary and companion placed about their flux-weighted centre
    x1, y1 = -sep * ux * f2 / (1 + f2), -sep * uy * f2 / (1 + f2)
    x2, y2 = x1 + sep * ux, y1 + sep * uy
    comps = _bulge_disc(par, x1, y1) + _bulge_disc(comp, x2, y2)
    flux = 10.0 ** (0.4 * (ZERO_POINT - par["magnitude"]))
    for sign, (cx, cy) in ((1.0, (x1, y1)), (-1.0, (x2, y2))):
        tail_dir = phi + sign * 90.0 + rng.uniform(-30.0, 30.0)
        tx, ty = _unit(tail_dir)
        length = rng.uniform(1.0, 2.0) * (r1 + r2)
        tail = galsim.Exponential(half_light_radius=0.5 * length,
                                  flux=flux * rng.uniform(0.05, 0.12), gsparams=_GSP)
        tail = tail.shear(g=rng.uniform(0.6, 0.8), beta=tail_dir * galsim.degrees)
        comps.append((tail.shift(cx + 0.7 * length * tx, cy + 0.7 * length * ty),
                      par["disc_colour"]))
    return comps, {"companion_magnitude": comp["magnitude"]}


def _clumpy(rng: np.random.Generator, par: dict) -> tuple[list[_Comp], dict]:
    comps = _bulge_disc(par)
    flux = 10.0 ** (0.4 * (ZERO_POINT - par["magnitude"]))
    shear = galsim.Shear(g=par["ellipticity"], beta=par["position_angle"] * galsim.degrees)
    jac = shear.getMatrix()
    total = 0.0
    for _ in range(int(rng.integers(3, 9))):
        r = par["disc_hlr"] * 1.3 * math.sqrt(rng.uniform(0.02, 1.0))
        ux, uy = _unit(rng.uniform(0.0, 360.0))
        x, y = jac @ np.array([r * ux, r * uy])
        frac = rng.uniform(0.03, 0.08)
        total += frac
        knot = galsim.Gaussian(sigma=rng.uniform(0.05, 0.12), flux=flux * frac, gsparams=_GSP)
        comps.append((knot.shift(float(x), float(y)), rng.uniform(-0.15, 0.1)))
    # the knots' light is taken from the disc so that `magnitude` stays the total
    disc, colour = comps[0]
    comps[0] = (disc * (1.0 - total / (1.0 - par["bulge_fraction"])), colour)
    return comps, {}


def _edge_on(rng: np.random.Generator, par: dict) -> tuple[list[_Comp], dict]:
    flux = 10.0 ** (0.4 * (ZERO_POINT - par["magnitude"]))
    incl = rng.uniform(86.0, 90.0) * galsim.degrees
    hlr = par["disc_hlr"]
    h = rng.uniform(0.65, 0.8)
    h_d = h * rng.uniform(0.55, 0.65)
    tau = rng.uniform(0.95, 1.0)
    disc = galsim.InclinedExponential(incl, half_light_radius=hlr, scale_height=h, flux=flux,
                                      gsparams=_GSP)
    lane = galsim.InclinedExponential(incl, half_light_radius=hlr, scale_height=h_d,
                                      flux=-tau * (h_d / h) * flux, gsparams=_GSP)
    beta = par["position_angle"] * galsim.degrees
    comps = [((disc + lane).rotate(beta), par["disc_colour"])]
    # projected axis ratio ~ the disc thickness over its length (2 h vs 2 x 1.5 hlr)
    q = min(1.0, h / (1.5 * hlr))
    par.update(bulge_fraction=0.0, ellipticity=(1 - q) / (1 + q),
               half_light_radius=hlr)
    par["magnitude"] = ZERO_POINT - 2.5 * math.log10(flux * (1 - tau * h_d / h))
    return comps, {}


def _lensed_arc(rng: np.random.Generator, par: dict) -> tuple[list[_Comp], dict]:
    comps = _bulge_disc(par)
    theta_e = rng.uniform(1.5, 2.5)
    beta_s = rng.uniform(0.05, 0.3) * theta_e
    mu = min(theta_e / beta_s, 4.0)
    mag_arc = par["magnitude"] + rng.uniform(0.0, 1.5)
    f_arc = 10.0 ** (0.4 * (ZERO_POINT - mag_arc))
    src_hlr = rng.uniform(0.15, 0.3)
    colour = rng.uniform(-0.15, 0.1)
    centre = rng.uniform(0.0, 360.0)
    opening = rng.uniform(60.0, 200.0)
    angles = centre + np.linspace(-opening / 2, opening / 2, 12)
    weights = np.exp(-0.5 * (np.linspace(-1.0, 1.0, 12) / 0.6) ** 2)
    weights /= weights.sum()
    g_t = (mu - 1.0) / (mu + 1.0)  # axis ratio 1 / mu
    for ang, w in zip(angles, weights, strict=True):
        ux, uy = _unit(float(ang))
        blob = galsim.Exponential(half_light_radius=src_hlr, flux=f_arc * w, gsparams=_GSP)
        blob = blob.shear(g=g_t, beta=(float(ang) + 90.0) * galsim.degrees)
        comps.append((blob.shift(theta_e * ux, theta_e * uy), colour))
    # SIS counter-image at theta_E - beta, magnification ratio (theta_E - beta) / (theta_E + beta)
    ratio = (theta_e - beta_s) / (theta_e + beta_s)
    ux, uy = _unit(centre + 180.0)
    counter = galsim.Exponential(half_light_radius=src_hlr, flux=f_arc * ratio / 3.0,
                                 gsparams=_GSP)
    comps.append((counter.shift((theta_e - beta_s) * ux, (theta_e - beta_s) * uy), colour))
    return comps, {"companion_magnitude": mag_arc}


def _psf_sigma_pix(p: float) -> float:
    return PSF_FWHM / 2.3548 / p


def _trail(rng: np.random.Generator, size: int, p: float, sigma: float) -> np.ndarray:
    ang = rng.uniform(0.0, math.pi)
    d0 = rng.uniform(-size / 4, size / 4)
    amp = rng.uniform(5.0, 50.0) * sigma
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) - (size - 1) / 2
    dist = xx * math.sin(ang) - yy * math.cos(ang) - d0
    return amp * np.exp(-0.5 * (dist / _psf_sigma_pix(p)) ** 2)


def _bad_column(rng: np.random.Generator, img: np.ndarray, p: float, sigma: float) -> None:
    size = img.shape[-1]
    band = int(rng.integers(img.shape[0]))
    is_row = rng.uniform() < 0.25
    k = int(rng.integers(size // 8, size - size // 8))
    start = 0 if rng.uniform() < 0.5 else int(rng.integers(0, size - 4))
    if rng.uniform() < 0.5:
        value = np.full(size - start, -_sky_level(p))
    else:
        value = rng.uniform(10.0, 50.0) * sigma + sigma * rng.standard_normal(size - start)
    if is_row:
        img[band, k, start:] = value
    else:
        img[band, start:, k] = value


# ----------------------------------------------------------------------------- driver
def _render(comps: list[_Comp], size: int, bands: int, p: float) -> np.ndarray:
    out = np.zeros((bands, size, size), dtype=np.float64)

    def draw(obj: galsim.GSObject) -> np.ndarray:
        return galsim.Convolve(obj, _PSF, gsparams=_GSP).drawImage(
            nx=size, ny=size, scale=p, method="auto").array

    if bands == 1:
        out[0] = draw(galsim.Add([c for c, _ in comps]) if len(comps) > 1 else comps[0][0])
        return out
    for obj, colour in comps:
        im = draw(obj)
        for b in range(bands):
            out[b] += im * 10.0 ** (-0.4 * colour * b)
    return out


def _example(seed_i: int, kind: str, size: int, bands: int, p: float,
             noise: bool) -> tuple[np.ndarray, dict]:
    g_rng, a_rng, n_rng = (np.random.default_rng(s)
                           for s in np.random.SeedSequence(seed_i).spawn(3))
    sigma = sky_noise(p)
    extra: dict = {"companion_magnitude": math.nan}
    if kind in ("normal", "satellite_trail", "bad_column"):
        par = _normal_params(g_rng)
        comps = _bulge_disc(par)
    elif kind in _MORPHOLOGY_NORMAL:
        par = _normal_params(g_rng, MORPHOLOGY_MAG_RANGE, min_hlr=0.3,
                             bt_range=_MORPHOLOGY_NORMAL[kind])
        comps = _bulge_disc(par)
    elif kind == "merger":
        par = _normal_params(g_rng, (18.0, 21.0), min_hlr=0.3)
        comps, more = _merger(a_rng, par)
        extra.update(more)
    elif kind == "clumpy":
        par = _normal_params(g_rng, (18.0, 20.5), min_hlr=0.8, bt_range=(0.0, 0.1))
        par["ellipticity"] = min(par["ellipticity"], 0.6)
        comps, more = _clumpy(a_rng, par)
    elif kind == "edge_on_dust":
        par = _normal_params(g_rng, (17.5, 19.5))
        par["disc_hlr"] = a_rng.uniform(1.8, 2.8)
        comps, more = _edge_on(a_rng, par)
    else:  # lensed_arc
        par = _normal_params(g_rng, (18.0, 20.0), bt_range=(1.0, 1.0))
        par["bulge_hlr"] = a_rng.uniform(0.4, 0.8)
        par["ellipticity"] = float(_BULGE_E(a_rng.uniform()))
        comps, more = _lensed_arc(a_rng, par)
        extra.update(more)
    # sub-pixel centring offset: shift by (dx, dy) pixels
    comps = [(c.shift(par["x_offset"] * p, par["y_offset"] * p), col) for c, col in comps]
    img = _render(comps, size, bands, p)
    if kind == "satellite_trail":
        img[int(a_rng.integers(bands))] += _trail(a_rng, size, p, sigma)
    if noise:
        gain = _sky_level(p) / sigma ** 2
        img += n_rng.standard_normal(img.shape) * np.sqrt(sigma ** 2
                                                           + np.maximum(img, 0.0) / gain)
    if kind == "bad_column":
        _bad_column(a_rng, img, p, sigma)
    hlr = par.get("half_light_radius")
    row = {
        "magnitude": par["magnitude"],
        "half_light_radius": _hlr(par) if hlr is None else hlr,
        "ellipticity": par["ellipticity"], "bulge_fraction": par["bulge_fraction"],
        "position_angle": par["position_angle"], "x_offset": par["x_offset"],
        "y_offset": par["y_offset"], **extra,
    }
    return img.astype(np.float32), row


def _seed_of(seed: int, i: int) -> int:
    return int(np.random.SeedSequence([seed, 0, i]).generate_state(1, np.uint64)[0]
               >> np.uint64(1))


def _check_int(value: object, name: str, lo: int, hi: int, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) \
            or not lo <= int(value) <= hi:
        raise AstrolearnInputError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}",
                                   column=name, fix=fix)
    return int(value)


def _check_common(n: object, size: object, bands: object, pixel_scale: object,
                  seed: object) -> tuple[int, int, int, float, int]:
    n = _check_int(n, "n", 1, 10_000_000, "give the number of cutouts, e.g. n=1000")
    size = _check_int(size, "size", 16, 512, "give e.g. size=64")
    bands = _check_int(bands, "bands", 1, 10, "give e.g. bands=1 or bands=3")
    p = _check_pixel_scale(pixel_scale)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise AstrolearnInputError(f"seed must be an integer >= 0, got {seed!r}", column="seed",
                                   fix="give e.g. seed=0")
    return n, size, bands, p, int(seed)


def _draw(labels: np.ndarray, seed: int, size: int, bands: int, p: float,
          noise: bool) -> tuple[np.ndarray, pd.DataFrame]:
    """Render example ``i`` of kind ``labels[i]`` with seed ``_seed_of(seed, i)``."""
    images = np.empty((len(labels), bands, size, size), dtype=np.float32)
    rows = []
    for i, kind in enumerate(labels):
        seed_i = _seed_of(seed, i)
        images[i], row = _example(seed_i, str(kind), size, bands, p, noise)
        rows.append({"id": i, "kind": str(kind), **row, "sky_sigma": sky_noise(p),
                     "psf_fwhm": PSF_FWHM, "seed": seed_i})
    truth = pd.DataFrame(rows)
    truth["seed"] = truth["seed"].astype(np.int64)
    return images, truth


def simulate_galaxies(
    n: int,
    *,
    size: int = 64,
    anomaly_fraction: float = 0.01,
    kinds: Sequence[str] = ANOMALY_KINDS,
    bands: int = 1,
    pixel_scale: float = 0.2,
    seed: int = 0,
    noise: bool = True,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Simulate ground-based galaxy cutouts with a fraction of rare kinds (GalSim).

    Parameters
    ----------
    n : int
        Number of cutouts (>= 1).
    size : int, default 64
        Cutout side in pixels (16 to 512).
    anomaly_fraction : float, default 0.01
        Fraction of rare objects, in [0, 1); exactly ``round(n * anomaly_fraction)`` of them,
        spread as evenly as possible over ``kinds`` and placed at random (seeded) positions.
    kinds : sequence of str, default ANOMALY_KINDS
        Rare kinds to use (a non-empty subset of :data:`ANOMALY_KINDS`, no repeats).
    bands : int, default 1
        Number of bands (1 to 10); band 0 is the reference band, later bands are bluer.
    pixel_scale : float, default 0.2
        Arcsec per pixel.
    seed : int, default 0
        Seed (>= 0); the same seed gives the same output.
    noise : bool, default True
        Add sky + source noise (``False``: the noiseless images, artefacts included).

    Returns
    -------
    images : numpy.ndarray
        float32, shape ``(n, bands, size, size)``, counts (zero point :data:`ZERO_POINT`), sky
        subtracted.
    truth : pandas.DataFrame
        One row per cutout: ``id``, ``kind`` ("normal" or a rare kind), ``is_anomaly``,
        ``magnitude`` (total, band 0; the main galaxy: the primary of a merger, the lens of a
        lensed arc), ``half_light_radius`` (arcsec, circularised, before the PSF),
        ``ellipticity`` (``(a - b) / (a + b)``), ``bulge_fraction``, ``position_angle``
        (degrees from +x), ``x_offset``, ``y_offset`` (pixels from the cutout centre),
        ``companion_magnitude`` (merger companion or arc; NaN otherwise), ``sky_sigma``
        (counts per pixel), ``psf_fwhm`` (arcsec), ``seed`` (per example).

    Raises
    ------
    AstrolearnInputError
        For bad ``n``, ``size``, ``anomaly_fraction``, ``kinds``, ``bands``,
        ``pixel_scale`` or ``seed``.

    Examples
    --------
    >>> images, truth = simulate_galaxies(4, size=32, anomaly_fraction=0.5, seed=1)
    >>> images.shape, images.dtype, int(truth["is_anomaly"].sum())
    ((4, 1, 32, 32), dtype('float32'), 2)
    """
    n, size, bands, p, seed = _check_common(n, size, bands, pixel_scale, seed)
    if isinstance(anomaly_fraction, bool) \
            or not isinstance(anomaly_fraction, int | float | np.number) \
            or not 0.0 <= float(anomaly_fraction) < 1.0:
        raise AstrolearnInputError(f"anomaly_fraction must be a number in [0, 1), got "
                                   f"{anomaly_fraction!r}", column="anomaly_fraction",
                                   fix="give e.g. anomaly_fraction=0.01")
    if isinstance(kinds, str) or not isinstance(kinds, Sequence | np.ndarray):
        raise AstrolearnInputError(f"kinds must be a sequence of kind names, got {kinds!r}",
                                   column="kinds", fix=f"use a subset of {list(ANOMALY_KINDS)}")
    kinds = list(kinds)
    bad = [k for k in kinds if not isinstance(k, str) or k not in ANOMALY_KINDS]
    if bad or not kinds or len(set(kinds)) != len(kinds):
        problem = (f"unknown kind(s) {bad}" if bad else
                   "kinds is empty" if not kinds else "kinds has repeats")
        raise AstrolearnInputError(problem, column="kinds",
                                   fix=f"use a non-empty subset of {list(ANOMALY_KINDS)}")
    n_anom = round(n * float(anomaly_fraction))
    krng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    order = [kinds[j] for j in krng.permutation(len(kinds))]
    labels = np.full(n, "normal", dtype=object)
    where = krng.choice(n, size=n_anom, replace=False)
    labels[where] = [order[j % len(order)] for j in range(n_anom)]

    images, truth = _draw(labels, seed, size, bands, p, bool(noise))
    truth.insert(2, "is_anomaly", truth["kind"] != "normal")
    return images, truth[_COLUMNS]


def simulate_morphology(
    n: int,
    *,
    size: int = 64,
    classes: Sequence[str] = MORPHOLOGY_CLASSES,
    bands: int = 1,
    pixel_scale: float = 0.2,
    seed: int = 0,
    noise: bool = True,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Simulate labelled cutouts of several morphology classes, in equal numbers (GalSim).

    The classes (:data:`MORPHOLOGY_CLASSES`) are ``"elliptical"`` (bulge + disc with
    B/T ~ U(0.6, 1)), ``"disc"`` (B/T ~ U(0, 0.2)), both with m ~ U(18, 21.5) drawn from the
    number counts (:data:`MORPHOLOGY_MAG_RANGE`, bright enough for morphology, as the
    r < 17.7 spectroscopic galaxies of Galaxy Zoo are for SDSS) and a half-light radius of at
    least 0.3 arcsec, and the rare kinds ``"edge_on_dust"``, ``"merger"``, ``"clumpy"`` and
    ``"lensed_arc"`` exactly as :func:`simulate_galaxies` draws them (see the module
    docstring). The class of cutout ``i`` is ``classes[i % len(classes)]``; its pixels
    depend only on its seed and class, as in :func:`simulate_galaxies`.

    Parameters
    ----------
    n : int
        Number of cutouts.
    size, bands, pixel_scale, seed, noise
        As for :func:`simulate_galaxies`.
    classes : sequence of str, default MORPHOLOGY_CLASSES
        The classes to draw (a non-empty subset, no repeats).

    Returns
    -------
    images : numpy.ndarray
        float32 ``(n, bands, size, size)``, counts, sky subtracted.
    truth : pandas.DataFrame
        The columns of :func:`simulate_galaxies` with ``label`` (the class) in place of
        ``kind`` and ``is_anomaly``.

    Examples
    --------
    >>> images, truth = simulate_morphology(6, size=32, seed=3)
    >>> images.shape, truth["label"].tolist()[:3]
    ((6, 1, 32, 32), ['elliptical', 'disc', 'edge_on_dust'])
    """
    n, size, bands, p, seed = _check_common(n, size, bands, pixel_scale, seed)
    if isinstance(classes, str) or not isinstance(classes, Sequence | np.ndarray):
        raise AstrolearnInputError(f"classes must be a sequence of class names, got "
                                   f"{classes!r}", column="classes",
                                   fix=f"use a subset of {list(MORPHOLOGY_CLASSES)}")
    classes = list(classes)
    bad = [c for c in classes if not isinstance(c, str) or c not in MORPHOLOGY_CLASSES]
    if bad or not classes or len(set(classes)) != len(classes):
        problem = (f"unknown class(es) {bad}" if bad else
                   "classes is empty" if not classes else "classes has repeats")
        raise AstrolearnInputError(problem, column="classes",
                                   fix=f"use a non-empty subset of {list(MORPHOLOGY_CLASSES)}")
    labels = np.array([classes[i % len(classes)] for i in range(n)], dtype=object)
    images, truth = _draw(labels, seed, size, bands, p, bool(noise))
    truth = truth.rename(columns={"kind": "label"})
    return images, truth[["id", "label", *_COLUMNS[3:]]]
