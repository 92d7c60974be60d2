"""``astrolearn demo``: every task end to end on simulated data, into one HTML report.

Each task contributes a function ``demo_<task>(folder, report, n, seed, say)`` that
simulates its data, trains, validates, predicts and adds a section to the shared report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from astrolearn.report import Report

__all__ = ["DEMOS", "demo_glitches", "demo_images", "demo_photoz", "demo_sources",
           "demo_transients", "demo_transits", "run_demo"]


def demo_sources(folder: Path, report: Report, n: int | None, seed: int,
                 say: Callable[[str], None]) -> dict[str, float]:
    """Star/galaxy/QSO classification on a simulated SDSS-like catalog.

    Returns the headline metrics of the held-out sky region.
    """
    from astrolearn import plots
    from astrolearn.catalogs import SourceClassifier
    from astrolearn.catalogs.evaluation import evaluate_classification
    from astrolearn.datasets import simulate_catalog
    from astrolearn.io import write_table
    from astrolearn.report import format_table
    from astrolearn.scale import predict_table_file
    from astrolearn.validation import SkyGroupKFold, find_duplicates

    n = n or 60_000
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    catalog = simulate_catalog(n, seed=seed)
    say(f"[sources] simulated {n:,} sources in {time.perf_counter() - start:.1f} s")
    train_idx, test_idx = next(SkyGroupKFold(5, random_state=seed).split(catalog,
                                                                         catalog["class"]))
    train, test = catalog.iloc[train_idx], catalog.iloc[test_idx]
    write_table(test.drop(columns=["class", "redshift"]), folder / "test_catalog.parquet")

    def make(model: str, **params):
        return SourceClassifier(("u", "g", "r", "i", "z"), errors="{band}_err", ebv="ebv",
                                model=model, model_params=params or None, random_state=seed)

    start = time.perf_counter()
    classifier = make("lightgbm").fit(train, train["class"])
    fit_seconds = time.perf_counter() - start
    say(f"[sources] LightGBM fitted on {len(train):,} rows in {fit_seconds:.1f} s")
    magnitudes = classifier.features_.magnitudes(test)[:, 2]
    evaluation = evaluate_classification(test["class"], classifier.predict_proba(test),
                                         classifier.classes_, magnitude=magnitudes,
                                         magnitude_name="r")
    classifier.save(folder / "model", metrics={"held_out_sky_region": evaluation.to_dict()},
                    extra={"label_column": "class", "id_column": "object_id"})
    run = predict_table_file(classifier, folder / "test_catalog.parquet",
                             folder / "predictions.parquet", id_column="object_id")
    say(f"[sources] predicted {run.rows:,} rows at {run.rows_per_second:,.0f} rows/s")

    comparison = []
    small = train.sample(min(len(train), 15_000), random_state=seed)
    for name, params in (("lightgbm", {}), ("random_forest", {"n_estimators": 200}),
                         ("knn", {}), ("mlp", {"epochs": 40})):
        t0 = time.perf_counter()
        model = make(name, **params).fit(small, small["class"])
        seconds = time.perf_counter() - t0
        ev = evaluate_classification(test["class"], model.predict_proba(test), model.classes_)
        comparison.append({"model": name, "accuracy": ev.summary["accuracy"],
                           "macro_f1": ev.summary["macro_f1"],
                           "log_loss": ev.summary["log_loss"], "fit_s": seconds})
        say(f"[sources] {name}: accuracy {ev.summary['accuracy']:.3f} ({seconds:.1f} s)")
    comparison = pd.DataFrame(comparison)
    duplicates = find_duplicates(None, test, classifier.required_columns(),
                                 train_hashes=classifier.training_row_hashes_)

    print("\n== sources: star / galaxy / QSO classification (held-out sky region) ==")
    print(evaluation.text())
    print("\nmodels trained on the same 15,000 rows:")
    print(format_table(comparison))

    report.section(
        "Sources: star / galaxy / quasar classification",
        f"{n:,} sources simulated (seed {seed}) by astrolearn.datasets.simulate_catalog: "
        "stars on the SDSS stellar locus, galaxies and quasars from SED templates, "
        "magnitude-dependent errors, non-detections (99) and unobserved bands (-99), "
        f"Milky-Way reddening. Training on {len(train):,} rows; testing on {len(test):,} "
        "rows in HEALPix cells (nside 16) that no training row shares. "
        f"{duplicates.message()}.")
    measured = pd.DataFrame(classifier.features_.magnitudes(test), columns=list("ugriz"))
    measured["class"] = test["class"].to_numpy()
    report.figure(plots.plot_colour_colour(measured, x=("u", "g"), y=("g", "r")),
                  caption="Test-set colours (measured magnitudes only), coloured by true class")
    lines = classifier.features_.report_.lines()
    if lines:
        report.preformatted("\n".join(lines))
    evaluation.add_to(report, title="Sources: LightGBM on the held-out sky region")
    report.table(comparison, caption="Algorithms trained on the same 15,000 rows, scored on "
                 "the held-out sky region")
    report.paragraph(f"Model folder: {folder / 'model'}; predictions for every test row: "
                     f"{run.output} ({run.rows_per_second:,.0f} rows/s).")
    return {"accuracy": evaluation.summary["accuracy"],
            "macro_f1": evaluation.summary["macro_f1"]}


def demo_photoz(folder: Path, report: Report, n: int | None, seed: int,
                say: Callable[[str], None]) -> dict[str, float]:
    """Photometric redshifts with PDFs for simulated galaxies and quasars.

    One ensemble per class (as after a star/galaxy/QSO classification), trained on four
    fifths of the sky and scored on the rest. Returns the galaxies' headline metrics.
    """
    from astrolearn.datasets import simulate_catalog
    from astrolearn.io import write_table
    from astrolearn.photoz import PhotoZ
    from astrolearn.photoz.evaluation import evaluate_photoz
    from astrolearn.report import format_table
    from astrolearn.scale import predict_table_file
    from astrolearn.validation import SkyGroupKFold

    n = n or 25_000
    folder.mkdir(parents=True, exist_ok=True)
    catalog = simulate_catalog(n, seed=seed + 1)
    catalog = catalog[catalog["class"] != "STAR"].reset_index(drop=True)
    train_idx, test_idx = next(SkyGroupKFold(5, random_state=seed).split(catalog,
                                                                         catalog["class"]))
    train, test = catalog.iloc[train_idx], catalog.iloc[test_idx]
    report.section(
        "Photometric redshifts: galaxies and quasars",
        f"{len(catalog):,} galaxies and quasars simulated (seed {seed + 1}); one photo-z "
        "ensemble (mixture density network, FlexCode-LightGBM, k nearest neighbours; PIT "
        f"recalibrated) per class, trained on {len(train):,} objects and scored on "
        f"{len(test):,} in sky cells no training object shares. Quasar redshifts from five "
        "broad bands are often ambiguous (the Lyman-alpha and Balmer features can be "
        "confused), so their PDFs are multimodal; the figures show it.")
    rows, headline = [], {}
    for name in ("GALAXY", "QSO"):
        part_train = train[train["class"] == name]
        part_test = test[test["class"] == name]
        start = time.perf_counter()
        model = PhotoZ(("u", "g", "r", "i", "z"), errors="{band}_err", ebv="ebv",
                       random_state=seed).fit(part_train, "redshift")
        seconds = time.perf_counter() - start
        say(f"[photoz] {name}: ensemble fitted on {len(part_train):,} rows in {seconds:.0f} s")
        pdfs = model.predict_pdf(part_test)
        magnitudes = model.features_.magnitudes(part_test)[:, 2]
        evaluation = evaluate_photoz(part_test["redshift"], pdfs, model.zgrid_,
                                     point_estimate=model.point_estimate, magnitude=magnitudes,
                                     magnitude_name="r")
        slug = name.lower()
        model.save(folder / f"model_{slug}", metrics={"held_out_sky_region":
                                                      evaluation.to_dict()},
                   extra={"target_column": "redshift", "id_column": "object_id",
                          "selection": f"class={name}"})
        write_table(part_test.drop(columns=["redshift"]), folder / f"test_{slug}.parquet")
        run = predict_table_file(model, folder / f"test_{slug}.parquet",
                                 folder / f"photoz_{slug}.parquet", id_column="object_id")
        print(f"\n== photoz: {name} (held-out sky region) ==")
        print(evaluation.text())
        evaluation.add_to(report, title=f"Photo-z of {name.lower()}s: held-out sky region")
        report.paragraph(f"Ensemble weights {model.weights_}; fitted in {seconds:.0f} s. "
                         f"Predictions with PDFs: {run.output}.")
        rows.append({"class": name, "n_train": len(part_train), "n_test": len(part_test),
                     **{k: evaluation.summary[k] for k in ("sigma_nmad", "outlier_frac",
                                                            "crps", "pit_ks",
                                                            "multimodal_frac")},
                     "fit_s": seconds})
        if name == "GALAXY":
            headline = {k: evaluation.summary[k] for k in ("sigma_nmad", "outlier_frac")}
    table = pd.DataFrame(rows)
    print("\nphoto-z summary:")
    print(format_table(table, float_format="{:.4f}"))
    report.table(table, caption="Photo-z per class, held-out sky region", float_format="{:.4f}")
    return headline


def demo_transients(folder: Path, report: Report, n: int | None, seed: int,
                    say: Callable[[str], None]) -> dict[str, float]:
    """Classify simulated transients and variables (8 classes, LSST-like cadence), complete
    and after a few days, with the gradient-boosting model on light-curve features.

    Returns the headline metrics on full light curves.
    """
    from astrolearn.datasets import simulate_transients
    from astrolearn.io import write_table
    from astrolearn.transients.classifier import TransientClassifier
    from astrolearn.transients.evaluation import evaluate_transients, plot_lightcurve

    per_class = max(20, (n or 2400) // 8)
    folder.mkdir(parents=True, exist_ok=True)
    lc, meta = simulate_transients(per_class, survey="lsst", seed=seed + 2)
    test_lc, test_meta = simulate_transients(max(10, per_class // 2), survey="lsst",
                                             seed=seed + 3)
    report.section(
        "Transients: multi-band light curves",
        f"{len(meta):,} simulated objects (8 classes, {per_class} each: SN Ia, Ibc, II-P, "
        "IIn, SLSN, TDE, AGN, periodic variables; LSST-like cadence with seasonal gaps; "
        f"seed {seed + 2}) train a LightGBM classifier on light-curve features (Bazin and "
        "Villar fits, shape statistics, colours, host redshift); an independent draw of "
        f"{len(test_meta):,} objects (seed {seed + 3}) scores it on complete light curves "
        "and on their first days after the first detection, as a broker would.")
    start = time.perf_counter()
    model = TransientClassifier(survey="lsst", random_state=seed)
    model.fit(lc, "label", objects=meta)
    seconds = time.perf_counter() - start
    say(f"[transients] fitted on {len(meta):,} objects in {seconds:.0f} s")
    classes = [str(c) for c in model.classes_]
    proba = model.predict_proba(test_lc, test_meta)
    by_days = {d: model.predict_proba(test_lc, test_meta, days=d) for d in (5, 10, 20, 50)}
    evaluation = evaluate_transients(test_meta["label"].to_numpy(), proba, classes,
                                     proba_by_days=by_days, positive="SNIa",
                                     redshift=test_meta["redshift"].to_numpy())
    model.save(folder / "model", metrics={"independent_draw": evaluation.to_dict()},
               extra={"label_column": "label"})
    write_table(model.predict_frame(test_lc, test_meta), folder / "predictions.parquet")
    print("\n== transients (independent simulated draw) ==")
    print(evaluation.text())
    evaluation.add_to(report, title="Transient classification: independent draw")
    for cls in ("SNIa", "SNII-P", "periodic"):
        first = test_meta.loc[test_meta["label"] == cls, "object_id"].iloc[0]
        report.figure(plot_lightcurve(test_lc, first, model=model, objects=test_meta,
                                      title=f"true class {cls}: object {first}"))
    report.paragraph(f"Fitted in {seconds:.0f} s. Model folder {folder / 'model'}; "
                     f"predictions {folder / 'predictions.parquet'}.")
    return {k: evaluation.summary[k] for k in ("accuracy", "macro_f1", "plasticc_log_loss")}


def demo_transits(folder: Path, report: Report, n: int | None, seed: int,
                  say: Callable[[str], None]) -> dict[str, float]:
    """Search simulated TESS-like stars for transits, vet the signals, map completeness.

    Planet hosts, eclipsing binaries and junk (systematics, single events, variability) are
    simulated with batman transits in realistic noise, searched by the pipeline of
    ``astrolearn transits search``, labelled PC / EB / J, and classified by the average of
    LightGBM and AstroNet on global and local views; an independent draw scores it. A small
    injection-recovery run maps the completeness of the search against SNR and period.

    Returns the headline metrics of the independent draw.
    """
    from astrolearn.io import write_table
    from astrolearn.report import format_table
    from astrolearn.transits.classifier import TransitClassifier
    from astrolearn.transits.evaluation import evaluate_transits
    from astrolearn.transits.injection import completeness_curve, injection_recovery
    from astrolearn.transits.pipeline import search_lightcurves, simulate_signals
    from astrolearn.transits.plots import (
        plot_completeness_map,
        plot_search_summary,
        plot_views,
    )

    n_stars = max(30, n or 240)
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    train, _, _ = simulate_signals(n_stars, seed=seed + 4)
    test, test_lc, _ = simulate_signals(max(15, n_stars // 2), seed=seed + 5)
    say(f"[transits] simulated and searched {n_stars + max(15, n_stars // 2)} stars in "
        f"{time.perf_counter() - start:.0f} s")
    write_table(test, folder / "test_signals.parquet")
    report.section(
        "Transits: search and vetting",
        f"{n_stars} TESS-like stars (27 d at 30-min cadence, seed {seed + 4}), a third each "
        "planet hosts, eclipsing binaries and junk (ramps, momentum-dump dips, single events, "
        "spots), simulated with batman in noise with gaps and flagged cadences. Each star is "
        "cleaned, detrended (biweight), searched with box least squares, and its strongest "
        "signal folded into global (201 bins) and local (61 bins) views; a signal is PC when "
        "it is the planet, EB when it is the binary (or half or twice its period), J "
        f"otherwise. The vetting model is scored on an independent draw of {len(test)} "
        f"signals (seed {seed + 5}).")
    start = time.perf_counter()
    # one network instead of the default three keeps the demo short
    model = TransitClassifier(astronet_params={"epochs": 40, "n_networks": 1},
                              random_state=seed)
    model.fit(train, "label", groups="object_id")
    seconds = time.perf_counter() - start
    say(f"[transits] LightGBM + AstroNet fitted on {len(train)} signals in {seconds:.0f} s")
    proba = model.predict_proba(test)
    evaluation = evaluate_transits(test["label"], proba, model.classes_,
                                   snr=test["snr"].to_numpy())
    model.save(folder / "model", metrics={"independent_draw": evaluation.to_dict()},
               extra={"label_column": "label", "group_column": "object_id"})
    write_table(model.predict_frame(test, keep=["object_id", "signal", "period", "snr"]),
                folder / "predictions.parquet")
    print("\n== transits: vetting of simulated TESS signals (independent draw) ==")
    print(evaluation.text())
    evaluation.add_to(report, title="Transit vetting: independent draw")

    planets = test[test["label"] == "PC"].sort_values("snr")
    if len(planets):
        planet = planets.iloc[len(planets) // 2]  # a typical one: the median SNR
        star_lc = test_lc[test_lc["object_id"] == planet["object_id"]]
        found = search_lightcurves(star_lc, max_signals=2, views=False)
        report.figure(plot_search_summary(found.flattened, found.signals,
                                          found.periodograms[planet["object_id"]],
                                          title=f"{planet['object_id']}: a planet host (true "
                                                f"period {planet['true_period']:.3f} d)"),
                      caption="Search of one planet host: light curve and trend, flattened "
                      "light curve, periodogram and folded transit with the box model")
    for label in ("PC", "EB", "J"):
        rows = test[test["label"] == label]
        if len(rows):
            row = rows.iloc[0]
            report.figure(plot_views(row["global_view"], row["local_view"],
                                     title=f"{label}: {row['object_id']}, P = "
                                           f"{row['period']:.3f} d, SNR {row['snr']:.1f}"))

    start = time.perf_counter()
    injections = injection_recovery(n_injections=max(40, n_stars // 2), mission="tess",
                                    period_range=(0.5, 10.0), snr_range=(3.0, 20.0),
                                    seed=seed + 6)
    say(f"[transits] {len(injections)} injections searched in "
        f"{time.perf_counter() - start:.0f} s")
    curve = completeness_curve(injections, snr_bins=[3, 6, 9, 12, 15, 20])
    report.section("Transits: injection and recovery",
                   f"{len(injections)} batman planets injected into simulated quiet TESS-like "
                   "stars at SNR 3-20 and periods 0.5-10 d, then searched by the same "
                   "pipeline; recovered when a signal matches the period within 1 % and the "
                   "epoch within half a duration.")
    report.figure(plot_completeness_map(injections, period_bins=[0.5, 1, 2.5, 5, 10],
                                        snr_bins=[3, 6, 9, 12, 15, 20]),
                  caption="Recovered fraction against SNR and period")
    report.table(curve, caption="Recovered fraction against SNR (Wilson 68% intervals)")
    print("\ninjection-recovery: recovered fraction against SNR")
    print(format_table(curve))
    report.paragraph(f"Model folder {folder / 'model'}; predictions "
                     f"{folder / 'predictions.parquet'}.")
    ranking = evaluation.ranking
    return {"accuracy": evaluation.classification.summary["accuracy"],
            "PC_average_precision": float(ranking.loc["PC", "average_precision"])
            if "PC" in ranking.index else float("nan")}


def demo_glitches(folder: Path, report: Report, n: int | None, seed: int,
                  say: Callable[[str], None]) -> dict[str, float]:
    """Classify simulated LIGO glitches (11 classes) from their four Gravity Spy Q-transform
    views with the multi-view CNN, and show accuracy against SNR.

    Returns the headline metrics of an independent simulated draw.
    """
    import numpy as np

    from astrolearn.catalogs.evaluation import evaluate_classification
    from astrolearn.datasets import simulate_glitch_views
    from astrolearn.glitches.classifier import GlitchClassifier, write_views
    from astrolearn.glitches.plots import plot_accuracy_vs_snr, plot_glitch_views
    from astrolearn.glitches.qtransform import GRAVITY_SPY_WINDOWS
    from astrolearn.io import write_table

    per_class = max(10, (n or 660) // 11)
    size = 48  # small images keep the demo to about two minutes on 2 cores
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    views, truth = simulate_glitch_views(per_class, shape=(size, size), seed=seed + 7,
                                         n_jobs=2)
    test_views, test_truth = simulate_glitch_views(max(5, per_class // 2), shape=(size, size),
                                                   seed=seed + 8, n_jobs=2)
    say(f"[glitches] simulated {len(views) + len(test_views):,} glitches and their "
        f"Q-transform views in {time.perf_counter() - start:.0f} s")
    ids = [f"sim{i:05d}" for i in range(len(test_views))]
    write_views(folder / "test_views.npz", test_views, ids, test_truth["label"],
                windows=GRAVITY_SPY_WINDOWS)
    report.section(
        "Glitches: LIGO detector noise transients",
        f"{len(views):,} simulated glitches ({per_class} of each of 11 classes: Blip, Koi_Fish, "
        "Whistle, Scattered_Light, Fast_Scattering, Tomte, Power_Line, Low_Frequency_Burst, "
        "Chirp, Violin_Mode and No_Glitch; seed "
        f"{seed + 7}) injected at SNR 8-40 (the SNR of the loudest Q-transform tile, as Omicron "
        "reports it for Gravity Spy) into Gaussian noise coloured by the "
        "Advanced-LIGO design sensitivity, whitened and turned into the four Gravity Spy "
        f"Q-transform views (0.5, 1, 2, 4 s; {size} x {size} pixels here) train the multi-view "
        "CNN of Bahaadini et al. (2018); an independent draw of "
        f"{len(test_views):,} (seed {seed + 8}) scores it.")
    start = time.perf_counter()
    model = GlitchClassifier(network_params={"epochs": 30, "width": 12}, random_state=seed)
    model.fit(views, truth["label"], windows=list(GRAVITY_SPY_WINDOWS))
    seconds = time.perf_counter() - start
    say(f"[glitches] multi-view CNN fitted on {len(views):,} views in {seconds:.0f} s")
    proba = model.predict_proba(test_views)
    classes = [str(c) for c in model.classes_]
    evaluation = evaluate_classification(test_truth["label"], proba, classes)
    model.save(folder / "model", metrics={"independent_draw": evaluation.to_dict()},
               extra={"training": "simulated glitches", "seed": seed + 7})
    write_table(model.predict_frame(test_views, ids), folder / "predictions.parquet")
    print("\n== glitches: simulated LIGO glitches, 11 classes (independent draw) ==")
    print(evaluation.text())
    evaluation.add_to(report, title="Glitch classification: independent draw")
    labels = test_truth["label"].to_numpy()
    glitch = labels != "No_Glitch"
    correct = np.asarray(classes)[proba.argmax(1)] == labels
    report.figure(plot_accuracy_vs_snr(test_truth["snr"].to_numpy()[glitch], correct[glitch],
                                       bins=[8, 12, 20, 40]),
                  caption="Accuracy of the glitch classes against their (loudest-tile) SNR "
                  "(No_Glitch, SNR 0, left out); Wilson 68% intervals")
    for label in ("Koi_Fish", "Scattered_Light", "Chirp"):
        row = int(np.flatnonzero(labels == label)[0])
        report.figure(plot_glitch_views(test_views[row], title=f"{label}, SNR "
                                        f"{test_truth['snr'].iloc[row]:.1f}: predicted "
                                        f"{classes[int(proba[row].argmax())]}"),
                      caption=f"The four Gravity Spy views of a simulated {label}")
    report.paragraph(f"Fitted in {seconds:.0f} s. Model folder {folder / 'model'}; test views "
                     f"{folder / 'test_views.npz'}; predictions "
                     f"{folder / 'predictions.parquet'}.")
    return {k: evaluation.summary[k] for k in ("accuracy", "macro_f1")}


def demo_images(folder: Path, report: Report, n: int | None, seed: int,
                say: Callable[[str], None]) -> dict[str, float]:
    """Galaxy images: morphology with the residual CNN, then an anomaly search with the
    forest + autoencoder ensemble and its explore page, on GalSim cutouts.

    Returns the held-out macro-F1 and the anomaly search's average precision.
    """

    from astrolearn.anomalies.ensemble import score_anomalies
    from astrolearn.anomalies.explore import write_explore_page
    from astrolearn.anomalies.metrics import anomaly_metrics_table
    from astrolearn.catalogs.evaluation import evaluate_classification
    from astrolearn.datasets.galaxy_sim import simulate_galaxies, simulate_morphology
    from astrolearn.images.classifier import ImageClassifier
    from astrolearn.images.io import write_images
    from astrolearn.images.plots import plot_cutouts
    from astrolearn.report import format_table

    n = n or 1200
    size = 48  # small cutouts keep the demo to about two minutes on 2 cores
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    images, truth = simulate_morphology(n, size=size, seed=seed + 11)
    test_images, test_truth = simulate_morphology(max(60, n // 3), size=size, seed=seed + 12)
    say(f"[images] simulated {len(images) + len(test_images):,} labelled cutouts in "
        f"{time.perf_counter() - start:.0f} s")
    report.section(
        "Images: galaxy morphology and anomalies",
        f"{len(images):,} GalSim cutouts ({size} x {size} pixels of 0.2 arcsec, 0.8 arcsec "
        "seeing, seed "
        f"{seed + 11}) of six classes (elliptical, disc, edge-on with a dust lane, merger, "
        "clumpy, lensed arc) train the residual CNN with random rotations and flips; an "
        f"independent draw of {len(test_images):,} (seed {seed + 12}) scores it. Then an "
        "anomaly search: the isolation forest and the convolutional autoencoder rank a set "
        "with 2 % rare objects, and the explore page shows the top of the ranking.")
    start = time.perf_counter()
    model = ImageClassifier("resnet", 8, random_state=seed,
                            network_params={"epochs": 12, "patience": 4})
    model.fit(images, truth["label"])
    seconds = time.perf_counter() - start
    say(f"[images] residual CNN fitted on {len(images):,} cutouts in {seconds:.0f} s")
    classes = [str(c) for c in model.classes_]
    evaluation = evaluate_classification(test_truth["label"], model.predict_proba(test_images),
                                         classes)
    model.save(folder / "model", metrics={"independent_draw": evaluation.to_dict()})
    ids = test_truth["id"].astype(str).to_numpy()
    write_images(folder / "test_cutouts.npz", test_images, ids, test_truth["label"].to_numpy())
    print("\n== images: simulated galaxy morphology, 6 classes (independent draw) ==")
    print(evaluation.text())
    evaluation.add_to(report, title="Galaxy morphology: independent draw")

    start = time.perf_counter()
    cutouts, kinds = simulate_galaxies(max(200, n), size=size, anomaly_fraction=0.02,
                                       seed=seed + 13)
    rare = kinds["is_anomaly"].to_numpy()
    table, fitted = score_anomalies(cutouts, kinds["id"].astype(str), method="ensemble",
                                    members=("forest", "autoencoder"),
                                    options={"autoencoder": {"epochs": 10}},
                                    random_state=seed)
    say(f"[images] anomaly scores of {len(cutouts):,} cutouts in "
        f"{time.perf_counter() - start:.0f} s")
    scores = {"forest": table["score_forest"], "autoencoder": table["score_autoencoder"],
              "ensemble": table["score"]}
    found = anomaly_metrics_table(rare, scores)[["roc_auc", "average_precision",
                                                  "precision_top_n", "found_top_n"]]
    print(f"\n== images: anomaly search in {len(cutouts):,} cutouts, {int(rare.sum())} rare ==")
    print(format_table(found.reset_index()))
    report.table(found.reset_index(), caption=f"Anomaly search in {len(cutouts):,} simulated "
                 f"cutouts ({int(rare.sum())} rare: mergers, clumpy, edge-on dust lanes, "
                 "lensed arcs, satellite trails, bad columns)")
    top = table.nsmallest(16, "rank").index.to_numpy()
    report.figure(plot_cutouts(cutouts[top], titles=[f"#{r} {k}" for r, k in zip(
        table["rank"].to_numpy()[top], kinds["kind"].to_numpy()[top], strict=True)]),
        caption="The 16 most unusual cutouts of the ensemble, with their true kind")
    page = write_explore_page(table.assign(label=kinds["kind"].to_numpy()), cutouts,
                              folder / "explore.html", features=fitted["features"][:, :20],
                              top=40, random_state=seed)
    report.paragraph(f"Classifier fitted in {seconds:.0f} s. Model folder {folder / 'model'}; "
                     f"test cutouts {folder / 'test_cutouts.npz'}; anomaly explore page "
                     f"{page} (mark cutouts interesting or boring there and rescore with "
                     "astrolearn anomalies score --decisions).")
    return {"macro_f1": evaluation.summary["macro_f1"],
            "anomaly_average_precision": float(found.loc["ensemble", "average_precision"])}


DEMOS: dict[str, Callable] = {"sources": demo_sources, "photoz": demo_photoz,
                              "transients": demo_transients, "transits": demo_transits,
                              "glitches": demo_glitches, "images": demo_images}


def run_demo(out: str | Path = "astrolearn-demo", *, task: str | None = None,
             n: int | None = None, seed: int = 0,
             say: Callable[[str], None] = print) -> Path:
    """Run the demo of one task (or all) and write ``out/report.html``.

    Examples
    --------
    >>> run_demo("demo-out", task="sources", n=3000)  # doctest: +SKIP
    """
    out = Path(out)
    report = Report("astrolearn demo")
    report.section("About", "Every task of astrolearn run end to end on simulated data, "
                   "with the figures and metrics its papers report. Rerun with "
                   "`astrolearn demo`.")
    start = time.perf_counter()
    tasks = [task] if task else list(DEMOS)
    for name in tasks:
        t0 = time.perf_counter()
        DEMOS[name](out / name, report, n, seed, say)
        say(f"[{name}] done in {time.perf_counter() - t0:.0f} s")
    path = report.write(out / "report.html")
    print(f"\nreport written to {path} ({time.perf_counter() - start:.0f} s in all)")
    return path
