"""Reading and writing galaxy cutouts: npz, HDF5, FITS, folders of FITS or PNG/JPEG files.

Every reader returns an :class:`ImageSet`: float32 images ``(n, bands, height, width)``
(NCHW), one string id per image, optional string labels, and whether the pixel values are
already display-stretched (8-bit images scaled to [0, 1]) or linear fluxes (FITS, simulator
counts), which decides how :func:`astrolearn.images.preprocess.prepare_images` treats them.

Formats (:func:`read_images`):

* ``.npz`` (read without pickle): the array ``images`` (or the only array of two or more
  dimensions), optional ``ids``/``id`` and ``labels``/``label`` arrays and ``stretched``
  flag (what :func:`write_images` writes).
* ``.h5``/``.hdf5``: the dataset ``images`` (or the only 3-/4-D one), optional ``ids`` and
  ``labels``; the Galaxy10 layout (``images`` uint8 NHWC, ``ans`` integer classes) works as is.
* FITS (``.fits``, ``.fit``, ``.fts``, ``.fz``, ``.fits.gz``), read with astropy from the
  first HDU holding an image: a 2-D image is one cutout (id: the file stem), a 3-D cube
  ``(n, h, w)`` is ``n`` one-band cutouts, a 4-D cube has bands.
* a folder of FITS files (one cutout each, ``(h, w)`` or ``(bands, h, w)``) or of PNG/JPEG
  files (Pillow; RGB gives 3 bands, grey 1): ids are the file stems, files are sorted by
  name. A folder with no image files but subfolders of them is a labelled set
  (``folder/<class>/<file>``, as in image-classification data sets): labels are the
  subfolder names; ids are the file stems, or ``<class>/<stem>`` when stems repeat.

4-D arrays are NCHW or NHWC: NHWC when the last axis has 1-4 entries and the second more
than 4 (``layout="nchw"``/``"nhwc"`` decides otherwise); 3-D arrays are one-band ``(n, h, w)``.
uint8 pixels are divided by 255 and marked ``stretched`` (as PNG/JPEG); other types are
linear fluxes unless the file says otherwise. Without stored ids, the ids are the row numbers
``"0" .. "n-1"`` (which match e.g. the ``index`` column of a labels table).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from astrolearn.errors import AstrolearnInputError

__all__ = ["FITS_SUFFIXES", "RASTER_SUFFIXES", "ImageSet", "read_images", "read_labels",
           "write_images"]

FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fz", ".fits.gz", ".fit.gz")
RASTER_SUFFIXES = (".png", ".jpg", ".jpeg")
_ID_COLUMNS = ("id", "object_id", "objid", "index")
_SHOWN = 5  # ids named in an error message


def _as_str(values: Any) -> np.ndarray:
    """A 1-D str array; bytes are decoded, integral floats lose their ``.0``."""
    arr = np.asarray(values)
    if arr.dtype.kind == "S" or (arr.dtype == object and arr.size
                                 and isinstance(arr.flat[0], bytes)):
        return np.array([v.decode() if isinstance(v, bytes) else str(v) for v in arr.ravel()],
                        dtype=str).reshape(arr.shape)
    out = arr.astype(str)
    if arr.dtype.kind == "f":  # ids or classes that went through a float column: 3.0 -> "3"
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(arr) & (arr == np.round(arr)) & (np.abs(arr) < 2.0**53)
        out = out.astype(object)
        out[whole] = arr[whole].astype(np.int64).astype(str)
        out = out.astype(str)
    return out


@dataclasses.dataclass(frozen=True)
class ImageSet:
    """Cutouts with their ids, optional labels, and how their pixel values are scaled.

    Parameters
    ----------
    images : ndarray, float32, shape (n, bands, height, width)
    ids : ndarray of str, shape (n,)
        Unique identifiers.
    labels : ndarray of str, shape (n,), optional
    stretched : bool, default False
        True when pixel values are display-stretched in [0, 1] (8-bit PNG/JPEG, uint8
        arrays), False for linear fluxes.
    source : Path, optional
        The file or folder read.

    Examples
    --------
    >>> s = ImageSet(np.zeros((3, 1, 8, 8), np.float32), np.array(["a", "b", "c"]))
    >>> len(s), s.subset([2, 0]).ids.tolist()
    (3, ['c', 'a'])
    """

    images: np.ndarray
    ids: np.ndarray
    labels: np.ndarray | None = None
    stretched: bool = False
    source: Path | None = None

    def __post_init__(self) -> None:
        images = np.asarray(self.images)
        if images.ndim != 4 or images.dtype.kind not in "fiu" or images.dtype == np.uint8:
            raise AstrolearnInputError(
                f"ImageSet images must be a float array (n, bands, height, width), got "
                f"{images.dtype} {images.shape}", file=self.source,
                fix="read files with read_images (uint8 is divided by 255 there)")
        n = len(images)
        object.__setattr__(self, "images", images.astype(np.float32, copy=False))
        for name in ("ids", "labels"):
            value = getattr(self, name)
            if value is None:
                continue
            arr = _as_str(value)
            if arr.shape != (n,):
                raise AstrolearnInputError(f"{len(arr)} {name} for {n} images", file=self.source,
                                           fix=f"give one {name[:-1]} per image")
            object.__setattr__(self, name, arr)
        if self.ids is None:
            raise AstrolearnInputError("an ImageSet needs ids", fix="give one id per image")
        _check_unique(self.ids, self.source)
        object.__setattr__(self, "stretched", bool(self.stretched))
        if self.source is not None:
            object.__setattr__(self, "source", Path(self.source))

    def __len__(self) -> int:
        return len(self.images)

    def subset(self, index: Any) -> ImageSet:
        """The images at ``index`` (integer positions, a boolean mask or a slice)."""
        if np.ndim(index) == 0 and not isinstance(index, slice):
            index = [index]
        return dataclasses.replace(self, images=self.images[index], ids=self.ids[index],
                                   labels=None if self.labels is None else self.labels[index])


def _check_unique(ids: np.ndarray, file: Path | str | None) -> None:
    counts = Counter(ids.tolist())
    repeated = [i for i, c in counts.items() if c > 1]
    if repeated:
        raise AstrolearnInputError(
            f"{len(repeated)} ids occur more than once (e.g. {repeated[:_SHOWN]})", file=file,
            fix="give every image its own id")


def _check_finite(images: np.ndarray, ids: np.ndarray, file: Path | str | None) -> None:
    """Refuse images without one finite pixel (they hold no data at all)."""
    if images.dtype.kind != "f":
        return
    empty = ~np.isfinite(images.reshape(len(images), -1)).any(axis=1)
    if empty.any():
        raise AstrolearnInputError(
            f"{int(empty.sum())} images are NaN/inf only (ids {ids[empty][:_SHOWN].tolist()})",
            file=file, fix="drop those cutouts: they hold no data")


def _to_nchw(arr: np.ndarray, layout: str, file: Path) -> tuple[np.ndarray, bool]:
    """A float32 NCHW array from a 2-, 3- or 4-D array, and whether it was uint8."""
    if arr.dtype.kind not in "biuf":
        raise AstrolearnInputError(f"the images are not numeric (dtype {arr.dtype})", file=file,
                                   fix="store the pixels as a numeric array")
    if arr.ndim == 2:
        arr = arr[None, None]
    elif arr.ndim == 3:
        arr = arr[:, None]
    elif arr.ndim == 4:
        nhwc = arr.shape[-1] <= 4 < arr.shape[1] if layout == "auto" else layout == "nhwc"
        if nhwc:
            arr = arr.transpose(0, 3, 1, 2)
    else:
        raise AstrolearnInputError(
            f"images must have 2 to 4 dimensions, got shape {arr.shape}", file=file,
            fix="store (n, bands, height, width), (n, height, width, bands), (n, height, "
                "width) or one (height, width) image")
    if min(arr.shape, default=0) < 1:
        raise AstrolearnInputError(f"the image array is empty (shape {arr.shape})", file=file,
                                   fix="give at least one image")
    if arr.dtype == np.uint8:
        return arr.astype(np.float32, order="C") / np.float32(255.0), True
    return arr.astype(np.float32, order="C"), False


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted((*FITS_SUFFIXES, *RASTER_SUFFIXES, ".npz", ".h5", ".hdf5"),
                         key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _stem(path: Path) -> str:
    return path.name[: len(path.name) - len(_suffix(path))]


# ----------------------------------------------------------------------------- arrays
def _read_npz(path: Path, layout: str):
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except ValueError as err:
        raise AstrolearnInputError(f"cannot be read without pickle ({err})", file=path,
                                   fix="save ids and labels as string arrays, not objects"
                                   ) from None
    pick = {"ids": ("ids", "id"), "labels": ("labels", "label")}
    found = {k: next((arrays[n] for n in names if n in arrays), None) for k, names in pick.items()}
    if "images" in arrays:
        images = arrays["images"]
    else:
        others = [k for k, v in arrays.items() if v.ndim >= 2]
        if len(others) != 1:
            raise AstrolearnInputError(
                f"no 'images' array and {len(others)} candidates ({', '.join(arrays)})",
                file=path, fix="name the image array 'images' (np.savez(path, images=...))")
        images = arrays[others[0]]
    stretched = bool(arrays["stretched"]) if "stretched" in arrays else None
    return images, found["ids"], found["labels"], stretched


def _read_hdf5(path: Path, layout: str):
    import h5py

    with h5py.File(path, "r") as handle:
        datasets: dict[str, Any] = {}

        def visit(name: str, obj: Any) -> None:  # returning a value would stop the visit
            if isinstance(obj, h5py.Dataset):
                datasets[name] = obj

        handle.visititems(visit)
        if "images" in datasets:
            key = "images"
        else:
            cubes = [k for k, v in datasets.items() if v.ndim in (3, 4)]
            if len(cubes) != 1:
                raise AstrolearnInputError(
                    f"no 'images' dataset and {len(cubes)} 3-/4-D datasets "
                    f"({', '.join(cubes) or 'none'})", file=path,
                    fix="name the image dataset 'images'")
            key = cubes[0]
        images = datasets[key][()]

        group = key.rpartition("/")[0]  # ids and labels sit next to the images

        def first(*names):
            paths = [f"{group}/{n}" if group else n for n in names]
            return next((datasets[p][()] for p in paths if p in datasets), None)

        return images, first("ids", "id"), first("labels", "label", "ans"), None


def _fits_image(path: Path, *, header_only: bool = False):
    """The first HDU with image data in a FITS file (its shape, or its data)."""
    from astropy.io import fits

    with fits.open(path, memmap=False, lazy_load_hdus=True) as hdul:
        for hdu in hdul:
            if isinstance(hdu, fits.PrimaryHDU | fits.ImageHDU | fits.CompImageHDU) \
                    and hdu.shape and len(hdu.shape) >= 2:
                return tuple(hdu.shape) if header_only else np.asarray(hdu.data)
    raise AstrolearnInputError("the FITS file holds no image HDU", file=path,
                               fix="give FITS cutouts (an image in the primary HDU or an "
                                   "image extension)")


# ---------------------------------------------------------------------------- folders
def _folder_files(folder: Path) -> tuple[list[Path], np.ndarray | None]:
    def images_in(place: Path) -> list[Path]:
        return sorted(p for p in place.iterdir() if p.is_file() and not p.name.startswith(".")
                      and _suffix(p) in (*FITS_SUFFIXES, *RASTER_SUFFIXES))

    files = images_in(folder)
    if files:
        return files, None
    labels: list[str] = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        found = images_in(sub)
        files += found
        labels += [sub.name] * len(found)
    if not files:
        raise AstrolearnInputError(
            "the folder holds no image files", file=folder,
            fix=f"give a folder of {'/'.join(FITS_SUFFIXES + RASTER_SUFFIXES)} files (or of "
                "class subfolders holding them)")
    return files, np.array(labels)


def _is_grey(img) -> bool:
    return img.mode in ("1", "L", "LA") or img.mode.startswith("I")


def _raster(path: Path) -> np.ndarray:
    """(bands, h, w) in [0, 1]: grey 1 band, anything else (RGB, RGBA, palette) 3 bands."""
    from PIL import Image

    with Image.open(path) as img:
        if img.mode.startswith("I"):  # 16-bit grey
            return np.asarray(img, dtype=np.float32)[None] / np.float32(65535.0)
        pixels = np.asarray(img.convert("L" if _is_grey(img) else "RGB"), dtype=np.float32)
    pixels = pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)
    return pixels / np.float32(255.0)


def _raster_shape(path: Path) -> tuple[int, ...]:
    from PIL import Image

    with Image.open(path) as img:
        return (1 if _is_grey(img) else 3, img.height, img.width)


def _read_folder(folder: Path, size: int | None):
    files, labels = _folder_files(folder)
    kinds = {_suffix(f) in FITS_SUFFIXES for f in files}
    if len(kinds) > 1:
        raise AstrolearnInputError("the folder mixes FITS and PNG/JPEG files", file=folder,
                                   fix="keep one kind of file per folder")
    fits_files = kinds == {True}

    def each(f: Path, read):
        try:
            return read(f)
        except (OSError, ValueError, SyntaxError) as err:  # PIL raises SyntaxError too
            if isinstance(err, AstrolearnInputError):
                raise
            raise AstrolearnInputError(f"cannot read the image ({type(err).__name__}: {err})",
                                       file=f, fix="remove or replace the damaged file") from None

    shape_of = (lambda f: _fits_image(f, header_only=True)) if fits_files else _raster_shape
    shapes = [each(f, shape_of) for f in files]
    shapes = [s if len(s) == 3 else (1, *s) for s in shapes]
    common = Counter(s if size is None else s[0] for s in shapes).most_common(1)[0][0]
    odd = [f for f, s in zip(files, shapes, strict=True)
           if (s if size is None else s[0]) != common or len(s) != 3]
    if odd:
        what = "bands x height x width" if size is None else "number of bands"
        got = shapes[files.index(odd[0])]
        raise AstrolearnInputError(
            f"{len(odd)} files differ from the others' {what} {common} (this one: {got})",
            file=odd[0], fix="bring all images to one size (resize them, or read them with "
                             "size=N, --size N on the command line, to resample each to N x N) "
                             "and one number of bands")
    from astrolearn.images.preprocess import center_crop, resize_images

    bands, h, w = shapes[0] if size is None else (common, size, size)
    images = np.empty((len(files), bands, h, w), dtype=np.float32)
    for i, f in enumerate(files):
        pixels = np.asarray(each(f, _fits_image if fits_files else _raster), dtype=np.float32)
        pixels = pixels.reshape(1, bands, *pixels.shape[-2:])
        if size is not None and pixels.shape[-2:] != (size, size):
            side = min(pixels.shape[-2:])
            pixels = resize_images(center_crop(pixels, side), size)
        images[i] = pixels[0]
    ids = np.array([_stem(f) for f in files])
    if labels is not None and len(set(ids.tolist())) < len(ids):
        ids = np.array([f"{lab}/{i}" for lab, i in zip(labels, ids, strict=True)])
    return images, ids, labels, not fits_files


def read_images(path: str | Path, *, ids: Sequence[str] | None = None, layout: str = "auto",
                size: int | None = None) -> ImageSet:
    """Read galaxy cutouts from an npz, HDF5 or FITS file or a folder of FITS/PNG/JPEG files.

    Parameters
    ----------
    path : str or Path
        The file or folder (formats in the module docstring).
    ids : sequence of str, optional
        Ids to give the images, in file order (replacing any stored in the file).
    layout : {"auto", "nchw", "nhwc"}, default "auto"
        Axis order of 4-D arrays.
    size : int, optional
        Resample every image to ``size`` x ``size`` pixels (non-square images are centre
        cropped to a square first; :func:`astrolearn.images.preprocess.resize_images`). This
        lets a folder of images of different sizes be read.

    Returns
    -------
    ImageSet

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "cutouts.npz"
    >>> np.savez(path, images=np.zeros((5, 16, 16, 3), dtype=np.uint8))
    >>> s = read_images(path)
    >>> s.images.shape, s.ids[:2].tolist(), s.stretched
    ((5, 3, 16, 16), ['0', '1'], True)
    """
    path = Path(path)
    if layout not in ("auto", "nchw", "nhwc"):
        raise AstrolearnInputError(f"unknown layout {layout!r}", column="layout",
                                   fix='use "auto", "nchw" or "nhwc"')
    if size is not None and (isinstance(size, bool) or not isinstance(size, int | np.integer)
                             or size < 1):
        raise AstrolearnInputError(f"size must be a positive integer, got {size!r}",
                                   column="size", fix="give e.g. size=64")
    if not path.exists():
        raise AstrolearnInputError("no such file or folder", file=path, fix="check the path")
    suffix = _suffix(path)
    labels = None
    try:
        if path.is_dir():
            images, file_ids, labels, stretched = _read_folder(path, size)
        elif suffix in (".npz", ".h5", ".hdf5", *FITS_SUFFIXES):
            if suffix == ".npz":
                raw, file_ids, labels, stretched = _read_npz(path, layout)
            elif suffix in (".h5", ".hdf5"):
                raw, file_ids, labels, stretched = _read_hdf5(path, layout)
            else:
                raw, stretched = _fits_image(path), None  # linear unless uint8
                file_ids = [_stem(path)] if raw.ndim == 2 else None
            images, is_uint8 = _to_nchw(np.asarray(raw), layout, path)
            stretched = is_uint8 if stretched is None else stretched
            if size is not None and images.shape[-2:] != (size, size):
                from astrolearn.images.preprocess import center_crop, resize_images

                images = resize_images(center_crop(images, min(images.shape[-2:])), size)
        else:
            raise AstrolearnInputError(
                f"unknown image format {suffix or '(no extension)'!r}", file=path,
                fix="give .npz, .h5/.hdf5, FITS, or a folder of FITS/PNG/JPEG files")
    except AstrolearnInputError as err:
        raise err.in_file(path) from None
    except (OSError, KeyError, ValueError, TypeError) as err:
        raise AstrolearnInputError(f"cannot be read as images ({type(err).__name__}: {err})",
                                   file=path, fix="check that the file is complete and of the "
                                                  "format its name says") from None
    n = len(images)
    if ids is not None:
        file_ids = ids
    if file_ids is None:
        file_ids = np.arange(n).astype(str)
    if len(file_ids) != n:
        raise AstrolearnInputError(f"{len(file_ids)} ids for {n} images", file=path,
                                   fix="give one id per image")
    result = ImageSet(images, _as_str(file_ids), None if labels is None else _as_str(labels),
                      bool(stretched), path)
    _check_finite(result.images, result.ids, path)
    return result


def read_labels(path: str | Path, ids: Sequence[str], *, id_column: str | None = None,
                label_column: str = "label") -> np.ndarray:
    """Labels for ``ids`` from a table file (Parquet, CSV, FITS, ...), matched by id.

    Parameters
    ----------
    path : str or Path
        The labels table; it may hold more rows than ``ids``.
    ids : sequence of str
        The image ids (e.g. ``ImageSet.ids``).
    id_column : str, optional
        Column of the ids; default the first of ``id``, ``object_id``, ``objid``, ``index``
        that the table has and that holds every id (else the first of them present).
    label_column : str, default "label"

    Returns
    -------
    ndarray of str, shape (len(ids),)

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "labels.csv"
    >>> _ = path.write_text("id,label\\n7,spiral\\n3,elliptical\\n9,merger\\n")
    >>> read_labels(path, ["3", "7"]).tolist()
    ['elliptical', 'spiral']
    """
    import pandas as pd

    from astrolearn.io import read_table, require_columns

    table = read_table(path)
    wanted = _as_str(ids).ravel()
    if id_column is None:
        present = [c for c in _ID_COLUMNS if c in table.columns]
        if not present:
            raise AstrolearnInputError(
                f"no id column ({', '.join(_ID_COLUMNS)}) in the table", file=path,
                fix=f"name it with --id-column (the table has: {', '.join(map(str, table))})")
        covers = [c for c in present if np.isin(wanted, _as_str(table[c].to_numpy())).all()]
        id_column = (covers or present)[0]
    require_columns(table, [id_column, label_column], file=path)
    keys = _as_str(table[id_column].to_numpy())
    keep = np.isin(keys, wanted)
    keys, values = keys[keep], table[label_column].to_numpy()[keep]
    counts = Counter(keys.tolist())
    repeated = [k for k, c in counts.items() if c > 1]
    if repeated:
        raise AstrolearnInputError(f"{len(repeated)} ids occur in several rows (e.g. "
                                   f"{repeated[:_SHOWN]})", file=path, column=id_column,
                                   fix="keep one row per image")
    missing = [i for i in wanted.tolist() if i not in counts]
    if missing:
        raise AstrolearnInputError(
            f"{len(missing)} of {len(wanted)} image ids are not in the table (e.g. "
            f"{missing[:_SHOWN]})", file=path, column=id_column,
            fix="give a labels table with a row per image, or name the id column with "
                "--id-column")
    order = {k: i for i, k in enumerate(keys.tolist())}
    labels = values[[order[i] for i in wanted.tolist()]]
    unknown = np.asarray(pd.isna(pd.Series(labels, dtype=object)))
    if unknown.any():
        raise AstrolearnInputError(f"{int(unknown.sum())} images have no label (e.g. ids "
                                   f"{wanted[unknown][:_SHOWN].tolist()})", file=path,
                                   column=label_column, fix="fill in or drop those rows")
    return _as_str(labels)


def write_images(path: str | Path, images: np.ndarray, ids: Sequence[str],
                 labels: Sequence[str] | None = None, *, stretched: bool = False) -> Path:
    """Write cutouts to a compressed ``.npz`` (no pickle), atomically; :func:`read_images`
    reads it back.

    Parameters
    ----------
    path : str or Path
        Output file, ending in ``.npz``.
    images : ndarray, shape (n, bands, height, width)
        Stored as float32 (uint8 is divided by 255 and marked stretched).
    ids : sequence of str
        One unique id per image.
    labels : sequence of str, optional
    stretched : bool, default False
        Whether the values are display-stretched (stored, and restored on reading).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "out.npz"
    >>> _ = write_images(path, np.ones((2, 1, 8, 8)), ["a", "b"], ["spiral", "merger"])
    >>> read_images(path).labels.tolist()
    ['spiral', 'merger']
    """
    from astrolearn.io import atomic_path

    path = Path(path)
    if _suffix(path) != ".npz":
        raise AstrolearnInputError("cutouts are written as .npz", file=path,
                                   fix="give an output path ending in .npz")
    arr = np.asarray(images)
    if arr.ndim != 4:
        raise AstrolearnInputError(f"images must have shape (n, bands, height, width), got "
                                   f"{arr.shape}", file=path, fix="add a band axis (x[:, None])")
    x, is_uint8 = _to_nchw(arr, "nchw", path)
    result = ImageSet(x, _as_str(ids), None if labels is None else _as_str(labels),
                      stretched or is_uint8, path)
    _check_finite(result.images, result.ids, path)
    arrays = {"images": result.images, "ids": result.ids,
              "stretched": np.array(result.stretched)}
    if result.labels is not None:
        arrays["labels"] = result.labels
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    return path
