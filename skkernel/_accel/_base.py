"""The small interface every backend implements."""


class Backend:
    """A way to run kernel-matrix products.

    A backend turns inputs into a *handle* once (``prepare``: copy to the GPU, scatter
    to a cluster, precompute row norms) and then runs any number of products on the
    handles, so an iterative solver pays for the transfer once.

    Subclasses set ``name`` and ``install_hint`` and implement ``available``,
    ``prepare`` and ``matmat``; ``supports`` and ``rmatmat`` have defaults.
    """

    name = ""
    #: What to do to make the backend available (shown when it is not).
    install_hint = ""

    def available(self):
        """None when the backend can run here, else the reason it cannot."""
        raise NotImplementedError

    def supports(self, spec):
        """Whether the backend can evaluate a kernel; ``spec`` is None for kernels
        without an accelerated form (callables, GP kernels, chi2)."""
        return spec is not None

    def prepare(self, X, spec):
        """Put a validated float32/float64 array where the products will run."""
        raise NotImplementedError

    def matmat(self, kernel, spec, X, Y, V):
        """Return K(X, Y) @ V for prepared X, Y and a 2-D array V (host or device)."""
        raise NotImplementedError

    def rmatmat(self, kernel, spec, X, Y, W):
        """Return K(X, Y).T @ W. Every kernel here is symmetric, k(x, y) = k(y, x),
        so this is K(Y, X) @ W."""
        return self.matmat(kernel, spec, Y, X, W)

    def normal_matmat(self, kernel, spec, X, Y, V, weights=None):
        """Return ``K(X, Y).T @ diag(weights) @ K(X, Y) @ V`` (weights of the rows of X).

        The product of Nystroem solvers (Falkon) with m = Y.shape[0] centers. This
        default runs two products, so every kernel value is computed twice; backends
        that can keep a block of K while they use it twice override it.
        """
        U = self.matmat(kernel, spec, X, Y, V)
        if weights is not None:
            U = U * weights[:, None]
        return self.rmatmat(kernel, spec, X, Y, U)
