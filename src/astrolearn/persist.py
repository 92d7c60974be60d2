"""Model folders: a JSON manifest plus weights in formats that run no code when loaded.

A model folder holds ``manifest.json`` (task, estimator, parameters, feature names,
class names, training-data fingerprint, metrics, package versions, and the SHA-256 of
every weight file) and the weight files themselves: LightGBM text, safetensors, skops
(with an explicit list of trusted types) or numpy ``.npz`` without object arrays.
Loading never unpickles. Folders are written to a temporary sibling and renamed into
place, so a crash never leaves a half-written model behind.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "model"
>>> def write(tmp):
...     (tmp / "weights.txt").write_text("42")
...     return {"weights": "weights.txt"}
>>> _ = write_model_folder(folder, {"task": "demo", "estimator": "none"}, write)
>>> read_manifest(folder)["files"]["weights"]
'weights.txt'
"""

from __future__ import annotations

import hashlib
import importlib
import json
import platform
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError

__all__ = [
    "ESTIMATORS",
    "FORMAT_VERSION",
    "data_fingerprint",
    "load_model",
    "package_versions",
    "read_estimator_manifest",
    "read_manifest",
    "row_hashes",
    "write_model_folder",
]

#: Version of the model-folder layout. Bumped when a folder written before cannot be read.
FORMAT_VERSION = 1

#: Estimators a manifest may name, and where they live. Loading imports only these.
ESTIMATORS: dict[str, str] = {
    "SourceClassifier": "astrolearn.catalogs.classifier:SourceClassifier",
    "PhotoZ": "astrolearn.photoz.estimator:PhotoZ",
    "ImageClassifier": "astrolearn.images.classifier:ImageClassifier",
    "AutoencoderScorer": "astrolearn.anomalies.autoencoder:AutoencoderScorer",
    "WGANScorer": "astrolearn.anomalies.wgan:WGANScorer",
    "TransientClassifier": "astrolearn.transients.classifier:TransientClassifier",
    "TransitClassifier": "astrolearn.transits.classifier:TransitClassifier",
    "GlitchClassifier": "astrolearn.glitches.classifier:GlitchClassifier",
}


def package_versions(*extra: str) -> dict[str, str]:
    """Versions of Python, astrolearn and the numerical packages (and of ``extra`` ones)."""
    from importlib.metadata import PackageNotFoundError, version

    names = ("astrolearn", "numpy", "pandas", "scikit-learn", "lightgbm", "astropy", *extra)
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def row_hashes(frame: pd.DataFrame, columns: list[str] | None = None) -> np.ndarray:
    """A 64-bit hash per row of ``frame[columns]`` (values only), for duplicate checks.

    Values are compared as float64, so a number stored as int or float64 in one file and
    float64 in another hashes the same; the training rows of a model folder and any
    later test table are hashed by this one rule.

    Examples
    --------
    >>> h = row_hashes(pd.DataFrame({"u": [1.0, 1.0, 2.0]}))
    >>> bool(h[0] == h[1]), bool(h[0] == h[2])
    (True, False)
    """
    values = (frame if columns is None else frame[columns]).astype(np.float64)
    return pd.util.hash_pandas_object(values.reset_index(drop=True), index=False).to_numpy(
        dtype=np.uint64)


def data_fingerprint(hashes: np.ndarray, labels=None) -> str:
    """SHA-256 of a table given its row hashes (order-independent) and optional labels."""
    digest = hashlib.sha256(np.sort(np.asarray(hashes, dtype=np.uint64)).tobytes())
    if labels is not None:
        label_hashes = pd.util.hash_pandas_object(pd.Series(np.asarray(labels).astype(str)),
                                                  index=False).to_numpy()
        digest.update(np.sort(label_hashes ^ np.asarray(hashes, dtype=np.uint64)).tobytes())
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _json_default(value: Any):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | set):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in a manifest")


def write_model_folder(
    folder: str | Path,
    manifest: dict[str, Any],
    write_files: Callable[[Path], dict[str, str]],
) -> Path:
    """Write a model folder atomically.

    Parameters
    ----------
    folder : str or Path
        Destination. An existing *model folder* there is replaced; any other existing,
        non-empty folder or file is refused.
    manifest : dict
        JSON-serialisable description (``task`` and ``estimator`` are required).
    write_files : callable
        Called with a temporary folder; writes the weight files there and returns
        ``{role: file name}``. Their checksums go into the manifest.

    Returns
    -------
    Path
        The folder.
    """
    folder = Path(folder)
    if folder.exists() and not (folder / "manifest.json").exists():
        if folder.is_file() or any(folder.iterdir()):
            raise AstrolearnInputError(
                "exists and is not a model folder; refusing to overwrite it", file=folder,
                fix="choose a new or empty folder for --out")
    for key in ("task", "estimator"):
        if key not in manifest:
            raise ValueError(f"manifest needs {key!r}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        files = write_files(tmp)
        full = {
            "format_version": FORMAT_VERSION,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **manifest,
            "files": files,
            "checksums": {name: _sha256(tmp / name) for name in files.values()},
            "versions": manifest.get("versions") or package_versions(),
        }
        text = json.dumps(full, indent=2, default=_json_default, allow_nan=False)
        (tmp / "manifest.json").write_text(text + "\n")
        from astrolearn.io import default_permissions

        default_permissions(tmp, directory=True)
        if folder.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", dir=folder.parent))
            old.rmdir()
            folder.rename(old)
            tmp.rename(folder)
            shutil.rmtree(old)
        else:
            tmp.rename(folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return folder


def read_estimator_manifest(folder: str | Path, estimator: str, task: str) -> dict[str, Any]:
    """:func:`read_manifest`, checking that the folder holds an ``estimator`` model.

    Examples
    --------
    >>> read_estimator_manifest("no-such-folder", "PhotoZ", "photoz")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    astrolearn.errors.AstrolearnInputError: ...
    """
    manifest = read_manifest(folder)
    if manifest.get("estimator") != estimator:
        raise AstrolearnInputError(
            f"holds a {manifest.get('estimator')} for task {manifest.get('task')!r}, "
            f"not a {estimator}", file=folder, fix=f"give a '{task}' model folder")
    return manifest


def read_manifest(folder: str | Path, *, verify: bool = True) -> dict[str, Any]:
    """Read and check the manifest of a model folder.

    Raises a clear :class:`AstrolearnInputError` when the folder is not a model folder,
    was written by an incompatible version, or a weight file is missing or altered.
    """
    folder = Path(folder)
    path = folder / "manifest.json"
    if not path.exists():
        raise AstrolearnInputError("not a model folder (no manifest.json)", file=folder,
                                   fix="give a folder written by 'astrolearn fit'")
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise AstrolearnInputError(f"manifest.json is not valid JSON ({err})", file=path,
                                   fix="refit the model; the folder is corrupted") from None
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        made_by = manifest.get("versions", {}).get("astrolearn", "an unknown version")
        raise AstrolearnInputError(
            f"model format {version} (written by astrolearn {made_by}) cannot be read by this "
            f"astrolearn, which reads format {FORMAT_VERSION}",
            file=path,
            fix=f"refit the model with this astrolearn, or install astrolearn=={made_by}",
        )
    if verify:
        for name, expected in manifest.get("checksums", {}).items():
            weight = folder / name
            if not weight.exists():
                raise AstrolearnInputError("weight file missing", file=weight,
                                           fix="copy the whole model folder, or refit")
            if _sha256(weight) != expected:
                raise AstrolearnInputError(
                    "weight file does not match its checksum in manifest.json (altered or "
                    "corrupted)", file=weight, fix="refit the model or restore the folder")
    return manifest


def load_model(folder: str | Path):
    """Load the estimator stored in a model folder, without unpickling anything.

    Examples
    --------
    >>> load_model("no-such-folder")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    astrolearn.errors.AstrolearnInputError: no-such-folder: not a model folder
    """
    manifest = read_manifest(folder)
    name = manifest.get("estimator")
    if name not in ESTIMATORS:
        raise AstrolearnInputError(
            f"unknown estimator {name!r} in manifest.json", file=Path(folder) / "manifest.json",
            fix="upgrade astrolearn to the version that wrote the model")
    module, attribute = ESTIMATORS[name].split(":")
    cls = getattr(importlib.import_module(module), attribute)
    if hasattr(cls, "_from_folder"):
        return cls._from_folder(Path(folder), manifest)
    return cls.load(folder)
