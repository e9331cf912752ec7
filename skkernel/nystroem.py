"""Nystroem estimators, at an alternative module path (re-exports).

The transformer lives in :mod:`skkernel.kernel_approximation`, the Falkon estimators
in :mod:`skkernel.ridge`; both are importable from :mod:`skkernel` itself.
"""

from .kernel_approximation import Nystroem
from .ridge import NystroemRidge, NystroemRidgeClassifier

__all__ = ["Nystroem", "NystroemRidge", "NystroemRidgeClassifier"]
