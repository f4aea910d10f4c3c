"""Penalised least squares for orthonormal designs, reduced to a prox.

For a design with ``X^T X = s I`` (s = 1: orthonormal columns; s = n:
scikit-learn's standardised columns) and the OLS estimate ``z = X^T y / s``,

    ||y - X b||^2 = ||y - X z||^2 + s ||z - b||^2,

so the objective ``c ||y - X b||^2 + w sum_j pen(b_j)`` separates into one
problem per coordinate, ``c s (z_j - b_j)^2 + w pen(b_j)``, whose minimiser is
``prox_{(w/(2cs)) pen}(z_j)``.  The identity is proved with SymPy matrix
symbols; the prox comes from :func:`derive.prox.prox`.  Nothing here is a
table of closed forms: the estimators are named penalties, and each result is
derived.
"""

from __future__ import annotations

import functools
from types import MappingProxyType
from typing import Any

import sympy as sp

from .conventions import get_convention
from .core import Check, Derivation, DerivationBuilder
from .errors import OptionError, UnsupportedPenaltyError, VerificationError
from .notation import Norm, Objective, Prox
from .printing.text import expr_to_text
from .prox import prox
from .symbols import beta, z

__all__ = ["ESTIMATORS", "estimator", "orthonormal_reduction"]

#: The estimate of one coefficient (prints as a hatted beta).
BETA_HAT = sp.Symbol("betahat", real=True)

#: Named estimators: the penalty on one coefficient (the weight comes from the convention).
ESTIMATORS = MappingProxyType(
    {
        "lasso": ("lasso", sp.Abs(beta)),
        "ridge": ("ridge regression", beta**2),
    }
)

_DESIGNS = ("orthonormal",)


def _check_reduction(s: sp.Expr) -> Check:
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


#: Display objects: the design, the response, the coefficient and OLS vectors.
_N, _P = sp.Symbol("N", integer=True, positive=True), sp.Symbol("p", integer=True, positive=True)
DESIGN = sp.MatrixSymbol("X", _N, _P)
RESPONSE = sp.MatrixSymbol("y", _N, 1)
COEFFICIENTS = sp.MatrixSymbol("beta", _P, 1)
OLS = sp.MatrixSymbol("z", _P, 1)


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


@functools.lru_cache(maxsize=512)  # pure: a derivation depends only on its inputs
def estimator(
    penalty: str | sp.Expr,
    *,
    design: str = "orthonormal",
    convention: str = "esl",
    **params: Any,
) -> Derivation:
    """Derive the penalised least-squares estimate for an orthonormal design.

    Parameters
    ----------
    penalty : str or sympy.Expr
        ``"lasso"`` or ``"ridge"``, or a penalty on one coefficient written in
        ``derive.symbols.beta`` (including its weight, e.g. ``lam*Abs(beta)``).
    design : {"orthonormal"}
        ``X^T X = I`` (``esl``) or ``X^T X = n I`` (``sklearn``).
    convention : {"esl", "sklearn"}
        The objective's scaling; stated in the derivation's first step.
    **params
        No parameters are accepted yet; an unknown name raises ``OptionError``.

    Returns
    -------
    Derivation
        ``result`` is the estimate of one coefficient as an expression in the
        OLS coordinate ``z`` (a ``Piecewise`` for the lasso); ``objective`` is
        the per-coordinate objective it minimises; extras ``threshold`` (the
        largest |z| mapped to exactly 0) and ``zero_set``.

    Examples
    --------
    >>> d = estimator("ridge")
    >>> d.result
    z/(lambda + 1)
    >>> estimator("lasso").extra("threshold")
    lambda
    """
    if params:
        raise OptionError(f"unknown parameter(s) {', '.join(sorted(params))} for estimator {penalty!r}")
    if design not in _DESIGNS:
        raise OptionError(f"unknown design {design!r}; choose one of {', '.join(_DESIGNS)}")
    conv = get_convention(convention)
    if isinstance(penalty, str):
        if penalty not in ESTIMATORS:
            raise OptionError(
                f"unknown estimator {penalty!r}; choose one of {', '.join(ESTIMATORS)} or pass an expression"
            )
        label, shape = ESTIMATORS[penalty]
        scaling = conv.scaling(penalty)
        weight = scaling.penalty_weight
        pen = weight * shape
        title = f"The {label} estimate for an orthonormal design ({conv.name} convention)"
    else:
        pen = sp.sympify(penalty)
        if not isinstance(pen, sp.Expr) or beta not in pen.free_symbols:
            raise UnsupportedPenaltyError(f"the penalty must be a SymPy expression in {beta} (derive.symbols.beta)")
        scaling = conv.default
        label = expr_to_text(pen)
        title = f"The penalised least-squares estimate with penalty {label} ({conv.name} convention)"
    c, s = scaling.loss_weight, scaling.gram_scale
    builder = DerivationBuilder(title, convention=f"{conv.name}: {scaling.written} ({conv.source})")
    X, y, b = DESIGN, RESPONSE, COEFFICIENTS
    builder.define(
        Objective("L", b),
        c * Norm(y - X * b) ** 2 + sp.Function("P")(b),
        f"the objective, convention {conv.name}: {scaling.written}; P(beta) = sum_j pen(beta_j)",
    )
    orthonormal_reduction(builder, s)
    objective = sp.expand(c * s * (beta - z) ** 2) + pen
    builder.define(
        Objective("F", beta),
        objective,
        "dropping the constant c||y - Xz||^2, the objective is a sum over coordinates of F(beta_j); "
        "minimise each separately",
    )
    scaled = sp.simplify(pen / (2 * c * s))
    builder.equal(
        objective / (2 * c * s),
        (beta - z) ** 2 / 2 + scaled + c * s * z**2 / (2 * c * s) - z**2 / 2,
        "divide by 2cs (a positive constant): the minimiser is unchanged",
        show=Objective("F", beta) / (2 * c * s),
    )
    inner = prox(scaled, beta, z)
    builder.define(
        BETA_HAT,
        Prox(scaled, beta, z),
        "hence the estimate of each coordinate is the prox of the scaled penalty at z",
        rel="=",
    )
    builder.include(inner, prefix="prox: ")
    result = inner.result
    builder.claim(
        BETA_HAT,
        "=",
        result,
        "the estimate, checked once more against the objective F at random z",
        lambda: _check_minimises(objective, result),
    )
    return Derivation(
        title=builder.title,
        assumptions=(beta, z, *inner.parameters),
        steps=tuple(builder.steps),
        result=result,
        variable=z,
        parameters=inner.parameters,
        convention=builder.convention,
        lhs=BETA_HAT,
        objective=objective,
        cases=inner.cases,
        extras=inner.extras,
    )


def _check_minimises(objective: sp.Expr, result: Any) -> Check:
    from .prox import _check_optimal

    # F(b) = c s (b - z)^2 + pen(b): optimality via one-sided difference quotients.
    check = _check_optimal(objective - (beta - z) ** 2 / 2, beta, z, result, sp.true)
    return Check(check.method, check.detail.replace("g(x) + (x - v)^2/2", "F(beta)"))
