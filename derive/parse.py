"""Safe, restricted parsing of penalty expressions typed on the command line.

The parser turns text such as ``lambda*abs(x) + mu/2*x^2`` into a SymPy
expression built from the toolkit's own symbols (:mod:`derive.symbols`).  It
never hands the text to Python or to SymPy's string parser (``eval``,
``exec``, ``compile``, ``ast``, ``sympify``, ``parse_expr``): a small
hand-written tokenizer and recursive-descent parser build SymPy objects
directly from the tokens, so the text cannot run code, import modules, touch
files or reach attributes.

Grammar (whitespace is allowed between any two tokens)::

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("+" | "-")* power
    power      := primary (("^" | "**") unary)?        # right-associative
    primary    := number | name | name "(" arguments ")" | "(" expression ")"
    arguments  := expression ("," expression)*
    number     := digits ("." digits)? (("e" | "E") ("+" | "-")? digits)?

Powers bind tighter than a unary minus on their left (``-x^2`` is ``-(x^2)``)
and may take a signed exponent (``x^-1``).  Numbers become exact SymPy
rationals (``0.5`` is ``1/2``, ``1e-3`` is ``1/1000``); floats are never
created.  There is no implicit multiplication (``2x`` is an error), and no
attribute access, subscripts, strings, keywords, assignments or comparisons.

Names are looked up in the ``symbols`` mapping (by default
:data:`derive.symbols.DEFAULT_SYMBOLS`) and then among the constants (only
``pi``; ``e`` is deliberately not a constant).  Names that start or end with an
underscore or contain ``__`` are rejected before any lookup.  Functions come
from a fixed whitelist, :data:`FUNCTIONS`:

=====================  =====================================================
``abs``, ``Abs``       ``Abs(e)``
``max``, ``Max``       ``Max(e1, e2, ...)`` (two or more arguments)
``min``, ``Min``       ``Min(e1, e2, ...)`` (two or more arguments)
``sqrt``               ``sqrt(e)``
``exp``                ``exp(e)``
``log``                ``log(e)`` (natural logarithm, one argument)
``cosh``               ``cosh(e)``
``huber(e, d)``        ``Piecewise((e**2/2, Abs(e) <= d), (d*(Abs(e) - d/2), True))``
``indicator(e, l, h)`` ``Piecewise((0, (e >= l) & (e <= h)), (oo, True))``: the
                       convex-analysis indicator of ``[l, h]`` (zero inside,
                       ``+oo`` outside)
=====================  =====================================================

Limits keep parsing fast and memory-bounded whatever the input:

* :data:`MAX_LENGTH` characters of input;
* :data:`MAX_DEPTH` levels of nesting, counting parentheses, unary signs,
  power exponents and function calls.  The depth is counted while parsing, so
  deeply nested input is rejected long before Python's recursion limit;
* :data:`MAX_DIGITS` digits in a numeric literal, and a literal's decimal
  exponent (``1e-3``) of at most :data:`MAX_DIGITS` in absolute value;
* a constant exponent must have absolute value at most :data:`MAX_EXPONENT`
  and, if rational, a denominator of at most :data:`MAX_EXPONENT`.  This is
  checked on the already-built operands *before* the power is formed, so
  ``x**10**10`` or ``2^1000`` never compute a huge number.  Symbolic exponents
  (``abs(x)^a``) are allowed;
* a power with a constant exponent may not produce numbers of more than about
  :data:`MAX_POWER_DIGITS` digits (this bounds ``((10^30)^64)^64`` and the like);
* a constant argument of ``exp`` or ``cosh`` must have absolute value at most
  :data:`MAX_EXP_ARGUMENT`, and the numeric coefficients of logarithms inside
  ``exp`` or inside an exponent are bounded the same way as exponents (SymPy
  rewrites ``exp(k*log(n))`` to ``n**k``);
* functions and powers applied to constants (``cosh(cosh(1/4) - 5/4)``) may
  be nested at most :data:`MAX_CONSTANT_NESTING` deep, and every constant
  sub-expression must be a real number (``sqrt(-1)`` and ``log(-2)`` are
  rejected): SymPy evaluates constants numerically as it builds them, at a cost
  exponential in their nesting and much higher for complex values;
* ``huber`` and ``indicator`` (SymPy ``Piecewise`` objects) may only be
  added, subtracted, multiplied and scaled: they cannot appear inside a
  function's argument (including another ``huber`` or ``indicator``), in a
  power, or in a denominator.  SymPy's automatic simplification of such
  compositions can be exponential, or run into polynomial factorization, when
  it queries the sign of a ``Piecewise``.  Their conditions must also have a
  stable canonical form: for a few conditions, such as
  ``cosh(c)/x <= pi - 2*c``, ``Piecewise`` rewrites them back and forth until
  Python's recursion limit;
* function calls may be nested at most :data:`MAX_CALL_DEPTH` deep, and
  ``max``/``min`` take at most :data:`MAX_ARGUMENTS` arguments (SymPy compares
  every pair of arguments, and its simplification of nested calls is
  polynomial with a large degree).

Every failure, including a non-``str`` argument, raises
:class:`derive.errors.ParseError` with a one-line message that says what is
wrong and, where it applies, the 1-based column.  Results that are undefined
(they contain ``zoo`` or ``nan``, e.g. ``1/0`` or ``log(0)``) are rejected too.
"""

from __future__ import annotations

import math
import operator
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

try:  # SymPy's canonicalisation of Piecewise conditions (private; see _stable_condition)
    from sympy.core.relational import _canonical_coeff
except ImportError:  # pragma: no cover - other SymPy versions: rely on build()'s error handling
    _canonical_coeff = None

from .errors import ParseError
from .symbols import DEFAULT_SYMBOLS

__all__ = [
    "parse_expression",
    "FUNCTIONS",
    "CONSTANTS",
    "MAX_LENGTH",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_POWER_DIGITS",
    "MAX_EXP_ARGUMENT",
    "MAX_CONSTANT_NESTING",
    "MAX_CALL_DEPTH",
    "MAX_ARGUMENTS",
]

#: Longest accepted input, in characters.
MAX_LENGTH: int = 2000
#: Deepest accepted nesting of parentheses, unary signs, power exponents and calls.
MAX_DEPTH: int = 64
#: Most digits in a numeric literal; also the largest decimal exponent (``1e30``).
MAX_DIGITS: int = 30
#: Largest absolute value, and largest denominator, of a constant exponent.
MAX_EXPONENT: int = 64
#: Largest number (in decimal digits, estimated) a constant power may produce.
MAX_POWER_DIGITS: int = 1000
#: Largest absolute value of a constant argument of ``exp`` or ``cosh``.
MAX_EXP_ARGUMENT: int = 1000
#: Deepest nesting of functions and powers inside a constant sub-expression.
MAX_CONSTANT_NESTING: int = 6
#: Deepest nesting of function calls (a stricter bound than :data:`MAX_DEPTH`).
MAX_CALL_DEPTH: int = 16
#: Most arguments of ``max``/``min``, counting those of directly nested calls,
#: which SymPy merges (``max(max(a, b), c)`` has three).
MAX_ARGUMENTS: int = 8

#: Names of the supported functions, in the order they are listed in messages.
FUNCTIONS: tuple[str, ...] = (
    "abs",
    "Abs",
    "max",
    "Max",
    "min",
    "Min",
    "sqrt",
    "exp",
    "log",
    "cosh",
    "huber",
    "indicator",
)

#: Named constants, looked up after the ``symbols`` mapping.
CONSTANTS: Mapping[str, sp.Expr] = {"pi": sp.pi}

_WHITESPACE = frozenset(" \t\n\r\f\v")
_DIGITS = frozenset(string.digits)
_NAME_START = frozenset(string.ascii_letters + "_")
_NAME_CHARS = _NAME_START | _DIGITS
_SINGLE_OPS = frozenset("+-*/^(),")
_CHAR_HINTS = {
    "[": "subscripts are not allowed",
    "]": "subscripts are not allowed",
    "'": "strings are not allowed",
    '"': "strings are not allowed",
    "`": "strings are not allowed",
    "=": "assignments and comparisons are not allowed",
    "<": "comparisons are not allowed",
    ">": "comparisons are not allowed",
    "!": "comparisons are not allowed",
    ":": "lambdas, slices and annotations are not allowed",
    ";": "only a single expression is allowed",
    "{": "only parentheses may group",
    "}": "only parentheses may group",
}
_LOG2_10 = math.log2(10)
_MAX_POWER_BITS = math.ceil(MAX_POWER_DIGITS * _LOG2_10)
_SHOW_NAME = 40  # longest name echoed back in full in a message


@dataclass(frozen=True, slots=True)
class _Token:
    """One token: ``kind`` is ``"number"``, ``"name"``, ``"op"`` or ``"end"``."""

    kind: str
    text: str
    col: int  # 1-based column of the first character


@dataclass(frozen=True, slots=True)
class _Function:
    """A whitelisted function: arity bounds, builder and usage text."""

    min_args: int
    max_args: int | None
    build: Callable[..., sp.Expr]
    usage: str


def _show(name: str) -> str:
    """Quote a name for a message, shortening very long ones."""
    if len(name) > _SHOW_NAME:
        name = name[:_SHOW_NAME] + "..."
    return repr(name)


def _describe(token: _Token) -> str:
    """Describe a token for a message."""
    if token.kind == "end":
        return "the end of the expression"
    if token.kind == "number":
        return f"number {_show(token.text)}"
    if token.kind == "name":
        return f"name {_show(token.text)}"
    return repr(token.text)


def _known(names: Sequence[str]) -> str:
    return ", ".join(sorted(names, key=lambda n: (n.lower(), n)))


class _Lexer:
    """Hand-written tokenizer; produces tokens on demand, left to right."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def next(self) -> _Token:
        text, n = self.text, len(self.text)
        i = self.pos
        while i < n and text[i] in _WHITESPACE:
            i += 1
        if i >= n:
            self.pos = i
            return _Token("end", "", n + 1)
        ch = text[i]
        if ch in _DIGITS:
            return self._number(i)
        if ch in _NAME_START:
            j = i + 1
            while j < n and text[j] in _NAME_CHARS:
                j += 1
            name = text[i:j]
            if name.startswith("_") or name.endswith("_") or "__" in name:
                raise ParseError(
                    "names with underscores at either end are not allowed, nor names "
                    f"containing '__': {_show(name)} at column {i + 1}"
                )
            self.pos = j
            return _Token("name", name, i + 1)
        if ch == "*" and text.startswith("**", i):
            self.pos = i + 2
            return _Token("op", "**", i + 1)
        if ch in _SINGLE_OPS:
            self.pos = i + 1
            return _Token("op", ch, i + 1)
        raise ParseError(f"unexpected character {ch!r} at column {i + 1}{self._hint(i)}")

    def _hint(self, i: int) -> str:
        ch = self.text[i]
        if ch == ".":
            prev = self.text[i - 1] if i else ""
            if prev in _DIGITS:
                return " (a decimal point must be followed by a digit, e.g. 0.5)"
            if prev and (prev in _NAME_CHARS or prev == ")"):
                return " (attribute access is not allowed)"
            return " (a number must start with a digit, e.g. 0.5)"
        hint = _CHAR_HINTS.get(ch)
        if hint is None:
            if ch.isascii() and ch.isprintable():
                hint = "the supported operators are + - * / ^ ** ( ) ,"
            else:
                hint = "only ASCII letters, digits, spaces and + - * / ^ ( ) , are allowed"
        return f" ({hint})"

    def _number(self, i: int) -> _Token:
        text, n = self.text, len(self.text)
        j = i
        while j < n and text[j] in _DIGITS:
            j += 1
        if j + 1 < n and text[j] == "." and text[j + 1] in _DIGITS:
            j += 1
            while j < n and text[j] in _DIGITS:
                j += 1
        if j < n and text[j] in "eE":
            k = j + 1
            if k < n and text[k] in "+-":
                k += 1
            if k < n and text[k] in _DIGITS:
                while k < n and text[k] in _DIGITS:
                    k += 1
                j = k
        self.pos = j
        return _Token("number", text[i:j], i + 1)


def _number_value(token: _Token) -> sp.Rational:
    """Convert a numeric literal to an exact rational, within the digit limits."""
    text = token.text
    mantissa, _, exponent = text.replace("E", "e").partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    if len(digits) > MAX_DIGITS:
        raise ParseError(f"numeric literal at column {token.col} has {len(digits)} digits (the limit is {MAX_DIGITS})")
    power = 0
    if exponent:
        sign = -1 if exponent.startswith("-") else 1
        exp_digits = exponent.lstrip("+-").lstrip("0") or "0"
        if len(exp_digits) > len(str(MAX_DIGITS)) or int(exp_digits) > MAX_DIGITS:
            raise ParseError(
                f"the exponent of numeric literal {_show(text)} at column {token.col} "
                f"is too large (the limit is {MAX_DIGITS} in absolute value)"
            )
        power = sign * int(exp_digits)
    power -= len(frac)
    numerator = int(digits)
    if power >= 0:
        return sp.Rational(numerator * 10**power, 1)
    return sp.Rational(numerator, 10**-power)


def _rational_bits(r: sp.Rational) -> int:
    return abs(r.p).bit_length() + r.q.bit_length()


def _log2_bound(expr: sp.Basic) -> int:
    """An upper bound on log2 of the largest absolute value of a rational in ``expr``."""
    return max((max(abs(r.p).bit_length() - r.q.bit_length() + 1, 0) for r in expr.atoms(sp.Rational)), default=0)


def _magnitude(expr: sp.Expr) -> float | None:
    """Absolute value of a constant expression, or ``None`` if it cannot be bounded.

    Only called on expressions built under this module's limits, whose numeric
    evaluation is therefore cheap.
    """
    try:
        value = abs(complex(expr))
    except Exception:
        return None
    if math.isnan(value):
        return None
    return value


def _first_line(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:
        text = ""
    text = text.strip().splitlines()[0] if text.strip() else ""
    if len(text) > 120:
        text = text[:120] + "..."
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def _canonical_condition_is_stable(cond: sp.Basic) -> bool:
    """Whether SymPy's canonical form of a ``Piecewise`` condition is reached.

    ``Piecewise`` rewrites relational conditions into a canonical form and
    rebuilds itself until nothing changes; for some conditions (for example
    ``cosh(c)/x <= pi - 2*c``) SymPy's rewriting oscillates and the rebuilding
    recurses until Python's recursion limit.  This replays the rewriting a few
    times and reports whether it settles.
    """
    if _canonical_coeff is None:  # pragma: no cover
        return True
    for _ in range(4):
        rewritten = cond.replace(lambda node: node.is_Relational, _canonical_coeff)
        if rewritten == cond:
            return True
        cond = rewritten
    return False


def _huber_condition(e: sp.Expr, d: sp.Expr) -> sp.Basic:
    return sp.Abs(e) <= d


def _indicator_condition(e: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> sp.Basic:
    return (e >= lo) & (e <= hi)


class _Parser:
    """Recursive-descent parser with an explicit nesting-depth budget."""

    def __init__(self, text: str, symbols: Mapping[str, sp.Symbol]) -> None:
        self.lexer = _Lexer(text)
        self.symbols = symbols
        self.depth = 0
        self.call_depth = 0
        self.token = self.lexer.next()
        self.functions: dict[str, _Function] = {
            "abs": _Function(1, 1, sp.Abs, "abs(e)"),
            "Abs": _Function(1, 1, sp.Abs, "Abs(e)"),
            "max": _Function(2, None, sp.Max, "max(e1, e2, ...)"),
            "Max": _Function(2, None, sp.Max, "Max(e1, e2, ...)"),
            "min": _Function(2, None, sp.Min, "min(e1, e2, ...)"),
            "Min": _Function(2, None, sp.Min, "Min(e1, e2, ...)"),
            "sqrt": _Function(1, 1, self._sqrt, "sqrt(e)"),
            "exp": _Function(1, 1, self._exp, "exp(e)"),
            "log": _Function(1, 1, sp.log, "log(e)"),
            "cosh": _Function(1, 1, self._cosh, "cosh(e)"),
            "huber": _Function(2, 2, self._huber, "huber(e, d)"),
            "indicator": _Function(3, 3, self._indicator, "indicator(e, lo, hi)"),
        }
        self._call_token = self.token  # the function token of the call being built
        self._nesting: dict[sp.Basic, int] = {}
        self._latent: dict[sp.Basic, float] = {}

    # -- token handling ---------------------------------------------------

    def advance(self) -> _Token:
        token = self.token
        self.token = self.lexer.next()
        return token

    def at_op(self, *ops: str) -> bool:
        return self.token.kind == "op" and self.token.text in ops

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError(
                f"expression is nested too deeply at column {token.col} (the limit is "
                f"{MAX_DEPTH} levels of parentheses, signs, powers and calls)"
            )

    def unexpected(self, expected: str) -> ParseError:
        """The error for the current token when ``expected`` was wanted."""
        token = self.token
        if token.kind in ("name", "number") or (token.kind == "op" and token.text == "("):
            return ParseError(
                f"missing operator before {_describe(token)} at column {token.col} "
                "(implicit multiplication is not allowed: write 2*x, not 2x)"
            )
        if token.kind == "end":
            return ParseError(f"unexpected end of the expression at column {token.col} (expected {expected})")
        if token.text == ")" and self.depth == 0:
            return ParseError(f"unmatched ')' at column {token.col}")
        return ParseError(f"unexpected {_describe(token)} at column {token.col} (expected {expected})")

    # -- grammar ------------------------------------------------------------

    def parse(self) -> sp.Expr:
        if self.token.kind == "end":
            raise ParseError("empty expression")
        result = self.sum()
        if self.token.kind != "end":
            raise self.unexpected("an operator or the end of the expression")
        return result

    def sum(self) -> sp.Expr:
        left = self.product()
        while self.at_op("+", "-"):
            op = self.advance()
            right = self.product()
            left = self.build(op, operator.add if op.text == "+" else operator.sub, left, right)
        return left

    def product(self) -> sp.Expr:
        left = self.unary()
        while self.at_op("*", "/"):
            op = self.advance()
            right = self.unary()
            if op.text == "/" and right == 0:
                raise ParseError(f"division by zero at column {op.col}")
            if op.text == "/" and right.has(sp.Piecewise):
                raise ParseError(
                    f"cannot divide by an expression containing huber() or indicator() (the '/' at column {op.col})"
                )
            left = self.build(op, operator.mul if op.text == "*" else operator.truediv, left, right)
        return left

    def unary(self) -> sp.Expr:
        signs: list[_Token] = []
        while self.at_op("+", "-"):
            sign = self.advance()
            self.enter(sign)
            signs.append(sign)
        operand = self.power()
        for sign in reversed(signs):
            if sign.text == "-":
                operand = self.build(sign, operator.neg, operand)
        self.depth -= len(signs)
        return operand

    def power(self) -> sp.Expr:
        base = self.primary()
        if not self.at_op("^", "**"):
            return base
        op = self.advance()
        self.enter(op)
        exponent = self.unary()
        self.depth -= 1
        return self.make_power(op, base, exponent)

    def primary(self) -> sp.Expr:
        token = self.token
        if token.kind == "number":
            self.advance()
            return _number_value(token)
        if token.kind == "name":
            self.advance()
            if self.at_op("("):
                return self.call(token)
            return self.lookup(token)
        if token.kind == "op" and token.text == "(":
            self.advance()
            self.enter(token)
            inner = self.sum()
            if not self.at_op(")"):
                if self.token.kind == "end":
                    raise ParseError(f"missing ')' to close the '(' at column {token.col}")
                raise self.unexpected("')' or an operator")
            self.advance()
            self.depth -= 1
            return inner
        raise self.unexpected("a number, a name or '('")

    def lookup(self, token: _Token) -> sp.Expr:
        name = token.text
        if name in self.symbols:
            return self.symbols[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in self.functions:
            raise ParseError(
                f"function {_show(name)} at column {token.col} must be called with "
                f"arguments, e.g. {self.functions[name].usage}"
            )
        raise ParseError(
            f"unknown name {_show(name)} at column {token.col}; known names: {_known([*self.symbols, *CONSTANTS])}"
        )

    def call(self, name: _Token) -> sp.Expr:
        function = self.functions.get(name.text)
        if function is None:
            if name.text in self.symbols or name.text in CONSTANTS:
                raise ParseError(
                    f"{_show(name.text)} at column {name.col} is a symbol, not a function "
                    "(implicit multiplication is not allowed: write x*(...))"
                )
            raise ParseError(
                f"unknown function {_show(name.text)} at column {name.col}; supported: {', '.join(FUNCTIONS)}"
            )
        paren = self.advance()
        self.enter(paren)
        self.call_depth += 1
        if self.call_depth > MAX_CALL_DEPTH:
            raise ParseError(
                f"function calls are nested too deeply at column {name.col} (the limit is {MAX_CALL_DEPTH})"
            )
        args: list[sp.Expr] = []
        if not self.at_op(")"):
            while True:
                args.append(self.sum())
                if self.at_op(","):
                    self.advance()
                    continue
                if self.at_op(")"):
                    break
                if self.token.kind == "end":
                    raise ParseError(f"missing ')' to close the call of {name.text}() at column {name.col}")
                raise self.unexpected("',' or ')'")
        self.advance()
        self.depth -= 1
        self.call_depth -= 1
        count = len(args)
        too_few = count < function.min_args
        too_many = function.max_args is not None and count > function.max_args
        if too_few or too_many:
            if function.max_args == function.min_args:
                wanted = f"exactly {function.min_args}"
            elif too_few:
                wanted = f"at least {function.min_args}"
            else:
                wanted = f"at most {function.max_args}"
            plural = "" if wanted.endswith(" 1") else "s"
            raise ParseError(
                f"{name.text}() at column {name.col} takes {wanted} argument{plural} "
                f"({count} given); usage: {function.usage}"
            )
        for arg in args:
            if arg.has(sp.Piecewise):
                raise ParseError(
                    f"{name.text}() at column {name.col} cannot take an argument that contains huber() or "
                    "indicator(); those may only be added, subtracted and multiplied"
                )
        if function.build in (sp.Max, sp.Min):
            merged = sum(len(arg.args) if isinstance(arg, function.build) else 1 for arg in args)
            if merged > MAX_ARGUMENTS:
                raise ParseError(
                    f"{name.text}() at column {name.col} has {merged} arguments, counting "
                    f"those of nested {name.text.lower()}() calls (the limit is {MAX_ARGUMENTS})"
                )
        self.check_constant_nesting(name, args)
        self._call_token = name
        return self.build(name, function.build, *args)

    # -- building SymPy objects ---------------------------------------------

    def build(self, token: _Token, make: Callable[..., sp.Expr], *args: sp.Expr) -> sp.Expr:
        """Call ``make(*args)``, turning any failure or undefined result into ParseError."""
        try:
            result = make(*args)
        except ParseError:
            raise
        except Exception as exc:
            raise ParseError(f"cannot build the expression at column {token.col}: {_first_line(exc)}") from exc
        if not isinstance(result, sp.Expr):
            raise ParseError(
                f"the operation at column {token.col} does not give a number-valued "
                f"expression (got {type(result).__name__})"
            )
        if result.has(sp.S.NaN, sp.S.ComplexInfinity):
            raise ParseError(f"expression is undefined (division by zero?) at column {token.col}")
        if result.is_number:
            try:
                real = result.is_extended_real
            except Exception as exc:
                raise ParseError(
                    f"cannot decide whether the constant at column {token.col} is real: {_first_line(exc)}"
                ) from exc
            if real is not True:
                raise ParseError(
                    f"the constant at column {token.col} is not a real number "
                    "(e.g. the square root or logarithm of a negative number)"
                    if real is False
                    else f"cannot decide whether the constant at column {token.col} is real"
                )
        return result

    def nesting(self, expr: sp.Basic) -> int:
        """Depth of nested function applications and powers in ``expr`` (memoized)."""
        memo = self._nesting
        depth = memo.get(expr)
        if depth is None:
            inner = max((self.nesting(arg) for arg in expr.args), default=0)
            depth = inner + 1 if isinstance(expr, (sp.Function, sp.Pow)) else inner
            memo[expr] = depth
        return depth

    def latent_bits(self, expr: sp.Basic) -> float:
        """Size in bits of the numbers SymPy may compute from ``expr`` (memoized).

        A rational counts its own size; a power ``b**e`` counts the size of
        ``b`` times the largest rational in ``e``, because SymPy may split
        ``b**(e1 + k)`` into ``b**k * b**e1`` and compute ``b**k``.
        """
        memo = self._latent
        bits = memo.get(expr)
        if bits is None:
            if isinstance(expr, sp.Rational):
                bits = float(_rational_bits(expr))
            elif isinstance(expr, sp.Pow):
                base, exponent = expr.args
                bits = self.latent_bits(base) * 2.0 ** min(_log2_bound(exponent), 1000) + self.latent_bits(exponent)
            else:
                bits = float(sum(self.latent_bits(arg) for arg in expr.args))
            memo[expr] = bits
        return bits

    def check_constant_nesting(self, token: _Token, args: Sequence[sp.Expr]) -> None:
        """Bound the nesting of functions of constants, which SymPy evaluates eagerly."""
        if not all(arg.is_number for arg in args):
            return
        if max((self.nesting(arg) for arg in args), default=0) >= MAX_CONSTANT_NESTING:
            raise ParseError(
                f"the constant sub-expression at column {token.col} is nested too deeply "
                f"(functions and powers of constants may be nested at most "
                f"{MAX_CONSTANT_NESTING} levels)"
            )

    def check_log_coefficients(self, token: _Token, expr: sp.Expr, where: str) -> None:
        """Bound the numbers SymPy may create by rewriting ``exp(k*log(n))`` as ``n**k``."""
        if not expr.has(sp.log):
            return
        inside = set()
        for log_term in expr.atoms(sp.log):
            inside |= log_term.args[0].atoms(sp.Rational)
        base_bits = sum(abs(r.p).bit_length() + r.q.bit_length() for r in inside)
        coefficient_bits = 0.0
        for r in expr.atoms(sp.Rational) - inside:
            coefficient_bits += math.log2(max(abs(r.p), r.q, 1))
        if coefficient_bits > math.log2(MAX_EXPONENT) or (base_bits * 2**coefficient_bits > _MAX_POWER_BITS):
            raise ParseError(
                f"the numbers in {where} at column {token.col} are too large "
                f"for an expression containing log (numeric coefficients may multiply "
                f"to at most {MAX_EXPONENT}, and numbers inside log must stay small)"
            )

    def make_power(self, op: _Token, base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
        """Form ``base**exponent`` after checking the exponent and result size."""
        if base.has(sp.Piecewise) or exponent.has(sp.Piecewise):
            raise ParseError(
                f"huber() and indicator() cannot be used in a power (the power at column {op.col}); "
                "they may only be added, subtracted and multiplied"
            )
        magnitude = 1.0
        if exponent.is_number:
            if isinstance(exponent, sp.Rational):
                p, q = abs(exponent.p), exponent.q
                if p > MAX_EXPONENT * q:
                    shown = str(exponent) if p.bit_length() < 200 else "a huge number"
                    raise ParseError(
                        f"the exponent at column {op.col} is too large: {shown} "
                        f"(its absolute value must be at most {MAX_EXPONENT})"
                    )
                if q > MAX_EXPONENT:
                    raise ParseError(
                        f"the exponent at column {op.col} has denominator {q} (the limit is {MAX_EXPONENT})"
                    )
                magnitude = max(1.0, p / q)
            else:
                value = _magnitude(exponent)
                if value is None or value > MAX_EXPONENT:
                    raise ParseError(
                        f"the constant exponent at column {op.col} is too large or cannot "
                        f"be bounded (its absolute value must be at most {MAX_EXPONENT})"
                    )
                magnitude = max(1.0, value)
        else:
            # SymPy may split off and compute base**k for a rational k in the exponent.
            magnitude = 2.0 ** min(_log2_bound(exponent), 1000)
        bits = self.latent_bits(base) * magnitude
        if bits > _MAX_POWER_BITS:
            digits = f"about {math.ceil(bits / _LOG2_10)}" if bits < 1e12 else "astronomically many"
            raise ParseError(
                f"the power at column {op.col} could create numbers of {digits} digits "
                f"(the limit is {MAX_POWER_DIGITS})"
            )
        self.check_log_coefficients(op, exponent, "the exponent")
        self.check_constant_nesting(op, (base, exponent))
        return self.build(op, sp.Pow, base, exponent)

    def _sqrt(self, arg: sp.Expr) -> sp.Expr:
        return self.make_power(self._call_token, arg, sp.S.Half)

    def _check_exp_argument(self, arg: sp.Expr, name: str) -> None:
        token = self._call_token
        if arg.is_number:
            value = _magnitude(arg)
            if value is None or value > MAX_EXP_ARGUMENT:
                raise ParseError(
                    f"the constant argument of {name}() at column {token.col} is too large "
                    f"or cannot be bounded (its absolute value must be at most "
                    f"{MAX_EXP_ARGUMENT})"
                )

    def _exp(self, arg: sp.Expr) -> sp.Expr:
        self._check_exp_argument(arg, "exp")
        self.check_log_coefficients(self._call_token, arg, "the argument of exp()")
        return sp.exp(arg)

    def _cosh(self, arg: sp.Expr) -> sp.Expr:
        self._check_exp_argument(arg, "cosh")
        self.check_log_coefficients(self._call_token, arg, "the argument of cosh()")
        return sp.cosh(arg)

    def _stable_condition(self, name: str, cond: sp.Basic) -> sp.Basic:
        if not _canonical_condition_is_stable(cond):
            raise ParseError(
                f"SymPy cannot bring the condition of {name}() at column "
                f"{self._call_token.col} into a stable form; simplify its arguments"
            )
        return cond

    def _huber(self, e: sp.Expr, d: sp.Expr) -> sp.Expr:
        if d.is_positive is False:
            raise ParseError(f"the threshold of huber() at column {self._call_token.col} must be positive")
        cond = self._stable_condition("huber", _huber_condition(e, d))
        return sp.Piecewise((e**2 / 2, cond), (d * (sp.Abs(e) - d / 2), True))

    def _indicator(self, e: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> sp.Expr:
        if (lo - hi).is_positive is True:
            raise ParseError(
                f"indicator() at column {self._call_token.col} has an empty interval "
                "(its lower bound exceeds its upper bound)"
            )
        cond = self._stable_condition("indicator", _indicator_condition(e, lo, hi))
        return sp.Piecewise((sp.S.Zero, cond), (sp.oo, True))


def _checked_symbols(symbols: Mapping[str, sp.Symbol] | None) -> dict[str, sp.Symbol]:
    if symbols is None:
        return dict(DEFAULT_SYMBOLS)
    if not isinstance(symbols, Mapping):
        raise ParseError(f"symbols must be a mapping from names to sympy Symbols, not {type(symbols).__name__}")
    try:
        checked = dict(symbols.items())
    except Exception as exc:
        raise ParseError(f"symbols could not be read: {_first_line(exc)}") from exc
    for name, symbol in checked.items():
        if not isinstance(name, str) or not isinstance(symbol, sp.Symbol):
            raise ParseError(
                f"symbols must map str names to sympy Symbols; got {type(name).__name__} -> {type(symbol).__name__}"
            )
    return checked


def parse_expression(text: str, *, symbols: Mapping[str, sp.Symbol] | None = None) -> sp.Expr:
    """Parse a penalty expression typed as text into a SymPy expression, safely.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"lambda*abs(x) + mu/2*x^2"``.  See the module
        docstring for the grammar, the supported functions and the limits.
    symbols : Mapping[str, sympy.Symbol], optional
        The names the expression may use, mapped to the symbols they stand for.
        Defaults to :data:`derive.symbols.DEFAULT_SYMBOLS`.  The constant
        ``pi`` is always available unless ``symbols`` defines ``pi`` itself.

    Returns
    -------
    sympy.Expr
        The expression, built only from the given symbols, exact rationals,
        ``pi`` and the whitelisted functions.

    Raises
    ------
    ParseError
        For any problem: a non-``str`` argument or an invalid ``symbols``
        mapping, an empty, too long or too deeply nested input, a syntax error,
        an unknown or disallowed name or function, a wrong number of
        arguments, a number or exponent beyond the limits, a non-real constant,
        or an undefined result such as ``1/0``.  The message is one line and
        gives the 1-based column where it applies.

    Examples
    --------
    >>> from derive.parse import parse_expression
    >>> parse_expression("lambda*abs(x) + mu/2*x^2")
    lambda*Abs(x) + mu*x**2/2
    >>> parse_expression("0.5*x**2 - abs(x)^(3/2)")
    x**2/2 - Abs(x)**(3/2)
    >>> parse_expression("x.real")
    Traceback (most recent call last):
    ...
    derive.errors.ParseError: unexpected character '.' at column 2 (attribute access is not allowed)
    """
    if not isinstance(text, str):
        raise ParseError(f"the expression must be a str, not {type(text).__name__}")
    text = str.__str__(text)  # a plain str, whatever subclass was passed
    if len(text) > MAX_LENGTH:
        raise ParseError(f"expression is too long: {len(text)} characters (the limit is {MAX_LENGTH})")
    if all(ch in _WHITESPACE for ch in text):
        raise ParseError("empty expression")
    table = _checked_symbols(symbols)
    try:
        return _Parser(text, table).parse()
    except ParseError:
        raise
    except RecursionError as exc:  # not expected: depth is bounded by MAX_DEPTH
        raise ParseError("expression is nested too deeply") from exc
    except Exception as exc:  # defensive: nothing but ParseError may escape
        raise ParseError(f"cannot parse the expression: {_first_line(exc)}") from exc
