"""Kernel density estimation: exact and fast (KernelDensity), and differentially
private (PrivateKernelDensity, PrivateKernelClassifier, with the noise mechanisms and
the budget accountant they use)."""

from ._base import bandwidth_rule
from ._kde import KernelDensity
from ._privacy import (
    BudgetAccountant,
    BudgetError,
    GaussianMechanism,
    LaplaceMechanism,
    PrivacyLeakWarning,
)
from ._private import PrivateKernelClassifier, PrivateKernelDensity

__all__ = [
    "BudgetAccountant",
    "BudgetError",
    "GaussianMechanism",
    "KernelDensity",
    "LaplaceMechanism",
    "PrivacyLeakWarning",
    "PrivateKernelClassifier",
    "PrivateKernelDensity",
    "bandwidth_rule",
]
