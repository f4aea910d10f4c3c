"""Vector and block proximal operators (derive/block.py) against independent references.

References, none of which uses the derivations:

* brute-force minimisation of ``G(x) + (1/2)||x - v||^2`` in dimensions 2 to 5
  at 50 digits: cyclic coordinate minimisation by grid and golden-section
  search for the separable sums; damped Newton on the smoothed objective
  ``lambda*sqrt(||x||^2 + eps^2) + (1/2)||x - v||^2`` (eps = 1e-30) for the
  group lasso; golden-section search on the epigraph variable
  ``t = ||x||_inf`` for the L_inf norm; bisection on the Lagrange multiplier
  for the balls;
* the published formulas: Beck, *First-Order Methods in Optimization* (2017),
  ch. 6 (Example 6.19 the group lasso, Lemma 6.26 the L2 ball, sec. 6.4 and
  Duchi et al. 2008 the L1 ball, Example 6.48 the L_inf norm) and Parikh and
  Boyd, *Proximal Algorithms* (2014), sec. 6.5 (6.5.1 block soft
  thresholding, 6.5.2 the L_inf norm, 6.5.3 the elastic net);
* mutated operators (a wrong threshold, a wrong radius) that the derivation's
  own checks must reject.
"""

from __future__ import annotations

import random
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from derive import block
from derive.block import (
    BLOCK_CATALOGUE,
    block_entry,
    block_names,
    block_prox,
    block_prox_numeric,
    project_l1_ball,
    project_l1_ball_exact,
    separable_prox,
)
from derive.errors import OptionError, ValidationError, VerificationError
from derive.symbols import lam, v, x

try:
    from tests._argmin import brute_argmin, golden
except ImportError:  # tests/ on sys.path rather than the project root
    from _argmin import brute_argmin, golden

pytestmark = pytest.mark.usefixtures("mp50")

TOL = mpmath.mpf("1e-10")
DIMENSIONS = (2, 3, 4, 5)


def _vector(rng: random.Random, size: int, scale: float) -> list[mpmath.mpf]:
    return [mpmath.mpf(rng.randint(-4000, 4000)) / 1000 * scale for _ in range(size)]


def _close(got, want) -> bool:
    """Relative agreement (absolute near zero) of two vectors to TOL."""
    size = max([mpmath.mpf(1)] + [abs(w) for w in want])
    return all(abs(mpmath.mpf(float(g)) - w) <= TOL * size for g, w in zip(got, want, strict=True))


# --------------------------------------------------------------------------
# Independent references
# --------------------------------------------------------------------------
def _coordinate_minimise(objective, start, *, sweeps=2):
    """Cyclic coordinate minimisation of ``objective`` (grid + golden section per coordinate, 50 digits)."""
    point = list(start)
    bound = 2 + max(abs(q) for q in start)
    for _ in range(sweeps):
        for j in range(len(point)):

            def along(t, j=j):
                trial = list(point)
                trial[j] = t
                return objective(trial)

            point[j] = brute_argmin(along, -bound, bound, digits=40, grid=200)
    return point


def _newton_group_lasso(weight, vs, eps="1e-30"):
    """Damped Newton on lambda*sqrt(||x||^2 + eps^2) + ||x - v||^2/2 (smooth, strongly convex)."""
    size = len(vs)
    with mpmath.workdps(80):
        eps = mpmath.mpf(eps)
        point = [mpmath.mpf(q) for q in vs]

        def value(p):
            return (
                weight * mpmath.sqrt(sum(q * q for q in p) + eps**2)
                + sum((a - b) ** 2 for a, b in zip(p, vs, strict=True)) / 2
            )

        for _ in range(400):
            s = mpmath.sqrt(sum(q * q for q in point) + eps**2)
            gradient = mpmath.matrix([weight * q / s + q - b for q, b in zip(point, vs, strict=True)])
            hessian = mpmath.matrix(size, size)
            for a in range(size):
                for b in range(size):
                    hessian[a, b] = (1 + weight / s if a == b else 0) - weight * point[a] * point[b] / s**3
            step = mpmath.lu_solve(hessian, gradient)
            t, base = mpmath.mpf(1), value(point)
            while value([q - t * d for q, d in zip(point, step, strict=True)]) > base and t > mpmath.mpf(10) ** -60:
                t /= 2
            point = [q - t * d for q, d in zip(point, step, strict=True)]
            if mpmath.norm(gradient) < mpmath.mpf(10) ** -60:
                break
        return [+q for q in point]


def _linf_epigraph(weight, vs):
    """min over t >= 0 of lambda*t + sum_i (clip(v_i, -t, t) - v_i)^2/2 (golden section), x = clip(v, t)."""

    def clip(q, t):
        return max(-t, min(q, t))

    def phi(t):
        return weight * t + sum((clip(q, t) - q) ** 2 for q in vs) / 2

    with mpmath.workdps(110):
        top = max(abs(q) for q in vs)
        t = golden(phi, mpmath.mpf(0), top, tol=mpmath.mpf(10) ** -45)
        if phi(mpmath.mpf(0)) <= phi(t):
            t = mpmath.mpf(0)
        return [clip(q, t) for q in vs]


def _l1_theta_bisection(vs, r):
    """The root theta of sum_i max(|v_i| - theta, 0) = r by bisection (||v||_1 > r)."""
    with mpmath.workdps(80):
        lo, hi = mpmath.mpf(0), max(abs(mpmath.mpf(q)) for q in vs)
        for _ in range(300):
            mid = (lo + hi) / 2
            if sum(max(abs(mpmath.mpf(q)) - mid, 0) for q in vs) > r:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2


def _l1_ball_bisection(vs, r):
    if sum(abs(q) for q in vs) <= r:
        return list(vs)
    t = _l1_theta_bisection(vs, r)
    return [mpmath.sign(q) * max(abs(q) - t, 0) for q in vs]


def _l2_ball_bisection(vs, r):
    """KKT of min ||x - v||^2/2 s.t. ||x||^2 <= r^2: x = v/(1 + mu), mu >= 0 by bisection on ||x|| = r."""
    norm = mpmath.sqrt(sum(q * q for q in vs))
    if norm <= r:
        return list(vs)
    with mpmath.workdps(80):
        lo, hi = mpmath.mpf(0), norm / r
        for _ in range(300):
            mid = (lo + hi) / 2
            if norm / (1 + mid) > r:
                lo = mid
            else:
                hi = mid
        return [q / (1 + (lo + hi) / 2) for q in vs]


# --------------------------------------------------------------------------
# Against brute-force minimisation, dimensions 2 to 5
# --------------------------------------------------------------------------
def test_separable_l1_matches_coordinate_minimisation(rng):
    kernel = block_prox_numeric("separable_l1")
    for size in DIMENSIONS:
        for _ in range(2):
            weight = mpmath.mpf(rng.randint(100, 3000)) / 1000
            vs = _vector(rng, size, 1.0)

            def objective(p, vs=vs, weight=weight):
                return weight * sum(abs(q) for q in p) + sum((a - b) ** 2 for a, b in zip(p, vs, strict=True)) / 2

            want = _coordinate_minimise(objective, vs)
            got = kernel(np.array([float(q) for q in vs]), lam=float(weight))
            assert _close(got, want), (vs, weight, got, want)


def test_elastic_net_norm_matches_coordinate_minimisation(rng):
    kernel = block_prox_numeric("elastic_net_norm")
    for size in DIMENSIONS:
        for _ in range(2):
            l1 = mpmath.mpf(rng.randint(100, 3000)) / 1000
            l2 = mpmath.mpf(rng.randint(100, 3000)) / 1000
            vs = _vector(rng, size, 1.0)

            def objective(p, vs=vs, l1=l1, l2=l2):
                return (
                    l1 * sum(abs(q) for q in p)
                    + l2 / 2 * sum(q * q for q in p)
                    + sum((a - b) ** 2 for a, b in zip(p, vs, strict=True)) / 2
                )

            want = _coordinate_minimise(objective, vs)
            got = kernel(np.array([float(q) for q in vs]), lambda_1=float(l1), lambda_2=float(l2))
            assert _close(got, want), (vs, l1, l2, got, want)
            # Parikh and Boyd 2014, sec. 6.5.3: prox = soft(v, lambda_1) / (1 + lambda_2)
            published = [mpmath.sign(q) * max(abs(q) - l1, 0) / (1 + l2) for q in vs]
            assert _close(got, published)


def test_group_lasso_matches_smoothed_newton(rng):
    kernel = block_prox_numeric("group_lasso")
    zeros = 0
    for size in DIMENSIONS:
        for scale in (0.3, 1.0, 3.0):
            weight = mpmath.mpf(rng.randint(500, 3000)) / 1000
            vs = _vector(rng, size, scale)
            want = _newton_group_lasso(weight, vs)
            got = kernel(np.array([float(q) for q in vs]), lam=float(weight))
            assert _close(got, want), (vs, weight, got, want)
            # Beck 2017, Example 6.19; Parikh and Boyd 2014, sec. 6.5.1: (1 - lambda/||v||)_+ v
            norm = mpmath.sqrt(sum(q * q for q in vs))
            assert _close(got, [max(1 - weight / norm, 0) * q for q in vs])
            zeros += all(q == 0 for q in got)
    assert zeros > 0  # the dead zone ||v|| <= lambda was exercised


def test_group_lasso_at_zero_is_zero():
    kernel = block_prox_numeric("group_lasso")
    assert np.array_equal(kernel(np.zeros((2, 3)), lam=1.0), np.zeros((2, 3)))


def test_linf_matches_epigraph_search(rng):
    kernel = block_prox_numeric("linf")
    for size in DIMENSIONS:
        for scale in (0.3, 1.0, 3.0):
            weight = mpmath.mpf(rng.randint(500, 3000)) / 1000
            vs = _vector(rng, size, scale)
            want = _linf_epigraph(weight, vs)
            got = kernel(np.array([float(q) for q in vs]), lam=float(weight))
            assert _close(got, want), (vs, weight, got, want)


def test_moreau_decomposition_for_linf(rng):
    """prox_{lambda||.||_inf}(v) + lambda P_{B_1}(v/lambda) = v with both sides from brute force (Beck Ex. 6.48)."""
    for size in DIMENSIONS:
        weight = mpmath.mpf(rng.randint(500, 3000)) / 1000
        vs = _vector(rng, size, 2.0)
        first = _linf_epigraph(weight, vs)
        second = [weight * q for q in _l1_ball_bisection([q / weight for q in vs], 1)]
        assert _close([a + b for a, b in zip(first, second, strict=True)], vs)


def test_l2_ball_matches_bisection_and_beck(rng):
    kernel = block_prox_numeric("l2_ball")
    for size in DIMENSIONS:
        for scale in (0.3, 1.0, 3.0):
            r = mpmath.mpf(rng.randint(500, 3000)) / 1000
            vs = _vector(rng, size, scale)
            got = kernel(np.array([float(q) for q in vs]), r=float(r))
            assert _close(got, _l2_ball_bisection(vs, r)), (vs, r, got)
            norm = mpmath.sqrt(sum(q * q for q in vs))
            assert _close(got, [min(1, r / norm) * q for q in vs])  # Beck 2017, Lemma 6.26


def test_l1_ball_matches_bisection(rng):
    kernel = block_prox_numeric("l1_ball")
    for size in DIMENSIONS:
        for scale in (0.3, 1.0, 3.0):
            r = mpmath.mpf(rng.randint(500, 3000)) / 1000
            vs = _vector(rng, size, scale)
            got = kernel(np.array([float(q) for q in vs]), r=float(r))
            assert _close(got, _l1_ball_bisection(vs, r)), (vs, r, got)


# --------------------------------------------------------------------------
# The exact L1-ball algorithm
# --------------------------------------------------------------------------
def test_exact_algorithm_with_rationals_matches_bisection(rng):
    for _ in range(30):
        size = rng.randint(1, 6)
        values = [sp.Rational(rng.randint(-3000, 3000), 1000) for _ in range(size)]
        r = sp.Rational(rng.randint(1, 3000), 1000)
        got = project_l1_ball_exact(values, r)
        assert all(isinstance(q, sp.Rational) for q in got)
        if sum(abs(q) for q in values) > r:
            assert sum(abs(q) for q in got) == r  # on the sphere, exactly
        want = _l1_ball_bisection([mpmath.mpf(q.p) / q.q for q in values], mpmath.mpf(r.p) / r.q)
        assert all(abs(mpmath.mpf(g.p) / g.q - w) < mpmath.mpf(10) ** -40 for g, w in zip(got, want, strict=True))


def test_exact_algorithm_matches_numpy_version(rng):
    gen = np.random.default_rng(7)
    for _ in range(20):
        size = int(gen.integers(1, 8))
        values = gen.normal(size=size) * 3
        r = float(gen.uniform(0.1, 4))
        exact = project_l1_ball_exact([Fraction(q) for q in values], Fraction(r))
        assert np.allclose(project_l1_ball(values, r), [float(q) for q in exact], rtol=1e-12, atol=1e-12)
        assert np.allclose(project_l1_ball_exact(values, r), [float(q) for q in exact], rtol=1e-12, atol=1e-12)
    batch = gen.normal(size=(4, 3, 5))
    radii = gen.uniform(0.1, 3, size=(4, 3))
    out = project_l1_ball(batch, radii)
    for a in range(4):
        for b in range(3):
            assert np.allclose(out[a, b], project_l1_ball_exact(batch[a, b], radii[a, b]), atol=1e-12)


@pytest.mark.parametrize(
    ("values", "r", "want"),
    [
        ([Fraction(1, 2), Fraction(-1, 4)], Fraction(1), [Fraction(1, 2), Fraction(-1, 4)]),  # inside the ball
        ([Fraction(1), Fraction(-1)], Fraction(1), [Fraction(1, 2), Fraction(-1, 2)]),  # a tie
        ([Fraction(2), Fraction(2), Fraction(2)], Fraction(3), [Fraction(1)] * 3),  # all tied
        ([Fraction(3), Fraction(0), Fraction(0)], Fraction(1), [Fraction(1), Fraction(0), Fraction(0)]),  # zeros
        ([Fraction(3), Fraction(-2)], Fraction(0), [Fraction(0), Fraction(0)]),  # radius 0
        ([Fraction(1), Fraction(0)], Fraction(1), [Fraction(1), Fraction(0)]),  # on the sphere
        ([], Fraction(1), []),  # empty vector
    ],
)
def test_exact_algorithm_edge_cases(values, r, want):
    got = project_l1_ball_exact(values, r)
    assert got == want and all(isinstance(q, Fraction) for q in got)
    if values:
        array = np.array([float(q) for q in values])
        assert np.array_equal(project_l1_ball(array, float(r)), [float(q) for q in want])


def test_exact_algorithm_keeps_irrational_numbers_exact():
    got = project_l1_ball_exact([sp.sqrt(2), sp.Integer(1)], 1)
    assert got == [sp.sqrt(2) / 2, 1 - sp.sqrt(2) / 2]


def test_exact_algorithm_rejects_bad_input():
    with pytest.raises(ValidationError, match="radius"):
        project_l1_ball_exact([1, 2], -1)
    with pytest.raises(ValidationError, match="radius"):
        project_l1_ball(np.array([1.0, 2.0]), -1.0)
    with pytest.raises(ValidationError, match="not a real number"):
        project_l1_ball_exact([sp.I], 1)


# --------------------------------------------------------------------------
# The derivations: structure, rendering, registry
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", block_names())
def test_every_entry_renders(name):
    d = block_prox(name)
    text, latex, markdown = str(d), d.to_latex(), d.to_markdown()
    assert "Result:" in text and latex.startswith("\\begin{align*}") and markdown.startswith("###")
    assert "document" not in latex
    assert d.to_latex(form="document").rstrip().endswith("\\end{document}")
    assert all(step.check.method in ("symbolic", "numeric", "definition", "cited") for step in d.steps)


def test_registry():
    assert block_names() == ("separable_l1", "group_lasso", "elastic_net_norm", "linf", "l1_ball", "l2_ball")
    assert len(BLOCK_CATALOGUE) == 6
    with pytest.raises(OptionError, match="group_lasso"):
        block_entry("group-lass")
    summaries = {e.name: e.summary() for e in BLOCK_CATALOGUE}
    assert "max(-lambda/sigma + 1, 0)*v" in summaries["group_lasso"]
    assert "min(1, r/sigma)*v" in summaries["l2_ball"]
    assert "sign(v_i)*min(theta, |v_i|)" in summaries["linf"]
    assert "[threshold lambda on |v_i|]" in summaries["separable_l1"]
    rows = block.block_catalogue_rows()
    assert [row[0] for row in rows] == list(block_names()) and all(row[2] == "convex" for row in rows)
    text = block.block_catalogue_text()
    assert text.startswith("6 vector penalties") and all(summary in text for summary in summaries.values())


def test_group_lasso_is_derived_through_rotation_invariance():
    d = block_prox("group_lasso")
    reasons = " ".join(step.reason for step in d.steps)
    assert "Cauchy-Schwarz" in reasons and "rotation invariance" in reasons and "the branch v = 0" in reasons
    assert d.extra("threshold") == lam and d.extra("zero_set") == sp.Interval(0, lam)
    assert not any(s.name == "n" for s in d.result.free_symbols - {block.dim})  # only through ||v||_2


def test_separable_derivation_does_not_grow_with_the_dimension():
    symbolic = separable_prox(lam * sp.Abs(x), x, v)
    fixed = separable_prox(lam * sp.Abs(x), x, v, n=5)
    assert len(symbolic.steps) == len(fixed.steps)
    assert symbolic.extra("coordinate") == fixed.extra("coordinate")


def test_kernels_act_on_the_last_axis_with_per_vector_parameters():
    gen = np.random.default_rng(3)
    batch = gen.normal(size=(2, 3, 4))
    weights = gen.uniform(0.2, 2.0, size=(2, 3))
    for name in ("separable_l1", "group_lasso", "linf", "l1_ball", "l2_ball"):
        kernel = block_prox_numeric(name)
        out = kernel(batch, weights)
        assert out.shape == batch.shape
        for a in range(2):
            for b in range(3):
                assert np.allclose(out[a, b], kernel(batch[a, b], float(weights[a, b])), atol=1e-14)


def test_conjugate_of_linf_is_the_indicator_of_the_l1_ball():
    conjugate = block_prox("linf").extra("conjugate")
    assert conjugate.args[0][0] == 0 and conjugate.args[1][0] is sp.oo
    assert "Hölder" in " ".join(step.reason for step in block_prox("linf").steps)


# --------------------------------------------------------------------------
# Mutated operators are rejected by the derivation's own checks
# --------------------------------------------------------------------------
def test_wrong_group_lasso_threshold_fails_the_check():
    sigma = block.sigma
    wrong = sp.Piecewise((0, sigma <= lam / 2), (1 - lam / (2 * sigma), True))  # threshold lambda/2
    with pytest.raises(VerificationError, match="not a minimiser"):
        block._check_radial(lam * x, wrong, (lam,), sp.true, lam)
    right = block_prox("group_lasso").extra("factor")
    assert block._check_radial(lam * x, right, (lam,), sp.true, lam).method == "numeric"


def test_wrong_l1_ball_radius_fails_the_certificate():
    with pytest.raises(VerificationError):
        block._check_l1_certificate(lambda vec, r: project_l1_ball_exact(vec, r * Fraction(9, 10)))
    with pytest.raises(VerificationError, match="leaves the ball"):
        block._check_l1_certificate(lambda vec, r: project_l1_ball_exact(vec, r * Fraction(11, 10)))


def test_wrong_linf_prox_fails_the_certificate():
    with pytest.raises(VerificationError):
        block._check_linf_certificate(lambda vec, w: block._linf_exact(vec, w * Fraction(3, 4)))


def test_wrong_coordinate_map_fails_the_separable_check():
    wrong = sp.sign(v) * sp.Max(sp.Abs(v) - lam / 2, 0)  # soft threshold at lambda/2
    with pytest.raises(VerificationError, match="not a minimiser"):
        block._check_separable(lam * sp.Abs(x), wrong, (lam,), sp.true, lam)
