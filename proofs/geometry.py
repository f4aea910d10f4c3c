"""Theorem 7: the geometry -- in two dimensions the L1 ball has sparse regions of positive area, the L2 ball none.

Orthonormal design, two coefficients, OLS estimate ``z = (z_1, z_2)``.  Two
forms of the same estimator are treated, and stated apart:

* **Penalised form, fixed lambda** (ESL's lasso ``(1/2)||z - b||^2 + lambda
  ||b||_1``): the problem separates, each coordinate is the derived lasso
  estimate (:func:`derive.estimators.estimator`), so a coordinate is 0 iff
  ``z_j`` lies in the derived zero set ``[-lambda, lambda]``.  The sparse
  region is the union of two strips; inside the disc of radius R its area is
  ``pi R^2`` for ``R <= sqrt(2) lambda`` and ``pi R^2 - 4 C`` beyond, with
  ``C`` the area of one corner ``{z_1, z_2 > lambda}`` of the disc, integrated
  by SymPy (antiderivative differentiated back).  For ridge the zero set is
  ``{0}``: the sparse region is the two axes, of area 0.
* **Constrained form, fixed t** (``min ||z - b||^2`` subject to ``||b||_1 <=
  t``): the solution is the projection of z onto the ball, characterised by
  ``z - b* in N_B(b*)`` (the normal cone; Rockafellar, *Convex Analysis*, 1970,
  Thm 27.4).  The normal cone at the vertex ``(t, 0)`` is *derived* from the
  vertices of the ball: ``{s : s_1 >= |s_2|}``; so z projects to that vertex
  iff ``z_1 - t >= |z_2|``.  The four vertex cones (up to the measure-zero
  axes inside the ball) are where the solution has a zero coordinate; their
  area inside the disc is ``0`` for ``R <= t`` and ``4 V`` beyond, ``V``
  integrated by SymPy.  For the L2 ball the normal cone at a boundary point
  ``b`` is the ray through ``b``, so ``b*`` is a positive multiple of z and
  has a zero coordinate only on the axes: area 0.

The two forms are linked by the map ``t = ||soft(z, lambda)||_1 =
sum_j (|z_j| - lambda)_+`` (for ``||z||_1 > t``; Tibshirani, JRSS B 58, 1996,
Sec. 2; Hastie, Tibshirani and Friedman 2009, eqs (3.51)-(3.52)): on the
vertex cone ``lambda = z_1 - t`` and soft thresholding returns the vertex.
The map depends on z, which is why, at fixed t, the sparse region is a union
of cones and, at fixed lambda, a union of strips; both have positive area.
"""

from __future__ import annotations

import functools
from typing import Any

import mpmath
import sympy as sp

from derive.checks import at_point, check_equal, check_equivalent, check_true, sample_points
from derive.core import Check, DerivationBuilder
from derive.errors import VerificationError
from derive.estimators import estimator
from derive.prox import zero_set_of
from derive.subgradient import describe_set
from derive.symbols import lam, z

from .core import SetBuilder, Theorem, check_zero_set, decide_claim, latex_of, length_of, summarise
from .gaussian import check_unequal

__all__ = ["geometry", "R", "t", "z1", "z2", "strip_area", "cone_area", "L1_BALL", "L2_BALL"]

NAME = "geometry"
TITLE = "Sparse regions of positive area for the L1 ball, none for the L2 ball"

#: The radius of the disc in which areas are measured, and the constraint radius ||b||_1 <= t (both positive).
R = sp.Symbol("R", positive=True)
t = sp.Symbol("t", positive=True)
#: The OLS coordinates in two dimensions.
z1, z2 = sp.Symbol("z_1", real=True), sp.Symbol("z_2", real=True)
_u = sp.Symbol("u", real=True)
_s1, _s2 = sp.Symbol("s_1", real=True), sp.Symbol("s_2", real=True)
#: A point (t - w, w) of an open edge of the L1 ball, with t = w + r; d > 0 separates s_2 from s_1.
_w, _r, _d = sp.Symbol("w", positive=True), sp.Symbol("r", positive=True), sp.Symbol("d", positive=True)


class Area(sp.Expr):
    """``area(region)`` of a region described in words (display only; never evaluates)."""

    is_commutative = True

    def __new__(cls, name: str) -> Area:
        return super().__new__(cls, sp.Symbol(name))

    def _latex(self, printer: Any) -> str:
        return f"\\operatorname{{area}}\\left({printer._print(self.args[0])}\\right)"

    def _sympystr(self, printer: Any) -> str:
        return f"area({printer._print(self.args[0])})"


def _checked_integral(
    builder: DerivationBuilder, integrand: sp.Expr, lo: Any, hi: Any, reason: str, *, condition: Any
) -> sp.Expr:
    """``∫_lo^hi integrand du``: SymPy's antiderivative, differentiated back to the integrand; returns the value."""
    antiderivative = sp.integrate(integrand, _u)
    if antiderivative.has(sp.Integral):
        raise VerificationError(f"SymPy found no antiderivative of {integrand}")
    value = sp.simplify(antiderivative.subs(_u, hi) - antiderivative.subs(_u, lo))

    def verify() -> Check:
        if sp.simplify(sp.diff(antiderivative, _u) - integrand) != 0:
            raise VerificationError(f"{antiderivative} does not differentiate back to {integrand}")
        return Check(
            "symbolic",
            f"antiderivative {sp.sstr(antiderivative)} differentiated back to the integrand; value G(hi) - G(lo)",
        )

    builder.claim(sp.Integral(integrand, (_u, lo, hi)), "=", value, reason, verify, condition=condition)
    return value


def _zero_set(builder: DerivationBuilder, name: str) -> sp.Set:
    derived = estimator(name)
    estimate = sp.Symbol(f"betahat_{name}")
    summarise(builder, derived, estimate, f"{name}: the estimate of each coordinate (derive.estimators)")
    zero = zero_set_of(derived.cases, z)
    builder.claim(
        SetBuilder(z, sp.Eq(estimate, 0)),
        "=",
        zero,
        f"{name}: the z_j whose case of the estimate is 0, read off the derived cases",
        lambda: check_zero_set(derived.cases, z, zero),
    )
    return zero


def strip_area(zero: sp.Set) -> sp.Expr:
    """Area, inside the disc of radius R, of ``{z : z_1 in zero or z_2 in zero}`` for ``zero = [-a, a]`` or ``{0}``.

    Computed without a builder (for figures and tests); :func:`geometry`
    derives the same with checked steps.

    Examples
    --------
    >>> strip_area(sp.FiniteSet(0))
    0
    """
    value, _ = _strip_area(None, zero)
    return value


def _strip_area(builder: DerivationBuilder | None, zero: sp.Set) -> tuple[sp.Expr, sp.Expr | None]:
    if isinstance(zero, sp.FiniteSet) or zero is sp.S.EmptySet:
        if builder is not None:
            bound = sum(
                (
                    _checked_integral(
                        builder,
                        2 * sp.sqrt(R**2 - _u**2),
                        point,
                        point,
                        "a strip over a single point: the integral over a degenerate interval",
                        condition=sp.true,
                    )
                    for point in zero.args
                ),
                sp.S.Zero,
            )
        else:
            bound = sp.S.Zero
        return sp.S.Zero, bound
    if not isinstance(zero, sp.Interval) or sp.simplify(zero.start + zero.end) != 0:
        raise VerificationError(f"the zero set {describe_set(zero)} is not a symmetric interval or a point")
    a = zero.end
    threshold = sp.sqrt(2) * a
    corner_integrand = sp.sqrt(R**2 - _u**2) - a
    if builder is None:
        corner = sp.simplify(sp.integrate(corner_integrand, (_u, a, sp.sqrt(R**2 - a**2))))
    else:
        corner = _checked_integral(
            builder,
            corner_integrand,
            a,
            sp.sqrt(R**2 - a**2),
            f"one corner {{z_1 > {sp.sstr(a)}, z_2 > {sp.sstr(a)}}} of the disc: for z_1 = u between "
            f"{sp.sstr(a)} and sqrt(R^2 - {sp.sstr(a**2)}), z_2 runs from {sp.sstr(a)} to sqrt(R^2 - u^2) (Fubini)",
            condition=R > threshold,
        )
    return sp.Piecewise((sp.pi * R**2, R <= threshold), (sp.pi * R**2 - 4 * corner, True)), corner


def cone_area() -> sp.Expr:
    """Area inside the disc of radius R of the four vertex cones of the L1 ball of radius t (no builder).

    Examples
    --------
    >>> cone_area().subs({R: 1, t: 2})
    0
    """
    b_star = _cone_half_width()
    one = 2 * sp.integrate(sp.sqrt(R**2 - _u**2) - t - _u, (_u, 0, b_star))
    return sp.Piecewise((0, R <= t), (4 * sp.simplify(one), True))


def _cone_half_width() -> sp.Expr:
    roots = [r for r in sp.solve(sp.Eq(t + _u, sp.sqrt(R**2 - _u**2)), _u) if r.subs({R: 3, t: 1}).is_positive]
    if len(roots) != 1:
        raise VerificationError(f"expected one positive crossing of the cone edge and the circle, got {roots}")
    return roots[0]


def _penalised(
    builder: DerivationBuilder, sparse: str, dense: str
) -> tuple[tuple[tuple[str, bool | None], ...], tuple[sp.Expr, ...], sp.Set]:
    builder.note(
        "penalised form: (1/2)||z - b||^2 + lambda ||b||_1 separates over the two coordinates",
        "orthonormal design (ESL convention); each coordinate is the one-dimensional estimate at z_j",
    )
    instances, areas, zeros = [], [], []
    for name, positive in ((sparse, True), (dense, False)):
        zero = _zero_set(builder, name)
        zeros.append(zero)
        region = f"sparse region of the {name} in the disc"
        area, _ = _strip_area(builder, zero)
        areas.append(area)
        builder.claim(
            Area(region),
            "=",
            area,
            f"{name}: the complement in the disc is four congruent corners (the zero set is symmetric) if the "
            "zero set is an interval; a zero set that is a point gives the two axes, whose area is bounded by "
            "the strips' integrals over a point",
            lambda zero=zero, area=area: _check_area(zero, area),
        )
        length = length_of(zero)
        has_area = None if length is None else (True if length.is_positive else (False if length.is_zero else None))
        words = f"the {name}'s sparse region has {'positive' if positive else 'zero'} area inside every disc"
        verdict = decide_claim(
            builder,
            has_area if positive else (None if has_area is None else not has_area),
            lhs=Area(region),
            rel=">" if positive else "=",
            rhs=sp.Integer(0),
            words=words,
            reason=f"{name}: it contains the disc of radius min(R, sup of the zero set)"
            if has_area
            else f"{name}: the zero set {describe_set(zero)} is a point",
            check=(lambda area=area, zero=zero: _check_positive_area(area, zero))
            if positive
            else (lambda area=area: check_equal(area, 0)),
            refute=(lambda area=area: check_equal(area, 0))
            if positive
            else (lambda area=area, zero=zero: _check_positive_area(area, zero)),
            refuted=f"the {name}'s sparse region has area {sp.sstr(area)}",
        )
        instances.append((f"penalised {name}: sparse area {'> 0' if positive else '= 0'}", verdict))
    return tuple(instances), tuple(areas), zeros[0]


def _check_area(zero: sp.Set, area: sp.Expr) -> Check:
    """The area against mpmath.quad of the length of each vertical slice of the region (independent of SymPy)."""
    if isinstance(zero, sp.FiniteSet):
        return check_equal(area, 0)
    a = zero.end
    symbols = sorted(area.free_symbols | a.free_symbols, key=lambda s: s.name)
    points = sample_points(symbols, count=8)
    worst = mpmath.mpf(0)
    with mpmath.workdps(30):
        for point in points:
            radius, half = mpmath.mpf(sp.N(point[R], 40)), mpmath.mpf(sp.N(at_point(a, point), 40))

            def slice_length(u: mpmath.mpf, radius: mpmath.mpf = radius, half: mpmath.mpf = half) -> mpmath.mpf:
                top = mpmath.sqrt(max(radius**2 - u**2, 0))
                return 2 * top if abs(u) <= half else 2 * min(half, top)

            nodes = sorted({-radius, radius, *[c for c in (-half, half) if abs(c) < radius]})
            if half < radius / mpmath.sqrt(2):
                corner = mpmath.sqrt(radius**2 - half**2)
                nodes = sorted({*nodes, -corner, corner})
            want = mpmath.quad(slice_length, nodes)
            got = mpmath.mpf(sp.N(at_point(area, point), 35))
            error = abs(got - want) / max(1, abs(want))
            if error > mpmath.mpf(10) ** -20:
                raise VerificationError(f"the area {got} disagrees with quadrature {want} at {point}")
            worst = max(worst, error)
    return Check(
        "numeric",
        f"mpmath.quad of the slice lengths at {len(points)} seeded points, 30 digits, max rel. error "
        f"{mpmath.nstr(worst, 2)}",
    )


def _check_cone_area(area: sp.Expr) -> Check:
    """The cones' area against mpmath.quad of 4 * max(0, sqrt(R^2 - u^2) - t - |u|) over u (independent of SymPy)."""
    points = sample_points([R, t], count=8)
    worst = mpmath.mpf(0)
    with mpmath.workdps(30):
        for point in points:
            radius, corner = mpmath.mpf(sp.N(point[R], 40)), mpmath.mpf(sp.N(point[t], 40))

            def width(u: mpmath.mpf, radius: mpmath.mpf = radius, corner: mpmath.mpf = corner) -> mpmath.mpf:
                return 4 * max(mpmath.sqrt(max(radius**2 - u**2, 0)) - corner - abs(u), 0)

            edge = (-corner + mpmath.sqrt(max(2 * radius**2 - corner**2, 0))) / 2
            nodes = sorted({-radius, mpmath.mpf(0), radius, *([-edge, edge] if 0 < edge < radius else [])})
            want = mpmath.quad(width, nodes)
            got = mpmath.mpf(sp.N(at_point(area, point), 35))
            error = abs(got - want) / max(1, abs(want))
            if error > mpmath.mpf(10) ** -20:
                raise VerificationError(f"the cone area {got} disagrees with quadrature {want} at {point}")
            worst = max(worst, error)
    return Check(
        "numeric",
        f"mpmath.quad of the cones' slice widths at {len(points)} seeded (R, t), 30 digits, max rel. error "
        f"{mpmath.nstr(worst, 2)}",
    )


def _check_positive_area(area: sp.Expr, zero: sp.Set) -> Check:
    if not isinstance(zero, sp.Interval):
        raise VerificationError(f"the zero set {describe_set(zero)} is not an interval")
    a = zero.end
    lower = sp.pi * sp.Min(R, a) ** 2
    check_true(lambda: lower.is_positive, f"pi min(R, {sp.sstr(a)})^2 > 0")
    for point in sample_points(sorted(area.free_symbols, key=str)):
        if sp.N(at_point(area - lower, point), 30) < -1e-25:
            raise VerificationError(f"{area} is below {lower} at {point}")
    return Check(
        "numeric",
        f"area >= pi min(R, {sp.sstr(a)})^2 > 0 (the inner disc lies in the region) at 40 seeded points, 30 digits",
    )


#: The constraint sets of the constrained form (definitions), in the coordinates (z_1, z_2) of the plane.
L1_BALL = sp.Le(sp.Abs(z1) + sp.Abs(z2), t)
L2_BALL = sp.Le(z1**2 + z2**2, t**2)


def _four(region: Any) -> Any:
    """The region and its images under the symmetries of the square (sign changes, swapping the axes)."""
    images = {region, region.subs(z1, -z1), region.xreplace({z1: z2, z2: z1})}
    images.add(region.xreplace({z1: -z2, z2: z1}))
    return sp.Or(*images)


def _constrained(builder: DerivationBuilder) -> tuple[tuple[tuple[str, bool | None], ...], sp.Expr]:
    builder.define(sp.Symbol("B_1"), L1_BALL, "constrained form: the L1 ball of radius t", rel=":=")
    builder.define(sp.Symbol("B_2"), L2_BALL, "constrained form: the L2 ball of radius t", rel=":=")
    builder.cite(
        z - sp.Symbol("b^*"),
        "in",
        sp.Symbol("N_B(b^*)"),
        "constrained form: b* minimises ||z - b||^2/2 over the convex ball B iff z - b* lies in the normal cone of B "
        "at b* (Rockafellar 1970, Thm 27.4)",
    )
    vertex = (t, sp.Integer(0))
    others = ((-t, sp.Integer(0)), (sp.Integer(0), t), (sp.Integer(0), -t))
    conditions = [sp.Le(_s1 * (y1 - vertex[0]) + _s2 * (y2 - vertex[1]), 0) for y1, y2 in others]
    cone = sp.Ge(_s1, sp.Abs(_s2))
    builder.claim(
        sp.And(*conditions),
        "iff",
        cone,
        "the normal cone of the L1 ball at the vertex (t, 0): s.(y - (t, 0)) <= 0 for the other vertices y (a "
        "linear inequality holds on the ball iff at its vertices)",
        lambda: check_equivalent(sp.And(*conditions), cone, symbols=[_s1, _s2, t]),
    )
    at_vertex = sp.Ge(z1 - t, sp.Abs(z2))
    builder.claim(
        sp.Eq(sp.Symbol("b^*"), sp.Tuple(*vertex)),
        "iff",
        at_vertex,
        "so z projects onto the vertex (t, 0), where b*_2 = 0, iff z - (t, 0) is in that cone; by symmetry the same "
        "at the four vertices",
        lambda: check_equivalent(cone.subs({_s1: z1 - t, _s2: z2}), at_vertex),
    )
    _edge_steps(builder)
    soft = estimator("lasso")
    check_cone = _check_vertex_is_soft_threshold(soft.result)
    builder.claim(
        sp.Symbol("soft(z, z_1 - t)"),
        "=",
        sp.Tuple(*vertex),
        "the t <-> lambda map on the cone: lambda = z_1 - t gives sum_j (|z_j| - lambda)_+ = t, and soft thresholding "
        "(the derived lasso estimate) returns the vertex: both forms agree there",
        lambda: check_cone,
        condition=sp.Ge(z1 - t, sp.Abs(z2)),
    )
    b_star = _cone_half_width()
    builder.claim(
        sp.Eq(t + _u, sp.sqrt(R**2 - _u**2)),
        "iff",
        sp.Eq(_u, b_star),
        "the cone's edge z_1 = t + |z_2| meets the circle at |z_2| = b (SymPy solve, positive root)",
        lambda: check_equal((t + _u - sp.sqrt(R**2 - _u**2)).subs(_u, b_star), 0, condition=R > t),
        condition=_u > 0,
    )
    half = _checked_integral(
        builder,
        sp.sqrt(R**2 - _u**2) - t - _u,
        0,
        b_star,
        "half of one vertex cone inside the disc: for z_2 = u in [0, b], z_1 runs from t + u to sqrt(R^2 - u^2)",
        condition=R > t,
    )
    area = sp.Piecewise((0, R <= t), (4 * 2 * half, True))
    builder.claim(
        Area("vertex cones of the L1 ball in the disc"),
        "=",
        area,
        "four cones, each two mirror halves; no cone reaches into a disc of radius R <= t",
        lambda: _check_cone_area(area),
    )
    try:
        positive = _check_cone_positive(half) is not None
    except VerificationError:
        positive = None
    l1 = decide_claim(
        builder,
        positive,
        lhs=Area("vertex cones of the L1 ball in the disc"),
        rel=">",
        rhs=sp.Integer(0),
        words="for R > t the L1 ball's sparse region has positive area",
        reason="the integrand sqrt(R^2 - u^2) - t - u is positive on (0, b)",
        check=lambda: _check_cone_positive(half),
        refute=lambda: check_equal(half, 0),
        condition=R > t,
    )
    c = sp.Symbol("c", nonnegative=True)
    b1, b2 = sp.Symbol("b^*_1", real=True), sp.Symbol("b^*_2", real=True)
    solution = sp.solve([z1 - b1 - c * b1, z2 - b2 - c * b2], [b1, b2], dict=True)[0]
    builder.claim(
        sp.Tuple(b1, b2),
        "=",
        sp.Tuple(solution[b1], solution[b2]),
        "the L2 ball: the normal cone at a boundary point b is the ray {c b : c >= 0}, so z - b* = c b*; solved "
        "for b* (SymPy solve)",
        lambda: _check_both(check_equal(z1, (1 + c) * solution[b1]), check_equal(z2, (1 + c) * solution[b2])),
    )
    zero_iff_axis = (sp.Eq(solution[b2], 0), sp.Eq(z2, 0))
    l2 = decide_claim(
        builder,
        True,
        lhs=zero_iff_axis[0],
        rel="iff",
        rhs=zero_iff_axis[1],
        words="for the L2 ball a zero coordinate only on the axes, area 0",
        reason="the L2 ball: b* is a positive multiple of z; the axes are lines, of area 0",
        check=lambda: check_equivalent(*zero_iff_axis, symbols=[z2, c]),
        refute=lambda: check_unequal(solution[b2].subs(z2, 0), 0),
    )
    instances = (("constrained L1 ball: vertex cones of positive area", l1), ("constrained L2 ball: area 0", l2))
    return instances, area


def _edge_steps(builder: DerivationBuilder) -> None:
    """The normal cone on an open edge of the L1 ball is a ray, so a solution there has no zero coordinate.

    The edge from (t, 0) to (0, t) is ``b = (t - w, w)`` with ``0 < w < t``; the
    other three edges are its images under the symmetries of the ball.
    """
    edge = (t - _w, _w)
    vertices = ((t, sp.Integer(0)), (sp.Integer(0), t), (-t, sp.Integer(0)), (sp.Integer(0), -t))
    conditions = sp.And(*[sp.Le(_s1 * (y1 - edge[0]) + _s2 * (y2 - edge[1]), 0) for y1, y2 in vertices])
    ray = sp.And(sp.Eq(_s1, _s2), sp.Ge(_s1, 0))
    builder.claim(
        conditions,
        "iff",
        ray,
        "the normal cone of the L1 ball at a point b = (t - w, w) of the open edge, 0 < w < t: s.(y - b) <= 0 for "
        "the four vertices y. The vertices (t, 0) and (0, t) give w (s_1 - s_2) <= 0 and (t - w)(s_2 - s_1) <= 0, so "
        "s_1 = s_2; then the other two give -2 t s_1 <= 0: the cone is the ray {c (1, 1) : c >= 0}",
        lambda: _check_edge_cone(conditions),
        condition=sp.And(_w > 0, _w < t),
    )
    builder.claim(
        sp.Symbol("b^*"),
        "=",
        sp.Tuple(*edge),
        "so z projects onto this edge point iff z = b + c (1, 1) with c >= 0; both coordinates of b, t - w and w, "
        "are positive: no zero coordinate on an open edge (by symmetry on all four). Inside the ball the normal cone "
        "is {0} and b* = z, which has a zero coordinate only on the axes (area 0)",
        lambda: _check_edge_coordinates(edge),
        condition=sp.And(_w > 0, _w < t),
    )


def _check_edge_cone(conditions: sp.Basic) -> Check:
    """The edge conditions, in the three exhaustive cases s_2 = s_1, s_2 > s_1 and s_2 < s_1 (t = w + r, r > 0)."""
    inside = {t: _w + _r}  # 0 < w < t
    on_ray = check_equivalent(conditions.subs(inside).subs(_s2, _s1), sp.Ge(_s1, 0), symbols=[_s1, _w, _r])
    above = check_equivalent(conditions.subs(inside).subs(_s2, _s1 + _d), sp.false, symbols=[_s1, _d, _w, _r])
    below = check_equivalent(conditions.subs(inside).subs(_s2, _s1 - _d), sp.false, symbols=[_s1, _d, _w, _r])
    checks = (on_ray, above, below)
    method = "symbolic" if all(check.method == "symbolic" for check in checks) else "numeric"
    return Check(
        method,
        f"s_2 = s_1: the conditions are s_1 >= 0 ({on_ray.detail}); s_2 = s_1 +- d with d > 0: they fail "
        f"({above.detail}; {below.detail})",
    )


def _check_edge_coordinates(edge: tuple[sp.Expr, sp.Expr]) -> Check:
    """The edge point b has positive coordinates for 0 < w < t (written t = w + r, r > 0)."""
    point = [coordinate.subs(t, _w + _r) for coordinate in edge]
    return check_true(
        lambda: all(coordinate.is_positive for coordinate in point),
        "t - w = r > 0 and w > 0 from the assumptions",
    )


def _check_both(first: Check, second: Check) -> Check:
    method = "symbolic" if first.method == second.method == "symbolic" else "numeric"
    return Check(method, f"each coordinate: {first.detail}; {second.detail}")


def _check_vertex_is_soft_threshold(result: sp.Expr) -> Check:
    excess = sp.Symbol("e", positive=True)
    for point in sample_points([t, z2, excess], count=20):
        first = point[t] + abs(point[z2]) + point[excess]  # z_1 - t >= |z_2|
        weight = first - point[t]
        b1 = at_point(result, {z: first, lam: weight})
        b2 = at_point(result, {z: point[z2], lam: weight})
        shrunk = max(abs(first) - weight, 0) + max(abs(point[z2]) - weight, 0)
        if sp.simplify(b1 - point[t]) != 0 or b2 != 0 or sp.simplify(shrunk - point[t]) != 0:
            raise VerificationError(f"soft thresholding does not return the vertex at {point}")
    return Check("numeric", "20 seeded points of the cone, exact rationals: (b_1, b_2) = (t, 0) and the L1 norm is t")


def _check_cone_positive(half: sp.Expr) -> Check:
    for point in sample_points([R, t], R > t):
        if not sp.N(at_point(half, point), 30) > 0:
            raise VerificationError(f"the half cone area {half} is not positive at {point}")
    return Check("numeric", "positive at 40 seeded (R, t) with R > t, 30 digits")


@functools.lru_cache(maxsize=8)
def geometry(sparse: str = "lasso", dense: str = "ridge") -> Theorem:
    """Theorem 7: in 2-D the L1 penalty/ball has sparse regions of positive area, the L2 penalty/ball area 0.

    Parameters
    ----------
    sparse, dense : str
        Estimators (:func:`derive.estimators.estimator` names) claimed to have
        a sparse region of positive area and of area 0 in the penalised form.
        Swapping them makes the theorem report ``holds=False``.

    Returns
    -------
    Theorem
        ``proof.result`` is ``(area_sparse, area_dense, area_cones)``: the
        areas inside the disc of radius R (penalised form at fixed lambda for
        ``sparse`` and ``dense``; constrained L1 ball at fixed t).  Extras:
        ``strips`` (the sparse region of ``sparse`` at fixed lambda, a
        relation in ``z_1, z_2``), ``vertex_cones`` (the four cones),
        ``l1_ball`` and ``l2_ball`` (the constraint sets), ``strip_area`` and
        ``cone_area``.

    Raises
    ------
    OptionError
        For an unknown estimator.
    VerificationError
        If a derivation step fails its check.

    Examples
    --------
    >>> th = geometry()
    >>> th.holds, th.proof.result[1]
    (True, 0)
    >>> geometry(sparse="ridge", dense="lasso").holds
    False
    """
    builder = DerivationBuilder(
        "Theorem 7: sparse regions in two dimensions (orthonormal design)",
        assumptions=(z, z1, z2, lam, t, R),
    )
    penalised, (sparse_area, dense_area), zero = _penalised(builder, sparse, dense)
    constrained, cones = _constrained(builder)
    instances = (*penalised, *constrained)
    at_vertex = sp.Ge(z1 - t, sp.Abs(z2))
    extras = (
        ("strips", sp.Or(zero.as_relational(z1), zero.as_relational(z2))),
        ("vertex_cones", _four(at_vertex)),
        ("l1_ball", L1_BALL),
        ("l2_ball", L2_BALL),
        ("strip_area", sparse_area),
        ("cone_area", cones),
    )
    statement = (
        "In two dimensions with an orthonormal design: (penalised form, fixed lambda) the OLS points z whose "
        f"{sparse} estimate has a zero coordinate form two strips; inside the disc of radius R their area is "
        f"{sp.sstr(sparse_area)} > 0, while for {dense} it is {sp.sstr(dense_area)}. (Constrained form, fixed t) z "
        "projects onto a vertex of the L1 ball {||b||_1 <= t} iff z lies in the vertex's normal cone, e.g. "
        "z_1 - t >= |z_2|; these cones have area "
        f"{sp.sstr(cones)} > 0 inside the disc for R > t, while for the L2 ball the solution has a zero "
        "coordinate only on the axes (area 0). The forms are linked by t = sum_j (|z_j| - lambda)_+."
    )
    statement_latex = (
        "In two dimensions with an orthonormal design: (penalised form, fixed $\\lambda$) the OLS points $z$ whose "
        f"{sparse} estimate has a zero coordinate form two strips; inside the disc of radius $R$ their area is "
        f"${latex_of(sparse_area)} > 0$, while for {dense} it is ${latex_of(dense_area)}$. (Constrained form, fixed "
        "$t$) $z$ projects onto a vertex of the $L_1$ ball $\\{\\|b\\|_1 \\le t\\}$ iff $z$ lies in the vertex's "
        f"normal cone, e.g. $z_1 - t \\ge |z_2|$; these cones have area ${latex_of(cones)} > 0$ inside the disc for "
        "$R > t$, while for the $L_2$ ball the solution has a zero coordinate only on the axes (area $0$). The forms "
        "are linked by $t = \\sum_j (|z_j| - \\lambda)_+$."
    )
    return Theorem.from_instances(
        name=NAME,
        title=TITLE,
        statement=statement,
        statement_latex=statement_latex,
        proof=builder.build(sp.Tuple(sparse_area, dense_area, cones), extras=extras),
        instances=instances,
    )
