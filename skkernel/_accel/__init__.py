"""Backends that run kernel-matrix products and dense blocks, and the rules that pick one.

Each backend lives in its own module and implements :class:`._base.Backend`.
Nothing here knows about estimators or Kernel classes: backends receive a kernel as
a :class:`~skkernel.kernels.KernelSpec`. :class:`skkernel.KernelOperator` reaches the
backends only through :func:`resolve_backend` and :func:`resolve_dense_backend`.

Products: ``backend="auto"`` takes the first of :data:`AUTO_ORDER` that can run here
and evaluate the kernel: CuPy when a CUDA GPU is visible, then numba, then numpy
(the only one for kernels without a closed form). KeOps and Dask are used only when
asked for by name: KeOps compiles each new formula on first use, and Dask needs a
cluster the user has set up.

Dense blocks (exact solvers, small Gram matrices): ``"auto"`` takes the first of
:data:`DENSE_AUTO_ORDER` that builds the family's blocks faster than the numpy
reference (``Backend.dense_is_fast``): on a GPU CuPy; on the CPU numba for the
families whose cost is their kernel values (the exponentials: numpy's float64 exp is
scalar, numba's is vectorised, 2-4x) in float64, and the numpy reference --
scikit-learn's pairwise code -- for the dot-product families, whose cost is the GEMM
either way, and for float32 (computed through float64 distances, as scikit-learn
does).
"""

import sys
from typing import TextIO

from ._base import Backend
from ._cupy import CuPyBackend
from ._dask import DaskBackend
from ._keops import KeOpsBackend
from ._numba import NumbaBackend
from ._numpy import NumpyBackend

__all__ = [
    "AUTO_ORDER",
    "BACKEND_NAMES",
    "DENSE_AUTO_ORDER",
    "Backend",
    "BackendUnavailableError",
    "backend_status",
    "check_backend_name",
    "get_backend",
    "resolve_backend",
    "resolve_dense_backend",
    "resolve_log_backend",
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
DENSE_AUTO_ORDER = ("cupy", "numba")


class BackendUnavailableError(RuntimeError):
    """A backend asked for by name cannot run here (missing package, no GPU, no cluster).

    The message says why, and what to install or start.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel import BackendUnavailableError, KernelOperator
    >>> try:
    ...     KernelOperator("rbf", np.ones((3, 2)), backend="cupy")
    ... except BackendUnavailableError as error:
    ...     print("no GPU backend here")  # doctest: +SKIP
    """


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


def _named(name, spec):
    """The backend called ``name``, checked to run here and to evaluate ``spec``."""
    backend = _BACKENDS[name]
    reason = backend.available()
    if reason is not None:
        raise BackendUnavailableError(f"Backend {name!r} cannot run here: {reason}.")
    if not backend.supports(spec):
        families = backend.families()
        runs = f"; it runs the families {', '.join(families)}" if families else ""
        raise ValueError(
            f"Backend {name!r} has no implementation of this kernel ({spec.name}){runs}. "
            "Use backend='numpy' or backend='auto' for other kernels."
        )
    return backend


def resolve_backend(name, spec):
    """The backend that will run a kernel's products.

    Parameters
    ----------
    name : str
        "auto" or a backend name.
    spec : KernelSpec
        The kernel.

    Raises
    ------
    BackendUnavailableError
        If the named backend cannot run here; the message says why and how to fix it.
    ValueError
        If the name is unknown, or the named backend cannot evaluate this kernel.
    """
    if check_backend_name(name) != "auto":
        return _named(name, spec)
    for candidate in AUTO_ORDER:
        backend = _BACKENDS[candidate]
        if backend.supports(spec) and backend.available() is None:
            return backend
    raise AssertionError("the numpy backend is always available")  # pragma: no cover


def resolve_dense_backend(name, spec, dtype):
    """The backend that will build a kernel's dense blocks (see the module docstring).

    Parameters
    ----------
    name : str
        "auto" or a backend name. A named backend with blocks of its own (numba,
        CuPy, Dask, numpy) builds them; for one without (KeOps, which only reduces)
        the auto rule picks.
    spec : KernelSpec
        The kernel.
    dtype : numpy.dtype
        The dtype of the blocks.
    """
    if check_backend_name(name) != "auto":
        backend = _named(name, spec)
        if backend.native_dense:
            return backend
    for candidate in DENSE_AUTO_ORDER:
        backend = _BACKENDS[candidate]
        if backend.dense_is_fast(spec, dtype) and backend.available() is None:
            return backend
    return _BACKENDS["numpy"]


def resolve_log_backend(backend, spec):
    """The backend that runs a kernel's log-sum-exp reductions: the products'
    backend where it has the kernel's log form, else the numpy reference.

    Parameters
    ----------
    backend : Backend
        The backend of the products.
    spec : KernelSpec
        The kernel; it must have a log form (``spec.has_log_form``; the caller,
        :meth:`skkernel.KernelOperator.logsumexp`, refuses the others and names the
        families that have one).
    """
    return backend if backend.supports_log(spec) else _BACKENDS["numpy"]


def backend_status() -> dict[str, str | None]:
    """Which backends can run here, and why the others cannot.

    Returns
    -------
    status : dict of str to str or None
        Backend name -> None if it can run here, else the reason it cannot.

    Examples
    --------
    >>> import skkernel
    >>> skkernel.backend_status()["numpy"] is None
    True
    """
    return {name: backend.available() for name, backend in _BACKENDS.items()}


def show_backends(file: TextIO | None = None) -> dict[str, str | None]:
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
