"""One hierarchy for every error the toolkit raises.

Each error names the object at fault and, where there is one, the fix.  The
command line turns any :class:`DeriveError` into a single line on stderr and
exit status 2.
"""

from __future__ import annotations

__all__ = [
    "DeriveError",
    "ParseError",
    "UnsupportedPenaltyError",
    "NonConvexError",
    "AssumptionError",
    "VerificationError",
    "OptionError",
    "NoClosedFormError",
    "ValidationError",
    "WeightError",
    "VariableError",
    "TimeBudgetError",
]


class DeriveError(Exception):
    """Base class of every error raised on purpose by the toolkit."""


class ParseError(DeriveError, ValueError):
    """A penalty expression given as text could not be parsed.

    Raised for syntax errors, unknown names, disallowed constructs, and input
    that is too long, too deep or has exponents too large to handle safely.
    """


class UnsupportedPenaltyError(DeriveError, ValueError):
    """The penalty uses a function or form the derivation method cannot handle."""


class NonConvexError(UnsupportedPenaltyError):
    """A method that needs a convex penalty was given one that is not convex."""


class AssumptionError(DeriveError, ValueError):
    """A fact needed by the derivation does not follow from the symbols' assumptions.

    The message says which assumption to add (for example ``positive=True``).
    """


class OptionError(DeriveError, TypeError):
    """An unknown option name or an invalid option value."""


class VerificationError(DeriveError):
    """A derivation step failed its check; the message names the step."""


class NoClosedFormError(DeriveError):
    """The method found no closed form (the derivation stops at the optimality equation)."""


class ValidationError(DeriveError, ValueError):
    """An input to a public function or command is invalid; the message names it and the fix."""


class WeightError(ValidationError):
    """A penalty weight (lambda, mu, delta) is negative, zero where it must be positive, or not real."""


class VariableError(ValidationError):
    """The penalty is not a function of the variable it is derived in (wrong or missing variable)."""


class TimeBudgetError(DeriveError, TimeoutError):
    """Symbolic work ran past its time budget; the message names the step that was running."""
