"""Verification of single steps: symbolic first, high-precision numeric otherwise.

The symbolic check asks SymPy to prove the statement.  When SymPy cannot decide
(``simplify`` returns something it cannot show to be zero, a comparison stays
unevaluated), the statement is checked at seeded random points that respect the
symbols' assumptions and the step's condition, with mpmath at
:data:`DIGITS` significant digits.  A statement found false either way raises
:class:`~derive.errors.VerificationError` with the point that disproves it.

Sampling: a ``positive`` symbol is drawn log-uniformly from [1/20, 20], a
``real`` symbol uniformly from [-10, 10]; points are exact rationals so the
substitution is exact and only the evaluation is rounded.
"""

from __future__ import annotations

import functools
import math
import operator
import random
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp

from .core import Check
from .errors import VerificationError

__all__ = [
    "DIGITS",
    "POINTS",
    "check_equal",
    "check_member",
    "check_equivalent",
    "check_true",
    "sample_points",
    "is_zero",
    "shown_zero",
    "decide",
    "at_point",
    "decide_at",
    "evaluate_mpmath",
    "mpmath_function",
]

#: Significant digits of the numeric checks.
DIGITS = 50
#: Points at which a numeric check evaluates a statement.
POINTS = 40
#: Relative tolerance of the numeric checks.
TOLERANCE = sp.Float(10, DIGITS) ** -(DIGITS - 10)
#: Seed of the numeric checks (recorded in the check's detail).
SEED = 20261124


def decide(condition: Any) -> bool | None:
    """Return True/False if SymPy can decide ``condition`` from the assumptions, else None."""
    if condition is sp.true or condition is True:
        return True
    if condition is sp.false or condition is False:
        return False
    try:
        value = sp.simplify(condition)
    except Exception:  # simplify can raise on odd relationals; undecided
        return None
    if value is sp.true:
        return True
    if value is sp.false:
        return False
    return None


def is_zero(expr: Any) -> bool | None:
    """Three-valued: is ``expr`` identically zero under the symbols' assumptions?

    True if it is; False if SymPy shows it is never zero; None otherwise.
    """
    return _is_zero(expr, witness_first=False)


def shown_zero(expr: Any) -> bool:
    """Whether SymPy shows ``expr`` to be identically zero: ``is_zero(expr) is True``, found faster.

    When only True matters, a witness that ``expr`` is nonzero somewhere is
    sought before ``cancel`` too (not only before ``simplify``): with a
    witness neither can reduce ``expr`` to 0.

    Examples
    --------
    >>> a = sp.Symbol("a", positive=True)
    >>> shown_zero(sp.sqrt(a**2) - a), shown_zero(sp.sqrt(a) - a)
    (True, False)
    """
    return _is_zero(expr, witness_first=True) is True


def _is_zero(expr: Any, *, witness_first: bool) -> bool | None:
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    if isinstance(expr, sp.Piecewise) or expr.has(sp.Piecewise):
        expr = sp.piecewise_fold(expr)
        if isinstance(expr, sp.Piecewise):
            # zero iff every branch is: stop at the first branch not shown to be zero
            if all(_is_zero(e, witness_first=witness_first) is True for e, _ in expr.args):
                return True
            return None
    witness_before = sp.cancel if witness_first else sp.simplify
    for attempt in (sp.expand, sp.cancel, sp.simplify):
        if attempt is witness_before and _nonzero_somewhere(expr):
            # A witness that expr is not identically zero: simplify cannot reduce it to 0, and it is the
            # costly attempt.  (Whether expr is *never* zero stays undecided: None, as before.)
            return None
        try:
            reduced = attempt(expr)
        except Exception:
            continue
        if reduced == 0:
            return True
        if reduced.is_zero is False:
            return False
    return None


#: Points at which :func:`is_zero` looks for a witness that an expression is not identically zero.
_WITNESSES = 5


def _nonzero_somewhere(expr: sp.Basic) -> bool:
    """True if ``expr`` is certainly nonzero at a seeded point respecting the symbols' assumptions.

    Such a point proves that ``expr`` is not identically zero, so :func:`is_zero`
    need not try ``simplify``.  The value is exact (Fraction arithmetic) when the
    rational evaluator handles ``expr``; otherwise the compiled mpmath value of
    :func:`evaluate_mpmath` (real, with two working precisions agreeing to
    :data:`DIGITS` digits), failing that SymPy's ``evalf`` at :data:`DIGITS`
    digits, which tracks the accuracy it reaches: only a real nonzero value
    known to at least 30 digits counts (an expression that is 0 evaluates to a
    zero or to a number without accurate digits).  Anything else gives no
    witness (False).
    """
    symbols = _ordered_symbols(expr)
    if not symbols or not all(_assumptions_sampled(s) for s in symbols) or expr.has(*_BINDERS):
        return False
    exact = _rational_evaluator(expr) is not None
    for point in sample_points(symbols, count=_WITNESSES):
        if exact:
            value = _exact(expr, point)
            if isinstance(value, Fraction) and value != 0:
                return True
            continue
        fast = evaluate_mpmath(expr, point, digits=DIGITS)  # real and correct to DIGITS digits, or None
        if fast is not None:
            if fast != 0:
                return True
            continue
        try:
            value = expr.xreplace(point).evalf(DIGITS)
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if isinstance(value, sp.Float) and value != 0 and value._prec >= _WITNESS_BITS:
            return True
    return False


#: Binary precision (about 30 digits) an evaluated value needs to count as a witness of a nonzero value.
_WITNESS_BITS = 100


def _assumptions_sampled(symbol: sp.Symbol) -> bool:
    """Whether :func:`sample_points` draws values that respect every assumption on ``symbol``."""
    if symbol.is_positive or symbol.is_negative:
        return not (symbol.is_integer or symbol.is_irrational)
    if symbol.is_integer or symbol.is_irrational or symbol.is_zero or symbol.is_real is False:
        return False
    # nonnegative: drawn from [0, 20]; otherwise from [-10, 10], which suits no sign restriction
    return bool(symbol.is_nonnegative) or not (symbol.is_nonpositive or symbol.is_nonzero)


def _sample_value(symbol: sp.Symbol, rng: random.Random) -> sp.Rational:
    if symbol.is_positive:
        value = sp.Rational(round(1000 * 20 ** rng.uniform(-1, 1)), 1000)
        return value if value > 0 else sp.Rational(1, 1000)
    if symbol.is_nonnegative:
        return sp.Rational(rng.randint(0, 20000), 1000)
    if symbol.is_negative:
        return -sp.Rational(round(1000 * 20 ** rng.uniform(-1, 1)), 1000) - sp.Rational(1, 1000)
    return sp.Rational(rng.randint(-10000, 10000), 1000)


def sample_points(
    symbols: Sequence[sp.Symbol],
    condition: Any = sp.true,
    *,
    count: int = POINTS,
    seed: int = SEED,
    max_tries: int = 4000,
) -> list[dict[sp.Symbol, sp.Rational]]:
    """Seeded random points respecting the symbols' assumptions and ``condition``.

    Raises
    ------
    VerificationError
        If fewer than 5 points satisfying ``condition`` are found.
    """
    rng = random.Random(seed)
    points: list[dict[sp.Symbol, sp.Rational]] = []
    tries = 0
    while len(points) < count and tries < max_tries:
        tries += 1
        point = {s: _sample_value(s, rng) for s in symbols}
        if condition is not sp.true:
            held = decide_at(condition, point)
            if held is None:
                held = at_point(condition, point) is sp.true
            if not held:
                continue
        points.append(point)
    if len(points) < 5:
        raise VerificationError(f"could not find points where {condition} holds to check the step numerically")
    return points


#: Objects with bound variables: substituting into them needs ``subs`` (``xreplace`` would rename them).
_BINDERS = (sp.Integral, sp.Sum, sp.Product, sp.Derivative, sp.Subs, sp.Lambda, sp.ConditionSet, sp.ImageSet)


def at_point(expr: Any, point: dict[sp.Symbol, Any]) -> Any:
    """``expr`` with the symbols of ``point`` replaced by their values, all at once.

    Same value as ``expr.subs(point)``, much faster: ``subs`` substitutes one
    symbol at a time, and every half-substituted ``Piecewise`` condition or
    relational is re-evaluated through the assumptions system; ``xreplace``
    substitutes simultaneously, so conditions are decided on numbers.
    Expressions with bound variables go through ``subs``.
    """
    expr = sp.sympify(expr)
    if not point or not isinstance(expr, sp.Basic):
        return expr
    if expr.has(*_BINDERS):
        return expr.subs(point)
    return expr.xreplace(point)


def _ordered_symbols(*objects: Any) -> list[sp.Symbol]:
    found: set[sp.Symbol] = set()
    for obj in objects:
        if isinstance(obj, sp.Basic):
            found |= {s for s in obj.free_symbols if isinstance(s, sp.Symbol)}
    return sorted(found, key=lambda s: s.name)


class _NotRational(Exception):
    """The exact rational evaluator cannot handle this expression or point: use SymPy."""


_Evaluator = Callable[[dict[sp.Symbol, Fraction]], Any]

_RELATIONS: dict[type, Callable[[Any, Any], bool]] = {
    sp.StrictLessThan: operator.lt,
    sp.LessThan: operator.le,
    sp.StrictGreaterThan: operator.gt,
    sp.GreaterThan: operator.ge,
    sp.Equality: operator.eq,
    sp.Unequality: operator.ne,
}


def _compile_rational(node: sp.Basic) -> _Evaluator:
    """A closure evaluating ``node`` exactly with :class:`fractions.Fraction` (raise ``_NotRational``).

    Covers what the checks meet most: rationals, symbols, +, *, integer powers,
    Abs, sign, Max, Min, Piecewise and relations.  Anything else (floats,
    pi, roots, exp, oo) is left to SymPy, so results are the same exact values.
    """
    if isinstance(node, sp.Symbol):

        def symbol(point: dict[sp.Symbol, Fraction], node: sp.Symbol = node) -> Fraction:
            try:
                return point[node]
            except KeyError:
                raise _NotRational from None

        return symbol
    if isinstance(node, sp.Rational):  # Integer included
        constant = Fraction(int(node.p), int(node.q))
        return lambda point: constant
    if node is sp.true or node is sp.false:
        truth = node is sp.true
        return lambda point: truth
    if isinstance(node, sp.Add | sp.Mul):
        parts = [_compile_rational(arg) for arg in node.args]
        combine = operator.add if isinstance(node, sp.Add) else operator.mul

        def fold(point: dict[sp.Symbol, Fraction]) -> Fraction:
            total = parts[0](point)
            for part in parts[1:]:
                total = combine(total, part(point))
            return total

        return fold
    if isinstance(node, sp.Pow):
        if not isinstance(node.exp, sp.Integer):
            raise _NotRational
        base, exponent = _compile_rational(node.base), int(node.exp)
        return lambda point: base(point) ** exponent  # 0**-1: ZeroDivisionError, left to SymPy
    if isinstance(node, sp.Abs):
        inner = _compile_rational(node.args[0])
        return lambda point: abs(inner(point))
    if isinstance(node, sp.sign):
        inner = _compile_rational(node.args[0])

        def sign(point: dict[sp.Symbol, Fraction]) -> Fraction:
            value = inner(point)
            return Fraction((value > 0) - (value < 0))

        return sign
    if isinstance(node, sp.Max | sp.Min):
        parts = [_compile_rational(arg) for arg in node.args]
        pick = max if isinstance(node, sp.Max) else min
        return lambda point: pick(part(point) for part in parts)
    if isinstance(node, sp.Piecewise):
        branches = [(_compile_rational(value), _compile_rational(cond)) for value, cond in node.args]

        def piecewise(point: dict[sp.Symbol, Fraction]) -> Fraction:
            for value, cond in branches:
                if cond(point):
                    return value(point)
            raise _NotRational  # no branch applies: SymPy's nan

        return piecewise
    if type(node) in _RELATIONS:
        relation = _RELATIONS[type(node)]
        lhs, rhs = _compile_rational(node.lhs), _compile_rational(node.rhs)
        return lambda point: relation(lhs(point), rhs(point))
    if isinstance(node, sp.And | sp.Or):
        parts = [_compile_rational(arg) for arg in node.args]
        if isinstance(node, sp.And):
            return lambda point: all(part(point) for part in parts)
        return lambda point: any(part(point) for part in parts)
    if isinstance(node, sp.Not):
        inner = _compile_rational(node.args[0])
        return lambda point: not inner(point)
    raise _NotRational


@functools.lru_cache(maxsize=4096)
def _rational_evaluator(expr: sp.Basic) -> _Evaluator | None:
    try:
        return _compile_rational(expr)
    except (_NotRational, RecursionError, TypeError):
        return None


def _exact(expr: Any, point: dict[sp.Symbol, Any]) -> Any:
    """The exact value of ``expr`` at a rational ``point`` by Fraction arithmetic, or None (use SymPy)."""
    if not isinstance(expr, sp.Basic):
        return None
    evaluate = _rational_evaluator(expr)
    if evaluate is None:
        return None
    values = {}
    for symbol, value in point.items():
        if not isinstance(value, sp.Rational):
            return None
        values[symbol] = Fraction(int(value.p), int(value.q))
    try:
        return evaluate(values)
    except (_NotRational, ZeroDivisionError):
        return None


# --------------------------------------------------------------------------
# Compiled mpmath evaluation
# --------------------------------------------------------------------------
class _NotCompiled(Exception):
    """The mpmath compiler does not handle this node: use ``lambdify`` or SymPy."""


class _Undecided(Exception):
    """A comparison too close to call at the working precision: use SymPy's exact substitution."""


#: SymPy functions the compiler maps to mpmath (the same functions ``lambdify(..., modules="mpmath")`` uses).
_MP_FUNCTIONS: dict[type, Callable[..., Any]] = {
    sp.exp: mpmath.exp,
    sp.log: mpmath.log,
    sp.sin: mpmath.sin,
    sp.cos: mpmath.cos,
    sp.tan: mpmath.tan,
    sp.asin: mpmath.asin,
    sp.acos: mpmath.acos,
    sp.atan: mpmath.atan,
    sp.sinh: mpmath.sinh,
    sp.cosh: mpmath.cosh,
    sp.tanh: mpmath.tanh,
    sp.asinh: mpmath.asinh,
    sp.acosh: mpmath.acosh,
    sp.atanh: mpmath.atanh,
    sp.erf: mpmath.erf,
    sp.erfc: mpmath.erfc,
    sp.LambertW: mpmath.lambertw,
    sp.sign: mpmath.sign,
    sp.re: mpmath.re,
    sp.im: mpmath.im,
}

_MP_CONSTANTS: dict[sp.Basic, Callable[[], Any]] = {
    sp.pi: lambda: +mpmath.pi,
    sp.E: lambda: +mpmath.e,
    sp.S.Infinity: lambda: mpmath.inf,
    sp.S.NegativeInfinity: lambda: -mpmath.inf,
    sp.nan: lambda: mpmath.nan,
    sp.I: lambda: mpmath.mpc(0, 1),
}


def _compare_guarded(relation: Callable[[Any, Any], bool], left: Any, right: Any) -> bool:
    """``relation(left, right)`` for mpmath reals; ``_Undecided`` when they agree to the working precision."""
    if not isinstance(left, mpmath.mpf | int) or not isinstance(right, mpmath.mpf | int):
        raise _Undecided
    if mpmath.isnan(left) or mpmath.isnan(right):
        raise _Undecided
    if mpmath.isinf(left) or mpmath.isinf(right):
        return relation(left, right)
    margin = mpmath.ldexp(max(1, abs(left), abs(right)), 20 - mpmath.mp.prec)
    if abs(left - right) <= margin:
        raise _Undecided
    return relation(left, right)


def _guarded_relation(
    relation: Callable[[Any, Any], bool], rational: _Evaluator | None, exact: dict | None, sides: Callable
) -> bool:
    """A comparison in guarded code: exact when rational (Fractions in ``exact``), else :func:`_compare_guarded`."""
    if rational is not None and exact is not None:
        try:
            return bool(rational(exact))
        except (_NotRational, ZeroDivisionError):
            pass
    return _compare_guarded(relation, *sides())


def _sign_guarded(is_positive: bool, is_negative: bool) -> int:
    return int(is_positive) - int(is_negative)


_OPERATORS = {
    sp.StrictLessThan: "<",
    sp.LessThan: "<=",
    sp.StrictGreaterThan: ">",
    sp.GreaterThan: ">=",
    sp.Equality: "==",
    sp.Unequality: "!=",
}


class _MpCode:
    """Python source evaluating a SymPy expression with mpmath, generated from the tree (no printer, no ``xreplace``).

    The arithmetic is that of ``lambdify(..., modules="mpmath")``: ``Pow`` with a
    rational exponent is ``base ** (mpf(p)/mpf(q))`` (the principal branch),
    ``sqrt`` for the exponent 1/2; a ``Piecewise`` evaluates only its selected
    branch and is None when no branch applies.  Constants (rationals, floats,
    pi, e) are computed once per working precision and passed in the tuple
    ``c``.  With ``guarded``, each comparison is decided exactly (Fraction
    arithmetic, from the dict ``x``) when its sides are rational, and otherwise
    refused (``_Undecided``) when its sides agree to within 2^20 units of the
    working precision, so a branch is never chosen on rounding error; ``sign``
    is decided the same way.
    """

    def __init__(self, symbols: tuple[sp.Symbol, ...], guarded: bool) -> None:
        self.names = {symbol: f"a{i}" for i, symbol in enumerate(symbols)}
        self.guarded = guarded
        self.constants: list[Callable[[], Any]] = []
        self.keys: dict[Any, int] = {}
        self.operators: list[Callable[[Any, Any], bool]] = []
        self.rationals: list[_Evaluator | None] = []
        self.namespace: dict[str, Any] = {
            "_mp": mpmath,
            "_rel": _guarded_relation,
            "_sign": _sign_guarded,
            "_operators": self.operators,
            "_rationals": self.rationals,
        }

    def constant(self, key: Any, make: Callable[[], Any]) -> str:
        if key not in self.keys:
            self.keys[key] = len(self.constants)
            self.constants.append(make)
        return f"c[{self.keys[key]}]"

    def code(self, node: sp.Basic) -> str:
        if isinstance(node, sp.Symbol):
            if node not in self.names:
                raise _NotCompiled(f"free symbol {node}")
            return self.names[node]
        if isinstance(node, sp.Integer):
            return f"({int(node)})"
        if isinstance(node, sp.Rational):
            p, q = int(node.p), int(node.q)
            return self.constant(("rational", p, q), lambda: mpmath.mpf(p) / mpmath.mpf(q))
        if isinstance(node, sp.Float):
            raw = node._mpf_
            return self.constant(("float", raw), lambda: mpmath.mpf(raw))
        if node is sp.true or node is sp.false:
            return "True" if node is sp.true else "False"
        if node in _MP_CONSTANTS:
            return self.constant(("constant", node), _MP_CONSTANTS[node])
        if isinstance(node, sp.Add | sp.Mul):
            joiner = " + " if isinstance(node, sp.Add) else " * "
            return "(" + joiner.join(self.code(arg) for arg in node.args) + ")"
        if isinstance(node, sp.Pow):
            base, exponent = self.code(node.base), node.exp
            if isinstance(exponent, sp.Integer):
                return f"({base} ** ({int(exponent)}))"
            if exponent == sp.S.Half:
                return f"_mp.sqrt({base})"
            if exponent == -sp.S.Half:
                return f"(1 / _mp.sqrt({base}))"
            return f"({base} ** {self.code(exponent)})"
        if isinstance(node, sp.Abs):
            return f"abs({self.code(node.args[0])})"
        if isinstance(node, sp.Max | sp.Min):
            # continuous: a near-tie decided on rounding picks either side, the same value
            return ("max(" if isinstance(node, sp.Max) else "min(") + ", ".join(self.code(a) for a in node.args) + ")"
        if isinstance(node, sp.sign) and self.guarded:  # discontinuous at 0: decided like a comparison with 0
            return f"_sign({self.code(node.args[0] > 0)}, {self.code(node.args[0] < 0)})"
        if isinstance(node, sp.Piecewise):
            text = "None"  # no branch applies (lambdify's None)
            for value, condition in reversed(node.args):
                text = f"({self.code(value)} if {self.code(condition)} else {text})"
            return text
        if type(node) in _OPERATORS:
            lhs, rhs = self.code(node.lhs), self.code(node.rhs)
            if not self.guarded:
                return f"({lhs} {_OPERATORS[type(node)]} {rhs})"
            index = len(self.operators)
            self.operators.append(_RELATIONS[type(node)])
            self.rationals.append(_rational_evaluator(node))
            return f"_rel(_operators[{index}], _rationals[{index}], x, lambda: ({lhs}, {rhs}))"
        if isinstance(node, sp.And | sp.Or):
            joiner = " and " if isinstance(node, sp.And) else " or "
            return "(" + joiner.join(self.code(arg) for arg in node.args) + ")"
        if isinstance(node, sp.Not):
            return f"(not {self.code(node.args[0])})"
        function = _MP_FUNCTIONS.get(type(node))
        if function is not None:
            name = f"_f_{type(node).__name__}"
            self.namespace[name] = function
            return f"{name}(" + ", ".join(self.code(arg) for arg in node.args) + ")"
        raise _NotCompiled(type(node).__name__)


class _MpFunction:
    """A compiled expression: ``f(*values, exact=None)`` evaluates it at the current mpmath working precision."""

    __slots__ = ("_by_precision", "_code", "_constants", "compares")

    def __init__(self, expr: sp.Basic, symbols: tuple[sp.Symbol, ...], guarded: bool) -> None:
        generator = _MpCode(symbols, guarded)
        body = generator.code(expr)
        arguments = ", ".join([*generator.names.values(), "c", "x"])
        namespace = generator.namespace
        # the source is generated here from the expression tree (names a0, a1, ...; no user text reaches it)
        exec(compile(f"def _generated({arguments}):\n    return {body}\n", "<derive.checks>", "exec"), namespace)
        self._code = namespace["_generated"]
        self._constants = tuple(generator.constants)
        self._by_precision: dict[int, tuple[Any, ...]] = {}
        #: Whether the code has guarded comparisons (which want the exact values).
        self.compares = bool(generator.operators)

    def __call__(self, *values: Any, exact: dict | None = None) -> Any:
        precision = mpmath.mp.prec
        constants = self._by_precision.get(precision)
        if constants is None:
            constants = self._by_precision[precision] = tuple(make() for make in self._constants)
        return self._code(*values, constants, exact)


@functools.lru_cache(maxsize=2048)
def mpmath_function(expr: sp.Basic, symbols: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    """``expr`` as a function of ``symbols`` evaluated with mpmath at the current working precision.

    Same values as ``sympy.lambdify(symbols, expr, modules="mpmath")``, which
    it falls back to for a node it does not compile, at a fraction of the
    cost of building it: a short Python function is generated from the
    expression tree directly (``lambdify`` prints the expression and first
    substitutes dummies for names such as ``lambda``); a ``Piecewise``
    evaluates only the selected branch.  Cached by ``(expr, symbols)``.

    Examples
    --------
    >>> a, b = sp.symbols("a b", real=True)
    >>> f = mpmath_function(sp.Piecewise((a * b, a < 0), (sp.Abs(b) ** sp.Rational(4, 3), True)), (a, b))
    >>> with mpmath.workdps(30):
    ...     print(f(mpmath.mpf(-2), mpmath.mpf(3)), f(2, -8))
    -6.0 16.0
    """
    try:
        if not expr.free_symbols <= set(symbols) or expr.has(*_BINDERS):
            raise _NotCompiled("free symbols or bound variables")
        return _MpFunction(expr, symbols, guarded=False)
    except (_NotCompiled, RecursionError, TypeError, SyntaxError, MemoryError):
        return sp.lambdify(symbols, expr, modules="mpmath")


@functools.lru_cache(maxsize=4096)
def _guarded_evaluator(expr: sp.Basic) -> tuple[tuple[sp.Symbol, ...], _MpFunction] | None:
    if expr.has(*_BINDERS) or not all(isinstance(s, sp.Symbol) for s in expr.free_symbols):
        return None
    symbols = tuple(sorted(expr.free_symbols, key=lambda s: s.name))
    try:
        return symbols, _MpFunction(expr, symbols, guarded=True)
    except (_NotCompiled, RecursionError, TypeError, SyntaxError, MemoryError):
        return None


#: Extra decimal digits of the two working precisions of the compiled evaluation (above ``DIGITS + 5``).
GUARD_DIGITS = (10, 30)


def _mp_input(value: Any) -> Any:
    """A point's value as an mpmath number at the working precision (rationals correctly rounded)."""
    if isinstance(value, sp.Rational):
        return _rational_at(value, mpmath.mp.prec)
    number = sp.N(value, mpmath.mp.dps)
    if not isinstance(number, sp.Float):
        raise _Undecided  # not a real number here: leave it to SymPy
    return mpmath.mpf(number._mpf_)


@functools.lru_cache(maxsize=8192)
def _rational_at(value: sp.Rational, precision: int) -> Any:
    """``value`` rounded to ``precision`` bits (round to nearest): the same number as ``mpf(p)/q`` there."""
    return mpmath.mp.make_mpf(
        mpmath.libmp.from_rational(int(value.p), int(value.q), precision, mpmath.libmp.round_nearest)
    )


def evaluate_mpmath(expr: sp.Basic, point: dict[sp.Symbol, Any], *, digits: int = DIGITS + 5) -> Any:
    """``expr`` at ``point`` as an mpmath real correct to ``digits`` significant digits, or None (use SymPy).

    Exact when the rational evaluator handles ``expr`` and the point is
    rational (Fraction arithmetic, rounded once).  Otherwise ``expr`` is
    compiled for mpmath once and evaluated at two working precisions,
    ``digits + GUARD_DIGITS[i]`` decimal digits; the value is accepted only if
    it is real and finite and the two agree to ``digits`` significant digits
    (else rounding error is amplified somewhere, and SymPy's ``evalf``, which
    tracks its accuracy, must take over).  Branch conditions are decided
    exactly when rational, else only when clear at the working precision.
    The result is rounded to ``digits`` digits.

    Examples
    --------
    >>> a = sp.Symbol("a", positive=True)
    >>> print(evaluate_mpmath(sp.Abs(a - 3) ** sp.Rational(4, 3), {a: sp.Rational(11)}, digits=20))
    16.0
    >>> mpmath.nstr(evaluate_mpmath(sp.sqrt(a), {a: sp.Integer(2)}, digits=20), 20)
    '1.4142135623730950488'
    """
    exact = _exact(expr, point)
    if isinstance(exact, Fraction):
        with mpmath.workdps(digits):
            return mpmath.mpf(exact.numerator) / exact.denominator
    compiled = _guarded_evaluator(expr)
    if compiled is None:
        return None
    symbols, evaluate = compiled
    if any(s not in point for s in symbols):
        return None
    fractions = _fractions(symbols, point) if evaluate.compares else None
    found = []
    for guard in GUARD_DIGITS:
        with mpmath.workdps(digits + guard):
            try:
                value = evaluate(*[_mp_input(point[s]) for s in symbols], exact=fractions)
            except (_Undecided, ArithmeticError, ValueError, TypeError):
                return None
            if isinstance(value, int) and not isinstance(value, bool):
                value = mpmath.mpf(value)
            if not isinstance(value, mpmath.mpf) or not mpmath.isfinite(value):
                return None
            found.append(value)
    low, high = found
    # agreement to `digits` significant digits: |high - low| <= 2^-bits |high| <= 10^-digits |high|
    bits = math.ceil(digits * math.log2(10))
    with mpmath.workdps(digits + GUARD_DIGITS[-1]):
        if abs(high - low) > mpmath.ldexp(abs(high), -bits):
            return None
    with mpmath.workdps(digits):
        return +high


def _fractions(symbols: tuple[sp.Symbol, ...], point: dict[sp.Symbol, Any]) -> dict[sp.Symbol, Fraction]:
    """The rational values of ``point`` as Fractions, for comparisons decided exactly."""
    return {s: Fraction(int(point[s].p), int(point[s].q)) for s in symbols if isinstance(point[s], sp.Rational)}


def decide_at(condition: Any, point: dict[sp.Symbol, Any]) -> bool | None:
    """The truth value of ``condition`` at ``point``, or None if it is not decided this way (use SymPy).

    Exact (Fraction arithmetic) when the condition is rational; otherwise the
    condition is compiled for mpmath once and evaluated at the two working
    precisions of :func:`evaluate_mpmath`, each comparison decided only when
    its sides differ clearly at that precision, and the two answers must
    agree.

    Examples
    --------
    >>> a = sp.Symbol("a", positive=True)
    >>> decide_at(a < sp.sqrt(2), {a: sp.Rational(141, 100)}), decide_at(a > sp.sqrt(2), {a: sp.Rational(3, 2)})
    (True, True)
    >>> decide_at(sp.Eq(a**2, 2), {a: sp.Rational(7, 5)})
    False
    """
    exact = _exact(condition, point)
    if isinstance(exact, bool):
        return exact
    if not isinstance(condition, sp.Basic):
        return None
    compiled = _guarded_evaluator(condition)
    if compiled is None:
        return None
    symbols, evaluate = compiled
    if any(s not in point for s in symbols):
        return None
    fractions = _fractions(symbols, point)
    answers = set()
    for guard in GUARD_DIGITS:
        with mpmath.workdps(DIGITS + 5 + guard):
            try:
                answer = evaluate(*[_mp_input(point[s]) for s in symbols], exact=fractions)
            except (_Undecided, ArithmeticError, ValueError, TypeError):
                return None
        if not isinstance(answer, bool):
            return None
        answers.add(answer)
    return answers.pop() if len(answers) == 1 else None


def _evaluate(expr: Any, point: dict[sp.Symbol, sp.Rational], used: set[str] | None = None) -> sp.Basic:
    """``expr`` at ``point`` to ``DIGITS + 5`` digits: exactly, by compiled mpmath, or by SymPy's ``evalf``.

    ``used`` (if given) collects ``"mpmath"`` when the compiled evaluation served.
    """
    exact = _exact(expr, point)
    if isinstance(exact, Fraction):  # the same exact rational SymPy would reach, without building it
        return sp.Rational(exact.numerator, exact.denominator).evalf(DIGITS + 5)
    if isinstance(expr, sp.Basic):
        fast = evaluate_mpmath(expr, point, digits=DIGITS + 5)
        if fast is not None:
            if used is not None:
                used.add("mpmath")
            return sp.Float(fast, DIGITS + 5)
    value = at_point(expr, point)
    if isinstance(value, sp.Basic) and value.free_symbols:
        raise VerificationError(f"{expr} does not evaluate to a number at {point}")
    return value.evalf(DIGITS + 5) if hasattr(value, "evalf") else value


def _close(left: sp.Basic, right: sp.Basic) -> tuple[bool, Any]:
    if left == right:
        return True, 0
    if left.is_infinite or right.is_infinite or left.has(sp.nan) or right.has(sp.nan):
        return left == right, sp.oo
    difference = abs(sp.N(left - right, DIGITS + 5))
    scale = max(sp.Integer(1), abs(sp.N(left, DIGITS)), abs(sp.N(right, DIGITS)))
    error = difference / scale
    return bool(error <= TOLERANCE), error


def _numeric_detail(count: int, worst: Any, used: set[str] | frozenset[str] = frozenset()) -> str:
    worst_text = sp.Float(worst, 2) if worst != 0 else 0
    detail = f"{count} points, seed {SEED}, {DIGITS} digits, max rel. error {worst_text}"
    return detail + (f" ({MPMATH_NOTE})" if "mpmath" in used else "")


#: How a value computed by the compiled mpmath evaluation is checked (shown in a check's detail).
MPMATH_NOTE = (
    f"values by compiled mpmath at {DIGITS + 5 + GUARD_DIGITS[0]} and {DIGITS + 5 + GUARD_DIGITS[1]} digits, "
    f"agreeing to {DIGITS + 5}"
)


def check_equal(lhs: Any, rhs: Any, *, condition: Any = sp.true, numeric: bool = False) -> Check:
    """Verify ``lhs = rhs`` wherever ``condition`` holds.

    Sets are compared as sets (intervals by their endpoints and openness);
    expressions by ``simplify(lhs - rhs) == 0``, case by case for ``Piecewise``;
    otherwise numerically.  With ``numeric=True`` an expression with free
    symbols goes to the numeric comparison at once (for large radical or
    trigonometric expressions, where ``simplify`` of an identity that holds
    costs seconds and the seeded 50-digit comparison decides it anyway).

    Examples
    --------
    >>> a = sp.Symbol("a", positive=True)
    >>> check_equal(sp.sqrt(a**2), a).method, check_equal(sp.sqrt(a**2), a, numeric=True).method
    ('symbolic', 'numeric')
    """
    lhs, rhs = sp.sympify(lhs), sp.sympify(rhs)
    if isinstance(lhs, sp.Set) or isinstance(rhs, sp.Set):
        return _check_sets_equal(lhs, rhs, condition)
    symbols = _ordered_symbols(lhs, rhs, condition)
    if condition is sp.true and not (numeric and symbols):
        # with symbols only True matters (a witness of a nonzero value spares cancel and simplify)
        verdict = is_zero(lhs - rhs) if not symbols else (True if shown_zero(lhs - rhs) else None)
        if verdict is True:
            return Check("symbolic", "simplify(lhs - rhs) = 0")
    else:
        verdict = None
    if not symbols:
        if verdict is False or not _close(_evaluate(lhs, {}), _evaluate(rhs, {}))[0]:
            raise VerificationError(f"{lhs} != {rhs}")
        return Check("symbolic", "both sides are the same number")
    worst: Any = 0
    used: set[str] = set()
    points = sample_points(symbols, condition)
    for point in points:
        ok, error = _close(_evaluate(lhs, point, used), _evaluate(rhs, point, used))
        if not ok:
            shown = ", ".join(f"{k}={v}" for k, v in point.items())
            raise VerificationError(f"{lhs} = {rhs} is false at {shown}")
        worst = max(worst, error) if error != sp.oo else worst
    return Check("numeric", _numeric_detail(len(points), worst, used))


def _interval_parts(region: sp.Set) -> tuple[Any, Any, bool, bool] | None:
    if isinstance(region, sp.Interval):
        return region.start, region.end, bool(region.left_open), bool(region.right_open)
    if isinstance(region, sp.FiniteSet) and len(region) == 1:
        (point,) = region.args
        return point, point, False, False
    return None


def _check_sets_equal(lhs: Any, rhs: Any, condition: Any) -> Check:
    if lhs == rhs:
        return Check("symbolic", "identical sets")
    left, right = _interval_parts(lhs), _interval_parts(rhs)
    if left is not None and right is not None:
        if left[2:] != right[2:]:
            raise VerificationError(f"{lhs} and {rhs} differ in which endpoints they contain")
        first = check_equal(left[0], right[0], condition=condition)
        second = check_equal(left[1], right[1], condition=condition)
        method = "symbolic" if first.method == second.method == "symbolic" else "numeric"
        return Check(method, f"endpoints compared: {first.detail}; {second.detail}")
    if isinstance(lhs, sp.FiniteSet) and isinstance(rhs, sp.FiniteSet) and len(lhs) == len(rhs):
        checks = [check_equal(p, q, condition=condition) for p, q in zip(lhs.args, rhs.args, strict=True)]
        method = "symbolic" if all(c.method == "symbolic" for c in checks) else "numeric"
        return Check(method, "elements compared in order")
    difference = sp.Complement(lhs, rhs), sp.Complement(rhs, lhs)
    if all(d is sp.EmptySet for d in difference):
        return Check("symbolic", "set difference is empty both ways")
    raise VerificationError(f"could not show that {lhs} equals {rhs}")


def check_member(element: Any, region: Any, *, condition: Any = sp.true) -> Check:
    """Verify ``element in region`` wherever ``condition`` holds."""
    element, region = sp.sympify(element), sp.sympify(region)
    if condition is sp.true:
        verdict = decide(region.contains(element))
        if verdict is True:
            return Check("symbolic", "membership decided by SymPy")
        if verdict is False:
            raise VerificationError(f"{element} is not in {region}")
    symbols = _ordered_symbols(element, region, condition)
    points = sample_points(symbols, condition)
    used: set[str] = set()
    for point in points:
        value = _evaluate(element, point, used)
        concrete = at_point(region, point)
        if isinstance(concrete, sp.Interval):
            exact = at_point(element, point)
            if (concrete.left_open and exact == concrete.start) or (concrete.right_open and exact == concrete.end):
                inside = False  # exactly on an open end (substitution is exact)
            else:
                lo, hi = sp.N(concrete.start, DIGITS), sp.N(concrete.end, DIGITS)
                slack = TOLERANCE * max(1, abs(value))
                inside = (lo - slack <= value) and (value <= hi + slack)
        elif isinstance(concrete, sp.FiniteSet) and all(m.is_real for m in concrete.args):
            # a rounded value is never equal to an irrational or non-binary member: compare exactly first,
            # then within the tolerance used for interval ends
            exact = at_point(element, point)
            slack = TOLERANCE * max(1, abs(value))
            inside = exact in concrete.args or any(abs(value - sp.N(m, DIGITS)) <= slack for m in concrete.args)
        else:
            inside = decide(concrete.contains(value)) is True
        if not inside:
            shown = ", ".join(f"{k}={v}" for k, v in point.items())
            raise VerificationError(f"{element} is not in {region} at {shown}")
    return Check("numeric", _numeric_detail(len(points), 0, used).replace(", max rel. error 0", ""))


def check_equivalent(first: Any, second: Any, *, symbols: Sequence[sp.Symbol] | None = None) -> Check:
    """Verify that two conditions are equivalent (same truth value everywhere)."""
    first, second = sp.sympify(first), sp.sympify(second)
    if first == second:
        return Check("symbolic", "identical conditions")
    verdict = decide(sp.Equivalent(first, second))
    if verdict is True:
        return Check("symbolic", "equivalence simplified to True")
    if verdict is False:
        raise VerificationError(f"{first} and {second} are not equivalent")
    symbols = list(symbols) if symbols else _ordered_symbols(first, second)
    points = sample_points(symbols)
    for point in points:
        a, b = at_point(first, point), at_point(second, point)
        if bool(a) != bool(b):
            shown = ", ".join(f"{k}={v}" for k, v in point.items())
            raise VerificationError(f"{first} and {second} differ at {shown}")
    return Check("numeric", _numeric_detail(len(points), 0).replace(", max rel. error 0", ""))


def check_true(predicate: Callable[[], bool | None], what: str) -> Check:
    """Verify a symbolic predicate that must return True (None counts as not shown)."""
    verdict = predicate()
    if verdict is True:
        return Check("symbolic", what)
    if verdict is False:
        raise VerificationError(f"{what}: false")
    raise VerificationError(f"{what}: SymPy could not decide")


#: Step of the difference quotients used to check derivatives (exact rational).
STEP = sp.Rational(1, 10**20)
#: Tolerance of derivative checks (Richardson-extrapolated quotients are O(STEP**2)).
DERIVATIVE_TOLERANCE = sp.Float(10, DIGITS) ** -25


def _difference_quotient(
    expr: sp.Expr,
    variable: sp.Symbol,
    at: sp.Expr,
    side: int,
    parameters: dict[sp.Symbol, Any] | None = None,
    used: set[str] | None = None,
) -> sp.Basic:
    """Richardson-extrapolated one-sided (side=+1/-1) or central (side=0) quotient (``parameters``: their values)."""
    fixed = parameters or {}
    values: dict[Any, sp.Basic] = {}  # g at ``at`` enters both one-sided quotients: evaluated once

    def value(location: Any) -> sp.Basic:
        if location not in values:
            values[location] = _evaluate(expr, {**fixed, variable: location}, used)
        return values[location]

    def quotient(h: sp.Rational) -> sp.Basic:
        if side == 0:
            return (value(at + h) - value(at - h)) / (2 * h)
        return side * (value(at + side * h) - value(at)) / h

    if not side:
        return quotient(STEP)
    coarse = quotient(STEP)
    if coarse.is_infinite:  # g = +oo beyond the point (edge of the domain)
        return coarse
    return 2 * quotient(STEP / 2) - coarse


def check_derivative(
    expr: Any,
    derivative: Any,
    variable: sp.Symbol,
    *,
    at: Any = None,
    region: Any = None,
    side: int = 0,
    context: Any = sp.true,
) -> Check:
    """Check a claimed (one-sided) derivative against difference quotients of ``expr``.

    The quotients are taken of the *original* expression (``Abs``, ``Max``,
    ``Piecewise`` and all), so the check is independent of how the derivative
    was obtained.  Either ``at`` (a point, possibly symbolic) or ``region`` (an
    interval of ``variable``, sampled) says where.  ``side`` is +1 for the
    right derivative, -1 for the left one, 0 for the two-sided derivative.
    """
    expr, derivative = sp.sympify(expr), sp.sympify(derivative)
    if at is not None:
        parameters = _ordered_symbols(expr, derivative, at, context)
        parameters = [p for p in parameters if p != variable]
        points = sample_points(parameters, context)
        locations = [(point, at_point(at, point)) for point in points]
    else:
        parameters = [p for p in _ordered_symbols(expr, derivative, region, context) if p != variable]
        condition = sp.And(context, region.as_relational(variable))
        points = sample_points([*parameters, variable], condition)
        locations = [({k: val for k, val in point.items() if k != variable}, point[variable]) for point in points]
    worst: Any = 0
    exact = 0
    used: set[str] = set()
    for point, location in locations:
        # the parameters and the location substituted together: one compiled evaluator serves every point
        claimed = _evaluate(derivative, {**point, variable: location}, used)
        if claimed.is_infinite:
            # A -oo/+oo one-sided derivative is the normal-cone convention at the
            # edge of the domain: g must be +oo just beyond the point.
            beyond = _evaluate(expr, {**point, variable: location + side * STEP})
            if beyond is not sp.oo:
                raise VerificationError(f"{expr} is finite just beyond {variable} = {location}")
            continue
        numeric = _difference_quotient(expr, variable, location, side, point, used)
        error = abs(numeric - claimed) / max(1, abs(claimed))
        slow = error > DERIVATIVE_TOLERANCE and side != 0
        if slow and _exact_one_sided(expr, claimed, variable, location, side, at, point):
            exact += 1  # the quotient converges slowly (g' only Hölder, |x|^(4/3) at 0): its exact limit agrees
            continue
        if error > DERIVATIVE_TOLERANCE:
            shown = ", ".join(f"{k}={val}" for k, val in point.items())
            raise VerificationError(
                f"derivative {derivative} disagrees with the difference quotient of {expr} at "
                f"{variable} = {location} ({shown}): {sp.N(claimed, 8)} vs {sp.N(numeric, 8)}"
            )
        worst = max(worst, error)
    kind = {0: "central", 1: "right", -1: "left"}[side]
    detail = f"{kind} difference quotients of g, " + _numeric_detail(len(locations), worst, used)
    if exact:
        detail += f"; at {exact} of them the quotient converges too slowly and SymPy took its limit exactly"
    return Check("numeric", detail)


def _exact_one_sided(
    expr: sp.Expr, claimed: Any, variable: sp.Symbol, location: Any, side: int, at: Any, point: dict
) -> bool:
    """Whether the exact limit of the one-sided difference quotient of ``expr`` at the point equals ``claimed``.

    The limit is taken once with the parameters symbolic (``at`` the symbolic
    location, cached) and then substituted; if SymPy cannot take it that way,
    or it does not match, it is taken at the point with the parameters'
    values substituted.
    """
    if at is not None:
        general = _one_sided_limit(expr, variable, sp.sympify(at), side)
        if general is not None and is_zero(at_point(general, point) - claimed) is True:
            return True
    at_the_point = _one_sided_limit(at_point(expr, point), variable, location, side)
    return at_the_point is not None and is_zero(at_the_point - claimed) is True


@functools.lru_cache(maxsize=512)
def _one_sided_limit(expr: sp.Expr, variable: sp.Symbol, at: Any, side: int) -> sp.Basic | None:
    """SymPy's limit of the one-sided (side = +1/-1) difference quotient of ``expr`` at ``at``, or None."""
    h = sp.Dummy("h", positive=True)
    quotient = (expr.subs(variable, at + side * h) - expr.subs(variable, at)) / (side * h)
    try:
        limit = sp.limit(quotient, h, 0, "+")
    except (NotImplementedError, ValueError, TypeError):  # no limit computed: the numeric verdict stands
        return None
    if limit.has(sp.Limit) or h in limit.free_symbols:
        return None
    return limit
