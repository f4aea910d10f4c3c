"""Proximal operators of vector and block penalties, derived from the scalar ones.

Convention: for ``x, v`` in R^n, ``prox_G(v) = argmin_x G(x) + (1/2)||x - v||_2^2``;
the projection ``P_C`` on a closed convex set C is the prox of its indicator.

No vector formula is typed in: each operator is reduced, by a checked argument
whose length does not depend on the dimension n, to scalar proximal operators
that :func:`derive.prox.prox` derives from their expressions.

* **Separable sums** (:func:`separable_prox`): ``sum_i g(x_i) + (1/2)||x - v||^2``
  is a sum of terms each in one coordinate, so it is minimised coordinate by
  coordinate (Beck 2017, Thm 6.6; Parikh and Boyd 2014, sec. 2.1): the
  elastic-net norm ``lambda_1||x||_1 + (lambda_2/2)||x||_2^2`` and the L1 norm.
* **Radial penalties** (:func:`radial_prox`): ``G(x) = phi(||x||_2)``.  By
  Cauchy-Schwarz ``||x - v||^2 >= (||x|| - ||v||)^2``, with equality on the ray
  of v, so the minimiser is ``rho* v/||v||`` with ``rho*`` the prox of
  ``phi + indicator(rho >= 0)`` at ``||v||`` (rotation invariance): block soft
  thresholding for ``lambda||x||_2`` (the group lasso; Beck 2017, Example 6.19;
  Parikh and Boyd 2014, sec. 6.5.1) and ``v min(1, r/||v||)`` for the L2 ball.
* **The L1 ball** (:func:`l1_ball_projection`): the Lagrangian of the
  constraint gives ``theta||x||_1``, whose prox is soft thresholding; the
  multiplier solves ``sum_i max(|v_i| - theta, 0) = r``, a piecewise-affine
  equation solved exactly after sorting (Held, Wolfe and Crowder 1974; Duchi
  et al. 2008; Beck 2017, sec. 6.4).
* **The L_inf norm** (:func:`linf_prox`): its conjugate is the indicator of
  the L1 ball of radius lambda (Hölder), and the Moreau decomposition
  ``prox_G(v) = v - P_{lambda B_1}(v)`` (Moreau 1965; Beck 2017, Thm 6.45 and
  Example 6.48; Parikh and Boyd 2014, sec. 6.5.2).

Each final result is checked, independently of its derivation, by an
optimality certificate at seeded random vectors of sizes 1 to 5: exactly in
rational arithmetic where the result is rational (the L1 ball: ``x`` in C and
``<v - x, y - x> <= 0`` at the 2n vertices y of C; L_inf: ``||v - x||_1 <=
lambda`` and ``<v - x, x> = lambda||x||_inf``), else at 60 digits by one-sided
directional derivatives of the objective.

:class:`BlockDerivation` is a :class:`~derive.core.Derivation` whose
:meth:`~BlockDerivation.numeric` returns a NumPy kernel acting on the last axis
of an array, assembled from the derived scalar results.  :data:`BLOCK_CATALOGUE`
names the entries (``derive prox group_lasso``).
"""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from .checks import DIGITS, SEED, _rational_evaluator, check_true, is_zero, sample_points
from .core import Check, Derivation, DerivationBuilder
from .errors import OptionError, ValidationError, VerificationError
from .notation import Norm, Penalty, Prox, _Named
from .numeric import argument_name, bind_arguments, numeric_function
from .printing.text import expr_to_text
from .prox import prox
from .symbols import v, x

__all__ = [
    "BlockDerivation",
    "BlockEntry",
    "BLOCK_CATALOGUE",
    "Coordinate",
    "Indicator",
    "Projection",
    "SetOf",
    "VectorArgmin",
    "block_catalogue_rows",
    "block_catalogue_text",
    "block_entries",
    "block_entry",
    "block_names",
    "block_prox",
    "block_prox_numeric",
    "elastic_net_norm_prox",
    "group_lasso_prox",
    "l1_ball_projection",
    "l2_ball_projection",
    "linf_prox",
    "project_l1_ball",
    "project_l1_ball_exact",
    "radial_prox",
    "separable_prox",
]

# --------------------------------------------------------------------------
# Symbols: vectors by index, never by their entries
# --------------------------------------------------------------------------
#: The dimension.
dim = sp.Symbol("n", integer=True, positive=True)
#: The coordinate index.
i = sp.Symbol("i", integer=True, positive=True)
#: The variable and the argument as indexed families (x_i, v_i real).
X = sp.IndexedBase("x", real=True)
V = sp.IndexedBase("v", real=True)
#: The same vectors as whole objects, for statements about norms.
x_vec = sp.MatrixSymbol("x", dim, 1)
v_vec = sp.MatrixSymbol("v", dim, 1)
#: rho = ||x||_2 and sigma = ||v||_2 (the radial reduction).
rho = sp.Symbol("rho", nonnegative=True)
sigma = sp.Symbol("sigma", nonnegative=True)
#: The radius of a ball.
r_ball = sp.Symbol("r", positive=True)
#: The Lagrange multiplier of the L1-ball constraint (the threshold).
theta = sp.Symbol("theta", positive=True)
#: The weights of the elastic-net norm.
lam1 = sp.Symbol("lambda_1", positive=True)
lam2 = sp.Symbol("lambda_2", positive=True)
#: The penalty weight.
lam = sp.Symbol("lambda", positive=True)
#: Sorted magnitudes u_(1) >= u_(2) >= ... and their partial sums S_k (the L1-ball algorithm).
k_count = sp.Symbol("k", integer=True, positive=True)
S_k = sp.Symbol("S_k", nonnegative=True)
u_k = sp.Symbol("u_k", nonnegative=True)

#: Random vectors per numeric check, and their sizes.
VECTORS = 24
SIZES = (1, 2, 3, 4, 5)
#: Working digits of the mpmath checks.
_DPS = DIGITS + 10


class _Shown(_Named):
    """A display-only object printed by filling two templates with its printed arguments."""

    latex_template: str = ""
    str_template: str = ""

    def _latex(self, printer: Any) -> str:
        return self.latex_template.format(*(printer._print(a) for a in self.args))

    def _sympystr(self, printer: Any) -> str:
        return self.str_template.format(*(printer._print(a) for a in self.args))


class Coordinate(_Shown):
    """``[expr]_i``, the i-th coordinate of a vector-valued expression (display only)."""

    latex_template = "\\left[{0}\\right]_{{{1}}}"
    str_template = "[{0}]_{1}"

    def __new__(cls, expr: sp.Basic, index: sp.Basic) -> Coordinate:
        return super().__new__(cls, expr, index)


class VectorArgmin(_Named):
    """``argmin_{x in D} F(x)`` over ``D = R^n`` (the default) or a named set (display only)."""

    def __new__(cls, expr: sp.Basic, variable: sp.Basic, domain: sp.Basic = sp.S.Reals) -> VectorArgmin:
        return super().__new__(cls, expr, variable, domain)

    def _latex(self, printer: Any) -> str:
        expr, variable, domain = self.args
        where = f"\\mathbb{{R}}^{{{printer._print(dim)}}}" if domain == sp.S.Reals else printer._print(domain)
        return (
            f"\\operatorname*{{arg\\,min}}_{{{printer._print(variable)}\\in {where}}}"
            f"\\left\\{{{printer._print(expr)}\\right\\}}"
        )

    def _sympystr(self, printer: Any) -> str:
        expr, variable, domain = self.args
        where = f"R^{printer._print(dim)}" if domain == sp.S.Reals else printer._print(domain)
        return f"argmin_({printer._print(variable)} in {where}) {{{printer._print(expr)}}}"


class SetOf(_Shown):
    """``{x : condition}`` (display only)."""

    latex_template = "\\left\\{{{0} : {1}\\right\\}}"
    str_template = "{{{0} : {1}}}"

    def __new__(cls, variable: sp.Basic, condition: sp.Basic) -> SetOf:
        return super().__new__(cls, variable, condition)


class Indicator(_Shown):
    """``iota_C(x)``, the indicator of a named set (display only)."""

    latex_template = "\\iota_{{{0}}}\\left({1}\\right)"
    str_template = "iota_{0}({1})"

    def __new__(cls, name: str, at: sp.Basic) -> Indicator:
        return super().__new__(cls, sp.Symbol(name), at)


class Projection(_Shown):
    """``P_C(v)``, the projection on a named set (display only)."""

    latex_template = "P_{{{0}}}\\left({1}\\right)"
    str_template = "P_{0}({1})"

    def __new__(cls, name: Any, at: sp.Basic) -> Projection:
        return super().__new__(cls, sp.Symbol(name) if isinstance(name, str) else name, at)


def _sum(term: sp.Expr) -> sp.Sum:
    return sp.Sum(term, (i, 1, dim))


# --------------------------------------------------------------------------
# The derivation type with a block kernel
# --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BlockDerivation(Derivation):
    """A :class:`~derive.core.Derivation` of a vector operator; :meth:`numeric` acts on the last axis.

    The extra ``structure`` says how the kernel is assembled from the derived
    scalar results: ``"separable"`` (the coordinate map, extra
    ``coordinate``), ``"radial"`` (the factor of ``v``, extra ``factor``, as a
    function of ``sigma = ||v||_2``), ``"l1_ball"`` or ``"linf"``.
    """

    def numeric(self) -> Callable[..., Any]:
        """A NumPy function ``f(v, *parameters)`` applying the operator to the last axis of ``v``.

        Parameters are scalars or arrays broadcasting against ``v.shape[:-1]``
        (one value per vector), given positionally or by keyword (``lam`` for
        ``lambda``).
        """
        extras = dict(self.extras)
        structure = extras.get("structure")
        if structure == "separable":
            return _separable_kernel(extras["coordinate"], self.parameters)
        if structure == "radial":
            return _radial_kernel(extras["factor"], self.parameters)
        if structure == "l1_ball":
            return _named_kernel(_l1_ball_numpy, ("r",))
        if structure == "linf":
            return _named_kernel(_linf_numpy, ("lam",))
        raise TypeError(f"{self.title!r} has no block kernel")  # pragma: no cover - every builder sets one


def _batch(value: Any) -> Any:
    """A per-vector parameter broadcast against the coordinates (a trailing axis of length 1)."""
    return value[..., None] if np.ndim(value) else value


@functools.lru_cache(maxsize=64)
def _separable_kernel(coordinate: sp.Expr, parameters: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    scalar = numeric_function(coordinate, (v, *parameters))
    names = [argument_name(p) for p in parameters]

    def kernel(values: Any, *args: Any, **named: Any) -> Any:
        bound = bind_arguments(names, args, named)
        return scalar(values, *(_batch(b) for b in bound))

    kernel.__doc__ = f"Apply {sp.sstr(coordinate)} to every coordinate (v on the last axis)."
    return kernel


@functools.lru_cache(maxsize=64)
def _radial_kernel(factor: sp.Expr, parameters: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    scale = numeric_function(factor, (sigma, *parameters))
    names = [argument_name(p) for p in parameters]

    def kernel(values: Any, *args: Any, **named: Any) -> Any:
        bound = bind_arguments(names, args, named)
        norms = np.sqrt(np.sum(values * values, axis=-1))
        with np.errstate(divide="ignore", invalid="ignore"):
            return scale(norms, *bound)[..., None] * values

    kernel.__doc__ = f"Multiply v by {sp.sstr(factor)} with sigma = ||v||_2 (v on the last axis)."
    return kernel


def _named_kernel(function: Callable[[Any, Any], Any], names: tuple[str, ...]) -> Callable[..., Any]:
    def kernel(values: Any, *args: Any, **named: Any) -> Any:
        return function(values, *bind_arguments(names, args, named))

    kernel.__doc__ = function.__doc__
    return kernel


# --------------------------------------------------------------------------
# Random vectors for the checks (seeded, exact rationals)
# --------------------------------------------------------------------------
def _vectors(scale: Fraction, count: int = VECTORS, seed: int = SEED) -> list[list[Fraction]]:
    """Seeded rational vectors of sizes 1 to 5, entries of the order of ``scale`` (some zero, some tied)."""
    rng = random.Random(seed)
    out: list[list[Fraction]] = [[Fraction(0)] * 3]
    while len(out) < count:
        size = rng.choice(SIZES)
        spread = Fraction(rng.choice([1, 3, 10, 30]), 10) * scale
        entries = [Fraction(rng.randint(-1000, 1000), 1000) * spread for _ in range(size)]
        if size > 2 and rng.random() < 0.3:
            entries[1] = -entries[0]  # a tie in magnitude
        if size > 1 and rng.random() < 0.3:
            entries[-1] = Fraction(0)
        out.append(entries)
    return out


def _fraction(value: Any) -> Fraction:
    value = sp.Rational(value)
    return Fraction(int(value.p), int(value.q))


def _parameter_points(parameters: Sequence[sp.Symbol], context: Any, count: int = VECTORS) -> list[dict]:
    if not parameters:
        return [{}] * count
    return sample_points(list(parameters), context, count=count)


def _mp_function(expr: Any, args: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    dummies = [sp.Dummy(f"a{j}") for j in range(len(args))]
    return sp.lambdify(dummies, sp.sympify(expr).xreplace(dict(zip(args, dummies, strict=True))), modules="mpmath")


def _mpf(value: Fraction) -> Any:
    return mpmath.mpf(value.numerator) / value.denominator


def _directional_check(
    objective: Callable[[list[Any]], Any], star: list[Any], rng: random.Random, *, extra: int = 4
) -> Any:
    """The smallest one-sided directional derivative of ``objective`` at ``star`` (coordinate and random directions)."""
    size = len(star)
    directions = []
    for j in range(size):
        for s in (1, -1):
            directions.append([mpmath.mpf(s) if q == j else mpmath.mpf(0) for q in range(size)])
    for _ in range(extra):
        directions.append([mpmath.mpf(rng.uniform(-1, 1)) for _ in range(size)])
    if any(q != 0 for q in star):  # towards 0 and away from it: the radial directions
        directions += [[-q for q in star], list(star)]
    h = mpmath.mpf(10) ** -20
    base = objective(star)
    worst = mpmath.inf
    for d in directions:
        near = objective([p + h * q for p, q in zip(star, d, strict=True)])
        nearer = objective([p + h / 2 * q for p, q in zip(star, d, strict=True)])
        if mpmath.isinf(near) or mpmath.isinf(nearer):
            continue  # leaves the domain: the directional derivative is +inf
        slope = 2 * (nearer - base) / (h / 2) - (near - base) / h  # Richardson-extrapolated
        worst = min(worst, slope)
    return worst


# --------------------------------------------------------------------------
# 1. Separable sums
# --------------------------------------------------------------------------
def _check_separable(
    g: sp.Expr, coordinate: sp.Expr, parameters: tuple[sp.Symbol, ...], context: Any, scale: Any
) -> Check:
    """x*_i = coordinate(v_i) minimises sum_i g(x_i) + (x_i - v_i)^2/2: directional derivatives >= 0.

    For a separable convex objective the directional derivative is the sum of
    the coordinates' one-sided derivatives, so the 2n coordinate directions
    decide optimality; random directions are checked as well.
    """
    g_f = _mp_function(g, (x, *parameters))
    star_f = _mp_function(coordinate, (v, *parameters))
    rng = random.Random(SEED)
    points = _parameter_points(parameters, context)
    vectors = _vectors(Fraction(1))
    count = 0
    with mpmath.workdps(_DPS):
        for point, vector in zip(points, vectors, strict=False):
            values = [_mpf(_fraction(point[p])) for p in parameters]
            size_scale = _mpf(_fraction(scale.subs(point))) if isinstance(scale, sp.Basic) else mpmath.mpf(scale)
            vs = [q * size_scale for q in map(_mpf, vector)]
            star = [mpmath.mpf(star_f(q, *values)) for q in vs]

            def objective(xs: list[Any], vs: list[Any] = vs, values: list[Any] = values) -> Any:
                total = mpmath.mpf(0)
                for p, q in zip(xs, vs, strict=True):
                    total += g_f(p, *values) + (p - q) ** 2 / 2
                return total

            worst = _directional_check(objective, star, rng)
            if worst < -(mpmath.mpf(10) ** -25):
                raise VerificationError(f"x* = {star} is not a minimiser at v = {vs} ({point}): slope {worst}")
            count += 1
    return Check(
        "numeric",
        f"one-sided directional derivatives of the objective at x* (2n coordinate and 4 random directions, step "
        f"1e-20) are >= 0 at {count} seeded vectors of sizes 1 to 5, seed {SEED}, {_DPS} digits",
    )


def _threshold_scale(scalar: Derivation) -> Any:
    threshold = dict(scalar.extras).get("threshold")
    if isinstance(threshold, sp.Basic) and threshold.is_finite and threshold is not sp.nan and threshold != 0:
        return threshold
    return sp.Integer(1)


@functools.lru_cache(maxsize=64)
def separable_prox(
    g: Any,
    x: sp.Symbol = x,
    v: sp.Symbol = v,
    *,
    n: Any = None,
    assumptions: Any = sp.true,
    penalty: Any = None,
    title: str | None = None,
) -> BlockDerivation:
    """Derive the prox of ``G(x) = sum_i g(x_i)``: the scalar prox of g in every coordinate.

    Parameters
    ----------
    g : sympy.Expr
        A convex scalar penalty in ``x`` (weight included).
    x, v : sympy.Symbol
        The scalar variable of g and the scalar argument of its prox.
    n : int or sympy.Symbol, optional
        The dimension (a symbol by default: the derivation does not depend on it).
    assumptions : sympy Boolean, optional
        Facts about the parameters (as for :func:`derive.prox.prox`).
    penalty : sympy.Expr, optional
        The vector penalty as written (``lambda_1*||x||_1 + ...``), shown and
        checked equal to ``sum_i g(x_i)`` when it is a ``Sum`` expression.
    title : str, optional
        The derivation's title.

    Returns
    -------
    BlockDerivation
        ``result``: the i-th coordinate of the prox, ``prox_g(v_i)``; extras
        ``structure`` (``"separable"``), ``coordinate`` (the scalar prox in v),
        ``scalar`` (its derivation), ``compact``, ``zero_set`` and
        ``threshold`` when the scalar prox has them.

    Notes
    -----
    ``sum_i g(x_i) + (1/2)||x - v||^2 = sum_i [g(x_i) + (x_i - v_i)^2/2]`` is a
    sum of functions of one coordinate each, so its minimiser is the vector of
    the coordinates' minimisers (Beck 2017, Thm 6.6; Parikh and Boyd 2014,
    sec. 2.1).

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import x, v, lam
    >>> d = separable_prox(lam*sp.Abs(x), x, v)
    >>> d.extra("compact")
    sign(v[i])*Max(0, -lambda + Abs(v[i]))
    >>> d.numeric()(np.array([[3.0, -0.5, -2.0]]), lam=1.0)
    array([[ 2.,  0., -1.]])
    """
    g = sp.sympify(g)
    dimension = dim if n is None else sp.sympify(n)
    scalar = prox(g, x, v, assumptions=assumptions)
    parameters = tuple(scalar.parameters)

    def index_sum(term: sp.Expr) -> sp.Sum:
        return sp.Sum(term, (i, 1, dimension))

    gi = g.subs(x, X[i])
    G_expr = index_sum(gi)
    shown_G = Penalty("G", G_expr, x_vec)
    builder = DerivationBuilder(
        title or f"The proximal operator of the separable sum of {expr_to_text(g)}",
        assumptions=(x, v, *([dimension] if isinstance(dimension, sp.Symbol) else []), *parameters),
        context=assumptions,
    )
    if penalty is None:
        builder.define(shown_G, G_expr, f"the penalty, a sum over the coordinates i = 1, ..., {sp.sstr(dimension)}")
    else:
        builder.define(shown_G, penalty, "the penalty")
        as_sums = sp.sympify(penalty).xreplace(
            {
                Norm(x_vec, 1): index_sum(sp.Abs(X[i])),
                Norm(x_vec, 2): sp.sqrt(index_sum(X[i] ** 2)),
            }
        )
        builder.equal(
            as_sums,
            G_expr,
            f"each norm written as its sum over the coordinates i = 1, ..., {sp.sstr(dimension)}",
            show=shown_G,
        )
    objective = G_expr + index_sum((X[i] - V[i]) ** 2) / 2
    split = index_sum(gi + (X[i] - V[i]) ** 2 / 2)
    builder.cite(
        Prox(shown_G, x_vec, v_vec),
        "=",
        VectorArgmin(objective, x_vec),
        "definition of the proximal operator, with the squared Euclidean distance written as a sum",
    )
    builder.equal(
        objective,
        split,
        "the objective splits: a sum of terms each depending on one coordinate x_i",
    )
    coordinate = scalar.result
    builder.cite(
        Coordinate(Prox(shown_G, x_vec, v_vec), i),
        "=",
        Prox(Penalty("g", g, x), x, V[i]),
        "a separable function is minimised coordinate by coordinate: x* = prox_G(v) iff each x*_i minimises "
        "g(x_i) + (x_i - v_i)^2/2 (Beck 2017, Thm 6.6; Parikh and Boyd 2014, sec. 2.1)",
    )
    builder.include(scalar, prefix="coordinate: ")
    result = coordinate.subs(v, V[i])
    scale = _threshold_scale(scalar)
    builder.claim(
        Coordinate(Prox(shown_G, x_vec, v_vec), i),
        "=",
        result,
        "the scalar prox at v_i, for every i; checked on the vector objective: its one-sided directional "
        "derivatives at x* are >= 0",
        lambda: _check_separable(g, coordinate, parameters, assumptions, scale),
    )
    extras: list[tuple[str, Any]] = [("structure", "separable"), ("coordinate", coordinate), ("scalar", scalar)]
    scalar_extras = dict(scalar.extras)
    for key in ("compact", "zero_set", "threshold"):
        if key in scalar_extras:
            value = scalar_extras[key]
            extras.append((key, value.subs(v, V[i]) if isinstance(value, sp.Basic) and key == "compact" else value))
    cases = tuple(
        (value.subs(v, V[i]) if isinstance(value, sp.Basic) else value, region) for value, region in scalar.cases
    )
    return BlockDerivation(
        title=builder.title,
        assumptions=tuple(builder.assumptions),
        steps=tuple(builder.steps),
        result=result,
        variable=V[i],
        parameters=parameters,
        lhs=Coordinate(Prox(shown_G, x_vec, v_vec), i),
        cases=cases,
        extras=tuple(extras),
    )


def elastic_net_norm_prox() -> BlockDerivation:
    """Derive the prox of ``lambda_1||x||_1 + (lambda_2/2)||x||_2^2`` (separable: the scalar elastic net).

    Examples
    --------
    >>> elastic_net_norm_prox().extra("compact")
    sign(v[i])*Max(0, (-lambda_1 + Abs(v[i]))/(lambda_2 + 1))
    """
    g = lam1 * sp.Abs(x) + lam2 / 2 * x**2
    penalty = lam1 * Norm(x_vec, 1) + lam2 / 2 * Norm(x_vec, 2) ** 2
    return separable_prox(
        g,
        x,
        v,
        penalty=penalty,
        title="The proximal operator of the elastic-net norm lambda_1*||x||_1 + (lambda_2/2)*||x||_2^2",
    )


def separable_l1_prox() -> BlockDerivation:
    """Derive the prox of ``lambda||x||_1``: soft thresholding in every coordinate.

    Examples
    --------
    >>> separable_l1_prox().extra("threshold")
    lambda
    """
    return separable_prox(
        lam * sp.Abs(x), x, v, penalty=lam * Norm(x_vec, 1), title="The proximal operator of lambda*||x||_1"
    )


# --------------------------------------------------------------------------
# 2. Radial penalties phi(||x||_2): rotation invariance
# --------------------------------------------------------------------------
def _check_cauchy_schwarz(count: int = VECTORS) -> Check:
    """||x - v||^2 >= (||x|| - ||v||)^2 at random pairs, with equality at x = (rho/sigma) v."""
    rng = random.Random(SEED)
    with mpmath.workdps(_DPS):
        tol = mpmath.mpf(10) ** -(DIGITS - 5)
        for _ in range(count):
            size = rng.choice(SIZES)
            xs = [mpmath.mpf(rng.uniform(-5, 5)) for _ in range(size)]
            vs = [mpmath.mpf(rng.uniform(-5, 5)) for _ in range(size)]
            r_x = mpmath.sqrt(sum(q * q for q in xs))
            r_v = mpmath.sqrt(sum(q * q for q in vs))
            gap = sum((p - q) ** 2 for p, q in zip(xs, vs, strict=True)) - (r_x - r_v) ** 2
            if gap < -tol:
                raise VerificationError(f"||x - v||^2 < (||x|| - ||v||)^2 at x = {xs}, v = {vs}")
            aligned = [r_x / r_v * q for q in vs]
            equal = sum((p - q) ** 2 for p, q in zip(aligned, vs, strict=True)) - (r_x - r_v) ** 2
            if abs(equal) > tol * (1 + r_x + r_v) ** 2:
                raise VerificationError(f"equality fails on the ray of v = {vs}")
    return Check(
        "numeric",
        f"{count} seeded pairs of sizes 1 to 5: the inequality, and equality at x = (rho/sigma) v; {_DPS} digits",
    )


def _restrict_nonnegative(
    cases: Sequence[tuple[Any, sp.Set]], old: sp.Symbol, assumptions: Any
) -> list[tuple[Any, sp.Set]]:
    """The cases of a scalar result in ``old`` restricted to sigma >= 0 (a lone case at 0 merged into the next)."""
    from .penalties import compare

    out: list[tuple[Any, sp.Set]] = []
    for value, region in cases:
        if isinstance(region, sp.FiniteSet):
            start = end = region.args[0]
            left_open = right_open = False
        else:
            start, end, left_open, right_open = region.start, region.end, region.left_open, region.right_open
        if end is not sp.S.Infinity:
            below = compare(end, 0, assumptions, strict=bool(right_open) is False)
            if below is True:  # the region lies below 0 (or ends at an open 0)
                continue
            if below is None and is_zero(end) is not True:
                raise VerificationError(f"cannot place the region {region} relative to sigma >= 0")
        if start is sp.S.NegativeInfinity or compare(start, 0, assumptions, strict=False) is True:
            start, left_open = sp.Integer(0), False
        part = sp.FiniteSet(start) if is_zero(end - start) is True else sp.Interval(start, end, left_open, right_open)
        out.append((value.subs(old, sigma), part))
    if len(out) > 1 and out[0][1] == sp.FiniteSet(0) and is_zero(out[1][0].subs(sigma, 0) - out[0][0]) is True:
        following = out[1][1]
        out = [(out[1][0], sp.Interval(0, following.end, False, following.right_open)), *out[2:]]
    return out


def _max_min_form(cases: Sequence[tuple[Any, sp.Set]], condition: Any) -> sp.Expr | None:
    """The two cases as ``Max`` or ``Min`` of their formulas, if one of them equals the cases (checked)."""
    from .checks import check_equal
    from .subgradient import piecewise_from_cases

    if len(cases) != 2:
        return None
    joined = piecewise_from_cases(cases, sigma)
    (first, _), (second, _) = cases
    for candidate in (sp.Max(first, second), sp.Min(first, second)):
        try:
            check_equal(joined, candidate, condition=condition)
        except VerificationError:
            continue
        return candidate
    return None


def _check_radial(phi: sp.Expr, factor: sp.Expr, parameters: tuple[sp.Symbol, ...], context: Any, scale: Any) -> Check:
    """x* = factor(||v||) v minimises phi(||x||) + ||x - v||^2/2: directional derivatives >= 0 (v = 0 included)."""
    phi_f = _mp_function(phi, (x, *parameters))
    factor_f = _mp_function(factor, (sigma, *parameters))
    rng = random.Random(SEED)
    points = _parameter_points(parameters, context)
    count = 0
    with mpmath.workdps(_DPS):
        for point, vector in zip(points, _vectors(Fraction(1)), strict=False):
            values = [_mpf(_fraction(point[p])) for p in parameters]
            size_scale = _mpf(_fraction(scale.subs(point)))
            vs = [q * size_scale for q in map(_mpf, vector)]
            norm = mpmath.sqrt(sum(q * q for q in vs))
            star = [mpmath.mpf(factor_f(norm, *values)) * q for q in vs] if norm > 0 else [mpmath.mpf(0)] * len(vs)

            def objective(xs: list[Any], vs: list[Any] = vs, values: list[Any] = values) -> Any:
                value = phi_f(mpmath.sqrt(sum(q * q for q in xs)), *values)
                return value + sum((p - q) ** 2 for p, q in zip(xs, vs, strict=True)) / 2

            worst = _directional_check(objective, star, rng)
            if worst < -(mpmath.mpf(10) ** -25):
                raise VerificationError(f"x* = {star} is not a minimiser at v = {vs} ({point}): slope {worst}")
            count += 1
    return Check(
        "numeric",
        f"one-sided directional derivatives of the objective at x* (2n coordinate, 4 random and the 2 radial "
        f"directions, step 1e-20) are >= 0 at {count} seeded vectors of sizes 1 to 5 (v = 0 included), seed "
        f"{SEED}, {_DPS} digits",
    )


@functools.lru_cache(maxsize=32)
def radial_prox(
    phi: Any, *, penalty: Any = None, assumptions: Any = sp.true, title: str | None = None
) -> BlockDerivation:
    """Derive the prox of ``G(x) = phi(||x||_2)`` by rotation invariance.

    Parameters
    ----------
    phi : sympy.Expr
        The penalty as a function of the norm, an expression in
        :data:`derive.symbols.x` standing for ``rho = ||x||_2 >= 0``
        (``lambda*x`` for the group lasso; an indicator for a ball).
    penalty : sympy.Expr, optional
        The vector penalty as written, for display (``lambda*||x||_2``).
    assumptions : sympy Boolean, optional
        Facts about the parameters.
    title : str, optional
        The derivation's title.

    Returns
    -------
    BlockDerivation
        ``result``: ``factor(sigma) v`` with ``sigma = ||v||_2``; extras
        ``structure`` (``"radial"``), ``radius`` (``rho*`` as a function of
        sigma), ``factor`` (a ``Piecewise``, valid at sigma = 0 too),
        ``compact`` (the factor as ``Max``/``Min`` for sigma > 0, when it
        exists), ``scalar`` (the derivation of the prox on the radius),
        ``zero_set`` and ``threshold`` (in sigma) when the result vanishes on
        an interval of sigma.

    Notes
    -----
    With ``rho = ||x||``, ``sigma = ||v||``: ``||x - v||^2 = rho^2 - 2<x, v> +
    sigma^2 >= (rho - sigma)^2`` (Cauchy-Schwarz), with equality when x is a
    nonnegative multiple of v.  Since G depends on x only through rho, the
    point ``rho v/sigma`` is at least as good as x; so ``x* = rho* v/sigma``
    where ``rho*`` minimises ``phi(rho) + (rho - sigma)^2/2`` over rho >= 0,
    i.e. is the scalar prox of ``phi + indicator(rho >= 0)`` at sigma (Beck
    2017, Example 6.19 and Lemma 6.26; Parikh and Boyd 2014, sec. 6.5.1).
    """
    from .subgradient import piecewise_from_cases

    phi = sp.sympify(phi)
    shown_G = Penalty("G", penalty if penalty is not None else phi.subs(x, Norm(x_vec)), x_vec)
    h = sp.piecewise_fold(sp.Piecewise((phi, x >= 0), (sp.oo, True)))
    scalar = prox(h, x, v, assumptions=assumptions)
    parameters = tuple(scalar.parameters)
    builder = DerivationBuilder(
        title or f"The proximal operator of {expr_to_text(shown_G.args[1])}",
        assumptions=(rho, sigma, dim, *parameters),
        context=assumptions,
    )
    builder.define(shown_G, shown_G.args[1], "the penalty")
    builder.define(shown_G, phi.subs(x, rho), "it depends on x only through rho = ||x||_2", rel="=")
    builder.define(sigma, Norm(v_vec), "the norm of the argument")
    objective = shown_G + Norm(x_vec - v_vec) ** 2 / 2
    builder.cite(
        Prox(shown_G, x_vec, v_vec), "=", VectorArgmin(objective, x_vec), "definition of the proximal operator"
    )
    builder.equal(
        _sum((X[i] - V[i]) ** 2),
        _sum(X[i] ** 2) - 2 * _sum(X[i] * V[i]) + _sum(V[i] ** 2),
        "expand the square coordinate by coordinate: rho^2 - 2<x, v> + sigma^2",
        show=Norm(x_vec - v_vec) ** 2,
    )
    builder.cite(
        Norm(x_vec - v_vec) ** 2,
        ">=",
        (rho - sigma) ** 2,
        "Cauchy-Schwarz, <x, v> <= rho*sigma, with equality iff x is a nonnegative multiple of v",
    )
    builder.claim(
        Norm(x_vec - v_vec) ** 2,
        ">=",
        (rho - sigma) ** 2,
        "the inequality and its equality case x = (rho/sigma) v, checked at random vectors",
        _check_cauchy_schwarz,
    )
    rho_star = sp.Symbol("rho^*", nonnegative=True)
    builder.cite(
        Prox(shown_G, x_vec, v_vec),
        "=",
        sp.MatMul(rho_star / sigma, v_vec),
        "rotation invariance: replacing x by rho v/sigma leaves G unchanged and does not increase the distance, "
        "so the minimiser lies on the ray of v, at the radius rho* minimising phi(rho) + (rho - sigma)^2/2 over "
        "rho >= 0 (the dimension n no longer appears)",
        condition=sp.Ne(sigma, 0),
    )
    builder.define(
        rho_star,
        Prox(Penalty("h", h, x), x, sigma),
        "the radius is the scalar prox of h(rho) = phi(rho) + indicator(rho >= 0) at sigma",
        rel="=",
    )
    builder.include(scalar, prefix="radius: ")
    radial_cases = _restrict_nonnegative(scalar.cases, v, assumptions)
    radial = piecewise_from_cases(radial_cases, sigma)
    builder.equal(
        radial,
        scalar.result.subs(v, sigma),
        "the cases for sigma = ||v||_2 >= 0",
        show=rho_star,
    )
    builder.equal(
        radial.subs(sigma, 0),
        0,
        "the branch v = 0: sigma = 0 gives rho* = 0, so x* = 0 (the direction v/sigma is not needed)",
        show=sp.Symbol("rho^*(0)"),
    )
    factor_cases = [(sp.expand(sp.simplify(value / sigma)), region) for value, region in radial_cases]
    factor = piecewise_from_cases(factor_cases, sigma)
    builder.equal(
        factor * sigma,
        radial,
        "the factor rho*/sigma of v, case by case (sigma > 0)",
        condition=sigma > 0,
        show=rho_star,
    )
    compact = _max_min_form(factor_cases, sp.And(sigma > 0, assumptions))
    if compact is not None:
        builder.equal(
            factor,
            compact,
            "the factor with max/min (sigma > 0), compared case by case",
            condition=sigma > 0,
            show=rho_star / sigma,
        )
    result = sp.MatMul(factor, v_vec)
    scale = _threshold_scale(scalar)
    builder.claim(
        Prox(shown_G, x_vec, v_vec),
        "=",
        result,
        "x* = (rho*/sigma) v, and x* = 0 at v = 0; checked on the vector objective: its one-sided directional "
        "derivatives at x* are >= 0",
        lambda: _check_radial(phi, factor, parameters, assumptions, scale),
    )
    extras: list[tuple[str, Any]] = [
        ("structure", "radial"),
        ("radius", radial),
        ("factor", factor),
        ("scalar", scalar),
    ]
    if compact is not None:
        extras.append(("compact", compact))
    zero = [region for value, region in radial_cases if is_zero(value) is True and isinstance(region, sp.Interval)]
    if zero:
        extras.append(("zero_set", zero[0]))
        extras.append(("threshold", zero[0].sup))
    cases = tuple(
        (sp.Integer(0) if is_zero(value) is True else v_vec if value == 1 else sp.MatMul(value, v_vec), region)
        for value, region in factor_cases
    )
    return BlockDerivation(
        title=builder.title,
        assumptions=tuple(builder.assumptions),
        steps=tuple(builder.steps),
        result=result,
        variable=sigma,
        parameters=parameters,
        lhs=Prox(shown_G, x_vec, v_vec),
        cases=cases,
        extras=tuple(extras),
    )


def group_lasso_prox() -> BlockDerivation:
    """Derive the prox of ``lambda||x||_2``: block soft thresholding ``(1 - lambda/||v||_2)_+ v``.

    Examples
    --------
    >>> d = group_lasso_prox()
    >>> d.extra("compact")
    Max(0, -lambda/sigma + 1)
    >>> d.numeric()(np.array([[3.0, 4.0], [0.3, 0.4]]), lam=1.0)
    array([[2.4, 3.2],
           [0. , 0. ]])
    """
    return radial_prox(
        lam * x,
        penalty=lam * Norm(x_vec),
        title="The proximal operator of lambda*||x||_2 (group lasso, block soft thresholding)",
    )


def l2_ball_projection() -> BlockDerivation:
    """Derive the projection on the L2 ball of radius r: ``v min(1, r/||v||_2)``.

    Examples
    --------
    >>> d = l2_ball_projection()
    >>> d.extra("compact")
    Min(1, r/sigma)
    >>> d.numeric()(np.array([[3.0, 4.0], [0.3, 0.4]]), r=1.0)
    array([[0.6, 0.8],
           [0.3, 0.4]])
    """
    indicator = sp.Piecewise((0, x <= r_ball), (sp.oo, True))
    return radial_prox(
        indicator,
        penalty=Indicator("B_2(r)", x_vec),
        title="The projection on the L2 ball of radius r",
    )


# --------------------------------------------------------------------------
# 3. The L1 ball: the multiplier of the constraint is a soft threshold
# --------------------------------------------------------------------------
def _l1_value(values: Sequence[Any], at: Any) -> Any:
    """phi(theta) = sum_i max(|v_i| - theta, 0), with exact arithmetic on exact inputs."""
    return sum((max(abs(q) - at, 0) for q in values), 0)


def _check_phi_shape(count: int = VECTORS) -> Check:
    """phi(0) = ||v||_1, phi(max |v_i|) = 0, and phi strictly decreasing while positive (exact rationals)."""
    for vector in _vectors(Fraction(1), count):
        magnitudes = sorted({abs(q) for q in vector} | {Fraction(0)})
        if _l1_value(vector, 0) != sum(abs(q) for q in vector) or _l1_value(vector, magnitudes[-1]) != 0:
            raise VerificationError(f"phi has the wrong end values at v = {vector}")
        values = [_l1_value(vector, t) for t in magnitudes]
        for first, second in itertools.pairwise(values):
            if not second < first:
                raise VerificationError(f"phi is not strictly decreasing while positive at v = {vector}")
    return Check("numeric", f"exact rational arithmetic at {count} seeded vectors of sizes 1 to 5 (ties and zeros)")


def _check_sorted_form(theta_on_piece: sp.Expr, count: int = VECTORS) -> Check:
    """On u_(k+1) <= theta <= u_(k): phi(theta) equals the derived S_k - k*theta (exact rationals)."""
    evaluate = _rational_evaluator(theta_on_piece)
    rng = random.Random(SEED)
    checked = 0
    for vector in _vectors(Fraction(1), count):
        u = [*sorted((abs(q) for q in vector), reverse=True), Fraction(0)]
        for k in range(1, len(vector) + 1):
            t = u[k] + (u[k - 1] - u[k]) * Fraction(rng.randint(0, 1000), 1000)
            if t <= 0:
                continue
            claimed = evaluate({S_k: sum(u[:k]), k_count: Fraction(k), theta: t})
            if claimed != _l1_value(vector, t):
                raise VerificationError(f"phi({t}) != S_k - k*theta at v = {vector}, k = {k}")
            checked += 1
    return Check("numeric", f"exact rational arithmetic at {checked} (vector, k, theta) triples, seed {SEED}")


@functools.lru_cache(maxsize=1)
def _l1_parts() -> tuple[sp.Expr, sp.Expr, sp.Expr, Derivation]:
    """(piece condition in u_k, S_k, k, r; theta = (S_k - r)/k; the soft threshold in v, theta; its derivation)."""
    on_piece = S_k - k_count * theta
    (solution,) = sp.solve(sp.Eq(on_piece, r_ball), theta)
    soft = separable_prox(theta * sp.Abs(x), x, v)
    compact = soft.extra("compact").subs(V[i], v)
    return sp.StrictGreaterThan(u_k, solution), solution, compact, soft


def _exact_parts() -> tuple[Callable, Callable, Callable]:
    return _evaluators("exact")


def _count(k: int, mode: str) -> Any:
    """The integer k in the arithmetic of the mode (Fraction keeps 1/k exact)."""
    return {"exact": Fraction(k), "float": float(k), "sympy": sp.Integer(k)}[mode]


def _evaluators(mode: str) -> tuple[Callable, Callable, Callable]:
    """The derived selection rule, theta formula and soft threshold as functions of a point dict.

    ``exact`` and ``float``: compiled for Python arithmetic (Fraction or float);
    ``sympy``: substitution into the expressions (irrational exact numbers).
    """
    condition, solution, compact, _ = _l1_parts()
    if mode != "sympy":
        return _rational_evaluator(condition), _rational_evaluator(solution), _rational_evaluator(compact)

    def substitute(expr: sp.Basic) -> Callable[[dict], Any]:
        return lambda point: sp.simplify(expr.xreplace({key: sp.sympify(value) for key, value in point.items()}))

    return (
        lambda point: bool(substitute(condition)(point)),
        substitute(solution),
        substitute(compact),
    )


def _to_exact(value: Any) -> Any:
    """int, Fraction and SymPy rationals as Fraction; floats as they are; other exact SymPy numbers as they are."""
    if isinstance(value, bool):
        raise ValidationError(f"{value!r} is not a number")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, sp.Rational):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, np.integer):
        return Fraction(int(value))
    if isinstance(value, sp.Expr) and value.is_number and value.is_real:
        return value
    raise ValidationError(f"{value!r} is not a real number")


def project_l1_ball_exact(values: Sequence[Any], radius: Any) -> Any:
    """Project ``values`` on the L1 ball ``{x : ||x||_1 <= radius}`` by the exact finite algorithm.

    Sort the magnitudes ``u_(1) >= u_(2) >= ...``, form the partial sums
    ``S_k``, take the largest k with ``u_(k) > (S_k - r)/k``, set ``theta =
    (S_k - r)/k`` and soft-threshold at theta (Held, Wolfe and Crowder 1974;
    Duchi et al. 2008; Beck 2017, sec. 6.4).  The selection rule, the formula
    for theta and the soft threshold are the derived expressions of
    :func:`l1_ball_projection`, evaluated in the arithmetic of the input.

    Parameters
    ----------
    values : sequence of numbers or 1-D numpy.ndarray
        int, :class:`fractions.Fraction` and SymPy rationals give exact
        results (Fractions, or SymPy Rationals if the input had them); other
        exact SymPy numbers stay symbolic; floats give floats.
    radius : number
        r >= 0 (``r = 0``: the ball is {0}).

    Returns
    -------
    list or numpy.ndarray
        The projection, a list (or an array for an array input).

    Raises
    ------
    ValidationError
        A negative radius or a value that is not a real number.

    Examples
    --------
    >>> import sympy as sp
    >>> project_l1_ball_exact([sp.Rational(3), sp.Rational(-1, 2), sp.Rational(1)], 3)
    [5/2, 0, 1/2]
    >>> project_l1_ball_exact([0.5, 0.25], 1.0)  # inside the ball
    [0.5, 0.25]
    """
    as_array = isinstance(values, np.ndarray)
    raw = list(values.tolist() if as_array else values)
    sympy_out = any(isinstance(q, sp.Basic) for q in raw) or isinstance(radius, sp.Basic)
    entries = [_to_exact(q) for q in raw]
    r = _to_exact(radius)
    if r < 0:
        raise ValidationError(f"the radius of the L1 ball must be >= 0, got {radius}")
    if r == 0:  # C = {0}
        out = [q * 0 for q in entries]
    elif sum(abs(q) for q in entries) <= r:  # v in C
        out = list(entries)
    else:
        mode = (
            "exact"
            if all(isinstance(q, Fraction) for q in (*entries, r))
            else "float"
            if any(isinstance(q, float) for q in (*entries, r))
            else "sympy"
        )
        condition, solution, soft = _evaluators(mode)
        u = sorted((abs(q) for q in entries), reverse=True)
        partial: Any = 0
        best: tuple[int, Any] = (0, 0)
        for k, magnitude in enumerate(u, start=1):
            partial = partial + magnitude
            if condition({u_k: magnitude, S_k: partial, k_count: _count(k, mode), r_ball: r}):
                best = (k, partial)
        k, partial = best
        t = solution({S_k: partial, k_count: _count(k, mode), r_ball: r})
        out = [soft({v: q, theta: t}) for q in entries]
        if mode == "float":
            out = [float(q) for q in out]
    if sympy_out:
        out = [sp.Rational(q.numerator, q.denominator) if isinstance(q, Fraction) else sp.sympify(q) for q in out]
    if as_array:
        return np.array(out, dtype=values.dtype if values.dtype.kind == "f" else object)
    return out


@functools.lru_cache(maxsize=1)
def _l1_numpy_parts() -> tuple[Callable, Callable, Callable]:
    condition, solution, compact, _ = _l1_parts()
    select = sp.lambdify((u_k, S_k, k_count, r_ball), condition, modules="numpy")
    formula = sp.lambdify((S_k, k_count, r_ball), solution, modules="numpy")
    return select, formula, numeric_function(compact, (v, theta))


def project_l1_ball(values: Any, radius: Any) -> np.ndarray:
    """Vectorised projection on the L1 ball of radius ``radius`` along the last axis.

    The same derived rule as :func:`project_l1_ball_exact` in floating point:
    sort, cumulative sums, the largest k with ``u_(k) > (S_k - r)/k``, then the
    derived soft-threshold kernel at ``theta = (S_k - r)/k``.  ``radius``
    broadcasts against ``values.shape[:-1]``; ``r = 0`` gives 0.

    Examples
    --------
    >>> project_l1_ball(np.array([[3.0, -0.5, 1.0], [0.2, 0.1, 0.0]]), 3.0)
    array([[2.5, 0. , 0.5],
           [0.2, 0.1, 0. ]])
    """
    v_arr = np.asarray(values, dtype=float)
    r = np.broadcast_to(np.asarray(radius, dtype=float), v_arr.shape[:-1])
    if np.any(r < 0) or np.any(np.isnan(r)):
        raise ValidationError("the radius of the L1 ball must be >= 0")
    select, formula, soft = _l1_numpy_parts()
    magnitudes = np.abs(v_arr)
    u = -np.sort(-magnitudes, axis=-1)
    partial = np.cumsum(u, axis=-1)
    counts = np.arange(1, v_arr.shape[-1] + 1, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        chosen = np.max(np.where(select(u, partial, counts, r[..., None]), counts, 0.0), axis=-1)
    index = np.maximum(chosen.astype(int), 1) - 1
    total = partial[..., -1]
    inside = total <= r
    t = formula(np.take_along_axis(partial, index[..., None], axis=-1)[..., 0], index + 1.0, r)
    t = np.where(inside | (r == 0) | ~(t > 0), 1.0, t)
    out = soft(v_arr, t[..., None])
    out = np.where(inside[..., None], v_arr, out)
    return np.where((r == 0)[..., None], 0.0 * v_arr, out)


def _check_l1_certificate(project: Callable[[list[Fraction], Fraction], list[Fraction]], count: int = VECTORS) -> Check:
    """x = project(v, r) is P_C(v): x in C and <v - x, y - x> <= 0 at the 2n vertices y = +-r e_j (exact)."""
    points = _parameter_points([r_ball], sp.true, count)
    for point, vector in zip(points, _vectors(Fraction(3), count), strict=False):
        r = _fraction(point[r_ball])
        star = project(vector, r)
        if sum(abs(q) for q in star) > r:
            raise VerificationError(f"the projection of {vector} leaves the ball of radius {r}")
        residual = [p - q for p, q in zip(vector, star, strict=True)]
        base = sum(p * q for p, q in zip(residual, star, strict=True))
        for j in range(len(vector)):
            for s in (1, -1):
                if s * r * residual[j] - base > 0:
                    raise VerificationError(
                        f"<v - x, y - x> > 0 at the vertex {s * r} e_{j + 1} for v = {vector}, r = {r}"
                    )
    return Check(
        "numeric",
        f"exact rational arithmetic at {count} seeded vectors of sizes 1 to 5: x in C and <v - x, y - x> <= 0 at "
        f"the 2n vertices y of C (so at every y in C, their convex hull)",
    )


def _bisection_theta(vector: list[Fraction], r: Fraction) -> Any:
    with mpmath.workdps(_DPS):
        lo, hi = mpmath.mpf(0), max(_mpf(abs(q)) for q in vector)
        target = _mpf(r)
        for _ in range(220):
            mid = (lo + hi) / 2
            if sum(max(_mpf(abs(q)) - mid, 0) for q in vector) > target:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2


def _check_selection(count: int = VECTORS) -> Check:
    """theta from the selection rule solves phi(theta) = r exactly and equals the root found by bisection."""
    condition, solution, _ = _exact_parts()
    points = _parameter_points([r_ball], sp.true, count)
    checked = 0
    for point, vector in zip(points, _vectors(Fraction(3), count), strict=False):
        r = _fraction(point[r_ball])
        if sum(abs(q) for q in vector) <= r:
            continue
        u = sorted((abs(q) for q in vector), reverse=True)
        best = max(
            k
            for k in range(1, len(u) + 1)
            if condition({u_k: u[k - 1], S_k: sum(u[:k]), k_count: Fraction(k), r_ball: r})
        )
        t = solution({S_k: sum(u[:best]), k_count: Fraction(best), r_ball: r})
        if _l1_value(vector, t) != r:
            raise VerificationError(f"phi(theta) != r at v = {vector}, r = {r}")
        with mpmath.workdps(_DPS):
            if abs(_mpf(t) - _bisection_theta(vector, r)) > mpmath.mpf(10) ** -(DIGITS - 5):
                raise VerificationError(f"theta disagrees with bisection at v = {vector}, r = {r}")
        checked += 1
    return Check(
        "numeric",
        f"{checked} seeded vectors with ||v||_1 > r: phi(theta) = r exactly, and theta equal to bisection on phi "
        f"({_DPS} digits)",
    )


def _exact_projection(vector: list[Fraction], r: Fraction) -> list[Fraction]:
    return project_l1_ball_exact(vector, r)


@functools.lru_cache(maxsize=1)
def l1_ball_projection() -> BlockDerivation:
    """Derive the projection on the L1 ball ``C = {x : ||x||_1 <= r}``.

    Returns
    -------
    BlockDerivation
        ``result``: the i-th coordinate, ``v_i`` if ``||v||_1 <= r`` and
        ``sign(v_i) max(|v_i| - theta, 0)`` otherwise; extras ``structure``
        (``"l1_ball"``), ``theta_equation`` (``sum_i max(|v_i| - theta, 0) =
        r``), ``theta`` (``(S_k - r)/k``), ``selection`` (the piece rule
        ``u_k > (S_k - r)/k``; the largest such k), ``soft`` (the soft
        threshold in v and theta).

    Notes
    -----
    Lagrange multipliers (Slater's condition holds for r > 0): the minimiser
    of ``(1/2)||x - v||^2`` over C is, when ``||v||_1 > r``, the prox of
    ``theta||x||_1`` with ``theta > 0`` making the constraint active (Beck
    2017, sec. 6.4 and Lemma 6.26; Duchi et al. 2008).

    Examples
    --------
    >>> l1_ball_projection().extra("theta")
    (S_k - r)/k
    """
    condition, solution, compact, soft = _l1_parts()
    C = sp.Symbol("C")
    builder = DerivationBuilder(
        "The projection on the L1 ball of radius r",
        assumptions=(dim, r_ball, theta),
    )
    norm1 = Norm(v_vec, 1)
    builder.define(C, SetOf(x_vec, Norm(x_vec, 1) <= r_ball), "the L1 ball of radius r > 0")
    builder.cite(
        Projection(C, v_vec),
        "=",
        VectorArgmin(Norm(x_vec - v_vec) ** 2 / 2, x_vec, C),
        "definition of the projection: the prox of the indicator of C; unique, as C is closed, convex and nonempty",
    )
    builder.note(
        "r = 0: C = {0}, so P_C(v) = 0",
        "the degenerate ball has one point; the derivation below takes r > 0",
    )
    builder.claim(
        Projection(C, v_vec),
        "=",
        v_vec,
        "if v lies in C, x = v attains the least value 0 of the objective",
        lambda: check_true(lambda: is_zero(_sum((V[i] - V[i]) ** 2)), "the objective vanishes at x = v"),
        condition=norm1 <= r_ball,
    )
    builder.cite(
        Projection(C, v_vec),
        "=",
        Prox(Penalty("theta*||.||_1", theta * Norm(x_vec, 1), x_vec), x_vec, v_vec),
        "Lagrange multipliers (Slater's condition holds for r > 0): if ||v||_1 > r the constraint is active, and "
        "for some theta > 0 the projection minimises theta||x||_1 + (1/2)||x - v||^2 (Beck 2017, sec. 6.4, "
        "Lemma 6.26; Boyd and Vandenberghe 2004, sec. 5.5.3)",
        condition=norm1 > r_ball,
    )
    builder.include(soft, prefix="multiplier problem: ")
    builder.equal(
        sp.Abs(compact),
        sp.Max(sp.Abs(v) - theta, 0),
        "the magnitude of each coordinate of the soft threshold",
    )
    phi_theta = _sum(sp.Max(sp.Abs(V[i]) - theta, 0))
    builder.define(
        sp.Symbol("phi(theta)"),
        phi_theta,
        "the active constraint ||x*||_1 = r reads phi(theta) = r",
    )
    builder.claim(
        sp.Symbol("phi(theta)"),
        "=",
        r_ball,
        "phi is continuous and piecewise affine, phi(0) = ||v||_1 > r, phi(max_i |v_i|) = 0 and phi decreases "
        "strictly while positive: exactly one root theta in (0, max_i |v_i|)",
        _check_phi_shape,
    )
    on_piece = S_k - k_count * theta
    builder.claim(
        sp.Symbol("phi(theta)"),
        "=",
        on_piece,
        "sort the magnitudes u_(1) >= u_(2) >= ... and let S_k = u_(1) + ... + u_(k): where exactly k "
        "magnitudes exceed theta, phi is affine",
        lambda: _check_sorted_form(on_piece),
        condition=sp.And(sp.Symbol("u_(k+1)") <= theta, theta <= u_k),
    )
    builder.claim(
        theta,
        "=",
        solution,
        "solve S_k - k*theta = r for theta",
        lambda: check_true(
            lambda: is_zero(on_piece.subs(theta, solution) - r_ball), "substituted into S_k - k*theta = r"
        ),
    )
    builder.claim(
        k_count,
        "=",
        sp.Symbol("max{k : u_(k) > (S_k - r)/k}"),
        "the root lies on the piece where the solved theta is below u_(k), and on the last such piece "
        "(Held, Wolfe and Crowder 1974; Duchi, Shalev-Shwartz, Singer and Chandra 2008, Lemma 2)",
        _check_selection,
    )
    result = sp.Piecewise((V[i], norm1 <= r_ball), (compact.subs(v, V[i]), True))
    builder.claim(
        Coordinate(Projection(C, v_vec), i),
        "=",
        result,
        f"collect the cases, theta = {sp.sstr(solution)} with the selected k; checked by the projection theorem",
        lambda: _check_l1_certificate(_exact_projection),
    )
    extras: list[tuple[str, Any]] = [
        ("structure", "l1_ball"),
        ("theta_equation", sp.Eq(phi_theta, r_ball)),
        ("theta", solution),
        ("selection", condition),
        ("soft", compact),
    ]
    return BlockDerivation(
        title=builder.title,
        assumptions=tuple(builder.assumptions),
        steps=tuple(builder.steps),
        result=result,
        parameters=(r_ball,),
        lhs=Coordinate(Projection(C, v_vec), i),
        extras=tuple(extras),
    )


def _l1_ball_numpy(values: Any, r: Any) -> np.ndarray:
    """Project each vector (last axis) on the L1 ball of radius r."""
    return project_l1_ball(values, r)


# --------------------------------------------------------------------------
# 4. The L_inf norm: conjugate (Hölder) and the Moreau decomposition
# --------------------------------------------------------------------------
def _sign(q: Fraction) -> int:
    return (q > 0) - (q < 0)


def _check_holder(count: int = VECTORS) -> Check:
    """<x, y> <= ||x||_inf ||y||_1 at random pairs, with equality at x = sign(y) (exact rationals)."""
    rng = random.Random(SEED)
    for vector in _vectors(Fraction(1), count):
        other = [Fraction(rng.randint(-1000, 1000), 100) for _ in vector]
        inner = sum(p * q for p, q in zip(other, vector, strict=True))
        if inner > max(abs(p) for p in other) * sum(abs(q) for q in vector):
            raise VerificationError(f"Hölder's inequality fails at x = {other}, y = {vector}")
        aligned = [Fraction(_sign(q)) for q in vector]
        if any(vector) and sum(p * q for p, q in zip(aligned, vector, strict=True)) != sum(abs(q) for q in vector):
            raise VerificationError(f"equality fails at x = sign(y), y = {vector}")
    return Check("numeric", f"exact rational arithmetic at {count} seeded pairs of sizes 1 to 5, seed {SEED}")


def _check_linf_conjugate(count: int = VECTORS) -> Check:
    """At x = t sign(y): <x, y> - lambda||x||_inf = t(||y||_1 - lambda), unbounded iff ||y||_1 > lambda (exact)."""
    points = _parameter_points([lam], sp.true, count)
    rng = random.Random(SEED)
    for point, vector in zip(points, _vectors(Fraction(1), count), strict=False):
        weight = _fraction(point[lam])
        if not any(vector):
            continue
        t = Fraction(rng.randint(1, 10000), 10)
        ray = [t * _sign(q) for q in vector]
        value = sum(p * q for p, q in zip(ray, vector, strict=True)) - weight * max(abs(p) for p in ray)
        if value != t * (sum(abs(q) for q in vector) - weight):
            raise VerificationError(f"the value on the ray is wrong at y = {vector}, lambda = {weight}")
    return Check("numeric", f"exact rational arithmetic at {count} seeded (y, lambda, t), seed {SEED}")


def _linf_exact(vector: list[Fraction], weight: Fraction) -> list[Fraction]:
    """v - P_{lambda B_1}(v) (the Moreau decomposition), exactly."""
    projected = project_l1_ball_exact(vector, weight)
    return [p - q for p, q in zip(vector, projected, strict=True)]


def _check_linf_certificate(
    prox_map: Callable[[list[Fraction], Fraction], list[Fraction]], count: int = VECTORS
) -> Check:
    """x = prox_map(v, lambda) minimises lambda||x||_inf + ||x - v||^2/2 (exact rationals).

    The certificate: u = v - x has ||u||_1 <= lambda and <u, x> = lambda||x||_inf.

    Fermat's rule with the subdifferential of a norm: u in d||.||(x) iff the
    dual norm of u is <= 1 and <u, x> = ||x|| (Beck 2017, Example 3.52).
    """
    points = _parameter_points([lam], sp.true, count)
    for point, vector in zip(points, _vectors(Fraction(3), count), strict=False):
        weight = _fraction(point[lam])
        star = prox_map(vector, weight)
        residual = [p - q for p, q in zip(vector, star, strict=True)]
        if sum(abs(q) for q in residual) > weight:
            raise VerificationError(f"||v - x||_1 > lambda at v = {vector}, lambda = {weight}")
        if sum(p * q for p, q in zip(residual, star, strict=True)) != weight * max(abs(q) for q in star):
            raise VerificationError(f"<v - x, x> != lambda||x||_inf at v = {vector}, lambda = {weight}")
    return Check(
        "numeric",
        f"exact rational arithmetic at {count} seeded vectors of sizes 1 to 5: ||v - x||_1 <= lambda and <v - x, x> = "
        f"lambda||x||_inf (Fermat's rule with the subdifferential of the norm)",
    )


def _check_scaling(count: int = VECTORS) -> Check:
    """P_{lambda B_1}(v) = lambda P_{B_1}(v/lambda), exactly at seeded points."""
    points = _parameter_points([lam], sp.true, count)
    for point, vector in zip(points, _vectors(Fraction(3), count), strict=False):
        weight = _fraction(point[lam])
        scaled = [weight * q for q in project_l1_ball_exact([q / weight for q in vector], Fraction(1))]
        if scaled != project_l1_ball_exact(vector, weight):
            raise VerificationError(f"the scaling rule fails at v = {vector}, lambda = {weight}")
    return Check("numeric", f"exact rational arithmetic at {count} seeded vectors of sizes 1 to 5")


@functools.lru_cache(maxsize=1)
def linf_prox() -> BlockDerivation:
    """Derive the prox of ``lambda||x||_inf`` through its conjugate and the Moreau decomposition.

    Returns
    -------
    BlockDerivation
        ``result``: the i-th coordinate, 0 if ``||v||_1 <= lambda`` and
        ``sign(v_i) min(|v_i|, theta)`` otherwise, where theta solves
        ``sum_i max(|v_i| - theta, 0) = lambda``; extras ``structure``
        (``"linf"``), ``conjugate`` (the indicator of the L1 ball of radius
        lambda, as a ``Piecewise`` in ``||y||_1``), ``theta_equation``,
        ``clip`` (the coordinate formula in v and theta).

    Notes
    -----
    ``(lambda||.||_inf)* `` is the indicator of ``{||y||_1 <= lambda}``
    (Hölder), so ``prox_G(v) = v - P_{lambda B_1}(v)`` (Moreau 1965; Beck 2017,
    Thm 6.45 and Example 6.48; Parikh and Boyd 2014, sec. 6.5.2).

    Examples
    --------
    >>> linf_prox().extra("clip")
    sign(v)*Min(theta, Abs(v))
    >>> linf_prox().numeric()(np.array([[3.0, -0.5, 1.0]]), lam=2.0)
    array([[ 1. , -0.5,  1. ]])
    """
    ball = l1_ball_projection()
    _, solution, compact, _ = _l1_parts()
    y_vec = sp.MatrixSymbol("y", dim, 1)
    v_shown = sp.Symbol("v")  # the vector v in a display mixing it with scalar-valued display objects
    shown_G = Penalty("G", lam * Norm(x_vec, sp.oo), x_vec)
    builder = DerivationBuilder(
        "The proximal operator of lambda*||x||_inf (Moreau decomposition)", assumptions=(dim, lam, theta)
    )
    builder.define(shown_G, lam * sp.Symbol("max_i |x_i|"), "the penalty")
    conjugate_shown = Penalty("G^*", sp.Symbol("G*"), y_vec)
    builder.cite(
        conjugate_shown,
        "=",
        sp.Symbol("sup_x (<x, y> - G(x))"),
        "definition of the convex conjugate",
    )
    builder.claim(
        sp.Symbol("<x, y>"),
        "<=",
        Norm(x_vec, sp.oo) * Norm(y_vec, 1),
        "Hölder's inequality, with equality at x = sign(y)",
        _check_holder,
    )
    conjugate = sp.Piecewise((0, Norm(y_vec, 1) <= lam), (sp.oo, True))
    builder.claim(
        conjugate_shown,
        "=",
        conjugate,
        "if ||y||_1 <= lambda, <x, y> - lambda||x||_inf <= 0 by Hölder, with 0 at x = 0; otherwise x = t sign(y) "
        "gives t(||y||_1 - lambda), unbounded as t grows: the indicator of the L1 ball of radius lambda (Beck 2017, "
        "sec. 4.4.12)",
        _check_linf_conjugate,
    )
    builder.cite(
        Prox(shown_G, x_vec, v_vec),
        "=",
        v_shown - Projection("lambda*B_1", v_vec),
        "Moreau decomposition prox_G(v) + prox_G*(v) = v (Moreau 1965; Beck 2017, Thm 6.45), and the prox of an "
        "indicator is the projection on its set",
    )
    builder.claim(
        Prox(shown_G, x_vec, v_vec),
        "=",
        v_shown - Projection("lambda*B_1", v_vec),
        "the decomposition verified at random points: x = v - P(v) satisfies the optimality condition of "
        "lambda||x||_inf + (1/2)||x - v||^2",
        lambda: _check_linf_certificate(_linf_exact),
    )
    builder.claim(
        Projection("lambda*B_1", v_vec),
        "=",
        lam * Projection("B_1", v_vec / lam),
        "scaling: the projection on lambda*C is lambda times the projection of v/lambda on C",
        _check_scaling,
    )
    builder.include(ball, prefix="projection on the L1 ball (r = lambda): ")
    clip = sp.sign(v) * sp.Min(sp.Abs(v), theta)
    builder.equal(v - compact, clip, "coordinate by coordinate, v_i minus its soft threshold clips v_i at theta")
    result = sp.Piecewise((0, Norm(v_vec, 1) <= lam), (clip.subs(v, V[i]), True))
    builder.claim(
        Coordinate(Prox(shown_G, x_vec, v_vec), i),
        "=",
        result,
        f"v - v = 0 inside the ball; otherwise clip at theta = {sp.sstr(solution.subs(r_ball, lam))}, theta solving "
        "sum_i max(|v_i| - theta, 0) = lambda; checked by the optimality condition",
        lambda: _check_linf_certificate(_linf_clip),
    )
    extras: list[tuple[str, Any]] = [
        ("structure", "linf"),
        ("conjugate", conjugate),
        ("theta_equation", sp.Eq(_sum(sp.Max(sp.Abs(V[i]) - theta, 0)), lam)),
        ("theta", solution.subs(r_ball, lam)),
        ("clip", clip),
    ]
    return BlockDerivation(
        title=builder.title,
        assumptions=tuple(builder.assumptions),
        steps=tuple(builder.steps),
        result=result,
        parameters=(lam,),
        lhs=Coordinate(Prox(shown_G, x_vec, v_vec), i),
        extras=tuple(extras),
    )


def _linf_clip(vector: list[Fraction], weight: Fraction) -> list[Fraction]:
    """The derived coordinate formula: 0 inside the ball, else clip at the threshold of the L1-ball projection."""
    if sum(abs(q) for q in vector) <= weight:
        return [Fraction(0)] * len(vector)
    projected = project_l1_ball_exact(vector, weight)
    t = max(abs(p) - abs(q) for p, q in zip(vector, projected, strict=True))  # theta = |v_i| - |x_i| where x_i != 0
    clip = _rational_evaluator(linf_clip_expression())
    return [clip({v: q, theta: t}) for q in vector]


@functools.lru_cache(maxsize=1)
def linf_clip_expression() -> sp.Expr:
    """``v - sign(v) max(|v| - theta, 0)`` simplified to the clip ``sign(v) min(|v|, theta)`` (checked)."""
    from .checks import check_equal

    _, _, compact, _ = _l1_parts()
    clip = sp.sign(v) * sp.Min(sp.Abs(v), theta)
    check_equal(v - compact, clip)
    return clip


def _linf_numpy(values: Any, lam_value: Any) -> np.ndarray:
    """Apply the prox of lam*||.||_inf to each vector (last axis): v - P_{lam B_1}(v)."""
    v_arr = np.asarray(values, dtype=float)
    return v_arr - project_l1_ball(v_arr, lam_value)


# --------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BlockEntry:
    """A named vector penalty; its derivation, kernel and summary are derived on demand.

    Parameters
    ----------
    name : str
        What ``derive prox NAME`` accepts.
    penalty : sympy.Expr
        The penalty as written (display objects: norms, indicators).
    description : str
        The penalty in words, with its source.
    build : callable
        The function deriving it (no arguments).
    """

    name: str
    penalty: Any
    description: str
    build: Callable[[], BlockDerivation]

    def derive(self) -> BlockDerivation:
        """The derivation (cached by its builder)."""
        return self.build()

    def numeric(self) -> Callable[..., Any]:
        """The NumPy kernel acting on the last axis (see :meth:`BlockDerivation.numeric`)."""
        return self.derive().numeric()

    def summary(self, width: int = 160) -> str:
        """The operator in one line, printed from the derived result."""
        return _summary(self.derive(), width)


def _summary(d: BlockDerivation, width: int) -> str:
    extras = dict(d.extras)
    structure = extras["structure"]
    if structure == "separable":
        text = f"prox(v)_i = {expr_to_text(extras.get('compact', d.result))}"
        threshold = extras.get("threshold")
        if isinstance(threshold, sp.Basic) and threshold is not sp.nan and threshold != 0:
            text += f"  [threshold {expr_to_text(threshold)} on |v_i|]"
    elif structure == "radial":
        factor = extras.get("compact", extras["factor"])
        text = f"prox(v) = {expr_to_text(factor)}*v, sigma = ||v||_2"
        if "threshold" in extras:
            text += f"  [0 iff ||v||_2 <= {expr_to_text(extras['threshold'])}]"
    else:
        (inside, _), (outside, _) = d.result.args
        equation = extras["theta_equation"]
        text = (
            f"prox(v)_i = {expr_to_text(outside)} with theta: {expr_to_text(equation.lhs)} = "
            f"{expr_to_text(equation.rhs)} if ||v||_1 > {expr_to_text(equation.rhs)}; {expr_to_text(inside)} otherwise"
        )
    return text if len(text) <= width else text[: width - 3] + "..."


def _entries() -> tuple[BlockEntry, ...]:
    return (
        BlockEntry(
            "separable_l1",
            lam * Norm(x_vec, 1),
            "the L1 norm, a separable sum; Beck 2017, Example 6.8 and Thm 6.6",
            separable_l1_prox,
        ),
        BlockEntry(
            "group_lasso",
            lam * Norm(x_vec, 2),
            "the Euclidean norm (group lasso); Beck 2017, Example 6.19; Parikh and Boyd 2014, sec. 6.5.1",
            group_lasso_prox,
        ),
        BlockEntry(
            "elastic_net_norm",
            lam1 * Norm(x_vec, 1) + lam2 / 2 * Norm(x_vec, 2) ** 2,
            "the elastic-net norm; Parikh and Boyd 2014, sec. 6.5.3",
            elastic_net_norm_prox,
        ),
        BlockEntry(
            "linf",
            lam * Norm(x_vec, sp.oo),
            "the L_inf norm, through the Moreau decomposition; Beck 2017, Example 6.48; Parikh and Boyd 2014, "
            "sec. 6.5.2",
            linf_prox,
        ),
        BlockEntry(
            "l1_ball",
            Indicator("B_1(r)", x_vec),
            "the indicator of the L1 ball of radius r; Beck 2017, sec. 6.4; Duchi et al. 2008",
            l1_ball_projection,
        ),
        BlockEntry(
            "l2_ball",
            Indicator("B_2(r)", x_vec),
            "the indicator of the L2 ball of radius r; Beck 2017, Lemma 6.26",
            l2_ball_projection,
        ),
    )


#: Every block entry, in display order.
BLOCK_CATALOGUE: tuple[BlockEntry, ...] = _entries()


def block_entries() -> tuple[BlockEntry, ...]:
    """Every block entry, in display order."""
    return BLOCK_CATALOGUE


def block_names() -> tuple[str, ...]:
    """The entry names, in display order.

    Examples
    --------
    >>> block_names()
    ('separable_l1', 'group_lasso', 'elastic_net_norm', 'linf', 'l1_ball', 'l2_ball')
    """
    return tuple(e.name for e in BLOCK_CATALOGUE)


def block_entry(name: str) -> BlockEntry:
    """The entry called ``name``; an unknown name raises :class:`~derive.errors.OptionError` listing the known ones."""
    for e in BLOCK_CATALOGUE:
        if e.name == name:
            return e
    raise OptionError(f"unknown block entry {name!r}; known: {', '.join(block_names())}")


def block_catalogue_rows() -> list[tuple[str, str, str, str]]:
    """``(name, penalty, "convex", operator in one line)`` per block entry, as :func:`derive.catalogue.catalogue_rows`.

    Every block penalty is convex: a norm, a sum of convex scalar penalties
    (each decided convex in its scalar derivation) or the indicator of a ball.
    An entry whose derivation fails says so in its last column.
    """
    from .errors import DeriveError

    rows = []
    for e in BLOCK_CATALOGUE:
        try:
            summary = e.summary()
        except DeriveError as exc:
            summary = f"not derived: {str(exc).splitlines()[0][:140]}"
        rows.append((e.name, expr_to_text(e.penalty), "convex", summary))
    return rows


def block_catalogue_text() -> str:
    """The block entries in the layout of ``derive catalogue`` (one block per entry).

    Examples
    --------
    >>> print(block_catalogue_text().splitlines()[0])
    6 vector penalties; prox_G(v) = argmin_x G(x) + ||x - v||_2^2/2 on the last axis, derived and checked
    """
    lines = [
        f"{len(BLOCK_CATALOGUE)} vector penalties; prox_G(v) = argmin_x G(x) + ||x - v||_2^2/2 on the last axis, "
        "derived and checked",
        "",
    ]
    for name, penalty, convex, summary in block_catalogue_rows():
        lines.append(f"{name:<18} {convex:<10} G(x) = {penalty}")
        lines.append(f"{'':<29} {summary}")
    return "\n".join(lines)


def block_prox(name: str) -> BlockDerivation:
    """The derivation of the block entry ``name``.

    Examples
    --------
    >>> block_prox("group_lasso").extra("threshold")
    lambda
    """
    return block_entry(name).derive()


def block_prox_numeric(name: str) -> Callable[..., Any]:
    """The NumPy kernel of the block entry ``name``, acting on the last axis.

    Examples
    --------
    >>> block_prox_numeric("l2_ball")(np.array([3.0, 4.0]), r=1.0)
    array([0.6, 0.8])
    """
    return block_entry(name).numeric()
