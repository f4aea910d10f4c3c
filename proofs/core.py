"""Theorems as checked derivations, and the checks the theorems share.

A :class:`Theorem` is a statement in words and in LaTeX together with its
proof, a :class:`~derive.core.Derivation` whose every step was checked when it
was added.  Whether the theorem *holds* is computed by the function that builds
it, from the verdicts of the steps that carry its claims (:func:`decide_claim`):
a claim SymPy proves is added as a checked step, a claim SymPy refutes is added
as a checked step of its *negation* (so a false claim gives ``holds=False``
with the failing step recorded in words, never an exception), and a claim
SymPy cannot decide gives ``None``, which is never turned into ``False``.  A
step that *derives* something (a prox, a zero set, a subdifferential) and fails
its check still raises :class:`~derive.errors.VerificationError`: a broken
derivation is not a disproof.

The mathematics (Rockafellar, *Convex Analysis*, 1970; Bauschke and Combettes,
*Convex Analysis and Monotone Operator Theory in Hilbert Spaces*, 2nd ed.,
2017):

* Fermat's rule and the sum rule (Rockafellar Thms 27.1 and 23.8; Bauschke and
  Combettes Prop. 16.44): ``p = prox_g(v)`` iff ``v - p`` lies in ``∂g(p)``;
* for a convex function of one real variable, ``∂g(x) = [g'(x-), g'(x+)]``
  (Rockafellar Thm 24.1), a single point exactly where g is differentiable
  (Rockafellar Thm 25.1).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.checks import (
    DIGITS,
    SEED,
    TOLERANCE,
    at_point,
    check_derivative,
    check_equal,
    check_true,
    is_zero,
    sample_points,
)
from derive.core import Check, Derivation, DerivationBuilder, Step
from derive.errors import VerificationError
from derive.notation import Penalty, Prox, Subdiff
from derive.penalties import analyse
from derive.prox import prox, zero_set_of
from derive.symbols import delta, lam, mu, v, x

__all__ = [
    "LATEX_REQUIREMENTS",
    "LATEX_PREAMBLE",
    "CATALOGUE",
    "FAILED",
    "Theorem",
    "Length",
    "SetBuilder",
    "combine",
    "decide_claim",
    "sets_equal",
    "same_value",
    "length_of",
    "check_sets_differ",
    "check_differ",
    "check_zero_set",
    "check_subdifferential_at_zero",
    "summarise",
    "as_penalty",
    "latex_of",
    "plain_text",
    "InstanceFacts",
    "instance_facts",
    "derived_prox",
    "zero_set_display",
    "kink_verdict",
    "check_kink",
]

#: LaTeX packages :meth:`Theorem.to_latex` needs; the preamble must also declare
#: ``\newtheorem{theorem}{Theorem}`` (see :data:`LATEX_PREAMBLE`).
LATEX_REQUIREMENTS: tuple[str, ...] = ("amsthm",)

#: What :meth:`Theorem.to_latex` adds to the preamble of the derivations'
#: (:func:`derive.printing.latex.latex_preamble`: ``amsmath``, ``amssymb``, ``mathtools``).
LATEX_PREAMBLE = "\\usepackage{amsthm}\n\\newtheorem{theorem}{Theorem}\n"

#: Penalties on which the theorems are checked, in the variable ``x``: the lasso
#: (L1), ridge (L2), the elastic net, the positive part and the Huber function.
CATALOGUE: tuple[sp.Expr, ...] = (
    lam * sp.Abs(x),
    lam * x**2 / 2,
    lam * sp.Abs(x) + mu / 2 * x**2,
    lam * sp.Max(x, 0),
    sp.Piecewise((x**2 / 2, sp.Abs(x) <= delta), (delta * (sp.Abs(x) - delta / 2), True)),
)

#: How the reason of a refuted claim's step begins (see :func:`decide_claim`).
FAILED = "the claim does not hold"


# --------------------------------------------------------------------------
# The theorem
# --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Theorem:
    """A statement with its checked proof and a computed verdict.

    Parameters
    ----------
    name : str
        Registry key in kebab case (``"zero-set"``), used by ``derive prove NAME``.
    title : str
        Short title, printed as the optional argument of ``\\begin{theorem}``.
    statement : str
        The statement in words (plain text, simple ASCII math).
    statement_latex : str
        The statement as LaTeX text with inline ``$...$`` math (the math is
        printed by :mod:`derive.printing.latex`).
    proof : Derivation
        The checked steps.
    holds : bool or None
        Computed by the function that builds the theorem from the verdicts of
        its claims: True if every claim was proved, False if one was refuted,
        None if SymPy could not decide one (and none was refuted).
    instances : tuple of (str, bool or None)
        The verdict for each penalty (or case) the theorem was checked on.
        When given, ``holds`` must equal :func:`combine` of them.

    Notes
    -----
    :meth:`to_latex` needs ``amsthm`` with ``\\newtheorem{theorem}{Theorem}``
    in the preamble (:data:`LATEX_REQUIREMENTS`, :data:`LATEX_PREAMBLE`).

    Examples
    --------
    >>> from proofs.kink_sparsity import sparsity_claim
    >>> t = sparsity_claim("lambda*x^2")
    >>> t.name, t.holds, t.verdict
    ('sparsity-claim', False, 'does not hold')
    >>> print(t.to_text().splitlines()[0])
    Theorem [sparsity-claim]: Exact zeros for an interval of data
    """

    name: str
    title: str
    statement: str
    statement_latex: str
    proof: Derivation
    holds: bool | None
    instances: tuple[tuple[str, bool | None], ...] = ()

    def __post_init__(self) -> None:
        if not (self.holds is None or isinstance(self.holds, bool)):
            raise TypeError(f"holds must be True, False or None, not {self.holds!r}")
        if self.instances and self.holds is not combine(verdict for _, verdict in self.instances):
            raise ValueError(
                f"holds={self.holds} contradicts the instance verdicts {self.instances}: "
                "holds is computed from them (use proofs.core.combine)"
            )

    @classmethod
    def from_instances(
        cls,
        *,
        name: str,
        title: str,
        statement: str,
        statement_latex: str,
        proof: Derivation,
        instances: Iterable[tuple[str, bool | None]],
    ) -> Theorem:
        """A theorem whose verdict is the conjunction (:func:`combine`) of its instances' verdicts.

        Examples
        --------
        >>> from derive.core import DerivationBuilder
        >>> b = DerivationBuilder("demo")
        >>> _ = b.note("nothing to check")
        >>> t = Theorem.from_instances(name="demo", title="Demo", statement="s", statement_latex="s",
        ...                            proof=b.build(sp.Integer(0)), instances=[("a", True), ("b", None)])
        >>> t.holds, t.verdict
        (None, 'undecided')
        """
        instances = tuple(instances)
        return cls(
            name=name,
            title=title,
            statement=statement,
            statement_latex=statement_latex,
            proof=proof,
            holds=combine(verdict for _, verdict in instances),
            instances=instances,
        )

    # -- data access -----------------------------------------------------
    @property
    def verdict(self) -> str:
        """``"holds"``, ``"does not hold"`` or ``"undecided"``."""
        return _verdict_words(self.holds)

    @property
    def failures(self) -> tuple[str, ...]:
        """The refuted claims, in words (empty when the theorem holds)."""
        return tuple(step.statement.words for step in self.proof.steps if step.reason.startswith(FAILED))

    # -- views ------------------------------------------------------------
    def to_latex(self, **settings: Any) -> str:
        """Return a ``theorem`` environment followed by a ``proof`` with the steps in ``align*``.

        ``settings`` go to the LaTeX printer (``notation=...`` and so on).
        Needs ``amsthm`` and ``\\newtheorem{theorem}{Theorem}`` in the preamble
        (:data:`LATEX_PREAMBLE`).
        """
        from derive.printing.latex import derivation_to_latex, prose_to_latex

        steps = derivation_to_latex(self.proof, form="snippet", **settings).strip()  # an align* environment
        lines = [
            f"\\begin{{theorem}}[{prose_to_latex(self.title)}]",
            self.statement_latex,
            "\\end{theorem}",
            "\\begin{proof}",
            steps,
        ]
        if self.instances:
            lines.append("Checked on:")
            lines.append("\\begin{itemize}")
            lines += [
                f"\\item \\texttt{{{_latex_text(label)}}}: {_verdict_words(verdict)}."
                for label, verdict in self.instances
            ]
            lines.append("\\end{itemize}")
        lines.append(f"Verdict: the theorem {self.verdict}.")
        for words in self.failures:
            lines.append(f"Failing step: {prose_to_latex(words)}.")
        lines.append("\\end{proof}")
        return "\n".join(lines) + "\n"

    def to_markdown(self, **settings: Any) -> str:
        """Return Markdown: the statement in bold-titled prose, the verdict, the steps."""
        lines = [f"**Theorem ({self.title}).** {self.statement_latex}", "", f"*Verdict:* the theorem {self.verdict}."]
        if self.instances:
            lines.append("")
            lines += [f"- `{label}`: {_verdict_words(verdict)}" for label, verdict in self.instances]
        for words in self.failures:
            lines += ["", f"*Failing step:* {words}"]
        lines += ["", "*Proof.*", "", self.proof.to_markdown(**settings).strip(), "", "∎"]
        return "\n".join(lines) + "\n"

    def to_text(self, **settings: Any) -> str:
        """Return plain text for the terminal: statement, verdict, instances, steps."""
        lines = [f"Theorem [{self.name}]: {self.title}", f"  {self.statement}", f"Verdict: {self.verdict}"]
        lines += [f"  {_verdict_words(verdict):>14}  {label}" for label, verdict in self.instances]
        lines += [f"Failing step: {words}" for words in self.failures]
        lines += ["Proof:", self.proof.to_text(**settings).rstrip()]
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.to_text()

    def _repr_latex_(self) -> str:
        return (
            f"$\\textbf{{Theorem ({_latex_text(self.title)}).}}$ {self.statement_latex}\n\n"
            f"Verdict: the theorem {self.verdict}.\n\n" + self.proof._repr_latex_()
        )


def _verdict_words(verdict: bool | None) -> str:
    return {True: "holds", False: "does not hold", None: "undecided"}[verdict]


_LATEX_SPECIAL = {
    "\\": "\\textbackslash{}",
    "&": "\\&",
    "%": "\\%",
    "$": "\\$",
    "#": "\\#",
    "_": "\\_",
    "{": "\\{",
    "}": "\\}",
    "~": "\\textasciitilde{}",
    "^": "\\textasciicircum{}",
}


def _latex_text(text: str) -> str:
    """Escape plain text for LaTeX text mode."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


# --------------------------------------------------------------------------
# Three-valued verdicts
# --------------------------------------------------------------------------
def combine(verdicts: Iterable[bool | None]) -> bool | None:
    """Conjunction in three-valued logic: False if any is False, else None if any is None.

    Examples
    --------
    >>> combine([True, True]), combine([True, None]), combine([None, False]), combine([])
    (True, None, False, True)
    """
    values = list(verdicts)
    if any(value is False for value in values):
        return False
    if all(value is True for value in values):
        return True
    return None


def decide_claim(
    builder: DerivationBuilder,
    verdict: bool | None,
    *,
    lhs: Any,
    rel: str,
    rhs: Any,
    words: str,
    reason: str,
    check: Callable[[], Check],
    refute: Callable[[], Check],
    refuted: str = "",
    condition: Any = sp.true,
) -> bool | None:
    """Add a claim of the theorem as a checked step, whatever its verdict, and return the verdict.

    ``verdict`` is decided beforehand (three-valued).  True: the claim is added
    and ``check`` must verify it.  False: its negation is added (reason starting
    with :data:`FAILED`, ``refuted`` in words) and ``refute`` must verify the
    negation.  None: a step in words records that SymPy could not decide.  A
    check that fails raises :class:`~derive.errors.VerificationError` as for
    any step: the verdict and the check disagreeing means a broken derivation.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.core import DerivationBuilder
    >>> from derive.checks import check_equal
    >>> b = DerivationBuilder("demo")
    >>> decide_claim(b, False, lhs=sp.Integer(1), rel="=", rhs=sp.Integer(2), words="1 = 2",
    ...              reason="arithmetic", check=lambda: check_equal(1, 2), refute=lambda: check_differ(1, 2))
    False
    >>> b.steps[-1].reason
    'the claim does not hold: arithmetic'
    """
    if verdict is True:
        builder.claim(lhs, rel, rhs, reason, check, condition=condition, words=words)
    elif verdict is False:
        builder.claim(
            lhs, "text", rhs, f"{FAILED}: {reason}", refute, condition=condition, words=refuted or f"not ({words})"
        )
    else:
        builder.note(f"undecided: {words}", f"SymPy could not decide this claim ({reason})")
    return verdict


# --------------------------------------------------------------------------
# Comparing sets and numbers, three-valued and as checks
# --------------------------------------------------------------------------
def _interval_parts(region: Any) -> tuple[Any, Any, bool, bool] | None:
    if isinstance(region, sp.Interval):
        return region.start, region.end, bool(region.left_open), bool(region.right_open)
    if isinstance(region, sp.FiniteSet) and len(region) == 1:
        (point,) = region.args
        return point, point, False, False
    return None


def same_value(first: Any, second: Any) -> bool | None:
    """Three-valued ``first == second`` for expressions that may be infinite.

    Examples
    --------
    >>> from derive.symbols import lam
    >>> same_value(lam, 2*lam/2), same_value(-lam, lam), same_value(sp.oo, lam)
    (True, False, False)
    """
    first, second = sp.sympify(first), sp.sympify(second)
    if first == second:
        return True
    if first.has(sp.nan) or second.has(sp.nan):
        return None
    if first.is_infinite or second.is_infinite:
        # Not identical, and at least one is oo, -oo or zoo: they differ unless one is an undecided symbol.
        return False if (first.is_finite or second.is_finite or (first.is_infinite and second.is_infinite)) else None
    return is_zero(first - second)


def sets_equal(first: Any, second: Any) -> bool | None:
    """Three-valued equality of two intervals or finite sets (endpoints, then openness).

    Examples
    --------
    >>> from derive.symbols import lam
    >>> sets_equal(sp.Interval(-lam, lam), sp.Interval(-2*lam/2, lam))
    True
    >>> sets_equal(sp.FiniteSet(0), sp.Interval(-lam, lam))
    False
    """
    first, second = sp.sympify(first), sp.sympify(second)
    if first == second:
        return True
    empty = first is sp.S.EmptySet, second is sp.S.EmptySet
    left, right = _interval_parts(first), _interval_parts(second)
    if any(empty) and (left is not None or right is not None):
        return False
    if left is not None and right is not None:
        answers = [same_value(left[0], right[0]), same_value(left[1], right[1])]
        if False in answers:
            return False
        if None in answers:
            return None
        # Same endpoints: equal exactly when they contain the same ones.
        return left[2:] == right[2:]
    if isinstance(first, sp.FiniteSet) and isinstance(second, sp.FiniteSet) and len(first) == len(second):
        # Elements compared in SymPy's canonical order: equal if all coincide, else undecided.
        if all(same_value(p, q) is True for p, q in zip(first.args, second.args, strict=True)):
            return True
    try:
        if sp.Complement(first, second) is sp.S.EmptySet and sp.Complement(second, first) is sp.S.EmptySet:
            return True
    except (TypeError, NotImplementedError):  # pragma: no cover - exotic sets
        pass
    return None


def _parameters(*objects: Any, exclude: Sequence[sp.Symbol] = ()) -> list[sp.Symbol]:
    found: set[sp.Symbol] = set()
    for obj in objects:
        if isinstance(obj, sp.Basic):
            found |= {s for s in obj.free_symbols if isinstance(s, sp.Symbol)}
    return sorted(found - set(exclude), key=lambda s: s.name)


def _number(value: Any) -> Any:
    return sp.N(sp.sympify(value), DIGITS)


def _concrete_differ(first: sp.Set, second: sp.Set) -> bool:
    """Whether two sets with numeric endpoints differ (endpoints compared to the check tolerance)."""
    left, right = _interval_parts(first), _interval_parts(second)
    if left is None or right is None:
        return any(sp.Complement(a, b).is_empty is False for a, b in ((first, second), (second, first)))
    if left[2:] != right[2:]:
        return True
    for p, q in ((left[0], right[0]), (left[1], right[1])):
        if p.is_infinite or q.is_infinite:
            if p != q:
                return True
            continue
        scale = max(1, abs(_number(p)), abs(_number(q)))
        if abs(_number(p) - _number(q)) / scale > TOLERANCE:
            return True
    return False


def check_sets_differ(first: Any, second: Any, *, context: Any = sp.true) -> Check:
    """Verify that two sets differ: symbolically, or at a seeded sample point of the parameters.

    Raises
    ------
    VerificationError
        If no difference can be shown.

    Examples
    --------
    >>> from derive.symbols import lam
    >>> check_sets_differ(sp.FiniteSet(0), sp.Interval(-lam, lam)).method
    'symbolic'
    """
    first, second = sp.sympify(first), sp.sympify(second)
    left, right = _interval_parts(first), _interval_parts(second)
    if left is not None and right is not None:
        for p, q, end in ((left[0], right[0], "left"), (left[1], right[1], "right")):
            if same_value(p, q) is False:
                return Check("symbolic", f"the {end} endpoints {sp.sstr(p)} and {sp.sstr(q)} differ")
        if left[2:] != right[2:] and same_value(left[0], right[0]) and same_value(left[1], right[1]):
            return Check("symbolic", "same endpoints, but one set contains an endpoint the other does not")
    for point in sample_points(_parameters(first, second, context), context, count=8):
        if _concrete_differ(at_point(first, point), at_point(second, point)):
            shown = ", ".join(f"{k}={val}" for k, val in point.items())
            return Check("numeric", f"the sets differ at {shown or 'every point'} (seed {SEED}, {DIGITS} digits)")
    raise VerificationError(f"could not show that {sp.sstr(first)} and {sp.sstr(second)} differ")


def check_differ(first: Any, second: Any, *, context: Any = sp.true) -> Check:
    """Verify ``first != second``: symbolically, or at a seeded sample point of the parameters.

    Examples
    --------
    >>> from derive.symbols import lam
    >>> check_differ(2*lam, 0).method
    'symbolic'
    """
    first, second = sp.sympify(first), sp.sympify(second)
    if same_value(first, second) is False:
        return Check("symbolic", f"{sp.sstr(first)} - ({sp.sstr(second)}) is nonzero")
    for point in sample_points(_parameters(first, second, context), context, count=8):
        p, q = _number(at_point(first, point)), _number(at_point(second, point))
        if p != q and (p.is_infinite or q.is_infinite or abs(p - q) > TOLERANCE * max(1, abs(p), abs(q))):
            shown = ", ".join(f"{k}={val}" for k, val in point.items())
            return Check("numeric", f"they differ at {shown} (seed {SEED}, {DIGITS} digits)")
    raise VerificationError(f"could not show that {sp.sstr(first)} and {sp.sstr(second)} differ")


def length_of(region: Any) -> sp.Expr | None:
    """Lebesgue measure of a union of disjoint intervals and points, or None if not of that form.

    Computed from the endpoints, independently of SymPy's ``Set.measure``.

    Examples
    --------
    >>> from derive.symbols import lam
    >>> length_of(sp.Interval(-lam, lam)), length_of(sp.FiniteSet(0)), length_of(sp.S.EmptySet)
    (2*lambda, 0, 0)
    """
    region = sp.sympify(region)
    if region is sp.S.EmptySet or isinstance(region, sp.FiniteSet):
        return sp.Integer(0)
    if isinstance(region, sp.Interval):
        return sp.simplify(region.end - region.start)
    if isinstance(region, sp.Union):
        parts = [length_of(part) for part in region.args]
        return None if any(p is None for p in parts) else sp.simplify(sp.Add(*parts))
    return None


def check_zero_set(
    cases: Sequence[tuple[Any, Any]], variable: sp.Symbol, zero: Any, *, context: Any = sp.true
) -> Check:
    """Check that ``zero`` is the set where a piecewise result (given by its cases) is 0.

    In every case's region, at seeded random points (and at its closed finite
    endpoints), the case's value is evaluated with mpmath at ``DIGITS`` digits:
    it must be 0 exactly when the point lies in ``zero``.

    Raises
    ------
    VerificationError
        At the first point where the value and the set disagree.

    Examples
    --------
    >>> from derive.symbols import v, lam
    >>> cases = ((v + lam, sp.Interval.open(-sp.oo, -lam)), (0, sp.Interval(-lam, lam)),
    ...          (v - lam, sp.Interval.open(lam, sp.oo)))
    >>> check_zero_set(cases, v, sp.Interval(-lam, lam)).method
    'numeric'
    >>> check_zero_set(cases, v, sp.FiniteSet(0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    derive.errors.VerificationError: the value 0 at v = ... is 0 but v is not in {0} (lambda=...)
    """
    zero = sp.sympify(zero)
    checked = 0
    for value, region in cases:
        value = sp.sympify(value)
        parameters = _parameters(value, region, zero, context, exclude=(variable,))
        locations: list[tuple[dict[sp.Symbol, Any], Any]] = []
        if isinstance(region, sp.FiniteSet):
            locations += [
                (p, at_point(point, p)) for p in sample_points(parameters, context, count=5) for point in region.args
            ]
        else:
            condition = sp.And(region.as_relational(variable), context)
            for p in sample_points([*parameters, variable], condition, count=12):
                locations.append(({k: val for k, val in p.items() if k != variable}, p[variable]))
            for end, is_open in ((region.start, region.left_open), (region.end, region.right_open)):
                if not is_open and not end.is_infinite:
                    locations += [(p, at_point(end, p)) for p in sample_points(parameters, context, count=5)]
        for point, at in locations:
            number = _number(at_point(value, {**point, variable: at}))
            vanishes = bool(abs(number) <= TOLERANCE)
            concrete = at_point(zero, point)
            inside = concrete.contains(at)
            if inside not in (sp.true, sp.false):
                raise VerificationError(f"cannot decide whether {variable} = {at} lies in {sp.sstr(concrete)}")
            if vanishes != bool(inside):
                shown = ", ".join(f"{k}={val}" for k, val in point.items())
                state = "is 0 but" if vanishes else f"is {sp.N(number, 6)} but"
                where = "not in" if vanishes else "in"
                raise VerificationError(
                    f"the value {sp.sstr(value)} at {variable} = {at} {state} {variable} is {where} "
                    f"{sp.sstr(zero)} ({shown})"
                )
            checked += 1
    return Check("numeric", f"{checked} points in the regions and at their closed ends, seed {SEED}, {DIGITS} digits")


def check_subdifferential_at_zero(g: Any, variable: sp.Symbol, claimed: Any, *, context: Any = sp.true) -> Check:
    """Check ``∂g(0) = [g'(0-), g'(0+)]`` against one-sided difference quotients of ``g`` itself.

    Examples
    --------
    >>> from derive.symbols import x, lam
    >>> check_subdifferential_at_zero(lam*sp.Abs(x), x, sp.Interval(-lam, lam)).method
    'numeric'
    """
    claimed = sp.sympify(claimed)
    parts = _interval_parts(claimed)
    if parts is None:
        if claimed is sp.S.EmptySet:
            return check_equal(sp.sympify(g).subs(variable, 0), sp.oo)
        raise VerificationError(f"{sp.sstr(claimed)} is not an interval [g'(0-), g'(0+)]")
    left = check_derivative(g, parts[0], variable, at=sp.Integer(0), side=-1, context=context)
    right = check_derivative(g, parts[1], variable, at=sp.Integer(0), side=1, context=context)
    return Check(
        "numeric", f"g'(0-) = {sp.sstr(parts[0])}: {left.detail}; g'(0+) = {sp.sstr(parts[1])}: {right.detail}"
    )


# --------------------------------------------------------------------------
# Building blocks of the proofs
# --------------------------------------------------------------------------
class Length(sp.Expr):
    """``length(S)``, the Lebesgue measure of a set (display only; never evaluates)."""

    is_commutative = True

    def __new__(cls, region: sp.Basic) -> Length:
        return super().__new__(cls, region)

    def _latex(self, printer: Any) -> str:
        return f"\\operatorname{{length}}\\left({printer._print(self.args[0])}\\right)"

    def _sympystr(self, printer: Any) -> str:
        return f"length({printer._print(self.args[0])})"


class SetBuilder(sp.Expr):
    """``{v : condition}``, a set in set-builder notation (display only; never evaluates)."""

    is_commutative = True

    def __new__(cls, variable: sp.Symbol, condition: sp.Basic) -> SetBuilder:
        return super().__new__(cls, variable, condition)

    def _latex(self, printer: Any) -> str:
        variable, condition = (printer._print(arg) for arg in self.args)
        return f"\\left\\{{{variable} : {condition}\\right\\}}"

    def _sympystr(self, printer: Any) -> str:
        variable, condition = (printer._print(arg) for arg in self.args)
        return f"{{{variable} : {condition}}}"


def zero_set_display(g: Any, variable: sp.Symbol = x, at: sp.Symbol = v) -> SetBuilder:
    """``{v : prox_g(v) = 0}`` (for display)."""
    return SetBuilder(at, sp.Eq(Prox(Penalty("g", g, variable), variable, at), 0))


def summarise(builder: DerivationBuilder, derivation: Derivation, show: Any, what: str) -> Step:
    """Add one step stating a derivation's result, citing its checked steps.

    The derivation was checked step by step when it was built (a failing step
    raises), so its result is added with a check that records how: the number
    of steps by method.  The full derivation stays available to the caller.
    """
    counts = ", ".join(f"{n} {method}" for method, n in sorted(derivation.methods.items()))
    method = "numeric" if "numeric" in derivation.methods else "symbolic"

    def verify() -> Check:
        if not derivation.steps:
            raise VerificationError(f"{derivation.title!r} has no steps")
        return Check(method, f"{len(derivation.steps)} steps checked when derived ({counts})")

    reason = f"{what}, derived in {len(derivation.steps)} checked steps"
    return builder.claim(show, "=", derivation.result, reason, verify)


def as_penalty(g: Any) -> sp.Expr:
    """A penalty in ``x`` from a SymPy expression or text (parsed safely)."""
    if isinstance(g, str):
        from derive.parse import parse_expression

        return parse_expression(g)
    return sp.sympify(g)


def plain_text(expr: Any, **settings: Any) -> str:
    """Plain text of a SymPy object, by the toolkit's text printer (``lambda*|x|``, ``x^2``)."""
    from derive.printing.text import expr_to_text

    return expr_to_text(expr, **settings)


def latex_of(expr: Any, **settings: Any) -> str:
    """LaTeX (math mode, no delimiters) of a SymPy object, by the toolkit's printer.

    The printer is :func:`derive.printing.latex.expr_to_latex`, so the notation
    settings that apply to derivations apply to theorem statements too.
    """
    from derive.printing.latex import expr_to_latex

    return expr_to_latex(expr, **settings)


@dataclass(frozen=True, slots=True)
class InstanceFacts:
    """What the proofs derive about one penalty, each fact added to the proof as a checked step.

    ``zero`` is read off the derived prox's cases; ``subdiff`` (``∂g(0)``) and
    ``differentiable`` come from the structure of ``g`` (one-sided derivatives
    checked against difference quotients); ``length`` is the measure of ``zero``.
    """

    penalty: sp.Expr
    label: str
    prox: Derivation
    zero: sp.Set
    length: sp.Expr | None
    sparse: bool | None
    subdiff: sp.Set | None = None
    differentiable: bool | None = None


def _sign_verdict(length: sp.Expr | None) -> bool | None:
    """Three-valued ``length > 0``."""
    if length is None:
        return None
    if length.is_positive:
        return True
    if length.is_zero:
        return False
    return None


def instance_facts(
    builder: DerivationBuilder, g: sp.Expr, *, subdifferential: bool = True, prefix: str = ""
) -> InstanceFacts:
    """Derive the prox of ``g`` and its zero set (and ``∂g(0)``), adding each as a checked step.

    Steps: the prox (summarised, from :func:`derive.prox.prox`); its zero set
    read off the derived cases (:func:`derive.prox.zero_set_of`), checked by
    :func:`check_zero_set`; the length of the zero set; and, if
    ``subdifferential``, ``∂g(0)`` from :func:`derive.penalties.analyse`,
    checked by :func:`check_subdifferential_at_zero`.
    """
    label = sp.sstr(g)
    derived = derived_prox(g)
    context = sp.true
    builder.define(Penalty("g", g, x), g, f"{prefix}the penalty")
    shown = Prox(Penalty("g", g, x), x, v)
    summarise(builder, derived, shown, f"{prefix}the proximal operator (derive.prox.prox)")
    zero = zero_set_of(derived.cases, v)
    builder.claim(
        zero_set_display(g),
        "=",
        zero,
        f"{prefix}the v whose case of prox_g(v) is 0, read off the derived cases",
        lambda: check_zero_set(derived.cases, v, zero, context=context),
    )
    length = length_of(zero)
    if length is not None:
        builder.claim(
            Length(zero),
            "=",
            length,
            f"{prefix}sum of the lengths of the intervals (a point has length 0)",
            lambda: check_equal(zero.measure, length),
        )
    sparse = _sign_verdict(length)
    subdiff: sp.Set | None = None
    differentiable: bool | None = None
    if subdifferential:
        structure = analyse(g, x)
        subdiff = structure.subdifferential_at(sp.Integer(0))
        builder.claim(
            Subdiff(Penalty("g", g, x), x, sp.Integer(0)),
            "=",
            subdiff,
            f"{prefix}[g'(0-), g'(0+)] for convex g (Rockafellar 1970, Thm 24.1)",
            lambda: check_subdifferential_at_zero(g, x, subdiff, context=context),
        )
        differentiable = structure.differentiable_at(sp.Integer(0))
    return InstanceFacts(g, label, derived, zero, length, sparse, subdiff, differentiable)


@functools.lru_cache(maxsize=64)
def derived_prox(g: sp.Expr) -> Derivation:
    """``derive.prox.prox(g, x, v)``, kept for reuse: Theorems 1 and 3 and the claims share the derivations.

    A derivation is immutable and was checked step by step when it was built.
    """
    return prox(g, x, v)


def kink_verdict(subdiff: sp.Set) -> bool | None:
    """Three-valued: is ``∂g(0)`` a non-degenerate interval (g'(0-) < g'(0+))?"""
    parts = _interval_parts(subdiff)
    if parts is None:
        return None
    equal = same_value(parts[0], parts[1])
    return None if equal is None else not equal


def check_kink(subdiff: sp.Set, kink: bool) -> Check:
    """Verify that the endpoints of ``∂g(0)`` differ (``kink``) or coincide (not ``kink``)."""
    parts = _interval_parts(subdiff)
    if parts is None:
        raise VerificationError(f"{sp.sstr(subdiff)} is not an interval")
    if kink:
        differ = {True: False, False: True, None: None}[same_value(parts[0], parts[1])]
        return check_true(lambda: differ, "g'(0+) - g'(0-) is nonzero")
    return check_equal(parts[0], parts[1])
