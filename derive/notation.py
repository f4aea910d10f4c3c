"""Unevaluated mathematical objects used as the left-hand sides of steps.

These are SymPy ``Basic`` objects so they travel through printers with the
notation settings, but they never evaluate: ``Prox(g, x, v)`` *names*
``prox_g(v)``; the derivation says what it equals.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

__all__ = ["Prox", "Subdiff", "Argmin", "Penalty", "Norm", "Objective"]


class _Named(sp.Expr):
    """Base of the display-only objects (never evaluated)."""

    is_commutative = True

    def _sympystr(self, printer: Any) -> str:  # pragma: no cover - overridden
        return type(self).__name__

    def _pretty(self, printer: Any) -> Any:
        from sympy.printing.pretty.stringpict import prettyForm

        return prettyForm(self._sympystr(printer))


class Penalty(_Named):
    """The penalty ``g`` as a named function, ``Penalty(name, expr, x)``; prints ``g(x)``."""

    def __new__(cls, name: str, expr: sp.Basic, at: sp.Basic) -> Penalty:
        return super().__new__(cls, sp.Symbol(name), expr, at)

    def _latex(self, printer: Any) -> str:
        return f"{printer._print(self.args[0])}\\left({printer._print(self.args[2])}\\right)"

    def _sympystr(self, printer: Any) -> str:
        return f"{self.args[0]}({printer._print(self.args[2])})"


class Prox(_Named):
    """``prox_g(v)`` for the penalty ``g`` (a SymPy expression in ``x``)."""

    def __new__(cls, expr: sp.Basic, variable: sp.Symbol, at: sp.Basic) -> Prox:
        return super().__new__(cls, expr, variable, at)

    def _latex(self, printer: Any) -> str:
        g = self.args[0]
        name = printer._print(g.args[0]) if isinstance(g, Penalty) else printer._print(g)
        return f"\\operatorname{{prox}}_{{{name}}}\\left({printer._print(self.args[2])}\\right)"

    def _sympystr(self, printer: Any) -> str:
        g = self.args[0]
        name = str(g.args[0]) if isinstance(g, Penalty) else f"[{printer._print(g)}]"
        return f"prox_{name}({printer._print(self.args[2])})"


class Subdiff(_Named):
    """``∂g(at)``, the subdifferential of ``g`` (an expression in ``variable``) at ``at``."""

    def __new__(cls, expr: sp.Basic, variable: sp.Symbol, at: sp.Basic) -> Subdiff:
        return super().__new__(cls, expr, variable, at)

    def _latex(self, printer: Any) -> str:
        g, variable, at = self.args
        inner = printer._print(g)
        if isinstance(g, Penalty):
            return f"\\partial {printer._print(g.args[0])}\\left({printer._print(at)}\\right)"
        if at == variable:
            return f"\\partial\\left({inner}\\right)"
        return f"\\partial\\left({inner}\\right)\\big|_{{{printer._print(variable)} = {printer._print(at)}}}"

    def _sympystr(self, printer: Any) -> str:
        g, variable, at = self.args
        if isinstance(g, Penalty):
            return f"∂{g.args[0]}({printer._print(at)})"
        return f"∂[{printer._print(g)}]({printer._print(variable)}={printer._print(at)})"


class Argmin(_Named):
    """``argmin_x F(x)``."""

    def __new__(cls, expr: sp.Basic, variable: sp.Symbol) -> Argmin:
        return super().__new__(cls, expr, variable)

    def _latex(self, printer: Any) -> str:
        return (
            f"\\operatorname*{{arg\\,min}}_{{{printer._print(self.args[1])}\\in\\mathbb{{R}}}}"
            f"\\left\\{{{printer._print(self.args[0])}\\right\\}}"
        )

    def _sympystr(self, printer: Any) -> str:
        return f"argmin_{printer._print(self.args[1])} {{{printer._print(self.args[0])}}}"


class Norm(_Named):
    """``||vec||_p`` of a vector named by a symbol (display only)."""

    def __new__(cls, vec: sp.Basic, p: Any = 2) -> Norm:
        return super().__new__(cls, vec, sp.sympify(p))

    def _latex(self, printer: Any) -> str:
        return f"\\left\\lVert {printer._print(self.args[0])}\\right\\rVert_{{{printer._print(self.args[1])}}}"

    def _sympystr(self, printer: Any) -> str:
        return f"||{printer._print(self.args[0])}||_{printer._print(self.args[1])}"


class Objective(_Named):
    """A named objective ``F(beta)`` with its expression (display only)."""

    def __new__(cls, name: str, at: sp.Basic) -> Objective:
        return super().__new__(cls, sp.Symbol(name), at)

    def _latex(self, printer: Any) -> str:
        return f"{printer._print(self.args[0])}\\left({printer._print(self.args[1])}\\right)"

    def _sympystr(self, printer: Any) -> str:
        return f"{self.args[0]}({printer._print(self.args[1])})"
