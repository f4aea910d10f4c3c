"""derive.checks fast paths: simultaneous substitution and exact Fraction evaluation give SymPy's values.

The numeric checks evaluate statements at rational points.  ``at_point``
(``xreplace``) and the Fraction evaluator behind ``_evaluate`` replace
``subs().evalf()`` for speed; they must give the very same exact values, so
the checks' verdicts and recorded details do not change.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
import sympy as sp

from derive.checks import _evaluate, _exact, at_point, sample_points
from derive.symbols import a, b, lam, v, x

SYMBOLS = (x, v, lam, a, b)


def _random_expr(rng: random.Random, depth: int = 0) -> sp.Basic:
    if depth > 3 or rng.random() < 0.25:
        return rng.choice([*SYMBOLS, sp.Rational(rng.randint(-9, 9), rng.randint(1, 5))])
    first, second = _random_expr(rng, depth + 1), _random_expr(rng, depth + 1)
    kind = rng.randrange(9)
    if kind == 0:
        return first + second
    if kind == 1:
        return first * second
    if kind == 2:
        return first ** rng.randint(-2, 3)
    if kind == 3:
        return sp.Abs(first)
    if kind == 4:
        return sp.sign(first)
    if kind == 5:
        return sp.Max(first, second)
    if kind == 6:
        return sp.Min(first, second, _random_expr(rng, depth + 1))
    if kind == 7:
        third = _random_expr(rng, depth + 1)
        return sp.Piecewise((first, second < third), (second, sp.Eq(first, 0) | (first >= 1)), (third, True))
    return first - second


def _random_point(rng: random.Random) -> dict[sp.Symbol, sp.Rational]:
    point = {s: sp.Rational(rng.randint(-50, 50), rng.randint(1, 7)) for s in SYMBOLS}
    point[lam] = sp.Rational(rng.randint(1, 50), rng.randint(1, 7))
    return point


def test_exact_evaluation_agrees_with_sympy_on_random_expressions():
    rng = random.Random(20261124)
    compared = 0
    while compared < 120:
        try:
            expr = _random_expr(rng)
        except (TypeError, ValueError):  # SymPy refuses to build some (comparisons with zoo)
            continue
        if not isinstance(expr, sp.Basic) or expr.has(sp.zoo, sp.nan):
            continue
        point = _random_point(rng)
        fast = _exact(expr, point)
        try:
            slow = expr.subs(point)
        except (TypeError, ValueError):
            assert fast is None
            continue
        assert at_point(expr, point) == slow
        if fast is None:
            continue
        compared += 1
        if isinstance(fast, bool):
            assert (slow is sp.true) == fast, (expr, point)
        else:
            assert isinstance(slow, sp.Rational) and Fraction(int(slow.p), int(slow.q)) == fast, (expr, point)
            assert _evaluate(expr, point) == slow.evalf(55)


@pytest.mark.parametrize(
    "expr",
    [sp.sqrt(x), sp.pi * x, sp.exp(x), x ** sp.Rational(1, 3), sp.Float(0.5) * x, sp.oo * x, sp.Symbol("w") + x],
)
def test_what_the_fast_path_leaves_to_sympy(expr):
    point = {x: sp.Rational(3, 2)}
    assert _exact(expr, point) is None
    if not expr.free_symbols - {x}:
        assert _evaluate(expr, point) == expr.subs(point).evalf(55)


def test_division_by_zero_and_missing_branches_fall_back():
    assert _exact(1 / x, {x: sp.Integer(0)}) is None
    assert _exact(sp.Piecewise((1, x > 0)), {x: sp.Integer(-1)}) is None


def test_bound_variables_go_through_subs():
    t = sp.Symbol("t", real=True)
    integral = sp.Integral(x * t, (t, 0, 1))
    assert at_point(integral, {x: sp.Integer(2)}) == integral.subs(x, 2)


def test_sampling_under_a_condition_is_unchanged():
    points = sample_points([a, b, v], (a < v) & (v < b), count=10)
    assert all(p[a] < p[v] < p[b] for p in points)
