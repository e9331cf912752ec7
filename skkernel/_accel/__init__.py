"""Backends that run kernel-matrix products, and the registry that picks one.

Each backend lives in its own module and implements :class:`._base.Backend`.
Nothing here knows about estimators; estimators and :class:`skkernel.KernelOperator`
reach the backends only through :func:`resolve_backend`.

``backend="auto"`` takes the first of :data:`AUTO_ORDER` that can run here and
evaluate the kernel: CuPy when a CUDA GPU is visible, then numba, then numpy (the
only one for kernels without an accelerated form). KeOps and Dask are used only
when asked for by name: KeOps compiles each new formula on first use, and Dask needs
a cluster the user has set up.
"""

import sys

from ._base import Backend
from ._cupy import CuPyBackend
from ._dask import DaskBackend
from ._keops import KeOpsBackend
from ._numba import NumbaBackend
from ._numpy import NumpyBackend

__all__ = [
    "AUTO_ORDER",
    "BACKEND_NAMES",
    "Backend",
    "BackendUnavailableError",
    "backend_status",
    "check_backend_name",
    "get_backend",
    "resolve_backend",
    "show_backends",
]

_BACKENDS = {
    "numpy": NumpyBackend(),
    "numba": NumbaBackend(),
    "keops": KeOpsBackend(),
    "cupy": CuPyBackend(),
    "dask": DaskBackend(),
}
BACKEND_NAMES = tuple(_BACKENDS)
AUTO_ORDER = ("cupy", "numba", "numpy")


class BackendUnavailableError(RuntimeError):
    """A backend asked for by name cannot run here (missing package, no GPU, no cluster)."""


def check_backend_name(name):
    """Return ``name`` if it is "auto" or a known backend, else raise ValueError."""
    if name == "auto" or name in _BACKENDS:
        return name
    raise ValueError(
        f"Unknown backend {name!r}; choose 'auto' or one of {', '.join(BACKEND_NAMES)}."
    )


def get_backend(name):
    """The backend object registered under ``name``."""
    return _BACKENDS[check_backend_name(name)]


def resolve_backend(name, spec):
    """The backend that will run a kernel.

    Parameters
    ----------
    name : str
        "auto" or a backend name.
    spec : KernelSpec or None
        The kernel's accelerated form; None for kernels only numpy can evaluate.

    Raises
    ------
    BackendUnavailableError
        If the named backend cannot run here; the message says why and how to fix it.
    ValueError
        If the name is unknown, or the named backend cannot evaluate this kernel.
    """
    if check_backend_name(name) == "auto":
        for candidate in AUTO_ORDER:
            backend = _BACKENDS[candidate]
            if backend.supports(spec) and backend.available() is None:
                return backend
        raise AssertionError("the numpy backend is always available")  # pragma: no cover
    backend = _BACKENDS[name]
    reason = backend.available()
    if reason is not None:
        raise BackendUnavailableError(f"Backend {name!r} cannot run here: {reason}.")
    if not backend.supports(spec):
        raise ValueError(
            f"Backend {name!r} has no implementation of this kernel; it accelerates "
            "rbf, laplacian, matern, polynomial, linear, sigmoid and cosine kernels. "
            "Use backend='numpy' or backend='auto' for other kernels."
        )
    return backend


def backend_status():
    """Map each backend name to None (it can run here) or the reason it cannot."""
    return {name: backend.available() for name, backend in _BACKENDS.items()}


def show_backends(file=None):
    """Print which backends can run here, which one "auto" picks, and why the others cannot.

    Parameters
    ----------
    file : file-like, default=None
        Where to print; ``None`` means standard output.

    Returns
    -------
    status : dict
        The same information as :func:`backend_status`.

    Examples
    --------
    >>> import skkernel
    >>> status = skkernel.show_backends()  # doctest: +SKIP
    """
    file = file or sys.stdout
    status = backend_status()
    auto = next(name for name in AUTO_ORDER if status[name] is None)
    width = max(map(len, status))
    for name, reason in status.items():
        state = "available" if reason is None else f"unavailable: {reason}"
        marker = " (auto)" if name == auto else ""
        print(f"{name:<{width}}  {state}{marker}", file=file)
    return status
