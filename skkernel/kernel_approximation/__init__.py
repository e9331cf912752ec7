"""Explicit feature maps that approximate a kernel: Nystroem features and random features."""

from ._nystroem import Nystroem
from ._random_features import ArcCosineFeatures, RandomFourierFeatures

__all__ = ["ArcCosineFeatures", "Nystroem", "RandomFourierFeatures"]
