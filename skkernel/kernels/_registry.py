"""The kernel-family registry and the specs backends evaluate.

A *family* is a kernel with a closed form that backends can evaluate without
calling back into Python: one pairwise statistic of two rows (squared or plain
Euclidean distance, L1 distance or dot product), turned into kernel values by a
formula with named numeric parameters. :class:`KernelFamily` holds what every
backend needs to know of a family; ``FAMILIES`` is the registry, filled by
:func:`register_family` from the modules that define the kernel classes.

A :class:`KernelSpec` is what a :class:`~skkernel.kernels.Kernel` hands to the
backends: its family (None for kernels without a closed form), the resolved
numbers (``gamma=None`` already turned into ``1 / n_features``), and the reference
functions for a dense block and for paired rows, which the numpy backend and the
kernels without a closed form run. Backends see specs, never Kernel objects.

The closed forms take the array module ``xp`` (numpy or cupy), so the CuPy backend
and the numpy helpers share one definition and GPU formulas are tested on the CPU
by running them with numpy.

Adding a family: register a :class:`KernelFamily` next to its Kernel class, with
its numpy/cupy formula; add its numba formula to
``skkernel/_accel/_numba_formulas.py`` and its KeOps formula to
``skkernel/_accel/_keops.py`` for those backends to run it (a backend without a
formula says so, and "auto" passes it by).
"""

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal, TypeAlias, get_args

import numpy as np
from numpy.typing import NDArray

from .._docs import fill_doc

__all__ = [
    "FAMILIES",
    "STATISTICS",
    "KernelFamily",
    "KernelSpec",
    "register_family",
]

#: A pairwise statistic a family can be a function of.
Statistic: TypeAlias = Literal["sqeuclidean", "euclidean", "l1", "dot"]
#: The pairwise statistics a family can be a function of.
STATISTICS: tuple[str, ...] = get_args(Statistic)

#: A numpy or CuPy array (of the array module ``xp`` a closed form is given).
XPArray: TypeAlias = Any
#: ``values(S, p, xp, rows, cols)`` and ``log_values``: kernel values from a block
#: (or a vector of pairs) of the statistic.
ValuesFunction: TypeAlias = Callable[
    [XPArray, dict[str, float], ModuleType, "RowNorms | None", "RowNorms | None"], XPArray
]
#: ``block(X, Y)`` and ``paired(X, Y)`` of a spec: the numpy reference on validated
#: float arrays.
BlockFunction: TypeAlias = Callable[[NDArray[Any], NDArray[Any]], NDArray[Any]]
#: ``path(S, p, xp, rows, cols, values)``: ``(params, K)`` along a family's path.
PathFunction: TypeAlias = Callable[
    [XPArray, dict[str, float], ModuleType, "RowNorms", "RowNorms", dict[str, list[int]]],
    Iterator[tuple[dict[str, int], XPArray]],
]

# Direct differences need an (rows, m, d) temporary; keep it this many elements at most.
_MAX_DIFF_ELEMENTS = 2**22


@dataclass(frozen=True)
class KernelFamily:
    """A family of kernels with a closed form, as every backend sees it.

    Parameters
    ----------
    name : str
        Registry key, as in ``KernelSpec.family.name`` and the backends' formula
        tables.
    statistic : {"sqeuclidean", "euclidean", "l1", "dot"}
        The pairwise statistic the kernel is a function of. Squared distances and
        dot products come from a GEMM; distances whose accuracy matters near zero
        (Euclidean, L1) from direct differences.
    params : tuple of str
        Names of the numeric parameters, in the order numba and KeOps read them.
    values : callable
        ``values(S, p, xp, rows, cols)``: kernel values of a block (or a vector of
        paired values) of the statistic ``S``, which it may overwrite; ``p`` maps
        parameter names to numbers, ``rows`` and ``cols`` are the
        :class:`RowNorms` of the two inputs (read by the families that need
        ``||x||``: cosine, neural kernels).
    check : callable, default=None
        ``check(p)`` raises ValueError for parameter values the formula does not
        cover.
    log_values : callable, default=None
        ``log_values(S, p, xp, rows, cols)``: the natural logarithm of the kernel
        values, for families whose values are non-negative, with ``-inf`` where the
        kernel is zero. Written from the statistic, not as ``log(values(...))``,
        where the values underflow (``exp(-gamma s)`` is 0 beyond ``gamma s ~ 745``,
        its logarithm is ``-gamma s``). Families with one support log-sum-exp
        reductions (:meth:`skkernel.KernelOperator.logsumexp`); None: they do not.
    paired_diagonal : bool, default=None
        Whether Gram matrices take their diagonal from the paired kernel rather than
        from their block: the distance families (whose self-distances are zero only
        up to rounding) and the angular ones (whose angle between x and itself is).
        None means: for every statistic but the dot product.
    path_params : tuple of str, default=()
        Parameters whose values :meth:`skkernel.KernelOperator.path` varies in one
        pass (the neural kernels' depth and fixed layers).
    path : callable, default=None
        ``path(S, p, xp, rows, cols, values)``: the numpy/CuPy closed form of the
        path, yielding ``(params, K)`` for every combination of the values (a dict
        of ``path_params`` names to sorted lists) that the family defines, from the
        statistic ``S`` (overwritten) and the parameters ``p``.
    block_copies : int, default=2
        How many float64 arrays the size of a block ``values`` holds at its peak,
        the statistic included: the numpy and CuPy backends size their blocks by it,
        so that one block's computation stays within ``working_memory``.

    Examples
    --------
    >>> from skkernel.kernels import FAMILIES
    >>> FAMILIES["rbf"]
    KernelFamily(name='rbf', statistic='sqeuclidean', params=('gamma',))
    """

    name: str
    statistic: Statistic
    params: tuple[str, ...]
    values: ValuesFunction = field(repr=False)
    check: Callable[[dict[str, float]], None] | None = field(default=None, repr=False)
    log_values: ValuesFunction | None = field(default=None, repr=False)
    paired_diagonal: bool | None = field(default=None, repr=False)
    path_params: tuple[str, ...] = field(default=(), repr=False)
    path: PathFunction | None = field(default=None, repr=False)
    block_copies: int = field(default=2, repr=False)

    def __post_init__(self) -> None:
        if self.statistic not in STATISTICS:
            raise ValueError(
                f"Family {self.name!r}: statistic must be one of {STATISTICS}; "
                f"got {self.statistic!r}."
            )
        if self.paired_diagonal is None:
            object.__setattr__(self, "paired_diagonal", self.statistic != "dot")


#: What :meth:`skkernel.kernels.Kernel.family_params` returns: a family and its
#: resolved parameters.
FamilyParams: TypeAlias = tuple[KernelFamily, dict[str, float]]

#: name -> KernelFamily, filled by register_family.
FAMILIES: dict[str, KernelFamily] = {}


def register_family(family: KernelFamily) -> KernelFamily:
    """Add a :class:`KernelFamily` to the registry.

    Parameters
    ----------
    family : KernelFamily
        The family; its name must be new.

    Returns
    -------
    family : KernelFamily
        The same family, so a module can keep it: ``RBF_FAMILY = register_family(...)``.

    Raises
    ------
    ValueError
        If another family has the same name.

    Examples
    --------
    >>> from skkernel.kernels import FAMILIES, KernelFamily, register_family
    >>> def inverse_quadratic(S, p, xp, rows, cols):
    ...     return 1.0 / (1.0 + p["scale"] * S)
    >>> family = register_family(
    ...     KernelFamily("inverse-quadratic", "sqeuclidean", ("scale",), inverse_quadratic)
    ... )
    >>> FAMILIES["inverse-quadratic"] is family
    True
    >>> del FAMILIES["inverse-quadratic"]
    """
    if family.name in FAMILIES and FAMILIES[family.name] is not family:
        raise ValueError(f"A kernel family named {family.name!r} is already registered.")
    FAMILIES[family.name] = family
    return family


class RowNorms:
    """Squared Euclidean norms of the rows of an input, and the norms the cosine
    kernel divides by (computed on first use)."""

    def __init__(self, sq_norms: XPArray, dtype: np.dtype[Any], xp: ModuleType = np) -> None:
        self.sq = sq_norms
        self._dtype = dtype
        self._xp = xp
        self._norms = None

    def __getstate__(self) -> dict[str, Any]:
        # A module does not pickle: its name does (an operator is copied into forked
        # and spawned workers, and deep-copied with the estimators that hold one).
        return {**self.__dict__, "_xp": self._xp.__name__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _xp=importlib.import_module(state["_xp"]))

    @classmethod
    def of(cls, X: XPArray, xp: ModuleType = np) -> "RowNorms":
        X64 = X.astype(np.float64, copy=False)
        return cls(xp.einsum("ij,ij->i", X64, X64), X.dtype, xp)

    @property
    def norms(self) -> XPArray:
        """Row norms, with norms below 10 machine epsilons (of the input dtype)
        taken as 1, as :func:`sklearn.preprocessing.normalize` does: (near-)zero
        rows stay as they are instead of being blown up to unit length."""
        if self._norms is None:
            norms = self._xp.sqrt(self.sq)
            norms[norms < 10 * np.finfo(self._dtype).eps] = 1
            self._norms = norms
        return self._norms


@fill_doc
@dataclass(frozen=True, eq=False)
class KernelSpec:
    """A kernel as backends see it: a family with resolved numbers, or none.

    Built by :meth:`skkernel.kernels.Kernel.spec`; frozen, so a backend may keep
    whatever it derives from it.

    Parameters
    ----------
    family : KernelFamily or None
        None for kernels without a closed form (callables, Gaussian-process
        kernels, chi2), which only the numpy backend evaluates (through ``block``).
    params : dict of str to float
        The family's parameters, resolved (a copy; treat it as read-only).
    block : callable
        ``block(X, Y)``: the reference dense block K(X, Y) of validated float
        arrays, in X's dtype (the numpy backend's code).
    paired : callable
        ``paired(X, Y)``: ``k(x_i, y_i)`` for the rows of two arrays of one shape.
    name : str or object
        How the kernel is named in messages: a string, or an object whose ``str``
        is one (a kernel's spec names it by its repr, made only when needed).
    reference_copies : int, default=3
        For kernels without a closed form: how many float64 arrays the size of a
        block ``block`` holds at its peak (scikit-learn's pairwise functions hold
        two or three).

    Examples
    --------
    >>> from skkernel.kernels import RBF
    >>> spec = RBF().spec(n_features=4)
    >>> spec.family.name, spec.params
    ('rbf', {'gamma': 0.25})
    """

    family: KernelFamily | None
    params: dict[str, float]
    block: BlockFunction | None = field(repr=False)
    paired: BlockFunction | None = field(repr=False)
    name: object = ""
    reference_copies: int = field(default=3, repr=False)

    def __post_init__(self) -> None:
        params = dict(self.params)
        if self.family is not None:
            expected = set(self.family.params)
            if set(params) != expected:
                raise ValueError(
                    f"The {self.family.name!r} family takes the parameters "
                    f"{sorted(expected)}; got {sorted(params)}."
                )
            params = {name: float(params[name]) for name in self.family.params}
            if self.family.check is not None:
                self.family.check(params)
        object.__setattr__(self, "params", params)

    def __getitem__(self, name: str) -> float:
        return self.params[name]

    @property
    def closed_form(self) -> bool:
        """Whether backends other than numpy can evaluate the kernel."""
        return self.family is not None

    @property
    def block_copies(self) -> int:
        """Block-sized float64 arrays one block's computation holds at its peak."""
        return self.family.block_copies if self.closed_form else self.reference_copies

    @property
    def statistic(self) -> Statistic:
        """The pairwise statistic of the family (closed forms only)."""
        return self.family.statistic

    @property
    def has_log_form(self) -> bool:
        """Whether the family has a logarithmic form (log-sum-exp reductions)."""
        return self.closed_form and self.family.log_values is not None

    @staticmethod
    def row_norms(X: XPArray, xp: ModuleType = np) -> RowNorms:
        """The norms of the rows of an input, for :meth:`dense`.

        Backends compute them once per operand.

        Parameters
        ----------
        X : array of shape (n_samples, n_features)
            The input.
        xp : module, default=numpy
            Its array module.

        Returns
        -------
        norms : RowNorms
            Squared norms (``norms.sq``) and the cosine's norms (``norms.norms``).
        """
        return RowNorms.of(X, xp)

    def packed(self) -> NDArray[np.float64]:
        """The parameters as a float64 array, in the family's order.

        Returns
        -------
        params : ndarray of shape (n_params,)
            What the numba formulas read.
        """
        return np.array([self.params[name] for name in self.family.params], dtype=np.float64)

    def _statistic(self, X, Y, xp, rows, cols):
        """The float64 block of the family's statistic, and the row norms used."""
        rows = RowNorms.of(X, xp) if rows is None else rows
        cols = RowNorms.of(Y, xp) if cols is None else cols
        return pairwise_statistic(self.statistic, X, Y, xp, rows.sq, cols.sq), rows, cols

    def dense(
        self,
        X: XPArray,
        Y: XPArray,
        xp: ModuleType = np,
        rows: RowNorms | None = None,
        cols: RowNorms | None = None,
    ) -> XPArray:
        """Dense block K(X, Y) from the closed form, in X's dtype.

        float32 inputs get their statistic in float64: squared distances of data far
        from the origin lose every digit to cancellation in float32.

        Parameters
        ----------
        {kernel_block}

        Returns
        -------
        K : array of shape (n_samples_X, n_samples_Y)
            Kernel values.
        """
        S, rows, cols = self._statistic(X, Y, xp, rows, cols)
        return self.family.values(S, self.params, xp, rows, cols).astype(X.dtype, copy=False)

    def log_dense(
        self,
        X: XPArray,
        Y: XPArray,
        xp: ModuleType = np,
        rows: RowNorms | None = None,
        cols: RowNorms | None = None,
    ) -> XPArray:
        """Dense float64 block of ``log k(x_i, y_j)`` from the family's log form.

        Parameters
        ----------
        {kernel_block}

        Returns
        -------
        L : array of shape (n_samples_X, n_samples_Y)
            Logarithms of the kernel values, in float64 (``-inf`` where the kernel
            is zero).
        """
        if not self.has_log_form:
            raise ValueError(f"The kernel {self.name} has no logarithmic form.")
        S, rows, cols = self._statistic(X, Y, xp, rows, cols)
        return self.family.log_values(S, self.params, xp, rows, cols)

    def dense_path(
        self,
        X: XPArray,
        Y: XPArray,
        values: dict[str, list[int]],
        xp: ModuleType = np,
        rows: RowNorms | None = None,
        cols: RowNorms | None = None,
    ) -> Iterator[tuple[dict[str, int], XPArray]]:
        """Dense blocks K(X, Y) along the family's path, from one pass (float64).

        The numpy/CuPy closed form of :meth:`skkernel.KernelOperator.path`.

        Parameters
        ----------
        X : array of shape (n_samples_X, n_features)
            Rows of the blocks (numpy or cupy).
        Y : array of shape (n_samples_Y, n_features)
            Columns of the blocks.
        values : dict of str to list
            Sorted values of some of ``family.path_params``.
        {kernel_block_norms}

        Yields
        ------
        params : dict
            The path parameters' values of the block.
        K : array of shape (n_samples_X, n_samples_Y)
            A new float64 array.
        """
        S, rows, cols = self._statistic(X, Y, xp, rows, cols)
        yield from self.family.path(S, self.params, xp, rows, cols, values)

    def dense_paired(self, X: XPArray, Y: XPArray, xp: ModuleType = np) -> XPArray:
        """``k(x_i, y_i)`` for every row i of X and Y, from the closed form.

        Parameters
        ----------
        X : array of shape (n_samples, n_features)
            First rows.
        Y : array of shape (n_samples, n_features)
            Second rows.
        xp : module, default=numpy
            The array module of X and Y.

        Returns
        -------
        values : array of shape (n_samples,)
            In X's dtype.
        """
        S = paired_statistic(self.statistic, X, Y, xp)
        values = self.family.values(S, self.params, xp, RowNorms.of(X, xp), RowNorms.of(Y, xp))
        return values.astype(X.dtype, copy=False)


def pairwise_statistic(statistic, X, Y, xp=np, x_sq=None, y_sq=None):
    """Dense float64 block of a pairwise statistic between the rows of X and of Y.

    Squared distances use the dot-product expansion (one GEMM, in float64); Euclidean
    and L1 distances use direct differences, in row chunks, because the expansion
    loses all relative accuracy for nearby points and the Matern kernel has an
    infinite slope at distance zero.
    """
    X64 = X.astype(np.float64, copy=False)
    Y64 = Y.astype(np.float64, copy=False)
    if statistic == "dot":
        return X64 @ Y64.T
    if statistic == "sqeuclidean":
        x_sq = xp.einsum("ij,ij->i", X64, X64) if x_sq is None else x_sq
        y_sq = xp.einsum("ij,ij->i", Y64, Y64) if y_sq is None else y_sq
        S = X64 @ Y64.T
        S *= -2
        S += x_sq[:, None]
        S += y_sq[None, :]
        return xp.maximum(S, 0, out=S)
    n, m, d = X.shape[0], Y.shape[0], X.shape[1]
    S = xp.empty((n, m), dtype=np.float64)
    step = max(1, _MAX_DIFF_ELEMENTS // max(1, m * d))
    for start in range(0, n, step):
        diff = X64[start : start + step, None, :] - Y64[None, :, :]
        if statistic == "l1":
            xp.abs(diff, out=diff)
            S[start : start + step] = diff.sum(axis=2)
        else:
            diff *= diff
            S[start : start + step] = xp.sqrt(diff.sum(axis=2))
    return S


def paired_statistic(statistic, X, Y, xp=np):
    """The float64 statistic between row i of X and row i of Y, for every i."""
    X = X.astype(np.float64, copy=False)
    Y = Y.astype(np.float64, copy=False)
    if statistic == "dot":
        return xp.einsum("ij,ij->i", X, Y)
    diff = X - Y
    if statistic == "l1":
        return xp.abs(diff).sum(axis=1)
    sq = xp.einsum("ij,ij->i", diff, diff)
    return sq if statistic == "sqeuclidean" else xp.sqrt(sq)
