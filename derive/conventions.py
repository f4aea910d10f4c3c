"""Objective conventions: which scaling of the squared error and of the penalty.

Published conventions differ by factors of 1/2 and 1/n, and the factor decides
which lambda gives which estimate.  A convention here is data: for each
estimator, the weight ``c`` on ``||y - X beta||^2``, the penalty weight symbol,
and the Gram matrix of the design (``X^T X = s I``).  The objective is then

    c ||y - X beta||^2 + weight * sum_j pen(beta_j).

Sources: ESL = Hastie, Tibshirani and Friedman, *The Elements of Statistical
Learning*, 2nd ed., 2009, eqs (3.41) and (3.52) and Table 3.4 (orthonormal X);
sklearn = scikit-learn's ``Lasso`` (``(1/(2 n_samples)) ||y - Xw||^2 + alpha
||w||_1``) and ``Ridge`` (``||y - Xw||^2 + alpha ||w||^2``), with standardised
columns so that ``X^T X = n I``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import sympy as sp

from .errors import OptionError
from .symbols import lam

__all__ = ["Convention", "Scaling", "CONVENTIONS", "get_convention", "alpha", "n"]

#: scikit-learn's penalty weight, alpha > 0.
alpha = sp.Symbol("alpha", positive=True)
#: The number of observations, a positive integer.
n = sp.Symbol("n", positive=True, integer=True)


@dataclass(frozen=True, slots=True)
class Scaling:
    """The objective of one estimator under one convention."""

    loss_weight: sp.Expr
    penalty_weight: sp.Symbol
    gram_scale: sp.Expr
    written: str

    @property
    def summary(self) -> str:
        """The objective in words, for the derivation's first step."""
        return self.written


@dataclass(frozen=True, slots=True)
class Convention:
    """A named family of objective scalings (one per estimator)."""

    name: str
    source: str
    scalings: MappingProxyType
    default: Scaling

    def scaling(self, estimator: str) -> Scaling:
        """The scaling for ``estimator`` (``default`` for a user penalty)."""
        return self.scalings.get(estimator, self.default)


_ESL = Convention(
    "esl",
    "Hastie, Tibshirani and Friedman (2009), eqs (3.41), (3.52) and Table 3.4",
    MappingProxyType(
        {
            "lasso": Scaling(sp.Rational(1, 2), lam, sp.Integer(1), "(1/2)||y - X beta||^2 + lambda ||beta||_1"),
            "ridge": Scaling(sp.Integer(1), lam, sp.Integer(1), "||y - X beta||^2 + lambda ||beta||_2^2"),
        }
    ),
    Scaling(sp.Rational(1, 2), lam, sp.Integer(1), "(1/2)||y - X beta||^2 + sum_j g(beta_j)"),
)

_SKLEARN = Convention(
    "sklearn",
    "scikit-learn: Lasso and Ridge objectives, standardised columns X^T X = n I",
    MappingProxyType(
        {
            "lasso": Scaling(1 / (2 * n), alpha, n, "(1/(2n))||y - X w||^2 + alpha ||w||_1"),
            "ridge": Scaling(sp.Integer(1), alpha, n, "||y - X w||^2 + alpha ||w||_2^2"),
        }
    ),
    Scaling(1 / (2 * n), alpha, n, "(1/(2n))||y - X w||^2 + sum_j g(w_j)"),
)

#: The conventions by name.
CONVENTIONS = MappingProxyType({"esl": _ESL, "sklearn": _SKLEARN})


def get_convention(name: str) -> Convention:
    """Look up a convention; an unknown name raises :class:`OptionError` listing the known ones."""
    try:
        return CONVENTIONS[name]
    except KeyError:
        raise OptionError(f"unknown convention {name!r}; choose one of {', '.join(CONVENTIONS)}") from None
