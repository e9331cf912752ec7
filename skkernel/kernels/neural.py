"""Kernels of infinitely wide neural networks: arc-cosine, NNGP and NTK.

The NNGP and NTK kernels of fully-connected networks follow neural-tangents'
definitions (``stax.serial(Dense, activation, ..., Dense)``, Novak et al. 2020)
exactly. Every kernel value needs only ``<x, y>``, ``||x||^2`` and ``||y||^2``: the
input covariance ``Sigma = <x, y> / d`` goes through each layer, ``O(depth)``
scalar work per entry after one GEMM. So both are families of the dot-product
statistic in the kernel-family registry: numpy, numba, CuPy and Dask run them (a
KeOps formula is a tree, which the recursion's reuse of each layer makes exponential).

Per layer (``W_var = W_std^2``, ``b_var = b_std^2`` or 0 without bias):

- Dense, "ntk" parameterization: ``Sigma <- W_var Sigma + b_var`` (also on the two
  diagonals ``q1 = Sigma(x, x)``, ``q2 = Sigma(y, y)``), then
  ``Theta <- Sigma + W_var Theta``;
- Dense, "standard" parameterization: ``Theta <- n_in Sigma + W_var Theta (+ 1 with
  a bias)`` with the layer's input width ``n_in``, then the same affine map of Sigma;
- activation phi: ``Sigma <- E[phi(u) phi(v)]``, ``Theta <- Theta E[phi'(u) phi'(v)]``
  for ``(u, v)`` Gaussian with covariance ``[[q1, Sigma], [Sigma, q2]]``, in closed form
  for ABReLU (ReLU and leaky ReLU are cases), erf and GELU.

A network of ``depth`` hidden layers ends with one more Dense layer (the readout);
its NNGP is the final Sigma, its NTK the final Theta. With ``fixed_layers=f`` the
first f Dense layers are not trained (Arora et al. 2020): their gradient terms, the
``Sigma`` (or ``n_in Sigma + 1``) added to Theta, are dropped.
"""

import math
from numbers import Integral, Real
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray
from sklearn.utils._param_validation import Interval, StrOptions

from .._init_params import store_init_params
from ._base import Kernel
from ._registry import FamilyParams, KernelFamily, register_family

__all__ = ["NNGP", "NTK", "ArcCosine"]

SQRT2 = math.sqrt(2.0)


class ArcCosine(Kernel):
    """Arc-cosine kernel of Cho & Saul (2009), order 0 (step) or 1 (ReLU).

    ``k_n(x, y) = ||x||^n ||y||^n J_n(theta) / pi`` with theta the angle between x and y,
    ``J_0 = pi - theta`` and ``J_1 = sin(theta) + (pi - theta) cos(theta)``: the kernel of
    an infinitely wide one-hidden-layer network with step or ReLU units (see
    :class:`~skkernel.ArcCosineFeatures`). Where x or y is 0 there is no angle: ``k_0``
    is then 1/2 (Cho & Saul's step is 1/2 at 0) and ``k_1`` is 0. Evaluated by the
    numpy backend.

    Parameters
    ----------
    order : {0, 1}, default=1
        0 for step units, 1 for ReLU units.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel import ArcCosine
    >>> ArcCosine(order=0)(np.array([[1.0, 0.0], [0.0, 1.0]])).round(3)
    array([[1. , 0.5],
           [0.5, 1. ]])
    """

    _parameter_constraints = {"order": [Interval(Integral, 0, 1, closed="both")]}
    # The norms, the cosine, the angle and the result: measured 7 blocks at once.
    reference_copies = 8

    def __init__(self, order: Literal[0, 1] = 1) -> None:
        store_init_params(self, locals())

    def compute(self, X: NDArray[np.floating], Y: NDArray[np.floating]) -> NDArray[Any]:
        dtype = np.result_type(X.dtype, Y.dtype)
        # In float64: arccos turns a rounding error e of the cosine into an angle of
        # sqrt(e), 3e-4 from float32's dot products (1e-8 from float64's).
        X, Y = X.astype(np.float64, copy=False), Y.astype(np.float64, copy=False)
        x_norms = np.linalg.norm(X, axis=1)[:, None]
        y_norms = np.linalg.norm(Y, axis=1)[None, :]
        norms = x_norms * y_norms
        with np.errstate(invalid="ignore", divide="ignore"):
            cos = np.where(norms > 0, (X @ Y.T) / norms, 1.0)
        cos = np.clip(cos, -1.0, 1.0)
        theta = np.arccos(cos)
        # Rounding leaves the cosine of x with itself at 1 - eps, and arccos turns that
        # into an angle of 1.5e-8 (k_0(x, x) = 1 - 5e-9): pairs the dot products cannot
        # tell from parallel (or antiparallel) ones are, as in the NTK's recursion.
        aligned = 1.0 - cos * cos <= PARALLEL
        theta[aligned] = np.where(cos[aligned] > 0, 0.0, np.pi)
        if self.order == 0:
            # No angle at a zero row: Cho & Saul's integral with their step, 1/2 at 0,
            # gives 1/2 (as the random step features do), whatever the other row.
            K = np.where(norms > 0, 1.0 - theta / np.pi, 0.5)
        else:
            K = norms * (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / np.pi
        return K.astype(dtype, copy=False)


# ---------------------------------------------------------------------------------
# The recursion, for numpy and cupy arrays (blocks, or vectors of paired values).

#: Activation codes, as the numba formula reads them.
ABRELU, ERF, GELU = 0, 1, 2

#: Pairs whose ``1 - cos^2`` is below this are taken as parallel by the ABReLU step:
#: 64 float64 epsilons, an angle of 1.2e-7, below what the rounding of a dot product
#: lets one resolve (its error e becomes an angle of sqrt(e)).
PARALLEL = 64 * np.finfo(np.float64).eps

#: ``activation=`` of the neural kernels: a key of ACTIVATIONS.
Activation: TypeAlias = Literal["relu", "leaky_relu", "abrelu", "erf", "gelu"]

#: Activation name -> (code, its parameters with their defaults). ReLU and leaky
#: ReLU are ABReLU(a, b) = a min(x, 0) + b max(x, 0) with fixed slopes; erf is
#: a erf(b x) + c, as in neural-tangents.
ACTIVATIONS: dict[str, tuple[int, dict[str, float]]] = {
    "relu": (ABRELU, {}),
    "leaky_relu": (ABRELU, {"alpha": 0.01}),
    "abrelu": (ABRELU, {"a": 0.0, "b": 1.0}),
    "erf": (ERF, {"a": 1.0, "b": 1.0, "c": 0.0}),
    "gelu": (GELU, {}),
}

#: Parameters of the nngp family, in the order the numba formula reads them.
NNGP_PARAMS = ("depth", "n_features", "activation", "a", "b", "c", "W_var", "b_var")
#: Parameters of the ntk family: the NNGP's and what only the NTK depends on.
NTK_PARAMS = (*NNGP_PARAMS, "bias", "standard", "width", "fixed_layers")


class _Network:
    """The numbers of a fully-connected network, read from a family's parameters."""

    def __init__(self, p):
        self.n_features = p["n_features"]
        self.activation = int(p["activation"])
        self.a, self.b, self.c = p["a"], p["b"], p["c"]
        self.W_var, self.b_var = p["W_var"], p["b_var"]
        self.bias = bool(p.get("bias", 0.0))
        self.standard = bool(p.get("standard", 0.0))
        self.width = p.get("width", 0.0)

    def dense(self, c, q1, q2, thetas, n_in):
        """A Dense layer, in place on the block c and the NTK partial sums
        ``thetas`` (pairs of (array, trained)); returns the new diagonals."""
        if self.standard:
            # The weights' gradient term is the layer's input covariance times its width.
            for theta, trained in thetas:
                theta *= self.W_var
                if trained:
                    theta += n_in * c
                    if self.bias:
                        theta += 1.0
        c *= self.W_var
        c += self.b_var
        if not self.standard:
            for theta, trained in thetas:
                theta *= self.W_var
                if trained:
                    theta += c
        return self.W_var * q1 + self.b_var, self.W_var * q2 + self.b_var

    def activation_step(self, c, q1, q2, thetas, xp):
        """The activation, in place on c and the partial sums; returns the new diagonals."""
        if self.activation == ABRELU:
            dot = self._abrelu(c, q1, q2, xp)
            q1, q2 = self._abrelu_diag(q1), self._abrelu_diag(q2)
        elif self.activation == ERF:
            dot = self._erf(c, q1, q2, xp)
            q1, q2 = self._erf_diag(q1, xp), self._erf_diag(q2, xp)
        else:
            dot = self._gelu(c, q1, q2, xp)
            q1, q2 = self._gelu_diag(q1, xp), self._gelu_diag(q2, xp)
        for theta, _ in thetas:
            theta *= dot
        return q1, q2

    def _abrelu(self, c, q1, q2, xp):
        a, b = self.a, self.b
        prod = q1 * q2
        root = prod - c * c
        # sin^2 of the angle below PARALLEL: the rounding of <x, y> cannot tell such
        # pairs from parallel ones, so the angle is 0 (exact for x = y on every path).
        root[root <= PARALLEL * prod] = 0.0
        root = xp.sqrt(root, out=root)
        # neural-tangents takes the angle between two zero vectors to be pi / 2, and
        # arctan2 makes it 0: either way the new covariance is 0, and Theta is 0
        # already (a zero variance after a Dense layer means a zero input and no bias).
        angle = xp.arctan2(root, c)
        factor = (a - b) ** 2 / (2 * math.pi)
        dot = (a**2 + b**2) / 2 - factor * angle
        root *= factor
        c *= dot
        c += root
        return dot

    def _abrelu_diag(self, q):
        return (self.a**2 + self.b**2) / 2 * q

    def _erf(self, c, q1, q2, xp):
        # a erf(b u) + c: the input scale first, the output scale and shift last.
        scale = self.b**2
        c *= scale
        # (1 + 2 q1)(1 + 2 q2) - 4 c^2 with the cancelling part apart: at least 1, where
        # the product form rounded to 0 (and divided by it) once q reached ~1e16.
        gap = xp.maximum((scale * q1) * (scale * q2) - c * c, 0.0)
        root = xp.sqrt(1 + 2 * (scale * q1 + scale * q2) + 4 * gap)
        c[...] = 2 / math.pi * xp.arctan2(2 * c, root)
        c *= self.a**2
        c += self.c**2
        return (self.a**2 * scale) * (2 * (2 / math.pi) / root)

    def _erf_diag(self, q, xp):
        q = self.b**2 * q
        q = 2 / math.pi * xp.arctan2(q, xp.sqrt(q + 1.0 / 4))
        return self.a**2 * q + self.c**2

    def _gelu(self, c, q1, q2, xp):
        prod = q1 * q2
        prod_plus_1 = (q1 + 1) * (q2 + 1)
        # (q1 + 1)(q2 + 1) - c^2 with the cancelling part apart: at least 1 (see _erf).
        delta_squared = 1 + q1 + q2 + xp.maximum(prod - c * c, 0.0)
        delta = xp.sqrt(delta_squared)
        angle = xp.arctan2(c, delta)
        dot = 1 / delta_squared + (1 - prod) / prod_plus_1 + 1
        dot *= c / delta / (2 * math.pi)
        dot += 0.25 + angle / (2 * math.pi)
        new = (c * c + prod * delta_squared) / (prod_plus_1 * delta)
        new += c * angle
        new /= 2 * math.pi
        c *= 0.25
        c += new
        return dot

    def _gelu_diag(self, q, xp):
        root = xp.sqrt(1.0 + 2.0 * q)
        new = q / ((q + 1.0) * root) + xp.arctan2(q, root) / 2
        return (new / math.pi + 0.25) * q

    def readout(self, c, theta, nngp, n_in):
        """The NTK after the output Dense layer (always trained), from the
        covariance c before it, one partial sum and the NNGP after it; a new array."""
        out = self.W_var * theta
        if not self.standard:
            out += nngp
            return out
        out += n_in * c
        if self.bias:
            out += 1.0
        return out


def propagate(S, x_sq, y_sq, p, xp, depths, fixed_layers=None):
    """Kernel values of a network at several depths and fixed layers, in one pass.

    Parameters
    ----------
    S : array
        Dot products ``<x, y>`` (a float64 block, or a vector of pairs); overwritten.
    x_sq, y_sq : array
        Squared norms of the rows and columns, broadcastable against S.
    p : dict
        The family's parameters (``depth`` is ignored: ``depths`` says which).
    xp : module
        numpy or cupy.
    depths : sequence of int
        The depths (hidden layers) to evaluate.
    fixed_layers : sequence of int, default=None
        The numbers of untrained bottom layers of the NTKs to evaluate; None for the
        NNGP.

    Yields
    ------
    depth, fixed, K : int, int or None, array
        The kernel values of the network of ``depth`` hidden layers with ``fixed``
        untrained layers (None: the NNGP), a new array.
    """
    net = _Network(p)
    d = net.n_features
    c = S
    c /= d
    q1, q2 = x_sq / d, y_sq / d
    wanted = sorted(set(depths))
    fixed = [] if fixed_layers is None else sorted(set(fixed_layers))
    thetas = [xp.zeros_like(c) for _ in fixed]
    n_in = d
    for depth in range(wanted[-1] + 1):
        if depth in wanted:
            # The output Dense layer: its NNGP, then the NTK of each partial sum
            # that fixes at most depth layers.
            nngp = net.W_var * c + net.b_var
            if fixed_layers is None:
                yield depth, None, nngp
            for f, theta in zip(fixed, thetas, strict=True):
                if f <= depth:
                    yield depth, f, net.readout(c, theta, nngp, n_in)
        if depth == wanted[-1]:
            return
        # Hidden Dense layer depth + 1: trained in the NTKs fixing fewer layers.
        trained = [(theta, depth + 1 > f) for f, theta in zip(fixed, thetas, strict=True)]
        q1, q2 = net.dense(c, q1, q2, trained, n_in)
        q1, q2 = net.activation_step(c, q1, q2, trained, xp)
        n_in = net.width


def _values(S, p, xp, rows, cols, ntk):
    x_sq, y_sq = rows.sq, cols.sq
    if S.ndim == 2:
        x_sq, y_sq = x_sq[:, None], y_sq[None, :]
    fixed = [int(p["fixed_layers"])] if ntk else None
    ((_, _, K),) = propagate(S, x_sq, y_sq, p, xp, [int(p["depth"])], fixed)
    return K


def _nngp_values(S, p, xp, rows, cols):
    return _values(S, p, xp, rows, cols, ntk=False)


def _ntk_values(S, p, xp, rows, cols):
    return _values(S, p, xp, rows, cols, ntk=True)


def _path(S, p, xp, rows, cols, values):
    """The family's path: every depth (and number of fixed layers) in one pass."""
    fixed = values.get("fixed_layers")
    pairs = propagate(S, rows.sq[:, None], cols.sq[None, :], p, xp, values["depth"], fixed)
    for depth, f, K in pairs:
        yield ({"depth": depth} if f is None else {"depth": depth, "fixed_layers": f}), K


def _check_network(p):
    if p["depth"] < 0 or p["depth"] != int(p["depth"]):
        raise ValueError(f"depth must be a non-negative integer; got {p['depth']}.")
    if p["activation"] not in (ABRELU, ERF, GELU):
        raise ValueError(f"Unknown activation code {p['activation']}.")


def _check_ntk(p):
    _check_network(p)
    if not 0 <= p["fixed_layers"] <= p["depth"]:
        raise ValueError(
            f"fixed_layers={p['fixed_layers']:g} must be between 0 and depth={p['depth']:g}: "
            "the readout layer is always trained."
        )
    if p["standard"] and p["depth"] > 0 and p["width"] < 1:
        raise ValueError(
            "The NTK of the standard parameterization depends on the width of the hidden "
            "layers; give width (a positive integer)."
        )


# Gram matrices take their diagonal from the paired kernel: at x = y the angle between
# <x, y> from a GEMM and ||x||^2 is zero only up to rounding, and the arc-cosine
# steps turn a rounding error e into an angle of sqrt(e) (1e-8 in float64).
NNGP_FAMILY = register_family(
    KernelFamily(
        "nngp",
        "dot",
        NNGP_PARAMS,
        _nngp_values,
        _check_network,
        paired_diagonal=True,
        path_params=("depth",),
        path=_path,
        block_copies=8,
    )
)
NTK_FAMILY = register_family(
    KernelFamily(
        "ntk",
        "dot",
        NTK_PARAMS,
        _ntk_values,
        _check_ntk,
        paired_diagonal=True,
        path_params=("depth", "fixed_layers"),
        path=_path,
        block_copies=8,
    )
)


# ---------------------------------------------------------------------------------
# The Kernel classes.

_NETWORK_CONSTRAINTS = {
    "depth": [Interval(Integral, 0, None, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "activation_params": [dict, None],
    "W_std": [Interval(Real, 0, None, closed="neither")],
    "b_std": [Interval(Real, 0, None, closed="left"), None],
}


class _FullyConnected(Kernel):
    """What the NNGP and NTK kernels share: the network's numbers and the reference."""

    def _network_params(self, n_features):
        name = self.activation
        code, defaults = ACTIVATIONS[name]
        given = dict(self.activation_params or {})
        unknown = set(given) - set(defaults)
        if unknown:
            accepted = ", ".join(defaults) or "none"
            raise ValueError(
                f"activation_params {sorted(unknown)} are not parameters of the {name!r} "
                f"activation, which takes {accepted}."
            )
        act = {**defaults, **given}
        slopes = {"relu": (0.0, 1.0), "leaky_relu": (act.get("alpha"), 1.0)}
        a, b = slopes.get(name, (act.get("a", 0.0), act.get("b", 0.0)))
        return {
            "depth": float(self.depth),
            "n_features": float(n_features),
            "activation": float(code),
            "a": float(a),
            "b": float(b),
            "c": float(act.get("c", 0.0)),
            "W_var": float(self.W_std) ** 2,
            "b_var": 0.0 if self.b_std is None else float(self.b_std) ** 2,
        }

    def compute(self, X: NDArray[np.floating], Y: NDArray[np.floating]) -> NDArray[Any]:
        spec = self.spec(X.shape[1])
        K = spec.dense(X, Y)
        if X is Y:
            # The exact diagonal (see paired_diagonal in the registry).
            np.fill_diagonal(K, spec.dense_paired(X, X))
        return K


class NNGP(_FullyConnected):
    """Neural network Gaussian process kernel of a fully-connected network.

    The covariance of the output of an infinitely wide network with random
    weights (Neal 1996, Lee et al. 2018): ``depth`` hidden layers (Dense, then the
    activation) and a Dense readout, weights of variance ``W_std**2 / fan_in`` and
    biases of variance ``b_std**2``. Values equal neural-tangents'
    ``kernel_fn(x, y, "nngp")`` of ``stax.serial(Dense(W_std=W_std, b_std=b_std),
    activation, ..., Dense(W_std=W_std, b_std=b_std))`` (the NNGP is the same in both
    parameterizations); the recursion is in :mod:`skkernel.kernels.neural`.

    Parameters
    ----------
    depth : int, default=2
        Number of hidden layers; 0 is the linear kernel ``W_std**2 <x, y> / d +
        b_std**2``.
    activation : {"relu", "leaky_relu", "abrelu", "erf", "gelu"}, default="relu"
        Activation of the hidden layers.
    activation_params : dict, default=None
        Parameters of the activation: ``alpha`` (0.01) of ``"leaky_relu"``
        (``alpha min(x, 0) + max(x, 0)``); ``a`` (0) and ``b`` (1) of ``"abrelu"``
        (``a min(x, 0) + b max(x, 0)``); ``a`` (1), ``b`` (1) and ``c`` (0) of
        ``"erf"`` (``a erf(b x) + c``). None: the defaults.
    W_std : float, default=sqrt(2)
        Standard deviation of the weights (times ``1 / sqrt(fan_in)``). The default,
        He's initialisation, keeps the variance of every ReLU layer: the kernel's
        scale does not shrink with depth.
    b_std : float, default=None
        Standard deviation of the biases; None means no biases.

    See Also
    --------
    NTK : the neural tangent kernel of the same network.
    ArcCosine : the one-layer ReLU and step kernels of Cho & Saul.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel import NNGP
    >>> X = np.array([[1.0, 0.0], [0.6, 0.8]])
    >>> NNGP(depth=1)(X).round(4)
    array([[1.    , 0.6775],
           [0.6775, 1.    ]])
    """

    names = ("nngp",)
    _parameter_constraints = dict(_NETWORK_CONSTRAINTS)

    def __init__(
        self,
        depth: int = 2,
        *,
        activation: Activation = "relu",
        activation_params: dict[str, float] | None = None,
        W_std: float = SQRT2,
        b_std: float | None = None,
    ) -> None:
        store_init_params(self, locals())

    def family_params(self, n_features: int) -> FamilyParams:
        return NNGP_FAMILY, self._network_params(n_features)


class NTK(_FullyConnected):
    """Neural tangent kernel of a fully-connected network (Jacot et al. 2018).

    The kernel of gradient-descent training of an infinitely wide network:
    ``depth`` hidden layers (Dense, then the activation) and a Dense readout, in the
    "ntk" or "standard" parameterization. Values equal neural-tangents'
    ``kernel_fn(x, y, "ntk")`` of ``stax.serial(Dense(width, W_std=W_std,
    b_std=b_std, parameterization=...), activation, ..., Dense(1, ...))``; with
    ``fixed_layers=f`` the first f Dense layers are not trained (their gradient terms
    are dropped), as in Arora et al. (2020). The recursion is in
    :mod:`skkernel.kernels.neural`.

    An SVM with the ReLU NTK is a strong classifier on small tabular data sets
    (Arora et al. 2020); see :class:`~skkernel.svm.KernelSVC` and
    :class:`~skkernel.svm.KernelSVCCV`, which selects depth, fixed layers and C with
    the matrices of every depth and number of fixed layers from one pass
    (:meth:`skkernel.KernelOperator.path`).

    Parameters
    ----------
    depth : int, default=2
        Number of hidden layers; 0 is the linear kernel.
    activation : {"relu", "leaky_relu", "abrelu", "erf", "gelu"}, default="relu"
        Activation of the hidden layers.
    activation_params : dict, default=None
        Parameters of the activation (see :class:`NNGP`).
    W_std : float, default=sqrt(2)
        Standard deviation of the weights (He's initialisation by default).
    b_std : float, default=None
        Standard deviation of the biases; None means no biases.
    parameterization : {"ntk", "standard"}, default="ntk"
        "ntk": weights ``W_std / sqrt(fan_in) w`` with ``w ~ N(0, 1)`` trained;
        "standard": weights of variance ``W_std**2 / fan_in`` trained directly
        (Sohl-Dickstein et al. 2020), whose NTK depends on the hidden ``width``.
    width : int, default=None
        Width of the hidden layers; needed by the "standard" parameterization only
        (the "ntk" one is the infinite-width limit whatever the width).
    fixed_layers : int, default=0
        Number of bottom Dense layers that are not trained, from 0 to ``depth`` (the
        readout is always trained). With ``fixed_layers=depth`` only the readout
        is: the "ntk" parameterization then gives the NNGP, ``W_std**2 Sigma +
        b_std**2`` with ``Sigma`` the covariance of the readout's input; the
        "standard" one ``width * Sigma + 1`` (``+ 0`` without a bias), the
        gradients of weights and bias trained directly.

    See Also
    --------
    NNGP : the Gaussian-process kernel of the same network.
    ArcCosine : the one-layer ReLU and step kernels of Cho & Saul.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel import NTK
    >>> X = np.array([[1.0, 0.0], [0.6, 0.8]])
    >>> NTK(depth=1)(X).round(4)
    array([[2.    , 1.1004],
           [1.1004, 2.    ]])
    """

    names = ("ntk",)
    _parameter_constraints = {
        **_NETWORK_CONSTRAINTS,
        "parameterization": [StrOptions({"ntk", "standard"})],
        "width": [Interval(Integral, 1, None, closed="left"), None],
        "fixed_layers": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        depth: int = 2,
        *,
        activation: Activation = "relu",
        activation_params: dict[str, float] | None = None,
        W_std: float = SQRT2,
        b_std: float | None = None,
        parameterization: Literal["ntk", "standard"] = "ntk",
        width: int | None = None,
        fixed_layers: int = 0,
    ) -> None:
        store_init_params(self, locals())

    def family_params(self, n_features: int) -> FamilyParams:
        if self.fixed_layers > self.depth:
            raise ValueError(
                f"fixed_layers={self.fixed_layers} must be at most depth={self.depth}: "
                "the readout layer is always trained."
            )
        standard = self.parameterization == "standard"
        if standard and self.depth > 0 and self.width is None:
            raise ValueError(
                "The NTK of the standard parameterization depends on the width of the "
                "hidden layers: give width=..., or use parameterization='ntk'."
            )
        return NTK_FAMILY, {
            **self._network_params(n_features),
            "bias": float(self.b_std is not None),
            "standard": float(standard),
            "width": float(self.width or 0),
            "fixed_layers": float(self.fixed_layers),
        }
