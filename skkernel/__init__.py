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


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'skkernel' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
