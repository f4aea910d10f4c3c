"""Input validation for the public functions and the command line.

Each check raises one specific error from :mod:`derive.errors`, whose message
names the object at fault and the fix:

==========================================  =====================================
problem                                     error
==========================================  =====================================
weight negative, zero (must be > 0), NaN,   :class:`~derive.errors.WeightError`
not real
penalty not in the variable, variable is    :class:`~derive.errors.VariableError`
the prox argument, variable not a symbol
symbol lacking an assumption the            :class:`~derive.errors.AssumptionError`
derivation needs (says which to add)
function the method cannot handle           :class:`~derive.errors.UnsupportedPenaltyError`
non-convex penalty where convexity is       :class:`~derive.errors.NonConvexError`
required (with a witness)
==========================================  =====================================

The cheap checks (:func:`validate_penalty` without ``require_convex``) only
walk the expression tree; the convexity check runs
:func:`derive.penalties.analyse`, which the derivation runs anyway.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import sympy as sp

from .errors import (
    AssumptionError,
    NonConvexError,
    UnsupportedPenaltyError,
    VariableError,
    WeightError,
)

__all__ = [
    "SUPPORTED_FUNCTIONS",
    "validate_weight",
    "validate_parameter_values",
    "parameter_checker",
    "validate_variable",
    "validate_functions",
    "validate_assumptions",
    "validate_convex",
    "validate_penalty",
]

#: Functions a penalty may contain (besides +, *, powers); the derivations handle exactly these.
SUPPORTED_FUNCTIONS: tuple[type, ...] = (sp.Abs, sp.Max, sp.Min, sp.Piecewise, sp.exp, sp.log, sp.cosh, sp.LambertW)


def _requirement(symbol: sp.Symbol) -> str | None:
    """The sign a symbol's values must have, from its assumptions."""
    if symbol.is_positive:
        return "positive"
    if symbol.is_nonnegative:
        return "nonnegative"
    if symbol.is_negative:
        return "negative"
    if symbol.is_nonpositive:
        return "nonpositive"
    if symbol.is_real:
        return "real"
    return None


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, sp.Basic) else sp.sstr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_weight(value: Any, *, name: str = "lambda", positive: bool = True) -> Any:
    """Check a penalty weight: real, not NaN, > 0 (or >= 0 with ``positive=False``).

    Parameters
    ----------
    value : number, sympy expression or symbol, or array of numbers
        The weight.  A symbol must carry the assumption (``positive=True``).
    name : str
        The weight's name, for the message.
    positive : bool
        True: the weight must be > 0; False: >= 0.

    Returns
    -------
    The value, unchanged.

    Raises
    ------
    WeightError
        Negative, zero where positive is required, NaN, or not real.
    AssumptionError
        A symbolic weight whose sign does not follow from its assumptions.

    Examples
    --------
    >>> validate_weight(0.5)
    0.5
    >>> validate_weight(-1)
    Traceback (most recent call last):
    ...
    derive.errors.WeightError: the weight lambda must be positive (lambda > 0), got -1
    """
    want = "positive (lambda > 0)".replace("lambda", name) if positive else f"nonnegative ({name} >= 0)"
    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr):
            raise WeightError(f"the weight {name} must be a number or expression, got {_shown(value)}")
        if value.has(sp.nan, sp.zoo):
            raise WeightError(f"the weight {name} is undefined ({_shown(value)})")
        real = value.is_extended_real
        if real is False:
            raise WeightError(f"the weight {name} must be real, got {_shown(value)}")
        sign_ok = value.is_positive if positive else value.is_nonnegative
        if sign_ok is True:
            return value
        if sign_ok is False:
            raise WeightError(f"the weight {name} must be {want}, got {_shown(value)}")
        assumption = "positive=True" if positive else "nonnegative=True"
        symbols = ", ".join(sorted(str(s) for s in value.free_symbols))
        raise AssumptionError(
            f"the sign of the weight {name} = {_shown(value)} does not follow from its symbols' assumptions; "
            f"create {symbols} with {assumption}, e.g. Symbol({symbols.split(', ')[0]!r}, {assumption})"
        )
    return _check_numbers(value, name, "positive" if positive else "nonnegative", want)


def _check_numbers(value: Any, name: str, kind: str, want: str) -> Any:
    """Check plain numbers and NumPy arrays; other array types (Dask) are not forced."""
    if isinstance(value, bool):
        raise WeightError(f"the weight {name} must be a number, got {value!r}")
    if isinstance(value, numbers.Number | Fraction):
        if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
            if value.imag != 0:
                raise WeightError(f"the weight {name} must be real, got {value!r}")
            value_real = value.real
        else:
            value_real = value
        if isinstance(value_real, float) and math.isnan(value_real):
            raise WeightError(f"the weight {name} is NaN")
        bad = (value_real <= 0) if kind == "positive" else (value_real < 0) if kind == "nonnegative" else False
        if bad:
            raise WeightError(f"the weight {name} must be {want}, got {value!r}")
        return value
    import numpy as np

    if isinstance(value, np.ndarray | np.generic | list | tuple):
        array = np.asarray(value)
        if array.dtype.kind == "c":
            if np.any(array.imag != 0):
                raise WeightError(f"the weight {name} must be real, got complex values")
            array = array.real
        if array.dtype.kind not in "biuf":
            raise WeightError(f"the weight {name} must be numeric, got an array of {array.dtype}")
        if array.dtype.kind == "b":
            raise WeightError(f"the weight {name} must be a number, got booleans")
        if np.any(np.isnan(array)):
            raise WeightError(f"the weight {name} contains NaN")
        if kind == "positive" and np.any(array <= 0):
            raise WeightError(f"the weight {name} must be {want}, got {_smallest(array)}")
        if kind == "nonnegative" and np.any(array < 0):
            raise WeightError(f"the weight {name} must be {want}, got {_smallest(array)}")
        return value
    if hasattr(value, "__array_function__") or hasattr(value, "__array_ufunc__"):
        return value  # a lazy or foreign array: checking would force its computation
    raise WeightError(f"the weight {name} must be a real number, got {type(value).__name__} {_shown(value)}")


def _smallest(array: Any) -> str:
    smallest = array.min()
    return f"{smallest!r}" if array.ndim == 0 else f"an array whose smallest value is {smallest!r}"


def parameter_checker(
    symbols: Sequence[sp.Symbol], names: Sequence[str], positions: Sequence[int]
) -> Callable[[Sequence[Any]], None] | None:
    """A fast ``check(values)`` of the parameters at ``positions`` against their symbols' assumptions.

    Returns None when no parameter carries an assumption to check.  Plain
    ``float``/``int`` values are checked inline; others go through
    :func:`validate_parameter_values`.
    """
    plan = []
    for symbol, name, position in zip(symbols, names, positions, strict=True):
        kind = _requirement(symbol)
        if kind is not None:
            plan.append((position, symbol, name, kind))
    if not plan:
        return None

    def check(values: Sequence[Any]) -> None:
        for position, symbol, name, kind in plan:
            value = values[position]
            if (type(value) is float or type(value) is int) and (
                (kind == "positive" and value > 0)
                or (kind == "nonnegative" and value >= 0)
                or (kind == "real" and value == value)
            ):
                continue  # the common case, decided without a call
            validate_parameter_values([symbol], [value], [name])

    return check


def validate_parameter_values(symbols: Sequence[sp.Symbol], values: Sequence[Any], names: Sequence[str]) -> None:
    """Check numeric parameter values against their symbols' assumptions (``lambda > 0``, ``a`` real).

    Raises
    ------
    WeightError
        A value violates its symbol's assumption (negative or zero weight, NaN, complex).
    """
    for symbol, value, name in zip(symbols, values, names, strict=True):
        kind = _requirement(symbol)
        if kind in ("positive", "nonnegative"):
            want = f"{kind} ({name} {'>' if kind == 'positive' else '>='} 0)"
            _check_numbers(value, name, kind, want)
        elif kind is not None:
            _check_numbers(value, name, "real", "real")


def validate_variable(expr: Any, variable: Any, *, argument: sp.Symbol | None = None) -> None:
    """Check that ``expr`` is a function of ``variable`` (a real symbol other than ``argument``).

    Raises
    ------
    VariableError
        ``variable`` is not a symbol, is the prox argument, or does not occur in ``expr``.
    AssumptionError
        ``variable`` is not declared real.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import x, beta, lam
    >>> validate_variable(lam*sp.Abs(beta), x)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    derive.errors.VariableError: the penalty lambda*Abs(beta) does not contain the variable x; ...
    """
    if not isinstance(variable, sp.Symbol):
        raise VariableError(f"the variable must be a SymPy Symbol, got {type(variable).__name__} {_shown(variable)}")
    if argument is not None and variable == argument:
        raise VariableError(
            f"the variable cannot be {argument}: {argument} is the argument of the prox; name the penalty's variable x"
        )
    if variable.is_real is not True:
        raise AssumptionError(
            f"the variable {variable} must be real: create it with Symbol({variable.name!r}, real=True)"
        )
    if not isinstance(expr, sp.Basic) or variable not in expr.free_symbols:
        others = sorted(
            (s for s in getattr(expr, "free_symbols", ()) if isinstance(s, sp.Symbol) and s != argument),
            key=lambda s: (bool(s.is_positive), s.name),
        )
        hint = ""
        if others:
            hint = f"; it is a function of {others[0]}: derive it in {others[0]} (--var {others[0]})"
        raise VariableError(f"the penalty {_shown(expr)} does not contain the variable {variable}{hint}")


def validate_functions(expr: sp.Basic) -> None:
    """Check that ``expr`` uses only :data:`SUPPORTED_FUNCTIONS` (and +, *, powers).

    Raises
    ------
    UnsupportedPenaltyError
        Naming the first unsupported function and listing the supported ones.
    """
    if not isinstance(expr, sp.Expr):
        raise UnsupportedPenaltyError(f"the penalty must be a SymPy expression, got {type(expr).__name__}")
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Function) and not isinstance(node, SUPPORTED_FUNCTIONS):
            supported = ", ".join(f.__name__ for f in SUPPORTED_FUNCTIONS)
            raise UnsupportedPenaltyError(
                f"the function {node.func.__name__} in {_shown(expr)} is not supported; supported: {supported} "
                "and powers (sqrt)"
            )
        if isinstance(node, sp.Derivative | sp.Integral | sp.Sum | sp.Product):
            raise UnsupportedPenaltyError(f"{type(node).__name__} in {_shown(expr)} is not supported")
        if node in (sp.nan, sp.zoo, sp.I):
            raise UnsupportedPenaltyError(f"the penalty {_shown(expr)} is not real-valued (contains {node})")


def validate_assumptions(expr: sp.Expr, variable: sp.Symbol) -> None:
    """Check that every parameter of ``expr`` is declared real (say how to declare it).

    Raises
    ------
    AssumptionError
        Naming the parameter and the assumption to add (``positive=True`` for
        a weight, i.e. a symbol multiplying a term in the variable, else
        ``real=True``).
    """
    for symbol in sorted(expr.free_symbols - {variable}, key=lambda s: str(s)):
        if not isinstance(symbol, sp.Symbol) or symbol.is_real:
            continue
        weight = any(
            isinstance(term, sp.Mul) and symbol in term.args and term.has(variable)
            for term in sp.preorder_traversal(expr)
        )
        assumption = "positive=True" if weight else "real=True"
        role = "a weight" if weight else "a parameter"
        raise AssumptionError(
            f"the symbol {symbol} in {_shown(expr)} is {role} with no {'sign' if weight else 'real'} assumption: "
            f"create it with Symbol({symbol.name!r}, {assumption})"
        )


def validate_convex(expr: sp.Expr, variable: sp.Symbol, *, assumptions: Any = sp.true) -> None:
    """Check that ``expr`` is convex in ``variable``; say why not, or which assumption would decide it.

    Raises
    ------
    NonConvexError
        With a witness: a kink where the slope drops, or a piece with g'' < 0.
    AssumptionError
        SymPy cannot decide convexity; names a parameter whose ``positive=True``
        (or ``nonnegative=True``) assumption decides it, when there is one.
    """
    from .penalties import analyse

    structure = analyse(expr, variable, assumptions=assumptions)
    verdict = structure.convex
    if verdict is True:
        return
    if verdict is False:
        raise NonConvexError(f"{_shown(expr)} is not convex in {variable}: {_witness(structure)}")
    for symbol in sorted(expr.free_symbols - {variable}, key=lambda s: str(s)):
        if symbol.is_nonnegative or symbol.is_nonpositive:
            continue
        for assumption in ("positive", "nonnegative"):
            trial = sp.Symbol(symbol.name, **{assumption: True})
            try:
                decided = analyse(expr.xreplace({symbol: trial}), variable, assumptions=assumptions).convex
            except Exception:  # the trial is a probe: any failure means "this assumption does not help"
                continue
            if decided is True:
                raise AssumptionError(
                    f"cannot decide whether {_shown(expr)} is convex in {variable}: add {assumption}=True to "
                    f"{symbol} (Symbol({symbol.name!r}, {assumption}=True))"
                )
    raise AssumptionError(
        f"cannot decide whether {_shown(expr)} is convex in {variable}; add assumptions to its parameters "
        "(e.g. positive=True) or pass assumptions= relating them"
    )


def _witness(structure: Any) -> str:
    from .penalties import compare

    for k in structure.breakpoints:
        if k.value is not sp.oo and compare(k.left, k.right, structure.assumptions, strict=False) is False:
            return f"at {structure.variable} = {sp.sstr(k.point)} the slope drops from {k.left} to {k.right}"
    for piece in structure.pieces:
        if piece.finite and structure.second_derivative_nonnegative(piece) is False:
            second = sp.simplify(sp.diff(piece.expr, structure.variable, 2))
            return f"on {sp.sstr(piece.interval)} the second derivative {sp.sstr(second)} is negative"
    return "its domain is not an interval or it jumps at a breakpoint"


def validate_penalty(
    expr: Any,
    variable: Any,
    *,
    argument: sp.Symbol | None = None,
    require_convex: bool = False,
    assumptions: Any = sp.true,
) -> sp.Expr:
    """Run the checks a derivation needs before it starts; return the penalty as a SymPy expression.

    Order: type and supported functions, the variable, the parameters'
    assumptions, then (``require_convex``) convexity.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import x, lam
    >>> validate_penalty(lam*sp.Abs(x), x, require_convex=True)
    lambda*Abs(x)
    >>> validate_penalty(-lam*sp.Abs(x), x, require_convex=True)
    Traceback (most recent call last):
    ...
    derive.errors.NonConvexError: -lambda*Abs(x) is not convex in x: at x = 0 the slope drops from lambda to -lambda
    """
    if isinstance(expr, str):
        raise UnsupportedPenaltyError(
            "the penalty must be a SymPy expression; parse text with derive.parse.parse_expression first"
        )
    try:
        expr = sp.sympify(expr, strict=True)
    except (sp.SympifyError, TypeError) as exc:
        raise UnsupportedPenaltyError(f"the penalty must be a SymPy expression, got {type(expr).__name__}") from exc
    validate_functions(expr)
    validate_variable(expr, variable, argument=argument)
    validate_assumptions(expr, variable)
    if require_convex:
        validate_convex(expr, variable, assumptions=assumptions)
    return expr
