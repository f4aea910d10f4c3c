"""Theorem 2: the lasso estimate is exactly 0 on an interval of z of length 2*lambda; ridge only at z = 0.

For an orthonormal design the penalised least-squares problem separates into
one problem per coefficient, whose minimiser is the prox of the (scaled)
penalty at the OLS coordinate z (Hastie, Tibshirani and Friedman, *The
Elements of Statistical Learning*, 2nd ed., 2009, Table 3.4; Tibshirani,
"Regression shrinkage and selection via the lasso", JRSS B 58, 1996, Sec. 2.2).
By Theorem 1 (:mod:`proofs.zero_set`) the set of z mapped to 0 is the
subdifferential of the scaled penalty at 0: ``[-lambda, lambda]`` for the lasso
(the kink of ``|beta|``), ``{0}`` for ridge (``beta^2`` is differentiable).
Both estimators are derived by :func:`derive.estimators.estimator`; their zero
sets are read off the derived cases and compared with these sets.
"""

from __future__ import annotations

import sympy as sp

from derive.checks import check_equal, check_true
from derive.conventions import get_convention
from derive.core import Derivation, DerivationBuilder
from derive.estimators import estimator
from derive.notation import Prox
from derive.prox import zero_set_of
from derive.subgradient import describe_set
from derive.symbols import z

from .core import (
    Length,
    SetBuilder,
    Theorem,
    check_differ,
    check_sets_differ,
    check_zero_set,
    combine,
    decide_claim,
    latex_of,
    length_of,
    same_value,
    sets_equal,
    summarise,
)

__all__ = ["lasso_vs_ridge"]

NAME = "lasso-vs-ridge"
TITLE = "Lasso gives exact zeros, ridge does not"

_HAT = sp.Symbol("betahat")


def _zero_set_step(builder: DerivationBuilder, derived: Derivation, name: str) -> sp.Set:
    """Add the estimate's derivation (summarised) and its zero set read off the cases; return the set."""
    estimate = sp.Symbol(f"betahat_{name}")
    summarise(builder, derived, estimate, f"the {name} estimate (derive.estimators)")
    zero = zero_set_of(derived.cases, z)
    builder.claim(
        SetBuilder(z, sp.Eq(estimate, 0)),
        "=",
        zero,
        f"the z whose case of the {name} estimate is 0, read off the derived cases",
        lambda: check_zero_set(derived.cases, z, zero),
    )
    return zero


def _length_claims(
    builder: DerivationBuilder, name: str, zero: sp.Set, expected: sp.Expr, positive: bool
) -> list[bool | None]:
    """Claims: ``length(zero) = expected`` and ``expected > 0`` (``positive``) or ``= 0``."""
    length = length_of(zero)
    measured = sp.sympify(zero.measure)
    verdicts = [
        decide_claim(
            builder,
            None if length is None else same_value(length, expected),
            lhs=Length(zero),
            rel="=",
            rhs=expected,
            words=f"the {name} zero set has length {sp.sstr(expected)}",
            reason=f"{name}: length of the zero set (endpoints; checked against SymPy's measure)",
            check=lambda: check_equal(measured, expected),
            refute=lambda: check_differ(measured, expected),
            refuted=f"the {name} zero set {describe_set(zero)} has length {sp.sstr(measured)}, not {sp.sstr(expected)}",
        )
    ]
    if positive:
        verdicts.append(
            decide_claim(
                builder,
                expected.is_positive,
                lhs=expected,
                rel=">",
                rhs=sp.Integer(0),
                words=f"the length {sp.sstr(expected)} is positive",
                reason="the penalty weight is declared positive",
                check=lambda: check_true(lambda: expected.is_positive, f"{expected} > 0 from the assumptions"),
                refute=lambda: check_true(lambda: expected.is_nonpositive, f"{expected} <= 0"),
                refuted=f"{sp.sstr(expected)} is not positive",
            )
        )
    return verdicts


def lasso_vs_ridge(convention: str = "esl") -> Theorem:
    """Theorem 2: lasso estimates are exactly 0 for ``|z| <= lambda``; ridge estimates only for ``z = 0``.

    Both estimates are derived for an orthonormal design by
    :func:`derive.estimators.estimator` (each a prox of the scaled penalty at
    the OLS coordinate z; Hastie, Tibshirani and Friedman 2009, Table 3.4),
    summarised in the proof, and their zero sets read off the derived cases.
    The claims: the lasso zero set is ``[-t, t]`` with ``t`` the convention's
    lasso weight (``lambda`` for ESL, ``alpha`` for scikit-learn) of length
    ``2t > 0``; the ridge zero set is ``{0}``, of length 0.

    Parameters
    ----------
    convention : {"esl", "sklearn"}
        The objective's scaling (:mod:`derive.conventions`).

    Returns
    -------
    Theorem
        ``instances``: the verdicts for the lasso and for ridge.

    Raises
    ------
    OptionError
        For an unknown convention.
    VerificationError
        If a derivation step fails its check.

    Examples
    --------
    >>> t = lasso_vs_ridge()
    >>> t.holds
    True
    >>> t.proof.result
    (Interval(-lambda, lambda), {0})
    """
    conv = get_convention(convention)
    lasso, ridge = estimator("lasso", convention=convention), estimator("ridge", convention=convention)
    scaling = conv.scaling("lasso")
    # The weight on |beta| after dividing the objective by 2cs (from the convention, not from the derivation).
    t = sp.simplify(scaling.penalty_weight / (2 * scaling.loss_weight * scaling.gram_scale))
    builder = DerivationBuilder(
        f"Theorem 2: lasso and ridge estimates for an orthonormal design ({conv.name} convention)",
        assumptions=(z, *sorted(set(lasso.parameters) | set(ridge.parameters), key=lambda s: s.name)),
        convention=f"{conv.name}: lasso {conv.scaling('lasso').written}; ridge {conv.scaling('ridge').written}",
    )
    builder.cite(
        _HAT,
        "=",
        Prox(sp.Symbol("h"), sp.Symbol("beta"), z),
        "for a design with orthogonal columns of squared norm s the objective separates by coordinate; each "
        "estimate is the prox of h, the penalty scaled by 1/(2cs), at the OLS coordinate z "
        "(Hastie, Tibshirani and Friedman 2009, Table 3.4)",
    )
    builder.note(
        "the z mapped to 0 form the subdifferential of h at 0",
        "Theorem 1 (zero-set): an interval of positive length at the kink of |beta|, a single point for the "
        "differentiable beta^2",
    )

    lasso_zero = _zero_set_step(builder, lasso, "lasso")
    expected = sp.Interval(-t, t)
    lasso_verdicts = [
        decide_claim(
            builder,
            sets_equal(lasso_zero, expected),
            lhs=lasso_zero,
            rel="=",
            rhs=expected,
            words=f"the lasso estimate is 0 exactly for |z| <= {sp.sstr(t)}",
            reason=f"lasso: the zero set is [-{sp.sstr(t)}, {sp.sstr(t)}]",
            check=lambda: check_equal(lasso_zero, expected),
            refute=lambda: check_sets_differ(lasso_zero, expected),
            refuted=f"the lasso zero set {describe_set(lasso_zero)} is not {describe_set(expected)}",
        ),
        *_length_claims(builder, "lasso", lasso_zero, 2 * t, positive=True),
    ]

    ridge_zero = _zero_set_step(builder, ridge, "ridge")
    origin = sp.FiniteSet(0)
    ridge_verdicts = [
        decide_claim(
            builder,
            sets_equal(ridge_zero, origin),
            lhs=ridge_zero,
            rel="=",
            rhs=origin,
            words="the ridge estimate is 0 only at z = 0",
            reason="ridge: the zero set is {0}",
            check=lambda: check_equal(ridge_zero, origin),
            refute=lambda: check_sets_differ(ridge_zero, origin),
            refuted=f"the ridge zero set {describe_set(ridge_zero)} is not {{0}}",
        ),
        *_length_claims(builder, "ridge", ridge_zero, sp.Integer(0), positive=False),
    ]
    instances = (
        (f"lasso: zero for |z| <= {sp.sstr(t)}, a set of length {sp.sstr(2 * t)} > 0", combine(lasso_verdicts)),
        ("ridge: zero only at z = 0, a set of length 0", combine(ridge_verdicts)),
    )
    proof = builder.build(sp.Tuple(lasso_zero, ridge_zero))
    weight = sp.sstr(t)
    statement = (
        f"For an orthonormal design ({conv.name} convention), the lasso estimate of a coefficient is exactly 0 if and "
        f"only if |z| <= {weight}, where z is its OLS coordinate: a set of z of positive length 2*{weight}. The ridge "
        "estimate is 0 only at z = 0, a set of length 0."
    )
    statement_latex = (
        f"For an orthonormal design ({conv.name} convention), the lasso estimate of a coefficient is exactly $0$ if "
        f"and only if ${latex_of(z)} \\in {latex_of(expected)}$, where ${latex_of(z)}$ is its OLS coordinate: a set "
        f"of length ${latex_of(2 * t)} > 0$. The ridge estimate is $0$ if and only if ${latex_of(z)} \\in "
        f"{latex_of(origin)}$, a set of length $0$."
    )
    return Theorem.from_instances(
        name=NAME,
        title=TITLE,
        statement=statement,
        statement_latex=statement_latex,
        proof=proof,
        instances=instances,
    )
