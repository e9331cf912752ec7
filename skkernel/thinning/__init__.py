"""Kernel thinning: coresets whose empirical distribution is close to the sample's.

:class:`KernelThinning` (KT, target KT, KT+ and Compress++) and the MMD between a
sample and a subsample (:func:`mmd`, also in :mod:`skkernel.metrics`).
"""

from ..metrics import mmd
from ._kernel_thinning import KernelThinning
from ._thinner import METHODS

__all__ = ["METHODS", "KernelThinning", "mmd"]
