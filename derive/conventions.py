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
from dataclasses import dataclass, field
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
        The loss term in words (``(1/2)||y - X beta||^2``).
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
    loss_written="||y - X beta||^2",
    row="Zou and Hastie (2005), eq. (3), no 1/2 (ESL eq. (3.54) gives only the penalty)",
)
_SUBSET = Scaling(
    _ONE,
    None,
    _ONE,
    "||y - X beta||^2 subject to ||beta||_0 <= M",
    loss_written="||y - X beta||^2",
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
                loss_written="(1/2)||y - X beta||^2",
                row="eq. (3.52) and Table 3.4, lasso row: with the 1/2",
            ),
            "ridge": Scaling(
                _ONE,
                lam,
                _ONE,
                "||y - X beta||^2 + lambda ||beta||_2^2",
                (lam,),
                loss_written="||y - X beta||^2",
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
        loss_written="(1/2)||y - X beta||^2",
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
                "||beta||_1 <= t; his threshold gamma is lambda/2)",
                (lam,),
                loss_written="||y - X beta||^2",
                row="eq. (1), in " + _TIB_LAGRANGE,
            ),
            "ridge": Scaling(
                _ONE,
                lam,
                _ONE,
                "||y - X beta||^2 + lambda ||beta||_2^2",
                (lam,),
                loss_written="||y - X beta||^2",
                row="Section 2.2 (ridge regression, unhalved RSS)",
            ),
            "best_subset": Scaling(
                _ONE,
                None,
                _ONE,
                "||y - X beta||^2 subject to ||beta||_0 <= M",
                loss_written="||y - X beta||^2",
                row="Section 2.2 (best subset selection of size k)",
            ),
        }
    ),
    Scaling(
        _ONE,
        lam,
        _ONE,
        "||y - X beta||^2 + sum_j g(beta_j)",
        loss_written="||y - X beta||^2",
        row=_TIB_LAGRANGE,
    ),
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
                loss_written="(1/(2n))||y - X w||^2",
                row="sklearn.linear_model.Lasso",
            ),
            "positive_lasso": Scaling(
                _HALF_N,
                alpha,
                n,
                "(1/(2n))||y - X w||^2 + alpha ||w||_1 subject to w >= 0",
                (alpha,),
                loss_written="(1/(2n))||y - X w||^2",
                row="sklearn.linear_model.Lasso(positive=True)",
            ),
            "ridge": Scaling(
                _ONE,
                alpha,
                n,
                "||y - X w||^2 + alpha ||w||_2^2",
                (alpha,),
                loss_written="||y - X w||^2",
                row="sklearn.linear_model.Ridge (no 1/n)",
            ),
            "elastic_net": Scaling(
                _HALF_N,
                alpha,
                n,
                "(1/(2n))||y - X w||^2 + alpha l1_ratio ||w||_1 + (alpha (1 - l1_ratio)/2) ||w||_2^2",
                (alpha * l1_ratio, alpha * (1 - l1_ratio) / 2),
                context=l1_ratio < 1,
                loss_written="(1/(2n))||y - X w||^2",
                row="sklearn.linear_model.ElasticNet, 0 < l1_ratio < 1",
            ),
            "elastic_net_corrected": Scaling(
                _HALF_N,
                alpha,
                n,
                "(1/(2n))||y - X w||^2 + alpha l1_ratio ||w||_1 + (alpha (1 - l1_ratio)/2) ||w||_2^2",
                (alpha * l1_ratio, alpha * (1 - l1_ratio) / 2),
                context=l1_ratio < 1,
                loss_written="(1/(2n))||y - X w||^2",
                row="ElasticNet's objective (scikit-learn has no corrected elastic net)",
            ),
        }
    ),
    Scaling(
        _HALF_N,
        alpha,
        n,
        "(1/(2n))||y - X w||^2 + sum_j g(w_j)",
        loss_written="(1/(2n))||y - X w||^2",
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
    loss_written="(1/(2n))||y - X b||^2",
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
                loss_written="(1/(2n))||y - X b||^2",
                row="glmnet, alpha = 1",
            ),
            "positive_lasso": Scaling(
                _HALF_N,
                lam,
                n,
                "(1/(2n))||y - X b||^2 + lambda ||b||_1 subject to b >= 0 (alpha = 1, lower.limits = 0)",
                (lam,),
                loss_written="(1/(2n))||y - X b||^2",
                row="glmnet, alpha = 1, lower.limits = 0",
            ),
            "ridge": Scaling(
                _HALF_N,
                lam,
                n,
                "(1/(2n))||y - X b||^2 + (lambda/2) ||b||_2^2 (alpha = 0)",
                (lam / 2,),
                loss_written="(1/(2n))||y - X b||^2",
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
        loss_written="(1/(2n))||y - X b||^2",
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
