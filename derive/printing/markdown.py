"""Markdown view of derivations (GitHub / Jupyter / MathJax flavour).

:class:`DeriveMarkdownPrinter` is the LaTeX printer with a Markdown layout:
a ``###`` heading, an assumptions line with inline ``$...$`` math, a numbered
list of steps (each a ``$$...$$`` display with its reason and its check), and
the result.  The math is the LaTeX printer's, in its MathJax-safe mode.

Examples
--------
>>> from derive.prox import prox
>>> from derive.symbols import x, v, lam
>>> md = derivation_to_markdown(prox(lam * x**2, x, v))
>>> print(md.splitlines()[0])
### The proximal operator of $\\lambda$\\*$x^{2}$
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from .latex import DeriveLatexPrinter, result_cases, states_result

if TYPE_CHECKING:  # pragma: no cover
    from ..core import Check, Derivation, Step

__all__ = ["DeriveMarkdownPrinter", "derivation_to_markdown"]

#: Characters with a meaning in Markdown (or starting math) that prose must escape.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|$~])")


class DeriveMarkdownPrinter(DeriveLatexPrinter):
    """Markdown layout around :class:`~derive.printing.latex.DeriveLatexPrinter` math.

    Settings: those of the LaTeX printer (``mathjax`` defaults to ``True``
    here) plus ``show_details`` (bool): include each check's detail.

    Examples
    --------
    >>> from derive.core import Check
    >>> DeriveMarkdownPrinter()._print_Check(Check("numeric", "40 points, seed 0"))
    '*(numeric: 40 points, seed 0)*'
    """

    _default_settings: ClassVar[dict[str, Any]] = {
        **DeriveLatexPrinter._default_settings,
        "mathjax": True,
        "show_details": True,
    }

    def _print_markdown_text(self, text: str) -> str:
        """Text with Markdown's special characters escaped."""
        return _MARKDOWN_SPECIAL.sub(r"\\\1", text)

    def _print_markdown_prose(self, text: str) -> str:
        """Prose with its symbols as inline ``$...$`` math (so ``notation`` applies) and the rest escaped."""
        out: list[str] = []
        math: list[str] = []
        for kind, piece in self._prose_tokens(" ".join(text.split())):
            if kind == "math":
                math.append(piece)
                continue
            if math:
                out.append(f"${self._join_math(math).strip()}$")
                math = []
            out.append(piece if kind in ("escaped", "typographic") else self._print_markdown_text(piece))
        if math:
            out.append(f"${self._join_math(math).strip()}$")
        return "".join(out)

    def _print_Check(self, check: Check) -> str:
        if self._settings["show_details"] and check.detail:
            return f"*({check.method}: {self._print_markdown_prose(check.detail)})*"
        return f"*({check.method})*"

    def _print_Step(self, step: Step, *, rhs: str | None = None, number: int = 1) -> str:
        """``n. $$statement$$`` with the reason and the check on the next (indented) line."""
        indent = " " * len(f"{number}. ")
        lines = [f"{number}. $${self._print_Statement(step.statement, rhs=rhs)}$$"]
        note = []
        if self._settings["show_reasons"] and step.reason:
            note.append(self._print_markdown_prose(step.reason))
        if self._settings["show_checks"]:
            note.append(self._print_Check(step.check))
        if note:
            lines += ["", indent + " ".join(note)]
        return "\n".join(lines)

    def _print_Derivation(self, d: Derivation, **_: Any) -> str:
        parts = [f"### {self._print_markdown_prose(d.title)}"]
        assumptions = self._print_assumptions(d.assumptions)
        if assumptions:
            parts.append(assumptions)
        if d.convention:
            parts.append(f"Convention: {self._print_markdown_prose(d.convention)}")
        cases = result_cases(d)
        steps = []
        for number, step in enumerate(d.steps, start=1):
            by_cases = self._print_cases(cases, d.variable) if cases and states_result(step.statement, d) else None
            steps.append(self._print_Step(step, rhs=by_cases, number=number))
        parts.append("\n\n".join(steps))
        result = self._print_result(d)
        shown = f"{self._print(d.lhs)} = {result}" if d.lhs is not None else result
        parts += ["**Result:**", f"$${shown}$$"]
        return "\n\n".join(parts) + "\n"


def derivation_to_markdown(d: Derivation, **settings: Any) -> str:
    """A derivation as Markdown: heading, assumptions, numbered steps with math, result.

    Parameters
    ----------
    d : Derivation
        The derivation.
    **settings
        Settings of :class:`DeriveMarkdownPrinter` (``notation``,
        ``positive_part``, ``show_checks``, ``show_reasons``,
        ``show_details``, ``variables``, ``mathjax`` and SymPy's LaTeX settings).

    Returns
    -------
    str
        Markdown with ``$...$`` and ``$$...$$`` math.

    Raises
    ------
    TypeError
        For an unknown setting.

    Examples
    --------
    >>> from derive.prox import prox
    >>> from derive.symbols import x, v, lam
    >>> md = derivation_to_markdown(prox(lam * x**2, x, v))
    >>> print(md.split("\\n\\n")[2])
    1. $$g\\left(x\\right) := \\lambda x^{2}$$
    >>> print(md.split("\\n\\n")[3])
       the penalty *(definition)*
    """
    return DeriveMarkdownPrinter(settings)._print_Derivation(d)
