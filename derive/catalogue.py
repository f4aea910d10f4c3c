"""The catalogue of classical scalar penalties, each derived, never typed in.

An :class:`Entry` holds what a user would write down: a name, the penalty as
a SymPy expression built from symbols with assumptions, and the facts about
its parameters (``a < b``, ``gamma > 1``).  Everything else is *derived*:
whether the penalty is convex (three-valued, by :func:`derive.penalties.analyse`),
the proximal operator (:func:`derive.prox.prox` with ``route="auto"``: the
convex algorithm, or global minimisation when the penalty is not convex), its
threshold, and the one-line summary shown by ``derive catalogue``.  No closed
form appears in this module; the textbook formulas live in the tests as the
independent reference.

Sources of the penalties (not of their proximal operators, which are derived):
Beck, *First-Order Methods in Optimization* (SIAM 2017), ch. 6; Parikh and
Boyd, *Proximal Algorithms* (2014), sec. 6; Fan and Li (2001) for SCAD; Zhang
(2010) for MCP; Owen (2007) for the reverse Huber (berHu); Candès, Wakin and
Boyd (2008) for the log penalty; Xu et al. (2012) for the L1/2 penalty; Koenker
and Bassett (1978) for the pinball loss.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sympy as sp

from .core import Derivation
from .errors import DeriveError, OptionError
from .penalties import analyse
from .printing.text import expr_to_text
from .symbols import a, b, c, delta, lam, mu, v, x

__all__ = ["Entry", "CATALOGUE", "entry", "names", "catalogue_text", "catalogue_rows", "table"]

#: Positive weights of the pinball loss (Koenker and Bassett's a and b).
a_pos = sp.Symbol("a", positive=True)
b_pos = sp.Symbol("b", positive=True)
#: The cap of the capped L1 penalty.
theta = sp.Symbol("theta", positive=True)
#: The scale of the log penalty.
epsilon = sp.Symbol("epsilon", positive=True)
#: The concavity parameters of SCAD (a > 2) and MCP (gamma > 1).
a_scad = sp.Symbol("a", positive=True)
gamma = sp.Symbol("gamma", positive=True)

_HUBER = sp.Piecewise((x**2 / 2, sp.Abs(x) <= delta), (delta * (sp.Abs(x) - delta / 2), True))
_BERHU = sp.Piecewise((sp.Abs(x), sp.Abs(x) <= delta), ((x**2 + delta**2) / (2 * delta), True))
_BOX = sp.Piecewise((0, (x >= a) & (x <= b)), (sp.oo, True))
_LOG_BARRIER = sp.Piecewise((-sp.log(x), x > 0), (sp.oo, True))
_NEG_ENTROPY = sp.Piecewise((x * sp.log(x), x > 0), (sp.oo, True))
_RIDGE = mu / 2 * x**2


@dataclass(frozen=True, slots=True)
class Entry:
    """A named penalty: its expression and the facts about its parameters; the rest is derived.

    Parameters
    ----------
    name : str
        What ``derive prox NAME`` accepts.
    penalty : sympy.Expr
        The penalty in :data:`derive.symbols.x`, weight included.
    description : str
        The penalty in words, with its source.
    context : sympy Boolean
        Facts about the parameters beyond their symbols' assumptions.
    """

    name: str
    penalty: sp.Expr
    description: str
    context: Any = sp.true

    @property
    def convex(self) -> bool | None:
        """Three-valued convexity, derived piece by piece (:attr:`derive.penalties.PenaltyStructure.convex`)."""
        return _convex(self.penalty, self.context)

    def derive(self) -> Derivation:
        """The prox derivation (convex algorithm or global minimisation, chosen from the expression)."""
        from .prox import prox

        return prox(self.penalty, x, v, assumptions=self.context, route="auto")

    def numeric(self) -> Any:
        """A vectorised NumPy prox (closed forms, bisection where there is none, selections at ties)."""
        from .numeric_prox import numeric_prox

        return numeric_prox(self.derive())

    def summary(self, width: int = 160) -> str:
        """The prox in one line (shortened to ``width`` characters)."""
        return _one_line(self.derive(), width)


@functools.lru_cache(maxsize=128)
def _convex(penalty: sp.Expr, context: Any) -> bool | None:
    return analyse(penalty, x, assumptions=context).convex


def _entries() -> tuple[Entry, ...]:
    convex = [
        Entry("abs", lam * sp.Abs(x), "the L1 norm (lasso); Beck 2017, Example 6.8"),
        Entry("square", lam * x**2, "the squared L2 norm (ridge); Parikh and Boyd 2014, sec. 6.1.1"),
        *[
            Entry(
                f"power-{label}", lam * sp.Abs(x) ** p, f"|x|^{label}; Chaux, Combettes, Pesquet and Wajs 2007, Ex. 4.9"
            )
            for p, label in ((sp.Rational(4, 3), "4/3"), (sp.Rational(3, 2), "3/2"), (sp.Integer(3), "3"))
        ],
        Entry("power-4", lam * x**4, "x^4; Chaux, Combettes, Pesquet and Wajs 2007, Ex. 4.9"),
        Entry(
            "pinball",
            a_pos * sp.Max(x, 0) + b_pos * sp.Max(-x, 0),
            "the asymmetric (pinball, quantile) loss; Koenker and Bassett 1978",
        ),
        Entry("hinge", lam * sp.Max(x, 0), "the hinge max(x, 0); Beck 2017, Table 6.1"),
        Entry("abs-shift", lam * sp.Abs(x - c), "|x - c|; Beck 2017, Thm 6.11 (translation)"),
        Entry("huber", lam * _HUBER, "the Huber function with parameter delta; Beck 2017, Example 6.54"),
        Entry("berhu", lam * _BERHU, "the reverse Huber (berHu) function; Owen 2007"),
        Entry("log-barrier", lam * _LOG_BARRIER, "-log(x) on x > 0; Beck 2017, Table 6.1"),
        Entry("neg-entropy", lam * _NEG_ENTROPY, "x log(x) on x > 0 (negative entropy); Beck 2017, Table 6.1"),
        Entry("exp", lam * sp.exp(x), "the exponential; Parikh and Boyd 2014, sec. 6"),
        Entry("box", _BOX, "the indicator of [a, b]; Beck 2017, Lemma 6.26", a < b),
        Entry("nonneg", sp.Piecewise((0, x >= 0), (sp.oo, True)), "the indicator of x >= 0; Beck 2017, Table 6.1"),
        Entry("point", sp.Piecewise((0, sp.Eq(x, c)), (sp.oo, True)), "the indicator of {c}"),
        Entry(
            "dist-interval",
            lam * (sp.Max(a - x, 0) + sp.Max(x - b, 0)),
            "the distance to [a, b]; Beck 2017, Lemma 6.43",
            a < b,
        ),
        Entry("elastic-net", lam * sp.Abs(x) + _RIDGE, "the elastic net; Parikh and Boyd 2014, sec. 6.5.3"),
        Entry("log-barrier-ridge", lam * _LOG_BARRIER + _RIDGE, "-log(x) + (mu/2) x^2 on x > 0"),
        Entry("neg-entropy-ridge", lam * _NEG_ENTROPY + _RIDGE, "x log(x) + (mu/2) x^2 on x > 0"),
        Entry("box-ridge", _BOX + _RIDGE, "(mu/2) x^2 on [a, b]", a < b),
        Entry("log-cosh", lam * sp.log(sp.cosh(x)), "log cosh (smooth L1): no closed-form prox"),
    ]
    nonconvex = [
        Entry("l0", lam * sp.Piecewise((0, sp.Eq(x, 0)), (1, True)), "the L0 penalty lambda*1{x != 0}"),
        Entry("capped-l1", lam * sp.Min(sp.Abs(x), theta), "the capped L1 penalty lambda*min(|x|, theta)"),
        Entry(
            "scad",
            sp.Piecewise(
                (lam * sp.Abs(x), sp.Abs(x) <= lam),
                ((2 * a_scad * lam * sp.Abs(x) - x**2 - lam**2) / (2 * (a_scad - 1)), sp.Abs(x) <= a_scad * lam),
                (lam**2 * (a_scad + 1) / 2, True),
            ),
            "SCAD; Fan and Li 2001",
            a_scad > 2,
        ),
        Entry(
            "mcp",
            lam
            * sp.Piecewise((sp.Abs(x) - x**2 / (2 * gamma * lam), sp.Abs(x) <= gamma * lam), (gamma * lam / 2, True)),
            "the minimax concave penalty (MCP); Zhang 2010",
            gamma > 1,
        ),
        Entry("log-penalty", lam * sp.log(1 + sp.Abs(x) / epsilon), "lambda*log(1 + |x|/epsilon); Candès et al. 2008"),
        Entry("bridge-1/2", lam * sp.sqrt(sp.Abs(x)), "lambda*|x|^(1/2) (half thresholding); Xu et al. 2012"),
        Entry("bridge-2/3", lam * sp.Abs(x) ** sp.Rational(2, 3), "lambda*|x|^(2/3); Cao, Sun and Xu 2013"),
    ]
    return (*convex, *nonconvex)


#: Every entry, in display order.
CATALOGUE: tuple[Entry, ...] = _entries()


def names() -> tuple[str, ...]:
    """The entry names, in display order."""
    return tuple(e.name for e in CATALOGUE)


def entry(name: str) -> Entry:
    """The entry called ``name``; an unknown name raises :class:`~derive.errors.OptionError` listing the known ones.

    Examples
    --------
    >>> entry("l0").convex
    False
    """
    for e in CATALOGUE:
        if e.name == name:
            return e
    raise OptionError(f"unknown catalogue entry {name!r}; known: {', '.join(names())}")


def _convex_words(verdict: bool | None) -> str:
    return {True: "convex", False: "non-convex", None: "undecided"}[verdict]


def _one_line(d: Derivation, width: int) -> str:
    extras = dict(d.extras)
    if "compact" in extras:
        text = f"prox(v) = {expr_to_text(extras['compact'])}"
    elif d.cases and len(d.cases) > 1:
        parts = []
        for value, region in d.cases:
            parts.append(f"{expr_to_text(value)} if {_region_words(region, d.variable)}")
        text = "prox(v) = " + "; ".join(parts)
    else:
        text = f"prox(v) = {expr_to_text(d.result)}"
    threshold = extras.get("threshold")
    if threshold is not None and threshold is not sp.nan and threshold != 0 and not text.endswith("..."):
        text += f"  [threshold {expr_to_text(threshold)}]"
    return text if len(text) <= width else text[: width - 3] + "..."


def _region_words(region: sp.Set, variable: sp.Symbol) -> str:
    from .subgradient import describe

    return describe(region, variable)


def catalogue_rows() -> list[tuple[str, str, str, str]]:
    """``(name, penalty, convex or not, prox in one line)`` for every entry (each derived).

    An entry whose derivation fails says so in its prox column (the first line
    of the error) instead of hiding the others.
    """
    rows = []
    for e in CATALOGUE:
        try:
            summary = e.summary()
        except DeriveError as exc:
            summary = f"not derived: {str(exc).splitlines()[0][:140]}"
        rows.append((e.name, expr_to_text(e.penalty), _convex_words(e.convex), summary))
    return rows


def catalogue_text() -> str:
    """The listing printed by ``derive catalogue``: one block per entry."""
    lines = [f"{len(CATALOGUE)} penalties; prox_g(v) = argmin_x g(x) + (x - v)^2/2, derived and checked", ""]
    for e, (name, penalty, convex, summary) in zip(CATALOGUE, catalogue_rows(), strict=True):
        context = "" if e.context is sp.true else f"   ({expr_to_text(e.context)})"
        lines.append(f"{name:<18} {convex:<10} g(x) = {penalty}{context}")
        lines.append(f"{'':<29} {summary}")
    return "\n".join(lines)


def table() -> list[tuple[str, sp.Expr, bool | None, Derivation | None, Any]]:
    """Data for the report's table: ``(name, penalty, convex, derivation, threshold)`` per entry.

    The derivation is None when it could not be built (the row then says so);
    ``threshold`` is the derivation's ``threshold`` extra (None if it has none
    or it is undefined).  Renderers format these objects with their printers;
    nothing here is a string of LaTeX.
    """
    rows: list[tuple[str, sp.Expr, bool | None, Derivation | None, Any]] = []
    for e in CATALOGUE:
        try:
            d = e.derive()
        except DeriveError:
            rows.append((e.name, e.penalty, e.convex, None, None))
            continue
        threshold = dict(d.extras).get("threshold")
        if threshold is sp.nan or (isinstance(threshold, sp.Basic) and threshold.has(sp.nan)):
            threshold = None
        rows.append((e.name, e.penalty, e.convex, d, threshold))
    return rows
