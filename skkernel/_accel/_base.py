"""The small interface every backend implements."""

import numpy as np
from sklearn.utils._chunking import get_chunk_n_rows


def row_block_size(n_rows, n_cols, itemsize, n_temporaries=2):
    """Rows per block so that ``n_temporaries`` blocks of ``n_cols`` values fit in
    scikit-learn's ``working_memory``."""
    return get_chunk_n_rows(row_bytes=n_temporaries * n_cols * itemsize, max_n_rows=n_rows)


def logsumexp_columns(L, log_W, xp):
    """``log sum_j exp(L[i, j] + log_W[j, c])`` of a block L of log kernel values.

    The maximum of each row of ``L + log_W[:, c]`` is taken out before the
    exponentials (the log-sum-exp trick); rows of -inf stay -inf."""
    out = xp.empty((L.shape[0], log_W.shape[1]), dtype=np.float64)
    for c in range(log_W.shape[1]):
        A = L + log_W[:, c][None, :]
        top = A.max(axis=1)
        finite = xp.isfinite(top)
        shift = xp.where(finite, top, 0.0)
        A -= shift[:, None]
        with np.errstate(divide="ignore"):
            out[:, c] = xp.where(finite, shift + xp.log(xp.exp(A).sum(axis=1)), -xp.inf)
    return out


# Reference dense blocks: a few hundred rows keep BLAS efficient; the cap keeps the
# temporaries small next to the result even when working_memory would allow more.
_MAX_REFERENCE_BLOCK_ROWS = 256


class Backend:
    """A way to run kernel-matrix products and build dense kernel blocks.

    A backend turns inputs into a *handle* once (``prepare``: copy to the GPU, scatter
    to a cluster, precompute row norms) and then runs any number of products on the
    handles, so an iterative solver pays for the transfer once. Kernels reach a
    backend as a :class:`~skkernel.kernels.KernelSpec`: a registry family with
    resolved numbers (``spec.family``, ``spec.params``), and the reference block
    function ``spec.block`` that kernels without a closed form only have.

    Subclasses set ``name`` and ``install_hint`` and implement ``available``,
    ``prepare`` and ``matmat``; ``supports``, ``rmatmat``, ``normal_matmat``,
    ``dense``, ``logsumexp`` and ``fast_matmat`` have defaults.
    """

    name = ""
    #: What to do to make the backend available (shown when it is not).
    install_hint = ""
    #: Whether a request that names this backend builds its dense blocks on it
    #: (numba's fused pass, blocks built on the GPU or the cluster, numpy's
    #: reference); False: the auto dense rule picks (KeOps, which only reduces).
    native_dense = False

    def available(self):
        """None when the backend can run here, else the reason it cannot."""
        raise NotImplementedError

    def supports(self, spec):
        """Whether the backend can evaluate a kernel: by default, those with a
        closed form (a registry family)."""
        return spec.closed_form

    def supports_log(self, spec):
        """Whether the backend runs log-sum-exp reductions of a kernel: by default,
        those of every family with a log form."""
        return spec.has_log_form

    def families(self):
        """Names of the kernel families the backend runs, for messages; None: all."""
        return None

    def dense_is_fast(self, spec, dtype):
        """Whether the backend builds dense blocks faster than the numpy reference
        (consulted by the dense auto-choice only)."""
        return False

    def prepare(self, X, spec):
        """Put a validated float32/float64 array where the products will run."""
        raise NotImplementedError

    def host(self, X):
        """The host numpy array a prepared handle holds."""
        return X

    def matmat(self, spec, X, Y, V):
        """Return K(X, Y) @ V for prepared X, Y and a 2-D array V (host or device)."""
        raise NotImplementedError

    def rmatmat(self, spec, X, Y, W):
        """Return K(X, Y).T @ W. Every kernel here is symmetric, k(x, y) = k(y, x),
        so this is K(Y, X) @ W."""
        return self.matmat(spec, Y, X, W)

    def normal_matmat(self, spec, X, Y, V, weights=None):
        """Return ``K(X, Y).T @ diag(weights) @ K(X, Y) @ V`` (weights of the rows of X).

        The product of Nystroem solvers (Falkon) with m = Y.shape[0] centers. This
        default runs two products, so every kernel value is computed twice; backends
        that can keep a block of K while they use it twice override it.
        """
        U = self.matmat(spec, X, Y, V)
        if weights is not None:
            U = U * weights[:, None]
        return self.rmatmat(spec, X, Y, U)

    def fast_matmat(self, spec, X, Y, V):
        """``K(X, Y) @ V`` by an exact algorithm that does not evaluate every kernel
        value, or None where the backend has none for this kernel, dimension and
        size (the caller then runs ``matmat``). None by default."""
        return None

    def logsumexp(self, spec, X, Y, log_W):
        """``log sum_j exp(log k(x_i, y_j) + log_W[j, c])`` for every row i and column c.

        The reduction of log-densities: no kernel value is exponentiated on its own,
        so rows whose kernel values all underflow still get their true logarithm.
        This default works on the host, a block of rows of ``log K`` at a time (the
        family's log form), with the maximum of each row taken out of the sum.

        Parameters
        ----------
        spec : KernelSpec
            A kernel with a log form (``spec.has_log_form``).
        X, Y : prepared handles
            Rows and columns of K.
        log_W : ndarray of shape (n_samples_Y, k)
            float64 log weights (``-inf`` for zero weights).

        Returns
        -------
        out : ndarray of shape (n_samples_X, k)
            float64; ``-inf`` where every term is zero.
        """
        X, Y = self.host(X), self.host(Y)
        out = np.empty((X.shape[0], log_W.shape[1]), dtype=np.float64)
        # The peak holds up to six blocks' worth (kernels of the distance itself, as
        # Matern's, take its square root beside the squares; then log K, its shifted
        # copy and exp of it): eight leaves a margin for numpy's own temporaries.
        step = row_block_size(X.shape[0], Y.shape[0], 8, n_temporaries=8)
        for start in range(0, X.shape[0], step):
            rows = slice(start, start + step)
            out[rows] = logsumexp_columns(spec.log_dense(X[rows], Y), log_W, np)
        return out

    def dense_path(self, spec, X, Y, values):
        """Dense blocks K(X, Y) of the family at several values of its path
        parameters, from one pass: ``(params, K)`` pairs, each K a new float64 host
        array.

        This default runs the family's numpy closed form (``KernelSpec.dense_path``)
        on the host arrays.
        """
        yield from spec.dense_path(self.host(X), self.host(Y), values)

    def dense(self, spec, X, Y, out=None):
        """The dense n x m block K(X, Y) on the host, in X's dtype, written into
        ``out`` (a C-contiguous n x m array) if given.

        This default runs the kernel's reference code (``spec.block``). A Gram matrix
        (X is Y) whose computation fits in ``working_memory`` is one call, so its
        values are those of scikit-learn's pairwise functions on the same data,
        exact self-similarities included; larger blocks are filled a few hundred
        rows at a time (whole-matrix pairwise code holds two or three n x m
        temporaries, this one block of them).
        """
        X, Y = self.host(X), self.host(Y)
        K = np.empty((X.shape[0], Y.shape[0]), dtype=X.dtype) if out is None else out
        step = row_block_size(X.shape[0], Y.shape[0], 8, spec.block_copies)
        if X is Y and step >= X.shape[0]:
            K[...] = spec.block(X, X)
            return K
        step = min(step, _MAX_REFERENCE_BLOCK_ROWS)
        for start in range(0, X.shape[0], step):
            K[start : start + step] = spec.block(X[start : start + step], Y)
        return K
