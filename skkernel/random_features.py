"""Random feature maps, at an alternative module path (re-exports).

They live in :mod:`skkernel.kernel_approximation` and are importable from
:mod:`skkernel` itself.
"""

from .kernel_approximation import ArcCosineFeatures, RandomFourierFeatures

__all__ = ["ArcCosineFeatures", "RandomFourierFeatures"]
