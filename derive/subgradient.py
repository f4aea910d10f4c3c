"""The subdifferential of a convex scalar penalty, as a set-valued result.

For a convex function g of one real variable, the subdifferential at x is
``∂g(x) = [g'(x-), g'(x+)]`` (Rockafellar, *Convex Analysis*, 1970, Thm 24.1):
the singleton ``{g'(x)}`` where g is differentiable and a non-degenerate
interval at a kink.  SymPy's ``diff(Abs(x), x)`` is ``sign(x)``, which is 0 at
0; that is a *selection* of the subdifferential, not the subdifferential, and
it is never used here.
"""

from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from .checks import check_derivative, check_equal, check_true
from .core import Check, Derivation, DerivationBuilder
from .errors import AssumptionError, NonConvexError
from .notation import Penalty, Subdiff
from .penalties import PenaltyStructure, analyse, subdifferential_set
from .printing.text import expr_to_text
from .validate import validate_convex

__all__ = ["subdifferential", "subdifferential_steps", "piecewise_of"]


def piecewise_of(structure: PenaltyStructure) -> sp.Piecewise:
    """``g`` written as a ``Piecewise`` over its pieces and breakpoints (in order)."""
    x = structure.variable
    branches: list[tuple[Any, Any]] = []
    for i, piece in enumerate(structure.pieces):
        if i < len(structure.breakpoints):
            k = structure.breakpoints[i]
            branches.append((piece.expr, x < k.point))
            branches.append((k.value, sp.Eq(x, k.point)))
        else:
            branches.append((piece.expr, True))
    return sp.Piecewise(*branches, evaluate=False)


def _require_convex(structure: PenaltyStructure, builder: DerivationBuilder) -> None:
    """Add the convexity step, or raise through :func:`derive.validate.validate_convex`.

    A penalty that is not convex raises :class:`NonConvexError` with a witness (the kink where the slope
    drops, or the piece with g'' < 0); one whose convexity SymPy cannot decide raises
    :class:`AssumptionError` naming the assumption that would decide it (``positive=True`` on a parameter).
    """
    from .prox import convexity  # memoised by the structure: decided once for the verdict and the check

    verdict = convexity(structure)
    if verdict is not True:
        why = "the subdifferential and the convex prox need a convex penalty"
        try:
            validate_convex(structure.expr, structure.variable, assumptions=structure.assumptions)
        except NonConvexError as exc:
            raise NonConvexError(f"{exc}; {why}") from None
        except AssumptionError as exc:
            raise AssumptionError(f"{exc} ({why})") from None
        # validate_convex decided it after all (it re-analyses the expression): fall through only if it holds
        if verdict is False:  # pragma: no cover - the two analyses agree
            raise NonConvexError(f"{structure.expr} is not convex in {structure.variable}; {why}")
    builder.claim(
        Penalty("g", structure.expr, structure.variable),
        "text",
        None,
        "each piece has g'' >= 0 and g'(k-) <= g'(k+) at every breakpoint k",
        lambda: check_true(lambda: convexity(structure), "convexity decided piece by piece"),
        words="g is convex",
    )


def describe(region: sp.Set, variable: sp.Symbol) -> str:
    """A region of ``variable`` in words: ``v < -lambda``, ``-delta < x < delta``, ``x = 0``."""
    if isinstance(region, sp.FiniteSet):
        return ", ".join(f"{variable} = {sp.sstr(p)}" for p in region.args)
    if region == sp.S.Reals:
        return f"the whole line ({variable} real)"
    if not isinstance(region, sp.Interval):
        return f"{variable} in {sp.sstr(region)}"
    lo, hi = region.start, region.end
    lo_rel = "<" if region.left_open else "<="
    hi_rel = "<" if region.right_open else "<="
    if lo is sp.S.NegativeInfinity and hi is sp.S.Infinity:
        return f"{variable} real"
    if lo is sp.S.NegativeInfinity:
        return f"{variable} {hi_rel} {sp.sstr(hi)}"
    if hi is sp.S.Infinity:
        return f"{variable} {'>' if region.left_open else '>='} {sp.sstr(lo)}"
    return f"{sp.sstr(lo)} {lo_rel} {variable} {hi_rel} {sp.sstr(hi)}"


def describe_set(value: sp.Set) -> str:
    """A set in plain notation: ``[-lambda, lambda]``, ``{0}``, ``empty``."""
    if value is sp.S.EmptySet:
        return "the empty set"
    from .printing.text import expr_to_text

    if isinstance(value, sp.Interval):
        left = "(" if value.left_open else "["
        right = ")" if value.right_open else "]"
        return f"{left}{expr_to_text(value.start)}, {expr_to_text(value.end)}{right}"
    if isinstance(value, sp.FiniteSet):
        return "{" + ", ".join(expr_to_text(p) for p in value.args) + "}"
    return sp.sstr(value)


def piecewise_from_cases(cases: Any, x: sp.Symbol) -> Any:
    """Assemble ordered ``(value, region)`` cases into a ``Piecewise`` in ``x``.

    Regions are consecutive: open intervals and single points in increasing
    order, covering the real line, so each condition need only state its
    upper end (``x < hi`` or ``x = k``; ``x <= hi`` for a closed end).
    """
    branches: list[tuple[Any, Any]] = []
    for i, (value, region) in enumerate(cases):
        if i == len(cases) - 1:
            branches.append((value, True))
        elif isinstance(region, sp.FiniteSet):
            (point,) = region.args
            branches.append((value, sp.Eq(x, point)))
        elif region.right_open:
            branches.append((value, x < region.end))
        else:
            branches.append((value, x <= region.end))
    if len(branches) == 1:
        return branches[0][0]
    return sp.Piecewise(*branches)


def subdifferential_steps(structure: PenaltyStructure, builder: DerivationBuilder) -> list[tuple[Any, Any]]:
    """Add the steps deriving ``∂g`` to ``builder``; return its ``(set, region)`` cases."""
    x, expr = structure.variable, structure.expr
    g = Penalty("g", expr, x)
    builder.define(g, expr, "the penalty")
    pieces_form = piecewise_of(structure)
    if len(structure.pieces) > 1:
        builder.claim(
            g,
            "=",
            pieces_form,
            "split at the breakpoints (zeros of |.| arguments, ties of max/min, piece boundaries)",
            lambda: check_equal(expr, pieces_form, condition=structure.assumptions),
        )
    _require_convex(structure, builder)
    branches: list[tuple[Any, Any]] = []
    context = structure.assumptions
    for i, piece in enumerate(structure.pieces):
        region = piece.interval
        if piece.finite:
            derivative = structure.derivative(piece)
            value: sp.Set = sp.FiniteSet(derivative)
            builder.claim(
                Subdiff(g, x, x),
                "=",
                value,
                "g is differentiable on this piece: the subdifferential is its derivative",
                lambda piece=piece, derivative=derivative: check_derivative(
                    expr, derivative, x, region=piece.interval, context=context
                ),
                condition=region.as_relational(x),
            )
        else:
            value = sp.EmptySet
            builder.claim(
                Subdiff(g, x, x),
                "=",
                value,
                "outside the domain of g (g = +oo) the subdifferential is empty",
                lambda piece=piece: check_equal(piece.expr, sp.oo),
                condition=region.as_relational(x),
            )
        if i < len(structure.breakpoints):
            branches.append((value, region))
            k = structure.breakpoints[i]
            at_k = subdifferential_set(k)

            def verify(k: Any = k) -> Check:
                if k.value is sp.oo:
                    return check_equal(k.value, sp.oo)
                left = check_derivative(expr, k.left, x, at=k.point, side=-1, context=context)
                right = check_derivative(expr, k.right, x, at=k.point, side=1, context=context)
                return Check("numeric", f"g'(k-) = {k.left}, g'(k+) = {k.right}: {left.detail}; {right.detail}")

            builder.claim(
                Subdiff(g, x, k.point),
                "=",
                at_k,
                (
                    "the point is outside the domain of g"
                    if k.value is sp.oo
                    else f"one-sided derivatives g'(k-) = {sp.sstr(k.left)} and g'(k+) = {sp.sstr(k.right)} at "
                    f"k = {sp.sstr(k.point)}; for convex g the subdifferential is [g'(k-), g'(k+)] "
                    "(Rockafellar 1970, Thm 24.1)"
                ),
                verify,
            )
            branches.append((at_k, sp.FiniteSet(k.point)))
        else:
            branches.append((value, region))
    return branches


@functools.lru_cache(maxsize=512)  # pure: a derivation depends only on its inputs
def subdifferential(g: Any, x: sp.Symbol, *, assumptions: Any = sp.true) -> Derivation:
    """Derive the subdifferential of a convex scalar penalty ``g`` in ``x``.

    Parameters
    ----------
    g : sympy.Expr
        A convex penalty built from Abs, Max, Min, Piecewise, powers and the
        elementary functions listed in :mod:`derive.penalties`.
    x : sympy.Symbol
        The real variable.
    assumptions : sympy Boolean, optional
        Extra facts about parameters, e.g. ``a < b`` for the indicator of [a, b].

    Returns
    -------
    Derivation
        Its ``result`` is a ``Piecewise`` in ``x`` whose values are sets:
        ``{g'(x)}`` on smooth pieces, ``[g'(k-), g'(k+)]`` at each breakpoint.

    Examples
    --------
    >>> from derive.symbols import x, lam
    >>> import sympy as sp
    >>> d = subdifferential(lam*sp.Abs(x), x)
    >>> d.result.subs(x, 0)
    Interval(-lambda, lambda)
    """
    structure = analyse(g, x, assumptions=assumptions)
    builder = DerivationBuilder(
        f"The subdifferential of {expr_to_text(g)}", assumptions=_symbols(structure), context=structure.assumptions
    )
    cases = subdifferential_steps(structure, builder)
    result = piecewise_from_cases(cases, x)
    return builder.build(
        result,
        variable=x,
        parameters=structure.parameters,
        lhs=Subdiff(Penalty("g", structure.expr, x), x, x),
        cases=tuple(cases),
        extras=(("at_zero", _at_zero(structure, result)),),
    )


def _at_zero(structure: PenaltyStructure, result: Any) -> Any:
    """∂g(0): a set when 0 can be placed among the breakpoints, else the Piecewise at x = 0."""
    try:
        return structure.subdifferential_at(sp.Integer(0))
    except AssumptionError:  # 0 not comparable with the breakpoints: keep the cases
        return result.subs(structure.variable, 0)


def _symbols(structure: PenaltyStructure) -> tuple[sp.Symbol, ...]:
    return (structure.variable, *structure.parameters)
