"""Figures drawn from derived results: data first, drawing second.

Each figure is a pure ``*_data`` function returning frozen data
(:mod:`figures.data`), a ``draw_*`` function that only draws, and a top-level
function returning ``(fig, data)``:

* :func:`threshold_functions` -- lasso, ridge and OLS estimates against the OLS
  estimate ``z`` (ESL Table 3.4), with the lasso's dead zone;
* :func:`subdifferential_figure` -- the penalties ``lambda|x|`` and
  ``lambda x^2`` and their subdifferentials as set-valued graphs;
* :func:`zero_probability_figure` -- P(estimate = 0) against lambda (Theorem 5);
* :func:`risk_curves` -- the risks of soft, hard and ridge estimates against
  the mean (Theorem 6);
* :func:`geometry_figure` -- vertex cones of the L1 ball, the L2 ball, the
  penalised strips (Theorem 7);
* :func:`bayes_figure` -- priors, MAP estimates and the posterior mean
  (Theorem 8);
* :func:`shrinkage_panels` -- one panel per shrinkage estimator (estimate
  against z next to the 45-degree line), from the shrinkage table;
* :func:`unit_balls_figure` -- the catalogue's penalties and their unit balls
  (corners on the axes exactly where the penalty has a kink at 0);
* :func:`lp_family_figure` -- the prox of lambda|x|^p against v for several p
  (theorem lp-family);
* :func:`coefficient_paths_figure` -- lasso and ridge coefficient paths
  against lambda for an orthonormal design (the lasso's reach exactly 0 at
  the derived threshold).

Curves are evaluated only from derived results
(:meth:`derive.core.Derivation.numeric`, the derivations' ``cases`` and the
theorems' derived expressions via :func:`proofs.gaussian.normal_numeric`).
Styling is scoped (:func:`figures.style.figure_style`); importing this package
changes no rcParams and never imports ``matplotlib.pyplot`` (figures are
:class:`matplotlib.figure.Figure` objects); the derivations are computed, and
cached, on first use.  Save with
:func:`save_figure` for byte-identical output.
"""

from __future__ import annotations

from .bayes import bayes_data, bayes_figure, draw_bayes
from .coefficient_paths import coefficient_paths_data, coefficient_paths_figure, draw_coefficient_paths
from .data import Annotation, FigureData, MultiPanelData, Series, Span
from .geometry import draw_geometry, geometry_data, geometry_figure
from .lp_family import draw_lp_family, lp_family_data, lp_family_figure

# ``figures.risk_curves`` and ``figures.threshold_functions`` are the functions, which shadow their
# submodules' names in the package namespace (import the modules' other names with
# ``from figures.threshold_functions import ...``).
from .risk_curves import draw_risk_curves, risk_curves, risk_curves_data
from .save import save_figure
from .shrinkage_panels import draw_shrinkage_panels, shrinkage_panels, shrinkage_panels_data
from .style import figure_style
from .subdifferential import draw_subdifferential, subdifferential_data, subdifferential_figure
from .threshold_functions import draw_threshold_functions, threshold_data, threshold_functions
from .unit_balls import draw_unit_balls, unit_balls_data, unit_balls_figure
from .zero_probability import draw_zero_probability, zero_probability_data, zero_probability_figure

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
    "zero_probability_data",
    "draw_zero_probability",
    "zero_probability_figure",
    "risk_curves_data",
    "draw_risk_curves",
    "risk_curves",
    "bayes_data",
    "draw_bayes",
    "bayes_figure",
    "geometry_data",
    "draw_geometry",
    "geometry_figure",
    "shrinkage_panels_data",
    "draw_shrinkage_panels",
    "shrinkage_panels",
    "unit_balls_data",
    "draw_unit_balls",
    "unit_balls_figure",
    "coefficient_paths_data",
    "draw_coefficient_paths",
    "coefficient_paths_figure",
    "lp_family_data",
    "draw_lp_family",
    "lp_family_figure",
]
