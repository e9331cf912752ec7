"""Type aliases of the public API's parameters, for the hints on the estimators.

The numpydoc docstrings say what a value means; these say what a type checker
should accept. Each alias follows a ``_parameter_constraints`` entry, which stays
the one place where values are validated (``tests/test_typing.py`` checks that
the ``Literal`` options agree with the constraints).
"""

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

# ``kernel=`` (KernelLike) is defined next to make_kernel, which resolves it: the
# kernel modules use it in their own hints, and this module imports them.
from .kernels._factory import KernelLike

__all__ = [
    "ArrayLike",
    "BackendName",
    "CVLike",
    "FloatArray",
    "KernelLike",
    "MatrixLike",
    "NDArray",
    "RandomStateLike",
    "ScoringLike",
    "SparseMatrix",
]

#: ``backend=``: "auto" or a backend of the registry (``BACKEND_CONSTRAINT``).
BackendName: TypeAlias = Literal["auto", "numpy", "numba", "keops", "cupy", "dask"]

#: ``random_state=``: what :func:`sklearn.utils.check_random_state` accepts.
RandomStateLike: TypeAlias = int | np.random.RandomState | None

#: A float array returned to the user (float64, or the input's float32).
FloatArray: TypeAlias = NDArray[np.floating]

#: A scipy sparse matrix or array.
if TYPE_CHECKING:
    SparseMatrix: TypeAlias = sparse.spmatrix | sparse.sparray
else:
    # ``scipy.sparse.sparray`` is public from SciPy 1.11 only; before, the sparse
    # arrays derive from ``spmatrix``.
    SparseMatrix = sparse.spmatrix

#: Input that may also be sparse (densified, as the estimators' scikit-learn twins
#: accept it).
MatrixLike: TypeAlias = ArrayLike | SparseMatrix


class _Splitter(Protocol):
    """A cross-validation splitter: scikit-learn's ``HasMethods(["split", "get_n_splits"])``."""

    def split(self, *args: Any, **kwargs: Any) -> Iterable[tuple[Any, Any]]: ...

    def get_n_splits(self, *args: Any, **kwargs: Any) -> int: ...


#: ``cv=``: scikit-learn's ``cv_object``: a number of folds, a splitter, an iterable
#: of (train, test) index pairs, or None.
CVLike: TypeAlias = int | _Splitter | Iterable[tuple[Any, Any]] | None

#: ``scoring=`` of a search: GridSearchCV's one metric (a scorer name, a callable,
#: None) or several (a list or tuple of names, a dict of names to scorers).
ScoringLike: TypeAlias = (
    str | Callable[..., Any] | list[str] | tuple[str, ...] | dict[str, Any] | None
)
