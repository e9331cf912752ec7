"""KernelOperator: the lazy kernel matrix K(X, Y) every estimator computes with."""

import numpy as np
from scipy.sparse.linalg import LinearOperator

from ._accel import resolve_backend
from ._config import get_config
from ._validation import check_kernel_inputs
from .kernels import make_kernel


class KernelOperator(LinearOperator):
    """The kernel matrix ``K(X, Y)`` as a lazy linear operator.

    Products ``K @ V`` and ``K.T @ W`` run on a backend (numba, KeOps, CuPy, Dask
    or blocked numpy) without forming the matrix. Being a
    :class:`scipy.sparse.linalg.LinearOperator`, it plugs into scipy's iterative
    solvers (``cg``, ``eigsh``, ``lobpcg``, ...). The data are handed to the backend
    once, when the operator is built (copied to the GPU, scattered to the cluster),
    so an iterative solver pays for the transfer once.

    Parameters
    ----------
    kernel : str, Kernel, callable or sklearn.gaussian_process kernel
        Anything :func:`skkernel.make_kernel` accepts; a name uses that kernel's
        default parameters.
    X : array-like of shape (n_samples_X, n_features)
        Rows of K. Float32 and float64 are kept; other numeric dtypes become float64.
    Y : array-like of shape (n_samples_Y, n_features), default=None
        Columns of K; ``None`` means ``Y = X``.
    backend : str, default="auto"
        "auto", "numpy", "numba", "keops", "cupy" or "dask". "auto" follows
        ``skkernel.get_config()["backend"]``, and when that is "auto" too, picks
        CuPy, numba or numpy (see :mod:`skkernel._accel`).

    Attributes
    ----------
    kernel : Kernel
        The resolved kernel.
    X, Y : ndarray
        The validated inputs (``Y is X`` when Y was None).
    backend : str
        Name of the backend that runs the products.
    shape : tuple
        ``(n_samples_X, n_samples_Y)``.
    dtype : numpy.dtype
        float32 or float64, from the inputs.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel import KernelOperator
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> K = KernelOperator("rbf", X, backend="numpy")
    >>> (K @ np.ones(3)).round(4)
    array([1.3862, 1.7358, 1.3862])
    >>> K.diag()
    array([1., 1., 1.])
    """

    def __init__(self, kernel, X, Y=None, backend="auto"):
        self.kernel = make_kernel(kernel)
        self.X, self.Y = check_kernel_inputs(X, Y)
        self._spec = self.kernel.accel_spec(self.X.shape[1])
        name = get_config()["backend"] if backend == "auto" else backend
        self._backend = resolve_backend(name, self._spec)
        self._X = self._backend.prepare(self.X, self._spec)
        self._Y = self._X if self.Y is self.X else self._backend.prepare(self.Y, self._spec)
        super().__init__(dtype=self.X.dtype, shape=(self.X.shape[0], self.Y.shape[0]))

    @property
    def backend(self):
        return self._backend.name

    def _check_operand(self, V):
        V = np.asarray(V)
        if not np.issubdtype(V.dtype, np.number) or np.iscomplexobj(V):
            raise TypeError(f"Kernel products need a real numeric array; got dtype {V.dtype}.")
        if not np.isfinite(V).all():
            raise ValueError("The array multiplied by the kernel matrix contains NaN or infinity.")
        return np.ascontiguousarray(V, dtype=self.dtype)

    def _matmat(self, V):
        V = self._check_operand(V)
        return self._backend.matmat(self.kernel, self._spec, self._X, self._Y, V)

    def _rmatmat(self, W):
        W = self._check_operand(W)
        return self._backend.rmatmat(self.kernel, self._spec, self._X, self._Y, W)

    def _matvec(self, v):
        return self._matmat(np.reshape(v, (-1, 1))).ravel()

    def _rmatvec(self, w):
        return self._rmatmat(np.reshape(w, (-1, 1))).ravel()

    def _transpose(self):
        # Kernels are symmetric, k(x, y) = k(y, x): K(X, Y).T is K(Y, X).
        return KernelOperator(self.kernel, self.Y, self.X, backend=self.backend)

    _adjoint = _transpose

    def normal_matmat(self, V, weights=None):
        """``K.T @ diag(weights) @ K @ V`` in one pass over K where the backend can.

        The product Nystroem solvers iterate on (``K = K(X, centers)``): the numba,
        numpy and Dask backends compute each block of K once and use it twice; the
        others run two products.

        Parameters
        ----------
        V : array-like of shape (n_samples_Y, k) or (n_samples_Y,)
        weights : array-like of shape (n_samples_X,), default=None
            Weights of the rows of K (sample weights); ``None`` means ones.

        Returns
        -------
        W : ndarray of shape (n_samples_Y, k) or (n_samples_Y,)
        """
        V = self._check_operand(V)
        vector = V.ndim == 1
        V = V.reshape(V.shape[0], -1)
        if V.shape[0] != self.shape[1]:
            raise ValueError(
                f"V has {V.shape[0]} rows; the kernel matrix has {self.shape[1]} columns."
            )
        if weights is not None:
            weights = np.asarray(weights, dtype=np.float64)
            if weights.shape != (self.shape[0],):
                raise ValueError(
                    f"weights must have shape ({self.shape[0]},); got {weights.shape}."
                )
        out = self._backend.normal_matmat(self.kernel, self._spec, self._X, self._Y, V, weights)
        return out.ravel() if vector else out

    def diag(self):
        """The main diagonal ``k(x_i, y_i)``, ``i < min(n_samples_X, n_samples_Y)``.

        Returns
        -------
        d : ndarray of shape (min(n_samples_X, n_samples_Y),)
        """
        k = min(self.shape)
        return self.kernel._paired(self.X[:k], self.Y[:k]).astype(self.dtype, copy=False)

    def block(self, rows, cols):
        """Dense block ``K[rows][:, cols]`` (numpy reference).

        Parameters
        ----------
        rows, cols : slice or array of int or bool
            Which rows of X and which rows of Y.

        Returns
        -------
        K_block : ndarray of shape (n_rows, n_cols)
        """
        X_rows = self.X[rows]
        Y_rows = self.Y[cols]
        return self.kernel._compute(np.atleast_2d(X_rows), np.atleast_2d(Y_rows)).astype(
            self.dtype, copy=False
        )

    def to_dense(self):
        """The whole matrix as a dense array; only for matrices that fit in memory."""
        return self.block(slice(None), slice(None))
