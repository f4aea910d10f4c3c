"""A time budget for symbolic work, and the step it was spent on.

Symbolic steps (``solveset``, ``simplify``, limits) can take unbounded time on
odd input.  ``time_budget(seconds, what)`` stops the block past its budget with
:class:`~derive.errors.TimeBudgetError`, whose message names ``what`` and the
derivation step that was running.  The builder reports its steps through
:func:`running_step` (one ``with`` around each step's check in
:meth:`derive.core.DerivationBuilder._add`), so the message can say
``while checking step 7 (...) of 'The proximal operator of ...'``.

Mechanism: ``signal.setitimer(ITIMER_REAL)`` and a ``SIGALRM`` handler, which
only the main thread of a POSIX process can use; elsewhere (worker threads,
Windows) the budget is a no-op and the block runs to completion.  Library code
that catches broad exceptions (``except Exception``) could swallow the error
once, so after the deadline the alarm re-fires every :data:`REFIRE` seconds
until the error leaves the block.  Budgets nest: the inner one never extends
the outer deadline.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from .errors import OptionError, TimeBudgetError

__all__ = ["time_budget", "running_step", "current_step", "budget_available", "REFIRE", "DEFAULT_SECONDS"]

#: Seconds between repeated alarms once a budget is exhausted.
REFIRE = 0.05
#: The command line's default budget (generous: the full report takes well under a minute).
DEFAULT_SECONDS = 600.0

_RUNNING: ContextVar[str | None] = ContextVar("derive_running_step", default=None)
_DONE: ContextVar[str | None] = ContextVar("derive_last_step", default=None)


@contextlib.contextmanager
def running_step(description: str) -> Iterator[None]:
    """Mark ``description`` as the step being worked on for the duration of the block.

    On normal exit the step is remembered as the last one finished, so a
    budget that runs out between checks can say what came before.
    """
    token = _RUNNING.set(description)
    try:
        yield
    finally:
        _RUNNING.reset(token)
    _DONE.set(description)


def current_step() -> str:
    """Words for the step now running (or the last finished one)."""
    running = _RUNNING.get()
    if running is not None:
        return f"while checking {running}"
    done = _DONE.get()
    if done is not None:
        return f"after {done} (deriving the next step)"
    return "before the first derivation step"


def budget_available() -> bool:
    """True where the budget can interrupt: the main thread of a process with SIGALRM."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _validate(seconds: Any) -> float | None:
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise OptionError(f"the time budget must be a number of seconds, not {type(seconds).__name__}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise OptionError(f"the time budget must be a positive number of seconds, got {seconds!r}")
    return float(seconds)


@contextlib.contextmanager
def time_budget(seconds: float | None, what: str = "symbolic work") -> Iterator[None]:
    """Raise :class:`~derive.errors.TimeBudgetError` if the block runs longer than ``seconds``.

    Parameters
    ----------
    seconds : float or None
        The budget; None means no limit.  Must be positive.
    what : str
        What is being done, for the message (``"derive prox 'lambda*abs(x)'"``).

    Examples
    --------
    >>> import time
    >>> from derive.errors import TimeBudgetError
    >>> try:
    ...     with time_budget(0.05, "a nap"):
    ...         time.sleep(1)
    ... except TimeBudgetError as exc:
    ...     print(exc)
    a nap: time budget of 0.05 s exceeded before the first derivation step; raise it with --timeout
    """
    limit = _validate(seconds)
    if limit is None or not budget_available():
        yield
        return
    start = time.monotonic()
    deadline = start + limit
    outer_remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    outer_deadline = start + outer_remaining if outer_remaining > 0 else None
    previous = signal.getsignal(signal.SIGALRM)
    running_token = _RUNNING.set(_RUNNING.get())
    done_token = _DONE.set(None)  # steps finished before this budget are not its steps

    def expire(signum: int, frame: Any) -> None:
        now = time.monotonic()
        if outer_deadline is not None and now >= outer_deadline and callable(previous):
            previous(signum, frame)  # the enclosing budget ran out first: its error, its words
        if now < deadline:  # woken for the outer deadline, which has not passed: wait on
            signal.setitimer(signal.ITIMER_REAL, max(deadline - now, 1e-6))
            return
        signal.setitimer(signal.ITIMER_REAL, REFIRE)  # again, in case the error is swallowed
        raise TimeBudgetError(f"{what}: time budget of {limit:g} s exceeded {current_step()}; raise it with --timeout")

    first = deadline if outer_deadline is None else min(deadline, outer_deadline)
    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(first - start, 1e-6))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_deadline is not None:  # re-arm the enclosing budget with what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(outer_deadline - time.monotonic(), 1e-6))
        _DONE.reset(done_token)
        _RUNNING.reset(running_token)
