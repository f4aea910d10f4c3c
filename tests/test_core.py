"""derive.core: steps are checked as they are added; derivations are immutable data."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from derive.checks import check_equal
from derive.core import Check, Derivation, DerivationBuilder, Statement, Step
from derive.errors import VerificationError
from derive.symbols import lam, v, x


def _builder() -> DerivationBuilder:
    return DerivationBuilder("a test derivation", assumptions=(x, lam))


def _small_derivation() -> Derivation:
    builder = _builder()
    builder.define(sp.Symbol("g"), lam * sp.Abs(x), "the penalty")
    builder.equal((x + 1) ** 2, x**2 + 2 * x + 1, "expand the square")
    builder.cite(sp.Integer(0), "in", sp.Interval(-lam, lam), "Rockafellar 1970, Thm 23.8")
    builder.claim(sp.Abs(x), "=", x, "x is positive here", lambda: check_equal(sp.Abs(x), x, condition=x > 0))
    builder.note("so the claim follows")
    return builder.build(
        sp.Interval(-lam, lam),
        variable=x,
        parameters=(lam,),
        extras=(("threshold", lam), ("zero_set", sp.Interval(-lam, lam))),
    )


def test_failing_step_raises_naming_the_step_and_reason():
    builder = _builder()
    builder.define(sp.Symbol("g"), lam * sp.Abs(x), "the penalty")
    with pytest.raises(VerificationError) as info:
        builder.equal((x + 1) ** 2, x**2 + 1, "a wrong expansion")
    message = str(info.value)
    assert "step 2" in message
    assert "a wrong expansion" in message
    assert "a test derivation" in message
    assert "failed its check" in message
    # the failed step is not recorded
    assert len(builder.steps) == 1


def test_failing_claim_and_member_raise():
    builder = _builder()
    with pytest.raises(VerificationError, match=r"step 1 \(mutated soft threshold\)"):
        builder.claim(
            sp.Piecewise((v + lam, v < -lam), (0, v <= lam), (v - lam, True)),
            "=",
            sp.sign(v) * sp.Max(sp.Abs(v) - 2 * lam, 0),
            "mutated soft threshold",
            lambda: check_equal(
                sp.Piecewise((v + lam, v < -lam), (0, v <= lam), (v - lam, True)),
                sp.sign(v) * sp.Max(sp.Abs(v) - 2 * lam, 0),
            ),
        )
    with pytest.raises(VerificationError, match=r"step 1 \(outside\)"):
        builder.member(2 * lam, sp.Interval(-lam, lam), "outside")
    assert builder.steps == []


def test_builder_context_restricts_numeric_checks():
    """Facts in ``context`` (e.g. lam > 1) hold at every sampled point."""
    builder = DerivationBuilder("with context", assumptions=(lam,), context=lam > 1)
    builder.equal(sp.Max(lam, 1), lam, "lam > 1")
    with pytest.raises(VerificationError):
        DerivationBuilder("without context", assumptions=(lam,)).equal(sp.Max(lam, 1), lam, "lam > 1")


def test_derivation_is_frozen():
    d = _small_derivation()
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.title = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.steps[0].reason = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.steps[0].check.method = "symbolic"  # type: ignore[misc]
    assert isinstance(d.steps, tuple)


def test_methods_counts():
    d = _small_derivation()
    assert d.methods == {"definition": 2, "symbolic": 1, "cited": 1, "numeric": 1}
    assert sum(d.methods.values()) == len(d.steps) == 5
    assert [s.check.method for s in d.steps] == ["definition", "symbolic", "cited", "numeric", "definition"]


def test_extra_lookup_and_error_lists_known_names():
    d = _small_derivation()
    assert d.extra("threshold") == lam
    with pytest.raises(KeyError) as info:
        d.extra("compact")
    message = str(info.value)
    assert "compact" in message
    assert "threshold" in message and "zero_set" in message


def test_with_title_copies():
    d = _small_derivation()
    e = d.with_title("another title")
    assert e.title == "another title" and d.title == "a test derivation"
    assert e.steps == d.steps


def test_include_copies_checked_steps_with_prefix():
    d = _small_derivation()
    builder = _builder()
    builder.include(d, prefix="lemma: ")
    assert len(builder.steps) == len(d.steps)
    assert all(s.reason.startswith("lemma: ") for s in builder.steps)
    assert [s.check for s in builder.steps] == [s.check for s in d.steps]


def test_check_and_statement_validate():
    with pytest.raises(ValueError, match="unknown check method"):
        Check("guessed")
    with pytest.raises(ValueError, match="unknown relation"):
        Statement(x, "~", x)
    step = Step(Statement(x, "=", x), "trivial", Check("symbolic", "identical"))
    assert step.check.method == "symbolic"


def test_numeric_view_needs_a_variable():
    d = _builder().build(sp.Integer(1))
    with pytest.raises(TypeError, match="no variable"):
        d.numeric()
