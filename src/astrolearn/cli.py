"""The ``astrolearn`` command: demo, fit, evaluate, predict, explore, simulate.

Every subcommand turns bad input into one line that names the file, the column and the
fix (exit status 2), never a traceback. ``--quiet`` silences progress.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from astrolearn import __version__
from astrolearn.catalogs.commands import PHOTOZ_MODELS, SOURCE_MODELS
from astrolearn.datasets.glitch_sim import SNR_KINDS
from astrolearn.errors import AstrolearnInputError, AstrolearnRunError
from astrolearn.photoz.pdf import POINT_ESTIMATES
from astrolearn.transits.classifier import MODELS as TRANSIT_MODELS

TASKS = ("sources", "photoz", "transients", "transits", "glitches", "images")
#: Image classifier architectures of ``fit images --model`` (or a ResNet name).
IMAGE_MODELS = ("resnet", "xception", "resnet18", "resnet34", "resnet50")


def _say(args) -> Callable[[str], None]:
    if getattr(args, "quiet", False):
        return lambda _text: None
    return lambda text: print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- parsers
def _add_catalog_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("catalog columns (override the --config file)")
    group.add_argument("--config", type=Path, help="TOML file with [columns], [features], "
                       "[model] tables (see README)")
    group.add_argument("--bands", help="magnitude columns, blue to red, e.g. u,g,r,i,z")
    group.add_argument("--errors", help="magnitude-error columns: a pattern such as "
                       "'{band}_err', a comma list, 'auto' (default) or 'none'")
    group.add_argument("--label", help="class label column (default: class)")
    group.add_argument("--id", dest="id_column", help="object id column")
    group.add_argument("--ra", help="right ascension column (deg)")
    group.add_argument("--dec", help="declination column (deg)")
    group.add_argument("--ebv", help="E(B-V) column; magnitudes are dereddened when given")
    group.add_argument("--hdf5-key", help="table inside an HDF5 file")


def _add_image_options(group) -> None:
    group.add_argument("--images", type=Path, help="cutouts: npz, HDF5, FITS (file or "
                       "folder), or a folder of PNG/JPEG files (class subfolders = labels)")
    group.add_argument("--labels", type=Path, help="Parquet/CSV of labels matched to the "
                       "cutouts by id (columns --id, default id/object_id/objid/index, and "
                       "--label, default label)")


def _add_lightcurve_options(group) -> None:
    group.add_argument("--lightcurves", type=Path, help="light curves: long table, PLAsTiCC "
                       "layout, or SNANA .DAT files (file, folder or glob); transit models: "
                       "a folder of Kepler/TESS FITS files or Parquet long tables to "
                       "search and vet (with --out FOLDER)")
    group.add_argument("--objects", type=Path, help="per-object table: object_id, redshift, "
                       "redshift_err, mwebv, labels; transit models: per-star columns "
                       "(e.g. tmag) by object_id")
    group.add_argument("--columns", help="column names, e.g. time=mjd,band=filter")
    group.add_argument("--layout", choices=["auto", "long", "plasticc", "snana"])
    group.add_argument("--survey", help="survey of the band names (lsst, des, ztf, atlas, "
                       "ps1, sdss, swift): bands are matched by effective wavelength")
    group.add_argument("--magnitudes", action="store_true", help="the light curves hold "
                       "mag, mag_err and limit (upper limits) instead of flux")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="astrolearn",
        description="Machine learning for astronomy: from a catalog to validated models "
        "and survey-scale predictions.")
    parser.add_argument("--version", action="version", version=f"astrolearn {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run every task (or one) on simulated data and "
                          "write one HTML report")
    demo.add_argument("task", nargs="?", choices=TASKS, help="only this task")
    demo.add_argument("--out", type=Path, default=Path("astrolearn-demo"),
                      help="folder for the report, model and predictions")
    demo.add_argument("--n", type=int, default=None, help="rows to simulate per task")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--quiet", action="store_true")

    fit = sub.add_parser("fit", help="train a model and save it as a model folder")
    fit.add_argument("task", choices=TASKS)
    fit.add_argument("--data", type=Path, help="training catalog (sources, photoz)")
    fit.add_argument("--out", type=Path, required=True, help="model folder to write")
    _add_catalog_options(fit)
    feats = fit.add_argument_group("features and model")
    feats.add_argument("--colours", choices=["adjacent", "all", "none"])
    feats.add_argument("--faint-limit", type=float,
                       help="magnitudes at or fainter than this are non-detections (30)")
    feats.add_argument("--extinction", help="'sdss', 'lsst' or band=coef,... for --ebv")
    feats.add_argument("--sky-features", action="store_true", default=None,
                       help="add Galactic l, b from --ra/--dec as features")
    feats.add_argument("--extra", help="other numeric feature columns, comma-separated "
                       "(e.g. a PSF-minus-model magnitude)")
    feats.add_argument("--model", choices=sorted(set(SOURCE_MODELS) | set(PHOTOZ_MODELS)
                                                 | set(TRANSIT_MODELS)
                                                 | {"sequence", "multiview", "single"}
                                                 | set(IMAGE_MODELS)),
                       help=f"sources: {', '.join(SOURCE_MODELS)} (default lightgbm); "
                       f"photoz: {', '.join(PHOTOZ_MODELS)} (default ensemble); transients: "
                       f"lightgbm, sequence, average (default lightgbm); transits: "
                       f"{', '.join(TRANSIT_MODELS)} (default average); glitches: multiview, "
                       f"single (default multiview); images: {', '.join(IMAGE_MODELS)} "
                       "(default resnet: a small residual CNN)")
    feats.add_argument("--model-param", action="append", default=[], metavar="KEY=VALUE",
                       help="algorithm parameter, repeatable (e.g. n_estimators=800)")
    feats.add_argument("--class-weight", choices=["balanced", "none"])
    feats.add_argument("--seed", type=int)
    feats.add_argument("--cv", type=int, default=0,
                       help="also run k-fold cross-validation and store its metrics")
    feats.add_argument("--split", choices=["stratified", "random", "sky"],
                       help="folds for --cv: stratified by class (random for photoz), or "
                       "sky-grouped HEALPix cells (default: sky when --ra/--dec are given)")
    fit.add_argument("--select", metavar="COLUMN=VALUE[,VALUE]",
                     help="train only on these rows, e.g. class=GALAXY")
    photoz = fit.add_argument_group("photoz")
    photoz.add_argument("--target", help="true-redshift column (default: redshift)")
    photoz.add_argument("--z-max", type=float, help="top of the redshift grid "
                        "(default: 5%% above the highest training redshift)")
    photoz.add_argument("--n-grid", type=int, help="points of the redshift grid (301)")
    photoz.add_argument("--recalibrate", action=argparse.BooleanOptionalAction, default=None,
                        help="PIT recalibration on held-out rows (default: on for ensemble)")
    photoz.add_argument("--point-estimate", choices=list(POINT_ESTIMATES),
                        help="point redshift reported by predict (default: best, the redshift of "
                        "least expected outlier loss, HSC's z_best)")
    transients = fit.add_argument_group("transients")
    _add_lightcurve_options(transients)
    transients.add_argument("--early-copies", type=int, help="truncated copies of each "
                            "training object for early classification (1)")
    transients.add_argument("--augment", type=int, default=0, metavar="N",
                            help="redshifted copies per object (Boone 2019), for "
                            "spectroscopic training sets")
    transients.add_argument("--cadence-pool", type=Path, help="unlabelled light curves whose "
                            "cadence and noise the --augment copies take")
    transients.add_argument("--pool-objects", type=Path, help="their objects (redshifts)")
    transients.add_argument("--augment-wavelength-scale", type=float, metavar="ANGSTROM",
                            help="wavelength length scale of the Gaussian processes behind "
                            "--augment (default: the one the training light curves prefer)")
    transients.add_argument("--augment-redshift", metavar="COLUMN",
                            help="column of --objects with the redshift each training object "
                            "is moved from by --augment, e.g. its spectroscopic redshift "
                            "(default: the redshift column)")
    transients.add_argument("--redshift-bins", type=int, default=0, metavar="N",
                            help="weight every class equally in N redshift bins "
                            "(avocado's rates-independent classifier; default 0: off)")
    transients.add_argument("--gp-features", action="store_true",
                            help="add Gaussian-process features (slower)")
    transits = fit.add_argument_group("transits (--data: signals with views, e.g. from "
                                      "`astrolearn transits search`)")
    transits.add_argument("--positive", help="labels of the positive class of a binary "
                          "model: PC (vetting) or PC,EB (triage); default: multi-class")
    transits.add_argument("--group", help="star column: early stopping and --cv hold out "
                          "whole stars (default: tic_id, kepid or object_id when present)")
    transits.add_argument("--features", help="scalar feature columns, comma-separated "
                          "(default: the known ones present: period, depth, snr, ...)")
    fit.add_argument_group("glitches (--data: views.npz from `astrolearn glitches views`)"
                           ).add_argument("--window", type=int, help="view index for --model "
                                          "single (default 1: the 1-s window)")
    images = fit.add_argument_group("images (--label: the class column of --labels; --group: "
                                    "a column of it kept together, e.g. an SDSS field)")
    _add_image_options(images)
    images.add_argument("--no-flips", action="store_true", help="no mirror-flip augmentation "
                        "(when classes depend on handedness, e.g. clockwise spirals)")
    images.add_argument("--mirror-pairs", metavar="A:B[,C:D]",
                        help="classes a mirror image swaps, e.g. spiral_cw:spiral_acw: "
                        "mirrored cutouts are learnt with the swapped label")
    images.add_argument("--decision-holdout", type=float, metavar="F",
                        help="hold out this fraction of the groups (--group) to tune one "
                        "offset per class so that predictions maximise macro-F1 (rare classes)")
    fit.add_argument("--quiet", action="store_true")

    evaluate = sub.add_parser("evaluate", help="score a model on labelled data")
    evaluate.add_argument("model", type=Path, help="model folder")
    evaluate.add_argument("--data", type=Path, help="labelled catalog (sources, photoz)")
    _add_image_options(evaluate.add_argument_group("images"))
    _add_lightcurve_options(evaluate.add_argument_group("transients"))
    evaluate.add_argument("--positive", help="transients: class for purity, completeness "
                          "and the SPCC figure of merit (default SNIa or Ia when present)")
    evaluate.add_argument("--days-list", help="transients: days after the first detection "
                          "to score early classification (default 5,10,20,30,50)")
    evaluate.add_argument("--label", help="label column (default: the one used in fit); "
                          "for photoz, an optional class column for per-class metrics")
    evaluate.add_argument("--target", help="photoz: true-redshift column (default: the one "
                          "used in fit)")
    evaluate.add_argument("--select", metavar="COLUMN=VALUE[,VALUE]",
                          help="evaluate only these rows, e.g. class=GALAXY")
    evaluate.add_argument("--magnitude", help="magnitude for purity/completeness bins "
                          "(default: r, or the middle band)")
    evaluate.add_argument("--report", type=Path, help="HTML report to write")
    evaluate.add_argument("--hdf5-key")
    evaluate.add_argument("--quiet", action="store_true")

    predict = sub.add_parser("predict", help="predict a catalog of any size, chunk by chunk")
    predict.add_argument("model", type=Path, help="model folder")
    predict.add_argument("--data", type=Path, help="catalog file or folder")
    predict.add_argument_group("images").add_argument(
        "--images", type=Path, help="cutouts: npz, HDF5, FITS, or a folder of PNG/JPEG files")
    lc_group = predict.add_argument_group("transients")
    _add_lightcurve_options(lc_group)
    lc_group.add_argument("--days", type=float, help="classify from the first DAYS days "
                          "after each object's first detection only")
    glitch_group = predict.add_argument_group("glitches")
    glitch_group.add_argument("--strain", type=Path, help="GWOSC HDF5 strain (with --times) "
                              "instead of --data views")
    glitch_group.add_argument("--times", type=Path, help="CSV with a time column (GPS) and "
                              "optional id")
    glitch_group.add_argument("--channel", help="channel of a frame file")
    glitch_group.add_argument("--qscan-duration", type=float, help="seconds of strain per "
                              "Q scan (8)")
    glitch_group.add_argument("--jobs", type=int, default=1, help="processes for the Q scans "
                              "(1; -1: all cores)")
    predict.add_argument("--out", type=Path, required=True, help=".parquet or .csv file to "
                         "write, or (catalog models) a folder for a partitioned Parquet "
                         "dataset, HATS-partitioned when --data is a HATS catalog; an "
                         "interrupted run resumes into the same folder")
    predict.add_argument("--id", dest="id_column",
                         help="id column to copy (default: the one used in fit, if present)")
    predict.add_argument("--chunk-rows", type=int, default=250_000,
                         help="rows predicted at a time (250000)")
    scale_group = predict.add_argument_group("survey scale (--out FOLDER: catalogs, light curves)")
    scale_group.add_argument("--engine", choices=["local", "dask"], default="local",
                             help="this process (default), or a Dask cluster")
    scale_group.add_argument("--scheduler", metavar="ADDRESS", help="dask: a running "
                             "scheduler, e.g. tcp://host:8786 (default: start a local "
                             "cluster)")
    scale_group.add_argument("--workers", type=int, help="dask: worker processes of the "
                             "local cluster (default: one per core)")
    scale_group.add_argument("--partition-rows", type=int, default=2_000_000,
                             help="most rows per partition of a Parquet dataset (2000000; "
                             "HATS: one partition per pixel)")
    scale_group.add_argument("--retries", type=int, default=1,
                             help="further tries of a failed partition (1)")
    predict.add_argument("--coverage", action="store_true",
                         help="add coverage_score and outside_coverage: how far each "
                         "object lies from the training set")
    predict.add_argument("--no-pdf", action="store_true",
                         help="photoz: write point estimates and intervals only")
    predict.add_argument("--qp", type=Path, metavar="FILE.hdf5",
                         help="photoz: also write the PDFs in RAIL's qp format (needs qp-prob)")
    predict.add_argument("--hdf5-key")
    predict.add_argument("--quiet", action="store_true")

    _add_explore_parser(sub)
    _add_transits_parser(sub)
    _add_glitches_parser(sub)
    _add_anomalies_parser(sub)

    simulate = sub.add_parser("simulate", help="write a simulated data set")
    simulate.add_argument("task", choices=TASKS)
    simulate.add_argument("--n", type=int, default=None,
                          help="rows (sources, photoz; default 10000), objects per class "
                          "(transients; 10000), stars (transits; 10000) or glitches per "
                          "class (glitches; 20), cutouts (images; 2000); --out is a folder "
                          "for all but sources and "
                          "photoz")
    simulate.add_argument("--out", type=Path, required=True)
    simulate.add_argument("--seed", type=int, default=0)
    simulate.add_argument("--morphology", action="store_true", help="images: labelled "
                          "morphology classes in equal numbers instead of a set with rare "
                          "objects")
    simulate.add_argument("--anomaly-fraction", type=float, default=0.01,
                          help="images: fraction of rare objects (0.01)")
    simulate.add_argument("--snr-kind", choices=SNR_KINDS, default=SNR_KINDS[0],
                          help="glitches: the SNR of the loudest Q tile, as Omicron reports "
                          "it (default), or the optimal SNR of the whole glitch")
    simulate.add_argument("--quiet", action="store_true")
    return parser


def _add_transits_parser(sub) -> None:
    transits = sub.add_parser("transits", help="exoplanet transits: search Kepler/TESS light "
                              "curves for periodic signals and build their views")
    tools = transits.add_subparsers(dest="tool", required=True)
    search = tools.add_parser("search", help="clean, detrend and search light curves; one row "
                              "per signal with its global and local views")
    search.add_argument("files", type=Path, nargs="+", help="Kepler/K2/TESS light-curve FITS "
                        "files (quarters or sectors of one star are stitched), folders, or "
                        "tables with object_id, time, flux[, flux_err]")
    search.add_argument("--out", type=Path, required=True, help="signals table (.parquet)")
    search.add_argument("--flux", default="pdcsap", help="pdcsap (default), sap, or a FITS "
                        "column name")
    search.add_argument("--quality", default="default", help="quality mask: default, hard, "
                        "hardest, none, or an integer bitmask")
    search.add_argument("--method", choices=["bls", "tls"], default="bls",
                        help="box least squares (astropy) or Transit Least Squares "
                        "(pip install astrolearn[tls])")
    search.add_argument("--min-period", type=float, default=0.5, help="days (0.5)")
    search.add_argument("--max-period", type=float, help="days (default: half the baseline)")
    search.add_argument("--max-duration", type=float, default=0.5,
                        help="longest transit searched, days (0.5); the detrending window "
                        "is at least 3 times this")
    search.add_argument("--max-signals", type=int, default=5, help="signals per star (5)")
    search.add_argument("--min-snr", type=float, default=7.1, help="detection threshold (7.1)")
    search.add_argument("--window", type=float, help="detrending window, days (default 3 x "
                        "--max-duration)")
    search.add_argument("--global-bins", type=int, default=2001)
    search.add_argument("--local-bins", type=int, default=201)
    search.add_argument("--no-views", action="store_true", help="skip the views")
    search.add_argument("--figures", type=Path, help="folder for one summary figure per star")
    search.add_argument("--quiet", action="store_true")


def _add_glitches_parser(sub) -> None:
    glitches = sub.add_parser("glitches", help="gravitational-wave detector glitches: "
                              "Q-transform views of strain around trigger times")
    tools = glitches.add_subparsers(dest="tool", required=True)
    views = tools.add_parser("views", help="whiten strain and store the four Gravity Spy "
                             "Q-transform views (0.5, 1, 2, 4 s) of each trigger")
    views.add_argument("strain", type=Path, help="GWOSC HDF5 strain file")
    views.add_argument("--times", type=Path, required=True, help="CSV: time (GPS), optional "
                       "id and label")
    views.add_argument("--out", type=Path, required=True, help="views file (.npz)")
    views.add_argument("--channel", help="channel of a frame file")
    views.add_argument("--size", type=int, help="image side in pixels (128)")
    views.add_argument("--qscan-duration", type=float, help="seconds of strain per Q scan (8)")
    views.add_argument("--jobs", type=int, default=1, help="processes for the Q scans (1; -1: "
                       "all cores)")
    views.add_argument("--quiet", action="store_true")


def _add_anomalies_parser(sub) -> None:
    anomalies = sub.add_parser("anomalies", help="rank cutouts by how unusual they are, look "
                               "at the top ones, and teach the ranking what you find "
                               "interesting")
    tools = anomalies.add_subparsers(dest="tool", required=True)
    score = tools.add_parser("score", help="score every cutout (isolation forest, "
                             "autoencoder, WGAN, or the ensemble of their ranks)")
    score.add_argument("--images", type=Path, required=True, help="cutouts: npz, HDF5, FITS, "
                       "or a folder of PNG/JPEG files")
    score.add_argument("--out", type=Path, required=True, help="scores (.parquet)")
    score.add_argument("--method", choices=["ensemble", "forest", "autoencoder", "wgan"],
                       default="ensemble")
    score.add_argument("--decisions", type=Path, help="CSV of id,label (1 interesting, 0 "
                       "boring), e.g. downloaded from the explore page: the ranking learns "
                       "from them (objects near interesting ones rise, near boring ones sink)")
    score.add_argument("--method-param", action="append", default=[],
                       metavar="METHOD.KEY=VALUE", help="scorer option, repeatable (e.g. "
                       "autoencoder.epochs=10)")
    score.add_argument("--labels", type=Path, help="Parquet/CSV of known classes (kept in "
                       "the scores for reference, never used for scoring)")
    score.add_argument("--label", help="class column of --labels (default label)")
    score.add_argument("--id", dest="id_column", help="id column of --labels")
    score.add_argument("--seed", type=int, default=0)
    score.add_argument("--quiet", action="store_true")
    page = tools.add_parser("explore", help="a self-contained HTML page: the top-ranked "
                            "cutouts, a UMAP map of the whole set, buttons to mark them")
    page.add_argument("scores", type=Path, help="scores from `astrolearn anomalies score`")
    page.add_argument("--out", type=Path, required=True, help="page to write (.html)")
    page.add_argument("--images", type=Path, help="the cutouts (default: the file named in "
                      "the scores)")
    page.add_argument("--top", type=int, default=60, help="cutouts shown (60)")
    page.add_argument("--seed", type=int, default=0)
    page.add_argument("--quiet", action="store_true")


def _add_explore_parser(sub) -> None:
    explore = sub.add_parser("explore", help="look at the data and check it honestly: "
                             "embeddings, clusters, coverage, leaks, learning curves")
    tools = explore.add_subparsers(dest="tool", required=True)

    def common(parser: argparse.ArgumentParser, *, data_help: str) -> None:
        parser.add_argument("--data", type=Path, required=True, help=data_help)
        parser.add_argument("--hdf5-key")
        parser.add_argument("--bands", help="magnitude columns, blue to red (u,g,r,i,z)")
        parser.add_argument("--errors", help="error columns: pattern, list, 'auto' or 'none'")
        parser.add_argument("--colours", choices=["adjacent", "all"], default="adjacent")
        parser.add_argument("--features", help="explicit numeric feature columns, comma-"
                            "separated (default: magnitudes and colours of --bands)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--n-jobs", type=int, default=None,
                            help="threads (default: all cores)")
        parser.add_argument("--quiet", action="store_true")

    embed = tools.add_parser("embed", help="t-SNE or UMAP of the features, coloured by "
                             "columns, side by side")
    common(embed, data_help="catalog")
    embed.add_argument("--color", "--colour", dest="color", required=True,
                       help="columns to colour by, one panel each, e.g. r,class")
    embed.add_argument("--method", choices=["tsne", "umap"], default="tsne")
    embed.add_argument("--n", type=int, default=20_000, help="rows sampled (20000)")
    embed.add_argument("--out", type=Path, required=True, help="figure (.png, .pdf, .svg)")

    cluster = tools.add_parser("cluster", help="k-means, Gaussian mixture or HDBSCAN "
                               "clusters, scored against known labels")
    common(cluster, data_help="catalog")
    cluster.add_argument("--method", choices=["kmeans", "gmm", "hdbscan"], default="kmeans")
    cluster.add_argument("--n-clusters", type=int, default=8)
    cluster.add_argument("--label", help="column of known classes for the diagnostics")
    cluster.add_argument("--n", type=int, default=50_000, help="rows sampled (50000)")
    cluster.add_argument("--out", type=Path, help="figure of the clusters")

    coverage = tools.add_parser("coverage", help="where an inference catalog leaves the "
                                "training coverage; adversarial validation")
    common(coverage, data_help="inference catalog")
    coverage.add_argument("--train", type=Path, required=True, help="training catalog")
    coverage.add_argument("--magnitude", help="magnitude for the bins (default r)")
    coverage.add_argument("--report", type=Path, help="HTML report to write")
    coverage.add_argument("--embed", action="store_true", help="also a t-SNE map of the "
                          "training rows with the inference rows placed into it (report)")

    leaks = tools.add_parser("leaks", help="duplicates, group and sky-cell sharing, and "
                             "single columns that give the label away")
    common(leaks, data_help="training catalog")
    leaks.add_argument("--test", type=Path, help="test catalog (for the train/test checks)")
    leaks.add_argument("--label", help="label or target column")
    leaks.add_argument("--id", dest="id_column", help="object id column")
    leaks.add_argument("--group", help="columns that must not span train and test "
                       "(e.g. star_id), comma-separated")
    leaks.add_argument("--ra", help="right ascension column (deg), for sky cells")
    leaks.add_argument("--dec", help="declination column (deg)")
    leaks.add_argument("--report", type=Path, help="HTML report to write")

    learning = tools.add_parser("learning-curve", help="score against training size (or "
                                "a hyperparameter) with a bias / variance diagnosis")
    common(learning, data_help="labelled catalog")
    learning.add_argument("--label", required=True, help="class column")
    learning.add_argument("--model", choices=list(SOURCE_MODELS), default="lightgbm")
    learning.add_argument("--param", help="model parameter for a complexity curve, "
                          "e.g. num_leaves")
    learning.add_argument("--values", help="its values, comma-separated, e.g. 7,31,127")
    learning.add_argument("--model-param", action="append", default=[], metavar="KEY=VALUE",
                          help="fixed algorithm parameter, repeatable (e.g. n_estimators=200)")
    learning.add_argument("--cv", type=int, default=5)
    learning.add_argument("--n", type=int, default=20_000, help="rows sampled (20000)")
    learning.add_argument("--out", type=Path, required=True, help="HTML report to write")


# ---------------------------------------------------------------------- commands
#: The command-line work of each task: module of astrolearn, and its function for each of
#: fit, evaluate and predict. Catalog tasks read ``--data``; transients read light curves.
TASK_COMMANDS = {
    "sources": ("catalogs.commands", {"fit": "fit_sources", "evaluate": "evaluate_sources",
                                      "predict": "predict_sources"}),
    "photoz": ("photoz.commands", {"fit": "fit_photoz", "evaluate": "evaluate_photoz_command",
                                   "predict": "predict_photoz"}),
    "transients": ("transients.commands", {"fit": "fit_transients",
                                           "evaluate": "evaluate_transients_command",
                                           "predict": "predict_transients"}),
    "transits": ("transits.commands", {"fit": "fit_transits",
                                       "evaluate": "evaluate_transits_command",
                                       "predict": "predict_transits"}),
    "glitches": ("glitches.commands", {"fit": "fit_glitches",
                                       "evaluate": "evaluate_glitches_command",
                                       "predict": "predict_glitches"}),
    "images": ("images.commands", {"fit": "fit_images", "evaluate": "evaluate_images_command",
                                   "predict": "predict_images"}),
}


#: Tasks whose ``predict`` runs on the Dask engine too.
SCALE_TASKS = ("sources", "photoz", "transients", "transits")


def _run_task(task: str, args) -> int:
    import importlib

    needs_data = task not in ("transients", "glitches", "images") or (
        task == "glitches" and args.command != "predict")
    if task == "transits" and args.command == "predict" and getattr(args, "lightcurves", None):
        needs_data = False  # search the light curves, then vet
    if needs_data and args.data is None:
        raise AstrolearnInputError(f"{args.command} needs --data CATALOG",
                                   fix="name the catalog file with --data")
    module, functions = TASK_COMMANDS[task]
    work = getattr(importlib.import_module(f"astrolearn.{module}"), functions[args.command])
    work(args, _say(args))
    return 0


def _cmd_fit(args) -> int:
    if args.task == "sources" and (args.select or args.target or args.z_max or args.n_grid
                                   or args.recalibrate is not None or args.point_estimate):
        raise AstrolearnInputError("--select, --target, --z-max, --n-grid, --recalibrate and "
                                   "--point-estimate are photoz options",
                                   fix="drop them, or fit photoz")
    return _run_task(args.task, args)


def _model_task(folder: Path) -> str:
    from astrolearn.persist import read_manifest

    return read_manifest(folder).get("task", "sources")


def _cmd_with_model(args) -> int:
    """``evaluate`` and ``predict``: the work of the task the model folder was fitted for."""
    task = _model_task(args.model)
    if args.command == "predict" and getattr(args, "engine", "local") != "local" \
            and task not in SCALE_TASKS:
        raise AstrolearnInputError(f"--engine {args.engine} runs {', '.join(SCALE_TASKS)} "
                                   f"models; this one is a {task} model", file=args.model,
                                   fix="leave out --engine")
    return _run_task(task, args)


def _cmd_simulate(args) -> int:
    from astrolearn.datasets import simulate_catalog
    from astrolearn.io import write_table

    if args.n is None:
        args.n = {"glitches": 20, "images": 2000}.get(args.task, 10_000)
    if args.n < 1:
        raise AstrolearnInputError(f"--n must be at least 1, got {args.n}", fix="use --n 10000")
    start = time.perf_counter()
    if args.task == "transits":
        from astrolearn.transits.pipeline import simulate_signals

        signals, lightcurves, truth = simulate_signals(args.n, seed=args.seed)
        args.out.mkdir(parents=True, exist_ok=True)
        write_table(lightcurves, args.out / "lightcurves.parquet")
        write_table(truth, args.out / "truth.parquet")
        write_table(signals, args.out / "signals.parquet")
        counts = signals["label"].value_counts().to_dict()
        _say(args)(f"wrote {args.n:,} simulated TESS-like stars and their {len(signals):,} "
                   f"signals ({counts}) to {args.out}/lightcurves.parquet, truth.parquet and "
                   f"signals.parquet in {time.perf_counter() - start:.1f} s")
        return 0
    if args.task == "glitches":
        import numpy as np

        from astrolearn.datasets import simulate_glitches
        from astrolearn.glitches.qtransform import write_strain

        if args.n > 1000:
            raise AstrolearnInputError(
                f"--n {args.n} glitches per class would be {args.n * 11 * 12:,} s of strain "
                "in one file", fix="use --n 1000 or less, and several seeds for more")
        strain, truth = simulate_glitches(args.n, duration=12.0, seed=args.seed,
                                          snr_kind=args.snr_kind)
        t0 = 1_000_000_000.0
        args.out.mkdir(parents=True, exist_ok=True)
        seconds = 12 * len(truth)
        path = write_strain(args.out / f"H-H1_SIM-{int(t0)}-{seconds}.hdf5",
                            strain.reshape(-1), sample_rate=4096, t0=t0)
        del strain
        triggers = truth.assign(time=t0 + 12.0 * np.arange(len(truth)) + truth["peak_time"],
                                id=[f"sim{i:05d}" for i in range(len(truth))])
        write_table(triggers[["id", "time", "label", "snr", "optimal_snr", "tile_snr",
                              "peak_frequency", "duration_s"]],
                    args.out / "triggers.csv")
        _say(args)(f"wrote {len(truth):,} simulated glitches ({args.n:,} per class) in "
                   f"{seconds:,} s of strain to {path} and their times to "
                   f"{args.out}/triggers.csv in {time.perf_counter() - start:.1f} s")
        return 0
    if args.task == "images":
        return _simulate_images(args, start)
    if args.task == "transients":
        from astrolearn.datasets import simulate_transients

        lightcurves, objects = simulate_transients(args.n, seed=args.seed)
        args.out.mkdir(parents=True, exist_ok=True)
        write_table(lightcurves, args.out / "lightcurves.parquet")
        write_table(objects.drop(columns=["peak_time", "true_redshift"]),
                    args.out / "objects.parquet")
        _say(args)(f"wrote {len(objects):,} simulated light curves ({args.n:,} per class) to "
                   f"{args.out}/lightcurves.parquet and objects.parquet in "
                   f"{time.perf_counter() - start:.1f} s")
        return 0
    write_table(simulate_catalog(args.n, seed=args.seed), args.out)
    _say(args)(f"wrote {args.n:,} simulated sources to {args.out} "
               f"in {time.perf_counter() - start:.1f} s")
    return 0


def _simulate_images(args, start: float) -> int:
    from astrolearn.datasets import galaxy_sim
    from astrolearn.images.io import write_images
    from astrolearn.io import write_table

    if args.morphology:
        images, truth = galaxy_sim.simulate_morphology(args.n, seed=args.seed)
        labels = truth["label"]
    else:
        images, truth = galaxy_sim.simulate_galaxies(
            args.n, anomaly_fraction=args.anomaly_fraction, seed=args.seed)
        labels = truth["kind"]
    args.out.mkdir(parents=True, exist_ok=True)
    ids = truth["id"].astype(str).to_numpy()
    write_images(args.out / "cutouts.npz", images, ids, labels.to_numpy())
    write_table(truth.assign(id=ids), args.out / "truth.parquet")
    counts = labels.value_counts().to_dict()
    _say(args)(f"wrote {len(truth):,} simulated 64 x 64 cutouts ({counts}) to "
               f"{args.out}/cutouts.npz and truth.parquet in "
               f"{time.perf_counter() - start:.1f} s")
    return 0


def _cmd_glitches(args) -> int:
    from astrolearn.glitches.commands import views_command

    views_command(args, _say(args))
    return 0


def _cmd_transits(args) -> int:
    from astrolearn.transits.commands import search_command

    search_command(args, _say(args))
    return 0


def _cmd_anomalies(args) -> int:
    from astrolearn.anomalies import commands

    {"score": commands.score_command, "explore": commands.explore_command}[args.tool](
        args, _say(args))
    return 0


def _cmd_demo(args) -> int:
    from astrolearn.demo import run_demo

    run_demo(args.out, task=args.task, n=args.n, seed=args.seed, say=_say(args))
    return 0


def _cmd_explore(args) -> int:
    import importlib

    module, function = EXPLORE_TOOLS[args.tool]
    getattr(importlib.import_module(f"astrolearn.explore.{module}"), function)(args, _say(args))
    return 0


#: ``astrolearn explore`` tools: module of astrolearn.explore and its command function.
EXPLORE_TOOLS = {"embed": ("embedding", "embed_command"),
                 "cluster": ("clustering", "cluster_command"),
                 "coverage": ("coverage", "coverage_command"),
                 "leaks": ("leakage", "leaks_command"),
                 "learning-curve": ("learning", "learning_command")}

COMMANDS = {"explore": _cmd_explore, "fit": _cmd_fit, "evaluate": _cmd_with_model,
            "predict": _cmd_with_model, "simulate": _cmd_simulate, "demo": _cmd_demo,
            "transits": _cmd_transits, "glitches": _cmd_glitches,
            "anomalies": _cmd_anomalies}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Examples
    --------
    >>> main(["--version"])  # doctest: +SKIP
    astrolearn 0.1.0
    """
    args = _build_parser().parse_args(argv)

    def one_line(message, category, *_ignored, **_kw) -> None:
        kind = "warning" if category is UserWarning else category.__name__
        print(f"astrolearn {args.command}: {kind}: {message}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.showwarning = one_line  # warnings as one line, not a source excerpt
            return COMMANDS[args.command](args)
    except AstrolearnInputError as err:
        print(f"astrolearn {args.command}: error: {err}", file=sys.stderr)
        return 2
    except AstrolearnRunError as err:
        print(f"astrolearn {args.command}: stopped: {err}", file=sys.stderr)
        return 3
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"astrolearn {args.command}: interrupted; no output was left half-written",
              file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
