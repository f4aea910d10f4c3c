"""derive.budget: symbolic work stops past its budget, naming the step that was running."""

from __future__ import annotations

import signal
import threading
import time

import pytest
import sympy as sp

from derive.budget import budget_available, current_step, running_step, time_budget
from derive.core import Check, DerivationBuilder
from derive.errors import DeriveError, OptionError, TimeBudgetError
from derive.symbols import lam, v, x

pytestmark = pytest.mark.skipif(not budget_available(), reason="needs SIGALRM on the main thread")


def _slow_check() -> Check:
    time.sleep(2)
    return Check("symbolic", "never reached")


def _disarmed() -> bool:
    return signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_slow_step_is_named():
    builder = DerivationBuilder("a slow derivation")
    builder.equal(x + x, 2 * x, "collect terms")
    with pytest.raises(TimeBudgetError) as info, time_budget(0.05, "derive prox 'x'"):
        builder.claim(x, "=", x, "a very slow step", _slow_check)
    message = str(info.value)
    assert message.startswith("derive prox 'x': time budget of 0.05 s exceeded while checking step 2")
    assert "a very slow step" in message and "'a slow derivation'" in message
    assert "--timeout" in message
    assert isinstance(info.value, DeriveError) and isinstance(info.value, TimeoutError)
    assert _disarmed()


def test_between_steps_the_last_finished_step_is_named():
    builder = DerivationBuilder("two steps")
    with pytest.raises(TimeBudgetError, match=r"after step 1 \(expand\) of 'two steps'"), time_budget(0.05, "t"):
        builder.equal((x + 1) ** 2, x**2 + 2 * x + 1, "expand")
        time.sleep(2)


def test_fast_work_is_untouched_and_the_alarm_restored():
    before = signal.getsignal(signal.SIGALRM)
    DerivationBuilder("earlier work").equal(x + x, 2 * x, "collect")
    with time_budget(5, "quick"):
        assert current_step() == "before the first derivation step"  # earlier steps are not this budget's
        value = sp.expand((x + 1) ** 3)
    assert value == x**3 + 3 * x**2 + 3 * x + 1
    assert _disarmed() and signal.getsignal(signal.SIGALRM) is before


def test_an_error_swallowed_by_library_code_fires_again():
    with pytest.raises(TimeBudgetError), time_budget(0.05, "stubborn"):
        try:
            time.sleep(2)
        except Exception:  # e.g. SymPy's "undecided" fallbacks
            pass
        time.sleep(2)
    assert _disarmed()


def test_nested_budgets_keep_the_earlier_deadline():
    with pytest.raises(TimeBudgetError, match=r"^outer"), time_budget(0.05, "outer"), time_budget(10, "inner"):
        time.sleep(2)
    with pytest.raises(TimeBudgetError, match=r"^inner"), time_budget(10, "outer"), time_budget(0.05, "inner"):
        time.sleep(2)
    assert _disarmed()


def test_outer_budget_is_rearmed_after_an_inner_block():
    with pytest.raises(TimeBudgetError, match=r"^outer"), time_budget(0.2, "outer"):
        with time_budget(5, "inner"):
            pass
        time.sleep(2)


def test_interrupting_a_real_derivation_leaves_sympy_usable():
    from derive.checks import check_equal
    from derive.prox import prox

    with pytest.raises(TimeBudgetError), time_budget(0.01, "derive prox"):
        prox(lam * sp.Abs(x) + x**4 / 7, x, v)
    assert check_equal((x + 1) ** 2, x**2 + 2 * x + 1).method == "symbolic"


def test_off_the_main_thread_the_budget_is_a_no_op():
    results = []

    def work():
        with time_budget(0.01, "thread"):
            time.sleep(0.1)
            results.append("finished")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert results == ["finished"]


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), float("inf"), "10", True])
def test_bad_budgets_are_rejected(seconds):
    with pytest.raises(OptionError, match="time budget"), time_budget(seconds, "x"):
        pass


def test_no_budget():
    with time_budget(None, "unbounded"):
        time.sleep(0.01)


def test_running_step_is_scoped():
    with running_step("step 3 (something)"):
        assert current_step() == "while checking step 3 (something)"
