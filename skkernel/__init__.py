"""skkernel: scikit-learn compatible kernel methods that scale.

The kernel engine: :mod:`skkernel.kernels` says what ``k(x, y)`` is,
:class:`KernelOperator` is the lazy matrix ``K(X, Y)`` whose products run on the
fastest backend present (numba, KeOps, CuPy, Dask or blocked numpy).
"""

from ._accel import BackendUnavailableError, backend_status, show_backends
from ._config import config_context, get_config, set_config
from ._operator import KernelOperator
from .kernel_approximation import ArcCosineFeatures, Nystroem, RandomFourierFeatures
from .kernels import (
    NNGP,
    NTK,
    RBF,
    AdditiveChi2,
    ArcCosine,
    Chi2,
    Cosine,
    FunctionKernel,
    GPKernelAdapter,
    Kernel,
    Laplacian,
    Linear,
    Matern,
    Polynomial,
    Sigmoid,
    make_kernel,
)
from .ridge import KernelRidge, KernelRidgeCV, NystroemRidge, NystroemRidgeClassifier
from .svm import KernelSVC, KernelSVCCV
from .thinning import KernelThinning

__version__ = "0.1.0"

__all__ = [
    "AdditiveChi2",
    "ArcCosine",
    "ArcCosineFeatures",
    "BackendUnavailableError",
    "Chi2",
    "Cosine",
    "FunctionKernel",
    "GPKernelAdapter",
    "Kernel",
    "KernelOperator",
    "KernelRidge",
    "KernelRidgeCV",
    "KernelSVC",
    "KernelSVCCV",
    "KernelThinning",
    "Laplacian",
    "Linear",
    "Matern",
    "NNGP",
    "NTK",
    "Nystroem",
    "NystroemRidge",
    "NystroemRidgeClassifier",
    "Polynomial",
    "RBF",
    "RandomFourierFeatures",
    "Sigmoid",
    "backend_status",
    "config_context",
    "get_config",
    "make_kernel",
    "set_config",
    "show_backends",
]
