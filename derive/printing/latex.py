r"""LaTeX views of derivations and of the expressions in them.

Only :class:`DeriveLatexPrinter` builds LaTeX, in short ``_print_<Kind>``
methods: SymPy objects (``Max``, ``sign``, ``Piecewise``, relations, sets) and
the derivation data model (:class:`~derive.core.Derivation`,
:class:`~derive.core.Step`, :class:`~derive.core.Statement`,
:class:`~derive.core.Check`) alike.  The module-level functions are thin
conveniences around it.

Two targets are supported.  ``environment="align*"`` (the default) is for a
LaTeX document: the reason of each step is set as a small wrapped paragraph
under its equation (``\shortintertext`` from *mathtools*), so long reasons
never overflow the page.  ``environment="aligned"`` is for inline display
(Jupyter, MathJax): everything stays in math mode, reasons are ``\text`` rows
and only constructs MathJax knows are used.

Examples
--------
>>> import sympy as sp
>>> from derive.symbols import v, lam
>>> expr_to_latex(sp.sign(v) * sp.Max(sp.Abs(v) - lam, 0))
'\\operatorname{sign}\\left(v\\right) \\left(\\left|{v}\\right| - \\lambda\\right)_+'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import sympy as sp
from sympy.core.sorting import default_sort_key
from sympy.printing.latex import LatexPrinter, greek_letters_set

if TYPE_CHECKING:  # pragma: no cover
    from ..core import Check, Derivation, Statement, Step

__all__ = [
    "LATEX_PACKAGES",
    "DEFAULT_LINE_WIDTH",
    "VARIABLE_NAMES",
    "VariableFirstMixin",
    "DeriveLatexPrinter",
    "cases_to_latex",
    "derivation_to_latex",
    "expr_to_latex",
    "latex_preamble",
    "natural_relational",
    "positive_part_argument",
    "ordered_union_args",
    "assumption_kind",
    "interval_chain",
    "result_cases",
    "states_result",
]

#: LaTeX packages the output needs: ``amsmath`` (``align*``, ``cases``,
#: ``\text``, ``\operatorname``), ``amssymb`` (``\mathbb``, ``\varnothing``) and
#: ``mathtools`` (``\coloneqq``, ``\shortintertext``).
LATEX_PACKAGES: tuple[str, ...] = ("amsmath", "amssymb", "mathtools")

#: Names of the symbols that play the role of "the variable", most important
#: first: relations are printed with them on the left, and sums start with them.
VARIABLE_NAMES: tuple[str, ...] = ("x^*", "x", "beta", "v", "z")

FORMS: tuple[str, ...] = ("snippet", "cases", "section", "document")
ENVIRONMENTS: tuple[str, ...] = ("align*", "aligned")
POSITIVE_PARTS: tuple[str, ...] = ("paren", "max")

#: Characters of LaTeX after which a right-hand side is broken between its terms (the ``line_width`` setting).
DEFAULT_LINE_WIDTH = 80

#: What separates the rows of a right-hand side broken over lines (the next row starts at the relation).
CONTINUATION = " \\\\\n&\\quad "

_REVERSED = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


# -- structure shared by the printers (no strings built here) --------------------------


def _has_variable(expr: Any, names: frozenset[str]) -> bool:
    free = getattr(expr, "free_symbols", ())
    return any(getattr(s, "name", None) in names for s in free)


def natural_relational(rel: sp.Basic, variables: Iterable[str] = VARIABLE_NAMES) -> sp.Basic:
    """Rewrite a relation so that it reads with the variable on the left.

    When the right side contains one of ``variables`` and the left does not,
    the sides are swapped and the relation reversed; a negated variable side
    (``-v > lambda``) is then negated (``v < -lambda``).

    Parameters
    ----------
    rel : sympy.core.relational.Relational
        The relation (other objects are returned unchanged).
    variables : iterable of str
        Names of the symbols that count as variables.

    Returns
    -------
    sympy.Basic
        An unevaluated relation with the same meaning.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import v, lam
    >>> natural_relational(lam < -v)
    v < -lambda
    >>> natural_relational(lam >= v)
    v <= lambda
    """
    if not isinstance(rel, sp.core.relational.Relational):
        return rel
    names = frozenset(variables)
    lhs, rhs, op = rel.lhs, rel.rhs, rel.rel_op
    changed = False
    if _has_variable(rhs, names) and not _has_variable(lhs, names):
        lhs, rhs, op, changed = rhs, lhs, _REVERSED[op], True
    if _has_variable(lhs, names) and isinstance(lhs, sp.Mul) and lhs.as_coeff_Mul()[0].is_negative:
        lhs, rhs, op, changed = -lhs, -rhs, _REVERSED[op], True
    if not changed:
        return rel
    return sp.Rel(lhs, rhs, op, evaluate=False)


def interval_chain(
    expr: sp.Basic, variables: Iterable[str] = VARIABLE_NAMES
) -> tuple[Any, bool, Any, Any, bool] | None:
    """``(lo, lo_strict, middle, hi, hi_strict)`` when ``expr`` is ``lo < middle < hi`` as an ``And``.

    Examples
    --------
    >>> from derive.symbols import v, lam
    >>> interval_chain((v <= lam) & (-lam <= v))
    (-lambda, False, v, lambda, False)
    """
    if not isinstance(expr, sp.And) or len(expr.args) != 2:
        return None
    lower = upper = None
    for arg in expr.args:
        rel = natural_relational(arg, variables)
        if not isinstance(rel, sp.core.relational.Relational) or rel.rel_op in ("==", "!="):
            return None
        if rel.rel_op in (">", ">="):
            lower = (rel.lhs, rel.rhs, rel.rel_op == ">")
        else:
            upper = (rel.lhs, rel.rhs, rel.rel_op == "<")
    if lower is None or upper is None or lower[0] != upper[0]:
        return None
    return lower[1], lower[2], lower[0], upper[1], upper[2]


def ordered_union_args(union: sp.Union) -> list[Any]:
    """The sets of a union in increasing order of their infimum where that is decidable.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import lam
    >>> parts = sp.Interval.open(-sp.oo, -lam), sp.Interval.open(lam, sp.oo), sp.Interval(-lam, lam)
    >>> u = sp.Union(*parts, evaluate=False)
    >>> ordered_union_args(u)
    [Interval.open(-oo, -lambda), Interval(-lambda, lambda), Interval.open(lambda, oo)]
    """
    ordered: list[Any] = []
    for item in union.args:
        position = len(ordered)
        for i, placed in enumerate(ordered):
            if _precedes(item, placed):
                position = i
                break
        ordered.insert(position, item)
    return ordered


def _precedes(a: Any, b: Any) -> bool:
    try:
        difference = a.inf - b.inf
    except (AttributeError, NotImplementedError, TypeError):
        return False
    return bool(difference.is_negative)


def positive_part_argument(expr: sp.Basic) -> sp.Basic | None:
    """``u`` when ``expr`` is ``Max(u, 0)`` (in either order), else ``None``.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import v
    >>> positive_part_argument(sp.Max(0, v - 1))
    v - 1
    """
    if isinstance(expr, sp.Max) and len(expr.args) == 2:
        first, second = expr.args
        if first == 0:
            return second
        if second == 0:
            return first
    return None


def assumption_kind(symbol: sp.Symbol) -> str | None:
    """The strongest of ``positive, negative, nonnegative, nonpositive, integer, real`` that holds.

    Examples
    --------
    >>> from derive.symbols import x, lam
    >>> assumption_kind(lam), assumption_kind(x)
    ('positive', 'real')
    """
    for kind in ("positive", "negative", "nonnegative", "nonpositive", "integer", "real"):
        if getattr(symbol, f"is_{kind}", None) is True:
            return kind
    return None


def result_cases(d: Derivation) -> tuple[tuple[Any, Any], ...]:
    """The ``(value, region)`` cases to display for the result (empty if none apply).

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.subgradient import subdifferential
    >>> from derive.symbols import x, lam
    >>> [region for _, region in result_cases(subdifferential(lam * sp.Abs(x), x))]
    [Interval.open(-oo, 0), {0}, Interval.open(0, oo)]
    """
    if d.cases and d.variable is not None:
        return tuple(d.cases)
    return ()


def states_result(statement: Statement, d: Derivation) -> bool:
    """Whether ``statement`` is ``something = result`` (so its right side can be shown by cases).

    Examples
    --------
    >>> from derive.prox import prox
    >>> from derive.symbols import x, v, lam
    >>> d = prox(lam * x**2, x, v)
    >>> [i for i, step in enumerate(d.steps) if states_result(step.statement, d)] == [len(d.steps) - 1]
    True
    """
    if statement.rel != "=" or statement.rhs is None:
        return False
    try:
        return bool(statement.rhs == d.result)
    except TypeError:  # pragma: no cover - exotic objects
        return False


def _group_assumptions(symbols: Sequence[sp.Symbol]) -> list[tuple[str, list[sp.Symbol]]]:
    groups: dict[str, list[sp.Symbol]] = {}
    for symbol in symbols:
        kind = assumption_kind(symbol)
        if kind is not None and symbol not in groups.get(kind, []):
            groups.setdefault(kind, []).append(symbol)
    return list(groups.items())


class VariableFirstMixin:
    """Order the terms of a sum with the variable-like symbols first (``x^* - v - lambda``).

    Used by the LaTeX and text printers; needs ``self._variables`` (names,
    most important first).  Terms keep SymPy's order within each rank.
    """

    _variables: tuple[str, ...] = VARIABLE_NAMES

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        terms = super()._as_ordered_terms(expr, order=order)  # type: ignore[misc]
        if (order or self.order) == "none" or not isinstance(expr, sp.Add):  # type: ignore[attr-defined]
            return terms
        return sorted(terms, key=self._term_rank)

    def _term_rank(self, term: Any) -> int:
        names = {getattr(s, "name", None) for s in term.free_symbols}
        ranks = [i for i, name in enumerate(self._variables) if name in names]
        return min(ranks) if ranks else len(self._variables)


# -- notation by symbol name ----------------------------------------------------------


class _SymbolNames(dict):
    """SymPy's ``symbol_names`` (keyed by Symbol), falling back to a lookup by ``Symbol.name``.

    ``LatexPrinter._print_Symbol`` only calls ``get``, so renaming by name
    reaches every symbol the printer meets, including those printed by the
    display objects of :mod:`derive.notation` through ``printer._print``.
    A starred name (``x^*``) not renamed itself follows its base (``x``).
    """

    def __init__(self, by_symbol: Mapping[Any, str], by_name: Mapping[str, str]) -> None:
        super().__init__(by_symbol)
        self.by_name = dict(by_name)

    def get(self, key: Any, default: Any = None) -> Any:
        if dict.__contains__(self, key):
            return self[key]
        name = getattr(key, "name", None)
        if not isinstance(name, str):
            return default
        if name in self.by_name:
            return self.by_name[name]
        base = name.removesuffix("^*")
        if base != name and base in self.by_name:  # x renamed to w: x^* becomes w^*
            return f"{self.by_name[base]}^{{*}}"
        base = name.removesuffix("hat")
        if base != name and base in self.by_name:  # beta renamed to w: betahat becomes \hat{w}
            return f"\\hat{{{self.by_name[base]}}}"
        return default


# -- prose (reasons, words, titles) ---------------------------------------------------

#: Tokens of the ASCII prose in reasons: comparison operators, infinity,
#: abbreviations kept as words, words (a single letter may carry a star: x*,
#: x^*), superscripts (^2, ^*), runs of ordinary characters other than letters,
#: and any other single character.
_PROSE_TOKENS = re.compile(
    r"(?P<op><=|>=)"
    r"|(?P<inf>-?(?<![A-Za-z])oo(?![A-Za-z]))"
    r"|(?P<abbr>(?<![A-Za-z])(?:e\.g\.|i\.e\.|cf\.))"
    r"|(?P<word>(?<![A-Za-z0-9'])[A-Za-z]+(?![A-Za-z])(?:\^?\*(?![*A-Za-z0-9(]))?)"
    r"|(?P<sup>\^(?:[0-9]+|\*|\{[0-9A-Za-z*+-]*\}))"
    r"|(?P<plain>(?:[0-9 ,.;:!?'()\[\]/+=*]|-(?!oo(?![A-Za-z])))+)"
    r"|(?P<other>.)",
    re.DOTALL,
)

#: Characters with a LaTeX escape valid in text and in math mode alike.
_BOTH_MODES = {"_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$", "{": r"\{", "}": r"\}"}

#: Other specials, as math.
_AS_MATH = {
    "<=": r"\leq",
    ">=": r"\geq",
    "<": "<",
    ">": ">",
    "|": "|",
    "~": r"\sim",
    "^": r"{}^{\wedge}",
    "\\": r"\backslash",
    '"': "''",
    "∂": r"\partial",
    "≤": r"\leq",
    "≥": r"\geq",
    "∈": r"\in",
    "∉": r"\notin",
    "∞": r"\infty",
    "−": "-",
    "×": r"\times",
    "·": r"\cdot",
    "→": r"\to",
    "⇒": r"\Rightarrow",
    "⇔": r"\Leftrightarrow",
    "∪": r"\cup",
    "∩": r"\cap",
    "⊆": r"\subseteq",
    "∅": r"\varnothing",
    "ℝ": r"\mathbb{R}",
    "±": r"\pm",
    "≠": r"\neq",
    "≈": r"\approx",
}

#: Typographic characters pdflatex cannot take raw, as ASCII text.
_AS_TEXT = {"–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": "...", "\u00a0": "~"}

_GREEK_UNICODE = {
    unicodedata.lookup(f"GREEK SMALL LETTER {name.upper()}"): name
    for name in sorted(greek_letters_set)
    if name != "lambda"
} | {"λ": "lambda"}

#: Single letters that are English words, never symbols.
_ENGLISH_LETTERS = frozenset({"a", "A", "I"})


# -- the printer ------------------------------------------------------------------------


class DeriveLatexPrinter(VariableFirstMixin, LatexPrinter):
    r"""LaTeX printer for derivations: textbook notation, renaming, and the derivation model.

    Settings (besides SymPy's ``LatexPrinter`` settings; unknown ones raise
    ``TypeError``):

    ``notation`` : dict of str to str
        LaTeX for symbols by *name*, e.g. ``{"beta": "w", "lambda": r"\alpha"}``.
    ``positive_part`` : {"paren", "max"}
        ``Max(u, 0)`` as ``\left(u\right)_+`` or ``\max\left(u, 0\right)``.
    ``environment`` : {"align*", "aligned"}
        ``align*`` for documents, ``aligned`` for inline or Jupyter display.
    ``show_checks`` : bool
        Mark each step with how it was verified.
    ``show_reasons`` : bool
        Print each step's reason.
    ``variables`` : tuple of str
        Names of the variable-like symbols (relations put them on the left,
        sums start with them).
    ``mathjax`` : bool or None
        Use only MathJax-safe constructs (``:=`` for ``\coloneqq``, reasons in
        math mode); ``None`` means "when ``environment`` is ``aligned``".
    ``line_width`` : int or None
        In the rows of a derivation (``align*`` or ``aligned``) and in the
        displayed result, a right-hand side whose LaTeX is longer than this
        many characters is broken between its top-level terms into
        continuation rows ``&\quad + ...``, each at most this long unless a
        single term is longer; a ``cases`` environment (a ``Piecewise``)
        is never broken.  ``None`` keeps every right-hand side on one row.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import v, lam
    >>> p = DeriveLatexPrinter({"notation": {"lambda": r"\alpha"}, "positive_part": "max"})
    >>> p.doprint(sp.Max(0, v - lam))
    '\\max\\left(v - \\alpha, 0\\right)'
    """

    printmethod = "_latex"

    _default_settings: ClassVar[dict[str, Any]] = {
        **LatexPrinter._default_settings,
        "notation": {},
        "positive_part": "paren",
        "environment": "align*",
        "show_checks": True,
        "show_reasons": True,
        "variables": VARIABLE_NAMES,
        "mathjax": None,
        "line_width": DEFAULT_LINE_WIDTH,
    }

    #: How each relation of a statement is written.
    relations: ClassVar[Mapping[str, str]] = {
        "=": "=",
        ":=": r"\coloneqq",
        "in": r"\in",
        "iff": r"\iff",
        "implies": r"\implies",
        "<=": r"\leq",
        "<": "<",
        ">=": r"\geq",
        ">": ">",
        "subseteq": r"\subseteq",
    }

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        super().__init__(dict(settings) if settings is not None else None)
        s = self._settings
        if s["positive_part"] not in POSITIVE_PARTS:
            raise ValueError(f"positive_part must be one of {POSITIVE_PARTS}, not {s['positive_part']!r}")
        if s["environment"] not in ENVIRONMENTS:
            raise ValueError(f"environment must be one of {ENVIRONMENTS}, not {s['environment']!r}")
        if not isinstance(s["notation"], Mapping):
            raise TypeError(f"notation must be a mapping of symbol names to LaTeX, not {type(s['notation']).__name__}")
        if s["mathjax"] is None:
            s["mathjax"] = s["environment"] == "aligned"
        width = s["line_width"]
        if width is not None and (isinstance(width, bool) or not isinstance(width, int) or width < 1):
            raise ValueError(f"line_width must be a positive integer or None, not {width!r}")
        s["symbol_names"] = _SymbolNames(s["symbol_names"], s["notation"])
        self._variables = tuple(s["variables"])

    # -- expressions ------------------------------------------------------------------
    def _print_Max(self, expr: sp.Max, exp: Any = None) -> str:
        u = positive_part_argument(expr)
        if u is not None and self._settings["positive_part"] == "paren":
            tex = rf"\left({self._print(u)}\right)_+"
        else:
            args = [u, sp.Integer(0)] if u is not None else sorted(expr.args, key=default_sort_key)
            tex = rf"\max\left({', '.join(self._print(a) for a in args)}\right)"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _print_Min(self, expr: sp.Min, exp: Any = None) -> str:
        args = sorted(expr.args, key=default_sort_key)
        tex = rf"\min\left({', '.join(self._print(a) for a in args)}\right)"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _print_sign(self, expr: sp.sign, exp: Any = None) -> str:
        tex = rf"\operatorname{{sign}}\left({self._print(expr.args[0])}\right)"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _print_EmptySet(self, expr: Any) -> str:
        return r"\varnothing"

    def _print_Union(self, expr: sp.Union) -> str:
        return r" \cup ".join(self._print(item) for item in ordered_union_args(expr))

    def _print_Relational(self, expr: Any) -> str:
        rel = natural_relational(expr, self._variables)
        return super()._print_Relational(rel)

    def _print_And(self, expr: sp.And) -> str:
        chain = interval_chain(expr, self._variables)
        if chain is None:
            return super()._print_And(expr)
        lo, lo_strict, middle, hi, hi_strict = chain
        left, right = ("<" if lo_strict else r"\leq"), ("<" if hi_strict else r"\leq")
        return f"{self._print(lo)} {left} {self._print(middle)} {right} {self._print(hi)}"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        rows = []
        for value, cond in expr.args:
            if cond == sp.true:
                rows.append(rf"{self._print(value)} & \text{{otherwise}}")
            else:
                rows.append(rf"{self._print(value)} & \text{{if }} {self._print(cond)}")
        return self._print_cases_rows(rows)

    def _print_cases_rows(self, rows: Sequence[str]) -> str:
        body = r" \\ ".join(rows)
        return rf"\begin{{cases}} {body} \end{{cases}}"

    def _print_region(self, region: Any, variable: Any) -> str:
        """The condition ``variable in region`` as (in)equalities."""
        var = self._print(variable)
        if isinstance(region, sp.FiniteSet) and len(region.args) == 1:
            return f"{var} = {self._print(region.args[0])}"
        if region == sp.S.Reals:
            return rf"{var} \in \mathbb{{R}}"
        if isinstance(region, sp.Interval):
            lt_lo = "<" if region.left_open else r"\leq"
            lt_hi = "<" if region.right_open else r"\leq"
            if region.start is sp.S.NegativeInfinity:
                return f"{var} {lt_hi} {self._print(region.end)}"
            if region.end is sp.S.Infinity:
                gt = ">" if region.left_open else r"\geq"
                return f"{var} {gt} {self._print(region.start)}"
            return f"{self._print(region.start)} {lt_lo} {var} {lt_hi} {self._print(region.end)}"
        return rf"{var} \in {self._print(region)}"

    def _print_cases(self, cases: Sequence[tuple[Any, Any]], variable: Any) -> str:
        """A ``cases`` environment from ``(value, region)`` pairs (a lone all-line case prints its value)."""
        if len(cases) == 1 and cases[0][1] in (sp.S.Reals, sp.Interval(-sp.oo, sp.oo)):
            return self._print(cases[0][0])
        rows = [
            rf"{self._print(value)} & \text{{if }} {self._print_region(region, variable)}" for value, region in cases
        ]
        return self._print_cases_rows(rows)

    # -- long right-hand sides ------------------------------------------------------------
    def _sum_pieces(self, expr: Any) -> list[str]:
        """``expr`` printed as pieces a line may break between: a sum's first term, then ``+ term``/``- term``.

        The pieces joined by spaces are exactly what :meth:`_print` writes
        (SymPy's ``_print_Add``, split at its top-level operators); anything
        other than a sum is one piece.
        """
        whole = self._print(expr)
        if not isinstance(expr, sp.Add):
            return [whole]
        pieces = []
        for i, term in enumerate(self._as_ordered_terms(expr, order=None)):
            sign = ""
            if i > 0:
                sign, term = ("- ", -term) if term.could_extract_minus_sign() else ("+ ", term)
            tex = self._print(term)
            if self._needs_add_brackets(term):
                tex = rf"\left({tex}\right)"
            pieces.append(sign + tex)
        return pieces if " ".join(pieces) == whole else [whole]

    def _rhs_lines(self, expr: Any) -> list[str]:
        """The right-hand side as lines of at most ``line_width`` characters (a longer single term stays whole)."""
        pieces = self._sum_pieces(expr)
        width = self._settings["line_width"]
        if width is None:
            return [" ".join(pieces)]
        lines = [pieces[0]]
        for piece in pieces[1:]:
            if len(lines[-1]) + 1 + len(piece) <= width:
                lines[-1] += " " + piece
            else:
                lines.append(piece)
        return lines

    def _print_rhs(self, expr: Any) -> str:
        r"""The right-hand side of an aligned row, continued on rows ``&\quad + ...`` when it is too long."""
        return CONTINUATION.join(self._rhs_lines(expr))

    # -- prose ---------------------------------------------------------------------------
    def _prose_tokens(self, text: str) -> list[tuple[str, str]]:
        """Split prose into kinds of pieces, escaped per output by the caller.

        Kinds: ``text`` (plain characters), ``math`` (LaTeX math), ``escaped``
        (a LaTeX escape valid in text and math mode, like ``\\_``) and
        ``typographic`` (a Unicode dash or quote, kept as the character).
        """
        pieces: list[tuple[str, str]] = []
        for match in _PROSE_TOKENS.finditer(text):
            kind, token = match.lastgroup, match.group()
            if kind == "op":
                pieces.append(("math", _AS_MATH[token]))
            elif kind == "inf":
                pieces.append(("math", r"-\infty" if token.startswith("-") else r"\infty"))
            elif kind == "sup":
                pieces.append(("math", f"^{{{token[1:].strip('{}')}}}"))
            elif kind == "word":
                pieces.extend(self._prose_word(token))
            elif kind == "other":
                pieces.extend(self._prose_character(token))
            else:
                pieces.append(("text", token))
        return pieces

    def _prose_word(self, word: str) -> list[tuple[str, str]]:
        name = word.rstrip("*^")
        starred = name != word
        notation = self._settings["notation"]
        if len(name) == 1 and name not in _ENGLISH_LETTERS:
            return [("math", self._print(sp.Symbol(f"{name}^*" if starred else name)))]
        pieces = [("text", name)]
        if name in greek_letters_set or name in notation:
            pieces = [("math", self._print(sp.Symbol(name)))]
        if starred:
            pieces.extend(self._prose_tokens(word[len(name) :]))
        return pieces

    def _prose_character(self, char: str) -> list[tuple[str, str]]:
        if char in _BOTH_MODES:
            return [("escaped", _BOTH_MODES[char])]
        if char in _AS_MATH:
            return [("math", _AS_MATH[char])]
        if char in _GREEK_UNICODE:
            return [("math", self._print(sp.Symbol(_GREEK_UNICODE[char])))]
        if char in _AS_TEXT:
            return [("typographic", char)]
        if char.isspace():
            return [("text", " ")]
        ascii_form = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        return [("text", ascii_form if ascii_form.strip() else "?")]

    @staticmethod
    def _join_math(pieces: Sequence[str]) -> str:
        """Concatenate math, keeping a control word from running into what follows (``\\partial g``)."""
        return "".join(f"{p} " if re.search(r"\\[A-Za-z]+$", p) else p for p in pieces)

    def _print_prose(self, text: str, *, math_mode: bool = False) -> str:
        """Prose (a reason, words, a title) as LaTeX: text mode, or math mode with ``\\text`` runs."""
        out: list[str] = []
        for kind, piece in self._prose_tokens(text):
            if kind == "math":
                out.append(self._join_math([piece]) if math_mode else rf"\ensuremath{{{piece}}}")
            elif kind == "escaped":
                out.append(piece)
            elif kind == "typographic":
                out.append(_AS_TEXT[piece] if not math_mode else rf"\text{{{_AS_TEXT[piece]}}}")
            elif math_mode:
                if out and out[-1].startswith(r"\text{") and out[-1].endswith("}"):
                    out[-1] = out[-1][:-1] + piece + "}"
                else:
                    out.append(rf"\text{{{piece}}}")
            else:
                out.append(piece)
        return "".join(out)

    # -- the derivation model ------------------------------------------------------------
    def _print_Check(self, check: Check) -> str:
        return rf"\textsf{{[{check.method}]}}"

    def _print_Statement(self, statement: Statement, *, rhs: str | None = None, align: bool = False) -> str:
        """``lhs rel rhs`` (``&`` before the relation when ``align``), then the condition if any.

        ``rhs`` replaces the printed right-hand side (e.g. the result by cases).
        """
        amp = "&" if align else ""
        if statement.rel == "text":
            tex = f"{amp}{self._print_prose(statement.words, math_mode=True)}"
        else:
            relation = ":=" if (statement.rel == ":=" and self._settings["mathjax"]) else self.relations[statement.rel]
            if rhs is not None:
                right = rhs
            else:
                right = self._print_rhs(statement.rhs) if align else self._print(statement.rhs)
            tex = f"{self._print(statement.lhs)} {amp}{relation} {right}"
        if statement.condition != sp.true:
            tex += rf", \quad {self._print(statement.condition)}"
        return tex

    def _print_note(self, step: Step) -> str:
        """The reason and check mark of a step, as a paragraph or row ('' when there is no reason)."""
        if not (self._settings["show_reasons"] and step.reason):
            return ""
        mark = self._print(step.check) if self._settings["show_checks"] else ""
        if self._settings["environment"] == "aligned":
            reason = self._print_prose(f"({step.reason})", math_mode=True)
            return r"&\qquad {\scriptstyle " + (rf"{reason} \quad {mark}" if mark else reason) + "}"
        reason = self._print_prose(f"({step.reason})")
        return rf"\shortintertext{{\footnotesize\leftskip=2em\relax\noindent {reason}\hfill{mark}}}"

    def _print_Step(self, step: Step, *, rhs: str | None = None) -> str:
        r"""The step's aligned row and its note, each ending as the next row expects.

        In ``align*`` the note is a ``\shortintertext`` paragraph (which must
        follow ``\\`` and needs none after it); in ``aligned`` it is a row.
        """
        row = self._print_Statement(step.statement, rhs=rhs, align=True)
        note = self._print_note(step)
        if not note:
            if self._settings["show_checks"]:
                row += rf" \qquad {{\scriptstyle {self._print(step.check)}}}"
            return row + r" \\"
        row += r" \\"
        if self._settings["environment"] == "aligned":
            return f"{row}\n{note} \\\\"
        return f"{row}\n{note}"

    def _print_result_row(self, d: Derivation) -> str:
        return rf"{self._print(d.lhs)} &= {self._print_result(d, align=True)}"

    def _print_result(self, d: Derivation, *, align: bool = False) -> str:
        """The result: by cases if it has them, else the expression (broken over rows when ``align``)."""
        cases = result_cases(d)
        if cases:
            return self._print_cases(cases, d.variable)
        return self._print_rhs(d.result) if align else self._print(d.result)

    def _print_environment(self, d: Derivation) -> str:
        rows: list[str] = []
        cases = result_cases(d)
        for step in d.steps:
            by_cases = self._print_cases(cases, d.variable) if cases and states_result(step.statement, d) else None
            rows.append(self._print_Step(step, rhs=by_cases))
        if d.lhs is not None and not any(states_result(step.statement, d) for step in d.steps):
            rows.append(self._print_result_row(d))
        if not rows:
            rows.append(f"&{self._print_result(d, align=True)}")
        env = self._settings["environment"]
        body = "\n".join(rows).removesuffix(r" \\")
        return f"\\begin{{{env}}}\n{body}\n\\end{{{env}}}"

    def _print_assumptions(self, symbols: Sequence[sp.Symbol]) -> str:
        kinds = {
            "positive": "> 0",
            "negative": "< 0",
            "nonnegative": r"\geq 0",
            "nonpositive": r"\leq 0",
            "integer": r"\in \mathbb{Z}",
            "real": r"\in \mathbb{R}",
        }
        parts = [
            f"${', '.join(self._print(s) for s in group)} {kinds[kind]}$" for kind, group in _group_assumptions(symbols)
        ]
        return f"Assumptions: {', '.join(parts)}." if parts else ""

    def _print_display(self, d: Derivation) -> str:
        r"""The result as a display ``\[ lhs = ... \]`` (an ``align*``/``aligned`` display when it is broken)."""
        broken = self._print_result(d, align=True)
        if broken != self._print_result(d):
            first = "&" if d.lhs is None else f"{self._print(d.lhs)} &= "
            env = self._settings["environment"]
            body = f"\\begin{{{env}}}\n{first}{broken}\n\\end{{{env}}}"
            return body if env == "align*" else rf"\[{body}\]"
        if d.lhs is None:
            return rf"\[ {self._print_result(d)} \]"
        return rf"\[ {self._print(d.lhs)} = {self._print_result(d)} \]"

    def _print_Derivation(self, d: Derivation, *, form: str = "snippet") -> str:
        if form not in FORMS:
            raise ValueError(f"form must be one of {FORMS}, not {form!r}")
        if form == "cases":  # the result alone, one equation to paste into a display
            result = self._print_result(d)
            return result if d.lhs is None else f"{self._print(d.lhs)} = {result}"
        environment = self._print_environment(d)
        if form == "snippet":
            return environment
        if self._settings["environment"] == "aligned":
            environment = rf"\[{environment}\]"
        parts = [rf"\subsection*{{{self._print_prose(d.title)}}}"]
        assumptions = self._print_assumptions(d.assumptions)
        if assumptions:
            parts.append(assumptions)
        if d.convention:
            parts.append(f"Convention: {self._print_prose(d.convention)}")
        parts += [environment, r"\noindent Result:", self._print_display(d)]
        section = "\n\n".join(parts)
        if form == "section":
            return section
        preamble = f"\\documentclass{{article}}\n{latex_preamble()}\n"
        return f"{preamble}\\begin{{document}}\n\n{section}\n\n\\end{{document}}\n"


# -- conveniences -----------------------------------------------------------------------


def latex_preamble() -> str:
    r"""The ``\usepackage`` lines for :data:`LATEX_PACKAGES`.

    Examples
    --------
    >>> print(latex_preamble())
    \usepackage{amsmath}
    \usepackage{amssymb}
    \usepackage{mathtools}
    """
    return "\n".join(rf"\usepackage{{{name}}}" for name in LATEX_PACKAGES)


def expr_to_latex(expr: Any, **settings: Any) -> str:
    r"""LaTeX for one expression, with the derivation printer's notation.

    Parameters
    ----------
    expr : sympy.Basic
        What to print.
    **settings
        Settings of :class:`DeriveLatexPrinter`.

    Returns
    -------
    str
        The LaTeX (math mode, no delimiters).

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import v, lam
    >>> tex = expr_to_latex(sp.Piecewise((v + lam, lam < -v), (0, lam >= v), (v - lam, True)))
    >>> print(tex.replace(r" \\ ", "\n"))
    \begin{cases} v + \lambda & \text{if } v < - \lambda
    0 & \text{if } v \leq \lambda
    v - \lambda & \text{otherwise} \end{cases}
    """
    return DeriveLatexPrinter(settings).doprint(expr)


def cases_to_latex(
    cases: Sequence[tuple[Any, Any]], variable: sp.Symbol, printer: DeriveLatexPrinter | None = None
) -> str:
    r"""A ``cases`` environment from ``(value, region)`` pairs, each region written out.

    Parameters
    ----------
    cases : sequence of (sympy.Basic, sympy.Set)
        Values (expressions or sets) with the region of ``variable`` where each applies.
    variable : sympy.Symbol
        The variable the regions are sets of.
    printer : DeriveLatexPrinter, optional
        The printer (and so the settings) to use; a default one if omitted.

    Returns
    -------
    str
        ``\begin{cases} ... \end{cases}`` (just the value for a single case on all of R).

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import v, lam
    >>> cases = [(v + lam, sp.Interval.open(-sp.oo, -lam)), (0, sp.Interval(-lam, lam)),
    ...          (v - lam, sp.Interval.open(lam, sp.oo))]
    >>> print(cases_to_latex(cases, v).replace(r" \\ ", "\n"))
    \begin{cases} v + \lambda & \text{if } v < - \lambda
    0 & \text{if } - \lambda \leq v \leq \lambda
    v - \lambda & \text{if } v > \lambda \end{cases}
    """
    return (printer or DeriveLatexPrinter())._print_cases(tuple(cases), variable)


def derivation_to_latex(d: Derivation, form: str = "snippet", **settings: Any) -> str:
    r"""LaTeX for a derivation: one row per step, with its reason and how it was checked.

    Parameters
    ----------
    d : Derivation
        The derivation.
    form : {"snippet", "cases", "section", "document"}
        ``snippet``: the ``align*`` (or ``aligned``) environment only;
        ``cases``: the result alone, ``lhs = \begin{cases} ... \end{cases}``
        (math-mode content for a display, e.g. ``\[ ... \]``);
        ``section``: a ``\subsection*`` with the assumptions, the convention,
        the steps and the result; ``document``: a complete ``article``.
    **settings
        Settings of :class:`DeriveLatexPrinter` (``notation``,
        ``positive_part``, ``environment``, ``show_checks``,
        ``show_reasons``, ``variables``, ``mathjax``, ``line_width`` and
        SymPy's own).

    Returns
    -------
    str
        The LaTeX; the ``document`` form compiles with ``pdflatex``.

    Raises
    ------
    TypeError
        For an unknown setting.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.prox import prox
    >>> from derive.symbols import x, v, lam
    >>> tex = derivation_to_latex(prox(lam * x**2, x, v), show_reasons=False, show_checks=False)
    >>> print(tex.splitlines()[1])
    g\left(x\right) &\coloneqq \lambda x^{2} \\
    >>> print(tex.splitlines()[-2])
    \operatorname{prox}_{g}\left(v\right) &= \frac{v}{2 \lambda + 1}
    >>> print(derivation_to_latex(prox(lam * sp.Abs(x), x, v), form="cases").replace(r" \\ ", "\n"))
    \operatorname{prox}_{g}\left(v\right) = \begin{cases} v + \lambda & \text{if } v < - \lambda
    0 & \text{if } - \lambda \leq v \leq \lambda
    v - \lambda & \text{if } v > \lambda \end{cases}
    """
    return DeriveLatexPrinter(settings)._print_Derivation(d, form=form)


def prose_to_latex(text: str, **settings: Any) -> str:
    r"""Prose for a LaTeX document: special characters escaped, symbol words set as math.

    Examples
    --------
    >>> prose_to_latex("50% of z in [-lambda, lambda]")
    '50\\% of \\ensuremath{z} in [-\\ensuremath{\\lambda}, \\ensuremath{\\lambda}]'
    """
    return DeriveLatexPrinter(settings)._print_prose(text)
