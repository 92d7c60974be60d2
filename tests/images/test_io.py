"""Reading and writing cutouts: npz, HDF5, FITS, folders of FITS and PNG/JPEG, labels tables."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.images.io import ImageSet, read_images, read_labels, write_images


def cube(n: int = 4, bands: int = 3, size: int = 12, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, bands, size, size)).astype(np.float32)


# ------------------------------------------------------------------------------ ImageSet
def test_image_set_subset_len_and_checks():
    s = ImageSet(cube(4), np.array([10, 11, 12, 13]), ["a", "b", "a", "c"], stretched=0)
    assert len(s) == 4 and s.ids.tolist() == ["10", "11", "12", "13"]
    assert s.stretched is False and s.labels.dtype.kind == "U"
    part = s.subset(np.array([True, False, True, False]))
    assert part.ids.tolist() == ["10", "12"] and part.labels.tolist() == ["a", "a"]
    np.testing.assert_array_equal(part.images, s.images[[0, 2]])
    assert s.subset(1).images.shape == (1, 3, 12, 12)
    assert s.subset(slice(1, 3)).ids.tolist() == ["11", "12"]
    assert len(s.subset([])) == 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.stretched = True
    with pytest.raises(AstrolearnInputError, match="3 ids for 4 images"):
        ImageSet(cube(4), ["a", "b", "c"])
    with pytest.raises(AstrolearnInputError, match="more than once"):
        ImageSet(cube(2), ["a", "a"])
    with pytest.raises(AstrolearnInputError, match="uint8"):
        ImageSet(np.zeros((1, 1, 4, 4), np.uint8), ["a"])
    with pytest.raises(AstrolearnInputError, match=r"\(n, bands, height, width\)"):
        ImageSet(np.zeros((4, 4)), ["a"])


# -------------------------------------------------------------------------------- npz
def test_write_images_round_trip(tmp_path):
    x = cube(5)
    x[0, 0, 0, 0] = np.nan  # single NaN pixels are data
    before = x.copy()
    ids = ["g1", "g2", "g3", "g4", "g5"]
    path = write_images(tmp_path / "sub" / "set.npz", x, ids, ["e", "s", "e", "m", "s"])
    assert path.exists() and [p.name for p in path.parent.iterdir()] == ["set.npz"]
    s = read_images(path)
    np.testing.assert_array_equal(s.images, x)
    np.testing.assert_array_equal(x, before)
    assert s.ids.tolist() == ids and s.labels.tolist() == ["e", "s", "e", "m", "s"]
    assert s.stretched is False and s.source == path
    with np.load(path, allow_pickle=False) as data:  # no pickle needed
        assert set(data.files) == {"images", "ids", "labels", "stretched"}
    write_images(path, np.zeros((2, 1, 4, 4), np.uint8) + 51, ["a", "b"])  # overwrite
    again = read_images(path)
    assert again.stretched and again.labels is None
    np.testing.assert_allclose(again.images, 0.2)
    write_images(path, np.full((1, 1, 4, 4), 0.5), ["a"], stretched=True)
    assert read_images(path).stretched


def test_write_images_errors(tmp_path):
    x = cube(3)
    with pytest.raises(AstrolearnInputError, match=r"\.npz"):
        write_images(tmp_path / "a.fits", x, ["a", "b", "c"])
    with pytest.raises(AstrolearnInputError, match="more than once"):
        write_images(tmp_path / "a.npz", x, ["a", "b", "a"])
    with pytest.raises(AstrolearnInputError, match="2 ids for 3 images"):
        write_images(tmp_path / "a.npz", x, ["a", "b"])
    with pytest.raises(AstrolearnInputError, match="2 labels for 3 images"):
        write_images(tmp_path / "a.npz", x, ["a", "b", "c"], ["x", "y"])
    x[1] = np.nan
    with pytest.raises(AstrolearnInputError, match=r"NaN/inf only \(ids \['b'\]\)"):
        write_images(tmp_path / "a.npz", x, ["a", "b", "c"])
    with pytest.raises(AstrolearnInputError, match="band axis"):
        write_images(tmp_path / "a.npz", x[:, 0], ["a", "b", "c"])
    assert not list(tmp_path.iterdir())


def test_read_npz_layouts(tmp_path):
    nhwc = (np.arange(2 * 8 * 8 * 3) % 256).astype(np.uint8).reshape(2, 8, 8, 3)
    np.savez(tmp_path / "a.npz", images=nhwc)
    s = read_images(tmp_path / "a.npz")
    assert s.images.shape == (2, 3, 8, 8) and s.stretched and s.ids.tolist() == ["0", "1"]
    np.testing.assert_allclose(s.images, nhwc.transpose(0, 3, 1, 2) / 255.0, rtol=1e-6)
    # NHWC by shape, but the user says NCHW: 8 bands of 8 x 3
    assert read_images(tmp_path / "a.npz", layout="nchw").images.shape == (2, 8, 8, 3)
    nchw = cube(2, bands=2, size=6)
    np.savez(tmp_path / "b.npz", cutouts=nchw, ids=np.array([5, 7]), label=np.array([0, 1]))
    s = read_images(tmp_path / "b.npz")  # the only 2+-D array; id/label keys
    np.testing.assert_array_equal(s.images, nchw)
    assert s.ids.tolist() == ["5", "7"] and s.labels.tolist() == ["0", "1"]
    assert not s.stretched
    np.savez(tmp_path / "c.npz", images=nchw[:, 0])  # (n, h, w): one band
    assert read_images(tmp_path / "c.npz").images.shape == (2, 1, 6, 6)
    np.savez(tmp_path / "d.npz", images=nchw[0, 0])  # one image
    assert read_images(tmp_path / "d.npz", ids=["only"]).ids.tolist() == ["only"]
    np.savez(tmp_path / "e.npz", images=nchw.transpose(0, 2, 3, 1))
    assert read_images(tmp_path / "e.npz", layout="nhwc").images.shape == (2, 2, 6, 6)
    np.testing.assert_array_equal(read_images(tmp_path / "e.npz", layout="nhwc").images, nchw)


def test_read_npz_errors(tmp_path):
    np.savez(tmp_path / "two.npz", a=cube(2), b=cube(2))
    with pytest.raises(AstrolearnInputError, match="no 'images' array and 2 candidates"):
        read_images(tmp_path / "two.npz")
    np.savez(tmp_path / "obj.npz", images=cube(2), ids=np.array(["a", None], dtype=object))
    with pytest.raises(AstrolearnInputError, match="pickle"):
        read_images(tmp_path / "obj.npz")
    np.savez(tmp_path / "dup.npz", images=cube(2), ids=np.array(["a", "a"]))
    with pytest.raises(AstrolearnInputError, match="more than once"):
        read_images(tmp_path / "dup.npz")
    np.savez(tmp_path / "ok.npz", images=cube(3))
    with pytest.raises(AstrolearnInputError, match="2 ids for 3 images"):
        read_images(tmp_path / "ok.npz", ids=["a", "b"])
    np.savez(tmp_path / "five.npz", images=np.zeros((1, 2, 3, 4, 5)))
    with pytest.raises(AstrolearnInputError, match="2 to 4 dimensions"):
        read_images(tmp_path / "five.npz")
    nan = cube(3)
    nan[2] = np.nan
    np.savez(tmp_path / "nan.npz", images=nan)
    with pytest.raises(AstrolearnInputError, match=r"1 images are NaN/inf only \(ids \['2'\]"):
        read_images(tmp_path / "nan.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(AstrolearnInputError, match=r"bad\.npz: cannot be read"):
        read_images(tmp_path / "bad.npz")
    with pytest.raises(AstrolearnInputError, match=r"unknown image format '\.tif'"):
        (tmp_path / "x.tif").write_bytes(b"x")
        read_images(tmp_path / "x.tif")
    with pytest.raises(AstrolearnInputError, match="no such file"):
        read_images(tmp_path / "missing.npz")
    with pytest.raises(AstrolearnInputError, match="layout"):
        read_images(tmp_path / "ok.npz", layout="hwc")


def test_read_npz_size_resamples(tmp_path):
    np.savez(tmp_path / "a.npz", images=np.ones((2, 1, 12, 16), np.float32))
    s = read_images(tmp_path / "a.npz", size=6)  # centre crop to 12 x 12, then 2 x 2 blocks
    assert s.images.shape == (2, 1, 6, 6)
    np.testing.assert_allclose(s.images, 1.0)


# ------------------------------------------------------------------------------- HDF5
def test_read_hdf5_galaxy10_layout(tmp_path):
    import h5py

    images = np.random.default_rng(1).integers(0, 256, (3, 9, 9, 3)).astype(np.uint8)
    with h5py.File(tmp_path / "Galaxy10.h5", "w") as f:
        f["images"] = images
        f["ans"] = np.array([2, 0, 9], dtype=np.uint8)
    s = read_images(tmp_path / "Galaxy10.h5")
    assert s.images.shape == (3, 3, 9, 9) and s.stretched
    assert s.labels.tolist() == ["2", "0", "9"] and s.ids.tolist() == ["0", "1", "2"]
    np.testing.assert_allclose(s.images[1, 2], images[1, :, :, 2] / 255.0, rtol=1e-6)
    with h5py.File(tmp_path / "nested.hdf5", "w") as f:
        f["data/cube"] = cube(2, bands=1, size=8)[:, 0]
        f["data/ids"] = np.array([b"x1", b"x2"])
        f["data/ra"] = np.array([1.0, 2.0])
    s = read_images(tmp_path / "nested.hdf5")
    assert s.images.shape == (2, 1, 8, 8) and not s.stretched
    assert s.ids.tolist() == ["x1", "x2"]
    with h5py.File(tmp_path / "ids.h5", "w") as f:
        f["images"] = cube(2)
        f["ids"] = np.array([b"x1", b"x2"])
    assert read_images(tmp_path / "ids.h5").ids.tolist() == ["x1", "x2"]
    with h5py.File(tmp_path / "two.h5", "w") as f:
        f["a"] = cube(2)
        f["b"] = cube(2)
    with pytest.raises(AstrolearnInputError, match="2 3-/4-D datasets"):
        read_images(tmp_path / "two.h5")


# ------------------------------------------------------------------------------- FITS
def test_read_fits_files(tmp_path):
    from astropy.io import fits

    data = cube(3, bands=1, size=10)[:, 0].astype(">f4")  # FITS is big-endian
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(data)]).writeto(tmp_path / "cube.fits")
    s = read_images(tmp_path / "cube.fits")
    assert s.images.shape == (3, 1, 10, 10) and s.images.dtype == np.float32
    assert not s.stretched and s.ids.tolist() == ["0", "1", "2"]
    np.testing.assert_array_equal(s.images[:, 0], data)
    fits.PrimaryHDU(data[0]).writeto(tmp_path / "NGC1300.fits.gz")
    one = read_images(tmp_path / "NGC1300.fits.gz")
    assert one.images.shape == (1, 1, 10, 10) and one.ids.tolist() == ["NGC1300"]
    fits.PrimaryHDU(cube(2, bands=4, size=6)).writeto(tmp_path / "bands.fits")
    assert read_images(tmp_path / "bands.fits").images.shape == (2, 4, 6, 6)
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(
        [fits.Column("a", "E", array=np.ones(2))])]).writeto(tmp_path / "table.fits")
    with pytest.raises(AstrolearnInputError, match="no image HDU"):
        read_images(tmp_path / "table.fits")


def test_read_fits_folder(tmp_path):
    from astropy.io import fits

    folder = tmp_path / "cutouts"
    folder.mkdir()
    rng = np.random.default_rng(2)
    arrays = {}
    for name in ("obj_b", "obj_a", "obj_c"):
        arrays[name] = rng.normal(size=(2, 8, 8)).astype(np.float32)  # 2 bands
        fits.PrimaryHDU(arrays[name]).writeto(folder / f"{name}.fits")
    (folder / "notes.txt").write_text("not an image")
    s = read_images(folder)
    assert s.ids.tolist() == ["obj_a", "obj_b", "obj_c"]  # sorted by name
    assert s.images.shape == (3, 2, 8, 8) and not s.stretched and s.labels is None
    np.testing.assert_array_equal(s.images[1], arrays["obj_b"])
    fits.PrimaryHDU(np.zeros((2, 12, 12), np.float32)).writeto(folder / "obj_d.fits")
    with pytest.raises(AstrolearnInputError, match=r"obj_d\.fits: 1 files differ") as err:
        read_images(folder)
    assert "size=N" in str(err.value)
    resized = read_images(folder, size=8)
    assert resized.images.shape == (4, 2, 8, 8)
    np.testing.assert_array_equal(resized.images[0], arrays["obj_a"])


# -------------------------------------------------------------------------- PNG / JPEG
def _png(path, array):
    from PIL import Image

    Image.fromarray(array).save(path)


def test_read_png_folder_rgb_grey_and_sizes(tmp_path):
    rng = np.random.default_rng(3)
    folder = tmp_path / "png"
    folder.mkdir()
    rgb = {n: rng.integers(0, 256, (6, 6, 3)).astype(np.uint8) for n in ("b", "a")}
    for name, arr in rgb.items():
        _png(folder / f"{name}.png", arr)
    s = read_images(folder)
    assert s.ids.tolist() == ["a", "b"] and s.stretched and s.images.shape == (2, 3, 6, 6)
    np.testing.assert_allclose(s.images[0], rgb["a"].transpose(2, 0, 1) / 255.0, rtol=1e-6)
    _png(folder / "c.png", rng.integers(0, 256, (9, 6, 3)).astype(np.uint8))
    with pytest.raises(AstrolearnInputError, match=r"c\.png: 1 files differ") as err:
        read_images(folder)
    assert "resize" in str(err.value) and "--size" in str(err.value)
    assert read_images(folder, size=4).images.shape == (3, 3, 4, 4)
    grey = tmp_path / "grey"
    grey.mkdir()
    _png(grey / "g1.png", np.full((5, 5), 255, np.uint8))
    from PIL import Image

    Image.fromarray(np.full((5, 5), 100, np.uint8)).save(grey / "g2.jpg", quality=100)
    s = read_images(grey)
    assert s.images.shape == (2, 1, 5, 5)
    np.testing.assert_allclose(s.images[0], 1.0)
    np.testing.assert_allclose(s.images[1], 100 / 255.0, atol=2 / 255.0)
    _png(grey / "g3.png", np.zeros((5, 5, 3), np.uint8))
    with pytest.raises(AstrolearnInputError, match=r"g3\.png.*\(3, 5, 5\)"):
        read_images(grey)


def test_read_png_class_subfolders(tmp_path):
    root = tmp_path / "train"
    for cls, names in {"spiral": ["001", "002"], "elliptical": ["001"], "empty": []}.items():
        (root / cls).mkdir(parents=True)
        for name in names:
            _png(root / cls / f"{name}.png", np.zeros((4, 4, 3), np.uint8))
    s = read_images(root)
    assert s.labels.tolist() == ["elliptical", "spiral", "spiral"]
    assert s.ids.tolist() == ["elliptical/001", "spiral/001", "spiral/002"]  # stems repeat
    (root / "elliptical" / "001.png").rename(root / "elliptical" / "003.png")
    assert read_images(root).ids.tolist() == ["003", "001", "002"]


def test_read_folder_errors(tmp_path):
    with pytest.raises(AstrolearnInputError, match="no image files"):
        read_images(tmp_path)
    from astropy.io import fits

    _png(tmp_path / "a.png", np.zeros((4, 4), np.uint8))
    fits.PrimaryHDU(np.zeros((4, 4))).writeto(tmp_path / "b.fits")
    with pytest.raises(AstrolearnInputError, match="mixes FITS and PNG/JPEG"):
        read_images(tmp_path)
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    _png(damaged / "a.png", np.zeros((4, 4), np.uint8))
    (damaged / "b.jpg").write_bytes(b"\xff\xd8 truncated")
    with pytest.raises(AstrolearnInputError, match=r"b\.jpg: cannot read the image"):
        read_images(damaged)


# ----------------------------------------------------------------------------- labels
def test_read_labels_matches_ids(tmp_path):
    table = pd.DataFrame({"index": [0, 1, 2, 3, 4], "objid": [900, 901, 902, 903, 904],
                          "label": [3, 0, 0, 5, 1], "label_name": list("deeml")})
    path = tmp_path / "labels.parquet"
    table.to_parquet(path)
    # objid comes before index, but only index holds these ids
    assert read_labels(path, ["4", "0", "3"]).tolist() == ["1", "3", "5"]
    assert read_labels(path, ["902", "900"], label_column="label_name").tolist() == ["e", "d"]
    assert read_labels(path, ["1"], id_column="index", label_column="label_name").tolist() == \
        ["e"]
    csv = tmp_path / "labels.csv"
    csv.write_text("object_id,class\n7.0,spiral\n,unknown\n3,elliptical\n")  # float ids + NaN
    assert read_labels(csv, np.array(["3", "7"]), label_column="class").tolist() == \
        ["elliptical", "spiral"]


def test_read_labels_errors(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("id,label,other\na,1,x\nb,2,y\nb,3,z\nc,,w\n")
    with pytest.raises(AstrolearnInputError, match="1 ids occur in several rows") as err:
        read_labels(path, ["a", "b"])
    assert "'id'" in str(err.value)
    assert read_labels(path, ["a"]).tolist() == ["1"]  # duplicates of other ids do not matter
    with pytest.raises(AstrolearnInputError, match=r"2 of 3 image ids are not in the table "
                                                   r"\(e.g. \['q', 'r'\]\)"):
        read_labels(path, ["a", "q", "r"])
    with pytest.raises(AstrolearnInputError, match="1 images have no label") as err:
        read_labels(path, ["c"])
    assert "'c'" in str(err.value)
    with pytest.raises(AstrolearnInputError, match=r"column 'klass'.*id, label, other"):
        read_labels(path, ["a"], label_column="klass")
    no_id = tmp_path / "noid.csv"
    no_id.write_text("name,label\na,1\n")
    with pytest.raises(AstrolearnInputError, match=r"no id column.*name, label"):
        read_labels(no_id, ["a"])


# --------------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_read_real_gz1_cutouts_and_labels(real_data_path):
    path = real_data_path("galaxies", "gz1_sdss_64.npz")
    s = read_images(path)
    assert s.images.shape == (6664, 3, 64, 64) and s.images.dtype == np.float32
    assert s.stretched and s.ids[:3].tolist() == ["0", "1", "2"]
    assert 0.0 <= float(s.images.min()) and float(s.images.max()) <= 1.0
    raw = np.load(path)["images"]
    np.testing.assert_allclose(s.images[17, 1], raw[17, :, :, 1] / 255.0, rtol=1e-6)
    table = pd.read_parquet(real_data_path("galaxies", "gz1_sdss_labels.parquet"))
    labels = read_labels(real_data_path("galaxies", "gz1_sdss_labels.parquet"), s.ids,
                         label_column="label_name")
    assert labels.tolist() == table.sort_values("index")["label_name"].tolist()
    assert (labels == "merger").sum() == 115
