"""derive.parse under attack: nothing but ParseError escapes, nothing runs, nothing hangs.

Complements ``tests/test_parse.py`` (plain fuzzing, a fixed adversarial list,
no files or imports for that list, no eval/exec): here hypothesis *builds*
attacks (Python escapes wrapped in valid penalty syntax, Unicode look-alikes
that Python would normalise to ``__import__``, exponent towers, deep nesting,
odd whitespace), every parse runs under a time budget and with a Python
audit hook recording side effects (file opens, imports, code compilation,
processes, sockets), and every successful parse is checked to contain only
whitelisted SymPy node types and the toolkit's own symbols.
"""

from __future__ import annotations

import os
import sys
import unicodedata

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.budget import budget_available, time_budget
from derive.errors import ParseError
from derive.parse import parse_expression
from derive.symbols import DEFAULT_SYMBOLS

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Seconds any single parse may take (the parser's limits keep it far below).
PARSE_BUDGET = 5.0

# -- a process-wide audit hook that records only while a parse is running ------------------
_RECORDING: list[bool] = [False]
_EVENTS: list[tuple[str, str]] = []
_FORBIDDEN_PREFIXES = (
    "open",
    "import",
    "exec",
    "compile",
    "os.",
    "subprocess.",
    "socket.",
    "shutil.",
    "ctypes.",
    "urllib.",
    "builtins.input",
    "pickle.",
    "marshal.",
    "code.__new__",
    "sys._getframe",
    "object.__getattr__",
    "object.__setattr__",
)


def _audit(event: str, args: tuple) -> None:
    if _RECORDING[0] and event.startswith(_FORBIDDEN_PREFIXES):
        _EVENTS.append((event, repr(args)[:120]))


sys.addaudithook(_audit)  # cannot be removed; records nothing unless _RECORDING[0]

# Warm up SymPy's lazy imports once, outside the recording.
for _text in ("huber(x, delta) + indicator(x, a, b)", "max(x, 0)*min(x, 1)", "sqrt(2)*exp(x)", "log(x)*cosh(x)^(3/2)"):
    parse_expression(_text)

_ALLOWED_NODES = (
    sp.Symbol,
    sp.Rational,
    sp.Add,
    sp.Mul,
    sp.Pow,
    sp.Abs,
    sp.Max,
    sp.Min,
    sp.exp,
    sp.log,
    sp.cosh,
    sp.Piecewise,
    sp.functions.elementary.piecewise.ExprCondPair,
    sp.core.relational.Relational,
    sp.And,
    sp.Or,
    sp.Not,
    sp.logic.boolalg.BooleanAtom,
    sp.core.numbers.NumberSymbol,
    sp.core.numbers.Infinity,
    sp.core.numbers.NegativeInfinity,
    sp.core.numbers.ImaginaryUnit,
    sp.Float,
)
_ALLOWED_SYMBOLS = set(DEFAULT_SYMBOLS.values())


def _safe_parse(text: str) -> sp.Expr | None:
    """Parse under a time budget with the audit hook recording; only Expr or ParseError may come out."""
    files_before = set(os.listdir("."))
    modules_before = set(sys.modules)
    del _EVENTS[:]
    _RECORDING[0] = True
    try:
        with time_budget(PARSE_BUDGET if budget_available() else None, f"parsing {text[:40]!r}"):
            try:
                result = parse_expression(text)
            except ParseError as exc:
                message = str(exc)
                assert message and "\n" not in message
                result = None
    finally:
        _RECORDING[0] = False
    assert _EVENTS == [], f"side effects while parsing {text!r}: {_EVENTS}"
    assert set(sys.modules) == modules_before, f"modules imported while parsing {text!r}"
    assert set(os.listdir(".")) == files_before, f"files created while parsing {text!r}"
    if result is not None:
        assert isinstance(result, sp.Expr)
        for node in sp.preorder_traversal(result):
            assert isinstance(node, _ALLOWED_NODES), f"{type(node).__name__} in the parse of {text!r}"
        assert result.free_symbols <= _ALLOWED_SYMBOLS
    return result


@pytest.fixture(autouse=True)
def _in_empty_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


# -- strategies ------------------------------------------------------------------------------
_PAYLOADS = [
    "__import__('os').system('touch pwned')",
    "open('pwned', 'w')",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "x.__dict__",
    "lambda: 0",
    "(lambda y: y)(1)",
    "[c for c in ()]",
    "f'{1}'",
    "exec('1')",
    "eval('1')",
    "compile('1', 'f', 'eval')",
    "getattr(x, 'subs')",
    "globals()",
    "__builtins__",
    "breakpoint()",
    "import os",
    "x if 1 else 0",
    "x := 1",
    "x; import os",
    "sympify('x')",
    "Symbol('y')",
    "Function('f')(x)",
    "S('x')",
    "x[0]",
    "x.subs(x, 1)",
    "{'a': 1}",
    "b'x'",
    "\\x00",
    "sys.modules",
    "os.getcwd()",
]
_WRAPPERS = ["{}", "abs({})", "x + {}", "{} * lambda", "max(x, {})", "huber({}, delta)", "({})^2", "2^({})", "-({})"]


@st.composite
def _wrapped_payloads(draw: st.DrawFn) -> str:
    payload = draw(st.sampled_from(_PAYLOADS))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        payload = draw(st.sampled_from(_WRAPPERS)).format(payload)
    return payload


def _lookalikes() -> st.SearchStrategy[str]:
    """Names Python would NFKC-normalise to dunders or builtins (fullwidth, mathematical letters)."""

    def disguise(word: str, style: int) -> str:
        out = []
        for ch in word:
            if style == 0 and "!" <= ch <= "~":
                out.append(chr(ord(ch) + 0xFEE0))  # fullwidth forms
            elif style == 1 and ch.isalpha() and ch.islower():
                out.append(chr(0x1D41A + ord(ch) - ord("a")))  # mathematical bold
            else:
                out.append(ch)
        return "".join(out)

    words = st.sampled_from(["__import__('os')", "eval", "exec", "open", "x.__class__", "lambda", "abs(x)", "x"])
    return st.builds(disguise, words, st.integers(min_value=0, max_value=1))


_SPACES = st.sampled_from([" ", "\t", "\n", "\r", "\x0b", "\x0c", "\u00a0", "\u2028", "\u3000", "\ufeff", "\x00"])


@st.composite
def _odd_whitespace(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(["x", "+", "abs(", ")", "lambda", "*", "2", "^"]), min_size=1, max_size=8))
    return "".join(p + draw(_SPACES) for p in parts)


@st.composite
def _towers(draw: st.DrawFn) -> str:
    """Exponent towers and big powers: x**10**10, 2^1000, ((10^30)^64)^64, 9^9^9^9."""
    bases = draw(
        st.lists(st.sampled_from(["x", "2", "10", "9", "(10^30)", "abs(x)", "exp(x)", "0.5", "pi"]), min_size=2)
    )
    op = draw(st.sampled_from(["^", "**"]))
    exponents = [draw(st.sampled_from(["10", "1000", "10^10", "99999999", "-1000000", "(1/3)", "x"])) for _ in bases]
    text = bases[0]
    for base, exponent in zip(bases[1:], exponents, strict=False):
        text = f"({text}{op}{exponent}){op}{base}" if draw(st.booleans()) else f"{text}{op}{base}"
    return text


@st.composite
def _deep(draw: st.DrawFn) -> str:
    depth = draw(st.integers(min_value=1, max_value=3000))
    kind = draw(st.sampled_from(["paren", "call", "minus", "power", "mixed"]))
    if kind == "paren":
        return "(" * depth + "x" + ")" * depth
    if kind == "call":
        return "abs(" * depth + "x" + ")" * depth
    if kind == "minus":
        return "-" * depth + "x"
    if kind == "power":
        return "x" + "^x" * depth
    return "".join(draw(st.sampled_from(["(", "abs(", "-", "exp("])) for _ in range(depth)) + "x"


# -- properties --------------------------------------------------------------------------------
@SETTINGS
@given(_wrapped_payloads())
def test_python_escapes_inside_valid_syntax_are_rejected(text):
    assert _safe_parse(text) is None


@SETTINGS
@given(_lookalikes())
def test_unicode_lookalikes_are_not_normalised_into_names(text):
    result = _safe_parse(text)
    # NFKC would turn these into ASCII Python; the parser must read them as the characters they are.
    if unicodedata.normalize("NFKC", text) != text:
        assert result is None


@SETTINGS
@given(_odd_whitespace())
def test_odd_whitespace_and_control_characters(text):
    _safe_parse(text)


@SETTINGS
@given(_towers())
def test_exponent_towers_are_bounded(text):
    result = _safe_parse(text)
    if result is not None:  # whatever was accepted is small
        for number in result.atoms(sp.Rational):
            assert max(abs(number.p), number.q).bit_length() < 20_000


@SETTINGS
@given(_deep())
def test_deep_nesting_fails_fast(text):
    _safe_parse(text)


@SETTINGS
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=200))
def test_any_unicode_text_has_no_side_effects(text):
    _safe_parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "x**10**10",
        "2^2^2^2^2^2",
        "9**9**9",
        "exp(exp(exp(exp(100))))",
        "cosh(10^6)",
        "x^(10^10)",
        "(x+1)^(10^5)",
        "huber(huber(x, 1), 1)",
        "indicator(x, 1, 0)",
        "1/(x-x)",
        "log(0)",
        "sqrt(-1)",
        "0^-1",
        "ｅｘｅｃ('1')",
        "＿＿import＿＿('os')",
        "𝐞𝐯𝐚𝐥('1')",
        "x" * 10_000,
        "x+" * 100_000 + "x",
    ],
)
def test_known_attacks_end_in_parse_error(text):
    assert _safe_parse(text) is None


def test_the_audit_hook_would_see_an_escape():
    """Control: the recorder notices a file being opened, so silence above means something."""
    del _EVENTS[:]
    _RECORDING[0] = True
    try:
        with open("probe.txt", "w") as handle:
            handle.write("x")
    finally:
        _RECORDING[0] = False
    assert any(event == "open" for event, _ in _EVENTS)
