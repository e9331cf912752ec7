"""Random feature maps: kernel methods as linear models on explicit features.

``RandomFourierFeatures`` approximates the shift-invariant kernels (RBF, Laplacian,
Matern) by Bochner's theorem; ``ArcCosineFeatures`` approximates the arc-cosine
kernels of Cho & Saul with random ReLU / step units.
"""

from numbers import Integral
from typing import Any, Literal, TypeVar

import numpy as np
from scipy import stats
from scipy.stats import qmc
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    clone,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import FLOAT_DTYPES, SPARSE_FORMATS, dense_features, fit_context
from .._docs import fill_doc
from .._init_params import store_init_params
from .._memory import row_batches
from .._typing import ArrayLike, FloatArray, KernelLike, MatrixLike, RandomStateLike
from ..kernels import make_kernel
from ..kernels._params import kernel_parameter_constraints
from ._hadamard import next_power_of_two, sorf_cos_sin_into, sorf_project
from ._trig import MAX_ARGUMENT, cos_sin_into

__all__ = ["ArcCosineFeatures", "RandomFourierFeatures"]

#: Which frequency constructions each kernel family supports, and why not the others.
METHODS = {
    "rbf": ("iid", "orthogonal", "structured", "qmc"),
    "matern": ("iid", "orthogonal", "qmc"),
    "laplacian": ("iid", "qmc"),
}
_WHY_NOT = {
    "laplacian": "the Laplacian (L1) kernel's spectral density, a product of Cauchy "
    "distributions, is not rotation invariant, so orthogonal directions do not apply",
    "matern": "SORF's Hadamard rows only mimic Gaussian frequencies",
}


#: Smallest Walsh-Hadamard width of "structured" (inputs zero-padded to it): the
#: directions of H D1 H D2 H D3 at width 4 take a handful of values, far from
#: uniform on the sphere (Frobenius error of the RBF kernel 0.15 at 3 or 4 features
#: against iid's 0.02, with 16,384 features); from width 32, 0.013-0.024, as iid.
#: A block still gives one frequency per row at O(log width) each.
MIN_SORF_WIDTH = 32

#: Rows per block at most: enough for efficient GEMM, small next to the output.
_MAX_BLOCK_ROWS = 2048


def _row_blocks(n_rows, row_bytes):
    """Slices of rows whose temporaries fit in sklearn's working_memory."""
    return list(row_batches(n_rows, row_bytes, _MAX_BLOCK_ROWS))


_FeatureMap = TypeVar("_FeatureMap", bound="_RandomFeatureMap")


@fill_doc
class _RandomFeatureMap(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Shared by the random feature maps: ``fit`` validates X and draws the map,
    ``transform`` fills the output one block of rows at a time."""

    @fit_context
    def fit(self: _FeatureMap, X: MatrixLike, y: ArrayLike | None = None) -> _FeatureMap:
        """Draw the random map for data with X's number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Only its number of features is used.
        y : None
            Ignored.

        Returns
        -------
        {returns_self}
        """
        X = validate_data(self, X, accept_sparse=SPARSE_FORMATS, dtype=FLOAT_DTYPES)
        # transform reads the fitted map only, never the parameters: set_params after
        # fit (n_components, method, order) must not change or break the features.
        self._n_features_out = self.n_components
        self._draw(X.shape[1], check_random_state(self.random_state))
        return self

    def transform(self, X: MatrixLike) -> FloatArray:
        """The random features of X.

        Parameters
        ----------
        {predict_X}

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            In X's dtype (float32 stays float32). Computed one block of rows at a time
            (sized by sklearn's ``working_memory``), so the memory beyond Z is one block.
        """
        check_is_fitted(self)
        X = dense_features(
            validate_data(self, X, accept_sparse=SPARSE_FORMATS, dtype=FLOAT_DTYPES, reset=False)
        )
        Z = np.empty((X.shape[0], self._n_features_out), dtype=X.dtype)
        blocks = _row_blocks(X.shape[0], 2 * self._n_features_out * 8)
        # One projection buffer for all blocks: a fresh array per block would pay for
        # its page faults again each time.
        workspace = np.empty((blocks[0].stop - blocks[0].start, self._n_projections), X.dtype)
        for rows in blocks:
            n_rows = len(range(*rows.indices(X.shape[0])))
            self._features(X[rows], Z[rows], workspace[:n_rows])
        return Z

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


@fill_doc
class RandomFourierFeatures(_RandomFeatureMap):
    """Random Fourier features of the RBF, Laplacian and Matern kernels.

    By Bochner's theorem a shift-invariant kernel is ``k(x, y) = E[cos(w . (x - y))]``
    for frequencies ``w`` drawn from its spectral density. With ``m = n_components / 2``
    frequencies the features are the pairs

    ``z(x) = [cos(W x), sin(W x)] / sqrt(m)``,  so ``z(x) . z(y) = mean_j cos(w_j . (x - y))``.

    The cos/sin pairs are used rather than sklearn's ``sqrt(2) cos(w . x + b)`` with a
    random phase ``b`` because, for the same number of features, they have lower
    variance (the phase adds noise, Sutherland & Schneider 2015) and need half the
    projections.

    Spectral densities: RBF ``exp(-gamma |d|^2)`` has ``w ~ N(0, 2 gamma I)`` (the
    distribution of sklearn's RBFSampler); Laplacian ``exp(-gamma |d|_1)`` (sklearn's L1
    meaning) has independent Cauchy coordinates of scale gamma; Matern(nu, length_scale)
    has a multivariate Student-t with ``2 nu`` degrees of freedom, scaled by
    ``1 / length_scale``.

    Parameters
    ----------
    kernel : {"rbf", "laplacian", "matern"} or Kernel, default="rbf"
        The kernel to approximate; a :class:`~skkernel.RBF`, :class:`~skkernel.Laplacian`
        or :class:`~skkernel.Matern` instance is used as is.
    gamma : float, default=None
        Parameter of the RBF and Laplacian kernels; ``None`` means ``1 / n_features``,
        the convention of sklearn's pairwise kernels (sklearn's RBFSampler defaults to
        1.0 instead).
    kernel_params : dict, default=None
        Extra kernel parameters (``nu``, ``length_scale`` of "matern").
    n_components : int, default=100
        Number of features: ``n_components // 2`` frequencies give a cos and a sin
        feature each; an odd count adds one ``sqrt(2) cos(w . x + b)`` feature.
    method : {"iid", "orthogonal", "structured", "qmc"}, default="iid"
        How frequencies are drawn:

        - "iid": independently from the spectral density.
        - "orthogonal": orthogonal random features (Yu et al. 2016): blocks of
          ``n_features`` exactly orthogonal directions, each scaled by an independent
          draw of the density's radius (chi for RBF). RBF and Matern.
        - "structured": SORF (Yu et al. 2016), the directions of ``H D1 H D2 H D3 x``
          with Walsh-Hadamard matrices H and random sign diagonals, applied by a fast
          transform in O(n_components log max(n_features, 32)) per sample, without storing W;
          each direction scaled by its own chi-distributed radius (``radii_``), as
          the Gaussian frequencies' norms are: with one fixed norm, as published,
          the features approximate a different kernel at few features. RBF only.
        - "qmc": scrambled Sobol points pushed through the inverse CDF of the density
          (Avron et al. 2016): quasi-Monte Carlo frequencies that cover it evenly.
    random_state : int, RandomState instance or None, default=None
        Seeds the frequencies; ``fit`` only draws them.
        Pass an int for reproducible output across multiple function calls.

    Attributes
    ----------
    random_weights_ : ndarray of shape (n_features, (n_components + 1) // 2)
        The frequencies (columns); not stored for "structured".
    random_offset_ : ndarray of shape (1,)
        Phase of the extra feature when n_components is odd.
    signs_ : ndarray of shape (n_blocks, 3, width)
        The random sign diagonals of "structured".
    radii_ : ndarray of shape (n_blocks * width,)
        The chi-distributed norms of the "structured" frequencies, one per row of
        the blocks.
    kernel_ : Kernel
        The approximated kernel.
    {feature_attributes}

    See Also
    --------
    sklearn.kernel_approximation.RBFSampler : iid RBF features with random phases.
    ArcCosineFeatures : random ReLU / step features.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel import RandomFourierFeatures, RBF
    >>> X = np.random.default_rng(0).normal(size=(300, 5))
    >>> rff = RandomFourierFeatures("rbf", gamma=0.1, n_components=4000, random_state=0)
    >>> Z = rff.fit_transform(X)
    >>> Z.shape
    (300, 4000)
    >>> K = RBF(gamma=0.1)(X)
    >>> bool(np.linalg.norm(Z @ Z.T - K) / np.linalg.norm(K) < 0.05)
    True
    """

    _parameter_constraints = {
        # The shared constraints: an unknown name fails here, before any fitted
        # state is touched; _draw then refuses the named kernels that are not
        # shift-invariant, with the reason.
        **{
            name: constraint
            for name, constraint in kernel_parameter_constraints(precomputed=False).items()
            if name in ("kernel", "gamma", "kernel_params")
        },
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "method": [StrOptions({"iid", "orthogonal", "structured", "qmc"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        kernel: KernelLike = "rbf",
        *,
        gamma: float | None = None,
        kernel_params: dict[str, Any] | None = None,
        n_components: int = 100,
        method: Literal["iid", "orthogonal", "structured", "qmc"] = "iid",
        random_state: RandomStateLike = None,
    ) -> None:
        store_init_params(self, locals())

    def _draw(self, d, rng):
        # A copy: a Kernel passed by the user and changed after fit is not the kernel
        # the frequencies were drawn for.
        self.kernel_ = clone(
            make_kernel(self.kernel, gamma=self.gamma, kernel_params=self.kernel_params)
        )
        self._kernel_spec = self.kernel_.spec(d)
        family = self._kernel_spec.family.name if self._kernel_spec.closed_form else None
        if family not in METHODS:
            raise ValueError(
                "RandomFourierFeatures approximates shift-invariant kernels: 'rbf', "
                f"'laplacian' or 'matern'; got {self.kernel_!r}."
            )
        if self.method not in METHODS[family]:
            raise ValueError(
                f"method={self.method!r} does not support the {family} kernel: "
                f"{_WHY_NOT[family]}. Use one of {METHODS[family]}."
            )
        self._method = self.method
        m = self._n_frequencies
        for name in ("random_weights_", "signs_", "radii_", "random_offset_"):
            self.__dict__.pop(name, None)  # of an earlier fit with another method
        if self.method == "structured":
            width = next_power_of_two(max(d, MIN_SORF_WIDTH))
            n_blocks = -(-m // width)
            self.signs_ = rng.choice(np.array([-1.0, 1.0]), size=(n_blocks, 3, width))
            # The rows of H D1 H D2 H D3 are orthogonal directions of one norm; a
            # frequency of the RBF kernel is a Gaussian vector, whose norm is chi
            # distributed. With the norm fixed at its typical sqrt(width) (SORF as
            # published) the features estimate another kernel, 0.1 off the RBF one
            # at 4 features; each direction gets its own chi radius instead (as
            # Fastfood's scaling diagonal, Le et al. 2013).
            self.radii_ = np.sqrt(rng.chisquare(width, size=n_blocks * width))
            # Three unnormalised transforms scale a row's norm by width**1.5.
            gamma = self._kernel_spec["gamma"]
            self._sorf_scale = np.sqrt(2.0 * gamma) * self.radii_ / width**1.5
        else:
            self.random_weights_ = _FREQUENCIES[self.method](self._kernel_spec, d, m, rng)
        if self._n_features_out % 2:
            self.random_offset_ = rng.uniform(0.0, 2.0 * np.pi, size=1)

    @property
    def _n_frequencies(self):
        # n_components // 2 cos/sin pairs, plus one random-phase feature if it is odd.
        return (self._n_features_out + 1) // 2

    @property
    def _n_projections(self):
        if self._fused_structured:
            return 0  # sine and cosine come straight from the transform's tiles
        return self._n_frequencies

    @property
    def _fused_structured(self):
        return self._method == "structured" and not self._n_features_out % 2

    def _sorf_bound(self, X):
        """An upper bound of |projection| over the rows of X: each unnormalised
        Walsh-Hadamard transform scales a row's norm by sqrt(width)."""
        width = self.signs_.shape[2]
        row_norm = np.sqrt(np.einsum("ij,ij->i", X, X, dtype=np.float64).max(initial=0.0))
        return self._sorf_scale.max() * width**1.5 * row_norm

    def _project(self, X, out):
        if self._method == "structured":
            return sorf_project(X, self.signs_, self._sorf_scale, out)
        return np.matmul(X, self.random_weights_.astype(X.dtype, copy=False), out=out)

    def _features(self, X, Z, workspace):
        pairs = self._n_features_out // 2
        scale = 1.0 / np.sqrt(self._n_frequencies)
        if self._fused_structured:
            if self._sorf_bound(X) < MAX_ARGUMENT:
                sorf_cos_sin_into(X, self.signs_, self._sorf_scale, Z, scale)
                return
            # Projections beyond the fused sine/cosine's range: through a buffer and
            # cos_sin_into, which falls back to numpy's full-range trigonometry.
            workspace = np.empty((X.shape[0], self._n_frequencies), X.dtype)
        projection = self._project(X, workspace)
        # Every cos/sin pair (and the odd random-phase feature, whose 2 cos cos product
        # has the same mean) estimates k(x, y) without bias; the inner product averages
        # them over the frequencies.
        cos_sin_into(projection[:, :pairs], Z, scale)
        if self._n_features_out % 2:
            phase = projection[:, pairs] + self.random_offset_[0]
            Z[:, -1] = np.sqrt(2.0) * scale * np.cos(phase)


def _radial_scale(spec, size, rng):
    """Per-frequency factor turning a standard Gaussian vector into a density draw."""
    if spec.family.name == "rbf":
        return np.full(size, np.sqrt(2.0 * spec["gamma"]))
    # Matern: a multivariate t with 2 nu degrees of freedom, scale 1 / length_scale.
    dof = 2.0 * spec["nu"]
    return np.sqrt(dof / rng.chisquare(dof, size=size)) / spec["length_scale"]


def _iid(spec, d, m, rng):
    if spec.family.name == "laplacian":
        return spec["gamma"] * rng.standard_cauchy(size=(d, m))
    return rng.standard_normal(size=(d, m)) * _radial_scale(spec, m, rng)


def _orthogonal(spec, d, m, rng):
    blocks = []
    for _ in range(-(-m // d)):
        Q, R = np.linalg.qr(rng.standard_normal(size=(d, d)))
        Q *= np.sign(np.diag(R))  # Haar-distributed rotation
        blocks.append(Q)
    directions = np.hstack(blocks)[:, :m]
    # Norms of standard Gaussian vectors (chi with d degrees of freedom), independent
    # of the directions, make each column marginally Gaussian.
    norms = np.sqrt(rng.chisquare(d, size=m))
    return directions * norms * _radial_scale(spec, m, rng)


def _quasi_monte_carlo(spec, d, m, rng):
    # Matern needs one more coordinate: the chi-square draw of its t distribution.
    dims = d + (spec.family.name == "matern")
    sampler = qmc.Sobol(dims, scramble=True, seed=rng)
    u = sampler.random_base2(int(np.ceil(np.log2(m))))[:m]
    u = np.clip(u, 1e-12, 1 - 1e-12)  # keep the inverse CDFs finite
    if spec.family.name == "laplacian":
        return (spec["gamma"] * stats.cauchy.ppf(u)).T
    z = stats.norm.ppf(u[:, :d]).T
    if spec.family.name == "rbf":
        return z * np.sqrt(2.0 * spec["gamma"])
    dof = 2.0 * spec["nu"]
    return z * np.sqrt(dof / stats.chi2.ppf(u[:, d], dof)) / spec["length_scale"]


_FREQUENCIES = {"iid": _iid, "orthogonal": _orthogonal, "qmc": _quasi_monte_carlo}


@fill_doc
class ArcCosineFeatures(_RandomFeatureMap):
    """Random step (order 0) or ReLU (order 1) features of the arc-cosine kernels.

    Cho & Saul (2009): for ``w ~ N(0, I)``,
    ``k_n(x, y) = 2 E[step(w.x) step(w.y) (w.x)^n (w.y)^n] = ||x||^n ||y||^n J_n(theta) / pi``
    with ``J_0 = pi - theta`` and ``J_1 = sin(theta) + (pi - theta) cos(theta)``: the
    kernel of an infinitely wide one-hidden-layer network with step or ReLU units, the
    building block of NTK/NNGP kernels. The features are
    ``z(x) = sqrt(2 / n_components) * relu(W x)^n``.

    Parameters
    ----------
    order : {0, 1}, default=1
        0: step units (``k_0 = 1 - theta / pi``; the step is 1/2 at 0, as Cho &
        Saul's, so ``k_0`` is 1/2 where x or y is 0); 1: ReLU units.
    n_components : int, default=100
        Number of random units.
    random_state : int, RandomState instance or None, default=None
        Seeds the random weights; ``fit`` only draws them.
        Pass an int for reproducible output across multiple function calls.

    Attributes
    ----------
    random_weights_ : ndarray of shape (n_features, n_components)
    {feature_attributes}

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel import ArcCosine, ArcCosineFeatures
    >>> X = np.random.default_rng(0).normal(size=(200, 4))
    >>> Z = ArcCosineFeatures(order=1, n_components=20000, random_state=0).fit_transform(X)
    >>> K = ArcCosine(order=1)(X)
    >>> bool(np.linalg.norm(Z @ Z.T - K) / np.linalg.norm(K) < 0.05)
    True
    """

    _parameter_constraints = {
        "order": [Interval(Integral, 0, 1, closed="both")],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        order: Literal[0, 1] = 1,
        *,
        n_components: int = 100,
        random_state: RandomStateLike = None,
    ) -> None:
        store_init_params(self, locals())

    def _draw(self, d, rng):
        self._order = self.order
        self.random_weights_ = rng.standard_normal(size=(d, self.n_components))

    @property
    def _n_projections(self):
        return 0  # the units are computed in the output itself

    def _features(self, X, Z, workspace):
        np.matmul(X, self.random_weights_.astype(X.dtype, copy=False), out=Z)
        if self._order == 0:
            # Cho & Saul's step, 1/2 at 0: what makes z(0) . z(y) tend to k_0(0, y).
            np.heaviside(Z, Z.dtype.type(0.5), out=Z)
        else:
            np.maximum(Z, 0, out=Z)
        Z *= Z.dtype.type(np.sqrt(2.0 / self._n_features_out))
