"""Input checks shared by kernels and operators, with errors written for people."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

#: The dtypes kernels and estimators compute in; other numeric input becomes float64.
FLOAT_DTYPES = (np.float64, np.float32)


def check_kernel_input(X, name="X", dtype=FLOAT_DTYPES):
    """Validate one input of a kernel: dense, 2-D, non-empty, finite, float.

    Integer and boolean data are converted to float64; float32 is kept.
    """
    if sp.issparse(X):
        raise TypeError(
            f"{name} is a sparse matrix; skkernel's kernels take dense arrays. "
            f"Convert it with {name}.toarray() if it fits in memory."
        )
    ndim = np.ndim(X)
    if ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features); "
            f"got an array with {ndim} dimension(s) and shape {np.shape(X)}. "
            "Reshape a single feature with X.reshape(-1, 1) or a single sample with "
            "X.reshape(1, -1)."
        )
    return check_array(
        X,
        dtype=dtype,
        ensure_all_finite=True,
        ensure_min_samples=1,
        ensure_min_features=1,
        input_name=name,
    )


def check_kernel_inputs(X, Y=None):
    """Validate X and Y together; Y=None means Y is X.

    Returns X and Y (Y is X when it was None) in one common float dtype.
    """
    X = check_kernel_input(X, "X")
    if Y is None:
        return X, X
    Y = check_kernel_input(Y, "Y")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of features; X has {X.shape[1]} "
            f"and Y has {Y.shape[1]}."
        )
    dtype = np.result_type(X.dtype, Y.dtype)
    return X.astype(dtype, copy=False), Y.astype(dtype, copy=False)
