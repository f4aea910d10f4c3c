"""The derivation model: checked steps assembled into a :class:`Derivation`.

A derivation is data.  Generic algorithms (``subdifferential``, ``prox``,
``estimator``, the theorems in :mod:`proofs`) build it through a
:class:`DerivationBuilder`; every step is checked when it is added and a step
that fails its check raises :class:`~derive.errors.VerificationError` naming the
step, so nothing unverified is ever presented as derived.  Every output (LaTeX,
Markdown, terminal text, Jupyter, a NumPy function, a figure) is a view of the
one object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import sympy as sp

from .budget import running_step
from .errors import VerificationError

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Sequence

__all__ = [
    "Method",
    "Relation",
    "Check",
    "Statement",
    "Step",
    "Derivation",
    "DerivationBuilder",
]

#: How a step was verified.  ``symbolic``: SymPy proved it; ``numeric``: checked
#: at seeded random points with mpmath at 50 significant digits because SymPy
#: could not decide; ``definition``: the step defines or states a convention;
#: ``cited``: a published theorem applied as stated (the citation is the reason).
Method = Literal["symbolic", "numeric", "definition", "cited"]

#: Relations a statement may assert between its two sides.
Relation = Literal["=", ":=", "in", "iff", "implies", "<=", "<", ">=", ">", "subseteq", "text"]

RELATIONS: tuple[str, ...] = ("=", ":=", "in", "iff", "implies", "<=", "<", ">=", ">", "subseteq", "text")


@dataclass(frozen=True, slots=True)
class Check:
    """How one step was verified.

    Parameters
    ----------
    method : {"symbolic", "numeric", "definition", "cited"}
        The kind of verification.
    detail : str
        What exactly was done, e.g. ``"simplify(lhs - rhs) = 0"`` or
        ``"40 points, seed 0, 50 digits, max rel. error 2e-49"``.
    """

    method: Method
    detail: str = ""

    def __post_init__(self) -> None:
        if self.method not in ("symbolic", "numeric", "definition", "cited"):
            raise ValueError(f"unknown check method {self.method!r}")


@dataclass(frozen=True, slots=True)
class Statement:
    """What a step states: ``lhs rel rhs``, holding where ``condition`` holds.

    ``rel`` is one of :data:`RELATIONS`; for ``"text"`` the statement is the
    words in ``lhs`` (a :class:`sympy.Symbol` used as a label is not allowed:
    use ``rel="text"`` with ``lhs`` a SymPy ``Str``-like object is avoided, so
    text statements keep their words in ``words``).
    """

    lhs: Any
    rel: str
    rhs: Any = None
    condition: Any = sp.true
    words: str = ""

    def __post_init__(self) -> None:
        if self.rel not in RELATIONS:
            raise ValueError(f"unknown relation {self.rel!r}; expected one of {RELATIONS}")


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a derivation: a statement, the rule or reason in words, its check."""

    statement: Statement
    reason: str
    check: Check


@dataclass(frozen=True, slots=True)
class Derivation:
    """A titled, ordered list of checked steps ending in a result.

    Parameters
    ----------
    title : str
        What is derived, in words.
    assumptions : tuple of sympy.Symbol
        The symbols in force; their SymPy assumptions (``lambda > 0``, ``x``
        real) are part of the derivation and are printed with it.
    steps : tuple of Step
        The checked steps, in order.
    result : sympy.Basic
        The derived object (an expression, a ``Piecewise``, a set, ...).
    variable : sympy.Symbol or None
        The argument of the result seen as a function (``v`` for a prox,
        ``z`` for an estimator); used by :meth:`numeric`.
    parameters : tuple of sympy.Symbol
        The other free symbols of the result, in the order :meth:`numeric`
        accepts them.
    convention : str
        The objective convention, stated in words (empty if not applicable).
    lhs : sympy.Basic or None
        What the result is the value of (``prox_g(v)``), for display.
    objective : sympy.Expr or None
        For estimators: the per-coordinate objective the result minimises.
    cases : tuple of (sympy.Expr, sympy.Set)
        For piecewise results: each branch with the region of ``variable``
        where it applies, in increasing order.
    extras : tuple of (str, sympy.Basic)
        Further named results (``("threshold", lambda)``, ...).
    """

    title: str
    assumptions: tuple[sp.Symbol, ...]
    steps: tuple[Step, ...]
    result: Any
    variable: sp.Symbol | None = None
    parameters: tuple[sp.Symbol, ...] = ()
    convention: str = ""
    lhs: Any = None
    objective: Any = None
    cases: tuple[tuple[Any, Any], ...] = ()
    extras: tuple[tuple[str, Any], ...] = ()

    # -- data access -----------------------------------------------------
    def extra(self, name: str) -> Any:
        """Return the named extra result; raise ``KeyError`` naming the known ones."""
        for key, value in self.extras:
            if key == name:
                return value
        raise KeyError(f"{name!r} is not a result of {self.title!r}; known: {[k for k, _ in self.extras]}")

    @property
    def methods(self) -> dict[str, int]:
        """Count of steps by verification method."""
        out: dict[str, int] = {}
        for step in self.steps:
            out[step.check.method] = out.get(step.check.method, 0) + 1
        return out

    def with_title(self, title: str) -> Derivation:
        """Return a copy with another title."""
        return replace(self, title=title)

    # -- views ------------------------------------------------------------
    def numeric(self) -> Callable[..., Any]:
        """Return a vectorised NumPy function of the result.

        The function takes ``variable`` first and then ``parameters`` (as
        positional or keyword arguments, named by the symbols' names with
        ``lambda`` spelled ``lam``); it broadcasts like a ufunc.  Where the
        result is set-valued (the ties of a non-convex prox) the function
        returns the derivation's single-valued ``selection`` extra, so the
        output is a float array, never an array of sets.
        """
        from .numeric import numeric_function

        if self.variable is None:
            raise TypeError(f"{self.title!r} has no variable; it is not a function to evaluate")
        extras = dict(self.extras)
        expr = self.result
        if "compact" in extras:  # equal to the result (a checked step): no Piecewise to select over
            expr = extras["compact"]
        elif "selection" in extras:  # a selection of the set-valued result, checked where it was derived
            expr = extras["selection"]
        return numeric_function(expr, (self.variable, *self.parameters))

    def to_latex(self, **settings: Any) -> str:
        """Return an ``align*`` environment with one line per step and its reason."""
        from .printing.latex import derivation_to_latex

        return derivation_to_latex(self, **settings)

    def to_markdown(self, **settings: Any) -> str:
        """Return Markdown with the steps as a numbered list of display math."""
        from .printing.markdown import derivation_to_markdown

        return derivation_to_markdown(self, **settings)

    def to_text(self, **settings: Any) -> str:
        """Return plain text for the terminal."""
        from .printing.text import derivation_to_text

        return derivation_to_text(self, **settings)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_latex_(self) -> str:
        from .printing.latex import derivation_to_latex

        return "$$" + derivation_to_latex(self, environment="aligned") + "$$"


CheckFunction = Callable[[], Check]


@dataclass(slots=True)
class DerivationBuilder:
    """Collects steps, checking each one as it is added.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import x
    >>> b = DerivationBuilder("a tiny identity", assumptions=(x,))
    >>> _ = b.equal((x + 1)**2, x**2 + 2*x + 1, "expand the square")
    >>> b.steps[0].check.method
    'symbolic'
    """

    title: str
    assumptions: tuple[sp.Symbol, ...] = ()
    convention: str = ""
    steps: list[Step] = field(default_factory=list)
    #: Facts about the parameters beyond their symbols' assumptions (e.g.
    #: ``a < b``); numeric checks sample only points where they hold.
    context: Any = sp.true

    def _add(self, statement: Statement, reason: str, check: Check | CheckFunction) -> Step:
        if callable(check):
            try:
                with running_step(f"step {len(self.steps) + 1} ({reason}) of {self.title!r}"):
                    check = check()
            except VerificationError as exc:
                raise VerificationError(
                    f"{self.title}: step {len(self.steps) + 1} ({reason}) failed its check: {exc}"
                ) from None
        step = Step(statement, reason, check)
        self.steps.append(step)
        return step

    def define(self, lhs: Any, rhs: Any, reason: str, *, rel: str = ":=", condition: Any = sp.true) -> Step:
        """Add a definition (nothing to verify: it fixes what the symbols mean)."""
        return self._add(Statement(lhs, rel, rhs, condition), reason, Check("definition"))

    def cite(self, lhs: Any, rel: str, rhs: Any, reason: str, *, condition: Any = sp.true, words: str = "") -> Step:
        """Add a published theorem applied as stated; ``reason`` carries the citation."""
        return self._add(Statement(lhs, rel, rhs, condition, words), reason, Check("cited"))

    def note(self, words: str, reason: str = "") -> Step:
        """Add a statement in words that is a consequence of the previous checked steps."""
        return self._add(Statement(None, "text", None, sp.true, words), reason, Check("definition"))

    def equal(self, lhs: Any, rhs: Any, reason: str, *, condition: Any = sp.true, show: Any = None) -> Step:
        """Add ``lhs = rhs`` (where ``condition`` holds), verified symbolically or numerically.

        ``show`` replaces ``lhs`` in the display (e.g. ``prox_g(v)``) while
        ``lhs`` is what gets checked.
        """
        from .checks import check_equal

        return self._add(
            Statement(lhs if show is None else show, "=", rhs, condition),
            reason,
            lambda: check_equal(lhs, rhs, condition=sp.And(condition, self.context)),
        )

    def member(self, element: Any, region: Any, reason: str, *, condition: Any = sp.true) -> Step:
        """Add ``element in region`` (where ``condition`` holds), verified."""
        from .checks import check_member

        return self._add(
            Statement(element, "in", region, condition),
            reason,
            lambda: check_member(element, region, condition=sp.And(condition, self.context)),
        )

    def claim(
        self,
        lhs: Any,
        rel: str,
        rhs: Any,
        reason: str,
        check: CheckFunction,
        *,
        condition: Any = sp.true,
        words: str = "",
    ) -> Step:
        """Add a statement verified by ``check`` (a function returning a :class:`Check`)."""
        return self._add(Statement(lhs, rel, rhs, condition, words), reason, check)

    def include(self, other: Derivation, *, prefix: str = "") -> None:
        """Append the (already checked) steps of another derivation."""
        for step in other.steps:
            reason = f"{prefix}{step.reason}" if prefix else step.reason
            self.steps.append(Step(step.statement, reason, step.check))

    def build(self, result: Any, **fields: Any) -> Derivation:
        """Freeze the builder into a :class:`Derivation` with the given result."""
        return Derivation(
            title=self.title,
            assumptions=tuple(self.assumptions),
            steps=tuple(self.steps),
            result=result,
            convention=self.convention,
            **fields,
        )


def symbols_of(*objects: Any) -> tuple[sp.Symbol, ...]:
    """Free symbols of the objects, sorted by name (deterministic order)."""
    found: set[sp.Symbol] = set()
    for obj in objects:
        if isinstance(obj, sp.Basic):
            found |= {s for s in obj.free_symbols if isinstance(s, sp.Symbol)}
    return tuple(sorted(found, key=lambda s: s.name))


def as_mapping(pairs: Sequence[tuple[str, Any]]) -> Mapping[str, Any]:
    """Turn ``extras`` pairs into a read-only mapping."""
    from types import MappingProxyType

    return MappingProxyType(dict(pairs))
