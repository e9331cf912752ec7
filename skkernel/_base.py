"""What the kernel estimators share: data types, kernel parameters, the kernel
expansion ``f(x) = sum_i c_i k(x, x_i)`` and its lazy prediction."""

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._accel import BACKEND_NAMES
from ._docs import fill_doc
from ._linalg import cholesky_workspace_nbytes
from ._memory import check_dense_fits, row_batches
from ._operator import KernelOperator
from ._typing import ArrayLike, FloatArray, MatrixLike, NDArray, SparseMatrix
from ._validation import FLOAT_DTYPES
from .kernels import (
    Kernel,
    is_precomputed,
    kernel_from_params,
    kernel_input_tags,
    kernel_parameter_constraints,
)

__all__ = [
    "BACKEND_CONSTRAINT",
    "FLOAT_DTYPES",
    "SPARSE_FORMATS",
    "KernelExpansion",
    "check_finite_kernel",
    "check_sample_weight",
    "dense_features",
    "fit_context",
    "nystroem_features",
    "one_vs_rest_labels",
    "one_vs_rest_targets",
    "sqrt_weights",
    "weighted_rows",
]

#: ``backend`` parameter of every estimator.
BACKEND_CONSTRAINT = [StrOptions({"auto", *BACKEND_NAMES})]

#: Sparse input estimators take where a scikit-learn twin does (densified, see
#: :func:`dense_features`).
SPARSE_FORMATS = ("csr", "csc", "coo")

_TOO_LARGE = (
    "Use KernelRidge(solver='cg'), which never forms the matrix, or a Nystroem "
    "estimator for data this large."
)


_Fit = TypeVar("_Fit", bound=Callable[..., Any])


def fit_context(fit: _Fit) -> _Fit:
    """Decorate an estimator's ``fit`` (or ``partial_fit``): scikit-learn's parameter
    validation first (``_fit_context``), and a failed call leaves the estimator as it
    was.

    ``validate_data`` records ``n_features_in_`` before checks that can still fail
    (an alpha per target, a single class, too many components); a refit that raises
    would otherwise leave a fitted estimator half overwritten. Fits assign new arrays
    rather than writing into fitted ones, so restoring the attribute dictionary
    restores the model.
    """
    validated = _fit_context(prefer_skip_nested_validation=True)(fit)

    @functools.wraps(fit)
    def fit_or_keep(self, *args, **kwargs):
        before = dict(self.__dict__)
        try:
            return validated(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    return cast(_Fit, fit_or_keep)


def dense_features(X: NDArray[Any] | SparseMatrix) -> NDArray[Any]:
    """The dense array kernels compute on, from validated input that may be sparse.

    Sparse features (a ``OneHotEncoder`` in a ``ColumnTransformer``) are accepted as
    scikit-learn's kernel estimators accept them, and made dense: the kernel matrix
    of sparse rows is dense anyway, and the engine's fused products read dense rows.
    The copy is checked against the memory first.
    """
    if not sp.issparse(X):
        return X
    check_dense_fits(
        X.shape[0],
        X.shape[1],
        X.dtype,
        what="Densifying the sparse input",
        instead="Reduce the number of columns (e.g. OneHotEncoder(max_categories=...)).",
    )
    return X.toarray()


def check_sample_weight(
    sample_weight: ArrayLike | None, X: NDArray[Any]
) -> NDArray[np.floating] | None:
    """Sample weights as scikit-learn checks them, refused when negative or all zero.

    A kernel system weighted by ``sqrt(w)`` would turn a negative weight into NaN and
    a zero total into a division by zero deep inside a solver.
    """
    if sample_weight is None:
        return None
    sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
    if not sample_weight.sum() > 0:
        raise ValueError("sample_weight sums to zero: at least one sample must count.")
    return sample_weight


def check_finite_kernel(K: NDArray[Any], what: str = "The kernel matrix") -> NDArray[Any]:
    """Raise ValueError naming the likely cause if kernel values are not finite."""
    # By blocks of rows: np.isfinite of the whole matrix would be an n x m boolean
    # temporary that no memory check counts (215 MB at n = 15,000).
    rows = K.reshape(K.shape[0], -1) if K.ndim > 1 else K.reshape(1, -1)
    step = max(1, 2**22 // max(rows.shape[1], 1))
    finite = all(np.isfinite(rows[i : i + step]).all() for i in range(0, rows.shape[0], step))
    if not finite:
        raise ValueError(
            f"{what} contains NaN or infinity: a polynomial kernel with a fractional "
            "degree on negative dot products, a callable kernel returning NaN, or "
            "values too large for the kernel (scale the features)."
        )
    return K


def nystroem_features(
    kernel: Kernel,
    X: NDArray[np.floating],
    components: NDArray[np.floating],
    normalization: NDArray[np.floating],
    backend: str = "auto",
) -> NDArray[np.floating]:
    """Nystroem features ``K(X, components) @ normalization.T``, in X's dtype.

    Blocks of kernel values, built by the backend that builds them fastest, times the
    normalization by BLAS: one block of rows of ``K(X, components)`` at a time.

    Parameters
    ----------
    kernel : Kernel
        The kernel.
    X : ndarray of shape (n_samples, n_features)
        Validated samples.
    components : ndarray of shape (n_components, n_features)
        The components (centers).
    normalization : ndarray of shape (n_components, n_components)
        ``K(components, components)^-1/2``.
    backend : str, default="auto"
        Backend of the kernel blocks.

    Returns
    -------
    features : ndarray of shape (n_samples, n_components)
        In X's dtype.
    """
    components = components.astype(X.dtype, copy=False)
    normalization_t = normalization.T.astype(X.dtype, copy=False)
    columns = KernelOperator(kernel, X, components, backend=backend)
    out = np.empty((X.shape[0], components.shape[0]), dtype=X.dtype)
    for rows in row_batches(X.shape[0], 2 * components.shape[0] * X.dtype.itemsize):
        np.matmul(columns.block(rows, slice(None)), normalization_t, out=out[rows])
    return out


def one_vs_rest_targets(
    y: NDArray[Any], rows: str = "The training data", hint: str = ""
) -> tuple[NDArray[np.float64], NDArray[Any]]:
    """Class labels as RidgeClassifier fits them: targets in {-1, 1}, one column per
    class (one column, for ``classes[1]``, with two classes); and the classes.

    Raises ValueError, naming ``rows`` and adding ``hint``, for fewer than two
    classes.
    """
    y = np.asarray(y)
    if y.ndim == 1 and y.dtype != object:
        # LabelBinarizer's result, without its repeated target-type checks (1.6 ms, a
        # fifth of a 200-row STKR fit; the caller has checked the targets).
        classes, index = np.unique(y, return_inverse=True)
        columns = 1 if classes.size <= 2 else classes.size
        Y = np.full((y.size, columns), -1.0)
        if columns == 1:
            Y[index == 1, 0] = 1.0
        else:
            Y[np.arange(y.size), index] = 1.0
    else:  # labels of mixed types, multilabel indicators
        binarizer = LabelBinarizer(neg_label=-1, pos_label=1)
        Y = binarizer.fit_transform(y).astype(np.float64)
        classes = binarizer.classes_
    if classes.size < 2:
        raise ValueError(
            f"{rows} contain only one class ({classes.tolist()[0]!r}); a classifier needs at "
            f"least two.{hint}"
        )
    return Y, classes


def one_vs_rest_labels(classes: NDArray[Any], scores: NDArray[np.floating]) -> NDArray[Any]:
    """The class of the largest one-vs-rest decision value; for one column (two
    classes), ``classes[1]`` where it is positive."""
    scores = scores.reshape(len(scores), -1)
    if scores.shape[1] == 1:
        return classes[(scores[:, 0] > 0).astype(int)]
    return classes[np.argmax(scores, axis=1)]


def sqrt_weights(sample_weight: NDArray[np.floating] | None) -> NDArray[np.floating] | None:
    """Square roots of sample weights, the row scaling of a weighted kernel system."""
    return None if sample_weight is None else np.sqrt(sample_weight)


def weighted_rows(Y: NDArray[Any], row_scale: NDArray[np.floating] | None) -> NDArray[Any]:
    """``diag(row_scale) Y``, or Y itself without weights."""
    return Y if row_scale is None else Y * row_scale[:, None]


@fill_doc
class KernelExpansion(BaseEstimator):
    """Base of every model ``f(x) = sum_i c_i k(x, x_i)``: the kernel parameters,
    the data checks, and a lazy ``predict``.

    Subclasses set ``dual_coef_`` and the expansion points (``X_fit_``, or their
    own :meth:`_expansion_points`).
    """

    _parameter_constraints = {
        **kernel_parameter_constraints(),
        "backend": BACKEND_CONSTRAINT,
    }

    @property
    def _precomputed(self):
        return is_precomputed(self.kernel)

    def _get_kernel(self):
        return kernel_from_params(self)

    def _validate_fit_data(self, X, y, sample_weight):
        if sp.issparse(y):
            # validate_data takes a sparse y with multi_output=True; the solvers do not
            # (an IndexError deep in cho_solve, or silently through another path).
            raise ValueError("A sparse y is not supported; pass a dense array (y.toarray()).")
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=SPARSE_FORMATS,
            dtype=FLOAT_DTYPES,
            multi_output=True,
            y_numeric=True,
        )
        if y.dtype.kind not in "fiub":
            raise ValueError(
                f"y must be numeric for regression; got dtype {y.dtype}. For class labels "
                "use a classifier (e.g. NystroemRidgeClassifier)."
            )
        X = dense_features(X)
        if self._precomputed and X.shape[0] != X.shape[1]:
            raise ValueError(
                "With kernel='precomputed', X must be the square kernel matrix of the "
                f"training samples; got shape {X.shape}."
            )
        return X, y, check_sample_weight(sample_weight, X)

    def _kernel_matrix_builder(self, X, row_scale, what, count=1):
        """A function returning a fresh K (as ``D K D`` with sample weights) that the
        caller may overwrite; checks first that ``count`` n x n matrices fit in memory
        (the caller's own ones included)."""
        n = X.shape[0]
        # A single matrix is factored in place, by blocks beyond LAPACK's size.
        workspace = cholesky_workspace_nbytes(n, X.dtype) if count == 1 else 0
        check_dense_fits(
            n, n, X.dtype, what=what, instead=_TOO_LARGE, count=count, workspace=workspace
        )
        if self._precomputed:

            def build():
                K = np.array(X, dtype=X.dtype, order="C", copy=True)
                if row_scale is not None:
                    # Two broadcast products: np.outer would be a second n x n array.
                    K *= row_scale[:, None]
                    K *= row_scale[None, :]
                return check_finite_kernel(K)

            return build
        operator = KernelOperator(self._get_kernel(), X, backend=self.backend)
        return lambda: check_finite_kernel(operator.gram(row_scale))

    def predict(self, X: MatrixLike) -> FloatArray:
        """Predict with the fitted kernel model.

        {predict_values_or_kernel}
        """
        check_is_fitted(self)
        X = dense_features(
            validate_data(self, X, accept_sparse=SPARSE_FORMATS, dtype=FLOAT_DTYPES, reset=False)
        )
        if self._precomputed:
            return X @ self.dual_coef_
        # A lazy K(X, centers) product: the n_test x n_centers matrix is never formed.
        return KernelOperator(
            self._get_kernel(), X, self._expansion_points(), backend=self.backend
        ) @ (self.dual_coef_)

    def _expansion_points(self):
        """The samples x_i of ``f(x) = sum_i c_i k(x, x_i)``."""
        return self.X_fit_

    def __sklearn_tags__(self):
        return kernel_input_tags(super().__sklearn_tags__(), self.kernel)
