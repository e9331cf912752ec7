"""Kernel functions with scikit-learn semantics, and the kernel-family registry.

A :class:`Kernel` says what ``k(x, y)`` is: a family and its parameters. Calling it,
``k(X, Y)``, returns the dense matrix with the numpy reference implementation (for the
families scikit-learn knows, scikit-learn's own :mod:`sklearn.metrics.pairwise`
functions), and ``k.diag(X)`` its diagonal. Large products go through
:class:`skkernel.KernelOperator`, which never forms the matrix and runs on the fastest
backend available.

Kernels are scikit-learn estimators as far as parameters go (``get_params``,
``set_params``, ``clone``), so an estimator holding one as its ``kernel`` can be tuned
with ``kernel__gamma`` in a parameter grid.

What the backends evaluate is a :class:`KernelSpec` (``Kernel.spec``): a family from
the registry (:data:`FAMILIES`, :func:`register_family`) with resolved numbers.
"""

from ._base import Kernel
from ._factory import (
    is_precomputed,
    kernel_from_params,
    kernel_input_tags,
    kernel_names,
    make_kernel,
)
from ._params import kernel_parameter_constraints
from ._registry import FAMILIES, KernelFamily, KernelSpec, register_family
from .density import DENSITY_KERNELS, DensityKernel
from .dot_product import Cosine, Linear, Polynomial, Sigmoid
from .neural import NNGP, NTK, ArcCosine
from .pairwise import AdditiveChi2, Chi2, FunctionKernel, GPKernelAdapter
from .stationary import RBF, Laplacian, Matern

#: Every kernel name estimators accept: those of
#: :func:`sklearn.metrics.pairwise.pairwise_kernels`, plus "matern", "nngp" and "ntk".
KERNEL_NAMES = kernel_names()

__all__ = [
    "FAMILIES",
    "KERNEL_NAMES",
    "AdditiveChi2",
    "ArcCosine",
    "Chi2",
    "Cosine",
    "DENSITY_KERNELS",
    "DensityKernel",
    "FunctionKernel",
    "GPKernelAdapter",
    "Kernel",
    "KernelFamily",
    "KernelSpec",
    "Laplacian",
    "Linear",
    "Matern",
    "NNGP",
    "NTK",
    "Polynomial",
    "RBF",
    "Sigmoid",
    "is_precomputed",
    "kernel_from_params",
    "kernel_parameter_constraints",
    "kernel_input_tags",
    "make_kernel",
    "register_family",
]
