"""From scikit-learn style kernel arguments to a Kernel."""

from collections.abc import Callable
from typing import Any, Protocol, TypeAlias

from sklearn.gaussian_process.kernels import Kernel as GPKernel
from sklearn.utils import Tags

from ._base import KERNELS_BY_NAME, Kernel
from .pairwise import FunctionKernel, GPKernelAdapter

__all__ = [
    "is_precomputed",
    "kernel_from_params",
    "kernel_input_tags",
    "kernel_names",
    "make_kernel",
]

#: ``kernel=``: a name of :func:`make_kernel` (or "precomputed" where an estimator
#: takes it), a :class:`Kernel`, a Gaussian-process kernel, or a function of two
#: rows.
KernelLike: TypeAlias = str | Kernel | GPKernel | Callable[..., Any]


class KernelParameters(Protocol):
    """An estimator with scikit-learn's kernel parameters (``kernel_from_params``)."""

    kernel: KernelLike
    gamma: float | None
    degree: float | None
    coef0: float | None
    kernel_params: dict[str, Any] | None


def kernel_names() -> tuple[str, ...]:
    """The kernel names estimators accept, sorted (every registered Kernel's names)."""
    return tuple(sorted(KERNELS_BY_NAME))


def is_precomputed(kernel: KernelLike) -> bool:
    """Whether an estimator's ``kernel=`` says its X is a precomputed kernel matrix.

    Parameters
    ----------
    kernel : str, Kernel, Gaussian-process kernel or callable
        The estimator's ``kernel`` parameter.

    Returns
    -------
    precomputed : bool
        True for the string "precomputed" only (a kernel object or function never is).

    Examples
    --------
    >>> from skkernel.kernels import is_precomputed
    >>> is_precomputed("precomputed"), is_precomputed("rbf")
    (True, False)
    """
    return isinstance(kernel, str) and kernel == "precomputed"


def kernel_input_tags(tags: Tags, kernel: KernelLike, *, sparse: bool = True) -> Tags:
    """Set the input tags that follow from an estimator's ``kernel=``.

    A precomputed matrix is pairwise (so that scikit-learn's splitters cut it on
    both axes), and a kernel defined on non-negative features only (the
    chi-squared kernels, :attr:`Kernel.positive_only`) makes the input
    ``positive_only``. The kernel is not built: tags are read before an
    estimator's parameters are checked.

    Parameters
    ----------
    tags : sklearn.utils.Tags
        The estimator's tags, from ``super().__sklearn_tags__()``; changed in place.
    kernel : str, Kernel, callable or sklearn.gaussian_process.kernels.Kernel
        What the estimator's ``kernel=`` holds.
    sparse : bool, default=True
        Whether the estimator takes sparse input (densified where its
        scikit-learn twin takes it).

    Returns
    -------
    tags : sklearn.utils.Tags
        The same tags.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> from skkernel.kernels import kernel_input_tags
    >>> kernel_input_tags(BaseEstimator().__sklearn_tags__(), "chi2").input_tags.positive_only
    True
    """
    if isinstance(kernel, Kernel):
        positive_only = kernel.positive_only
    elif isinstance(kernel, str):
        positive_only = getattr(KERNELS_BY_NAME.get(kernel), "positive_only", False)
    else:
        positive_only = False
    tags.input_tags.pairwise = is_precomputed(kernel)
    tags.input_tags.sparse = sparse
    tags.input_tags.positive_only = positive_only
    return tags


def make_kernel(
    kernel: KernelLike = "rbf",
    *,
    gamma: float | None = None,
    degree: float = 3,
    coef0: float = 1,
    kernel_params: dict[str, Any] | None = None,
) -> Kernel:
    """Resolve scikit-learn style kernel parameters to a :class:`Kernel`.

    This is what an estimator with ``kernel=``, ``gamma=``, ``degree=``, ``coef0=`` and
    ``kernel_params=`` parameters calls, with sklearn's meaning for each.

    Parameters
    ----------
    kernel : str, Kernel, callable or sklearn.gaussian_process.kernels.Kernel, default="rbf"
        A name from :data:`KERNEL_NAMES` (every name that
        :func:`sklearn.metrics.pairwise.pairwise_kernels` accepts, meaning exactly what
        it means there, plus ``"matern"``, ``"nngp"`` and ``"ntk"``); a
        :class:`Kernel`, returned as is; a
        Gaussian-process kernel, wrapped in :class:`GPKernelAdapter`; or a function
        of two rows, wrapped in :class:`FunctionKernel` with ``kernel_params``.
    gamma : float, default=None
        Passed to the named kernels that take it (as sklearn's ``KERNEL_PARAMS``
        does) and ignored by the others.
    degree : float, default=3
        Passed to the named kernels that take it.
    coef0 : float, default=1
        Passed to the named kernels that take it.
    kernel_params : dict, default=None
        Extra parameters: for a function kernel, its keyword arguments; for a named
        kernel, parameters beyond the three above (``nu`` and ``length_scale`` of
        ``"matern"``).

    Returns
    -------
    kernel : Kernel
        The resolved kernel.

    Examples
    --------
    >>> from skkernel import make_kernel
    >>> make_kernel("poly", gamma=0.5, degree=2)
    Polynomial(degree=2, gamma=0.5)
    >>> make_kernel("matern", kernel_params={"nu": 2.5})
    Matern(nu=2.5)
    """
    if isinstance(kernel, Kernel):
        return kernel
    if isinstance(kernel, GPKernel):
        return GPKernelAdapter(kernel)
    if is_precomputed(kernel):
        raise ValueError(
            "kernel='precomputed' is not a kernel function: pass the kernel matrix "
            "to an estimator that supports kernel='precomputed' instead."
        )
    if isinstance(kernel, str):
        try:
            cls = KERNELS_BY_NAME[kernel]
        except KeyError:
            raise ValueError(
                f"Unknown kernel {kernel!r}. Known names: {', '.join(kernel_names())}; "
                "or pass a skkernel Kernel, a function of two rows, or a "
                "sklearn.gaussian_process kernel."
            ) from None
        offered = {"gamma": gamma, "degree": degree, "coef0": coef0, **(kernel_params or {})}
        accepted = cls._get_param_names()
        unknown = set(kernel_params or {}) - set(accepted)
        if unknown:
            raise ValueError(
                f"kernel_params {sorted(unknown)} are not parameters of the {kernel!r} "
                f"kernel, which takes {list(accepted) or 'none'}."
            )
        return cls(**{name: offered[name] for name in accepted if name in offered})
    if callable(kernel):
        return FunctionKernel(kernel, kernel_params=kernel_params)
    raise TypeError(
        f"kernel must be a string, a skkernel Kernel, a callable or a "
        f"sklearn.gaussian_process kernel; got {type(kernel).__name__}."
    )


def kernel_from_params(estimator: KernelParameters) -> Kernel:
    """The Kernel of an estimator with sklearn's kernel parameters.

    Reads ``kernel``, ``gamma``, ``degree``, ``coef0`` and ``kernel_params``; None for
    degree or coef0 (sklearn Nystroem's defaults) means the kernel's own default.

    Parameters
    ----------
    estimator : estimator
        Has the five attributes above.

    Returns
    -------
    kernel : Kernel
        The resolved kernel.

    Examples
    --------
    >>> from skkernel import KernelRidge
    >>> from skkernel.kernels import kernel_from_params
    >>> kernel_from_params(KernelRidge(kernel="poly", degree=2))
    Polynomial(degree=2)
    """
    degree, coef0 = estimator.degree, estimator.coef0
    return make_kernel(
        estimator.kernel,
        gamma=estimator.gamma,
        degree=3 if degree is None else degree,
        coef0=1 if coef0 is None else coef0,
        kernel_params=estimator.kernel_params,
    )
