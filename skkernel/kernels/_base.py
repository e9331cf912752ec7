"""The Kernel base class: what ``k(x, y)`` is, and what a backend may ask of it."""

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator

from .._docs import fill_doc
from .._validation import check_kernel_input, check_kernel_inputs
from ._registry import FamilyParams, KernelSpec

__all__ = ["Kernel", "KERNELS_BY_NAME"]

#: Kernel name (as estimators take it, ``kernel="rbf"``) -> Kernel class; filled by
#: the subclasses that declare ``names``.
KERNELS_BY_NAME: dict[str, type["Kernel"]] = {}


class _Repr:
    """``repr(kernel)``, made when a message first needs it: scikit-learn's
    pretty-printed repr costs about half a millisecond, and every operator (kernel
    thinning makes dozens per fit) builds a spec, whose name only errors show."""

    __slots__ = ("_kernel", "_text")

    def __init__(self, kernel):
        self._kernel = kernel
        self._text = None

    def __str__(self):
        if self._text is None:
            self._text = repr(self._kernel)
        return self._text

    def __format__(self, format_spec):
        return format(str(self), format_spec)

    __repr__ = __str__


@fill_doc
class Kernel(BaseEstimator):
    """Base class of skkernel kernels.

    A kernel is a scikit-learn estimator as far as parameters go (``get_params``,
    ``set_params``, ``clone``, ``kernel__gamma`` in a grid). Subclasses implement
    :meth:`compute`, the dense numpy reference; kernels with a closed form that the
    accelerated backends run also implement :meth:`family_params`, naming their
    entry in the kernel-family registry and its resolved parameters.

    Attributes
    ----------
    names : tuple of str
        Class attribute: the names under which estimators accept the kernel
        (``kernel="rbf"``).
    positive_definite : bool
        Class attribute: whether every Gram matrix of the kernel is positive
        semi-definite.
    positive_only : bool
        Class attribute: whether the kernel is defined on non-negative features
        only (the chi-squared kernels); estimators with it say so in their
        ``input_tags.positive_only``.
    reference_copies : int
        Class attribute, for kernels without a closed form: how many float64 arrays
        the size of its block :meth:`compute` holds at its peak (blocks are sized so
        that they fit in ``working_memory``).

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import RBF
    >>> k = RBF(gamma=0.5)
    >>> k(np.zeros((1, 2)), np.ones((1, 2))).round(4)
    array([[0.3679]])
    >>> k.spec(n_features=2).params["gamma"]
    0.5
    """

    names: tuple[str, ...] = ()
    positive_definite = True
    positive_only = False
    # scikit-learn's pairwise functions hold two or three n x m arrays.
    reference_copies = 3
    # scikit-learn's parameter validation; a kernel without parameters needs none.
    _parameter_constraints: dict[str, list[Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.__dict__.get("names", ()):
            KERNELS_BY_NAME[name] = cls
        # Overrides of the documented hooks keep the base class's documentation.
        for hook in ("compute", "compute_paired", "family_params"):
            method = cls.__dict__.get(hook)
            if method is not None and not method.__doc__:
                method.__doc__ = getattr(Kernel, hook).__doc__

    def __call__(self, X: ArrayLike, Y: ArrayLike | None = None) -> NDArray[np.floating]:
        """Dense kernel matrix K(X, Y) (numpy reference implementation).

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_features)
            Rows of K.
        Y : array-like of shape (n_samples_Y, n_features), default=None
            Columns of K; ``None`` means ``Y = X``.

        Returns
        -------
        K : ndarray of shape (n_samples_X, n_samples_Y)
            In the dtype of the inputs (float32 or float64).
        """
        self._validate_params()
        X, Y = check_kernel_inputs(X, Y)
        return self.compute(X, Y).astype(X.dtype, copy=False)

    def diag(self, X: ArrayLike) -> NDArray[np.floating]:
        """Diagonal of K(X, X), without forming the matrix.

        Parameters
        ----------
        {predict_X}

        Returns
        -------
        d : ndarray of shape (n_samples,)
            ``k(x_i, x_i)``, in X's dtype.
        """
        self._validate_params()
        X = check_kernel_input(X)
        return self.compute_paired(X, X)

    def spec(self, n_features: int) -> KernelSpec:
        """What backends evaluate: the kernel's family, resolved numbers and reference code.

        Parameters
        ----------
        n_features : int
            Number of features of the data (resolves ``gamma=None``).

        Returns
        -------
        spec : KernelSpec
            Its ``family`` is None for kernels without a closed form, which only the
            numpy backend runs.
        """
        self._validate_params()
        resolved = self.family_params(n_features)
        family, params = resolved if resolved is not None else (None, {})
        return KernelSpec(
            family,
            params,
            self.compute,
            self.compute_paired,
            _Repr(self),
            reference_copies=self.reference_copies,
        )

    def family_params(self, n_features: int) -> FamilyParams | None:
        """The kernel's registry family and its resolved parameters, or None.

        Parameters
        ----------
        n_features : int
            Number of features of the data.

        Returns
        -------
        family_and_params : tuple of (KernelFamily, dict) or None
            None for kernels without a closed form (the default).
        """
        return None

    def compute(self, X: NDArray[np.floating], Y: NDArray[np.floating]) -> NDArray[Any]:
        """Dense block K(X, Y) of validated inputs: the numpy reference.

        This is the block computation backends call (the numpy backend fills its row
        blocks with it; it is the only code for kernels without a closed form). No
        input checks: X and Y are 2-D float arrays of one dtype with the same number
        of features.

        Parameters
        ----------
        X : ndarray of shape (n_samples_X, n_features)
            Rows of the block.
        Y : ndarray of shape (n_samples_Y, n_features)
            Columns of the block.

        Returns
        -------
        K : ndarray of shape (n_samples_X, n_samples_Y)
            Kernel values (the caller casts them to X's dtype).
        """
        raise NotImplementedError  # pragma: no cover

    def compute_paired(
        self, X: NDArray[np.floating], Y: NDArray[np.floating]
    ) -> NDArray[np.floating]:
        """``k(x_i, y_i)`` for every row i of two validated inputs of one shape.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            First rows.
        Y : ndarray of shape (n_samples, n_features)
            Second rows.

        Returns
        -------
        values : ndarray of shape (n_samples,)
            In X's dtype. From the closed form where there is one, else one
            :meth:`compute` call per row.
        """
        resolved = self.family_params(X.shape[1])
        if resolved is not None:
            family, params = resolved
            return KernelSpec(family, params, None, None).dense_paired(X, Y)
        out = np.empty(X.shape[0], dtype=X.dtype)
        for i in range(X.shape[0]):
            out[i] = self.compute(X[i : i + 1], Y[i : i + 1])[0, 0]
        return out
