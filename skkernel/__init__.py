"""skkernel: scikit-learn compatible kernel methods that scale.

The kernel engine: :mod:`skkernel.kernels` says what ``k(x, y)`` is,
:class:`KernelOperator` is the lazy matrix ``K(X, Y)`` whose products run on the
fastest backend present (numba, KeOps, CuPy, Dask or blocked numpy). The estimator
families: :mod:`skkernel.ridge`, :mod:`skkernel.kernel_approximation`,
:mod:`skkernel.thinning`, :mod:`skkernel.semi_supervised`,
:mod:`skkernel.svm`, :mod:`skkernel.density`.

Every estimator, transformer and kernel class, the operator and the configuration
functions are importable from here; the tools around them (the kernel-family
registry, leverage scores, ``mmd``, the privacy accountant and mechanisms, bandwidth
rules) from their public submodules. Each name is imported on first use (numba,
scikit-learn and the engine load in about two seconds), so ``import skkernel`` and
the command line's ``--version`` and ``--help`` are immediate.
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

#: Public name -> the module that defines it.
_EXPORTS = {
    "BackendUnavailableError": "._accel",
    "backend_status": "._accel",
    "show_backends": "._accel",
    "config_context": "._config",
    "get_config": "._config",
    "set_config": "._config",
    "KernelOperator": "._operator",
    "KernelDensity": ".density",
    "PrivateKernelClassifier": ".density",
    "PrivateKernelDensity": ".density",
    "ArcCosineFeatures": ".kernel_approximation",
    "Nystroem": ".kernel_approximation",
    "RandomFourierFeatures": ".kernel_approximation",
    "AdditiveChi2": ".kernels",
    "ArcCosine": ".kernels",
    "Chi2": ".kernels",
    "Cosine": ".kernels",
    "DensityKernel": ".kernels",
    "FunctionKernel": ".kernels",
    "GPKernelAdapter": ".kernels",
    "Kernel": ".kernels",
    "Laplacian": ".kernels",
    "Linear": ".kernels",
    "Matern": ".kernels",
    "Polynomial": ".kernels",
    "RBF": ".kernels",
    "Sigmoid": ".kernels",
    "make_kernel": ".kernels",
    "NNGP": ".kernels",
    "NTK": ".kernels",
    "KernelRidge": ".ridge",
    "KernelRidgeCV": ".ridge",
    "NystroemRidge": ".ridge",
    "NystroemRidgeClassifier": ".ridge",
    "SpectralKernelClassifier": ".semi_supervised",
    "SpectralKernelRidge": ".semi_supervised",
    "KernelSVC": ".svm",
    "KernelSVCCV": ".svm",
    "KernelThinning": ".thinning",
}

#: Public submodules, also imported on first use (``skkernel.thinning.mmd``).
_SUBMODULES = {
    "density",
    "kernel_approximation",
    "kernels",
    "leverage",
    "metrics",
    "nystroem",
    "random_features",
    "ridge",
    "semi_supervised",
    "svm",
    "thinning",
    "utils",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    # What a type checker sees (the names load lazily at run time, below); the
    # redundant aliases mark them as re-exported. tests/test_api_reference.py checks
    # that these imports and _EXPORTS name the same things.
    from . import (
        density as density,
        kernel_approximation as kernel_approximation,
        kernels as kernels,
        leverage as leverage,
        metrics as metrics,
        nystroem as nystroem,
        random_features as random_features,
        ridge as ridge,
        semi_supervised as semi_supervised,
        svm as svm,
        thinning as thinning,
        utils as utils,
    )
    from ._accel import (
        BackendUnavailableError as BackendUnavailableError,
        backend_status as backend_status,
        show_backends as show_backends,
    )
    from ._config import (
        config_context as config_context,
        get_config as get_config,
        set_config as set_config,
    )
    from ._operator import KernelOperator as KernelOperator
    from .density import (
        KernelDensity as KernelDensity,
        PrivateKernelClassifier as PrivateKernelClassifier,
        PrivateKernelDensity as PrivateKernelDensity,
    )
    from .kernel_approximation import (
        ArcCosineFeatures as ArcCosineFeatures,
        Nystroem as Nystroem,
        RandomFourierFeatures as RandomFourierFeatures,
    )
    from .kernels import (
        NNGP as NNGP,
        NTK as NTK,
        RBF as RBF,
        AdditiveChi2 as AdditiveChi2,
        ArcCosine as ArcCosine,
        Chi2 as Chi2,
        Cosine as Cosine,
        DensityKernel as DensityKernel,
        FunctionKernel as FunctionKernel,
        GPKernelAdapter as GPKernelAdapter,
        Kernel as Kernel,
        Laplacian as Laplacian,
        Linear as Linear,
        Matern as Matern,
        Polynomial as Polynomial,
        Sigmoid as Sigmoid,
        make_kernel as make_kernel,
    )
    from .ridge import (
        KernelRidge as KernelRidge,
        KernelRidgeCV as KernelRidgeCV,
        NystroemRidge as NystroemRidge,
        NystroemRidgeClassifier as NystroemRidgeClassifier,
    )
    from .semi_supervised import (
        SpectralKernelClassifier as SpectralKernelClassifier,
        SpectralKernelRidge as SpectralKernelRidge,
    )
    from .svm import KernelSVC as KernelSVC, KernelSVCCV as KernelSVCCV
    from .thinning import KernelThinning as KernelThinning


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'skkernel' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
