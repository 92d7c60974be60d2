"""Self-contained HTML reports, and plain-text tables for the terminal.

A :class:`Report` is a list of sections, each holding paragraphs, tables, key/value metric
tables and figures. :meth:`Report.to_html` renders a single HTML file that opens in any
browser without network access: figures are PNG images embedded as base64 ``data:`` URIs,
the style sheet is inline, there are no scripts, web fonts or external links, and every
piece of text is escaped with :func:`html.escape`. The header names the astrolearn version
and the creation time, and a table of contents links to the sections.

The report knows nothing of any task; each task adds its own sections::

    report = Report("astrolearn demo")
    report.section("Source classification", "LightGBM on simulated SDSS photometry.")
    report.metrics({"accuracy": 0.95, "macro F1": 0.91})
    report.table(purity_completeness(y_true, y_pred), caption="Per-class purity")
    report.figure(plot_confusion_matrix(conf), caption="Confusion matrix")
    report.write("report.html")

:func:`format_table` renders a DataFrame as an aligned plain-text table, for printing
metrics in the terminal.

Written here rather than with a templating library (jinja2, pandas ``Styler``) because the
output is small and fixed, and because escaping every value ourselves is the simplest way
to guarantee that the file holds no markup or reference we did not put there.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError

__all__ = ["Report", "format_table"]

FloatFormat = str | Callable[[float], str]

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
header { border-bottom: 2px solid #1f77b4; margin-bottom: 1rem; }
header p { color: #555; margin-top: 0; font-size: 0.9rem; }
h1 { margin-bottom: 0.3rem; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 2.2rem; }
nav { background: #f5f7fa; padding: 0.5rem 1rem; border-radius: 4px; }
nav ol { margin: 0.3rem 0; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: 0.3rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.6rem; }
th { background: #eef2f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { text-align: left; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; }
figcaption { color: #444; font-size: 0.9rem; }
pre { background: #f5f7fa; padding: 0.6rem; overflow-x: auto; }
p.note { color: #777; font-size: 0.85rem; }
"""


# ---------------------------------------------------------------------------------------
# Cell formatting (shared by the HTML and the plain-text tables)
# ---------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _format_cell(value: Any, float_format: FloatFormat) -> str:
    """Format one table cell: integers as integers, floats with ``float_format``."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return "NaN"
        if np.isinf(value):
            return "inf" if value > 0 else "-inf"
        return float_format(float(value)) if callable(float_format) else float_format.format(
            float(value)
        )
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def _label(value: Any) -> str:
    if isinstance(value, tuple):
        return " / ".join(str(v) for v in value)
    return str(value)


def _table_cells(
    frame: pd.DataFrame, float_format: FloatFormat
) -> tuple[list[str], list[list[str]], list[bool]]:
    """Header, body and is-numeric flag of each column (the index becomes columns if shown)."""
    if not isinstance(frame, pd.DataFrame):
        if isinstance(frame, pd.Series):
            frame = frame.to_frame()
        else:
            raise AstrolearnInputError(
                f"expected a pandas DataFrame, got {type(frame).__name__}",
                fix="pass a DataFrame (e.g. pd.DataFrame(values))",
            )
    show_index = not (
        isinstance(frame.index, pd.RangeIndex)
        and frame.index.start == 0
        and frame.index.step == 1
        and frame.index.name is None
    )
    header: list[str] = []
    columns: list[list[Any]] = []
    if show_index:
        index = frame.index
        names = index.names if isinstance(index, pd.MultiIndex) else [index.name]
        for level, name in enumerate(names):
            header.append("" if name is None else str(name))
            columns.append(list(index.get_level_values(level)))
    for position, name in enumerate(frame.columns):
        header.append(_label(name))
        columns.append(list(frame.iloc[:, position]))
    numeric = [all(_is_number(v) or v is None for v in col) and len(col) > 0 for col in columns]
    body = [
        [_format_cell(columns[j][i], float_format) for j in range(len(columns))]
        for i in range(len(frame))
    ]
    return header, body, numeric


def format_table(frame: pd.DataFrame, float_format: FloatFormat = "{:.3f}") -> str:
    """Render ``frame`` as an aligned plain-text table for the terminal.

    Numbers are right-aligned, text left-aligned; the index is shown (as the first
    columns) unless it is the default ``0..n-1``. Floats use ``float_format`` (a
    ``str.format`` pattern or a callable); NaN prints as ``NaN``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    float_format : str or callable
        Format of float cells.

    Returns
    -------
    str
        Header line, a dashed rule, then one line per row; no trailing newline.

    Examples
    --------
    >>> table = pd.DataFrame({"purity": [0.9, 0.75], "n_true": [10, 4]},
    ...                      index=pd.Index(["GALAXY", "QSO"], name="class"))
    >>> print(format_table(table))
    class   purity  n_true
    ------  ------  ------
    GALAXY   0.900      10
    QSO      0.750       4
    """
    header, body, numeric = _table_cells(frame, float_format)
    widths = [
        max([len(header[j])] + [len(row[j]) for row in body]) for j in range(len(header))
    ]

    def line(cells: list[str]) -> str:
        parts = [
            cell.rjust(widths[j]) if numeric[j] else cell.ljust(widths[j])
            for j, cell in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    lines = [line(header), "  ".join("-" * w for w in widths)]
    lines += [line(row) for row in body]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# HTML report
# ---------------------------------------------------------------------------------------


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _paragraphs(text: str) -> str:
    """Escape ``text``; blank lines separate paragraphs."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", str(text)) if b.strip()]
    return "\n".join(f"<p>{_esc(b)}</p>" for b in blocks)


@dataclass
class _Section:
    title: str
    anchor: str
    blocks: list[str] = field(default_factory=list)


class Report:
    """A self-contained HTML report built section by section.

    Every method that adds content returns the report, so calls can be chained. Content
    added before the first :meth:`section` appears at the top, before the table of contents
    entries.

    Parameters
    ----------
    title : str
        Title of the page and of the ``<h1>`` header.
    created : datetime.datetime, optional
        Creation time shown in the header; default now (UTC). Pass a fixed time for
        reproducible files.

    Examples
    --------
    >>> report = Report("Demo").section("Results", "All good.").metrics({"accuracy": 0.9})
    >>> "<h2 id=\\"s1-results\\">Results</h2>" in report.to_html()
    True
    """

    def __init__(self, title: str, *, created: _dt.datetime | None = None) -> None:
        self.title = str(title)
        self.created = created or _dt.datetime.now(_dt.timezone.utc)
        self._intro: list[str] = []
        self._sections: list[_Section] = []

    # -- building ------------------------------------------------------------------------

    def _add(self, block: str) -> Report:
        (self._sections[-1].blocks if self._sections else self._intro).append(block)
        return self

    def section(self, title: str, text: str | None = None) -> Report:
        """Start a new ``<h2>`` section (listed in the table of contents).

        Parameters
        ----------
        title : str
            Section heading.
        text : str, optional
            Introductory paragraph(s); blank lines separate paragraphs.

        Examples
        --------
        >>> Report("R").section("Photometric redshifts").to_html().count("<h2")
        1
        """
        slug = re.sub(r"[^a-z0-9]+", "-", str(title).lower()).strip("-")[:40] or "section"
        anchor = f"s{len(self._sections) + 1}-{slug}"
        self._sections.append(_Section(str(title), anchor))
        if text:
            self.paragraph(text)
        return self

    def paragraph(self, text: str) -> Report:
        """Add text (escaped; blank lines separate paragraphs).

        Examples
        --------
        >>> "<p>a &lt; b</p>" in Report("R").paragraph("a < b").to_html()
        True
        """
        return self._add(_paragraphs(text))

    def preformatted(self, text: str) -> Report:
        """Add a block of monospaced text (e.g. :func:`format_table` output or a log).

        Examples
        --------
        >>> "<pre>x  y</pre>" in Report("R").preformatted("x  y").to_html()
        True
        """
        return self._add(f"<pre>{_esc(text)}</pre>")

    def table(
        self,
        frame: pd.DataFrame,
        caption: str | None = None,
        float_format: FloatFormat = "{:.3f}",
        max_rows: int | None = 200,
    ) -> Report:
        """Add a DataFrame as an HTML table.

        Parameters
        ----------
        frame : pandas.DataFrame
            The table; the index is shown unless it is the default ``0..n-1``.
        caption : str, optional
            Caption above the table.
        float_format : str or callable
            Format of float cells (``str.format`` pattern or callable).
        max_rows : int or None
            Show at most this many rows, with a note giving the total; ``None`` shows all.

        Examples
        --------
        >>> page = Report("R").table(pd.DataFrame({"f1": [0.91234]})).to_html()
        >>> '<td class="num">0.912</td>' in page
        True
        """
        if isinstance(frame, pd.Series):
            frame = frame.to_frame()
        n_rows = len(frame) if isinstance(frame, pd.DataFrame) else 0
        shown = frame if max_rows is None or n_rows <= max_rows else frame.iloc[:max_rows]
        header, body, numeric = _table_cells(shown, float_format)
        parts = ["<table>"]
        if caption:
            parts.append(f"<caption>{_esc(caption)}</caption>")
        parts.append("<thead><tr>" + "".join(f"<th>{_esc(h)}</th>" for h in header)
                     + "</tr></thead>")
        parts.append("<tbody>")
        for row in body:
            cells = "".join(
                f'<td class="{"num" if numeric[j] else "text"}">{_esc(cell)}</td>'
                for j, cell in enumerate(row)
            )
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</tbody></table>")
        if len(shown) < n_rows:
            parts.append(f'<p class="note">First {len(shown)} of {n_rows} rows shown.</p>')
        return self._add("\n".join(parts))

    def metrics(
        self,
        values: Mapping[str, Any],
        caption: str | None = None,
        float_format: FloatFormat = "{:.3f}",
    ) -> Report:
        """Add a small two-column table of named values (e.g. accuracy, macro F1).

        Examples
        --------
        >>> '<td class="text">accuracy</td>' in Report("R").metrics({"accuracy": 0.9}).to_html()
        True
        """
        if not isinstance(values, Mapping):
            raise AstrolearnInputError(
                f"metrics expects a mapping of names to values, got {type(values).__name__}",
                fix="pass a dict such as {'accuracy': 0.93}",
            )
        frame = pd.DataFrame(
            {"metric": [str(k) for k in values], "value": pd.Series(list(values.values()),
                                                                    dtype=object)}
        )
        return self.table(frame, caption=caption, float_format=float_format, max_rows=None)

    def figure(self, fig: Any, caption: str | None = None, dpi: int = 100) -> Report:
        """Embed a matplotlib figure as a base64 PNG, then free the figure.

        Parameters
        ----------
        fig : matplotlib.figure.Figure
            The figure. It is cleared afterwards (and closed, if pyplot manages it), so
            adding many figures does not accumulate memory.
        caption : str, optional
            Caption below the figure (also the image's alt text).
        dpi : int
            Resolution of the PNG.

        Examples
        --------
        >>> from matplotlib.figure import Figure
        >>> fig = Figure(); _ = fig.add_subplot().plot([0, 1])
        >>> "data:image/png;base64," in Report("R").figure(fig).to_html()
        True
        """
        from matplotlib.figure import Figure

        if not isinstance(fig, Figure):
            raise AstrolearnInputError(
                f"figure expects a matplotlib Figure, got {type(fig).__name__}",
                fix="pass the Figure returned by an astrolearn.plots function (or ax.figure)",
            )
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        _free_figure(fig)
        encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
        alt = _esc(caption or "figure")
        block = f'<figure><img alt="{alt}" src="data:image/png;base64,{encoded}">'
        if caption:
            block += f"<figcaption>{_esc(caption)}</figcaption>"
        return self._add(block + "</figure>")

    # -- output --------------------------------------------------------------------------

    def to_html(self) -> str:
        """Return the whole report as one self-contained HTML document.

        Examples
        --------
        >>> Report("R").to_html().startswith("<!DOCTYPE html>")
        True
        """
        from astrolearn import __version__

        created = self.created.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
        out = [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta name="generator" content="astrolearn {_esc(__version__)}">',
            f"<title>{_esc(self.title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            "<header>",
            f"<h1>{_esc(self.title)}</h1>",
            f"<p>Made with astrolearn {_esc(__version__)} on {_esc(created)}.</p>",
            "</header>",
        ]
        out.extend(self._intro)
        if self._sections:
            out.append("<nav><strong>Contents</strong><ol>")
            out.extend(
                f'<li><a href="#{s.anchor}">{_esc(s.title)}</a></li>' for s in self._sections
            )
            out.append("</ol></nav>")
        for s in self._sections:
            out.append(f'<section><h2 id="{s.anchor}">{_esc(s.title)}</h2>')
            out.extend(s.blocks)
            out.append("</section>")
        out += ["</body>", "</html>", ""]
        return "\n".join(out)

    def write(self, path: str | Path) -> Path:
        """Write the report atomically (the file appears complete or not at all).

        Parameters
        ----------
        path : str or Path
            Output file, usually ending in ``.html``; parent folders are created.

        Returns
        -------
        pathlib.Path

        Examples
        --------
        >>> import tempfile, pathlib
        >>> out = Report("R").write(pathlib.Path(tempfile.mkdtemp()) / "r.html")
        >>> out.read_text(encoding="utf-8").endswith("</html>\\n")
        True
        """
        from astrolearn.io import atomic_path

        path = Path(path)
        text = self.to_html()
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return path


def _free_figure(fig: Any) -> None:
    """Release a figure: close it in pyplot if pyplot manages it, and drop its artists."""
    manager = getattr(getattr(fig, "canvas", None), "manager", None)
    if manager is not None:
        import sys

        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            pyplot.close(fig)
    fig.clear()
