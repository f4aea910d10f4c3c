"""Tests of the theorems in :mod:`proofs`: verdicts, computed ``holds``, independent numerics, outputs.

The independent references use no code from ``derive`` or ``proofs``: each
objective is written out by hand in NumPy and minimised by a vectorised
golden-section search over a grid of data values.
"""

from __future__ import annotations

import doctest
import importlib
import shutil
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

import proofs
from derive.conventions import alpha
from derive.core import Check
from derive.errors import DeriveError, OptionError, VerificationError
from derive.symbols import delta, lam, mu, x
from proofs.core import (
    CATALOGUE,
    FAILED,
    LATEX_PREAMBLE,
    LATEX_REQUIREMENTS,
    Theorem,
    combine,
    decide_claim,
    sets_equal,
)
from proofs.kink_sparsity import kink_sparsity, sparsity_claim
from proofs.lasso_vs_ridge import lasso_vs_ridge
from proofs.zero_set import zero_set

try:
    from tests._latex import compile_theorems
except ImportError:  # tests/ on sys.path rather than the project root
    from _latex import compile_theorems

NAMES = ("zero-set", "lasso-vs-ridge", "kink-sparsity")


# --------------------------------------------------------------------------
# Fixtures: each theorem is built once per module.
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def theorems() -> dict[str, Theorem]:
    return {name: proofs.prove(name) for name in NAMES}


@pytest.fixture(scope="module")
def ridge_claim() -> Theorem:
    return sparsity_claim(lam * x**2)


@pytest.fixture(scope="module")
def lasso_claim() -> Theorem:
    return sparsity_claim(lam * sp.Abs(x))


# --------------------------------------------------------------------------
# An independent numerical reference
# --------------------------------------------------------------------------
def golden_minimise(objective: Callable[[np.ndarray], np.ndarray], data: np.ndarray, lo: float = -6, hi: float = 6):
    """argmin over [lo, hi] of ``objective(b)`` (vectorised over ``data``), by golden-section search."""
    invphi = (np.sqrt(5) - 1) / 2
    left, right = np.full_like(data, lo), np.full_like(data, hi)
    c, d = right - invphi * (right - left), left + invphi * (right - left)
    fc, fd = objective(c), objective(d)
    for _ in range(200):
        smaller = fc < fd
        right = np.where(smaller, d, right)
        left = np.where(smaller, left, c)
        new_c = right - invphi * (right - left)
        new_d = left + invphi * (right - left)
        c, d = np.where(smaller, new_c, d), np.where(smaller, c, new_d)
        fc, fd = objective(c), objective(d)  # both re-evaluated: simpler than carrying one over
    return (left + right) / 2


GRID = np.linspace(-3, 3, 601)  # spacing 0.01; contains -1, 0 and 1


def zero_fraction(objective_of: Callable[[np.ndarray], Callable[[np.ndarray], np.ndarray]]) -> float:
    """Fraction of the grid's data values whose numerically minimised estimate is 0 (|b| < 1e-6)."""
    estimates = golden_minimise(objective_of(GRID), GRID)
    return float(np.mean(np.abs(estimates) < 1e-6))


# Hand-written penalties of the catalogue at lambda = mu = delta = 1, in catalogue order.
NUMPY_PENALTIES: tuple[Callable[[np.ndarray], np.ndarray], ...] = (
    np.abs,
    lambda t: t**2 / 2,
    lambda t: np.abs(t) + t**2 / 2,
    lambda t: np.maximum(t, 0),
    lambda t: np.where(np.abs(t) <= 1, t**2 / 2, np.abs(t) - 0.5),
)
UNIT = {lam: 1, mu: 1, delta: 1}


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------
def test_registry_names_and_prove():
    assert tuple(proofs.THEOREMS)[: len(NAMES)] == NAMES
    assert all(callable(build) for build in proofs.THEOREMS.values())
    with pytest.raises(TypeError):
        proofs.THEOREMS["new"] = lambda: None  # read-only mapping


def test_prove_unknown_name_lists_the_known_ones():
    with pytest.raises(OptionError, match="unknown theorem 'pythagoras'; choose one of zero-set, lasso-vs-ridge"):
        proofs.prove("pythagoras")
    with pytest.raises(DeriveError):
        proofs.prove("zero_set")  # kebab case only


def test_import_is_light():
    code = "import sys, proofs; print('sympy' in sys.modules, 'derive' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=_root())
    assert out.stdout.split() == ["False", "False"]


def _root() -> str:
    import pathlib

    return str(pathlib.Path(proofs.__file__).resolve().parents[1])


# --------------------------------------------------------------------------
# The theorems hold, instance by instance
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_theorem_holds_on_every_instance(theorems, name):
    theorem = theorems[name]
    assert theorem.name == name
    assert theorem.holds is True
    assert theorem.instances and all(verdict is True for _, verdict in theorem.instances)
    assert theorem.failures == ()
    assert theorem.proof.methods.get("symbolic", 0) > 0


@pytest.mark.parametrize("name", ["zero-set", "kink-sparsity"])
def test_catalogue_instances(theorems, name):
    labels = [label for label, _ in theorems[name].instances]
    assert labels == [sp.sstr(g) for g in CATALOGUE]


def test_zero_set_cites_its_references(theorems):
    steps = theorems["zero-set"].proof.steps
    cited = " ".join(step.reason for step in steps if step.check.method == "cited")
    for reference in ("Rockafellar 1970", "Thms 27.1 and 23.8", "Bauschke and Combettes 2017, Prop. 16.44", "Thm 24.1"):
        assert reference in cited
    # The translation step 0 in [a - v, b - v] iff v in [a, b] is proved by SymPy.
    assert any(step.statement.rel == "iff" and step.check.method == "symbolic" for step in steps)


def test_zero_set_results_are_the_subdifferentials_at_zero(theorems):
    assert tuple(theorems["zero-set"].proof.result) == (
        sp.Interval(-lam, lam),
        sp.FiniteSet(0),
        sp.Interval(-lam, lam),
        sp.Interval(0, lam),
        sp.FiniteSet(0),
    )


def test_lasso_vs_ridge_zero_sets(theorems):
    lasso, ridge = theorems["lasso-vs-ridge"].proof.result
    assert lasso == sp.Interval(-lam, lam) and lasso.measure == 2 * lam
    assert ridge == sp.FiniteSet(0) and ridge.measure == 0


def test_lasso_vs_ridge_sklearn_convention():
    theorem = lasso_vs_ridge("sklearn")
    assert theorem.holds is True
    assert tuple(theorem.proof.result) == (sp.Interval(-alpha, alpha), sp.FiniteSet(0))
    with pytest.raises(OptionError):
        lasso_vs_ridge("glmnett")


def test_kink_sparsity_lengths(theorems):
    assert tuple(theorems["kink-sparsity"].proof.result) == (2 * lam, 0, 2 * lam, lam, 0)


# --------------------------------------------------------------------------
# The sparsity claim: true for L1, false for L2 (the mutated input)
# --------------------------------------------------------------------------
def test_sparsity_claim_holds_for_l1(lasso_claim):
    assert lasso_claim.holds is True
    assert lasso_claim.instances == (("lambda*Abs(x)", True),)


def test_sparsity_claim_does_not_hold_for_ridge(ridge_claim):
    assert ridge_claim.holds is False
    assert ridge_claim.verdict == "does not hold"
    assert ridge_claim.instances == (("lambda*x**2", False),)
    (failure,) = ridge_claim.failures
    assert "{0}" in failure and "length 0" in failure
    failing = [step for step in ridge_claim.proof.steps if step.reason.startswith(FAILED)]
    assert len(failing) == 1 and failing[0].check.method == "symbolic"  # the negation is itself checked


def test_sparsity_claim_accepts_text():
    assert sparsity_claim("lambda*x^2").holds is False


# --------------------------------------------------------------------------
# holds is computed, never set
# --------------------------------------------------------------------------
def test_theorem_rejects_a_verdict_that_contradicts_its_instances(ridge_claim):
    fields = {
        "name": "t",
        "title": "t",
        "statement": "s",
        "statement_latex": "s",
        "proof": ridge_claim.proof,
    }
    with pytest.raises(ValueError, match="contradicts the instance verdicts"):
        Theorem(**fields, holds=True, instances=(("g", False),))
    with pytest.raises(ValueError):
        Theorem(**fields, holds=False, instances=(("g", None),))  # undecided is never turned into False
    with pytest.raises(TypeError):
        Theorem(**fields, holds=1)
    assert Theorem(**fields, holds=None, instances=(("g", True), ("h", None))).verdict == "undecided"


@pytest.mark.parametrize(
    ("verdicts", "holds"),
    [((True, True), True), ((True, None), None), ((None, False, True), False), ((), True)],
)
def test_from_instances_computes_holds(ridge_claim, verdicts, holds):
    instances = [(f"g{i}", verdict) for i, verdict in enumerate(verdicts)]
    theorem = Theorem.from_instances(
        name="t", title="t", statement="s", statement_latex="s", proof=ridge_claim.proof, instances=iter(instances)
    )
    assert theorem.holds is holds and theorem.instances == tuple(instances)


def test_combine_is_three_valued():
    assert combine([True, True]) is True
    assert combine([True, None]) is None
    assert combine([None, False]) is False


def test_undecided_claim_is_recorded_not_failed():
    from derive.core import DerivationBuilder

    builder = DerivationBuilder("demo")

    def never() -> Check:
        raise AssertionError("not called for an undecided claim")

    verdict = decide_claim(
        builder, None, lhs=x, rel="=", rhs=x, words="w", reason="r", check=never, refute=never, refuted="n"
    )
    assert verdict is None
    assert builder.steps[-1].statement.words == "undecided: w"


def test_wrong_zero_set_is_caught_by_its_check(monkeypatch):
    # A zero set that disagrees with the derived cases: the step reading it off fails.
    monkeypatch.setattr("proofs.core.zero_set_of", lambda cases, v: sp.FiniteSet(0))
    with pytest.raises(VerificationError, match="read off the derived cases"):
        zero_set(lam * sp.Abs(x))


def test_wrong_zero_set_past_its_check_makes_the_theorem_fail(monkeypatch):
    # Let the wrong set through its own check: the comparison with dg(0) refutes the theorem.
    monkeypatch.setattr("proofs.core.zero_set_of", lambda cases, v: sp.FiniteSet(0))
    monkeypatch.setattr("proofs.core.check_zero_set", lambda *args, **kwargs: Check("numeric", "rubber stamp"))
    theorem = zero_set(lam * sp.Abs(x))
    assert theorem.holds is False
    assert theorem.instances == (("lambda*Abs(x)", False),)
    assert any("differs from ∂g(0) = [-lambda, lambda]" in words for words in theorem.failures)


def test_mutated_estimator_makes_lasso_vs_ridge_fail(monkeypatch):
    module = importlib.import_module("proofs.lasso_vs_ridge")
    real = module.estimator
    monkeypatch.setattr(module, "estimator", lambda name, **kw: real("ridge", **kw))  # "lasso" fed ridge
    theorem = lasso_vs_ridge()
    assert theorem.holds is False
    assert [verdict for _, verdict in theorem.instances] == [False, True]
    assert any("lasso zero set {0} is not [-lambda, lambda]" in words for words in theorem.failures)


def test_wrong_differentiability_is_a_broken_step_not_a_disproof(monkeypatch):
    from derive.penalties import PenaltyStructure

    monkeypatch.setattr(PenaltyStructure, "differentiable_at", lambda self, point: True)
    with pytest.raises(VerificationError):
        kink_sparsity(lam * sp.Abs(x))


def test_sets_equal_three_valued():
    a = sp.Symbol("a", real=True)
    assert sets_equal(sp.Interval(-lam, lam), sp.Interval(-lam, lam)) is True
    assert sets_equal(sp.Interval(-lam, lam), sp.Interval.Lopen(-lam, lam)) is False
    assert sets_equal(sp.Interval(0, lam), sp.Interval(0, a)) is None


# --------------------------------------------------------------------------
# Independent truth: numerically minimised objectives
# --------------------------------------------------------------------------
def test_lasso_zero_fraction_matches_the_zero_set(theorems):
    lasso_zero, ridge_zero = theorems["lasso-vs-ridge"].proof.result
    # ESL: (1/2)(z - b)^2 + lambda |b| and (z - b)^2 + lambda b^2 per coordinate, lambda = 1.
    lasso = zero_fraction(lambda z: lambda b: (z - b) ** 2 / 2 + np.abs(b))
    ridge = zero_fraction(lambda z: lambda b: (z - b) ** 2 + b**2)
    assert lasso == pytest.approx(float(lasso_zero.measure.subs(lam, 1)) / 6, abs=2 / 601)
    assert lasso == pytest.approx(2 / 6, abs=2 / 601)
    assert ridge <= 1 / 601 + 1e-12  # only z = 0 itself
    assert float(ridge_zero.measure) == 0


@pytest.mark.parametrize("index", range(len(CATALOGUE)))
def test_catalogue_zero_fraction_and_kink_agree_with_the_theorems(theorems, index):
    penalty = NUMPY_PENALTIES[index]
    fraction = zero_fraction(lambda v: lambda b: penalty(b) + (b - v) ** 2 / 2)
    length = float(theorems["kink-sparsity"].proof.result[index].subs(UNIT))
    assert fraction == pytest.approx(length / 6, abs=2 / 601)
    h = 1e-6
    right, left = (
        (penalty(np.array(h)) - penalty(np.array(0.0))) / h,
        (penalty(np.array(0.0)) - penalty(np.array(-h))) / h,
    )
    kink = abs(right - left) > 1e-3
    assert kink == (fraction > 0.01)  # Theorem 3, numerically
    zero = theorems["zero-set"].proof.result[index].subs(UNIT)
    assert (left == pytest.approx(float(zero.inf), abs=1e-5)) and (right == pytest.approx(float(zero.sup), abs=1e-5))


# --------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------
def test_to_latex_has_theorem_and_proof(theorems, ridge_claim):
    pytest.importorskip("derive.printing.latex")
    assert LATEX_REQUIREMENTS == ("amsthm",) and "\\newtheorem{theorem}{Theorem}" in LATEX_PREAMBLE
    for theorem in (*theorems.values(), ridge_claim):
        tex = theorem.to_latex()
        assert tex.startswith("\\begin{theorem}[") and "\\end{theorem}" in tex
        assert "\\begin{proof}" in tex and "\\end{proof}" in tex and "\\begin{align*}" in tex
        assert theorem.statement_latex in tex
    assert "Verdict: the theorem does not hold." in ridge_claim.to_latex()


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_to_latex_compiles(theorems, ridge_claim, tmp_path):
    body = theorems["lasso-vs-ridge"].to_latex() + ridge_claim.to_latex()
    run = compile_theorems(body, tmp_path)
    assert run.returncode == 0, run.stdout[-2000:]


def test_to_text_markdown_and_repr(theorems, ridge_claim):
    pytest.importorskip("derive.printing.text")
    pytest.importorskip("derive.printing.markdown")
    theorem = theorems["lasso-vs-ridge"]
    text = theorem.to_text()
    assert theorem.statement in text and text.startswith("Theorem [lasso-vs-ridge]") and "Verdict: holds" in text
    assert str(theorem) == text
    assert "Failing step: g gives exact zeros only on {0}" in ridge_claim.to_text()
    markdown = theorem.to_markdown()
    assert markdown.startswith(f"**Theorem ({theorem.title}).**") and "∎" in markdown
    assert theorem._repr_latex_().startswith("$\\textbf{Theorem (")


def test_docstring_examples():
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    for name in ("proofs", "proofs.core", "proofs.zero_set", "proofs.lasso_vs_ridge", "proofs.kink_sparsity"):
        result = doctest.testmod(importlib.import_module(name), optionflags=flags)
        assert result.failed == 0, name
