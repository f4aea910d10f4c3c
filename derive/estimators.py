"""Penalised least squares for orthogonal designs, reduced to a prox.

For a design with ``X^T X = s I`` (s = 1: orthonormal columns; s = n:
scikit-learn's standardised columns) and the OLS estimate ``z = X^T y / s``,

    ||y - X b||^2 = ||y - X z||^2 + s ||z - b||^2,

so the objective ``c ||y - X b||^2 + sum_j pen(b_j)`` separates into one
problem per coordinate, ``c s (z_j - b_j)^2 + pen(b_j)``, whose minimiser is
``prox_{pen/(2cs)}(z_j)``.  With unequal column norms, ``X^T X = D =
diag(d_j)``, the same holds with ``d_j`` in place of ``s``.  The identities are
proved with SymPy matrix symbols; the prox comes from :func:`derive.prox.prox`.

Nothing here is a table of closed forms: an estimator is its *objective* (the
penalty's terms, from its source paper, and the convention's weights) and a
*method* of reduction; every result is derived:

``prox``
    a separable penalty (lasso, ridge, elastic net, positive lasso; the
    non-convex l0, SCAD, MCP and bridge go through the global route of
    :func:`derive.prox.prox`).
``corrected``
    Zou and Hastie's rescaling of the naive elastic net by the curvature
    factor ``1 + lambda2``, computed from the objective.
``adaptive``
    the adaptive lasso: the data-dependent weight is a positive constant ``w``
    in the minimisation, substituted by ``|z|^(-gamma)`` afterwards.
``garrote``
    Breiman's non-negative garrote: a prox in the shrinkage factor ``c``.
``group``
    the group lasso: rotation invariance (Cauchy-Schwarz) reduces the block
    problem to a prox on the radius ``||b_g||``.
``subset``
    best subset of size M: the orthogonal decomposition makes the RSS
    reduction of keeping coordinate j equal to ``s z_j^2``.

Each derivation also derives its threshold (the largest ``|z|`` mapped to
exactly 0) as a result of its own, checked at sample points.  For a general
design, :func:`estimator` derives the ridge normal equations and the lasso's
KKT conditions (which have no closed-form solution in general).
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import mpmath
import sympy as sp

from .checks import DIGITS, POINTS, SEED, check_equal, check_member, mpmath_function, sample_points, shown_zero
from .conventions import Convention, Scaling, get_convention, lam1, lam2
from .core import Check, Derivation, DerivationBuilder
from .errors import (
    AssumptionError,
    NoClosedFormError,
    OptionError,
    UnsupportedPenaltyError,
    VariableError,
    VerificationError,
    WeightError,
)
from .notation import Norm, Objective, Prox
from .penalties import sign_of
from .printing.text import expr_to_text
from .prox import analysed, compact_form, prox
from .symbols import beta, lam, v, x, z
from .validate import validate_assumptions, validate_functions, validate_weight

__all__ = [
    "ESTIMATORS",
    "DESIGNS",
    "EstimatorSpec",
    "estimator",
    "estimator_objective",
    "design_reduction",
    "orthonormal_reduction",
    "check_minimiser",
    "gamma",
    "a_scad",
    "p_bridge",
    "M",
    "d",
    "r",
    "rho",
    "t_M",
]

#: The estimate of one coefficient (prints as a hatted beta).
BETA_HAT = sp.Symbol("betahat", real=True)

#: The adaptive lasso's exponent and MCP's concavity parameter (named gamma in both papers), gamma > 0.
gamma = sp.Symbol("gamma", positive=True)
#: SCAD's shape parameter a > 2 (Fan and Li 2001).
a_scad = sp.Symbol("a", positive=True)
#: The bridge exponent p (Frank and Friedman 1993), 0 < p.
p_bridge = sp.Symbol("p", positive=True)
#: The size of the best subset.
M = sp.Symbol("M", positive=True, integer=True)
#: The squared norm d_j = ||x_j||^2 of a column (design with X^T X = D diagonal).
d = sp.Symbol("d", positive=True)
#: The norm r = ||z_g|| of a group's OLS vector.
r = sp.Symbol("r", nonnegative=True)
#: The norm rho = ||beta_g|| of a group's coefficient vector.
rho = sp.Symbol("rho", real=True)
#: The M-th largest |z_j| (orthonormal design) or sqrt(d_j)|z_j| (diagonal design).
t_M = sp.Symbol("t_M", positive=True)
#: The adaptive lasso's weight as a constant of the minimisation.
_W = sp.Symbol("w", positive=True)
#: The garrote's shrinkage factor c_j.
_C = sp.Symbol("c", real=True)
#: The threshold, for display.
_T = sp.Symbol("t", nonnegative=True)

_INDICATOR = sp.Piecewise((0, beta >= 0), (sp.oo, True))


# --------------------------------------------------------------------------
# What an estimator is: its objective's terms and its method
# --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EstimatorSpec:
    """An estimator: the terms of its penalty on one coefficient, their weights and a method.

    Parameters
    ----------
    name, label, source : str
        Key, name in words, citation.
    terms : tuple of sympy.Expr
        The penalty's terms in ``variable`` (``|beta|``, ``beta^2``); the
        penalty is ``sum_k weight_k * term_k + constraint``.
    weights : tuple of sympy.Expr
        The source paper's weights, one per term (a convention may replace them).
    method : str
        How the estimate is derived (see the module docstring).
    constraint : sympy.Expr
        A weight-free part, ``0`` or an indicator (``oo`` outside the feasible set).
    shape_parameters : tuple of sympy.Symbol
        Parameters that are not weights (``gamma``, ``a``, ``p``, ``M``).
    context : sympy Boolean
        Facts the shape parameters must satisfy (``a > 2``).
    words : tuple of str
        Each term summed over coordinates, in words (``||beta||_1``).
    homogeneous : bool
        Whether the penalty is linear in its weights (False for SCAD and MCP,
        whose lambda also sets where the penalty bends).
    defaults : tuple of (str, value)
        Parameter values used unless the caller gives others (the bridge's ``p = 1/2``).
    variable, data : sympy.Symbol
        The coefficient and the data coordinate of the per-coordinate
        objective (``beta`` and ``z``; ``rho`` and ``r`` for the group lasso).
    """

    name: str
    label: str
    source: str
    terms: tuple[sp.Expr, ...]
    weights: tuple[sp.Expr, ...]
    method: str = "prox"
    constraint: sp.Expr = sp.S.Zero
    shape_parameters: tuple[sp.Symbol, ...] = ()
    context: Any = sp.true
    words: tuple[str, ...] = ()
    homogeneous: bool = True
    defaults: tuple[tuple[str, Any], ...] = ()
    variable: sp.Symbol = beta
    data: sp.Symbol = z
    convex: bool = True

    def weights_under(self, scaling: Scaling) -> tuple[sp.Expr, ...]:
        """The weights a convention gives the terms (its own row, else the source's)."""
        if scaling.weights and len(scaling.weights) == len(self.weights):
            return tuple(sp.sympify(w) for w in scaling.weights)
        return self.weights

    def penalty(self, weights: tuple[sp.Expr, ...]) -> sp.Expr:
        """The penalty on one coefficient with the given weights."""
        return sum((w * t for w, t in zip(weights, self.terms, strict=True)), sp.Integer(0)) + self.constraint

    def written(self, scaling: Scaling) -> str:
        """The objective in words: the convention's own row, or its loss plus this penalty."""
        if scaling.weights and len(scaling.weights) == len(self.weights):
            return scaling.written
        if self.method == "subset":
            return f"{scaling.loss_written or '||y - X beta||^2'} subject to ||beta||_0 <= M"
        parts = [f"{expr_to_text(w)} {t}" for w, t in zip(self.weights, self.words, strict=True)]
        penalty = " + ".join(parts)
        if self.constraint != 0 and self.method != "garrote":
            penalty += " subject to beta >= 0"
        return f"{scaling.loss_written or '||y - X beta||^2'} + {penalty}"


def _spec(*args: Any, **kwargs: Any) -> EstimatorSpec:
    return EstimatorSpec(*args, **kwargs)


_ABS = sp.Abs(beta)
_THETA = sp.Abs(beta)
_SCAD = sp.Piecewise(
    (lam * _THETA, _THETA <= lam),
    ((2 * a_scad * lam * _THETA - _THETA**2 - lam**2) / (2 * (a_scad - 1)), _THETA <= a_scad * lam),
    ((a_scad + 1) * lam**2 / 2, True),
)
_MCP = sp.Piecewise((lam * _THETA - _THETA**2 / (2 * gamma), _THETA <= gamma * lam), (gamma * lam**2 / 2, True))

#: The named estimators.
ESTIMATORS: MappingProxyType[str, EstimatorSpec] = MappingProxyType(
    {
        "lasso": _spec("lasso", "lasso", "Tibshirani (1996); ESL eq. (3.52)", (_ABS,), (lam,), words=("||beta||_1",)),
        "ridge": _spec(
            "ridge",
            "ridge regression",
            "Hoerl and Kennard (1970); ESL eq. (3.41)",
            (beta**2,),
            (lam,),
            words=("||beta||_2^2",),
        ),
        "best_subset": _spec(
            "best_subset",
            "best subset of size M",
            "ESL Section 3.3.1 and Table 3.4",
            (),
            (),
            method="subset",
            shape_parameters=(M,),
        ),
        "l0": _spec(
            "l0",
            "L0-penalised least squares (hard threshold)",
            "e.g. Donoho and Johnstone (1994)",
            (sp.Piecewise((0, sp.Eq(beta, 0)), (1, True)),),
            (lam,),
            words=("||beta||_0",),
            convex=False,
        ),
        "elastic_net": _spec(
            "elastic_net",
            "naive elastic net",
            "Zou and Hastie (2005), eq. (3)",
            (_ABS, beta**2),
            (lam1, lam2),
            words=("||beta||_1", "||beta||_2^2"),
        ),
        "elastic_net_corrected": _spec(
            "elastic_net_corrected",
            "elastic net (corrected)",
            "Zou and Hastie (2005), eq. (11)",
            (_ABS, beta**2),
            (lam1, lam2),
            method="corrected",
            words=("||beta||_1", "||beta||_2^2"),
        ),
        "garrote": _spec(
            "garrote",
            "non-negative garrote",
            "Breiman (1995)",
            (beta / z,),
            (lam,),
            method="garrote",
            constraint=sp.Piecewise((0, beta * z >= 0), (sp.oo, True)),
            words=("sum_j c_j (beta_j = c_j z_j, c_j >= 0)",),
        ),
        "adaptive_lasso": _spec(
            "adaptive_lasso",
            "adaptive lasso",
            "Zou (2006)",
            (_ABS * sp.Abs(z) ** (-gamma),),
            (lam,),
            method="adaptive",
            shape_parameters=(gamma,),
            words=("sum_j |beta_j| / |z_j|^gamma",),
        ),
        "scad": _spec(
            "scad",
            "SCAD",
            "Fan and Li (2001)",
            (_SCAD,),
            (sp.Integer(1),),
            shape_parameters=(a_scad,),
            context=a_scad > 2,
            words=("sum_j p_{lambda,a}(|beta_j|) (SCAD)",),
            homogeneous=False,
            convex=False,
        ),
        "mcp": _spec(
            "mcp",
            "MCP (firm threshold)",
            "Zhang (2010)",
            (_MCP,),
            (sp.Integer(1),),
            shape_parameters=(gamma,),
            context=gamma > 1,
            words=("sum_j rho_{lambda,gamma}(|beta_j|) (MCP)",),
            homogeneous=False,
            convex=False,
        ),
        "bridge": _spec(
            "bridge",
            "bridge (p = 1/2)",
            "Frank and Friedman (1993)",
            (sp.Abs(beta) ** p_bridge,),
            (lam,),
            shape_parameters=(p_bridge,),
            words=("||beta||_p^p",),
            defaults=(("p", sp.Rational(1, 2)),),
            convex=False,
        ),
        "positive_lasso": _spec(
            "positive_lasso",
            "positive lasso",
            "Efron, Hastie, Johnstone and Tibshirani (2004)",
            (_ABS,),
            (lam,),
            constraint=_INDICATOR,
            words=("||beta||_1",),
        ),
        "group_lasso": _spec(
            "group_lasso",
            "group lasso (orthonormal groups)",
            "Yuan and Lin (2006)",
            (rho,),
            (lam,),
            method="group",
            constraint=sp.Piecewise((0, rho >= 0), (sp.oo, True)),
            words=("sum_g ||beta_g||_2",),
            variable=rho,
            data=r,
        ),
    }
)

#: The designs :func:`estimator` accepts.
DESIGNS = ("orthonormal", "diagonal", "general")


def estimator_objective(spec: EstimatorSpec, c: sp.Expr, s: sp.Expr, weights: tuple[sp.Expr, ...]) -> sp.Expr:
    """The per-coordinate objective ``c s (variable - data)^2 + penalty`` after the reduction."""
    return sp.expand(c * s * (spec.variable - spec.data) ** 2) + spec.penalty(weights)


# --------------------------------------------------------------------------
# The design reduction
# --------------------------------------------------------------------------
_N, _P = sp.Symbol("N", integer=True, positive=True), sp.Symbol("p", integer=True, positive=True)
#: Display objects: the design, the response, the coefficient and OLS vectors.
DESIGN = sp.MatrixSymbol("X", _N, _P)
RESPONSE = sp.MatrixSymbol("y", _N, 1)
COEFFICIENTS = sp.MatrixSymbol("beta", _P, 1)
OLS = sp.MatrixSymbol("z", _P, 1)
_GRAM = sp.MatrixSymbol("D", _P, _P)


@functools.lru_cache(maxsize=32)
def _check_reduction(s: sp.Expr) -> Check:
    """The orthonormal decomposition with matrix symbols (pure in ``s``: done once per ``s``, shared by estimators)."""
    rows, cols = sp.Symbol("N", integer=True, positive=True), sp.Symbol("p", integer=True, positive=True)
    X = sp.MatrixSymbol("X", rows, cols)
    y = sp.MatrixSymbol("y", rows, 1)
    b = sp.MatrixSymbol("beta", cols, 1)
    ols = X.T * y / s
    lhs = (y - X * b).T * (y - X * b)
    rhs = (y - X * ols).T * (y - X * ols) + s * (ols - b).T * (ols - b)
    difference = (lhs - rhs).expand().subs(X.T * X, s * sp.Identity(cols)).doit()
    if difference == sp.ZeroMatrix(1, 1) or difference == 0:
        return Check("symbolic", "expanded with matrix symbols, substituted X^T X = s I, simplified to 0")
    raise VerificationError(f"the orthonormal decomposition left {difference}")


@functools.lru_cache(maxsize=1)
def _check_gram_reduction() -> Check:
    X, y, b = DESIGN, RESPONSE, COEFFICIENTS
    gram = X.T * X
    ols = gram.inverse() * X.T * y
    lhs = (y - X * b).T * (y - X * b)
    rhs = (y - X * ols).T * (y - X * ols) + (ols - b).T * gram * (ols - b)
    difference = sp.simplify((lhs - rhs).expand().doit())
    if difference == sp.ZeroMatrix(1, 1) or difference == 0:
        return Check("symbolic", "expanded with matrix symbols, D = X^T X (symmetric, invertible), simplified to 0")
    raise VerificationError(f"the decomposition left {difference}")


def orthonormal_reduction(builder: DerivationBuilder, s: sp.Expr) -> None:
    """Add the steps ``||y - Xb||^2 = ||y - Xz||^2 + s||z - b||^2`` for ``X^T X = s I``."""
    X, y, b, zz = DESIGN, RESPONSE, COEFFICIENTS, OLS
    builder.define(
        X.T * X,
        s * sp.Identity(_P),
        "the design: orthogonal columns" + (" of unit norm" if s == 1 else f" of squared norm {sp.sstr(s)}"),
        rel="=",
    )
    builder.define(zz, X.T * y / s, "the OLS estimate (X^T X)^{-1} X^T y; its j-th coordinate is z_j")
    builder.claim(
        Norm(y - X * b) ** 2,
        "=",
        Norm(y - X * zz) ** 2 + s * Norm(zz - b) ** 2,
        "expand both sides and use X^T X = s I (SymPy matrix symbols)",
        lambda: _check_reduction(s),
    )


def design_reduction(builder: DerivationBuilder, design: str, s: sp.Expr) -> None:
    """Add the reduction steps for ``design`` (``"orthonormal"``: ``X^T X = s I``; ``"diagonal"``: ``X^T X = D``)."""
    if design == "orthonormal":
        orthonormal_reduction(builder, s)
        return
    X, y, b, zz = DESIGN, RESPONSE, COEFFICIENTS, OLS
    builder.define(
        X.T * X,
        _GRAM,
        f"the design: orthogonal columns with squared norms {s} = d_j = ||x_j||^2 > 0, D = diag(d_1, ..., d_p)",
        rel="=",
    )
    builder.define(zz, _GRAM.inverse() * X.T * y, "the OLS estimate; its j-th coordinate is z_j = x_j^T y / d_j")
    builder.claim(
        Norm(y - X * b) ** 2,
        "=",
        Norm(y - X * zz) ** 2 + Norm(sp.MatPow(_GRAM, sp.Rational(1, 2)) * (zz - b)) ** 2,
        "expand both sides with D = X^T X (SymPy matrix symbols); as D is diagonal the last term is "
        f"sum_j {s} (z_j - beta_j)^2 with {s} = d_j",
        _check_gram_reduction,
    )


# --------------------------------------------------------------------------
# Independent checks
# --------------------------------------------------------------------------
def _mp_function(expr: sp.Expr, args: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    """``expr`` as an mpmath function of ``args`` (lambdify's values; compiled once and cached)."""
    return mpmath_function(sp.sympify(expr), tuple(args))


def _mp(value: Any) -> mpmath.mpf:
    return mpmath.mpf(sp.Rational(value).p) / sp.Rational(value).q


def check_minimiser(
    objective: sp.Expr,
    variable: sp.Symbol,
    result: sp.Expr,
    *,
    context: Any = sp.true,
    grid: int = 120,
    count: int = POINTS,
) -> Check:
    """Check that ``result`` (a function of the data and parameters) minimises ``objective`` over ``variable``.

    At seeded random points (respecting the symbols' assumptions and
    ``context``), at 60 significant digits: the one-sided difference
    quotients of the objective at the claimed minimiser are >= 0 (step
    1e-20: a local minimum, kinks and jumps included), and no point of a grid
    of ``grid`` values spanning ``[-2R, 2R]`` (R = 1 + |minimiser| + the
    largest |value| of the point) nor the points 0 and the data has a smaller
    objective (a global check, needed for non-convex penalties).  Independent
    of how ``result`` was derived.
    """
    symbols = sorted((objective.free_symbols | result.free_symbols) - {variable}, key=lambda s: s.name)
    objective_f = _mp_function(objective, (variable, *symbols))
    result_f = _mp_function(result, tuple(symbols))
    points = sample_points(symbols, context, count=count)
    with mpmath.workdps(DIGITS + 10):
        step = mpmath.mpf(10) ** -20
        worst = mpmath.mpf(0)
        for point in points:
            values = [_mp(point[s]) for s in symbols]
            try:
                star = mpmath.mpf(result_f(*values))
            except (TypeError, ValueError):
                star = mpmath.nan
            if not mpmath.isfinite(star):
                raise VerificationError(f"the estimate {result} is not a real number at {point}")
            f_star = objective_f(star, *values)
            scale = 1 + abs(star) + max((abs(val) for val in values), default=0)
            tolerance = mpmath.mpf(10) ** -(DIGITS - 10) * (1 + abs(f_star))
            for side in (1, -1):
                quotient = (objective_f(star + side * step * scale, *values) - f_star) / (step * scale)
                if quotient < -(mpmath.mpf(10) ** -15):
                    raise VerificationError(
                        f"{variable} = {mpmath.nstr(star, 12)} is not a local minimiser at {point}: "
                        f"one-sided slope {mpmath.nstr(quotient, 6)}"
                    )
            low, width = -2 * scale, 4 * scale  # the grid -2*scale + 4*scale*i/grid, each point rounded once
            candidates = [mpmath.mpf(0), *values] + [low + width * i / grid for i in range(grid + 1)]
            for candidate in candidates:
                gap = objective_f(candidate, *values) - f_star
                if gap < -tolerance:
                    raise VerificationError(
                        f"{variable} = {mpmath.nstr(candidate, 12)} has a smaller objective than the estimate "
                        f"{mpmath.nstr(star, 12)} at {point}"
                    )
                worst = max(worst, -gap) if gap < 0 else worst
    return Check(
        "numeric",
        f"the objective at the estimate: one-sided slopes >= 0 (step 1e-20) and no smaller value on a {grid + 1}-point "
        f"grid; {len(points)} points, seed {SEED}, {DIGITS + 10} digits",
    )


def _check_threshold(
    result: sp.Expr, variable: sp.Symbol, threshold: sp.Expr, context: Any, *, two_sided: bool = True
) -> Check:
    """``threshold`` is the largest |variable| mapped to exactly 0: 0 just below it, not 0 just above it and beyond."""
    symbols = sorted((result.free_symbols | sp.sympify(threshold).free_symbols) - {variable}, key=lambda s: s.name)
    f = _mp_function(result, (variable, *symbols))
    t_f = _mp_function(threshold, tuple(symbols))
    points = sample_points(symbols, context) if symbols else [{}] * 5
    with mpmath.workdps(DIGITS + 10):
        eps = mpmath.mpf(10) ** -30
        for point in points:
            values = [_mp(point[s]) for s in symbols]
            t = t_f(*values)
            below = [t * (1 - eps)] if t > 0 else [mpmath.mpf(0)]
            if two_sided and t > 0:
                below.append(-t * (1 - eps))
            above = [t + eps * (1 + t), t + 1, 3 * t + 7]
            if two_sided:
                above += [-u for u in above] if t > 0 and result.has(variable) and _is_odd(f, values) else []
            for zed in below:
                if f(zed, *values) != 0:
                    raise VerificationError(
                        f"the estimate is {f(zed, *values)}, not 0, at {variable} = {zed} ({point})"
                    )
            for zed in above[:3]:
                if f(zed, *values) == 0:
                    raise VerificationError(f"the estimate is 0 at {variable} = {zed} > threshold ({point})")
    return Check(
        "numeric",
        f"the estimate is exactly 0 at t(1 - 1e-30) and nonzero at t + 1e-30(1 + t), t + 1 and 3t + 7; "
        f"{len(points)} points, seed {SEED}, {DIGITS + 10} digits",
    )


def _is_odd(f: Callable[..., Any], values: list[Any]) -> bool:
    return bool(f(mpmath.mpf(2), *values) == -f(mpmath.mpf(-2), *values))


# --------------------------------------------------------------------------
# Parameters given by value
# --------------------------------------------------------------------------
def _parameter_symbols(spec: EstimatorSpec, scaling: Scaling, design: str) -> dict[str, sp.Symbol]:
    found: set[sp.Symbol] = set(spec.shape_parameters)
    for w in spec.weights_under(scaling):
        found |= sp.sympify(w).free_symbols
    for term in spec.terms:
        found |= sp.sympify(term).free_symbols
    found |= sp.sympify(scaling.loss_weight).free_symbols
    if design == "orthonormal":
        found |= sp.sympify(scaling.gram_scale).free_symbols
    else:
        found.add(d)
    found -= {beta, z, rho, r}
    names: dict[str, sp.Symbol] = {}
    for symbol in found:
        names[symbol.name] = symbol
        if symbol.name == "lambda":
            names["lam"] = symbol
    return names


def _as_number(name: str, value: Any) -> sp.Expr:
    if isinstance(value, float):
        value = sp.Rational(str(value))
    try:
        number = sp.sympify(value, strict=True) if not isinstance(value, str) else sp.Rational(value)
    except (sp.SympifyError, TypeError, ValueError):
        raise OptionError(f"parameter {name}={value!r} must be a number (e.g. 1/2 or 0.5)") from None
    if not isinstance(number, sp.Expr) or not number.is_number or number.is_real is not True:
        raise OptionError(f"parameter {name}={value!r} must be a real number")
    return number


def _weight_symbols(spec: EstimatorSpec, scaling: Scaling) -> set[sp.Symbol]:
    """The penalty weights: symbols of the weights (and of the terms, for SCAD and MCP), not shape parameters."""
    found: set[sp.Symbol] = set()
    for w in spec.weights_under(scaling):
        found |= sp.sympify(w).free_symbols
    if not spec.homogeneous:
        for term in spec.terms:
            found |= sp.sympify(term).free_symbols
    return found - {*spec.shape_parameters, beta, z, rho, r} - set(sp.sympify(scaling.gram_scale).free_symbols)


def _shown_name(symbol: sp.Symbol) -> str:
    return symbol.name


def _as_weight(symbol: sp.Symbol, value: Any) -> sp.Expr:
    """A weight's value: a finite real number >= 0 (0 is the degenerate branch, decided by the caller)."""
    name = _shown_name(symbol)
    fix = f"pass a positive real number, e.g. {'lam' if name == 'lambda' else name}=1"
    if isinstance(value, str):
        number = _as_number(name, value)
    else:
        if (isinstance(value, float) and math.isinf(value)) or (
            isinstance(value, sp.Basic) and value.has(sp.oo, -sp.oo)
        ):
            raise WeightError(f"the weight {name} must be finite, got {value}; {fix}")
        try:
            validate_weight(value, name=name, positive=False)
        except WeightError as exc:
            if "nonnegative" in str(exc):  # a negative number: say what is allowed, and what 0 means
                raise WeightError(
                    f"the weight {name} must be positive ({name} > 0), got {value}; {fix} ({name} = 0 gives the "
                    "unpenalised least-squares estimate)"
                ) from None
            raise WeightError(f"{exc}; {fix}") from None
        number = _as_number(name, value)
    if number.is_negative or number.is_extended_real is not True:  # a string such as "-1"
        raise WeightError(f"the weight {name} must be positive ({name} > 0), got {number}; {fix}")
    return number


def _bind(spec: EstimatorSpec, scaling: Scaling, design: str, params: dict[str, Any]) -> dict[sp.Symbol, sp.Expr]:
    """Validate and convert the given parameter values.

    Weights (lambda, lambda1, lambda2, alpha, l1_ratio) go through :func:`derive.validate.validate_weight`:
    negative, NaN, infinite or non-real values raise :class:`WeightError` naming the weight and the fix.  A zero
    weight is the degenerate branch: allowed when it removes the whole penalty (the estimate is then the
    unpenalised least-squares one, derived by :func:`_method_unpenalised`), else a :class:`WeightError` saying
    what the penalty would reduce to.  Other parameters (gamma, a, p, M, n, d) must satisfy their symbols'
    assumptions and the source paper's facts (``OptionError``).
    """
    known = _parameter_symbols(spec, scaling, design)
    weights = _weight_symbols(spec, scaling)
    given = dict(spec.defaults)
    given.update(params)
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise OptionError(
            f"unknown parameter(s) {', '.join(unknown)} for estimator {spec.name!r}; it takes "
            f"{', '.join(sorted(k for k in known if k != 'lam')) or 'none'}"
        )
    values: dict[sp.Symbol, sp.Expr] = {}
    zeros: list[sp.Symbol] = []
    for name, value in given.items():
        symbol = known[name]
        if symbol in weights:
            number = _as_weight(symbol, value)
            if number == 0:
                zeros.append(symbol)
                values[symbol] = sp.Integer(0)
                continue
        else:
            number = _as_number(name, value)
        if symbol.is_positive and not number > 0:
            raise OptionError(f"parameter {name} must be positive, got {number}")
        if symbol.is_integer and not number.is_integer:
            raise OptionError(f"parameter {name} must be an integer, got {number}")
        values[symbol] = number
    if zeros:
        _check_zero_weights(spec, scaling, design, values, zeros)
    for fact in (spec.context, scaling.context):
        held = sp.sympify(fact).subs(values)
        if held is sp.false:
            raise OptionError(f"the parameters {params} violate {fact} ({spec.name})")
    return values


def _check_zero_weights(
    spec: EstimatorSpec, scaling: Scaling, design: str, values: dict[sp.Symbol, sp.Expr], zeros: list[sp.Symbol]
) -> None:
    """A zero weight must remove the whole penalty (the degenerate branch); say what it would leave otherwise."""
    names = ", ".join(f"{_shown_name(s)} = 0" for s in zeros)
    if design == "general":
        raise WeightError(
            f"{names} removes the {spec.label}'s penalty: with a general design that is ordinary least squares, "
            "not derived here; pass a positive weight or use design='orthonormal' or 'diagonal'"
        )
    if spec.method == "corrected":
        raise WeightError(
            f"{names}: the corrected elastic net needs lambda1, lambda2 > 0 (its correction factor is defined for "
            "both terms); pass positive weights, or use the lasso or ridge estimator"
        )
    left = sp.simplify(spec.penalty(spec.weights_under(scaling)).subs(values) - spec.constraint)
    if left.has(spec.variable) and left != 0:
        raise WeightError(
            f"{names} does not remove the {spec.label}'s penalty: it reduces to {sp.sstr(left)}, another estimator; "
            f"pass {' and '.join(_shown_name(s) + ' > 0' for s in zeros)}, or use the estimator of that penalty"
        )


# --------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Setup:
    spec: EstimatorSpec
    conv: Convention
    scaling: Scaling
    design: str
    c: sp.Expr
    s: sp.Expr
    weights: tuple[sp.Expr, ...]
    values: Any  # tuple of (symbol, value)
    context: Any
    title: str

    def sub(self, expr: Any) -> Any:
        return sp.sympify(expr).subs(dict(self.values)) if self.values else sp.sympify(expr)

    @property
    def objective(self) -> sp.Expr:
        return self.sub(estimator_objective(self.spec, self.c, self.s, self.weights))


def _nonconvex_available() -> bool:
    return importlib.util.find_spec("derive.nonconvex") is not None


@functools.lru_cache(maxsize=512)  # pure: a derivation depends only on its inputs
def estimator(
    penalty: str | sp.Expr,
    *,
    design: str = "orthonormal",
    convention: str = "esl",
    **params: Any,
) -> Derivation:
    """Derive a penalised least-squares estimate for an orthogonal design.

    Parameters
    ----------
    penalty : str or sympy.Expr
        A name of :data:`ESTIMATORS` (``"lasso"``, ``"ridge"``,
        ``"best_subset"``, ``"l0"``, ``"elastic_net"``,
        ``"elastic_net_corrected"``, ``"garrote"``, ``"adaptive_lasso"``,
        ``"scad"``, ``"mcp"``, ``"bridge"``, ``"positive_lasso"``,
        ``"group_lasso"``), or a penalty on one coefficient written in
        ``derive.symbols.beta`` (including its weight, e.g. ``lam*Abs(beta)``).
    design : {"orthonormal", "diagonal", "general"}
        ``X^T X = s I`` with the convention's ``s`` (1, or n for
        ``sklearn``/``glmnet``); ``X^T X = D`` diagonal (per-coordinate scale
        ``d``); or a general design (ridge: normal equations; lasso: KKT
        conditions, no closed form).
    convention : {"esl", "tibshirani1996", "sklearn", "glmnet"}
        The objective's scaling (:mod:`derive.conventions`); stated in the
        derivation's first step.
    **params
        Values of parameters, by the source's names (``lambda`` or ``lam``,
        ``lambda1``, ``lambda2``, ``gamma``, ``a``, ``p``, ``M``, ``alpha``,
        ``l1_ratio``, ``n``, ``d``); they are substituted before the
        derivation.  An unknown name raises ``OptionError``.

    Returns
    -------
    Derivation
        ``result`` is the estimate of one coefficient as an expression in the
        OLS coordinate ``z`` and the parameters; ``objective`` is the
        per-coordinate objective it minimises; ``cases`` the branches with
        their regions; extras ``threshold`` (the largest |z| mapped to
        exactly 0, derived as a result of its own) and ``zero_set``.

    Examples
    --------
    >>> d = estimator("ridge")
    >>> d.result
    z/(lambda + 1)
    >>> estimator("lasso").extra("threshold")
    lambda
    >>> estimator("garrote").extra("threshold")
    sqrt(lambda)
    """
    if design not in DESIGNS:
        raise OptionError(f"unknown design {design!r}; choose one of {', '.join(DESIGNS)}")
    conv = get_convention(convention)
    if isinstance(penalty, str):
        if penalty not in ESTIMATORS:
            raise OptionError(
                f"unknown estimator {penalty!r}; choose one of {', '.join(ESTIMATORS)} or pass an expression"
            )
        spec = ESTIMATORS[penalty]
        scaling = conv.scaling(penalty)
        title = f"The {spec.label} estimate for {_DESIGN_WORDS[design]} ({conv.name} convention)"
    else:
        pen = _user_penalty(penalty)
        label = expr_to_text(pen)
        spec = EstimatorSpec(
            "penalty", label, "user penalty", (pen,), (sp.Integer(1),), words=(f"sum_j g(beta_j), g = {label}",)
        )
        scaling = replace(conv.default, weights=())
        title = f"The penalised least-squares estimate with penalty {label} ({conv.name} convention)"
    values = _bind(spec, scaling, design, params)
    if design == "general":
        return _general(spec, conv, scaling, values)
    s = scaling.gram_scale if design == "orthonormal" else d
    weights = spec.weights_under(scaling)
    context = sp.And(spec.context, scaling.context)
    c = sp.sympify(scaling.loss_weight).subs(values)
    s = sp.sympify(s).subs(values)
    setup = _Setup(spec, conv, scaling, design, c, s, weights, tuple(values.items()), context, title)
    if spec.method != "subset" and any(value == 0 for value in values.values()):
        return _method_unpenalised(setup)  # a zero weight that removes the penalty (checked by _bind)
    return _METHODS[spec.method](setup)


def _user_penalty(penalty: Any) -> sp.Expr:
    """Validate a penalty given as an expression: supported functions, in beta, parameters with assumptions."""
    if isinstance(penalty, str):
        raise UnsupportedPenaltyError(
            f"unknown estimator {penalty!r}; a penalty must be a SymPy expression in derive.symbols.beta (parse text "
            "with derive.parse.parse_expression first)"
        )
    try:
        pen = sp.sympify(penalty, strict=True)
    except (sp.SympifyError, TypeError):
        raise UnsupportedPenaltyError(
            f"the penalty must be a SymPy expression in derive.symbols.beta, got {type(penalty).__name__}"
        ) from None
    validate_functions(pen)
    if beta not in pen.free_symbols:
        others = sorted((s for s in pen.free_symbols if s not in (z, lam)), key=lambda s: s.name)
        hint = (
            f"; it is a function of {others[0]}: write it in beta, e.g. penalty.subs({others[0]}, beta)"
            if others
            else ""
        )
        raise VariableError(
            f"the penalty {sp.sstr(pen)} is not a function of the coefficient beta (derive.symbols.beta){hint}"
        )
    validate_assumptions(pen, beta)
    return pen


_DESIGN_WORDS = MappingProxyType(
    {
        "orthonormal": "an orthonormal design",
        "diagonal": "an orthogonal design with unequal column norms",
        "general": "a general design",
    }
)


def _preamble(setup: _Setup, *, penalty_display: Any = None) -> DerivationBuilder:
    spec, conv, scaling = setup.spec, setup.conv, setup.scaling
    written = spec.written(scaling)
    shown_values = ", ".join(f"{k} = {sp.sstr(val)}" for k, val in setup.values)
    builder = DerivationBuilder(
        setup.title + (f", {shown_values}" if shown_values else ""),
        convention=f"{conv.name}: {written} ({scaling.row}; {conv.source})",
        context=setup.sub(setup.context),
    )
    X, y, b = DESIGN, RESPONSE, COEFFICIENTS
    builder.define(
        Objective("L", b),
        setup.c * Norm(y - X * b) ** 2 + (penalty_display if penalty_display is not None else sp.Function("P")(b)),
        f"the objective, convention {conv.name}: {written} ({scaling.row}); {spec.label}: {spec.source}"
        + (f"; {shown_values}" if shown_values else ""),
    )
    design_reduction(builder, setup.design, setup.s)
    return builder


def _threshold_step(
    builder: DerivationBuilder, result: sp.Expr, variable: sp.Symbol, threshold: sp.Expr, context: Any, words: str
) -> None:
    builder.claim(
        _T,
        "=",
        threshold,
        f"the threshold, the largest |{variable}| mapped to exactly 0 ({words})",
        lambda: _check_threshold(result, variable, threshold, context),
    )


def _finish(
    builder: DerivationBuilder,
    setup: _Setup,
    result: sp.Expr,
    cases: tuple[Any, ...],
    extras: list[tuple[str, Any]],
    *,
    objective: sp.Expr,
    variable: sp.Symbol = z,
    lhs: Any = BETA_HAT,
    threshold_words: str = "the supremum of the zero set",
) -> Derivation:
    threshold = dict(extras).get("threshold")
    if threshold is not None and threshold is not sp.nan:
        _threshold_step(builder, result, variable, threshold, builder.context, threshold_words)
    parameters = tuple(
        sorted((result.free_symbols | objective.free_symbols) - {variable, setup.spec.variable}, key=lambda s: s.name)
    )
    return Derivation(
        title=builder.title,
        assumptions=(setup.spec.variable, variable, *parameters),
        steps=tuple(builder.steps),
        result=result,
        variable=variable,
        parameters=tuple(p for p in parameters if p in result.free_symbols),
        convention=builder.convention,
        lhs=lhs,
        objective=objective,
        cases=tuple(cases),
        extras=tuple(extras),
    )


def _subs_cases(cases: Any, mapping: dict) -> tuple[tuple[Any, Any], ...]:
    return tuple((sp.sympify(value).subs(mapping), region.subs(mapping)) for value, region in cases)


def _subs_extras(extras: Any, mapping: dict, *, skip: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    out = []
    for key, value in extras:
        if key in skip:
            continue
        out.append((key, value.subs(mapping) if isinstance(value, sp.Basic) else value))
    return out


# -- method: prox --------------------------------------------------------------------------------
def _effective_weights(setup: _Setup) -> tuple[list[sp.Expr], dict[sp.Symbol, sp.Expr]]:
    """The weights divided by 2cs; those SymPy cannot show positive become positive symbols kappa_k."""
    out, back = [], {}
    for k, w in enumerate(setup.weights):
        kappa = sp.simplify(setup.sub(w) / (2 * setup.c * setup.s))
        if setup.spec.homogeneous and kappa.is_positive is not True and kappa.free_symbols:
            symbol = sp.Symbol(f"kappa{k + 1}", positive=True)
            back[symbol] = kappa
            kappa = symbol
        out.append(kappa)
    return out, back


def _method_prox(setup: _Setup) -> Derivation:
    spec = setup.spec
    if not spec.convex and not _nonconvex_available():
        raise NoClosedFormError(
            f"the {spec.label} penalty is not convex and derive.nonconvex (the global prox route) is not available "
            "yet; the convex estimators are derived"
        )
    c, s = setup.c, setup.s
    pen = setup.sub(spec.penalty(setup.weights))
    builder = _preamble(setup)
    objective = setup.objective
    builder.define(
        Objective("F", beta),
        objective,
        "dropping the constant c||y - Xz||^2, the objective is a sum over coordinates of F(beta_j); "
        "minimise each separately",
    )
    kappas, back = _effective_weights(setup)
    if spec.homogeneous:
        scaled = sum((kk * setup.sub(t) for kk, t in zip(kappas, spec.terms, strict=True)), sp.Integer(0))
        scaled += setup.sub(spec.constraint)
    else:
        scaled = sp.simplify(pen / (2 * c * s)) if (2 * c * s) != 1 else pen
    for symbol, value in back.items():
        builder.claim(
            symbol,
            ":=",
            value,
            f"name the weight after dividing by 2cs; it is positive where {sp.sstr(setup.sub(setup.context))} holds",
            lambda value=value: check_member(value, sp.Interval.open(0, sp.oo), condition=setup.sub(setup.context)),
        )
    builder.equal(
        objective / (2 * c * s),
        (beta - z) ** 2 / 2 + scaled.subs(back) + c * s * z**2 / (2 * c * s) - z**2 / 2,
        "divide by 2cs (a positive constant): the minimiser is unchanged",
        show=Objective("F", beta) / (2 * c * s),
    )
    route = "convex" if spec.convex else "auto"
    facts = setup.sub(spec.context)
    if not spec.convex and not spec.homogeneous:
        facts = _objective_convexity(builder, setup, scaled, facts)
    if route == "convex":
        inner = prox(scaled, beta, z) if facts is sp.true else prox(scaled, beta, z, assumptions=facts)
    else:
        inner = prox(scaled, beta, z, route=route, assumptions=facts)
    builder.define(
        BETA_HAT,
        Prox(scaled, beta, z),
        "hence the estimate of each coordinate is the prox of the scaled penalty at z",
        rel="=",
    )
    builder.include(inner, prefix="prox: ")
    if back:
        cases = tuple((sp.factor(sp.cancel(value.subs(back))), region.subs(back)) for value, region in inner.cases)
        result = _piecewise(cases, z)
        extras = _subs_extras(inner.extras, back, skip=("compact",))
        compact = compact_form(cases, z)
        if compact is not None:
            extras.insert(1, ("compact", compact))
    else:
        result, cases, extras = inner.result, inner.cases, list(inner.extras)
    if back:
        builder.claim(
            BETA_HAT,
            "=",
            result,
            "substitute the named weights back (" + ", ".join(f"{k} = {sp.sstr(val)}" for k, val in back.items()) + ")",
            lambda: check_equal(result, inner.result.xreplace(back), condition=builder.context),
        )
    builder.claim(
        BETA_HAT,
        "=",
        result,
        "the estimate, checked once more against the objective F at random z (local slopes and a global grid)",
        lambda: check_minimiser(objective, beta, result, context=builder.context),
    )
    extras = _clean_zero_set(builder, extras)
    extras = _zero_set_threshold(extras)
    return _finish(builder, setup, result, cases, extras, objective=objective)


# -- the degenerate branch: a zero weight removes the penalty ------------------------------------
def _method_unpenalised(setup: _Setup) -> Derivation:
    """All weights 0: least squares per coordinate (with the estimator's constraint, if any)."""
    spec, c, s = setup.spec, setup.c, setup.s
    b, data = spec.variable, spec.data
    zeros = ", ".join(f"{k} = 0" for k, val in setup.values if val == 0)
    builder = _preamble(setup)
    objective = setup.objective
    # facts about parameters the objective no longer has (SCAD's a > 2) cannot be sampled: drop them
    builder.context = sp.And(*(f for f in _conjuncts(builder.context) if f.free_symbols <= objective.free_symbols))
    builder.define(
        Objective("F", b),
        objective,
        f"{zeros}: the penalty's terms vanish (the degenerate branch); per coordinate the objective is the loss"
        + (" and the constraint" if spec.constraint != 0 else ""),
    )
    smooth = sp.expand(c * s * (b - data) ** 2)
    feasible = sp.simplify(setup.sub(spec.constraint).subs(b, data)) == 0
    if feasible:
        builder.claim(
            sp.Derivative(smooth, b),
            "=",
            sp.Integer(0),
            f"the loss is a strictly convex quadratic in {b} ({sp.sstr(c * s)} > 0): its minimiser is where its "
            f"derivative vanishes, {b} = {data} (the OLS coordinate)"
            + (
                "; it satisfies the constraint, so it is also the constrained minimiser" if spec.constraint != 0 else ""
            ),
            lambda: check_equal(sp.diff(smooth, b).subs(b, data), 0),
        )
        result = data
        cases: tuple[Any, ...] = ((data, sp.S.Reals if data == z else sp.Interval(0, sp.oo)),)
        extras: list[tuple[str, Any]] = [
            ("route", "convex"),
            ("zero_set", sp.FiniteSet(0)),
            ("threshold", sp.Integer(0)),
        ]
    else:
        inner = prox(setup.sub(spec.constraint), b, data)
        builder.define(BETA_HAT, Prox(setup.sub(spec.constraint), b, data), "the constraint's prox at z", rel="=")
        builder.include(inner, prefix="prox: ")
        result, cases, extras = inner.result, inner.cases, list(inner.extras)
    builder.claim(
        BETA_HAT,
        "=",
        result,
        "the estimate, checked against the objective F at random z (local slopes and a global grid)",
        lambda: check_minimiser(objective, b, result, context=builder.context),
    )
    return _finish(
        builder,
        setup,
        result,
        cases,
        extras,
        objective=objective,
        variable=data,
        lhs=BETA_HAT if b == beta else sp.Symbol("rhohat", real=True),
    )


def _zero_set_threshold(extras: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The estimator's threshold is the sup of the zero set (the prox's may be its first jump, which lies above
    the zero set when the global minimiser jumps between two non-zero values)."""
    values = dict(extras)
    zero = values.get("zero_set")
    if not isinstance(zero, sp.Interval) or "threshold" not in values or zero.sup == values["threshold"]:
        return extras
    return [(k, zero.sup if k == "threshold" else val) for k, val in extras]


# -- the convexity of the per-coordinate objective (SCAD, MCP) ----------------------------------
def _curvatures(scaled: sp.Expr, facts: Any) -> list[tuple[sp.Interval, sp.Expr]] | None:
    """``F''/(2cs) = 1 + g''`` on each finite piece of the scaled penalty g, when constant there (else None)."""
    structure = analysed(scaled, beta, facts)  # memoised: prox analyses the same penalty next
    out = []
    for piece in structure.pieces:
        if not piece.finite:
            continue
        curvature = sp.simplify(1 + sp.diff(piece.expr, beta, 2))
        if curvature.has(beta):
            return None
        out.append((piece.interval, curvature))
    for k in structure.breakpoints:  # a continuous penalty whose slope does not drop: F is C^1 or kinks upwards
        if k.value is sp.oo or sign_of(k.right - k.left, facts) not in (0, 1):
            return None
    return out


def _solve_boundary(curvature: sp.Expr, facts: Any, order: list[sp.Symbol]) -> tuple[Any, sp.Symbol, Any] | None:
    """``(condition, symbol, bound)``: ``curvature > 0`` written as ``symbol > bound`` (or ``<``), if monotone."""
    for symbol in order:
        if symbol not in curvature.free_symbols:
            continue
        roots = [root for root in sp.solve(curvature, symbol) if sign_of(root, facts) == 1]
        if len(roots) != 1:
            continue
        slope = sign_of(sp.diff(curvature, symbol), facts)
        if slope not in (1, -1):
            continue
        bound = sp.simplify(roots[0])
        return (symbol > bound if slope == 1 else symbol < bound), symbol, bound
    return None


def _check_boundary(curvature: sp.Expr, symbol: sp.Symbol, bound: Any, facts: Any) -> Check:
    if not shown_zero(curvature.subs(symbol, bound)):
        raise VerificationError(f"the curvature {curvature} is not 0 at {symbol} = {bound}")
    if sign_of(sp.diff(curvature, symbol), facts) not in (1, -1):
        raise VerificationError(f"the curvature {curvature} is not monotone in {symbol}")
    return Check(
        "symbolic",
        f"the curvature vanishes at {symbol} = {sp.sstr(bound)} (simplifies to 0) and is strictly monotone in "
        f"{symbol} (the sign of its derivative follows from {sp.sstr(facts)})",
    )


def _objective_convexity(builder: DerivationBuilder, setup: _Setup, scaled: sp.Expr, facts: Any) -> Any:
    """Derive when the per-coordinate objective of a non-convex penalty is convex; assume it as the papers do.

    Fan and Li (2001) take a > 2 and Zhang (2010) gamma > 1 for standardised columns (2cs = 1): exactly the
    condition that F(beta)/(2cs) = (beta - z)^2/2 + g(beta) is strictly convex (g = penalty/(2cs)).  With
    another column scale (X^T X = D, loss weight c) the same requirement reads a > 1 + 1/(2cd) and
    gamma > 1/(2cd) (Breheny and Huang 2011, Section 2.2, for v_j = x_j^T x_j/n): derived here from the
    curvature 1 + g'' of each piece.  When the parameters are numbers that violate it, nothing is assumed and
    the global route decides (the minimiser may jump); when SymPy cannot decide it, it is added as an
    assumption, stated as a step.  Returns the facts to derive under.
    """
    curvatures = _curvatures(scaled, facts)
    if curvatures is None:
        return facts
    undecided = []
    for interval, curvature in curvatures:
        sign = sign_of(curvature, facts)
        if sign in (0, -1):
            builder.claim(
                sp.Symbol("F''/(2cs)"),
                "<=",
                sp.Integer(0),
                f"on {sp.sstr(interval)} the per-coordinate objective has curvature {sp.sstr(curvature)} <= 0: it is "
                "not convex at these parameter values (outside the source paper's assumption), so the minimiser may "
                "jump; the global route decides",
                lambda curvature=curvature: check_member(curvature, sp.Interval(-sp.oo, 0), condition=facts),
            )
            return facts
        if sign is None:
            undecided.append((interval, curvature))
    if not undecided:
        if len(curvatures) > 1:
            lowest = min((c for _, c in curvatures), key=sp.default_sort_key)
            builder.claim(
                sp.Symbol("F''/(2cs)"),
                ">",
                sp.Integer(0),
                "the per-coordinate objective is strictly convex although the penalty is not: its curvature "
                f"1 + g'' on every piece is positive (e.g. {sp.sstr(lowest)}) where {sp.sstr(facts)} holds",
                lambda: check_member(lowest, sp.Interval.open(0, sp.oo), condition=facts),
            )
        return facts
    order = [*setup.spec.shape_parameters, d, *sorted(setup.sub(sp.Tuple(*setup.weights)).free_symbols, key=str)]
    conditions = []
    for interval, curvature in undecided:
        solved = _solve_boundary(curvature, facts, [s for s in order if s in curvature.free_symbols])
        if solved is None:
            raise AssumptionError(
                f"cannot decide whether the per-coordinate {setup.spec.label} objective is convex: its curvature "
                f"{sp.sstr(curvature)} on {sp.sstr(interval)} has no decided sign; give the parameters as numbers "
                "(e.g. d=2) or choose them so that the curvature is positive"
            )
        condition, symbol, bound = solved
        if condition in conditions:  # the mirror piece (the penalty is even): the same condition
            continue
        conditions.append(condition)
        builder.claim(
            condition.lhs,
            condition.rel_op,
            condition.rhs,
            f"assumption, as in the source paper (SCAD: a > 2, Fan and Li 2001; MCP: gamma > 1, Zhang 2010 - both "
            "the condition for unit column norms; Breheny and Huang 2011 for other scales): the per-coordinate "
            f"objective is strictly convex, its curvature {sp.sstr(curvature)} on {sp.sstr(interval)} positive; "
            f"the curvature vanishes at {symbol} = {sp.sstr(bound)} and is monotone in {symbol}. For parameters "
            "violating it pass them as numbers: the global route then derives the jumping estimate",
            lambda curvature=curvature, symbol=symbol, bound=bound: _check_boundary(curvature, symbol, bound, facts),
        )
    return _replace_facts(builder, facts, conditions)


def _conjuncts(fact: Any) -> tuple[Any, ...]:
    fact = sp.sympify(fact)
    return fact.args if isinstance(fact, sp.And) else () if fact is sp.true else (fact,)


def _replace_facts(builder: DerivationBuilder, facts: Any, conditions: list[Any]) -> Any:
    """Add the derived conditions; they replace the paper's facts on the same symbol (a > 2 becomes a > 1 + 1/d:
    the paper's condition is the same requirement at unit column norm)."""
    symbols = {c.lhs for c in conditions}

    def kept(fact: Any) -> list[Any]:
        return [f for f in _conjuncts(fact) if not (f.free_symbols & symbols) or f in conditions]

    builder.context = sp.And(*kept(builder.context), *conditions)
    return sp.And(*kept(facts), *conditions)


def _empty_parts(zero: sp.Set) -> tuple[sp.Set, list[sp.Set]]:
    """Split a union into its intervals and the parts ``Intersection({p}, I)`` SymPy could not decide."""
    if not isinstance(zero, sp.Union):
        return zero, []
    kept, doubtful = [], []
    for part in zero.args:
        if isinstance(part, sp.Intersection) and any(isinstance(a, sp.FiniteSet) for a in part.args):
            doubtful.append(part)
        else:
            kept.append(part)
    return sp.Union(*kept), doubtful


def _check_empty(parts: list[sp.Set], context: Any) -> Check:
    for part in parts:
        (points,) = [a for a in part.args if isinstance(a, sp.FiniteSet)]
        others = [a for a in part.args if not isinstance(a, sp.FiniteSet)]
        for point in points.args:
            for region in others:
                symbols = sorted((region.free_symbols | point.free_symbols), key=lambda s: s.name)
                for values in sample_points(symbols, context):
                    if sp.sympify(region.subs(values).contains(point.subs(values))) is not sp.false:
                        raise VerificationError(f"{point} lies in {region} at {values}: the part is not empty")
    return Check("numeric", f"each point lies outside its interval at {POINTS} sample points, seed {SEED}")


def _clean_zero_set(builder: DerivationBuilder, extras: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Drop parts of the zero set that are empty under the parameters' facts (SCAD: a > 2); recompute the threshold."""
    values = dict(extras)
    zero = values.get("zero_set")
    if zero is None:
        return extras
    kept, doubtful = _empty_parts(zero)
    if not doubtful:
        return extras
    builder.claim(
        sp.Symbol("Z"),
        "=",
        kept,
        f"the zero set: its parts {', '.join(sp.sstr(p) for p in doubtful)} are empty where "
        f"{sp.sstr(builder.context)} holds",
        lambda: _check_empty(doubtful, builder.context),
    )
    threshold = kept.sup if isinstance(kept, sp.Interval) else sp.nan
    return [(k, kept if k == "zero_set" else threshold if k == "threshold" else val) for k, val in extras]


# -- method: corrected elastic net -----------------------------------------------------------------
def _method_corrected(setup: _Setup) -> Derivation:
    naive = estimator(
        "elastic_net", design=setup.design, convention=setup.conv.name, **{k.name: v for k, v in setup.values}
    )
    builder = _preamble(setup)
    builder.include(naive.with_title(naive.title), prefix="naive elastic net: ")
    objective = naive.objective
    c, s = setup.c, setup.s
    positive_piece = objective.subs(sp.Abs(beta), beta)
    factor = sp.simplify(sp.diff(positive_piece, beta, 2) / (2 * c * s))
    builder.claim(
        sp.Symbol("f", positive=True),
        ":=",
        factor,
        "Zou and Hastie (2005, eq. (11)) rescale the naive estimate by 1 + lambda2 to undo the double shrinkage: "
        "the ridge term raises the curvature of F from that of its loss part, 2cs, to F''; the factor is F''/(2cs) "
        "(= 1 + lambda2 in their convention)",
        lambda: check_equal(factor, 1 + setup.sub(setup.weights[1]) / (c * s)),
    )
    result = (
        sp.expand(factor * naive.result)
        if not isinstance(naive.result, sp.Piecewise)
        else sp.Piecewise(*[(sp.simplify(factor * e), cond) for e, cond in naive.result.args])
    )
    cases = tuple((sp.simplify(factor * value), region) for value, region in naive.cases)
    extras: list[tuple[str, Any]] = [("route", naive.extra("route"))]
    compact = compact_form(cases, z)
    if compact is not None:
        extras.append(("compact", compact))
    extras += [(key, value) for key, value in naive.extras if key in ("zero_set", "threshold")]
    extras.append(("factor", factor))
    corrected_objective = objective.subs(beta, beta / factor)
    builder.claim(
        BETA_HAT,
        "=",
        result,
        "the corrected estimate f * (naive estimate); it minimises F(beta/f), checked at random z "
        "(a positive factor leaves the zero set unchanged)",
        lambda: check_minimiser(corrected_objective, beta, result, context=builder.context),
    )
    return _finish(builder, setup, result, cases, extras, objective=corrected_objective)


# -- method: adaptive lasso ----------------------------------------------------------------------
def _solve_radius(exponent: sp.Expr, rhs: sp.Expr) -> sp.Expr:
    """The positive solution u of ``u**exponent = rhs`` (rhs > 0): solveset, or linear in log u."""
    radius = sp.Symbol("u", positive=True)
    solutions = sp.solveset(radius**exponent - rhs, radius, sp.Interval.open(0, sp.oo))
    if isinstance(solutions, sp.FiniteSet) and len(solutions) == 1:
        (root,) = solutions
        return sp.simplify(root)
    ell = sp.Symbol("ell", real=True)  # ell = log u: exponent * ell = log rhs
    logs = sp.solve(sp.expand_log(exponent * ell - sp.log(rhs), force=True), ell)
    if len(logs) != 1:
        raise NoClosedFormError(f"could not solve u^({exponent}) = {rhs} for u > 0")
    return sp.powsimp(sp.simplify(sp.exp(logs[0])), force=True)


def _odd_cases(value_pos: sp.Expr, t: sp.Expr, *, closed_zero: bool = True) -> tuple[tuple[Any, Any], ...]:
    """Cases ``(-f(-z), z < -t), (0, |z| <= t), (f(z), z > t)`` for an odd estimate with dead zone [-t, t]."""
    low = -value_pos.subs(z, -z)
    middle = sp.Interval(-t, t) if closed_zero else sp.Interval.open(-t, t)
    return (
        (sp.simplify(low), sp.Interval(-sp.oo, -t, True, closed_zero)),
        (sp.Integer(0), middle),
        (value_pos, sp.Interval(t, sp.oo, closed_zero, True)),
    )


def _piecewise(cases: Any, variable: sp.Symbol) -> sp.Piecewise:
    from .subgradient import piecewise_from_cases

    return piecewise_from_cases(list(cases), variable)


def _method_adaptive(setup: _Setup) -> Derivation:
    c, s = setup.c, setup.s
    (weight,) = setup.weights
    weight = setup.sub(weight)
    g = setup.sub(gamma)
    builder = _preamble(setup)
    objective = setup.objective
    builder.define(
        Objective("F", beta),
        objective,
        "per coordinate, with Zou's (2006) data-dependent weight w = 1/|z|^gamma (z the OLS coordinate)",
    )
    builder.define(
        _W,
        sp.Abs(z) ** (-g),
        "the weight depends on the data only through z, which is fixed when F is minimised over beta: derive the "
        "estimate for a positive constant w, then substitute w = 1/|z|^gamma (z != 0; at z = 0 the weight is +oo "
        "and the estimate is 0)",
    )
    kappa = sp.simplify(weight * _W / (2 * c * s))
    scaled = kappa * sp.Abs(beta)
    builder.equal(
        (objective / (2 * c * s)).subs(sp.Abs(z) ** (-g), _W),
        (beta - z) ** 2 / 2 + scaled,
        "divide by 2cs with the weight held fixed at w",
        show=Objective("F", beta) / (2 * c * s),
    )
    inner = prox(scaled, beta, z)
    builder.define(BETA_HAT, Prox(scaled, beta, z), "the estimate for fixed w is the prox at z", rel="=")
    builder.include(inner, prefix="prox: ")
    lam_eff = sp.simplify(kappa / _W)
    t = _solve_radius(1 + g, lam_eff)
    builder.claim(
        sp.Abs(z),
        "<=",
        lam_eff * sp.Abs(z) ** (-g),
        f"the estimate is 0 iff |z| <= {sp.sstr(kappa)} with w = |z|^(-gamma); for |z| = u > 0 multiply by u^gamma: "
        f"u^(1 + gamma) <= {sp.sstr(lam_eff)}, i.e. u <= {sp.sstr(t)} (u -> u^(1 + gamma) is increasing)",
        lambda: check_equal(t ** (1 + g), lam_eff),
        condition=sp.Le(sp.Abs(z), t),
    )
    # the case for z above the dead zone, with w = |z|^(-gamma) = z^(-gamma) there (z > 0)
    high = next(value for value, region in inner.cases if region.sup is sp.S.Infinity)
    value_pos = high.subs(_W, z ** (-g))
    cases = _odd_cases(value_pos, t)
    result = _piecewise(cases, z)
    substituted = inner.result.subs(_W, sp.Abs(z) ** (-g))
    builder.claim(
        BETA_HAT,
        "=",
        result,
        "substitute w = 1/|z|^gamma into the cases; regions rewritten with the threshold (compared at random z != 0)",
        lambda: check_equal(result, substituted, condition=sp.And(sp.Ne(z, 0), builder.context)),
    )
    builder.claim(
        BETA_HAT,
        "=",
        result,
        "the estimate, checked against the objective F at random z (local slopes and a global grid)",
        lambda: check_minimiser(objective, beta, result, context=sp.And(sp.Ne(z, 0), builder.context)),
    )
    extras: list[tuple[str, Any]] = [("route", "convex")]
    compact = compact_form(cases, z)
    if compact is not None:
        extras.append(("compact", compact))
    extras += [("zero_set", sp.Interval(-t, t)), ("threshold", t), ("weight", sp.Abs(z) ** (-g))]
    return _finish(builder, setup, result, cases, extras, objective=objective)


# -- method: garrote -----------------------------------------------------------------------------
def _shrink_prox(weight: sp.Expr) -> Derivation:
    """The prox of ``weight * (x + indicator of x >= 0)``: the radius/factor problem."""
    return prox(weight * sp.Piecewise((x, x >= 0), (sp.oo, True)), x, v)


def _method_garrote(setup: _Setup) -> Derivation:
    c, s = setup.c, setup.s
    (weight,) = setup.weights
    weight = setup.sub(weight)
    builder = _preamble(setup)
    objective = setup.objective
    f_c = sp.expand(c * s * z**2 * (_C - 1) ** 2) + weight * _C + sp.Piecewise((0, _C >= 0), (sp.oo, True))
    builder.define(
        Objective("F", _C),
        f_c,
        "Breiman (1995): beta_j = c_j z_j with c_j >= 0; per coordinate c s (z - c z)^2 + weight c, minimised over c",
    )
    kappa = sp.Symbol("kappa", positive=True)
    kappa_value = sp.simplify(weight / (2 * c * s * z**2))
    scaled_c = (_C - 1) ** 2 / 2 + kappa * _C + sp.Piecewise((0, _C >= 0), (sp.oo, True))
    builder.claim(
        Objective("F", _C) / (2 * c * s * z**2),
        "=",
        scaled_c + z**2 * 0,
        f"for z != 0 divide by 2 c s z^2 and write kappa = {sp.sstr(kappa_value)} > 0",
        lambda: check_equal(
            f_c / (2 * c * s * z**2), scaled_c.subs(kappa, kappa_value), condition=sp.And(sp.Ne(z, 0), setup.context)
        ),
        condition=sp.Ne(z, 0),
    )
    inner = _shrink_prox(kappa)
    builder.define(
        sp.Symbol("c^*", real=True),
        Prox(kappa * sp.Piecewise((x, x >= 0), (sp.oo, True)), x, sp.Integer(1)),
        "the optimal factor is the prox of kappa (c + indicator of c >= 0) at 1",
        rel="=",
    )
    builder.include(inner, prefix="prox in c: ")
    factor = inner.result.subs(v, 1).subs(kappa, kappa_value)
    lam_eff = sp.simplify(kappa_value * z**2)
    t = _solve_radius(2, lam_eff)
    builder.claim(
        sp.Abs(z),
        "<=",
        t,
        f"c* = 0 iff kappa >= 1, i.e. z^2 <= {sp.sstr(lam_eff)}, i.e. |z| <= {sp.sstr(t)}",
        lambda: check_equal(t**2, lam_eff),
    )
    value_pos = sp.expand(z * (1 - lam_eff / z**2))
    cases = _odd_cases(value_pos, t)
    result = _piecewise(cases, z)
    builder.claim(
        BETA_HAT,
        "=",
        result,
        "beta = c* z = (1 - " + sp.sstr(lam_eff) + "/z^2)_+ z (compared with c* z at random z != 0; 0 at z = 0)",
        lambda: check_equal(result, factor * z, condition=sp.And(sp.Ne(z, 0), builder.context)),
    )
    builder.claim(
        BETA_HAT,
        "=",
        result,
        "the estimate, checked against the per-coordinate objective in beta = c z at random z != 0",
        lambda: check_minimiser(objective, beta, result, context=sp.And(sp.Ne(z, 0), builder.context)),
    )
    extras: list[tuple[str, Any]] = [("route", "convex")]
    compact = compact_form(cases, z)
    if compact is not None:
        extras.append(("compact", compact))
    extras += [
        ("zero_set", sp.Interval(-t, t)),
        ("threshold", t),
        ("factor", sp.Piecewise((0, z**2 <= lam_eff), (1 - lam_eff / z**2, True))),
        ("objective_c", f_c),
    ]
    return _finish(builder, setup, result, cases, extras, objective=objective)


# -- method: group lasso -------------------------------------------------------------------------
def _check_cauchy_schwarz(count: int = POINTS) -> Check:
    rng = random.Random(SEED)
    with mpmath.workdps(DIGITS):
        for _ in range(count):
            size = rng.randint(1, 5)
            zz = [mpmath.mpf(rng.uniform(-5, 5)) for _ in range(size)]
            bb = [mpmath.mpf(rng.uniform(-5, 5)) for _ in range(size)]
            rr = mpmath.sqrt(sum(t * t for t in zz))
            pp = mpmath.sqrt(sum(t * t for t in bb))
            gap = sum((p - q) ** 2 for p, q in zip(zz, bb, strict=True)) - (rr - pp) ** 2
            if gap < -(mpmath.mpf(10) ** -(DIGITS - 5)):
                raise VerificationError(f"||z - b||^2 < (||z|| - ||b||)^2 at z = {zz}, b = {bb}")
            aligned = [pp / rr * t for t in zz]
            equal = sum((p - q) ** 2 for p, q in zip(zz, aligned, strict=True)) - (rr - pp) ** 2
            if abs(equal) > mpmath.mpf(10) ** -(DIGITS - 10) * (1 + rr + pp) ** 2:
                raise VerificationError(f"equality fails for b = (rho/r) z at z = {zz}")
    return Check(
        "numeric",
        f"random vectors of sizes 1 to 5: the inequality, and equality at b = (rho/r) z; {count} points, seed {SEED}, "
        f"{DIGITS} digits",
    )


def _check_block(factor: sp.Expr, lam_eff: sp.Expr, context: Any, count: int = POINTS) -> Check:
    """The block formula satisfies 0 in b - z + lam_eff * d||b|| at random vectors (sizes 1 to 5)."""
    symbols = sorted(factor.free_symbols - {r}, key=lambda s: s.name)
    f = _mp_function(factor, (r, *symbols))
    t_f = _mp_function(lam_eff, tuple(symbols))
    rng = random.Random(SEED)
    points = sample_points(symbols, context, count=count) if symbols else [{}] * count
    with mpmath.workdps(DIGITS):
        for point in points:
            values = [_mp(point[s]) for s in symbols]
            t = t_f(*values)
            size = rng.randint(1, 5)
            scale = rng.choice([0.3, 1.0, 3.0]) * float(t)
            zz = [mpmath.mpf(rng.uniform(-1, 1)) * scale for _ in range(size)]
            rr = mpmath.sqrt(sum(q * q for q in zz))
            bb = [f(rr, *values) * q for q in zz]
            norm_b = mpmath.sqrt(sum(q * q for q in bb))
            tol = mpmath.mpf(10) ** -(DIGITS - 10) * (1 + rr)
            if norm_b > 0:
                residual = max(abs(p - q + t * p / norm_b) for p, q in zip(bb, zz, strict=True))
                if residual > tol:
                    raise VerificationError(f"the block formula is not stationary at z = {zz} ({point})")
            elif rr > t + tol:
                raise VerificationError(f"the block estimate is 0 but ||z|| = {rr} > {t} ({point})")
    return Check(
        "numeric",
        f"random vectors of sizes 1 to 5: b - z + lambda' b/||b|| = 0 when b != 0, ||z|| <= lambda' when b = 0; "
        f"{count} points, seed {SEED}, {DIGITS} digits",
    )


def _method_group(setup: _Setup) -> Derivation:
    c, s = setup.c, setup.s
    (weight,) = setup.weights
    weight = setup.sub(weight)
    pg = sp.Symbol("p_g", integer=True, positive=True)
    zg, bg = sp.MatrixSymbol("z_g", pg, 1), sp.MatrixSymbol("beta_g", pg, 1)
    builder = _preamble(setup, penalty_display=weight * sp.Function("sum_g")(Norm(bg)))
    builder.define(
        Objective("F", bg),
        c * s * Norm(zg - bg) ** 2 + weight * Norm(bg),
        "with X_g^T X_h = s I for g = h and 0 otherwise (orthonormal groups), the objective separates by group; "
        "Yuan and Lin's weights sqrt(p_g) are absorbed into the weight",
    )
    builder.cite(
        Norm(zg - bg) ** 2,
        ">=",
        (r - rho) ** 2,
        "Cauchy-Schwarz with r = ||z_g||, rho = ||beta_g||: ||z - b||^2 = r^2 - 2 z^T b + rho^2 >= (r - rho)^2, with "
        "equality iff beta_g = (rho/r) z_g; so for a given norm rho the best direction is that of z_g (rotation "
        "invariance), and the problem is one in the radius",
    )
    builder.claim(
        Norm(zg - bg) ** 2,
        ">=",
        (r - rho) ** 2,
        "the inequality and its equality case, checked at random vectors",
        _check_cauchy_schwarz,
    )
    objective = setup.objective
    builder.define(
        Objective("G", rho),
        objective,
        "the radial problem: minimise over rho = ||beta_g|| >= 0",
    )
    lam_eff = sp.simplify(weight / (2 * c * s))
    inner = _shrink_prox(lam_eff)
    builder.define(
        sp.Symbol("rhohat", real=True),
        Prox(lam_eff * sp.Piecewise((x, x >= 0), (sp.oo, True)), x, r),
        "divide by 2cs: the optimal radius is the prox of lambda' (rho + indicator of rho >= 0) at r",
        rel="=",
    )
    builder.include(inner, prefix="prox on the radius: ")
    radial = inner.result.subs(v, r)
    cases = (
        (sp.Integer(0), sp.Interval(0, lam_eff)),
        (r - lam_eff, sp.Interval.open(lam_eff, sp.oo)),
    )
    result = _piecewise(cases, r)
    builder.claim(
        sp.Symbol("rhohat", real=True),
        "=",
        result,
        "the optimal radius for r >= 0 (compared with the prox at random r >= 0)",
        lambda: check_equal(result, radial),
    )
    builder.claim(
        sp.Symbol("rhohat", real=True),
        "=",
        result,
        "checked against the radial objective G at random r",
        lambda: check_minimiser(objective, rho, result, context=builder.context),
    )
    factor = sp.Piecewise((0, r <= lam_eff), (1 - lam_eff / r, True))
    compact_factor = sp.Max(0, 1 - lam_eff / r)
    builder.equal(
        factor,
        compact_factor,
        "the shrinkage factor rhohat/r as a positive part (r > 0)",
        condition=r > 0,
        show=sp.Symbol("rhohat") / r,
    )
    block = sp.MatMul(factor, zg)
    builder.claim(
        sp.MatrixSymbol("betahat_g", pg, 1),
        "=",
        block,
        "beta_g = (rhohat / r) z_g = (1 - lambda'/||z_g||)_+ z_g, the block soft threshold (0 at z_g = 0); checked by "
        "the optimality condition of the block objective at random vectors",
        lambda: _check_block(factor, lam_eff, builder.context),
    )
    extras: list[tuple[str, Any]] = [
        ("route", "convex"),
        ("zero_set", sp.Interval(0, lam_eff)),
        ("threshold", lam_eff),
        ("factor", factor),
        ("compact_factor", compact_factor),
        ("block", block),
    ]
    return _finish(
        builder,
        setup,
        result,
        cases,
        extras,
        objective=objective,
        variable=r,
        lhs=sp.Symbol("rhohat", real=True),
        threshold_words="in the norm r = ||z_g||: the whole group is 0 iff ||z_g|| <= threshold",
    )


# -- method: best subset --------------------------------------------------------------------------
def _check_support_rss(count: int = 4) -> Check:
    zs = sp.symbols(f"z1:{count + 1}", real=True)
    bs = sp.symbols(f"b1:{count + 1}", real=True)
    s = sp.Symbol("s", positive=True)
    for size in range(count + 1):
        for support in itertools.combinations(range(count), size):
            objective = sum(s * (zs[j] - (bs[j] if j in support else 0)) ** 2 for j in range(count))
            stationary = sp.solve([sp.diff(objective, bs[j]) for j in support], [bs[j] for j in support], dict=True)
            best = objective.subs(stationary[0]) if support else objective
            if sp.expand(best - sum(s * zs[j] ** 2 for j in range(count) if j not in support)) != 0:
                raise VerificationError(f"the RSS of support {support} is not sum_(j not in S) s z_j^2")
    return Check("symbolic", f"every support S of {count} coordinates, solved with symbolic z and s: identical")


def _check_top_m(count: int = POINTS, size: int = 6) -> Check:
    rng = random.Random(SEED)
    for _ in range(count):
        zs = [sp.Rational(rng.randint(-10000, 10000), 1000) for _ in range(size)]
        scales = [sp.Rational(rng.randint(1, 5000), 1000) for _ in range(size)]
        gains = [scales[j] * zs[j] ** 2 for j in range(size)]
        for m in range(1, size):
            best = max(sum(gains[j] for j in support) for support in itertools.combinations(range(size), m))
            top = sum(sorted(gains, reverse=True)[:m])
            if best != top:
                raise VerificationError(f"keeping the {m} largest gains is not optimal at z = {zs}")
    return Check(
        "symbolic",
        f"exhaustive enumeration of all supports (p = {size}, M = 1..{size - 1}) at {count} random rational z and "
        f"column scales, exact arithmetic, seed {SEED}",
    )


def _method_subset(setup: _Setup) -> Derivation:
    s = setup.s
    builder = _preamble(setup, penalty_display=sp.Integer(0))
    S = sp.Symbol("S")
    builder.define(
        sp.Symbol("RSS_S"),
        sp.Symbol("||y - Xz||^2") + sp.Symbol(f"sum_(j not in S) {sp.sstr(s)} z_j^2"),
        "fix the support S (|S| <= M): by the decomposition each term (z_j - beta_j)^2 with j in S is minimised by "
        "beta_j = z_j and the others are forced to beta_j = 0",
    )
    builder.claim(
        sp.Symbol("RSS_S"),
        "=",
        sp.Symbol(f"RSS_0 - sum_(j in S) {sp.sstr(s)} z_j^2"),
        "minimising the decomposition over beta with support S: keeping coordinate j lowers the RSS by s z_j^2",
        _check_support_rss,
    )
    builder.claim(
        S,
        "=",
        sp.Symbol(f"the M indices with the largest {sp.sstr(s)} z_j^2"),
        "the gains s z_j^2 are non-negative and add up: an exchange argument (replace a kept j by an unkept k "
        "with a larger gain) shows the best support keeps the M largest",
        _check_top_m,
    )
    threshold_scale = sp.sqrt(s) if setup.design == "diagonal" else sp.Integer(1)
    t = t_M / threshold_scale
    words = (
        "the M-th largest sqrt(d_k)|z_k|" if setup.design == "diagonal" else "the M-th largest |z_k| (ESL's |z_(M)|)"
    )
    cases = (
        (z, sp.Interval(-sp.oo, -t, True, False)),
        (sp.Integer(0), sp.Interval.open(-t, t)),
        (z, sp.Interval(t, sp.oo, False, True)),
    )
    result = _piecewise(cases, z)
    loss = setup.c * s
    objective = sp.expand(loss * (beta - z) ** 2) + loss * t**2 * sp.Piecewise((0, sp.Eq(beta, 0)), (1, True))
    builder.claim(
        BETA_HAT,
        "=",
        result,
        f"so beta_j = z_j if its gain is among the M largest, else 0: a hard threshold at t_M = {words} (assuming "
        "no tie at the M-th value; with a tie any M of the tied coordinates are optimal). Per coordinate it "
        "minimises the Lagrangian form with multiplier c s t^2 for one kept coordinate, checked at random z",
        lambda: check_minimiser(objective, beta, result, context=builder.context),
    )
    extras: list[tuple[str, Any]] = [("zero_set", sp.Interval.open(-t, t)), ("threshold", t)]
    return _finish(builder, setup, result, cases, extras, objective=objective)


_METHODS: MappingProxyType[str, Callable[[_Setup], Derivation]] = MappingProxyType(
    {
        "prox": _method_prox,
        "corrected": _method_corrected,
        "adaptive": _method_adaptive,
        "garrote": _method_garrote,
        "group": _method_group,
        "subset": _method_subset,
    }
)


# --------------------------------------------------------------------------
# General designs: ridge (normal equations) and the lasso (KKT conditions)
# --------------------------------------------------------------------------
def _random_matrix(rng: random.Random, rows: int, cols: int) -> sp.Matrix:
    return sp.Matrix(rows, cols, lambda i, j: sp.Rational(rng.randint(-3000, 3000), 1000))


def _at(expr: sp.Expr, rows: int, cols: int, matrices: dict[str, sp.Matrix], values: dict) -> sp.Matrix:
    """A matrix expression at explicit matrices (``X``, ``y``, ``beta`` by name) and parameter values."""
    sized = sp.sympify(expr).subs({_N: rows, _P: cols})
    shapes = {"X": (rows, cols), "y": (rows, 1), "beta": (cols, 1)}
    mapping = {sp.MatrixSymbol(name, *shapes[name]): sp.ImmutableMatrix(m) for name, m in matrices.items()}
    mapping[sp.Identity(cols)] = sp.ImmutableMatrix(sp.eye(cols))
    out = sized.xreplace(mapping).subs(values).doit()
    if isinstance(out, sp.MatrixExpr):
        out = out.as_explicit()
    return sp.Matrix(out) if isinstance(out, sp.MatrixBase) else sp.Matrix([[out]])


def _check_ridge_gradient(objective: sp.Expr, gradient: sp.Expr, count: int = 8) -> Check:
    """The matrix gradient against central differences at random small matrices (exact: the objective is quadratic)."""
    rng = random.Random(SEED)
    for _ in range(count):
        rows, cols = rng.randint(3, 5), rng.randint(1, 3)
        Xv, yv, bv = _random_matrix(rng, rows, cols), _random_matrix(rng, rows, 1), _random_matrix(rng, cols, 1)
        values = {sym: sp.Rational(rng.randint(1, 5000), 1000) for sym in objective.free_symbols if sym.is_Symbol}
        grad = _at(gradient, rows, cols, {"X": Xv, "y": yv, "beta": bv}, values)
        h = sp.Rational(1, 1000)
        for j in range(cols):
            e = sp.zeros(cols, 1)
            e[j] = h
            plus = _at(objective, rows, cols, {"X": Xv, "y": yv, "beta": bv + e}, values)[0, 0]
            minus = _at(objective, rows, cols, {"X": Xv, "y": yv, "beta": bv - e}, values)[0, 0]
            numeric = (plus - minus) / (2 * h)  # exact for a quadratic
            if sp.simplify(numeric - grad[j]) != 0:
                raise VerificationError(
                    f"the gradient's coordinate {j} is {grad[j]}, the difference quotient {numeric}"
                )
    return Check(
        "symbolic", f"central differences (exact for a quadratic) at {count} random rational designs, seed {SEED}"
    )


def _check_normal_equations(solution: sp.Expr, gradient: sp.Expr, count: int = 8) -> Check:
    rng = random.Random(SEED)
    for _ in range(count):
        rows, cols = rng.randint(3, 6), rng.randint(1, 4)
        Xv, yv = _random_matrix(rng, rows, cols), _random_matrix(rng, rows, 1)
        symbols = solution.free_symbols | gradient.free_symbols
        values = {sym: sp.Rational(rng.randint(1, 5000), 1000) for sym in symbols if sym.is_Symbol}
        bhat = _at(solution, rows, cols, {"X": Xv, "y": yv}, values)
        grad = _at(gradient, rows, cols, {"X": Xv, "y": yv, "beta": bhat}, values)
        if any(sp.simplify(g) != 0 for g in grad):
            raise VerificationError(f"the gradient at the solution is {grad.T}, not 0")
    return Check(
        "symbolic", f"the gradient vanishes exactly at the solution for {count} random rational designs, seed {SEED}"
    )


def _general(spec: EstimatorSpec, conv: Convention, scaling: Scaling, values: dict) -> Derivation:
    if spec.name not in ("ridge", "lasso"):
        raise NoClosedFormError(
            f"no closed form for the {spec.label} with a general design; design='general' derives the ridge normal "
            "equations and the lasso's KKT conditions; use design='orthonormal' or 'diagonal'"
        )
    (weight,) = spec.weights_under(scaling)
    weight = sp.sympify(weight).subs(values)
    c = sp.sympify(scaling.loss_weight).subs(values)
    X, y, b = DESIGN, RESPONSE, COEFFICIENTS
    written = spec.written(scaling)
    title = f"The {spec.label} estimate for a general design ({conv.name} convention)"
    builder = DerivationBuilder(title, convention=f"{conv.name}: {written} ({scaling.row}; {conv.source})")
    if spec.name == "ridge":
        objective = c * (y - X * b).T * (y - X * b) + weight * b.T * b
        builder.define(
            Objective("L", b),
            objective,
            f"the objective, convention {conv.name}: {written} ({scaling.row}); any design X",
        )
        gradient = sp.diff(objective, b)
        builder.claim(
            sp.Symbol("grad L"),
            "=",
            gradient,
            "differentiate with SymPy's matrix calculus (checked against difference quotients)",
            lambda: _check_ridge_gradient(objective, gradient),
        )
        ratio = sp.simplify(weight / c)
        gram = X.T * X + ratio * sp.Identity(_P)
        builder.cite(
            gram,
            "text",
            None,
            f"v^T (X^T X + {sp.sstr(ratio)} I) v = ||Xv||^2 + {sp.sstr(ratio)} ||v||^2 > 0 for v != 0: positive "
            "definite, so L is strictly convex (unique minimiser) and the matrix is invertible",
            words="positive definite",
        )
        builder.claim(
            gram * b - X.T * y,
            "=",
            gradient / (2 * c),
            "the normal equations: at the minimiser the gradient, divided by 2c, is 0 (matrix symbols)",
            lambda: _check_matrix_zero(gradient / (2 * c) - (gram * b - X.T * y)),
        )
        solution = gram.inverse() * X.T * y
        builder.claim(
            sp.Symbol("betahat"),
            "=",
            solution,
            "solve the normal equations; checked: the gradient vanishes at the solution",
            lambda: _check_normal_equations(solution, gradient),
        )
        return builder.build(
            solution,
            parameters=tuple(sorted(sp.sympify(ratio).free_symbols, key=lambda s: s.name)),
            lhs=sp.Symbol("betahat"),
            objective=objective,
            extras=(("closed_form", sp.true),),
        )
    # the lasso: KKT conditions
    objective_text = c * Norm(y - X * b) ** 2 + weight * Norm(b, 1)
    builder.define(Objective("L", b), objective_text, f"the objective, convention {conv.name}: {written}; any design X")
    kappa = sp.simplify(weight / (2 * c))
    residual = sp.Symbol("rho_j", real=True)
    bj = sp.Symbol("betahat_j", real=True)
    subgradient = sp.MatrixSymbol("g", _P, 1)
    builder.cite(
        sp.ZeroMatrix(_P, 1),
        "=",
        -2 * c * X.T * (y - X * b) + weight * subgradient,
        "Fermat's rule and the sum rule for the convex objective (Rockafellar 1970, Thms 23.8 and 27.1): at the "
        "minimiser this holds for some g in the subdifferential of ||beta||_1; the gradient of the smooth part is "
        "-2c X^T (y - X beta)",
    )
    kkt = sp.Piecewise(
        (sp.FiniteSet(kappa), bj > 0),
        (sp.Interval(-kappa, kappa), sp.Eq(bj, 0)),
        (sp.FiniteSet(-kappa), True),
    )
    builder.cite(
        residual,
        "in",
        kkt,
        "coordinate j, dividing by 2c, with rho_j = x_j^T (y - X betahat) (the correlation of x_j with the "
        "residual): the subdifferential of ||beta||_1 is the product of the coordinates' subdifferentials of |.|, "
        "{sign(beta_j)} if beta_j != 0 and [-1, 1] at 0 (Rockafellar 1970, Thm 23.8)",
    )
    builder.note(
        "there is no closed form for a general design: the conditions couple the coordinates through X^T X, and the "
        "solution is computed numerically (coordinate descent, LARS; it is piecewise linear in lambda, Efron et al. "
        "2004)",
        "the KKT system is a linear complementarity problem in general",
    )
    zz, scale = OLS, scaling.gram_scale
    builder.claim(
        X.T * (y - X * b),
        "=",
        scale * (zz - b),
        f"special case X^T X = {sp.sstr(scale)} I: z = X^T y / {sp.sstr(scale)}, so rho_j = "
        f"{sp.sstr(scale)} (z_j - betahat_j) (matrix symbols)",
        lambda: _check_kkt_orthonormal(scale),
    )
    special = estimator("lasso", convention=conv.name, **{k.name: val for k, val in values.items() if k.name != "n"})
    builder.include(special, prefix="X^T X = s I: ")
    builder.note(
        "with X^T X = I the KKT conditions read z_j - betahat_j in "
        f"{sp.sstr(kappa)} d|betahat_j|, the optimality condition of the prox, whose solution is soft thresholding",
        "compare the coordinate condition with Fermat's rule for the prox",
    )
    return builder.build(
        kkt,
        parameters=tuple(sorted(sp.sympify(kappa).free_symbols, key=lambda s: s.name)),
        lhs=residual,
        objective=objective_text,
        extras=(("closed_form", sp.false), ("orthonormal", special.result), ("kkt_bound", kappa)),
    )


def _check_matrix_zero(expr: sp.Expr) -> Check:
    reduced = sp.simplify(sp.expand(expr).doit())
    if reduced == 0 or (isinstance(reduced, sp.MatrixExpr) and reduced.is_ZeroMatrix):
        return Check("symbolic", "expanded with matrix symbols: simplifies to the zero matrix")
    raise VerificationError(f"{expr} simplifies to {reduced}, not 0")


def _check_kkt_orthonormal(scale: sp.Expr) -> Check:
    X, y, b = DESIGN, RESPONSE, COEFFICIENTS
    expr = (X.T * (y - X * b)).expand().subs(X.T * X, scale * sp.Identity(_P)).doit()
    target = scale * (X.T * y / scale - b)
    if sp.simplify((expr - target).expand().doit()) in (0, sp.ZeroMatrix(_P, 1)):
        return Check("symbolic", "expanded with matrix symbols and X^T X = s I: X^T y - s beta = s (z - beta)")
    raise VerificationError(f"X^T (y - X beta) = {expr} with X^T X = s I")
