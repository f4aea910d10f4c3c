"""Plain-text (terminal) view of derivations.

:class:`DeriveStrPrinter` is a small :class:`sympy.printing.str.StrPrinter`
subclass: ``max(u, 0)`` for ``Max``, ``|x|`` for ``Abs``, ``^`` for powers,
sets as ``[-lambda, lambda]`` and ``{lambda}``, relations with the variable on
the left, and Greek letters spelled out (or as Unicode with ``unicode=True``).
It also lays out the derivation model: numbered steps, each with its check in
brackets and its reason indented beneath, piecewise right-hand sides as cases
on separate lines.

Examples
--------
>>> import sympy as sp
>>> from derive.symbols import v, lam
>>> expr_to_text(sp.sign(v) * sp.Max(0, sp.Abs(v) - lam))
'sign(v)*max(|v| - lambda, 0)'
>>> expr_to_text(sp.Interval(-lam, lam), unicode=True)
'[-λ, λ]'
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import sympy as sp
from sympy.core.sorting import default_sort_key
from sympy.printing.pretty.pretty_symbology import greek_unicode
from sympy.printing.str import StrPrinter

from .latex import (
    VARIABLE_NAMES,
    VariableFirstMixin,
    _group_assumptions,
    interval_chain,
    natural_relational,
    ordered_union_args,
    positive_part_argument,
    result_cases,
    states_result,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..core import Check, Derivation, Statement, Step

__all__ = ["DeriveStrPrinter", "derivation_to_text", "expr_to_text"]

_WORDS = re.compile(r"(?<![A-Za-z0-9'])(?:[A-Za-z]\^\*|[A-Za-z]+|-?oo)(?![A-Za-z])")

#: Single letters that are English words, never symbols.
_ENGLISH_LETTERS = frozenset({"a", "A", "I"})


class DeriveStrPrinter(VariableFirstMixin, StrPrinter):
    """Terminal printer for expressions and derivations.

    Settings (besides SymPy's ``StrPrinter`` settings; unknown ones raise
    ``TypeError``):

    ``notation`` : dict of str to str
        Display names for symbols by name, e.g. ``{"beta": "w"}``.
    ``unicode`` : bool
        Greek letters, infinity, set and relation signs as Unicode.
    ``variables`` : tuple of str
        Names of the variable-like symbols (put on the left of relations and
        first in sums).
    ``width`` : int
        Target line width for wrapping reasons and check details.
    ``show_checks`` : bool
        Show how each step was verified, with the detail.
    ``show_reasons`` : bool
        Show each step's reason.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import v, lam
    >>> DeriveStrPrinter({"notation": {"lambda": "alpha"}}).doprint(lam < -v)
    'v < -alpha'
    """

    _default_settings: ClassVar[dict[str, Any]] = {
        **StrPrinter._default_settings,
        "notation": {},
        "unicode": False,
        "variables": VARIABLE_NAMES,
        "width": 100,
        "show_checks": True,
        "show_reasons": True,
    }

    #: Relations of statements: (ASCII, Unicode).
    relations: ClassVar[Mapping[str, tuple[str, str]]] = {
        "=": ("=", "="),
        ":=": (":=", "≔"),
        "in": ("in", "∈"),
        "iff": ("<=>", "⟺"),
        "implies": ("=>", "⟹"),
        "<=": ("<=", "≤"),
        "<": ("<", "<"),
        ">=": (">=", "≥"),
        ">": (">", ">"),
        "subseteq": ("subset of", "⊆"),
        "==": ("=", "="),
        "!=": ("!=", "≠"),
    }

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        super().__init__(dict(settings) if settings is not None else None)
        if not isinstance(self._settings["notation"], Mapping):
            raise TypeError("notation must be a mapping of symbol names to display names")
        self._variables = tuple(self._settings["variables"])

    def _pick(self, ascii_form: str, unicode_form: str) -> str:
        return unicode_form if self._settings["unicode"] else ascii_form

    # -- expressions ------------------------------------------------------------------
    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self._print_name(expr.name)

    def _print_name(self, name: str) -> str:
        notation = self._settings["notation"]
        if name in notation:
            return str(notation[name])
        if name.endswith("^*") and name[:-2] in notation:  # x renamed to w: x^* becomes w*
            return f"{notation[name[:-2]]}*"
        if name.endswith("hat") and len(name) > 3:  # betahat: the estimate, shown beta_hat
            return f"{self._print_name(name[:-3])}_hat"
        if self._settings["unicode"] and name in greek_unicode:
            return greek_unicode[name]
        return name.replace("^*", "*")

    def _print_Transpose(self, expr: Any) -> str:
        inner = self._print(expr.arg)
        return f"{inner}^T" if expr.arg.is_symbol else f"({inner})^T"

    def _print_Identity(self, expr: Any) -> str:
        return "I"

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"|{self._print(expr.args[0])}|"

    def _print_Max(self, expr: sp.Max) -> str:
        u = positive_part_argument(expr)
        args = [u, sp.Integer(0)] if u is not None else sorted(expr.args, key=default_sort_key)
        return f"max({', '.join(self._print(a) for a in args)})"

    def _print_Min(self, expr: sp.Min) -> str:
        return f"min({', '.join(self._print(a) for a in sorted(expr.args, key=default_sort_key))})"

    def _print_sign(self, expr: sp.sign) -> str:
        return f"sign({self._print(expr.args[0])})"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        # Children are printed first (with "^"), so the only "**" left is this power's.
        return super()._print_Pow(expr, rational=rational).replace("**", "^")

    def _print(self, expr: Any, **kwargs: Any) -> str:
        # ``Indexed`` prints itself through ``_sympystr`` (as ``x[i]``) before the printer's own
        # ``_print_Indexed`` is consulted; route it here so coordinates read ``x_i`` as in the LaTeX.
        if isinstance(expr, sp.Indexed):
            return self._print_Indexed(expr)
        return super()._print(expr, **kwargs)

    def _print_Indexed(self, expr: Any) -> str:
        """``x[i]`` as ``x_i`` (the coordinate of a vector, as in the LaTeX)."""
        indices = ",".join(self._print(i) for i in expr.indices)
        return f"{self._print(expr.base.label)}_{indices}"

    def _print_Sum(self, expr: Any) -> str:
        """``Sum(f, (i, 1, n))`` as ``sum_{i=1}^{n} f``."""
        bounds = "".join(f"_{{{self._print(i)}={self._print(lo)}}}^{{{self._print(hi)}}}" for i, lo, hi in expr.limits)
        return f"sum{bounds} {self.parenthesize(expr.function, 45)}"

    def _print_Infinity(self, expr: Any) -> str:
        return self._pick("inf", "∞")

    def _print_NegativeInfinity(self, expr: Any) -> str:
        return self._pick("-inf", "-∞")

    def _print_Relational(self, expr: Any) -> str:
        rel = natural_relational(expr, self._variables)
        op = self.relations[rel.rel_op] if rel.rel_op in self.relations else (rel.rel_op, rel.rel_op)
        return f"{self._print(rel.lhs)} {self._pick(*op)} {self._print(rel.rhs)}"

    def _print_And(self, expr: sp.And) -> str:
        chain = interval_chain(expr, self._variables)
        if chain is None:
            return " and ".join(self.parenthesize(a, 1) for a in sorted(expr.args, key=default_sort_key))
        lo, lo_strict, middle, hi, hi_strict = chain
        left = "<" if lo_strict else self._pick("<=", "≤")
        right = "<" if hi_strict else self._pick("<=", "≤")
        return f"{self._print(lo)} {left} {self._print(middle)} {right} {self._print(hi)}"

    def _print_Or(self, expr: sp.Or) -> str:
        return " or ".join(self.parenthesize(a, 1) for a in sorted(expr.args, key=default_sort_key))

    def _print_Contains(self, expr: Any) -> str:
        return f"{self._print(expr.args[0])} {self._pick('in', '∈')} {self._print(expr.args[1])}"

    def _print_Interval(self, expr: sp.Interval) -> str:
        left = "(" if expr.left_open else "["
        right = ")" if expr.right_open else "]"
        return f"{left}{self._print(expr.start)}, {self._print(expr.end)}{right}"

    def _print_FiniteSet(self, expr: sp.FiniteSet) -> str:
        return "{" + ", ".join(self._print(a) for a in sorted(expr.args, key=default_sort_key)) + "}"

    def _print_EmptySet(self, expr: Any) -> str:
        return self._pick("{}", "∅")

    def _print_Reals(self, expr: Any) -> str:
        return self._pick("R", "ℝ")

    def _print_Union(self, expr: sp.Union) -> str:
        return self._pick(" U ", " ∪ ").join(self._print(a) for a in ordered_union_args(expr))

    def _print_BooleanTrue(self, expr: Any) -> str:
        return "true"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        rows = [(self._print(value), self._print_condition(cond)) for value, cond in expr.args]
        return "{" + "; ".join(f"{value} {cond}" for value, cond in rows) + "}"

    def _print_condition(self, cond: Any) -> str:
        return "otherwise" if cond == sp.true else f"if {self._print(cond)}"

    def _print_region(self, region: Any, variable: Any) -> str:
        """``if v < t``, ``if a <= v <= b``, ``if v = k`` ... for a region of ``variable``."""
        var, le, ge = self._print(variable), self._pick("<=", "≤"), self._pick(">=", "≥")
        if isinstance(region, sp.FiniteSet) and len(region.args) == 1:
            return f"if {var} = {self._print(region.args[0])}"
        if region == sp.S.Reals:
            return f"for all {var}"
        if isinstance(region, sp.Interval):
            lt_lo = "<" if region.left_open else le
            lt_hi = "<" if region.right_open else le
            if region.start is sp.S.NegativeInfinity:
                return f"if {var} {lt_hi} {self._print(region.end)}"
            if region.end is sp.S.Infinity:
                return f"if {var} {'>' if region.left_open else ge} {self._print(region.start)}"
            return f"if {self._print(region.start)} {lt_lo} {var} {lt_hi} {self._print(region.end)}"
        return f"if {var} {self._pick('in', '∈')} {self._print(region)}"

    # -- layout -----------------------------------------------------------------------
    def _print_case_rows(self, rows: Sequence[tuple[str, str]]) -> list[str]:
        """Cases as lines ``{ value  condition`` with the values padded to one width."""
        width = max(len(value) for value, _ in rows)
        return [f"{{ {value.ljust(width)}  {cond}".rstrip() for value, cond in rows]

    def _print_rhs_lines(self, rhs: Any, cases: Sequence[tuple[Any, Any]] = (), variable: Any = None) -> list[str]:
        if cases and not (len(cases) == 1 and cases[0][1] in (sp.S.Reals, sp.Interval(-sp.oo, sp.oo))):
            return self._print_case_rows([(self._print(v), self._print_region(r, variable)) for v, r in cases])
        if cases:
            return [self._print(cases[0][0])]
        if isinstance(rhs, sp.Piecewise):
            return self._print_case_rows([(self._print(v), self._print_condition(c)) for v, c in rhs.args])
        return [self._print(rhs)]

    def _print_prose(self, text: str) -> str:
        """A reason in words, with symbol names renamed by ``notation`` (and Greek in Unicode mode)."""

        def word(match: re.Match[str]) -> str:
            token = match.group()
            if token.endswith("oo"):
                return ("-" if token.startswith("-") else "") + self._print_Infinity(sp.oo)
            if token in _ENGLISH_LETTERS:
                return token
            if token.endswith("^*"):
                return self._print_name(token)
            if token in self._settings["notation"] or (self._settings["unicode"] and token in greek_unicode):
                return self._print_name(token)
            return token

        return _WORDS.sub(word, text)

    def _print_Check(self, check: Check) -> str:
        return f"[{check.method}: {self._print_prose(check.detail)}]" if check.detail else f"[{check.method}]"

    def _print_Statement(
        self, statement: Statement, *, cases: Sequence[tuple[Any, Any]] = (), variable: Any = None
    ) -> str:
        """``lhs rel rhs`` (cases on separate lines, aligned under the first), then the condition."""
        if statement.rel == "text":
            lines = [self._print_prose(statement.words)]
        else:
            prefix = f"{self._print(statement.lhs)} {self._pick(*self.relations[statement.rel])} "
            rhs_lines = self._print_rhs_lines(statement.rhs, cases, variable)
            lines = [prefix + rhs_lines[0]] + [" " * len(prefix) + line for line in rhs_lines[1:]]
        if statement.condition != sp.true:
            lines[-1] += f",   {self._print(statement.condition)}"
        return "\n".join(lines)

    def _wrap(self, text: str, indent: int) -> list[str]:
        pad = " " * indent
        return textwrap.wrap(text, width=self._settings["width"], initial_indent=pad, subsequent_indent=pad) or [pad]

    def _print_Step(
        self, step: Step, *, number: int = 1, cases: Sequence[tuple[Any, Any]] = (), variable: Any = None
    ) -> str:
        """``  n. statement    [check: detail]`` then the reason, indented and wrapped."""
        head = f"{number:>3}. "
        statement = self._print_Statement(step.statement, cases=cases, variable=variable).split("\n")
        lines = [head + statement[0]] + [" " * len(head) + line for line in statement[1:]]
        if self._settings["show_checks"]:
            tag = self._print_Check(step.check)
            if len(lines[0]) + 4 + len(tag) <= self._settings["width"]:
                lines[0] += "    " + tag
            else:
                lines += self._wrap(tag, len(head) + 2)
        if self._settings["show_reasons"] and step.reason:
            lines += self._wrap(self._print_prose(step.reason), len(head) + 2)
        return "\n".join(lines)

    def _print_assumptions(self, symbols: Sequence[sp.Symbol]) -> str:
        kinds = {
            "positive": "> 0",
            "negative": "< 0",
            "nonnegative": self._pick(">= 0", "≥ 0"),
            "nonpositive": self._pick("<= 0", "≤ 0"),
            "integer": "integer",
            "real": "real",
        }
        groups = _group_assumptions(symbols)
        parts = [f"{', '.join(self._print(s) for s in group)} {kinds[kind]}" for kind, group in groups]
        return f"Assumptions: {'; '.join(parts)}" if parts else ""

    def _print_Derivation(self, d: Derivation) -> str:
        title = self._print_prose(d.title)
        lines = [title, "=" * len(title)]
        assumptions = self._print_assumptions(d.assumptions)
        if assumptions:
            lines.append(assumptions)
        if d.convention:
            lines += self._wrap(f"Convention: {self._print_prose(d.convention)}", 0)
        lines.append("")
        cases = result_cases(d)
        for number, step in enumerate(d.steps, start=1):
            by_cases = cases if cases and states_result(step.statement, d) else ()
            lines.append(self._print_Step(step, number=number, cases=by_cases, variable=d.variable))
        lines += ["", "Result:"]
        rhs = self._print_rhs_lines(d.result, cases, d.variable)
        prefix = f"  {self._print(d.lhs)} = " if d.lhs is not None else "  "
        lines += [prefix + rhs[0]] + [" " * len(prefix) + line for line in rhs[1:]]
        return "\n".join(lines)


def expr_to_text(expr: Any, **settings: Any) -> str:
    """One expression as terminal text.

    Parameters
    ----------
    expr : sympy.Basic
        What to print.
    **settings
        Settings of :class:`DeriveStrPrinter`.

    Returns
    -------
    str

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import v, lam
    >>> expr_to_text(sp.Piecewise((v + lam, lam < -v), (0, lam >= v), (v - lam, True)))
    '{v + lambda if v < -lambda; 0 if v <= lambda; v - lambda otherwise}'
    """
    return DeriveStrPrinter(settings).doprint(expr)


def derivation_to_text(d: Derivation, **settings: Any) -> str:
    """A derivation for the terminal: title, assumptions, numbered checked steps, result.

    Parameters
    ----------
    d : Derivation
        The derivation.
    **settings
        Settings of :class:`DeriveStrPrinter` (``notation``, ``unicode``,
        ``variables``, ``width``, ``show_checks``, ``show_reasons`` and
        SymPy's own).

    Returns
    -------
    str
        Lines of at most ``width`` characters where the content allows.

    Raises
    ------
    TypeError
        For an unknown setting.

    Examples
    --------
    >>> from derive.prox import prox
    >>> from derive.symbols import x, v, lam
    >>> print(derivation_to_text(prox(lam * x**2, x, v), show_checks=False, show_reasons=False))
    The proximal operator of lambda*x^2
    ===================================
    Assumptions: x, v real; lambda > 0
    <BLANKLINE>
      1. g(x) := lambda*x^2
      2. g is convex
      3. ∂g(x) = {2*lambda*x}
      4. prox_g(v) = argmin_x {lambda*x^2 + (x - v)^2/2}
      5. 0 in x* + ∂g(x*) - v
      6. 0 = 2*lambda*x* + x* - v
      7. v/(2*lambda + 1) in (-inf, inf)
      8. R = (-inf, inf)
      9. prox_g(v) = v/(2*lambda + 1)
    <BLANKLINE>
    Result:
      prox_g(v) = v/(2*lambda + 1)
    """
    return DeriveStrPrinter(settings)._print_Derivation(d)
