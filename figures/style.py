"""Scoped figure style and the drawing of :class:`~figures.data.FigureData`.

Nothing here touches matplotlib's global state: the style is a dictionary of
rcParams applied only inside :func:`figure_style` (a
:func:`matplotlib.rc_context`), figures are :class:`matplotlib.figure.Figure`
objects created directly (no ``pyplot``, so no figure manager, no backend
selection and nothing kept alive by a global registry).

The palette is Okabe and Ito's colour-blind-safe set (Okabe & Ito, *Color
Universal Design*, 2008); line styles differ as well as colours, so the
figures also read in greyscale.  Fonts are STIX (bundled with matplotlib, so
the output does not depend on the fonts installed on the machine).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import matplotlib as mpl

from .data import FigureData

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "OKABE_ITO",
    "WIDTHS",
    "SERIES_STYLES",
    "SPAN_STYLES",
    "SVG_HASHSALT",
    "Width",
    "LATEX_SIZES",
    "style_rc",
    "figure_style",
    "paper_rc",
    "paper_style",
    "math_label",
    "new_figure",
    "styled_figure",
    "freeze_layout",
    "draw_panel",
]

#: Okabe–Ito palette, by name.
OKABE_ITO: Mapping[str, str] = MappingProxyType(
    {
        "black": "#000000",
        "orange": "#E69F00",
        "sky_blue": "#56B4E9",
        "bluish_green": "#009E73",
        "yellow": "#F0E442",
        "blue": "#0072B2",
        "vermillion": "#D55E00",
        "reddish_purple": "#CC79A7",
    }
)

Width = Literal["single", "double"]

#: Figure widths in inches: one journal column and the full page width.
WIDTHS: Mapping[str, float] = MappingProxyType({"single": 3.5, "double": 7.0})

#: Default figure heights in inches for each width.
_HEIGHTS: Mapping[str, float] = MappingProxyType({"single": 2.7, "double": 2.7})

#: A fixed salt for the ids matplotlib writes into SVG files (deterministic output).
SVG_HASHSALT = "derive-figures"

_L1 = OKABE_ITO["vermillion"]
_L2 = OKABE_ITO["blue"]

#: Line2D keyword arguments for each series style key.
SERIES_STYLES: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "default": MappingProxyType({"color": OKABE_ITO["black"], "linewidth": 1.2}),
        "l1": MappingProxyType({"color": _L1, "linewidth": 1.6, "linestyle": "-", "zorder": 3}),
        "l2": MappingProxyType({"color": _L2, "linewidth": 1.6, "linestyle": (0, (5.0, 1.8)), "zorder": 2.5}),
        "ols": MappingProxyType({"color": "0.35", "linewidth": 1.0, "linestyle": (0, (1.0, 1.6)), "zorder": 2}),
        # The set-valued part of the L1 subdifferential: the same colour, heavier.
        "l1_set": MappingProxyType(
            {"color": _L1, "linewidth": 3.0, "linestyle": "-", "solid_capstyle": "butt", "zorder": 3.5}
        ),
        "l2_point": MappingProxyType(
            {
                "color": _L2,
                "marker": "o",
                "markersize": 4.5,
                "markerfacecolor": "white",
                "markeredgewidth": 1.3,
                "zorder": 4,
            }
        ),
    }
)

#: ``axvspan`` keyword arguments for each span style key.
SPAN_STYLES: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {"dead_zone": MappingProxyType({"facecolor": _L1, "alpha": 0.12, "linewidth": 0, "zorder": 0.5})}
)

_ANNOTATION_STYLE: Mapping[str, Any] = MappingProxyType({"color": "0.15"})
_ARROW_STYLE: Mapping[str, Any] = MappingProxyType(
    {"arrowstyle": "-|>", "color": "0.25", "linewidth": 0.6, "shrinkA": 1.0, "shrinkB": 1.5, "mutation_scale": 6.0}
)
_REFERENCE_STYLE: Mapping[str, Any] = MappingProxyType({"colors": "0.8", "linewidths": 0.5, "zorder": 0.8})


def style_rc(width: Width = "single", fontsize: float = 9, height: float | None = None) -> dict[str, Any]:
    """Return the rcParams of the house style (a new dictionary).

    Parameters
    ----------
    width : {"single", "double"}
        One journal column (3.5 in) or the page width (7.0 in).
    fontsize : float
        Base font size in points; tick labels and legends are one point smaller.
    height : float, optional
        Figure height in inches (default 2.7).

    Returns
    -------
    dict
        rcParams to pass to :func:`matplotlib.rc_context`.

    Examples
    --------
    >>> style_rc("double")["figure.figsize"]
    (7.0, 2.7)
    """
    if width not in WIDTHS:
        raise ValueError(f"unknown width {width!r}; choose one of {', '.join(WIDTHS)}")
    if fontsize <= 0:
        raise ValueError(f"fontsize must be positive, got {fontsize}")
    w = WIDTHS[width]
    h = _HEIGHTS[width] if height is None else float(height)
    if h <= 0:
        raise ValueError(f"height must be positive, got {height}")
    small = fontsize - 1
    return {
        "figure.figsize": (w, h),
        "figure.dpi": 150,
        "savefig.dpi": 300,
        "savefig.bbox": None,
        "savefig.pad_inches": 0.02,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "figure.constrained_layout.use": False,
        "figure.constrained_layout.h_pad": 0.03,
        "figure.constrained_layout.w_pad": 0.03,
        # Concrete family names, not the generic "serif": a generic family is resolved when the
        # figure is drawn (e.g. saved), i.e. with the global rcParams, outside this style.
        "font.family": ["STIXGeneral", "DejaVu Serif"],
        "font.serif": ["STIXGeneral", "DejaVu Serif"],
        "mathtext.fontset": "stix",
        "font.size": fontsize,
        "axes.titlesize": fontsize,
        "axes.labelsize": fontsize,
        "figure.titlesize": fontsize + 0.5,
        "legend.fontsize": small,
        "xtick.labelsize": small,
        "ytick.labelsize": small,
        "axes.unicode_minus": True,
        "axes.linewidth": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlepad": 4.0,
        "axes.labelpad": 2.0,
        "axes.prop_cycle": mpl.cycler(color=[OKABE_ITO[k] for k in ("vermillion", "blue", "black", "bluish_green")]),
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "xtick.major.size": 3.0,
        "ytick.major.size": 3.0,
        "xtick.major.pad": 2.0,
        "ytick.major.pad": 2.0,
        "lines.linewidth": 1.5,
        "lines.solid_capstyle": "round",
        "lines.dash_capstyle": "butt",
        "legend.frameon": False,
        "legend.handlelength": 2.4,
        "legend.borderaxespad": 0.3,
        "legend.borderpad": 0.2,
        "legend.labelspacing": 0.3,
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "path",
        "svg.hashsalt": SVG_HASHSALT,
    }


@contextlib.contextmanager
def figure_style(width: Width = "single", fontsize: float = 9, height: float | None = None) -> Iterator[dict[str, Any]]:
    """Apply the house style inside a ``with`` block only.

    Parameters
    ----------
    width : {"single", "double"}
        One journal column (3.5 in) or the page width (7.0 in).
    fontsize : float
        Base font size in points.
    height : float, optional
        Figure height in inches.

    Yields
    ------
    dict
        The rcParams in force (a copy; changing it has no effect).

    Examples
    --------
    >>> import matplotlib as mpl
    >>> before = mpl.rcParams["font.size"]
    >>> with figure_style(fontsize=7):
    ...     mpl.rcParams["font.size"]
    7.0
    >>> mpl.rcParams["font.size"] == before
    True
    """
    rc = style_rc(width, fontsize, height)
    with mpl.rc_context(rc):
        yield dict(rc)


#: LaTeX's font sizes in points for the standard classes (article, report, book) at each class
#: option (``size10.clo``, ``size11.clo``, ``size12.clo``): a figure set in ``small`` at 100 %
#: scale matches a caption of the document.
LATEX_SIZES: Mapping[int, Mapping[str, float]] = MappingProxyType(
    {
        10: MappingProxyType({"normalsize": 10.0, "small": 9.0, "footnotesize": 8.0, "scriptsize": 7.0}),
        11: MappingProxyType({"normalsize": 10.95, "small": 10.0, "footnotesize": 9.0, "scriptsize": 8.0}),
        12: MappingProxyType({"normalsize": 12.0, "small": 10.95, "footnotesize": 10.0, "scriptsize": 8.0}),
    }
)


def paper_rc(
    document_pt: int = 10, *, width: Width = "single", size: str = "small", height: float | None = None
) -> dict[str, Any]:
    r"""rcParams whose text matches a LaTeX document's ``size`` when the figure is included at 100 %.

    Include the saved figure without scaling (``\includegraphics{fig.pdf}``,
    no ``width=``), or save it as PGF so LaTeX sets the text itself.

    Parameters
    ----------
    document_pt : {10, 11, 12}
        The document class option (``\documentclass[11pt]{article}``).
    width : {"single", "double"}
        One column (3.5 in) or the full text width of a two-column page (7.0 in).
    size : {"normalsize", "small", "footnotesize", "scriptsize"}
        The LaTeX size the figure's text should have (tick labels one point smaller).
    height : float, optional
        Figure height in inches.

    Returns
    -------
    dict
        rcParams for :func:`matplotlib.rc_context` (see :func:`style_rc`).

    Examples
    --------
    >>> rc = paper_rc(11, width="double")
    >>> rc["font.size"], rc["xtick.labelsize"], rc["figure.figsize"]
    (10.0, 9.0, (7.0, 2.7))
    >>> paper_rc(13)
    Traceback (most recent call last):
    ...
    ValueError: unknown document size 13 pt; choose one of 10, 11, 12
    """
    if document_pt not in LATEX_SIZES:
        raise ValueError(f"unknown document size {document_pt} pt; choose one of {', '.join(map(str, LATEX_SIZES))}")
    sizes = LATEX_SIZES[document_pt]
    if size not in sizes:
        raise ValueError(f"unknown LaTeX size {size!r}; choose one of {', '.join(sizes)}")
    return style_rc(width, sizes[size], height)


@contextlib.contextmanager
def paper_style(
    document_pt: int = 10, *, width: Width = "single", size: str = "small", height: float | None = None
) -> Iterator[dict[str, Any]]:
    """:func:`figure_style` with the font size of a LaTeX document (see :func:`paper_rc`).

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with paper_style(12, size="footnotesize"):
    ...     mpl.rcParams["font.size"]
    10.0
    """
    rc = paper_rc(document_pt, width=width, size=size, height=height)
    with mpl.rc_context(rc):
        yield dict(rc)


#: LaTeX the derivation printer writes that matplotlib's mathtext lacks, and what mathtext draws instead.
_MATHTEXT = (
    (re.compile(r"\\operatorname\*?\{([^{}]*)\}"), r"\\mathrm{\1}"),
    (re.compile(r"\\left\|\{?"), "|"),
    (re.compile(r"\}?\\right\|"), "|"),
    (re.compile(r"\\coloneqq"), ":="),
)


def math_label(expr: Any, **settings: Any) -> str:
    r"""A figure label for ``expr`` in the same notation as the LaTeX output (as matplotlib mathtext).

    The LaTeX is the derivation printer's, so ``notation={"beta": "w"}``
    renames symbols in the figure as in the document.

    Parameters
    ----------
    expr : sympy.Basic
        What to label (a symbol, an expression, a ``Prox``).
    **settings
        Settings of :class:`derive.printing.latex.DeriveLatexPrinter`.

    Returns
    -------
    str
        ``$...$`` that mathtext can draw.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import beta, lam, z
    >>> print(math_label(sp.Abs(beta) * lam))
    $\lambda |\beta|$
    >>> print(math_label(sp.Symbol("betahat"), notation={"beta": "w"}))
    $\hat{w}$
    >>> from matplotlib.mathtext import MathTextParser
    >>> _ = MathTextParser("path").parse(math_label(sp.sign(z) * sp.Max(sp.Abs(z) - lam, 0)))
    """
    from derive.printing.latex import expr_to_latex

    tex = expr_to_latex(expr, **settings)
    for pattern, replacement in _MATHTEXT:
        tex = pattern.sub(replacement, tex)
    return f"${tex}$"


def new_figure(nrows: int = 1, ncols: int = 1, **subplot_kw: Any) -> tuple[Figure, list[Axes]]:
    """Create a :class:`~matplotlib.figure.Figure` with a grid of axes (no ``pyplot``).

    Call it inside :func:`figure_style` so the figure gets the style's size.

    Parameters
    ----------
    nrows, ncols : int
        The grid of axes.
    **subplot_kw
        Passed to :meth:`matplotlib.figure.Figure.subplots`.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure, with the constrained layout engine.
    axes : list of matplotlib.axes.Axes
        The axes, row by row.
    """
    from matplotlib.figure import Figure

    fig = Figure()
    fig.set_layout_engine("constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return fig, [ax for row in axes for ax in row]


def freeze_layout(fig: Figure, passes: int = 2) -> Figure:
    """Compute the constrained layout now, then fix it, so that every save draws the same geometry.

    Constrained layout runs again at every draw, starting from the previous
    result and measuring text at the renderer's resolution; with a fixed
    aspect ratio it does not even reach a fixed point.  Saving the same figure
    twice, or to another format first, could then move the axes by a fraction
    of a point and change the bytes.  Freezing makes the output a function of
    the figure alone.  Call it inside :func:`figure_style` (tick labels are
    created during the first draw, with the rcParams in force).  To change
    the figure afterwards, switch the layout back on with
    ``fig.set_layout_engine("constrained")``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure using the constrained layout engine.
    passes : int
        Layout passes before freezing.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``, with its layout engine replaced by a placeholder (``"none"``).
    """
    for _ in range(passes):
        fig.draw_without_rendering()
    fig.set_layout_engine("none")
    return fig


def styled_figure(
    draw: Callable[[list[Axes]], Any],
    width: Width = "single",
    fontsize: float = 9,
    height: float | None = None,
    *,
    nrows: int = 1,
    ncols: int = 1,
) -> tuple[Figure, list[Axes], Any]:
    """Create a figure in the house style, ``draw(axes)`` into it and freeze its layout.

    Everything happens inside :func:`figure_style`, so the size, the fonts and
    the frozen layout come from one style; returns the figure, its axes and
    what ``draw`` returned.
    """
    with figure_style(width, fontsize, height=height):
        fig, axes = new_figure(nrows, ncols)
        drawn = draw(axes)
        freeze_layout(fig)
    return fig, axes, drawn


def draw_panel(data: FigureData, ax: Axes, *, legend_loc: str | None = "best", zero_lines: bool = True) -> Axes:
    """Draw one :class:`~figures.data.FigureData` into ``ax``.

    The i-th series becomes ``ax.lines[i]`` (reference lines are collections,
    bands are patches, annotations are texts), so the axes can be checked
    against the data.

    Parameters
    ----------
    data : FigureData
        What to draw.
    ax : matplotlib.axes.Axes
        Where to draw it.
    legend_loc : str or None
        Legend location (``None``: no legend).
    zero_lines : bool
        Draw faint reference lines at x = 0 and y = 0.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.
    """
    from matplotlib.collections import LineCollection

    if zero_lines:
        for segments, transform in (
            ([[(0.0, 0.0), (1.0, 0.0)]], ax.get_yaxis_transform()),
            ([[(0.0, 0.0), (0.0, 1.0)]], ax.get_xaxis_transform()),
        ):
            ax.add_collection(LineCollection(segments, transform=transform, **_REFERENCE_STYLE), autolim=False)
    for span in data.spans:
        ax.axvspan(span.lo, span.hi, label=span.label or "_nolegend_", **SPAN_STYLES[span.style])
    for series in data.series:
        style = dict(SERIES_STYLES[series.style])
        if series.kind == "point":
            style["linestyle"] = "none"
            style.setdefault("marker", "o")
        label = series.label if series.legend else "_nolegend_"
        ax.plot(series.x, series.y, label=label, **style)
    for note in data.annotations:
        if note.xytext is None:
            ax.text(*note.xy, note.text, ha=note.ha, va=note.va, **_ANNOTATION_STYLE)
        else:
            ax.annotate(
                note.text,
                xy=note.xy,
                xytext=note.xytext,
                ha=note.ha,
                va=note.va,
                arrowprops=dict(_ARROW_STYLE),
                **_ANNOTATION_STYLE,
            )
    if data.xlim is not None:
        ax.set_xlim(*data.xlim)
    if data.ylim is not None:
        ax.set_ylim(*data.ylim)
    ax.set_title(data.title)
    ax.set_xlabel(data.xlabel)
    ax.set_ylabel(data.ylabel)
    if legend_loc is not None and any(s.legend for s in data.series):
        ax.legend(loc=legend_loc)
    return ax
