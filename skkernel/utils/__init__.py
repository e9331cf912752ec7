"""Utilities for scripts that measure skkernel: see :mod:`skkernel.utils.benchmarking`."""
