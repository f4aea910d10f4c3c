"""proofs: machine-checked theorems on why L1 regularisation gives exact zeros and L2 does not.

Each theorem is built by a function returning a :class:`~proofs.core.Theorem`:
its statement, its proof (a :class:`~derive.core.Derivation` of checked
steps) and whether it holds, *computed* from the checks.

====================  ===============================================  ================================================
name                  theorem                                          function
====================  ===============================================  ================================================
``zero-set``          prox_g(v) = 0 iff v lies in ∂g(0)                :func:`proofs.zero_set.zero_set`
``lasso-vs-ridge``    lasso is 0 on [-lambda, lambda]; ridge at 0      :func:`proofs.lasso_vs_ridge.lasso_vs_ridge`
``kink-sparsity``     exact zeros on an interval iff a kink at 0       :func:`proofs.kink_sparsity.kink_sparsity`
``lp-family``         prox of lambda|x|^p: no zeros p > 1; jump p < 1  :func:`proofs.lp_family.lp_family`
``zero-probability``  P(lasso = 0) > 0 = P(ridge = 0), Gaussian z      :func:`proofs.zero_probability.zero_probability`
``risk``              soft/hard/ridge risk; SURE; degrees of freedom   :func:`proofs.risk.risk`
``bayes``             lasso/ridge are MAP; posterior mean never 0      :func:`proofs.bayes.bayes`
``marginal-cost``     |w| < 1 depends on units; g'(0+) decides         :func:`proofs.marginal_cost.marginal_cost`
``shrinkage``         prox shrinks; soft continuous, hard jumps; bias  :func:`proofs.shrinkage.shrinkage`
``geometry``          2-D sparse regions: positive area for L1 only    :func:`proofs.geometry.geometry`
====================  ===============================================  ================================================

:func:`proofs.kink_sparsity.sparsity_claim` states the sparsity claim for one
penalty (it does not hold for ridge).  The submodules are imported only when a
theorem is built, so ``import proofs`` stays light (it imports neither SymPy nor
:mod:`derive`).

Examples
--------
>>> import proofs
>>> list(proofs.THEOREMS)[:3]
['zero-set', 'lasso-vs-ridge', 'kink-sparsity']
>>> proofs.prove("lasso-vs-ridge").holds
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .core import Theorem

__all__ = ["THEOREMS", "prove", "Theorem", "sparsity_claim"]

#: Where each theorem's function lives: name -> (module, function).
_SOURCES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "zero-set": ("proofs.zero_set", "zero_set"),
        "lasso-vs-ridge": ("proofs.lasso_vs_ridge", "lasso_vs_ridge"),
        "kink-sparsity": ("proofs.kink_sparsity", "kink_sparsity"),
        "lp-family": ("proofs.lp_family", "lp_family"),
        "zero-probability": ("proofs.zero_probability", "zero_probability"),
        "risk": ("proofs.risk", "risk"),
        "bayes": ("proofs.bayes", "bayes"),
        "marginal-cost": ("proofs.marginal_cost", "marginal_cost"),
        "shrinkage": ("proofs.shrinkage", "shrinkage"),
        "geometry": ("proofs.geometry", "geometry"),
    }
)

# Only names that are not also submodules: after ``import proofs.zero_set`` the
# attribute ``proofs.zero_set`` is the module, so the functions are not re-exported.
_LAZY = {
    "Theorem": "proofs.core",
    "sparsity_claim": "proofs.kink_sparsity",
}


def _builder(name: str) -> Callable[[], Theorem]:
    module, function = _SOURCES[name]

    def build() -> Theorem:
        return getattr(importlib.import_module(module), function)()

    build.__name__ = function
    build.__qualname__ = function
    build.__doc__ = f"Build the theorem {name!r} with its defaults (imports {module} on first use)."
    return build


#: The theorems by name (kebab case, as ``derive prove NAME`` takes them); each
#: value builds the theorem with its default arguments.
THEOREMS: Mapping[str, Callable[[], Theorem]] = MappingProxyType({name: _builder(name) for name in _SOURCES})


def prove(name: str) -> Theorem:
    """Build and check the theorem called ``name``.

    Parameters
    ----------
    name : str
        One of :data:`THEOREMS` (``"zero-set"``, ``"lasso-vs-ridge"``, ``"kink-sparsity"``).

    Returns
    -------
    Theorem
        The theorem with its checked proof; ``holds`` is computed.

    Raises
    ------
    OptionError
        For an unknown name (the message lists the known ones).

    Examples
    --------
    >>> prove("pythagoras")
    Traceback (most recent call last):
    ...
    derive.errors.OptionError: unknown theorem 'pythagoras'; choose one of zero-set, lasso-vs-ridge, kink-sparsity, ...
    """
    if not isinstance(name, str) or name not in THEOREMS:
        from derive.errors import OptionError

        raise OptionError(f"unknown theorem {name!r}; choose one of {', '.join(THEOREMS)}")
    return THEOREMS[name]()


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'proofs' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
