"""Views of a :class:`~derive.core.Derivation`: LaTeX, Markdown and terminal text.

Every view is produced by a printer class (SymPy printer subclasses with
``_print_<Kind>`` methods); the functions here are the entry points.

Examples
--------
>>> import sympy as sp
>>> from derive.symbols import v, lam
>>> expr_to_latex(sp.Max(v - lam, 0))
'\\\\left(v - \\\\lambda\\\\right)_+'
>>> expr_to_text(sp.Max(v - lam, 0))
'max(v - lambda, 0)'
"""

from __future__ import annotations

from .latex import (
    LATEX_PACKAGES,
    DeriveLatexPrinter,
    cases_to_latex,
    derivation_to_latex,
    expr_to_latex,
    latex_preamble,
)
from .markdown import DeriveMarkdownPrinter, derivation_to_markdown
from .text import DeriveStrPrinter, derivation_to_text, expr_to_text

__all__ = [
    "LATEX_PACKAGES",
    "DeriveLatexPrinter",
    "DeriveMarkdownPrinter",
    "DeriveStrPrinter",
    "cases_to_latex",
    "derivation_to_latex",
    "derivation_to_markdown",
    "derivation_to_text",
    "expr_to_latex",
    "expr_to_text",
    "latex_preamble",
]
