"""Objective conventions: which scaling of the squared error and of the penalty.

Published conventions differ by factors of 1/2 and 1/n, and the factor decides
which lambda gives which estimate.  A convention here is data: for each
estimator, the weight ``c`` on ``||y - X beta||^2``, the weights of the
penalty's terms (one per term of the estimator's penalty, in the estimator's
order), and the Gram matrix of the design it assumes (``X^T X = s I``).  The
objective is then

    c ||y - X beta||^2 + sum_k weight_k * sum_j term_k(beta_j).

An estimator a convention does not define natively gets the convention's
``default`` loss and gram scale, with the estimator's own (source-paper)
weights; the derivation's first step says so.

The conventions (each row names its source; ``written`` is what the
derivation states in its first step):

``esl``
    Hastie, Tibshirani and Friedman, *The Elements of Statistical Learning*,
    2nd ed., 2009, Table 3.4 (orthonormal X, ``s = 1``).  The **lasso** row
    uses ``(1/2)||y - X beta||^2 + lambda ||beta||_1`` (eq. (3.52): with the
    1/2); the **ridge** row uses ``||y - X beta||^2 + lambda ||beta||_2^2``
    (eq. (3.41): no 1/2); the **best-subset** row minimises
    ``||y - X beta||^2`` subject to ``||beta||_0 <= M`` (no weight, so no
    1/2 question).  Estimators not in the table use the lasso's scaling
    ``(1/2)||y - X beta||^2 + P(beta)``, except the elastic net, which keeps
    Zou and Hastie's (2005, eq. (3)) unhalved ``||y - X beta||^2 + lambda2
    ||beta||_2^2 + lambda1 ||beta||_1`` because their correction factor
    ``1 + lambda2`` is defined for it.
``tibshirani1996``
    Tibshirani, "Regression shrinkage and selection via the lasso", JRSS B
    58 (1996), eq. (1): minimise ``sum_i (y_i - sum_j beta_j x_ij)^2``
    subject to ``sum_j |beta_j| <= t``, with orthonormal X (his Section 2.2).
    Here in Lagrangian form with the multiplier lambda: the **unhalved** RSS
    ``||y - X beta||^2 + lambda ||beta||_1``, so his soft-threshold level
    ``gamma`` (fixed by ``sum_j |beta_j| = t``) is ``lambda/2``.  Ridge,
    best subset and the garrote, which he compares in Section 2.2, and every
    other estimator, use the same unhalved RSS.
``sklearn``
    scikit-learn: ``Lasso`` ``(1/(2n))||y - Xw||^2 + alpha ||w||_1`` (and
    ``Lasso(positive=True)``), ``Ridge`` ``||y - Xw||^2 + alpha ||w||_2^2``
    (no 1/n), ``ElasticNet`` ``(1/(2n))||y - Xw||^2 + alpha l1_ratio
    ||w||_1 + (alpha (1 - l1_ratio)/2) ||w||_2^2``; standardised columns
    ``X^T X = n I``.  Other estimators: the Lasso's ``(1/(2n))`` loss.
``glmnet``
    Friedman, Hastie and Tibshirani (2010), *J. Stat. Softw.* 33(1), eq. (1):
    ``(1/(2n))||y - Xb||^2 + lambda [(1 - alpha)/2 ||b||_2^2 + alpha
    ||b||_1]``, standardised columns ``X^T X = n I``; the lasso is
    ``alpha = 1``, ridge ``alpha = 0`` (weight ``lambda/2``), the positive
    lasso ``lower.limits = 0``.

:func:`convert` derives the map between two conventions' parameters by
equating the per-coordinate objectives after the reduction.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import sympy as sp

from .errors import NoClosedFormError, OptionError
from .symbols import lam

__all__ = [
    "Convention",
    "Scaling",
    "CONVENTIONS",
    "get_convention",
    "convert",
    "alpha",
    "n",
    "lam1",
    "lam2",
    "l1_ratio",
    "constrained_lasso",
    "lambda_for_bound",
    "t_bound",
    "k_active",
]

#: scikit-learn's penalty weight (and glmnet's mixing parameter, which has the same name), alpha > 0.
alpha = sp.Symbol("alpha", positive=True)
#: The number of observations, a positive integer.
n = sp.Symbol("n", positive=True, integer=True)
#: Zou and Hastie's L1 weight, lambda1 > 0.
lam1 = sp.Symbol("lambda1", positive=True)
#: Zou and Hastie's L2 weight, lambda2 > 0.
lam2 = sp.Symbol("lambda2", positive=True)
#: scikit-learn's ElasticNet mixing parameter, 0 < l1_ratio < 1.
l1_ratio = sp.Symbol("l1_ratio", positive=True)


@dataclass(frozen=True, slots=True)
class Scaling:
    """The objective of one estimator under one convention.

    Parameters
    ----------
    loss_weight : sympy.Expr
        ``c`` in ``c ||y - X beta||^2``.
    penalty_weight : sympy.Symbol or None
        The main penalty weight (the lasso's lambda, scikit-learn's alpha);
        ``None`` for an estimator without one (best subset).
    gram_scale : sympy.Expr
        ``s`` in the design assumption ``X^T X = s I``.
    written : str
        The objective in words, stated in the derivation's first step (empty:
        written from the loss and the estimator's penalty).
    weights : tuple of sympy.Expr
        The weights of the estimator's penalty terms, in the estimator's order
        (empty: the estimator's own source-paper weights).
    context : sympy Boolean
        Facts about the parameters beyond their assumptions
        (``l1_ratio < 1``).
    loss_written : str
        The loss term in words (``(1/2)||y - X beta||^2``); by default the start of ``written`` up to its
        first ``||^2``.
    row : str
        Where the objective comes from (equation, table row).
    """

    loss_weight: sp.Expr
    penalty_weight: sp.Symbol | None
    gram_scale: sp.Expr
    written: str
    weights: tuple[sp.Expr, ...] = ()
    context: Any = sp.true
    loss_written: str = ""
    row: str = ""

    def __post_init__(self) -> None:
        if not self.loss_written and "||^2" in self.written:  # the loss is how the objective starts
            object.__setattr__(self, "loss_written", self.written[: self.written.index("||^2") + 4])

    @property
    def summary(self) -> str:
        """The objective in words, for the derivation's first step."""
        return self.written

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """The symbols of the weights (and the gram scale), sorted by name."""
        found: set[sp.Symbol] = set()
        for w in (*self.weights, self.loss_weight, self.gram_scale):
            found |= sp.sympify(w).free_symbols
        return tuple(sorted(found, key=lambda s: s.name))


@dataclass(frozen=True, slots=True)
class Convention:
    """A named family of objective scalings (one per estimator)."""

    name: str
    source: str
    scalings: MappingProxyType
    default: Scaling
    native: tuple[str, ...] = field(default=())

    def scaling(self, estimator: str) -> Scaling:
        """The scaling for ``estimator`` (``default`` for an estimator or penalty it does not define)."""
        return self.scalings.get(estimator, self.default)

    def defines(self, estimator: str) -> bool:
        """Whether the convention has its own row for ``estimator``."""
        return estimator in self.scalings


_HALF, _ONE = sp.Rational(1, 2), sp.Integer(1)
_HALF_N = 1 / (2 * n)

_ESL_SOURCE = "Hastie, Tibshirani and Friedman (2009), The Elements of Statistical Learning, 2nd ed."
_ENET_ZH = Scaling(
    _ONE,
    lam1,
    _ONE,
    "||y - X beta||^2 + lambda2 ||beta||_2^2 + lambda1 ||beta||_1",
    (lam1, lam2),
    row="Zou and Hastie (2005), eq. (3), no 1/2 (ESL eq. (3.54) gives only the penalty)",
)
_SUBSET = Scaling(
    _ONE,
    None,
    _ONE,
    "||y - X beta||^2 subject to ||beta||_0 <= M",
    row="Table 3.4, best-subset row (a constraint: no weight, so no 1/2 question)",
)

_ESL = Convention(
    "esl",
    _ESL_SOURCE + ", eqs (3.41), (3.52) and Table 3.4",
    MappingProxyType(
        {
            "lasso": Scaling(
                _HALF,
                lam,
                _ONE,
                "(1/2)||y - X beta||^2 + lambda ||beta||_1",
                (lam,),
                row="eq. (3.52) and Table 3.4, lasso row: with the 1/2",
            ),
            "ridge": Scaling(
                _ONE,
                lam,
                _ONE,
                "||y - X beta||^2 + lambda ||beta||_2^2",
                (lam,),
                row="eq. (3.41) and Table 3.4, ridge row: no 1/2",
            ),
            "best_subset": _SUBSET,
            "elastic_net": _ENET_ZH,
            "elastic_net_corrected": _ENET_ZH,
        }
    ),
    Scaling(
        _HALF,
        lam,
        _ONE,
        "(1/2)||y - X beta||^2 + sum_j g(beta_j)",
        row="not in Table 3.4: the lasso's scaling, eq. (3.52), with the 1/2",
    ),
)

_TIB_LAGRANGE = "Lagrangian form of Tibshirani's (1996) constraint, multiplier lambda, unhalved RSS"
_TIBSHIRANI = Convention(
    "tibshirani1996",
    "Tibshirani (1996), Regression shrinkage and selection via the lasso, JRSS B 58, eq. (1) and Section 2.2",
    MappingProxyType(
        {
            "lasso": Scaling(
                _ONE,
                lam,
                _ONE,
                "||y - X beta||^2 + lambda ||beta||_1 (the Lagrangian of: minimise ||y - X beta||^2 subject to "
                "||beta||_1 <= t; his threshold gamma is lambda/2; the map t = sum_j (|z_j| - lambda/2)_+ is derived "
                "by derive.conventions.constrained_lasso)",
                (lam,),
                row="eq. (1), in " + _TIB_LAGRANGE,
            ),
            "ridge": Scaling(
                _ONE,
                lam,
                _ONE,
                "||y - X beta||^2 + lambda ||beta||_2^2",
                (lam,),
                row="Section 2.2 (ridge regression, unhalved RSS)",
            ),
            "best_subset": Scaling(
                _ONE,
                None,
                _ONE,
                "||y - X beta||^2 subject to ||beta||_0 <= M",
                row="Section 2.2 (best subset selection of size k)",
            ),
        }
    ),
    Scaling(
        _ONE,
        lam,
        _ONE,
        "||y - X beta||^2 + sum_j g(beta_j)",
        row=_TIB_LAGRANGE,
    ),
)

_SK_ENET = Scaling(
    _HALF_N,
    alpha,
    n,
    "(1/(2n))||y - X w||^2 + alpha l1_ratio ||w||_1 + (alpha (1 - l1_ratio)/2) ||w||_2^2",
    (alpha * l1_ratio, alpha * (1 - l1_ratio) / 2),
    context=l1_ratio < 1,
    row="sklearn.linear_model.ElasticNet, 0 < l1_ratio < 1",
)
_SKLEARN = Convention(
    "sklearn",
    "scikit-learn: Lasso, Ridge and ElasticNet objectives, standardised columns X^T X = n I",
    MappingProxyType(
        {
            "lasso": Scaling(
                _HALF_N,
                alpha,
                n,
                "(1/(2n))||y - X w||^2 + alpha ||w||_1",
                (alpha,),
                row="sklearn.linear_model.Lasso",
            ),
            "positive_lasso": Scaling(
                _HALF_N,
                alpha,
                n,
                "(1/(2n))||y - X w||^2 + alpha ||w||_1 subject to w >= 0",
                (alpha,),
                row="sklearn.linear_model.Lasso(positive=True)",
            ),
            "ridge": Scaling(
                _ONE,
                alpha,
                n,
                "||y - X w||^2 + alpha ||w||_2^2",
                (alpha,),
                row="sklearn.linear_model.Ridge (no 1/n)",
            ),
            "elastic_net": _SK_ENET,
            "elastic_net_corrected": replace(
                _SK_ENET, row="ElasticNet's objective (scikit-learn has no corrected elastic net)"
            ),
        }
    ),
    Scaling(
        _HALF_N,
        alpha,
        n,
        "(1/(2n))||y - X w||^2 + sum_j g(w_j)",
        row="not in scikit-learn: the Lasso's (1/(2n)) loss",
    ),
)

_GLMNET_ENET = Scaling(
    _HALF_N,
    lam,
    n,
    "(1/(2n))||y - X b||^2 + lambda [(1 - alpha)/2 ||b||_2^2 + alpha ||b||_1]",
    (lam * alpha, lam * (1 - alpha) / 2),
    context=alpha < 1,
    row="glmnet, 0 < alpha < 1",
)
_GLMNET = Convention(
    "glmnet",
    "Friedman, Hastie and Tibshirani (2010), J. Stat. Softw. 33(1), eq. (1); standardised columns X^T X = n I",
    MappingProxyType(
        {
            "lasso": Scaling(
                _HALF_N,
                lam,
                n,
                "(1/(2n))||y - X b||^2 + lambda ||b||_1 (alpha = 1)",
                (lam,),
                row="glmnet, alpha = 1",
            ),
            "positive_lasso": Scaling(
                _HALF_N,
                lam,
                n,
                "(1/(2n))||y - X b||^2 + lambda ||b||_1 subject to b >= 0 (alpha = 1, lower.limits = 0)",
                (lam,),
                row="glmnet, alpha = 1, lower.limits = 0",
            ),
            "ridge": Scaling(
                _HALF_N,
                lam,
                n,
                "(1/(2n))||y - X b||^2 + (lambda/2) ||b||_2^2 (alpha = 0)",
                (lam / 2,),
                row="glmnet, alpha = 0",
            ),
            "elastic_net": _GLMNET_ENET,
            "elastic_net_corrected": _GLMNET_ENET,
        }
    ),
    Scaling(
        _HALF_N,
        lam,
        n,
        "(1/(2n))||y - X b||^2 + sum_j g(b_j)",
        row="not in glmnet: its (1/(2n)) loss",
    ),
)

#: The conventions by name.
CONVENTIONS = MappingProxyType({"esl": _ESL, "tibshirani1996": _TIBSHIRANI, "sklearn": _SKLEARN, "glmnet": _GLMNET})


def get_convention(name: str) -> Convention:
    """Look up a convention; an unknown name raises :class:`OptionError` listing the known ones."""
    try:
        return CONVENTIONS[name]
    except (KeyError, TypeError):
        raise OptionError(f"unknown convention {name!r}; choose one of {', '.join(CONVENTIONS)}") from None


# --------------------------------------------------------------------------
# Converting parameters between conventions
# --------------------------------------------------------------------------
def _tagged(symbol: sp.Symbol, convention: str) -> sp.Symbol:
    """``lambda`` of the esl convention as ``lambda_esl`` (same assumptions)."""
    return sp.Symbol(f"{symbol.name}_{convention}", **symbol.assumptions0)


@functools.lru_cache(maxsize=128)  # pure: a derivation depends only on its inputs
def convert(name: str, from_: str, to: str) -> Any:
    """Derive which parameters of convention ``to`` give the same estimate as those of ``from_``.

    Both objectives are written for the same data (X, y) with orthogonal
    columns ``X^T X = D = diag(d_j)`` and reduced to one coordinate,
    ``F(beta) = c d (beta - z)^2 + sum_k w_k term_k(beta)``.  The two
    estimates agree for every ``z`` and ``d`` when ``F_to = k F_from`` for a
    constant ``k > 0``; equating the coefficients of ``(beta - z)^2`` and of
    each penalty term gives equations for ``k`` and the parameters of
    ``to``, solved by SymPy and checked by substitution.  Each convention's
    own parameters get its name as a subscript (``lambda_esl``); the sample
    size ``n`` and shape parameters (``gamma``, ``a``) are shared.

    Parameters
    ----------
    name : str
        An estimator of :data:`derive.estimators.ESTIMATORS`.
    from_, to : str
        Convention names (:data:`CONVENTIONS`).

    Returns
    -------
    Derivation
        ``result`` is a tuple of equations ``parameter_to = expression in
        the parameters of from_``; extras ``map`` (the same as a tuple of
        pairs) and ``factor`` (``k``).

    Raises
    ------
    NoClosedFormError
        If no parameters of ``to`` give a proportional objective (a penalty
        that is not linear in its weight, such as SCAD, under conventions
        whose losses differ).

    Examples
    --------
    >>> convert("lasso", "sklearn", "esl").result
    (Eq(lambda_esl, alpha_sklearn*n),)
    >>> convert("lasso", "esl", "sklearn").result
    (Eq(alpha_sklearn, lambda_esl/n),)
    """
    from .checks import is_zero
    from .core import Check, DerivationBuilder
    from .errors import VerificationError
    from .estimators import COEFFICIENTS, DESIGN, ESTIMATORS, RESPONSE, design_reduction, estimator_objective
    from .notation import Norm, Objective
    from .symbols import beta, z

    if name not in ESTIMATORS:
        raise OptionError(f"unknown estimator {name!r}; choose one of {', '.join(ESTIMATORS)}")
    spec = ESTIMATORS[name]
    source, target = get_convention(from_), get_convention(to)
    d = sp.Symbol("d", positive=True)
    sides = []
    for conv in (source, target):
        scaling = conv.scaling(name)
        weights = spec.weights_under(scaling)
        found = (
            set().union(*(sp.sympify(w).free_symbols for w in weights)) | sp.sympify(scaling.loss_weight).free_symbols
        )
        if not spec.homogeneous:  # the weight sits inside the penalty (SCAD's lambda)
            found |= set().union(*(sp.sympify(t).free_symbols for t in spec.terms)) - {spec.variable, spec.data}
        own = sorted(found - {n, *spec.shape_parameters}, key=lambda s: s.name)
        renaming = {s: _tagged(s, conv.name) for s in own}
        c = sp.sympify(scaling.loss_weight).xreplace(renaming)
        tagged = tuple(sp.sympify(w).xreplace(renaming) for w in weights)
        sides.append((conv, scaling, c, tagged, renaming, own))
    (conv_f, scaling_f, c_f, w_f, ren_f, _), (conv_t, scaling_t, c_t, w_t, ren_t, own_t) = sides
    title = f"Converting the {spec.label}'s parameters from the {conv_f.name} to the {conv_t.name} convention"
    builder = DerivationBuilder(
        title,
        assumptions=(beta, z, d, *ren_f.values(), *ren_t.values()),
        convention=f"{conv_f.name}: {spec.written(scaling_f)}; {conv_t.name}: {spec.written(scaling_t)}",
    )
    X, y, b = DESIGN, RESPONSE, COEFFICIENTS
    for conv, scaling, c, _, _, _ in sides:
        builder.define(
            Objective(f"L_{conv.name}", b),
            c * Norm(y - X * b) ** 2 + sp.Function(f"P_{conv.name}")(b),
            f"the objective, convention {conv.name}: {spec.written(scaling)} ({scaling.row}); its own parameters "
            f"carry the subscript {conv.name}",
        )
    design_reduction(builder, "diagonal", d)
    objectives = []
    for conv, _, c, weights, renaming, _ in sides:
        objective = estimator_objective(spec, c, d, weights).xreplace(renaming)
        objectives.append(objective)
        builder.define(
            Objective(f"F_{conv.name}", beta),
            objective,
            f"per coordinate, for the same data (d = ||x_j||^2, z = x_j^T y / d), convention {conv.name}",
        )
    f_from, f_to = objectives
    k = sp.Symbol("k", positive=True)
    builder.cite(
        Objective(f"F_{conv_t.name}", beta),
        "=",
        k * Objective(f"F_{conv_f.name}", beta),
        "the two estimates agree for every z and d if the objectives are proportional with a constant k > 0: "
        "multiplying an objective by a positive constant does not move its minimisers",
    )
    unknowns = [k, *(ren_t[s] for s in own_t)]
    equations = [sp.Eq(c_t, k * c_f)]
    if spec.homogeneous:
        equations += [sp.Eq(wt, k * wf) for wt, wf in zip(w_t, w_f, strict=True)]
    else:
        # k p(theta) is again a penalty of the family only for k = 1 (its first kink is at lambda and its
        # slope there is lambda): the identity map, possible only if the losses agree
        equations += [sp.Eq(k, 1)]
        equations += [sp.Eq(ren_t[s], ren_f[s]) for s in own_t if s in ren_f]
    try:
        solutions = sp.solve(equations, unknowns, dict=True)
    except NotImplementedError:  # pragma: no cover - SymPy gives up
        solutions = []
    solutions = [s for s in solutions if all(sp.sympify(v).is_positive is not False for v in s.values())]
    if len(solutions) != 1 or set(solutions[0]) != set(unknowns):
        raise NoClosedFormError(
            f"no parameters of the {conv_t.name} convention make its {spec.label} objective proportional to the "
            f"{conv_f.name} one ({len(solutions)} solutions of {equations}); the penalty is not linear in its weight "
            "or the parameters do not match"
        )
    (solution,) = solutions

    finite_to, finite_from = (f - spec.constraint.xreplace(ren) for f, ren in ((f_to, ren_t), (f_from, ren_f)))

    def verify() -> Check:
        # the constraints (indicators) are the same on both sides and unchanged by k > 0
        residual = sp.expand(finite_to.subs(solution) - solution[k] * finite_from)
        if is_zero(residual) is True:
            return Check("symbolic", "substituted the solution: F_to - k F_from simplifies to 0 for every beta, z, d")
        raise VerificationError(f"F_to - k F_from = {residual}, not 0")

    pairs = tuple((p, sp.simplify(solution[p])) for p in unknowns[1:])
    builder.claim(
        sp.Tuple(k, *(p for p, _ in pairs)),
        "=",
        sp.Tuple(solution[k], *(e for _, e in pairs)),
        "equate the coefficients of (beta - z)^2 and of each penalty term of k F_from and F_to and solve "
        f"({len(equations)} equations); checked by substituting into F_to - k F_from",
        verify,
    )
    result = sp.Tuple(*(sp.Eq(p, e, evaluate=False) for p, e in pairs))
    return builder.build(
        result,
        parameters=tuple(sorted(set(ren_f.values()) | {n} & f_from.free_symbols, key=lambda s: s.name)),
        objective=f_to,
        extras=(("map", tuple(pairs)), ("factor", sp.simplify(solution[k]))),
    )


# --------------------------------------------------------------------------
# Tibshirani's (1996) constrained form and its Lagrangian: the map t <-> lambda
# --------------------------------------------------------------------------
#: Tibshirani's bound on the L1 norm, t > 0.
t_bound = sp.Symbol("t", positive=True)
#: His soft-threshold level gamma = lambda/2 (``derive.symbols`` has no gamma; this one is >= 0).
_GAMMA = sp.Symbol("gamma", nonnegative=True)
#: The number k of coordinates the constrained lasso keeps (the k largest |z_j|).
k_active = sp.Symbol("k", positive=True, integer=True)
_U = sp.IndexedBase("u", real=True)  # the sorted |z|: u_1 >= u_2 >= ... >= u_p >= 0
_I = sp.Symbol("i", positive=True, integer=True)


def _positive_part_sum(values: Any, level: Any) -> Any:
    return sum((max(abs(u) - level, 0) for u in values), sp.Integer(0))


def _check_bound_map(gamma_k: sp.Expr, count: int = 40) -> Any:
    """At random rational z and t < ||z||_1 (exact arithmetic): the derived gamma solves
    sum_j (|z_j| - gamma)_+ = t and the soft-threshold estimate satisfies the KKT conditions of the constrained
    problem (stationarity with multiplier lambda = 2 gamma > 0, feasibility, complementary slackness)."""
    import random

    from .checks import SEED
    from .core import Check
    from .errors import VerificationError

    rng = random.Random(SEED)
    for _ in range(count):
        size = rng.randint(1, 7)
        zs = [sp.Rational(rng.randint(-5000, 5000), 1000) or sp.Rational(1, 3) for _ in range(size)]
        norm1 = sum(abs(q) for q in zs)
        t_value = norm1 * sp.Rational(rng.randint(1, 999), 1000)
        level = _threshold_level(zs, t_value, gamma_k)
        if not level > 0:
            raise VerificationError(f"the multiplier lambda = {2 * level} is not positive at z = {zs}, t = {t_value}")
        if _positive_part_sum(zs, level) != t_value:
            raise VerificationError(f"sum_j (|z_j| - gamma)_+ != t at z = {zs}, t = {t_value}, gamma = {level}")
        for q in zs:
            b = sp.sign(q) * max(abs(q) - level, 0)
            ok = (q - b == level * sp.sign(b)) if b != 0 else abs(q) <= level
            if not ok:
                raise VerificationError(f"the KKT conditions fail at z_j = {q} (z = {zs}, t = {t_value})")
    return Check(
        "symbolic",
        f"exact rational arithmetic at {count} random z (1 to 7 coordinates) and t in (0, ||z||_1), seed {SEED}: "
        "sum_j (|z_j| - gamma)_+ = t, lambda > 0, and the KKT conditions of every coordinate",
    )


def _threshold_level(zs: Any, t_value: Any, gamma_k: sp.Expr) -> Any:
    """gamma for the bound t: the derived gamma_k at the number k of kept coordinates (largest k that keeps
    u_k above it)."""
    u = sorted((abs(q) for q in zs), reverse=True)
    best = None
    for k in range(1, len(u) + 1):
        candidate = gamma_k.subs({k_active: k, sp.Symbol("S_k"): sum(u[:k]), t_bound: t_value})
        if u[k - 1] > candidate:
            best = candidate
    return best


@functools.lru_cache(maxsize=4)  # pure: no inputs
def constrained_lasso() -> Any:
    """Derive the map between Tibshirani's (1996) bound t and the Lagrange multiplier lambda (orthonormal X).

    Tibshirani's eq. (1): minimise ``||y - X beta||^2`` subject to ``||beta||_1 <= t``.  With
    ``X^T X = I`` it reduces to ``||z - beta||^2`` on the L1 ball.  The derivation: if ``||z||_1 <= t`` the
    constraint is inactive and ``beta = z`` (multiplier 0); otherwise Slater's condition (``beta = 0`` is
    strictly feasible) makes the KKT conditions necessary and sufficient, the Lagrangian
    ``||z - beta||^2 + lambda (||beta||_1 - t)`` is minimised coordinatewise by the lasso of the
    ``tibshirani1996`` convention (soft thresholding at ``gamma = lambda/2``, derived by
    :func:`derive.estimators.estimator`), and complementary slackness with ``lambda > 0`` forces the
    constraint to be active:

        t = sum_j (|z_j| - lambda/2)_+ ,

    a continuous, strictly decreasing function of lambda on ``[0, 2 max|z_j|]``, so each t in
    ``(0, ||z||_1)`` has exactly one lambda.  Solving on the piece where the k largest ``|z|`` are kept gives
    ``lambda = 2 (S_k - t)/k`` with ``S_k`` the sum of the k largest ``|z_j|`` (k: the largest with
    ``u_k > (S_k - t)/k``; Duchi et al. 2008 for the same projection onto the L1 ball).

    Returns
    -------
    Derivation
        ``result`` is ``t`` as a function of lambda, ``sum_j Max(|z_j| - lambda/2, 0)``; extras ``t_of_lambda`` (its
        right side, with ``z_j`` an indexed symbol), ``lambda_of_t`` (``2 (S_k - t)/k``), ``gamma_of_t``,
        ``active`` (the condition ``||z||_1 > t``) and ``per_coordinate`` (``|betahat_j|`` as a function of
        z and lambda, from the lasso estimate).

    Examples
    --------
    >>> d = constrained_lasso()
    >>> d.extra("lambda_of_t")
    2*(S_k - t)/k
    >>> lambda_for_bound([3, -1, 0.5], 2.0)
    2.0
    """
    from .checks import check_equal
    from .core import DerivationBuilder
    from .errors import VerificationError
    from .estimators import COEFFICIENTS, OLS, estimator, orthonormal_reduction
    from .notation import Norm
    from .symbols import beta, z

    lasso = estimator("lasso", convention="tibshirani1996")
    builder = DerivationBuilder(
        "Tibshirani's (1996) constrained lasso: the bound t and the multiplier lambda (orthonormal design)",
        assumptions=(z, lam, t_bound),
        convention="tibshirani1996: minimise ||y - X beta||^2 subject to ||beta||_1 <= t (eq. (1)); its Lagrangian "
        "form ||y - X beta||^2 + lambda ||beta||_1",
    )
    b, zz = COEFFICIENTS, OLS
    builder.define(
        sp.Symbol("problem"),
        sp.Symbol("minimise ||y - X beta||^2 subject to ||beta||_1 <= t"),
        "Tibshirani (1996), eq. (1), with t > 0",
    )
    orthonormal_reduction(builder, sp.Integer(1))
    builder.claim(
        Norm(zz - b) ** 2,
        "=",
        sp.Integer(0),
        "case ||z||_1 <= t: beta = z is feasible and makes ||z - beta||^2 = 0, its least value, so betahat = z, the "
        "constraint is inactive and its multiplier is 0 (complementary slackness)",
        lambda: check_equal(sp.diff((beta - z) ** 2, beta).subs(beta, z), 0),
        condition=sp.Symbol("||z||_1") <= t_bound,
    )
    builder.cite(
        sp.Symbol("L(beta, lambda)"),
        "=",
        Norm(zz - b) ** 2 + lam * (Norm(b, 1) - t_bound),
        "case ||z||_1 > t: the problem is convex and beta = 0 is strictly feasible (||0||_1 = 0 < t), so Slater's "
        "condition holds and the KKT conditions with a multiplier lambda >= 0 are necessary and sufficient (Boyd "
        "and Vandenberghe 2004, Section 5.5.3; Rockafellar 1970, Thm 28.3)",
    )
    builder.include(lasso, prefix="minimise the Lagrangian over beta (lasso, tibshirani1996 convention): ")
    soft = lasso.result
    magnitude = sp.Max(sp.Abs(z) - lam / 2, 0)
    builder.equal(
        sp.Abs(soft),
        magnitude,
        "the minimiser of the Lagrangian for a given lambda: |betahat_j| = (|z_j| - lambda/2)_+ (from the cases)",
        show=sp.Abs(sp.Symbol("betahat_j")),
    )
    builder.claim(
        lam * (sp.Symbol("||betahat(lambda)||_1") - t_bound),
        "=",
        sp.Integer(0),
        "complementary slackness; lambda = 0 would give betahat = z with ||z||_1 > t, infeasible; so lambda > 0 and "
        "the constraint is active, ||betahat(lambda)||_1 = t",
        lambda: check_equal(magnitude.subs(lam, 0), sp.Abs(z)),
        condition=sp.Symbol("||z||_1") > t_bound,
    )
    j, p = sp.Symbol("j", positive=True, integer=True), sp.Symbol("p", positive=True, integer=True)
    zj = sp.IndexedBase("z", real=True)[j]
    t_of_lambda = sp.Sum(sp.Max(sp.Abs(zj) - lam / 2, 0), (j, 1, p))
    builder.define(
        t_bound,
        t_of_lambda,
        "so t and lambda are linked by summing |betahat_j| over the coordinates (the constraint, active)",
        rel="=",
    )
    gamma_piece = sp.Sum(_U[_I] - _GAMMA, (_I, 1, k_active))
    slope = sp.diff(sp.Max(sp.Symbol("u", positive=True) - _GAMMA, 0), _GAMMA)
    builder.claim(
        sp.Symbol("h(gamma)"),
        "text",
        None,
        "h(gamma) = sum_j (|z_j| - gamma)_+ is continuous and piecewise linear with slope -(number of |z_j| > gamma): "
        "strictly decreasing on [0, max|z_j|], from h(0) = ||z||_1 > t to 0 < t; so exactly one gamma = lambda/2 "
        "solves h(gamma) = t (intermediate value theorem)",
        lambda: check_equal(slope, sp.Piecewise((-1, sp.Symbol("u", positive=True) > _GAMMA), (0, True))),
        words="h is continuous and strictly decreasing where it is positive",
    )
    solved = sp.solve(sp.Eq(gamma_piece.expand().doit(), t_bound), _GAMMA)
    if len(solved) != 1:  # pragma: no cover - a linear equation
        raise VerificationError(f"solving h(gamma) = t on a piece gave {solved}")
    sorted_sum = sp.Symbol("S_k")
    gamma_k = sp.simplify(solved[0].subs(sp.Sum(_U[_I], (_I, 1, k_active)), sorted_sum))
    builder.claim(
        _GAMMA,
        "=",
        gamma_k,
        "on the piece where the k largest |z_j| (u_1 >= ... >= u_k) exceed gamma, h(gamma) = S_k - k gamma with "
        "S_k = u_1 + ... + u_k; solve h(gamma) = t (SymPy); k is the largest index with u_k > (S_k - t)/k. "
        "Checked in exact arithmetic: the KKT conditions hold at random z and t",
        lambda: _check_bound_map(gamma_k),
    )
    lambda_of_t = sp.simplify(2 * gamma_k)
    builder.claim(
        lam,
        "=",
        lambda_of_t,
        "the multiplier lambda = 2 gamma: the lasso's derived threshold is lambda/2 (checked against it)",
        lambda: check_equal(lasso.extra("threshold"), lam / 2),
    )
    return builder.build(
        t_of_lambda,
        variable=None,
        parameters=(lam, t_bound),
        lhs=t_bound,
        extras=(
            ("t_of_lambda", t_of_lambda),
            ("gamma_of_t", gamma_k),
            ("lambda_of_t", lambda_of_t),
            ("active", sp.Symbol("||z||_1") > t_bound),
            ("per_coordinate", magnitude),
        ),
    )


def lambda_for_bound(zs: Any, t: float) -> float:
    """The multiplier lambda of the tibshirani1996 Lagrangian giving ``||betahat||_1 = t`` for the OLS vector z.

    Evaluates the derived ``lambda = 2 (S_k - t)/k`` of :func:`constrained_lasso` (with the derived rule for
    k); 0 when ``||z||_1 <= t`` (the constraint is inactive).  ``t`` must be positive.

    Examples
    --------
    >>> lambda_for_bound([3.0, -1.0], 10.0)
    0.0
    """
    import numpy as np

    from .errors import WeightError

    if not (isinstance(t, int | float) and t > 0 and np.isfinite(t)):
        raise WeightError(f"the bound t must be a positive finite number, got {t!r}")
    u = np.sort(np.abs(np.asarray(zs, dtype=float)).ravel())[::-1]
    if u.sum() <= t:
        return 0.0
    lambda_k = sp.lambdify((sp.Symbol("S_k"), k_active, t_bound), constrained_lasso().extra("lambda_of_t"), "numpy")
    ks = np.arange(1, u.size + 1)
    candidates = lambda_k(np.cumsum(u), ks, t)
    kept = u > candidates / 2
    return float(candidates[np.nonzero(kept)[0][-1]])
