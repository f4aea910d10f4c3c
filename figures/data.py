"""Plain, immutable data behind every figure.

A figure is computed first, as data, and drawn second.  The ``*_data``
functions of :mod:`figures` return the dataclasses defined here; the
``draw_*`` functions only turn them into matplotlib artists.  Nothing in this
module imports matplotlib.

Arrays are kept as NumPy arrays (``float64``) but are made read-only, so a
frozen dataclass really is immutable.  Because NumPy arrays have no single
truth value, the classes compare by identity (``eq=False``); use
:func:`same_data` to compare contents.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np
import sympy as sp

__all__ = [
    "SeriesKind",
    "Series",
    "Span",
    "Annotation",
    "FigureData",
    "MultiPanelData",
    "as_readonly_array",
    "same_data",
    "symmetric_grid",
    "to_float",
]

#: How a series is drawn: a polyline, a (vertical) segment between two points, or markers only.
SeriesKind = Literal["line", "segment", "point"]

_KINDS: tuple[str, ...] = ("line", "segment", "point")


def as_readonly_array(values: Any) -> np.ndarray:
    """Return ``values`` as a new read-only one-dimensional ``float64`` array (``-0.0`` becomes ``0.0``).

    Parameters
    ----------
    values : array_like
        Numbers (a tuple, a list or an array).

    Returns
    -------
    numpy.ndarray
        A copy that cannot be written to.

    Examples
    --------
    >>> a = as_readonly_array((0, 1))
    >>> a.dtype, a.flags.writeable
    (dtype('float64'), False)
    """
    # ``+ 0.0`` copies and turns -0.0 (e.g. sign(z) * 0 at z < 0) into 0.0: equal values print alike.
    array = np.asarray(values, dtype=np.float64).reshape(-1) + 0.0
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Series:
    """One plotted set of points.

    Parameters
    ----------
    label : str
        What the series is, in matplotlib math text (e.g. ``r"$\\lambda|x|$"``).
    x, y : array_like
        Coordinates; stored as read-only ``float64`` arrays of equal length.
    kind : {"line", "segment", "point"}
        ``"line"``: a polyline; ``"segment"``: a segment between exactly two
        points (a set-valued part of a graph); ``"point"``: markers only.
    style : str
        A key of :data:`figures.style.SERIES_STYLES`.
    legend : bool
        Whether the series gets a legend entry (pieces of one graph after the
        first one do not).
    """

    label: str
    x: np.ndarray
    y: np.ndarray
    kind: SeriesKind = "line"
    style: str = "default"
    legend: bool = True

    def __post_init__(self) -> None:
        x = as_readonly_array(self.x)
        y = as_readonly_array(self.y)
        if x.shape != y.shape:
            raise ValueError(f"series {self.label!r}: x has {x.size} points but y has {y.size}")
        if self.kind not in _KINDS:
            raise ValueError(f"series {self.label!r}: unknown kind {self.kind!r}; expected one of {_KINDS}")
        if self.kind == "segment" and x.size != 2:
            raise ValueError(f"series {self.label!r}: a segment has exactly 2 points, got {x.size}")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)


@dataclass(frozen=True)
class Span:
    """A shaded band ``lo <= x <= hi`` across the whole height of the axes.

    Parameters
    ----------
    lo, hi : float
        The band's ends in data coordinates.
    label : str
        What the band means (used in the legend if non-empty).
    style : str
        A key of :data:`figures.style.SPAN_STYLES`.
    """

    lo: float
    hi: float
    label: str = ""
    style: str = "dead_zone"

    def __post_init__(self) -> None:
        lo, hi = float(self.lo), float(self.hi)
        if not lo <= hi:
            raise ValueError(f"span [{lo}, {hi}] is empty")
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)


@dataclass(frozen=True)
class Annotation:
    """A text label, optionally with an arrow pointing at ``xy``.

    Parameters
    ----------
    text : str
        The words (math text allowed).
    xy : tuple of float
        The annotated point, in data coordinates.
    xytext : tuple of float or None
        Where the text goes, in data coordinates; ``None`` puts the text at
        ``xy`` with no arrow.
    ha : {"left", "center", "right"}
        Horizontal alignment of the text.
    va : {"top", "center", "bottom", "baseline"}
        Vertical alignment of the text.
    """

    text: str
    xy: tuple[float, float]
    xytext: tuple[float, float] | None = None
    ha: str = "center"
    va: str = "center"

    def __post_init__(self) -> None:
        object.__setattr__(self, "xy", (float(self.xy[0]), float(self.xy[1])))
        if self.xytext is not None:
            object.__setattr__(self, "xytext", (float(self.xytext[0]), float(self.xytext[1])))


@dataclass(frozen=True)
class FigureData:
    """Everything one axes shows.

    Parameters
    ----------
    title, xlabel, ylabel : str
        Texts (math text allowed).
    series : tuple of Series
        Drawn in order: the i-th series is the axes' i-th line.
    spans : tuple of Span
        Shaded bands, drawn beneath the series.
    annotations : tuple of Annotation
        Text labels.
    xlim, ylim : tuple of float or None
        The plotting window (``None``: matplotlib's automatic limits).
    """

    title: str
    xlabel: str
    ylabel: str
    series: tuple[Series, ...]
    spans: tuple[Span, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "series", tuple(self.series))
        object.__setattr__(self, "spans", tuple(self.spans))
        object.__setattr__(self, "annotations", tuple(self.annotations))
        for name in ("xlim", "ylim"):
            limits = getattr(self, name)
            if limits is not None:
                object.__setattr__(self, name, (float(limits[0]), float(limits[1])))

    def by_label(self, label: str) -> Series:
        """Return the series with this label; ``KeyError`` names the known labels."""
        for series in self.series:
            if series.label == label:
                return series
        raise KeyError(f"no series labelled {label!r}; known: {[s.label for s in self.series]}")


@dataclass(frozen=True)
class MultiPanelData:
    """Several axes side by side under one title.

    Parameters
    ----------
    title : str
        The figure's title (the point it makes).
    panels : tuple of FigureData
        The panels, left to right.
    """

    title: str
    panels: tuple[FigureData, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "panels", tuple(self.panels))


def same_data(a: Any, b: Any) -> bool:
    """Whether two figure-data objects (or series) hold the same contents.

    Arrays are compared exactly (``numpy.array_equal``), everything else with
    ``==``.

    Examples
    --------
    >>> same_data(Series("a", (0, 1), (1, 2)), Series("a", [0.0, 1.0], [1.0, 2.0]))
    True
    """
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and bool(np.array_equal(a, b))
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same_data(u, v) for u, v in zip(a, b, strict=True))
    if hasattr(a, "__dataclass_fields__"):
        return all(same_data(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    return bool(a == b)


def symmetric_grid(half_width: float, num: int = 801, include: Any = ()) -> np.ndarray:
    """Return a sorted grid on ``[-half_width, half_width]`` containing 0 and ``include``.

    The grid is exactly symmetric (its negative half mirrors the positive
    half), so 0 is a grid point; the points in ``include`` that lie inside the
    window (kinks, thresholds) are inserted exactly, so a plotted kink is sharp.

    Parameters
    ----------
    half_width : float
        The window is ``[-half_width, half_width]``; must be positive.
    num : int
        Number of evenly spaced points before insertion; odd, at least 3.
    include : iterable of float
        Points to insert (those outside the window are ignored).

    Returns
    -------
    numpy.ndarray
        Sorted, duplicate-free, read-only ``float64`` grid.

    Examples
    --------
    >>> g = symmetric_grid(3.0, 7, include=(1.0, -1.0, 5.0))
    >>> g.tolist()
    [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
    >>> symmetric_grid(1.0, 5, include=(0.3,)).tolist()
    [-1.0, -0.5, 0.0, 0.3, 0.5, 1.0]
    """
    half_width = float(half_width)
    if not np.isfinite(half_width) or half_width <= 0:
        raise ValueError(f"the half width of the window must be positive and finite, got {half_width}")
    if num < 3 or num % 2 == 0:
        raise ValueError(f"num must be odd and at least 3 (so that 0 is a grid point), got {num}")
    half = np.linspace(0.0, half_width, num // 2 + 1)
    grid = np.concatenate((-half[:0:-1], half))
    extra = np.array([float(p) for p in include], dtype=np.float64)
    extra = extra[np.abs(extra) <= half_width]
    return as_readonly_array(np.union1d(grid, extra))


def to_float(expr: Any, values: dict[Any, float]) -> float:
    """Evaluate a SymPy number or expression at parameter values, as a Python float.

    Parameters
    ----------
    expr : sympy.Expr or number
        E.g. an interval endpoint ``-lambda`` or a threshold.
    values : dict
        Parameter symbols mapped to numbers.

    Returns
    -------
    float
        The value; infinities become ``inf``/``-inf``.

    Raises
    ------
    ValueError
        If the expression still has free symbols after substitution.

    Examples
    --------
    >>> from derive.symbols import lam
    >>> to_float(-lam, {lam: 0.5})
    -0.5
    """
    value = sp.sympify(expr).subs(values)
    if value.free_symbols:
        raise ValueError(f"{expr} still depends on {sorted(map(str, value.free_symbols))} after substitution")
    return float(value)
