"""KernelOperator: the lazy kernel matrix K(X, Y) every estimator computes with."""

from collections.abc import Iterator, Sequence
from typing import Any, Literal, TypeAlias

import numpy as np
from scipy.sparse.linalg import LinearOperator

from ._accel import Backend, resolve_backend, resolve_dense_backend, resolve_log_backend
from ._config import get_config
from ._memory import check_dense_fits
from ._typing import ArrayLike, BackendName, FloatArray, KernelLike, NDArray
from ._validation import check_kernel_inputs
from .kernels import FAMILIES, KernelSpec, make_kernel

__all__ = ["KernelOperator"]

#: Dense blocks from this size on are checked against the memory limits first. Smaller
#: ones are what blocked loops allocate by the thousand (within working_memory), and
#: reading the limits (/proc and cgroup files) costs about 0.3 ms.
_CHECKED_BLOCK_BYTES = 2**24

#: Which rows (or columns) of a block: a slice, indices or a boolean mask.
Index: TypeAlias = slice | ArrayLike


def _effective_request(backend):
    """The backend an operator asks for: its parameter, or for "auto" the thread's
    configured backend (:func:`skkernel.config_context`), itself "auto" by default."""
    return get_config()["backend"] if backend == "auto" else backend


class KernelOperator(LinearOperator):
    """The kernel matrix ``K(X, Y)`` as a lazy linear operator.

    Products ``K @ V`` and ``K.T @ W`` run on a backend (numba, KeOps, CuPy, Dask
    or blocked numpy) without forming the matrix. Being a
    :class:`scipy.sparse.linalg.LinearOperator`, it plugs into scipy's iterative
    solvers (``cg``, ``eigsh``, ``lobpcg``, ...). The data are handed to the backend
    once, when the operator is built (copied to the GPU, scattered to the cluster),
    so an iterative solver pays for the transfer once.

    Where an algorithm needs kernel values themselves (exact solvers, small Gram
    matrices), :meth:`to_dense`, :meth:`block` and :meth:`gram` build them on the
    backend that builds dense blocks fastest for the kernel (see
    :mod:`skkernel._accel`), or on the named backend.

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
    summation : {"auto", "direct"}, default="auto"
        How products are summed. "auto" lets the backend use an exact algorithm
        that does not evaluate all n x m kernel values where it has one and it is
        faster: today the numba backend's dominance sums (Langrené & Warin 2021)
        for the Laplacian kernel ``exp(-gamma ||x - y||_1)`` in one to three
        dimensions, O(N log N) in two. "direct" evaluates every kernel value (to
        time the difference, or to reproduce the summation order of direct sums).

    Attributes
    ----------
    kernel : Kernel
        The resolved kernel.
    X : ndarray of shape (n_samples_X, n_features)
        The validated rows.
    Y : ndarray of shape (n_samples_Y, n_features)
        The validated columns (``Y is X`` when Y was None).
    spec : KernelSpec
        What the backends evaluate: the kernel's family and resolved parameters.
    backend : str
        Name of the backend that runs the products.
    summation : str
        How products are summed ("auto" or "direct").
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
    >>> K.block([0], [1, 2]).round(4)
    array([[0.3679, 0.0183]])
    """

    def __init__(
        self,
        kernel: KernelLike,
        X: ArrayLike,
        Y: ArrayLike | None = None,
        backend: BackendName = "auto",
        summation: Literal["auto", "direct"] = "auto",
    ) -> None:
        if summation not in ("auto", "direct"):
            raise ValueError(f"summation must be 'auto' or 'direct'; got {summation!r}.")
        self.summation = summation
        self.kernel = make_kernel(kernel)
        self.X, self.Y = check_kernel_inputs(X, Y)
        self.spec = self.kernel.spec(self.X.shape[1])
        self._backend_param = backend
        self._requested = _effective_request(backend)
        self._backend = resolve_backend(self._requested, self.spec)
        self._center = self._distance_center(self.X)
        self._X = self._prepare(self._backend, self.X)
        self._Y = self._X if self.Y is self.X else self._prepare(self._backend, self.Y)
        self._dense: tuple[Backend, Any, Any] | None = None
        super().__init__(dtype=self.X.dtype, shape=(self.X.shape[0], self.Y.shape[0]))

    def __getstate__(self) -> dict[str, Any]:
        # The backend's prepared operands (and a cached dense block) are rebuilt from
        # X and Y on load: joblib does not keep arrays shared, so X, Y and their
        # prepared copies were saved four times, and a loaded K(X, X) lost `Y is X`
        # (its exact diagonal); a loaded memory map also reached KeOps as a memmap,
        # which it refuses. The backend is resolved again from the request: an "auto"
        # that ran on a GPU loads on a machine without one, and one that followed the
        # thread's configuration follows the loading thread's.
        dropped = ("_X", "_Y", "_dense", "_backend", "_requested")
        state = {k: v for k, v in self.__dict__.items() if k not in dropped}
        state["Y"] = None if self.Y is self.X else self.Y
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self.Y is None:
            self.Y = self.X
        # Operators saved before the parameter was kept carry their request instead.
        if "_backend_param" in state:
            self._requested = _effective_request(self._backend_param)
        self._backend = resolve_backend(self._requested, self.spec)
        self._X = self._prepare(self._backend, self.X)
        self._Y = self._X if self.Y is self.X else self._prepare(self._backend, self.Y)
        self._dense = None

    @property
    def backend(self) -> str:
        """Name of the backend that runs the products."""
        return self._backend.name

    def _distance_center(self, X: NDArray[Any]) -> NDArray[np.float64] | None:
        """The point a kernel of a distance moves the data to, or None.

        Distances do not change, but the expansion ``||x||^2 + ||y||^2 - 2 x.y`` that
        GEMM paths compute cancels the digits of data far from their spread (1e-4
        off in float64 on 5 features at 1e4 +- 0.01). Float64 data are moved to X's
        mean when it is farther from the origin than their spread: nearer, the
        subtraction would round more than the expansion cancels. Float32 data are
        not: their statistic is computed in float64 from the exact inputs, where a
        float32 subtraction would round them (and at 1e4 float32 holds an input to
        6e-4 anyway).
        """
        if X.dtype != np.float64 or not self.spec.closed_form:
            return None
        if self.spec.statistic == "dot":
            return None
        mean = X.mean(axis=0, dtype=np.float64)
        far = np.dot(mean, mean) > X.var(axis=0, dtype=np.float64).sum()
        return mean if far else None

    def _prepare(self, backend: Backend, A: NDArray[Any]) -> Any:
        """Rows of X or Y, centred for a kernel of a distance, put on ``backend``
        (a centre is only taken for float64 data, and X and Y share one dtype)."""
        if self._center is not None:
            A = A - self._center
        return backend.prepare(A, self.spec)

    def _check_out(self, out: FloatArray | None, shape: tuple[int, int]) -> FloatArray | None:
        """``out`` as the backends fill it, or a clear error: they write into it
        without bounds checks (numba), so a wrong shape would write past its end."""
        if out is None:
            return None
        ok = (
            isinstance(out, np.ndarray)
            and out.shape == shape
            and out.dtype == self.dtype
            and out.flags.c_contiguous
            and out.flags.writeable
        )
        if not ok:
            described = (
                f"{type(out).__name__} of shape {getattr(out, 'shape', None)} and dtype "
                f"{getattr(out, 'dtype', None)}"
            )
            raise ValueError(
                f"out must be a writeable C-contiguous ndarray of shape {shape} and dtype "
                f"{self.dtype}; got a {described}."
            )
        return out

    def _check_operand(self, V: ArrayLike) -> FloatArray:
        V = np.asarray(V)
        if not np.issubdtype(V.dtype, np.number) or np.iscomplexobj(V):
            raise TypeError(f"Kernel products need a real numeric array; got dtype {V.dtype}.")
        if not np.isfinite(V).all():
            raise ValueError("The array multiplied by the kernel matrix contains NaN or infinity.")
        # A float64 operand of a float32 operator stays float64 (and so does the
        # product, on the backends that accumulate in float64): iterative solvers on
        # float32 data need their iterates in full precision.
        dtype = np.result_type(self.dtype, V.dtype) if V.dtype.kind == "f" else self.dtype
        if dtype.itemsize > 8:  # long double: no backend computes in it
            dtype = np.dtype(np.float64)
        return np.ascontiguousarray(V, dtype=dtype)

    def _matmat(self, V: ArrayLike) -> FloatArray:
        return self._product(V, transposed=False)

    def _rmatmat(self, W: ArrayLike) -> FloatArray:
        return self._product(W, transposed=True)

    def _product(self, V: ArrayLike, *, transposed: bool) -> FloatArray:
        """``K V`` or ``K.T V``, by the backend's fast summation where it has one."""
        V = self._check_operand(V)
        if V.shape[1] == 0:  # not every backend takes an empty operand
            return np.zeros((self.shape[int(transposed)], 0), V.dtype)
        if self.summation == "auto":
            # Every kernel is symmetric: K(X, Y).T = K(Y, X).
            rows, cols = (self._Y, self._X) if transposed else (self._X, self._Y)
            out = self._backend.fast_matmat(self.spec, rows, cols, V)
            if out is not None:
                return out
        product = self._backend.rmatmat if transposed else self._backend.matmat
        return product(self.spec, self._X, self._Y, V)

    def _matvec(self, v: ArrayLike) -> FloatArray:
        return self._matmat(np.reshape(v, (-1, 1))).ravel()

    def _rmatvec(self, w: ArrayLike) -> FloatArray:
        return self._rmatmat(np.reshape(w, (-1, 1))).ravel()

    def _transpose(self) -> "KernelOperator":
        # Kernels are symmetric, k(x, y) = k(y, x): K(X, Y).T is K(Y, X).
        return KernelOperator(
            self.kernel, self.Y, self.X, backend=self.backend, summation=self.summation
        )

    _adjoint = _transpose

    def normal_matmat(self, V: ArrayLike, weights: ArrayLike | None = None) -> FloatArray:
        """``K.T @ diag(weights) @ K @ V`` in one pass over K where the backend can.

        The product Nystroem solvers iterate on (``K = K(X, centers)``): the numba,
        numpy and Dask backends compute each block of K once and use it twice; the
        others run two products.

        Parameters
        ----------
        V : array-like of shape (n_samples_Y, k) or (n_samples_Y,)
            The right-hand sides.
        weights : array-like of shape (n_samples_X,), default=None
            Non-negative weights of the rows of K (sample weights); ``None`` means
            ones.

        Returns
        -------
        W : ndarray of shape (n_samples_Y, k) or (n_samples_Y,)
            The product.
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
            if not np.isfinite(weights).all() or (weights < 0).any():
                raise ValueError("weights must be finite and non-negative.")
        if V.shape[1] == 0:
            return np.zeros((self.shape[1], 0) if not vector else (self.shape[1],), V.dtype)
        out = self._backend.normal_matmat(self.spec, self._X, self._Y, V, weights)
        return out.ravel() if vector else out

    def logsumexp(self, log_weights: ArrayLike) -> NDArray[np.float64]:
        """``log sum_j exp(log k(x_i, y_j) + log_weights[j])`` for every row, without underflow.

        The logarithm of a weighted kernel sum (a log-density, for example) when the
        kernel values themselves may underflow: far from all columns, a Gaussian
        kernel sum is 0 in floating point while its logarithm is an ordinary
        number. The reduction works on ``log k`` (the family's log form) and takes
        each row's largest term out of the sum, in float64 on every backend.

        Parameters
        ----------
        log_weights : array-like of shape (n_samples_Y,) or (n_samples_Y, k)
            Logarithms of non-negative weights; ``-inf`` stands for a zero weight.

        Returns
        -------
        out : ndarray of shape (n_samples_X,) or (n_samples_X, k)
            The logarithms, in float64; ``-inf`` where every term is zero (a
            compact kernel with no column in reach).

        Raises
        ------
        ValueError
            If the kernel has no log form (kernels that can be negative, kernels
            without a closed form), or the weights contain NaN or ``+inf``.
        """
        if not self.spec.has_log_form:
            with_log_form = sorted(
                name for name, family in FAMILIES.items() if family.log_values is not None
            )
            raise ValueError(
                f"The kernel {self.spec.name} has no logarithmic form, so it has no "
                "log-sum-exp reduction; the kernel families with one: "
                f"{', '.join(with_log_form)}."
            )
        backend = resolve_log_backend(self._backend, self.spec)
        log_weights = np.asarray(log_weights)
        if not np.issubdtype(log_weights.dtype, np.number) or np.iscomplexobj(log_weights):
            raise TypeError(f"log_weights must be real numbers; got dtype {log_weights.dtype}.")
        log_weights = log_weights.astype(np.float64)
        vector = log_weights.ndim == 1
        log_W = log_weights.reshape(log_weights.shape[0], -1)
        if log_W.shape[0] != self.shape[1] or log_weights.ndim > 2:
            raise ValueError(
                f"log_weights must have shape ({self.shape[1]},) or ({self.shape[1]}, k); "
                f"got {log_weights.shape}."
            )
        if np.isnan(log_W).any() or (log_W == np.inf).any():
            raise ValueError("log_weights contains NaN or +inf; -inf (a zero weight) is allowed.")
        if backend is self._backend:
            X, Y = self._X, self._Y
        else:
            X = self._prepare(backend, self.X)
            Y = X if self.Y is self.X else self._prepare(backend, self.Y)
        out = backend.logsumexp(self.spec, X, Y, log_W)
        return out.ravel() if vector else out

    def diag(self) -> FloatArray:
        """The main diagonal ``k(x_i, y_i)``, ``i < min(n_samples_X, n_samples_Y)``.

        Returns
        -------
        d : ndarray of shape (min(n_samples_X, n_samples_Y),)
            Exact: computed from the pairs of rows, not from distances that are zero
            only up to rounding.
        """
        k = min(self.shape)
        return np.asarray(self.spec.paired(self.X[:k], self.Y[:k]), dtype=self.dtype)

    def _dense_backend(self) -> tuple[Backend, Any, Any]:
        """The backend that builds dense blocks, with X and Y prepared for it."""
        if self._dense is None:
            backend = resolve_dense_backend(self._requested, self.spec, self.dtype)
            if backend is self._backend:
                self._dense = (backend, self._X, self._Y)
            else:
                X = self._prepare(backend, self.X)
                Y = X if self.Y is self.X else self._prepare(backend, self.Y)
                self._dense = (backend, X, Y)
        return self._dense

    def block(self, rows: Index, cols: Index, out: FloatArray | None = None) -> FloatArray:
        """Dense block ``K[rows][:, cols]``.

        Parameters
        ----------
        rows : slice or array of int or bool
            Which rows of X.
        cols : slice or array of int or bool
            Which rows of Y.
        out : ndarray, default=None
            C-contiguous array of the block's shape and the operator's dtype to fill
            and return (a caller building many blocks reuses one buffer).

        Returns
        -------
        K_block : ndarray of shape (n_rows, n_cols)
            In the operator's dtype.
        """
        whole = slice(None)
        X_rows = self.X if isinstance(rows, slice) and rows == whole else self.X[rows]
        Y_rows = self.Y if isinstance(cols, slice) and cols == whole else self.Y[cols]
        X_rows, Y_rows = np.atleast_2d(X_rows), np.atleast_2d(Y_rows)
        shape = (X_rows.shape[0], Y_rows.shape[0])
        out = self._check_out(out, shape)
        if not all(shape):  # an empty selection; not every backend takes one
            return np.empty(shape, self.dtype) if out is None else out
        if out is None and shape[0] * shape[1] * self.dtype.itemsize >= _CHECKED_BLOCK_BYTES:
            check_dense_fits(
                *shape,
                self.dtype,
                what="A dense kernel block",
                instead="Use fewer rows (or centers), or products with the lazy operator.",
            )
        backend, X, Y = self._dense_backend()
        if X_rows is not self.X:
            X = self._prepare(backend, X_rows)
        if Y_rows is not self.Y:
            Y = self._prepare(backend, Y_rows)
        return backend.dense(self.spec, X, Y, out)

    def to_dense(self, out: FloatArray | None = None) -> FloatArray:
        """The whole matrix as a dense array; only for matrices that fit in memory.

        Parameters
        ----------
        out : ndarray of shape (n_samples_X, n_samples_Y), default=None
            C-contiguous array in the operator's dtype to fill and return.

        Returns
        -------
        K : ndarray of shape (n_samples_X, n_samples_Y)
            In the operator's dtype.
        """
        return self.block(slice(None), slice(None), out)

    def path(
        self, **values: Sequence[int] | NDArray[np.integer]
    ) -> Iterator[tuple[dict[str, int], NDArray[np.float64]]]:
        """Dense matrices of the kernel at several values of its parameters, in one pass.

        The neural kernels (:class:`~skkernel.NTK`, :class:`~skkernel.NNGP`) compute
        the network of every depth on their way through the deepest one, and carry
        one partial sum of the NTK per number of fixed layers: every depth and number
        of fixed layers costs about what the deepest network costs. The pass runs on
        the backend that builds dense blocks (numba on the CPU, CuPy on a GPU),
        in float64. Memory: ``len(fixed_layers) + 3`` blocks of n x m float64 values
        held through the pass, and the matrix yielded.

        Parameters
        ----------
        **values : iterable of int
            Values of the kernel's path parameters (``depth``, and ``fixed_layers``
            for the NTK); a parameter not given keeps the kernel's value.

        Returns
        -------
        matrices : generator of (dict, ndarray)
            ``(params, K)`` in increasing order of the values (depth first);
            ``K`` of shape (n_samples_X, n_samples_Y), float64, a new array each
            time, equal to ``to_dense()`` of the kernel with ``params`` set (Gram
            matrices with their exact diagonal). Combinations the kernel does not
            define (``fixed_layers`` above ``depth``) are left out.

        Raises
        ------
        ValueError
            If the kernel has no path, or a name or value is not one of its path's.

        Examples
        --------
        >>> import numpy as np
        >>> from skkernel import NTK, KernelOperator
        >>> X = np.random.default_rng(0).normal(size=(5, 3))
        >>> K = KernelOperator(NTK(), X)
        >>> [params for params, _ in K.path(depth=[1, 2], fixed_layers=[0, 2])]
        [{'depth': 1, 'fixed_layers': 0}, {'depth': 2, 'fixed_layers': 0}, \
{'depth': 2, 'fixed_layers': 2}]
        """
        family = self.spec.family
        names = () if family is None or family.path is None else family.path_params
        if not names:
            raise ValueError(
                f"The kernel {self.spec.name} has no path; build one matrix per parameter "
                "value instead (KernelOperator(...).gram())."
            )
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ValueError(
                f"{unknown} cannot vary along the path of {self.spec.name}, whose path "
                f"parameters are {list(names)}."
            )
        resolved = {}
        for name in names:
            given = values.get(name, [self.spec.params[name]])
            numbers = sorted({int(v) for v in np.atleast_1d(given)})
            if not numbers or numbers[0] < 0 or any(v != int(v) for v in np.atleast_1d(given)):
                raise ValueError(f"{name} must be non-negative integers; got {given!r}.")
            resolved[name] = numbers
        # The deepest network must be a valid kernel (fixed_layers=0 is always one).
        deepest = {**self.spec.params, "depth": float(resolved["depth"][-1])}
        if "fixed_layers" in deepest:
            deepest["fixed_layers"] = 0.0
        spec = KernelSpec(family, deepest, None, None, self.spec.name)
        n_blocks = len(resolved.get("fixed_layers", ())) + 3
        check_dense_fits(
            self.shape[0],
            self.shape[1] * n_blocks,
            np.float64,
            what=f"A kernel path holding {n_blocks} blocks",
            instead="Ask for fewer values at a time, or pass fewer samples.",
        )
        return self._path(spec, resolved)

    def _path(
        self, spec: KernelSpec, values: dict[str, list[int]]
    ) -> Iterator[tuple[dict[str, int], NDArray[np.float64]]]:
        backend = resolve_dense_backend(self._requested, spec, np.dtype(np.float64))
        X64 = self.X.astype(np.float64, copy=False)
        Y64 = X64 if self.Y is self.X else self.Y.astype(np.float64, copy=False)
        X = backend.prepare(X64, spec)
        Y = X if Y64 is X64 else backend.prepare(Y64, spec)
        for params, K in backend.dense_path(spec, X, Y, values):
            if self.Y is self.X:
                exact = {**spec.params, **{k: float(v) for k, v in params.items()}}
                paired = KernelSpec(spec.family, exact, None, None).dense_paired(X64, X64)
                np.fill_diagonal(K, paired)
            yield params, K

    def gram(
        self, row_scale: NDArray[np.floating] | None = None, out: FloatArray | None = None
    ) -> FloatArray:
        """The Gram matrix ``K(X, X)`` with its exact diagonal, optionally scaled.

        For kernels of a distance, the diagonal comes from :meth:`diag`: a block of
        rows against all of X computes ``k(x_i, x_i)`` through distances that are
        zero only up to rounding; so does it for the neural-network kernels, whose
        angle between x_i and itself is. The other dot-product kernels keep the
        diagonal of their block (the same dot products either way).

        Parameters
        ----------
        row_scale : ndarray of shape (n_samples_X,), default=None
            If given, returns ``diag(s) K diag(s)`` (``s``: square roots of sample
            weights), scaled in place: no second n x n array.
        out : ndarray of shape (n_samples_X, n_samples_X), default=None
            C-contiguous array in the operator's dtype to fill and return.

        Returns
        -------
        K : ndarray of shape (n_samples_X, n_samples_X)
            C-contiguous, in the operator's dtype.
        """
        if self.Y is not self.X:
            raise ValueError("gram() is the matrix K(X, X); build the operator with Y=None.")
        if row_scale is not None and np.shape(row_scale) != (self.shape[0],):
            raise ValueError(
                f"row_scale must have shape ({self.shape[0]},); got {np.shape(row_scale)}."
            )
        K = self.to_dense(out)
        if row_scale is not None:
            K *= row_scale[:, None]
            K *= row_scale[None, :]
        if self.spec.closed_form and self.spec.family.paired_diagonal:
            diag = self.diag()
            np.fill_diagonal(K, diag if row_scale is None else diag * row_scale**2)
        return K
