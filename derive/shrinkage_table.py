"""The table of shrinkage estimators for orthonormal designs, generated from their derivations.

One row per estimator of :data:`derive.estimators.ESTIMATORS`: the
per-coordinate objective, the closed form, the threshold (the largest |z|
mapped to exactly 0), the bias for large |z| and whether the estimate is
continuous at the threshold.  Nothing is typed: the objective and the closed
form come from :func:`derive.estimators.estimator`, and the last two columns
are derived here, each as a checked step of a small derivation of its own
(:attr:`ShrinkageRow.analysis`):

* **bias** ``= lim_{z -> oo} (z - estimate(z))``, the limit of the case whose
  region is unbounded above, computed by SymPy and checked by evaluating
  ``z - estimate`` at ``z = 10^10`` and ``10^30`` (it must approach the limit,
  or grow without bound for an infinite one);
* **continuity**: the limits of the estimate at the threshold from the left
  and from the right, from the cases on either side, checked against the
  estimate at ``t -/+ 10^-30``; their difference is the jump.

The table prints itself through the derivation printers (``_latex``), so the
notation settings reach every entry: :meth:`ShrinkageTable.to_latex` gives a
``tabular`` (packages :data:`derive.printing.latex.LATEX_PACKAGES`) and
:meth:`ShrinkageTable.to_markdown` a GitHub table with ``$...$`` math.

References: Hastie, Tibshirani and Friedman, *The Elements of Statistical
Learning*, 2nd ed., 2009, Table 3.4 and Figure 3.11 (lasso, ridge, best
subset); Fan and Li (2001), Table 1 of properties (unbiasedness, sparsity,
continuity) for the others.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from .checks import DIGITS, POINTS, SEED, is_zero, sample_points
from .conventions import get_convention
from .core import Check, Derivation, DerivationBuilder
from .errors import DeriveError, OptionError, VerificationError
from .estimators import ESTIMATORS, EstimatorSpec, estimator

__all__ = ["ShrinkageRow", "ShrinkageTable", "shrinkage_table", "analyse_shrinkage", "COLUMNS"]

#: The table's columns, in order.
COLUMNS = ("estimator", "objective", "closed form", "threshold", "bias for large |z|", "continuous?")

#: Default row order (the issue's list).
ORDER = (
    "lasso",
    "ridge",
    "best_subset",
    "l0",
    "elastic_net",
    "elastic_net_corrected",
    "garrote",
    "adaptive_lasso",
    "scad",
    "mcp",
    "bridge",
    "positive_lasso",
    "group_lasso",
)

#: What the threshold means where it is not simply "|z| <= t gives 0".
_THRESHOLD_NOTES = {
    "best_subset": "t_M is the M-th largest |z_j|",
    "positive_lasso": "every z <= threshold is mapped to 0",
    "group_lasso": "in the norm r = ||z_g||: the whole group is 0 iff ||z_g|| <= threshold",
    "elastic_net_corrected": "the naive estimate times (1 + lambda2)",
    "adaptive_lasso": "weights 1/|z_j|^gamma from the OLS estimate",
    "garrote": "beta_j = c_j z_j with c_j >= 0",
}


@dataclass(frozen=True, slots=True)
class ShrinkageRow:
    """One row: an estimator's derived facts.

    ``continuous`` is three-valued (None: could not be decided).
    """

    name: str
    label: str
    estimator: Derivation
    objective: sp.Expr
    constraint: sp.Basic
    closed_form: Any
    threshold: sp.Expr
    bias: sp.Expr
    left: sp.Expr
    right: sp.Expr
    jump: sp.Expr
    continuous: bool | None
    analysis: Derivation
    note: str = ""


@dataclass(frozen=True, slots=True)
class ShrinkageTable:
    """The table: rows in order, with the estimators that could not be derived and why."""

    convention: str
    rows: tuple[ShrinkageRow, ...]
    omitted: tuple[tuple[str, str], ...] = ()

    def row(self, name: str) -> ShrinkageRow:
        """The row of ``name``; ``KeyError`` names the rows."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no row {name!r}; rows: {[r.name for r in self.rows]}")

    # -- views --------------------------------------------------------------------------------
    def _cells(self, printer: Any, *, markdown: bool, html: bool = False) -> list[list[str]]:
        def wrap(tex: str) -> str:
            if html:
                return printer._print_html_math(tex)
            return f"${_pipes(tex) if markdown else tex}$"

        def math(expr: Any) -> str:
            return wrap(printer._print(expr))

        def text(words: str) -> str:
            if html:
                return printer._print_html_prose(words)
            return printer._print_markdown_text(words) if markdown else printer._print_prose(words)

        rows = []
        for row in self.rows:
            objective = math(row.objective)
            if row.constraint is not sp.true:
                objective += text(", ") + math(row.constraint)
            closed = row.closed_form
            if isinstance(closed, tuple):  # cases
                closed_cell = wrap(printer._print_cases(closed, row.estimator.variable))
            else:
                closed_cell = math(closed)
            if row.continuous is True:
                continuity = text("yes")
            elif row.continuous is False:
                continuity = text("no, jump ") + math(row.jump)
            else:
                continuity = text("undecided")
            threshold = math(row.threshold)
            if row.note:
                threshold += text(f" ({row.note})")
            rows.append([text(row.label), objective, closed_cell, threshold, math(row.bias), continuity])
        return rows

    def _latex(self, printer: Any) -> str:
        header = " & ".join(printer._print_prose(c) for c in COLUMNS)
        lines = [r"\begin{tabular}{llllll}", r"\hline", header + r" \\", r"\hline"]
        lines += [" & ".join(cells) + r" \\" for cells in self._cells(printer, markdown=False)]
        lines.append(r"\hline")
        convention = get_convention(self.convention)
        note = f"Orthonormal design, convention {convention.name} ({convention.source}); z is the OLS coordinate."
        lines.append(rf"\multicolumn{{6}}{{l}}{{\footnotesize {printer._print_prose(note)}}} \\")
        for name, why in self.omitted:
            lines.append(
                rf"\multicolumn{{6}}{{l}}{{\footnotesize {printer._print_prose(f'not shown: {name} ({why})')}}} \\"
            )
        lines.append(r"\end{tabular}")
        return "\n".join(lines)

    def _html(self, printer: Any) -> str:
        """An HTML ``<table>`` with MathML math (``printer`` is a :class:`derive.html.DeriveHtmlPrinter`)."""
        import html

        head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
        body = [
            "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
            for cells in self._cells(printer, markdown=False, html=True)
        ]
        convention = get_convention(self.convention)
        note = f"Orthonormal design, convention {convention.name} ({convention.source}); z is the OLS coordinate."
        notes = [note] + [f"Not shown: {name} ({why})." for name, why in self.omitted]
        return "\n".join(
            [
                '<div class="wide"><table class="results">',
                f"<thead><tr>{head}</tr></thead>",
                "<tbody>",
                *body,
                "</tbody>",
                "</table></div>",
                *(f'<p class="note">{printer._print_html_prose(n)}</p>' for n in notes),
            ]
        )

    def to_latex(self, **settings: Any) -> str:
        r"""A ``tabular`` (needs ``amsmath``, ``amssymb``, ``mathtools``); settings as for derivations.

        Examples
        --------
        >>> tex = shrinkage_table(names=("ridge",)).to_latex()
        >>> tex.splitlines()[0]
        '\\begin{tabular}{llllll}'
        """
        from .printing.latex import DeriveLatexPrinter

        return DeriveLatexPrinter(settings).doprint(self)

    def to_markdown(self, **settings: Any) -> str:
        """A GitHub-flavoured Markdown table with ``$...$`` math (pipes inside math written as ``\\vert``).

        Examples
        --------
        >>> row = shrinkage_table(names=("ridge",)).to_markdown().splitlines()[2]
        >>> print(" | ".join(row.split(" | ")[2:]))
        $\\frac{z}{\\lambda + 1}$ | $0$ | $\\infty$ | yes |
        """
        from .printing.markdown import DeriveMarkdownPrinter

        printer = DeriveMarkdownPrinter(settings)
        lines = [
            "| " + " | ".join(printer._print_markdown_text(c) for c in COLUMNS) + " |",
            "|" + "---|" * len(COLUMNS),
        ]
        lines += ["| " + " | ".join(cells) + " |" for cells in self._cells(printer, markdown=True)]
        convention = get_convention(self.convention)
        lines += [
            "",
            printer._print_markdown_text(
                f"Orthonormal design, convention {convention.name} ({convention.source}); z is the OLS coordinate."
            ),
        ]
        for name, why in self.omitted:
            lines.append(printer._print_markdown_text(f"Not shown: {name} ({why})."))
        return "\n".join(lines) + "\n"


def _pipes(tex: str) -> str:
    """Pipes inside math would end a Markdown table cell: write them as ``\\lvert``/``\\rvert``/``\\vert``."""
    return tex.replace(r"\left|", r"\left\lvert ").replace(r"\right|", r"\right\rvert ").replace("|", r"\vert ")


# --------------------------------------------------------------------------------------------
# Bias and continuity, derived
# --------------------------------------------------------------------------------------------
def _value_cases(deriv: Derivation) -> list[tuple[Any, sp.Set]]:
    if deriv.cases:
        return [(value, region) for value, region in deriv.cases]
    return [(deriv.result, sp.S.Reals)]


def _mp_function(expr: sp.Expr, args: tuple[sp.Symbol, ...]) -> Any:
    dummies = [sp.Dummy(f"a{i}") for i in range(len(args))]
    return sp.lambdify(dummies, sp.sympify(expr).xreplace(dict(zip(args, dummies, strict=True))), modules="mpmath")


def _mp(value: Any) -> mpmath.mpf:
    value = sp.Rational(value)
    return mpmath.mpf(value.p) / value.q


def _check_bias(gap: sp.Expr, variable: sp.Symbol, limit: sp.Expr, context: Any) -> Check:
    symbols = sorted(gap.free_symbols - {variable}, key=lambda s: s.name)
    g = _mp_function(gap, (variable, *symbols))
    lim = _mp_function(limit, tuple(symbols)) if limit.is_finite is not False else None
    points = sample_points(symbols, context, count=POINTS) if symbols else [{}] * 5
    with mpmath.workdps(DIGITS + 40):
        for point in points:
            values = [_mp(point[s]) for s in symbols]
            near, far = g(mpmath.mpf(10) ** 10, *values), g(mpmath.mpf(10) ** 30, *values)
            if lim is None:
                if not (far > near > 0 and far > mpmath.mpf(10) ** 20):
                    raise VerificationError(f"z - estimate does not grow without bound at {point}")
            else:
                target = lim(*values)
                error_near, error_far = abs(near - target), abs(far - target)
                if not (error_far < mpmath.mpf(10) ** -(DIGITS - 10) or error_far < error_near):
                    raise VerificationError(f"z - estimate does not approach {limit} at {point}")
    kind = "grows without bound" if lim is None else "approaches the limit"
    return Check("numeric", f"z - estimate at z = 1e10 and 1e30 {kind}; {len(points)} points, seed {SEED}")


def _side_case(cases: list[tuple[Any, sp.Set]], t: sp.Expr, side: str, context: Any) -> Any:
    """The value of the case covering (t - eps, t) (side '-') or (t, t + eps) (side '+')."""
    for value, region in cases:
        if not isinstance(region, sp.Interval) or isinstance(value, sp.Set):
            continue
        if side == "-" and is_zero(region.end - t) is True and is_zero(region.start - t) is not True:
            return value
        if side == "+" and is_zero(region.start - t) is True and is_zero(region.end - t) is not True:
            return value
    # no boundary at t: the case whose interior holds t (checked at sample points)
    for value, region in cases:
        if isinstance(region, sp.Interval) and not isinstance(value, sp.Set):
            condition = (
                sp.And(region.start < t, t < region.end)
                if region.start is not sp.S.NegativeInfinity
                else t < region.end
            )
            symbols = sorted(sp.sympify(condition).free_symbols, key=lambda s: s.name)
            if not symbols:
                if condition is sp.true or condition == sp.true:
                    return value
                continue
            points = sample_points(symbols, context, count=8)
            if all(sp.sympify(condition).subs(p) is sp.true for p in points):
                return value
    raise VerificationError(f"no case of the estimate covers the {'left' if side == '-' else 'right'} of {t}")


def _one_sided(value: sp.Expr, variable: sp.Symbol, t: sp.Expr, side: str) -> sp.Expr:
    at = sp.simplify(value.subs(variable, t))
    if at.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        at = sp.limit(value, variable, t, dir=side)
    return at


def _check_side_limits(
    result: Any, variable: sp.Symbol, t: sp.Expr, left: sp.Expr, right: sp.Expr, context: Any
) -> Check:
    symbols = sorted(
        (sp.sympify(result).free_symbols | t.free_symbols | left.free_symbols | right.free_symbols) - {variable},
        key=lambda s: s.name,
    )
    f = _mp_function(result, (variable, *symbols))
    t_f, l_f, r_f = (_mp_function(e, tuple(symbols)) for e in (t, left, right))
    points = sample_points(symbols, context, count=POINTS) if symbols else [{}] * 5
    with mpmath.workdps(DIGITS + 10):
        eps = mpmath.mpf(10) ** -30
        for point in points:
            values = [_mp(point[s]) for s in symbols]
            tt = t_f(*values)
            for zed, want, name in (
                (tt - eps * (1 + abs(tt)), l_f(*values), "left"),
                (tt + eps * (1 + abs(tt)), r_f(*values), "right"),
            ):
                got = mpmath.mpf(f(zed, *values))
                if abs(got - want) > mpmath.mpf(10) ** -20 * (1 + abs(want)):
                    raise VerificationError(f"the {name} limit at the threshold is {got}, not {want} ({point})")
    return Check(
        "numeric",
        f"the estimate at t -/+ 1e-30 (1 + |t|) against the limits; {len(points)} points, seed {SEED}, "
        f"{DIGITS + 10} digits",
    )


def _limit_by_slope(gap_u: sp.Expr, u: sp.Symbol, context: Any) -> sp.Expr:
    """``+oo``/``-oo`` when the slope ``lim (z - estimate)/z`` is nonzero with one sign under ``context``
    (SymPy's limit cannot use facts such as ``l1_ratio < 1``); the sign is read at sample points."""
    slope = sp.simplify(sp.limit(gap_u * u**2, u, 0, "+"))
    symbols = sorted(slope.free_symbols, key=lambda s: s.name)
    signs = (
        {sp.sign(sp.N(slope.subs(p))) for p in sample_points(symbols, context, count=POINTS)}
        if symbols
        else {sp.sign(slope)}
    )
    if signs == {1}:
        return sp.oo
    if signs == {-1}:
        return -sp.oo
    raise VerificationError(f"could not find the limit of z - estimate (slope {slope})")


def analyse_shrinkage(deriv: Derivation, *, context: Any = sp.true) -> Derivation:
    """Derive the bias for large ``z`` and the continuity at the threshold of an estimator's derivation.

    Returns
    -------
    Derivation
        ``result`` is ``(bias, left limit, right limit)`` at the threshold;
        extras ``bias``, ``left``, ``right``, ``jump`` and ``continuous``
        (``True``, ``False`` or ``None``).

    Examples
    --------
    >>> a = analyse_shrinkage(estimator("lasso"))
    >>> a.extra("bias"), a.extra("continuous")
    (lambda, True)
    """
    variable = deriv.variable
    cases = _value_cases(deriv)
    estimate = dict(deriv.extras).get("selection", deriv.result)
    t = deriv.extra("threshold")
    builder = DerivationBuilder(f"Bias and continuity: {deriv.title}", assumptions=deriv.assumptions, context=context)
    top = [value for value, region in cases if isinstance(region, sp.Interval) and region.end is sp.S.Infinity]
    if len(top) != 1:
        raise VerificationError(f"{deriv.title}: no single case for large {variable}")
    gap = variable - top[0]
    u = sp.Dummy("u", positive=True)
    # z = 1/u^2, u -> 0+: SymPy's limit at +oo of cos(acos(...)) forms (the bridge) is unreliable, in u it is not
    bias = sp.simplify(sp.limit(gap.subs(variable, 1 / u**2), u, 0, "+"))
    if bias.has(sp.nan) or isinstance(bias, sp.Limit):
        bias = _limit_by_slope(gap.subs(variable, 1 / u**2), u, context)
    builder.claim(
        sp.Limit(gap, variable, sp.oo),
        "=",
        bias,
        f"the bias for large {variable}: the limit of {variable} minus the case for large {variable} (SymPy's limit, "
        f"in u = {variable}^(-1/2) -> 0+)",
        lambda: _check_bias(gap, variable, bias, context),
    )
    left = sp.simplify(_one_sided(_side_case(cases, t, "-", context), variable, t, "-"))
    right = sp.simplify(_one_sided(_side_case(cases, t, "+", context), variable, t, "+"))
    builder.claim(
        sp.Tuple(
            sp.Limit(sp.Symbol("betahat"), variable, t, dir="-"), sp.Limit(sp.Symbol("betahat"), variable, t, dir="+")
        ),
        "=",
        sp.Tuple(left, right),
        f"the limits of the estimate at the threshold {sp.sstr(t)} from the left and from the right (the cases on "
        "either side)",
        lambda: _check_side_limits(estimate, variable, t, left, right, context),
    )
    jump = sp.simplify(right - left)
    verdict = is_zero(jump)
    continuous = True if verdict is True else (False if verdict is False else None)
    if continuous is None:
        # decide the sign at sample points: a jump that is nonzero at every point is a jump
        symbols = sorted(jump.free_symbols, key=lambda s: s.name)
        if symbols and all(sp.N(jump.subs(p)) != 0 for p in sample_points(symbols, context, count=POINTS)):
            continuous = False
    words = {True: "continuous at the threshold", False: "a jump at the threshold", None: "continuity undecided"}
    builder.claim(
        sp.Symbol("jump"),
        "=",
        jump,
        f"right limit minus left limit: {words[continuous]}",
        lambda: Check("symbolic", "difference of the two limits, simplified"),
    )
    return builder.build(
        sp.Tuple(bias, left, right),
        parameters=deriv.parameters,
        extras=(("bias", bias), ("left", left), ("right", right), ("jump", jump), ("continuous", continuous)),
    )


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------
def _objective_display(spec: EstimatorSpec, deriv: Derivation, convention: str) -> tuple[sp.Expr, sp.Basic]:
    """The per-coordinate objective as the derivation states it, loss and penalty kept apart."""
    scaling = get_convention(convention).scaling(spec.name)
    c, s = scaling.loss_weight, scaling.gram_scale
    defaults = {p: sp.sympify(value) for p in spec.shape_parameters for name, value in spec.defaults if p.name == name}
    weights = spec.weights_under(scaling)
    variable, data = spec.variable, spec.data
    if spec.method == "garrote":
        coef = sp.Symbol("c", real=True)
        loss = sp.Mul(c * s * data**2, (1 - coef) ** 2, evaluate=False)
        return sp.Add(loss, weights[0] * coef, evaluate=False), sp.Ge(coef, 0)
    loss = sp.Mul(c * s, (variable - data) ** 2, evaluate=False) if c * s != 1 else (variable - data) ** 2
    if spec.method == "subset":
        t = deriv.extra("threshold")
        indicator = ESTIMATORS["l0"].terms[0]
        return sp.Add(loss, sp.Mul(c * s * t**2, indicator, evaluate=False), evaluate=False), sp.true
    terms = [(w * term).subs(defaults) for w, term in zip(weights, spec.terms, strict=True)]
    constraint = sp.Ge(variable, 0) if spec.constraint != 0 else sp.true
    return sp.Add(loss, *terms, evaluate=False), constraint


@functools.lru_cache(maxsize=16)
def shrinkage_table(convention: str = "esl", *, names: tuple[str, ...] | None = None) -> ShrinkageTable:
    """Derive the table of shrinkage estimators for orthonormal designs.

    Parameters
    ----------
    convention : str
        A convention of :mod:`derive.conventions`.
    names : tuple of str, optional
        The estimators (default: all, in the issue's order).  An estimator
        whose derivation fails (a method that is not available) is listed in
        ``omitted`` with the reason instead of a row.

    Returns
    -------
    ShrinkageTable
        With ``to_latex()`` and ``to_markdown()``.
    """
    get_convention(convention)
    chosen = ORDER if names is None else tuple(names)
    unknown = [name for name in chosen if name not in ESTIMATORS]
    if unknown:
        raise OptionError(f"unknown estimator(s) {', '.join(unknown)}; choose from {', '.join(ESTIMATORS)}")
    rows: list[ShrinkageRow] = []
    omitted: list[tuple[str, str]] = []
    for name in chosen:
        spec = ESTIMATORS[name]
        try:
            deriv = estimator(name, convention=convention)
        except DeriveError as exc:
            omitted.append((name, str(exc).split(";")[0]))
            continue
        scaling = get_convention(convention).scaling(name)
        context = sp.And(spec.context, scaling.context)
        analysis = analyse_shrinkage(deriv, context=context)
        objective, constraint = _objective_display(spec, deriv, convention)
        compact = dict(deriv.extras).get("compact")
        closed = compact if compact is not None else tuple(deriv.cases)
        if name == "group_lasso":
            size = sp.Symbol("p_g", integer=True, positive=True)
            closed = sp.MatMul(deriv.extra("compact_factor"), sp.MatrixSymbol("z_g", size, 1))
        rows.append(
            ShrinkageRow(
                name=name,
                label=spec.label,
                estimator=deriv,
                objective=objective,
                constraint=constraint,
                closed_form=closed,
                threshold=deriv.extra("threshold"),
                bias=analysis.extra("bias"),
                left=analysis.extra("left"),
                right=analysis.extra("right"),
                jump=analysis.extra("jump"),
                continuous=analysis.extra("continuous"),
                analysis=analysis,
                note=_THRESHOLD_NOTES.get(name, ""),
            )
        )
    return ShrinkageTable(convention, tuple(rows), tuple(omitted))
