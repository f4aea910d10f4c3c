"""derive: checked symbolic derivations of why L1 regularisation is sparse and L2 is not.

The public API is imported lazily so that ``import derive`` stays fast.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Derivation",
    "Step",
    "Check",
    "subdifferential",
    "prox",
    "estimator",
    "parse_expression",
    "analyse",
]

__version__ = "0.1.0"

# Bound eagerly: ``derive.prox`` is both a submodule and the function; importing
# the function here makes the package attribute the function, as users expect.
from .estimators import estimator
from .prox import prox
from .subgradient import subdifferential

_LAZY = {
    "Derivation": "derive.core",
    "Step": "derive.core",
    "Check": "derive.core",
    "DerivationBuilder": "derive.core",
    "parse_expression": "derive.parse",
    "analyse": "derive.penalties",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'derive' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
