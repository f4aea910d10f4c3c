"""proofs.gaussian: Gaussian integrals against mpmath quadrature (independent of SymPy), and their checks."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from derive.errors import VerificationError
from proofs.gaussian import _antiderivative_check, _integrate_normal, _normal_antiderivative, normal_integral

z = sp.Symbol("z", real=True)
m = sp.Symbol("m", real=True)
s = sp.Symbol("s", positive=True)
c = sp.Symbol("c", positive=True)


def _quad(factor, lo, hi, point):
    """∫_lo^hi factor(z) N(z; m, s^2) dz by mpmath.quad at 30 digits, the integrand written out here."""
    f = sp.lambdify((z, m, s, c), factor, modules="mpmath")
    mean, sd, weight = (mpmath.mpf(point[k].p) / point[k].q for k in (m, s, c))

    def integrand(u):
        return f(u, mean, sd, weight) * mpmath.exp(-((u - mean) ** 2) / (2 * sd**2)) / (mpmath.sqrt(2 * mpmath.pi) * sd)

    ends = [
        mpmath.mpf(sp.N(e.subs(point), 40)) if e.is_finite else (mpmath.inf if e is sp.oo else -mpmath.inf)
        for e in (sp.sympify(lo), sp.sympify(hi))
    ]
    nodes = sorted({ends[0], ends[1], *[x for x in (mean - 8 * sd, mean, mean + 8 * sd) if ends[0] < x < ends[1]]})
    return mpmath.quad(integrand, nodes)


POINTS = [
    {m: sp.Rational(3, 10), s: sp.Rational(7, 5), c: sp.Rational(1, 2)},
    {m: sp.Rational(-2, 1), s: sp.Rational(1, 3), c: sp.Rational(5, 4)},
]


@pytest.mark.parametrize(
    ("factor", "lo", "hi"),
    [
        (sp.Integer(1), -sp.oo, sp.oo),
        ((z - m) ** 2, c, sp.oo),
        (z**3 - 2 * z, -sp.oo, c),
        (z**4 * sp.exp(-z / c), 0, sp.oo),  # the Laplace prior's factor: exp of a linear function
        (z * sp.exp(z / c) + sp.exp(-z / c), -c, c),
    ],
)
def test_normal_integral_against_quadrature(factor, lo, hi):
    value, check = normal_integral(factor, z, lo, hi, m, s)
    assert check.method in ("symbolic", "numeric") and "differentiated back" in check.detail
    for point in POINTS:
        with mpmath.workdps(30):
            want = _quad(factor, lo, hi, point)
            got = mpmath.mpf(sp.N(value.subs(point), 35))
            assert abs(got - want) <= mpmath.mpf(10) ** -20 * max(1, abs(want))


def test_fallback_to_sympy_for_other_integrands():
    t = sp.Symbol("t", real=True)
    assert _normal_antiderivative(sp.exp(-(t**2)), t) is None  # a quadratic exponent: not t^k exp(linear)
    value, _ = normal_integral(sp.exp(-(z**2) / 2), z, -sp.oo, sp.oo, 0, 1)  # through sympy.integrate
    assert sp.simplify(value - sp.sqrt(2) / 2) == 0  # ∫ exp(-z^2/2) φ(z) dz = 1/sqrt(2)


def test_wrong_antiderivative_is_rejected():
    found = _integrate_normal(z**2, z, sp.S.NegativeInfinity, sp.S.Infinity, m, s)
    value, antiderivative, t, t_lo, t_hi, integrand = found
    assert _antiderivative_check(integrand, t, antiderivative, t_lo, t_hi, value).method == "symbolic"
    with pytest.raises(VerificationError):
        _antiderivative_check(integrand, t, antiderivative + t, t_lo, t_hi, value)  # mutated: off by t
