"""Kernel density estimation: exact and fast (KernelDensity), and differentially
private (PrivateKernelDensity, PrivateKernelClassifier)."""

from ._kde import KernelDensity, bandwidth_rule

__all__ = ["KernelDensity", "bandwidth_rule"]
