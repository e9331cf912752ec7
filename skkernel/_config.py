"""Global configuration, mirroring :func:`sklearn.get_config` / :func:`sklearn.set_config`.

The settings are thread-local, like scikit-learn's, so a ``config_context`` in one
thread does not change what another thread sees.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._typing import BackendName

__all__ = ["config_context", "get_config", "set_config"]

_global_config = {"backend": "auto"}
_threadlocal = threading.local()


def _get_threadlocal_config():
    if not hasattr(_threadlocal, "global_config"):
        _threadlocal.global_config = _global_config.copy()
    return _threadlocal.global_config


def get_config() -> dict[str, Any]:
    """Return a copy of skkernel's current configuration.

    Returns
    -------
    config : dict
        ``{"backend": name}``, where ``name`` is the backend used by operators and
        estimators whose own ``backend`` parameter is ``"auto"``.

    Examples
    --------
    >>> import skkernel
    >>> skkernel.get_config()["backend"]
    'auto'
    """
    return _get_threadlocal_config().copy()


def set_config(backend: BackendName | None = None) -> None:
    """Set skkernel's configuration for the current thread.

    Parameters
    ----------
    backend : str, default=None
        Default backend for kernel products: ``"auto"``, ``"numpy"``, ``"numba"``,
        ``"keops"``, ``"cupy"`` or ``"dask"``. ``None`` leaves it unchanged.

    Examples
    --------
    >>> import skkernel
    >>> skkernel.set_config(backend="numpy")
    >>> skkernel.get_config()["backend"]
    'numpy'
    >>> skkernel.set_config(backend="auto")
    """
    if backend is not None:
        # Imported here: the registry imports this module.
        from ._accel import check_backend_name

        _get_threadlocal_config()["backend"] = check_backend_name(backend)


@contextmanager
def config_context(*, backend: BackendName | None = None) -> Iterator[None]:
    """Temporarily change skkernel's configuration inside a ``with`` block.

    Parameters
    ----------
    backend : str, default=None
        See :func:`set_config`.

    Yields
    ------
    None
        The block runs with the changed configuration; the previous one is restored
        on leaving it.

    Examples
    --------
    >>> import numpy as np
    >>> import skkernel
    >>> with skkernel.config_context(backend="numpy"):
    ...     op = skkernel.KernelOperator("rbf", np.eye(3))
    >>> op.backend
    'numpy'
    """
    old = get_config()
    set_config(backend=backend)
    try:
        yield
    finally:
        set_config(**old)
