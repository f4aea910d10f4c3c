"""Shared fixtures: a seeded random generator, figure clean-up, the brute-force prox."""

from __future__ import annotations

import random
import sys

import mpmath
import pytest

try:
    from tests._brute import DIGITS
    from tests._brute import brute_force_prox as _brute_force_prox
except ImportError:  # tests/ on sys.path rather than the project root
    from _brute import DIGITS
    from _brute import brute_force_prox as _brute_force_prox


@pytest.fixture
def rng() -> random.Random:
    """A fresh generator with a fixed seed (same points on every run)."""
    return random.Random(12345)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close matplotlib figures after each test, but never import matplotlib ourselves."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


@pytest.fixture
def mp50():
    """Run a test at DIGITS significant digits and restore mpmath's precision after.

    Opt-in (``pytestmark = pytest.mark.usefixtures("mp50")``) so that other test
    modules keep mpmath's default precision.
    """
    with mpmath.workdps(DIGITS):
        yield


@pytest.fixture
def brute_force_prox():
    """The brute-force reference ``brute_force_prox(g_mp, v, lo, hi)`` (see tests/_brute.py)."""
    return _brute_force_prox
