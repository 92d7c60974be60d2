"""Tests of astrolearn.report: escaping, embedded figures, no external references, atomic
writes and plain-text tables."""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import astrolearn
from astrolearn.errors import AstrolearnInputError
from astrolearn.metrics import confusion_matrix, purity_completeness
from astrolearn.plots import plot_confusion_matrix
from astrolearn.report import Report, format_table

EVIL = '<script>alert("x")</script> & <a href="https://example.org">'


def _small_figure() -> Figure:
    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    return fig


def _full_report() -> Report:
    y_true = ["GALAXY", "QSO", "STAR", "STAR"]
    y_pred = ["GALAXY", "STAR", "STAR", "STAR"]
    report = Report("Source classification")
    report.paragraph("Intro before any section.")
    report.section("Metrics", "Simulated catalogue.\n\nSecond paragraph.")
    report.metrics({"accuracy": 0.75, "n objects": 4}, caption="Summary")
    report.table(purity_completeness(y_true, y_pred), caption="Per class")
    report.section("Figures")
    report.figure(plot_confusion_matrix(confusion_matrix(y_true, y_pred)), caption="Confusion")
    return report


def test_header_version_time_and_toc():
    when = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc)
    report = _full_report()
    report.created = when
    page = report.to_html()
    assert page.startswith("<!DOCTYPE html>")
    assert f"astrolearn {astrolearn.__version__}" in page
    assert "2024-05-01 12:30:00 UTC" in page
    # table of contents links to every section, in order
    anchors = re.findall(r'<li><a href="#([^"]+)">', page)
    ids = re.findall(r'<h2 id="([^"]+)">', page)
    assert anchors == ids == ["s1-metrics", "s2-figures"]
    assert page.index("Intro before any section.") < page.index("<nav>")
    assert "<p>Simulated catalogue.</p>\n<p>Second paragraph.</p>" in page


def test_duplicate_section_titles_get_unique_anchors():
    page = Report("R").section("Same").section("Same").to_html()
    ids = re.findall(r'<h2 id="([^"]+)">', page)
    assert len(ids) == 2 and len(set(ids)) == 2


def test_everything_is_escaped():
    frame = pd.DataFrame({EVIL: [EVIL, "ok"]}, index=pd.Index([EVIL, "b"], name=EVIL))
    page = (
        Report(EVIL)
        .section(EVIL, EVIL)
        .paragraph(EVIL)
        .preformatted(EVIL)
        .table(frame, caption=EVIL)
        .metrics({EVIL: 1.0}, caption=EVIL)
        .figure(_small_figure(), caption=EVIL)
        .to_html()
    )
    assert "<script" not in page
    assert '<a href="https' not in page
    escaped = html.escape(EVIL, quote=True)
    # title, h1, contents entry, heading, paragraphs, pre, caption, header, index, cells,
    # metric name, figure alt text and caption: all escaped
    assert page.count(escaped) >= 15


def test_figure_is_embedded_and_freed():
    fig = _small_figure()
    page = Report("R").figure(fig, caption="A line").to_html()
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match is not None
    assert base64.b64decode(match.group(1))[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<figcaption>A line</figcaption>" in page
    assert fig.axes == []  # the figure was cleared
    with pytest.raises(AstrolearnInputError, match="Figure"):
        Report("R").figure("not a figure")


def test_no_external_references():
    page = _full_report().to_html()
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert "url(" not in page
    # every src is an embedded image, every href an in-page anchor
    assert all(s.startswith("data:image/png;base64,") for s in re.findall(r'src="([^"]*)"', page))
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', page))


def test_table_formatting_and_truncation():
    frame = pd.DataFrame({"x": np.arange(5) / 3, "n": np.arange(5), "name": list("abcde")})
    page = Report("R").table(frame, float_format="{:.2f}", max_rows=3).to_html()
    assert '<td class="num">0.33</td>' in page
    assert '<td class="num">2</td>' in page
    assert '<td class="text">c</td>' in page
    assert "<td class=\"text\">d</td>" not in page
    assert "First 3 of 5 rows shown." in page
    # default RangeIndex is not shown; a named index is
    assert "<th></th>" not in page
    page = Report("R").table(purity_completeness(["a"], ["a"])).to_html()
    assert "<th>class</th>" in page


def test_write_is_atomic(tmp_path, monkeypatch):
    report = _full_report()
    out = report.write(tmp_path / "sub" / "report.html")
    assert out == tmp_path / "sub" / "report.html"
    text = out.read_text(encoding="utf-8")
    assert text.endswith("</html>\n")
    assert "data:image/png;base64," in text
    assert os.listdir(out.parent) == ["report.html"]  # no temporary file left behind

    # a failure while moving the file into place leaves the old report untouched
    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        Report("Other").write(out)
    monkeypatch.undo()
    assert out.read_text(encoding="utf-8") == text
    assert os.listdir(out.parent) == ["report.html"]


def test_format_table():
    table = pd.DataFrame(
        {"purity": [0.9, np.nan], "n_true": [10, 4], "note": ["ok", "few"]},
        index=pd.Index(["GALAXY", "QSO"], name="class"),
    )
    expected = (
        "class   purity  n_true  note\n"
        "------  ------  ------  ----\n"
        "GALAXY   0.900      10  ok\n"
        "QSO        NaN       4  few"
    )
    assert format_table(table) == expected
    assert format_table(pd.DataFrame({"x": [1.23456]}), float_format="{:.1f}") == "  x\n---\n1.2"
    assert format_table(pd.DataFrame({"x": [2.0]}), float_format=lambda v: f"{v:g}") == (
        "x\n-\n2"
    )


def test_format_table_rejects_non_frames():
    with pytest.raises(AstrolearnInputError, match="DataFrame"):
        format_table([1, 2, 3])
