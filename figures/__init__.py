"""Figures drawn from derived results: data first, drawing second.

Each figure is a pure ``*_data`` function returning frozen data
(:mod:`figures.data`), a ``draw_*`` function that only draws, and a top-level
function returning ``(fig, data)``:

* :func:`threshold_functions` -- lasso, ridge and OLS estimates against the OLS
  estimate ``z`` (ESL Table 3.4), with the lasso's dead zone;
* :func:`subdifferential_figure` -- the penalties ``lambda|x|`` and
  ``lambda x^2`` and their subdifferentials as set-valued graphs.

Curves are evaluated only from derived results
(:meth:`derive.core.Derivation.numeric` and the derivations' ``cases``).
Styling is scoped (:func:`figures.style.figure_style`); importing this package
changes no rcParams and never imports ``matplotlib.pyplot`` (figures are
:class:`matplotlib.figure.Figure` objects); the derivations are computed, and
cached, on first use.  Save with
:func:`save_figure` for byte-identical output.
"""

from __future__ import annotations

from .data import Annotation, FigureData, MultiPanelData, Series, Span
from .save import save_figure
from .style import figure_style
from .subdifferential import draw_subdifferential, subdifferential_data, subdifferential_figure

# Bound last: the function shadows its submodule's name in the package namespace, so
# ``figures.threshold_functions`` is the function (import the module's other names
# with ``from figures.threshold_functions import ...``).
from .threshold_functions import draw_threshold_functions, threshold_data, threshold_functions

__all__ = [
    "FigureData",
    "MultiPanelData",
    "Series",
    "Span",
    "Annotation",
    "figure_style",
    "save_figure",
    "threshold_data",
    "draw_threshold_functions",
    "threshold_functions",
    "subdifferential_data",
    "draw_subdifferential",
    "subdifferential_figure",
]
