"""The table of proximal operators: one row per catalogue entry, every cell a derived result.

Each row holds what :mod:`derive.catalogue` derives for one penalty ``g``: the
penalty, whether it is convex (three-valued), the proximal operator
``prox_g(v) = argmin_x g(x) + (1/2)(x - v)^2`` (cases, or the optimality
equation when no closed form was found), the set of data values mapped to
exactly zero, and the threshold.  Nothing here is a formula: the rows are data
and the views (LaTeX, Markdown, HTML, terminal text) only format them.

The LaTeX view is a ``longtable`` (package ``longtable``; the math needs
``amsmath``, ``amssymb``, ``mathtools`` and ``graphicx``): some closed forms
(the Cardano and Ferrari roots of the bridge penalties) are wider than a page,
so each formula is scaled down to the column width when, and only when, it is
wider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from .core import Derivation
from .errors import DeriveError

__all__ = ["ProxRow", "ProxTable", "prox_table", "COLUMNS", "LATEX_PACKAGES"]

#: The column headings, in order.
COLUMNS = ("penalty", "g(x)", "prox_g(v)", "zero set", "threshold")


#: LaTeX packages the table needs beyond the derivation preamble.
LATEX_PACKAGES = ("longtable", "array", "graphicx")


@dataclass(frozen=True, slots=True)
class ProxRow:
    """One catalogue entry's derived facts.

    ``derivation`` is None when the prox could not be derived, and ``error``
    then says why (its first line); ``zero_set`` is None when the derivation
    does not state it (a prox whose regimes depend on the parameters).
    """

    name: str
    penalty: sp.Expr
    context: Any
    convex: bool | None
    derivation: Derivation | None
    zero_set: sp.Set | None
    threshold: Any
    error: str = ""
    block: bool = False

    @property
    def closed_form(self) -> bool:
        """False when the derivation stopped at the optimality equation (a ``ConditionSet``)."""
        d = self.derivation
        return d is not None and not isinstance(d.result, sp.ConditionSet)


@dataclass(frozen=True, slots=True)
class ProxTable:
    """The rows of the proximal-operator table, in catalogue order."""

    rows: tuple[ProxRow, ...]

    def row(self, name: str) -> ProxRow:
        """The row of ``name``; ``KeyError`` names the rows."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no row {name!r}; rows: {[r.name for r in self.rows]}")

    # -- cells: (kind, content) parts, formatted by each view ----------------------------------
    def _parts(self, row: ProxRow) -> list[list[tuple[str, Any]]]:
        kind = {True: "convex", False: "non-convex", None: "convexity undecided"}[row.convex]
        name = [("text", row.name), ("text", f" ({kind})")]
        penalty: list[tuple[str, Any]] = [("math", row.penalty)]
        if row.context is not sp.true:
            penalty += [("text", ", "), ("math", row.context)]
        d = row.derivation
        if d is None:
            return [name, penalty, [("text", f"not derived: {row.error}")], [], []]
        if row.block:
            return [name, penalty, *self._block_parts(row, d)]
        if isinstance(d.result, sp.ConditionSet):
            prox = [("text", "no closed form; the prox is the root of "), ("math", sp.Eq(d.result.condition.lhs, 0))]
        elif d.cases and len(d.cases) > 1:
            prox = [("cases", (tuple(d.cases), d.variable))]
        else:
            prox = [("math", d.result)]
        zero: list[tuple[str, Any]] = [] if row.zero_set is None else [("math", row.zero_set)]
        if row.zero_set is None and row.threshold is not None:
            zero = [("text", "see threshold")]
        threshold: list[tuple[str, Any]] = []
        if row.threshold is not None and row.threshold != 0:
            threshold = [("math", row.threshold)]
        elif row.threshold == 0:
            threshold = [("text", "none (only v = 0)")]
        return [name, penalty, prox, zero, threshold]

    @staticmethod
    def _block_parts(row: ProxRow, d: Derivation) -> list[list[tuple[str, Any]]]:
        """Prox, zero set and threshold cells of a vector penalty (:mod:`derive.block`)."""
        extras = dict(d.extras)
        prox: list[tuple[str, Any]] = [("math", sp.Eq(d.lhs, d.result, evaluate=False))]
        if "theta_equation" in extras:
            prox += [("text", " where theta >= 0 solves "), ("math", extras["theta_equation"])]
        if d.variable is not None and d.variable.name == "sigma":
            prox += [("text", ", sigma = ||v||_2")]
        zero: list[tuple[str, Any]] = []
        if row.zero_set is not None and d.variable is not None:
            zero = [("region", (row.zero_set, d.variable))]
        threshold: list[tuple[str, Any]] = [] if row.threshold is None else [("math", row.threshold)]
        return [prox, zero, threshold]

    # -- views --------------------------------------------------------------------------------
    def _latex(self, printer: Any) -> str:
        def cell(parts: list[tuple[str, Any]], *, fit: bool) -> str:
            out = []
            for kind, content in parts:
                if kind == "text":
                    out.append(printer._print_prose(content))
                    continue
                tex = _tex(printer, kind, content)
                math = rf"$\displaystyle {tex}$"
                # Shrink a formula to the column only when it is wider (graphicx lets the size
                # arguments use the natural \width of the box).
                out.append(
                    rf"\resizebox{{\ifdim\width>\linewidth\linewidth\else\width\fi}}{{!}}{{{math}}}" if fit else math
                )
            return " ".join(out)

        spec = "".join(rf">{{\raggedright\arraybackslash}}p{{{w}\linewidth}}" for w in (0.12, 0.19, 0.37, 0.13, 0.11))
        header = " & ".join(printer._print_prose(c) for c in COLUMNS) + r" \\"
        lines = [
            rf"\begin{{longtable}}{{{spec}}}",
            r"\hline",
            header,
            r"\hline",
            r"\endfirsthead",
            r"\hline",
            header,
            r"\hline",
            r"\endhead",
            r"\hline",
            r"\endfoot",
        ]
        for row in self.rows:
            cells = [cell(parts, fit=i > 0) for i, parts in enumerate(self._parts(row))]
            lines.append(" & ".join(cells) + r" \\[4pt]")
        lines.append(r"\end{longtable}")
        return "\n".join(lines)

    def to_latex(self, **settings: Any) -> str:
        r"""A ``longtable`` (packages :data:`LATEX_PACKAGES` plus the derivation preamble); settings as for derivations.

        Examples
        --------
        >>> tex = prox_table(names=("abs",)).to_latex()
        >>> tex.splitlines()[0][:65]
        '\\begin{longtable}{>{\\raggedright\\arraybackslash}p{0.12\\linewidth}'
        """
        from .printing.latex import DeriveLatexPrinter

        return self._latex(DeriveLatexPrinter(settings))

    def to_markdown(self, **settings: Any) -> str:
        r"""A GitHub-flavoured Markdown table with ``$...$`` math.

        Examples
        --------
        >>> print(prox_table(names=("square",)).to_markdown().splitlines()[2])
        | square (convex) | $\lambda x^{2}$ | $\frac{v}{2 \lambda + 1}$ | $\left\{0\right\}$ | none (only v = 0) |
        """
        from .printing.markdown import DeriveMarkdownPrinter
        from .shrinkage_table import _pipes

        printer = DeriveMarkdownPrinter(settings)

        def cell(parts: list[tuple[str, Any]]) -> str:
            out = []
            for kind, content in parts:
                if kind == "text":
                    out.append(printer._print_markdown_text(content))
                else:
                    out.append(f"${_pipes(_tex(printer, kind, content))}$")
            return "".join(out)

        lines = [
            "| " + " | ".join(printer._print_markdown_text(c) for c in COLUMNS) + " |",
            "|" + "---|" * len(COLUMNS),
        ]
        lines += ["| " + " | ".join(cell(parts) for parts in self._parts(row)) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"

    def _html(self, printer: Any) -> str:
        """An HTML ``<table>`` with MathML math (``printer`` is a :class:`derive.html.DeriveHtmlPrinter`)."""
        import html

        def cell(parts: list[tuple[str, Any]]) -> str:
            out = []
            for kind, content in parts:
                if kind == "text":
                    out.append(printer._print_html_prose(content))
                else:
                    out.append(printer._print_html_math(_tex(printer, kind, content)))
            return "".join(out)

        head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
        body = [
            "<tr>" + "".join(f"<td>{cell(parts)}</td>" for parts in self._parts(row)) + "</tr>" for row in self.rows
        ]
        return "\n".join(
            [
                '<div class="wide"><table class="results">',
                f"<thead><tr>{head}</tr></thead>",
                "<tbody>",
                *body,
                "</tbody>",
                "</table></div>",
            ]
        )

    def to_text(self) -> str:
        """Plain text: one block per row (what ``derive catalogue`` prints, from the same rows).

        Examples
        --------
        >>> print(prox_table(names=("abs",)).to_text())
        abs (convex): g(x) = lambda*|x|
          prox(v) = sign(v)*max(|v| - lambda, 0)
          v with prox(v) = 0: [-lambda, lambda]; threshold lambda
        """
        from .printing.text import expr_to_text
        from .subgradient import describe_set

        lines = []
        for row in self.rows:
            kind = {True: "convex", False: "non-convex", None: "convexity undecided"}[row.convex]
            lines.append(f"{row.name} ({kind}): g(x) = {expr_to_text(row.penalty)}")
            d = row.derivation
            if d is None:
                lines.append(f"  not derived: {row.error}")
                continue
            compact = dict(d.extras).get("compact")
            if row.block:
                lines.append(f"  {expr_to_text(d.lhs)} = {expr_to_text(d.result)}")
                theta = dict(d.extras).get("theta_equation")
                if theta is not None:
                    lines.append(f"  where theta >= 0 solves {expr_to_text(theta)}")
            elif isinstance(d.result, sp.ConditionSet):
                equation = expr_to_text(sp.Eq(d.result.condition.lhs, 0))
                lines.append(f"  no closed form; prox(v) is the root of {equation}")
            else:
                lines.append(f"  prox(v) = {expr_to_text(compact if compact is not None else d.result)}")
            facts = []
            if row.zero_set is not None and row.block:
                facts.append(f"zero when {expr_to_text(row.zero_set.as_relational(d.variable))}")
            elif row.zero_set is not None:
                facts.append(f"v with prox(v) = 0: {describe_set(row.zero_set)}")
            if row.threshold is not None and row.threshold != 0:
                facts.append(f"threshold {expr_to_text(row.threshold)}")
            if facts:
                lines.append("  " + "; ".join(facts))
        return "\n".join(lines)


def _tex(printer: Any, kind: str, content: Any) -> str:
    if kind == "cases":
        return printer._print_cases(*content)
    if kind == "region":
        return printer._print_region(*content)
    return printer._print(content)


def prox_table(*, names: tuple[str, ...] | None = None) -> ProxTable:
    """Derive the prox of every catalogue entry (or of ``names``) and collect the table's rows.

    Parameters
    ----------
    names : tuple of str, optional
        Catalogue names (:func:`derive.catalogue.names`); all entries by default.

    Raises
    ------
    OptionError
        For a name that is not in the catalogue (the message lists the names).

    Examples
    --------
    >>> t = prox_table(names=("abs", "square"))
    >>> [(r.name, r.zero_set, r.threshold) for r in t.rows]
    [('abs', Interval(-lambda, lambda), lambda), ('square', {0}, 0)]
    """
    from .block import block_entries, block_names, block_prox
    from .catalogue import CATALOGUE, entry

    if names is None:
        entries, blocks = CATALOGUE, tuple(e.name for e in block_entries())
    else:
        blocks = tuple(name for name in names if name in block_names())
        entries = tuple(entry(name) for name in names if name not in blocks)
    rows = []
    for e in entries:
        try:
            d = e.derive()
        except DeriveError as exc:
            rows.append(ProxRow(e.name, e.penalty, e.context, e.convex, None, None, None, str(exc).splitlines()[0]))
            continue
        extras = dict(d.extras)
        threshold = extras.get("threshold")
        if threshold is sp.nan or (isinstance(threshold, sp.Basic) and threshold.has(sp.nan)):
            threshold = None
        rows.append(ProxRow(e.name, e.penalty, e.context, e.convex, d, extras.get("zero_set"), threshold))
    for name in blocks:
        d = block_prox(name)
        extras = dict(d.extras)
        # Convex by construction: a norm, a sum of convex scalar terms, or the indicator of a ball
        # (block_catalogue_rows gives the reason for each).
        penalty = next(e.penalty for e in block_entries() if e.name == name)
        rows.append(
            ProxRow(name, penalty, sp.true, True, d, extras.get("zero_set"), extras.get("threshold"), block=True)
        )
    return ProxTable(tuple(rows))
