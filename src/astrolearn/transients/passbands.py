"""Passbands of optical and UV surveys: names, wavelengths, band mapping, magnitudes to flux.

A classifier trained on simulated LSST light curves can be applied to real photometry from
other telescopes only after each real filter is matched to a model band of similar
wavelength, and magnitudes (with upper limits) are turned into the canonical
``flux``/``flux_err``/``detected`` columns of :mod:`astrolearn.transients`.

* :data:`PASSBANDS` -- registry of canonical band names (``"lsst_g"``, ``"ztf_r"``,
  ``"atlas_o"``, ``"ps1_z"``, ``"swift_uvw2"``, ...) -> :class:`Passband` (effective
  wavelength and FWHM in Å, native magnitude system, source).
* :func:`resolve_band` -- canonical name of an alias (``"g"`` with ``survey="ztf"``,
  ``"ZTF_g"``, ``"ztfg"``, ``"uvw2"``, ``"W2"``...).
* :func:`effective_wavelength` -- wavelengths of a list of bands.
* :func:`map_bands` -- nearest model band of every source band, within a relative
  tolerance, with the reason for every band that cannot be used (:class:`BandMapping`).
* :func:`magnitudes_to_flux` -- AB or Vega magnitudes, errors and upper limits to
  linear flux (zero point 27.5 by default, the SNANA ``FLUXCAL`` convention).

Wavelengths are the effective wavelengths ``λ_eff`` listed by the SVO Filter Profile Service
(Rodrigo, Solano & Bayo 2012, IVOA Working Draft; Rodrigo et al. 2024, A&A 689, A93;
http://svo2.cab.inta-csic.es/theory/fps/) for the filter IDs given in each
:attr:`Passband.source`, rounded to 1 Å; the FWHMs are the SVO values rounded to 10 Å and
serve for description only. ``λ_eff`` depends on the spectrum assumed (SVO uses Vega); for
matching filters across surveys, where the tolerance is several per cent, the differences
between pivot, mean and effective wavelengths (≲ 1-2 %) do not matter. Swift/UVOT
Vega-to-AB offsets are those of Breeveld et al. (2011, AIP Conf. Proc. 1358, 373).

Why this is written here (design principle 5): the libraries that know filter curves
(sncosmo, speclite, synphot) download them at run time or need the full curves; a band
classifier needs only the handful of numbers above, kept in one table with their sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError

__all__ = [
    "PASSBANDS",
    "SURVEY_ALIASES",
    "VEGA_TO_AB",
    "BandMapping",
    "Passband",
    "effective_wavelength",
    "extinction_coefficient",
    "magnitudes_to_flux",
    "map_bands",
    "resolve_band",
]


@dataclass(frozen=True)
class Passband:
    """One filter of one survey.

    Attributes
    ----------
    survey : str
        Canonical survey name (``"lsst"``, ``"des"``, ``"ztf"``, ``"atlas"``, ``"ps1"``,
        ``"swift"``, ``"sdss"``).
    band : str
        Band name within the survey as the survey writes it (``"g"``, ``"UVW2"``).
    wavelength : float
        Effective wavelength in Å.
    fwhm : float
        Full width at half maximum in Å (approximate).
    system : str
        Magnitude system the survey publishes by default, ``"AB"`` or ``"Vega"``.
    source : str
        Where the numbers come from (SVO filter ID).
    """

    survey: str
    band: str
    wavelength: float
    fwhm: float
    system: str
    source: str

    @property
    def name(self) -> str:
        """Canonical name, ``"{survey}_{band}"`` in lower case."""
        return f"{self.survey}_{self.band.lower()}"


def _bands(
    survey: str, svo_prefix: str, system: str, table: Iterable[tuple[str, float, float]]
) -> dict[str, Passband]:
    out = {}
    for band, wavelength, fwhm in table:
        pb = Passband(survey, band, float(wavelength), float(fwhm), system,
                      f"SVO {svo_prefix}{band}")
        out[pb.name] = pb
    return out


#: Canonical band name -> :class:`Passband`; wavelengths and FWHMs in Å (see module notes).
PASSBANDS: Mapping[str, Passband] = MappingProxyType(
    {
        **_bands("lsst", "LSST/LSST.", "AB", [
            ("u", 3671, 470), ("g", 4827, 1410), ("r", 6223, 1380),
            ("i", 7546, 1250), ("z", 8691, 1040), ("y", 9712, 930),
        ]),
        **_bands("des", "CTIO/DECam.", "AB", [
            ("g", 4730, 1480), ("r", 6420, 1480), ("i", 7840, 1470), ("z", 9260, 1520),
        ]),
        **_bands("ztf", "Palomar/ZTF.", "AB", [
            ("g", 4746, 1320), ("r", 6366, 1550), ("i", 7815, 1470),
        ]),
        **_bands("atlas", "Misc/Atlas.", "AB", [("c", 5330, 2290), ("o", 6790, 2620)]),
        **_bands("ps1", "PAN-STARRS/PS1.", "AB", [
            ("g", 4849, 1170), ("r", 6201, 1320), ("i", 7535, 1240),
            ("z", 8674, 970), ("y", 9628, 620),
        ]),
        **_bands("swift", "Swift/UVOT.", "Vega", [
            ("UVW2", 2030, 660), ("UVM2", 2231, 500), ("UVW1", 2634, 690),
            ("U", 3465, 790), ("B", 4392, 980), ("V", 5468, 770),
        ]),
        **_bands("sdss", "SLOAN/SDSS.", "AB", [
            ("u", 3557, 540), ("g", 4702, 1060), ("r", 6175, 1060),
            ("i", 7491, 1100), ("z", 8946, 1160),
        ]),
    }
)

#: Swift/UVOT ``m_AB - m_Vega`` (Breeveld et al. 2011): add to a Vega magnitude to get AB.
VEGA_TO_AB: Mapping[str, float] = MappingProxyType(
    {
        "swift_uvw2": 1.73,
        "swift_uvm2": 1.69,
        "swift_uvw1": 1.51,
        "swift_u": 1.02,
        "swift_b": -0.13,
        "swift_v": -0.01,
    }
)

#: Lower-case survey alias -> canonical survey name.
SURVEY_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "lsst": "lsst", "rubin": "lsst",
        "des": "des", "decam": "des",
        "ztf": "ztf",
        "atlas": "atlas",
        "ps1": "ps1", "ps": "ps1", "panstarrs": "ps1", "panstarrs1": "ps1",
        "swift": "swift", "uvot": "swift", "swiftuvot": "swift",
        "sdss": "sdss", "sloan": "sdss",
    }
)

# Extra band aliases within a survey (normalised form -> band name in lower case).
_BAND_ALIASES: dict[str, dict[str, str]] = {
    "swift": {
        "w2": "uvw2", "uw2": "uvw2", "m2": "uvm2", "um2": "uvm2", "w1": "uvw1", "uw1": "uvw1",
        "uu": "u", "ub": "b", "uv": "v", "vv": "v", "bb": "b",
    },
    "atlas": {"cyan": "c", "orange": "o"},
}


class _AmbiguousBandError(AstrolearnInputError):
    """A bare band name that several surveys use (a user error, always raised)."""


def _normalise(text: str) -> str:
    """Lower case without separators: ``"ZTF_g"`` -> ``"ztfg"``."""
    return re.sub(r"[\s_\-./:]+", "", text.strip().lower())


def _survey_bands(survey: str) -> dict[str, str]:
    """Normalised band alias -> canonical name for one survey."""
    names = {pb.band.lower(): name for name, pb in PASSBANDS.items() if pb.survey == survey}
    for alias, band in _BAND_ALIASES.get(survey, {}).items():
        names[alias] = f"{survey}_{band}"
    return names


_BY_SURVEY: dict[str, dict[str, str]] = {
    s: _survey_bands(s) for s in sorted(set(SURVEY_ALIASES.values()))
}


def _canonical_survey(survey: str) -> str:
    key = _normalise(survey)
    if key not in SURVEY_ALIASES:
        raise AstrolearnInputError(
            f"unknown survey {survey!r}",
            fix=f"use one of {sorted(set(SURVEY_ALIASES.values()))} "
            f"(aliases: {sorted(SURVEY_ALIASES)})",
        )
    return SURVEY_ALIASES[key]


def resolve_band(name: str, survey: str | None = None) -> str:
    """Canonical name (a key of :data:`PASSBANDS`) of a band written in any usual way.

    Names are compared in lower case without separators (space, ``_``, ``-``, ``.``,
    ``/``, ``:``). A name that starts with a survey (``"ZTF_g"``, ``"ztfg"``, ``"lsst-r"``,
    ``"PS1.z"``, ``"Swift/UVOT.UVW2"``) is resolved in that survey; a bare band name
    (``"g"``, ``"UVW2"``, ``"W2"``, ``"o"``) is resolved in ``survey`` when given, otherwise
    only when a single survey has a band of that name.

    Parameters
    ----------
    name : str
        Band name.
    survey : str, optional
        Survey of bare band names (``"ztf"``, ``"atlas"``, ``"ps1"``/``"panstarrs"``,
        ``"swift"``/``"uvot"``, ``"sdss"``, ``"lsst"``/``"rubin"``, ``"des"``/``"decam"``).

    Returns
    -------
    str

    Raises
    ------
    AstrolearnInputError
        When the name is unknown (the message lists the known bands) or ambiguous.

    Examples
    --------
    >>> resolve_band("g", survey="ztf"), resolve_band("ZTF_g"), resolve_band("uvw2")
    ('ztf_g', 'ztf_g', 'swift_uvw2')
    >>> resolve_band("o", survey="atlas")
    'atlas_o'
    """
    if not isinstance(name, str) or not name.strip():
        raise AstrolearnInputError(
            f"band name {name!r} is not a non-empty string",
            fix="name bands as strings, e.g. 'g' with survey='ztf', or 'ztf_g'",
        )
    key = _normalise(name)
    if key in PASSBANDS:
        return key
    # 1. explicit survey prefix in the name
    for alias in sorted(SURVEY_ALIASES, key=len, reverse=True):
        if key.startswith(alias) and len(key) > len(alias):
            bands = _BY_SURVEY[SURVEY_ALIASES[alias]]
            rest = key[len(alias):]
            if rest in bands:
                return bands[rest]
    # 2. bare band name in the given survey
    if survey is not None:
        canonical_survey = _canonical_survey(survey)
        bands = _BY_SURVEY[canonical_survey]
        if key in bands:
            return bands[key]
        known = sorted({pb.band for pb in PASSBANDS.values() if pb.survey == canonical_survey})
        raise AstrolearnInputError(
            f"unknown band {name!r} for survey {canonical_survey!r} (its bands: "
            f"{', '.join(known)})",
            fix="correct the band name, or pass the right survey=",
        )
    # 3. bare band name, unique across surveys
    matches = sorted({bands[key] for bands in _BY_SURVEY.values() if key in bands})
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise _AmbiguousBandError(
            f"band {name!r} is ambiguous: it may be {', '.join(matches)}",
            fix="pass survey= (e.g. survey='ztf') or a full name such as " + repr(matches[0]),
        )
    raise AstrolearnInputError(
        f"unknown band {name!r}; known bands: {', '.join(PASSBANDS)}",
        fix="use one of the known names, a survey prefix ('ztf_g') or survey='ztf' with 'g'",
    )


def effective_wavelength(bands: str | Iterable[str], survey: str | None = None) -> np.ndarray:
    """Effective wavelengths in Å of one or several bands.

    Parameters
    ----------
    bands : str or iterable of str
        Band names in any form accepted by :func:`resolve_band`.
    survey : str, optional
        Survey of bare band names.

    Returns
    -------
    numpy.ndarray
        Float array, one wavelength per band (shape ``(1,)`` for a single string).

    Examples
    --------
    >>> effective_wavelength(["g", "r"], survey="lsst").tolist()
    [4827.0, 6223.0]
    """
    names = [bands] if isinstance(bands, str) else list(bands)
    return np.array([PASSBANDS[resolve_band(b, survey)].wavelength for b in names], dtype=float)


def extinction_coefficient(wavelength_aa: np.ndarray | float, r_v: float = 3.1) -> np.ndarray:
    """A_lambda / E(B-V) of the Cardelli, Clayton & Mathis (1989) law.

    Wavelengths outside the law's range (1,000–33,000 Å; 0.3–10 inverse microns) are
    clipped to its ends, and the far-UV curvature term is frozen beyond 8 inverse microns.

    Parameters
    ----------
    wavelength_aa : float or array
        Effective wavelengths in Ångström.
    r_v : float, default 3.1

    Returns
    -------
    float or ndarray
        Same shape as ``wavelength_aa``.

    Examples
    --------
    >>> round(float(extinction_coefficient(5500.0)), 2)  # ~R_V at V
    3.1
    """
    lam = np.asarray(wavelength_aa, dtype=float)
    x = np.clip(1.0e4 / np.atleast_1d(lam), 0.3, 10.0)
    a = np.empty_like(x)
    b = np.empty_like(x)
    ir = x < 1.1
    a[ir] = 0.574 * x[ir] ** 1.61
    b[ir] = -0.527 * x[ir] ** 1.61
    opt = (x >= 1.1) & (x < 3.3)
    y = x[opt] - 1.82
    a[opt] = np.polyval([0.32999, -0.77530, 0.01979, 0.72085, -0.02427, -0.50447, 0.17699,
                         1.0], y)
    b[opt] = np.polyval([-2.09002, 5.30260, -0.62251, -5.38434, 1.07233, 2.28305, 1.41338,
                         0.0], y)
    uv = x >= 3.3
    xu = np.minimum(x[uv], 8.0)
    fa = np.where(xu > 5.9, -0.04473 * (xu - 5.9) ** 2 - 0.009779 * (xu - 5.9) ** 3, 0.0)
    fb = np.where(xu > 5.9, 0.2130 * (xu - 5.9) ** 2 + 0.1207 * (xu - 5.9) ** 3, 0.0)
    a[uv] = 1.752 - 0.316 * xu - 0.104 / ((xu - 4.67) ** 2 + 0.341) + fa
    b[uv] = -3.090 + 1.825 * xu + 1.206 / ((xu - 4.62) ** 2 + 0.263) + fb
    out = r_v * (a + b / r_v)
    return out.reshape(lam.shape) if lam.ndim else out[0]


@dataclass
class BandMapping:
    """Result of :func:`map_bands`.

    Attributes
    ----------
    mapping : dict
        Source band (as given) -> model band (as given) for the usable bands.
    unusable : dict
        Source band (as given) -> reason why it cannot be used.
    table : pandas.DataFrame
        One row per source band: ``source``, ``source_band`` (canonical),
        ``source_wavelength``, ``model_band`` (nearest, as given), ``model_wavelength``,
        ``relative_offset`` (``|Δλ| / λ_source``) and ``usable``.
    tolerance : float
        The relative tolerance used.
    """

    mapping: dict[str, str]
    unusable: dict[str, str]
    table: pd.DataFrame = field(repr=False)
    tolerance: float = 0.08

    def describe(self) -> str:
        """Text for users: one line per source band saying where it goes, or why not.

        Returns
        -------
        str
        """
        lines = [f"Band mapping (nearest effective wavelength, tolerance "
                 f"{100 * self.tolerance:.0f}%):"]
        for row in self.table.itertuples(index=False):
            if row.usable:
                lines.append(
                    f"  {row.source} ({row.source_wavelength:.0f} Å) -> {row.model_band} "
                    f"({row.model_wavelength:.0f} Å, offset {100 * row.relative_offset:.1f}%)"
                )
            else:
                lines.append(f"  {row.source}: not used -- {self.unusable[row.source]}")
        n_bad = len(self.unusable)
        lines.append(
            f"{len(self.mapping)} band(s) usable, {n_bad} unusable"
            + (" (their observations should be dropped before prediction)." if n_bad else ".")
        )
        return "\n".join(lines)


def map_bands(
    source_bands: Iterable[str],
    model_bands: Iterable[str],
    survey: str | None = None,
    model_survey: str | None = None,
    tolerance: float = 0.08,
) -> BandMapping:
    """Match every band of the observed data to the model band of nearest wavelength.

    A source band is mapped when ``|λ_source - λ_model| / λ_source <= tolerance``; otherwise
    it is reported unusable with the reason (outside the wavelength range of the model, or
    too far from the nearest model band). Source bands that are not in :data:`PASSBANDS` are
    reported unusable too (not raised), so that a table with an odd filter can still be
    used; model bands must all be known, and a bare source band name that several surveys
    share (``"g"`` without ``survey``) raises.

    Parameters
    ----------
    source_bands : iterable of str
        Bands of the observed data (duplicates are ignored).
    model_bands : iterable of str, or mapping
        Bands the model was trained on (e.g. ``["u", "g", "r", "i", "z", "y"]`` with
        ``model_survey="lsst"``), or a mapping of them to their effective wavelengths (Å).
    survey, model_survey : str, optional
        Surveys of bare source and model band names.
    tolerance : float
        Largest accepted relative wavelength offset (default 8 %).

    Returns
    -------
    BandMapping

    Examples
    --------
    ZTF g (4746 Å) -> LSST g (4827 Å): |Δλ|/λ = 81/4746 = 1.7 %, accepted; UVW2 is far
    bluer than LSST u.

    >>> m = map_bands(["ztf_g", "ztf_r", "UVW2"], ["u", "g", "r", "i", "z", "y"],
    ...               model_survey="lsst")
    >>> m.mapping
    {'ztf_g': 'g', 'ztf_r': 'r'}
    >>> m.unusable["UVW2"]
    "UVW2 at 2030 Å is outside the model's bands 3671–9712 Å (nearest u at 3671 Å, 80.8% away)"
    """
    if (isinstance(tolerance, bool) or not isinstance(tolerance, int | float)
            or not np.isfinite(tolerance) or tolerance <= 0):
        raise AstrolearnInputError(
            f"tolerance must be a positive number, got {tolerance!r}",
            fix="use a relative tolerance such as tolerance=0.08 (8 %)",
        )
    if isinstance(model_bands, str) or isinstance(source_bands, str):
        raise AstrolearnInputError(
            "source_bands and model_bands must be lists of band names, not one string",
            fix="pass e.g. model_bands=['g', 'r', 'i']",
        )
    if survey is not None:
        _canonical_survey(survey)
    models = list(dict.fromkeys(model_bands))
    if not models:
        raise AstrolearnInputError("model_bands is empty", fix="list the model's bands")
    if isinstance(model_bands, Mapping):  # band -> effective wavelength, as a model stores
        model_wl = np.array([float(model_bands[b]) for b in models])
    else:
        model_wl = effective_wavelength(models, model_survey)
    low, high = float(model_wl.min()), float(model_wl.max())
    mapping: dict[str, str] = {}
    unusable: dict[str, str] = {}
    rows = []
    for source in dict.fromkeys(source_bands):
        try:
            canonical = resolve_band(source, survey)
        except _AmbiguousBandError:
            raise
        except AstrolearnInputError as exc:
            unusable[source] = f"unknown passband ({exc.problem})"
            rows.append({"source": source, "source_band": None, "source_wavelength": np.nan,
                         "model_band": None, "model_wavelength": np.nan,
                         "relative_offset": np.nan, "usable": False})
            continue
        wl = PASSBANDS[canonical].wavelength
        nearest = int(np.argmin(np.abs(model_wl - wl)))
        offset = abs(model_wl[nearest] - wl) / wl
        usable = offset <= tolerance
        if usable:
            mapping[source] = models[nearest]
        else:
            where = (
                f"outside the model's bands {low:.0f}–{high:.0f} Å"
                if wl < low or wl > high
                else "between the model's bands"
            )
            unusable[source] = (
                f"{source} at {wl:.0f} Å is {where} (nearest {models[nearest]} at "
                f"{model_wl[nearest]:.0f} Å, {100 * offset:.1f}% away)"
            )
        rows.append({"source": source, "source_band": canonical, "source_wavelength": wl,
                     "model_band": models[nearest], "model_wavelength": model_wl[nearest],
                     "relative_offset": offset, "usable": usable})
    table = pd.DataFrame(rows, columns=["source", "source_band", "source_wavelength",
                                        "model_band", "model_wavelength", "relative_offset",
                                        "usable"])
    return BandMapping(mapping, unusable, table, float(tolerance))


def _numeric_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    try:
        return pd.to_numeric(frame[column], errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise AstrolearnInputError(
            "column is not numeric", column=column,
            fix="convert it to numbers; write missing values as empty/NaN, not text",
        ) from exc


def _ab_offsets(
    frame: pd.DataFrame, system: str | Mapping[str, str], band: str, survey: str | None
) -> np.ndarray:
    """Per-row offset ``m_AB - m_system`` (0 for AB rows)."""
    if isinstance(system, str):
        if system not in ("AB", "Vega"):
            raise AstrolearnInputError(
                f"system must be 'AB', 'Vega' or a mapping band -> system, got {system!r}",
                fix="use system='AB' (ZTF, ATLAS, PS1, LSST, DES, SDSS) or 'Vega' (Swift UVOT)",
            )
        if system == "AB":
            return np.zeros(len(frame))
    elif not isinstance(system, Mapping):
        raise AstrolearnInputError(
            f"system must be 'AB', 'Vega' or a mapping band -> system, got {system!r}",
            fix="pass e.g. system={'UVW2': 'Vega', 'g': 'AB'}",
        )
    if band not in frame.columns:
        raise AstrolearnInputError(
            "Vega magnitudes need the band of every row, but the column is missing",
            column=band, fix="name the band column with band=..., or pass system='AB'",
        )
    offsets = np.zeros(len(frame))
    names = frame[band].astype(str).to_numpy()
    for value in pd.unique(names):
        rows = names == value
        row_system = system if isinstance(system, str) else system.get(value)
        if row_system is None:
            raise AstrolearnInputError(
                f"system gives no magnitude system for band {value!r}",
                column=band, fix="add the band to the system mapping, e.g. {'g': 'AB'}",
            )
        if row_system == "AB":
            continue
        if row_system != "Vega":
            raise AstrolearnInputError(
                f"unknown magnitude system {row_system!r} for band {value!r}",
                fix="use 'AB' or 'Vega'",
            )
        canonical = resolve_band(value, survey)
        if canonical not in VEGA_TO_AB:
            raise AstrolearnInputError(
                f"no Vega-to-AB offset is known for band {value!r} ({canonical}); known: "
                f"{', '.join(VEGA_TO_AB)}",
                column=band, fix="convert these magnitudes to AB first and pass system='AB'",
            )
        offsets[rows] = VEGA_TO_AB[canonical]
    return offsets


def magnitudes_to_flux(
    frame: pd.DataFrame,
    mag: str = "mag",
    mag_err: str = "mag_err",
    limit: str = "limit",
    zero_point: float = 27.5,
    *,
    is_limit: str = "is_limit",
    system: str | Mapping[str, str] = "AB",
    band: str = "band",
    survey: str | None = None,
    limit_sigma: float = 5.0,
) -> pd.DataFrame:
    """Turn magnitudes, their errors and upper limits into canonical flux columns.

    ``flux = 10 ** ((zero_point - m_AB) / 2.5)`` and ``flux_err = 0.4 ln(10) flux σ_m``
    (first-order propagation). With the default zero point 27.5 the flux is in the SNANA
    ``FLUXCAL`` units of the simulations: a magnitude 22.5 gives a flux of 100.

    Upper limits (non-detections) may be written in either of two ways, both accepted:

    * the magnitude is NaN and column ``limit`` holds the limiting magnitude;
    * a boolean column ``is_limit`` is True, and the limiting magnitude is in ``limit``
      (when that column exists and is finite on the row) or else in ``mag``.

    A limit of magnitude ``m_lim`` (a ``limit_sigma``-σ limit, 5 by default) becomes
    ``flux = 0``, ``flux_err = F_lim / limit_sigma`` with ``F_lim = 10 ** ((zero_point -
    m_lim) / 2.5)`` and ``detected = False``; measured magnitudes give ``detected = True``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per observation (an astropy Table is converted).
    mag, mag_err, limit : str
        Columns of the magnitude, its 1-σ error and the limiting magnitude (the limit column
        is optional when every row has a magnitude or ``is_limit`` is used).
    zero_point : float
        Zero point of the output flux (27.5: SNANA ``FLUXCAL``).
    is_limit : str, keyword-only
        Optional boolean column marking upper limits.
    system : {"AB", "Vega"} or mapping, keyword-only
        Magnitude system of the input: ``"AB"`` (ZTF, ATLAS, Pan-STARRS, LSST, DES, SDSS),
        ``"Vega"`` (Swift/UVOT by default), or a mapping band (as written in the ``band``
        column) -> system for tables mixing both. Vega magnitudes are converted with
        :data:`VEGA_TO_AB`, which needs the ``band`` column.
    band : str, keyword-only
        Band column, used only for Vega magnitudes.
    survey : str, optional, keyword-only
        Survey of bare band names in ``band`` (e.g. ``"swift"``).
    limit_sigma : float, keyword-only
        Significance of the limiting magnitudes.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` with columns ``flux``, ``flux_err`` and ``detected`` added
        (replacing any of that name); ``frame`` is not modified.

    Raises
    ------
    AstrolearnInputError
        Missing columns, a magnitude without an error, a non-detection without a limit,
        magnitudes outside ``(-50, 50)`` (sentinels such as 99 or -99 must be NaN), errors
        that are not positive.

    Examples
    --------
    Magnitude 22.5 ± 0.1: flux 10**((27.5 - 22.5)/2.5) = 100, error 0.4 ln10 x 100 x 0.1 =
    9.21; limit 25 (5σ): flux 0, error 10**(2.5/2.5) / 5 = 2.

    >>> table = pd.DataFrame({"mag": [22.5, np.nan], "mag_err": [0.1, np.nan],
    ...                       "limit": [np.nan, 25.0]})
    >>> out = magnitudes_to_flux(table)
    >>> out["flux"].round(4).tolist(), out["flux_err"].round(4).tolist()
    ([100.0, 0.0], [9.2103, 2.0])
    >>> out["detected"].tolist()
    [True, False]
    """
    if hasattr(frame, "to_pandas") and not isinstance(frame, pd.DataFrame):
        frame = frame.to_pandas()
    if not isinstance(frame, pd.DataFrame):
        raise AstrolearnInputError(
            f"frame is a {type(frame).__name__}, expected a pandas DataFrame",
            fix="pass a table with one row per observation",
        )
    for name, value in (("zero_point", zero_point), ("limit_sigma", limit_sigma)):
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not np.isfinite(value)):
            raise AstrolearnInputError(f"{name} must be a finite number, got {value!r}",
                                       fix=f"pass e.g. {name}=27.5" if name == "zero_point"
                                       else f"pass e.g. {name}=5")
    if limit_sigma <= 0:
        raise AstrolearnInputError(f"limit_sigma must be positive, got {limit_sigma}",
                                   fix="pass limit_sigma=5 for 5-sigma limits")
    if mag not in frame.columns:
        raise AstrolearnInputError(
            "magnitude column is missing", column=mag,
            fix=f"name the magnitude column with mag=... (columns: {list(frame.columns)})",
        )
    m = _numeric_column(frame, mag)
    n = len(frame)
    lim = _numeric_column(frame, limit) if limit in frame.columns else np.full(n, np.nan)

    if is_limit in frame.columns:
        flags = frame[is_limit]
        if flags.isna().any() or not (
            pd.api.types.is_bool_dtype(flags) or flags.isin([0, 1]).all()
        ):
            raise AstrolearnInputError(
                "upper-limit flags must be True/False (or 1/0) on every row", column=is_limit,
                fix="fill the flag column with booleans",
            )
        upper = flags.to_numpy().astype(bool)
        lim = np.where(upper & ~np.isfinite(lim), m, lim)
    else:
        upper = np.isnan(m)

    if upper.any():
        bad = upper & ~np.isfinite(lim)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise AstrolearnInputError(
                f"{int(bad.sum())} rows have no magnitude and no limiting magnitude "
                f"(first: row {first})",
                column=limit if limit in frame.columns else mag,
                fix=f"give the limiting magnitude in column {limit!r}, or drop those rows",
            )
    detected = ~upper
    values = np.where(detected, m, lim)
    if np.isinf(values).any() or (np.abs(values[np.isfinite(values)]) >= 50).any():
        raise AstrolearnInputError(
            "magnitudes or limits outside (-50, 50) -- sentinel values such as 99 or -99?",
            column=mag,
            fix="replace sentinels by NaN (and give the limiting magnitude for non-detections)",
        )

    if detected.any():
        if mag_err not in frame.columns:
            raise AstrolearnInputError(
                "magnitude errors are needed for the measured magnitudes, but the column is "
                "missing", column=mag_err,
                fix="name the error column with mag_err=... (flux errors cannot be guessed)",
            )
        err = _numeric_column(frame, mag_err)
        bad = detected & ~(np.isfinite(err) & (err > 0))
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise AstrolearnInputError(
                f"{int(bad.sum())} measured magnitudes have a missing or non-positive error "
                f"(first: row {first}, {mag}={m[first]:g})",
                column=mag_err,
                fix="fill the errors, drop those rows, or mark them as upper limits",
            )
    else:
        err = np.zeros(n)

    ab = values + _ab_offsets(frame, system, band, survey)
    scale = 10.0 ** ((zero_point - ab) / 2.5)
    flux = np.where(detected, scale, 0.0)
    flux_err = np.where(detected, 0.4 * np.log(10.0) * scale * np.where(detected, err, 0.0),
                        scale / limit_sigma)
    out = frame.copy()
    out["flux"] = flux
    out["flux_err"] = flux_err
    out["detected"] = detected
    return out
