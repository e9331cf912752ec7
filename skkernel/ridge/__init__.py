"""Kernel ridge regression: exact (KernelRidge, KernelRidgeCV) and on Nystroem
centers (NystroemRidge, NystroemRidgeClassifier, solved by Falkon)."""

from ._kernel_ridge import KernelRidge, KernelRidgeCV
from ._nystroem_ridge import NystroemRidge, NystroemRidgeClassifier

__all__ = ["KernelRidge", "KernelRidgeCV", "NystroemRidge", "NystroemRidgeClassifier"]
