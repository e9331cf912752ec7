"""What the kernel estimators share: data types, kernel parameters, the kernel
expansion ``f(x) = sum_i c_i k(x, x_i)`` and its lazy prediction."""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._chunking import get_chunk_n_rows
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._accel import BACKEND_NAMES
from ._memory import check_dense_fits
from ._operator import KernelOperator
from .kernels import kernel_from_params, kernel_parameter_constraints

__all__ = [
    "BACKEND_CONSTRAINT",
    "FLOAT_DTYPES",
    "KernelExpansion",
    "nystroem_features",
    "sqrt_weights",
    "weighted_rows",
]

#: The dtypes estimators compute in; other numeric input becomes float64.
FLOAT_DTYPES = [np.float64, np.float32]

#: ``backend`` parameter of every estimator.
BACKEND_CONSTRAINT = [StrOptions({"auto", *BACKEND_NAMES})]

_TOO_LARGE = (
    "Use KernelRidge(solver='cg'), which never forms the matrix, or a Nystroem "
    "estimator for data this large."
)


def nystroem_features(kernel, X, components, normalization, backend="auto"):
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
    step = get_chunk_n_rows(
        row_bytes=2 * components.shape[0] * X.dtype.itemsize, max_n_rows=X.shape[0]
    )
    for start in range(0, X.shape[0], step):
        rows = slice(start, start + step)
        np.matmul(columns.block(rows, slice(None)), normalization_t, out=out[rows])
    return out


def sqrt_weights(sample_weight):
    """Square roots of sample weights, the row scaling of a weighted kernel system."""
    return None if sample_weight is None else np.sqrt(sample_weight)


def weighted_rows(Y, row_scale):
    """``diag(row_scale) Y``, or Y itself without weights."""
    return Y if row_scale is None else Y * row_scale[:, None]


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
        return isinstance(self.kernel, str) and self.kernel == "precomputed"

    def _get_kernel(self):
        return kernel_from_params(self)

    def _validate_fit_data(self, X, y, sample_weight):
        X, y = validate_data(self, X, y, dtype=FLOAT_DTYPES, multi_output=True, y_numeric=True)
        if self._precomputed and X.shape[0] != X.shape[1]:
            raise ValueError(
                "With kernel='precomputed', X must be the square kernel matrix of the "
                f"training samples; got shape {X.shape}."
            )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        return X, y, sample_weight

    def _kernel_matrix_builder(self, X, row_scale, what):
        """A function returning a fresh K (as ``D K D`` with sample weights) that the
        caller may overwrite; checks first that an n x n matrix fits in memory."""
        n = X.shape[0]
        if self._precomputed:

            def build():
                K = np.array(X, dtype=X.dtype, order="C", copy=True)
                if row_scale is not None:
                    # Two broadcast products: np.outer would be a second n x n array.
                    K *= row_scale[:, None]
                    K *= row_scale[None, :]
                return K

            return build
        check_dense_fits(n, n, X.dtype, what=what, instead=_TOO_LARGE)
        operator = KernelOperator(self._get_kernel(), X, backend=self.backend)
        return lambda: operator.gram(row_scale)

    def predict(self, X):
        """Predict with the fitted kernel model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples; with ``kernel="precomputed"``, the kernel matrix between them and
            the training samples, of shape (n_samples, n_samples_fitted).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=FLOAT_DTYPES, reset=False)
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
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = self._precomputed
        return tags
