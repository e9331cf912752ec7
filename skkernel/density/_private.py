"""Differentially private kernel density and similarity: PrivateKernelDensity and
PrivateKernelClassifier.

The function-release setting of Wagner, Naamad & Mishra (ICML 2023) and Backurs,
Lin, Mahabadi, Silwal & Tarnawski (ICLR 2024): one private structure is released,
and any number of queries ``sum_i k(x_i, y)`` are answered from it afterwards at no
further privacy cost (post-processing). The structure here is the mean random
Fourier embedding of the data plus noise:

- ``z(x) = [cos(W x), sin(W x)] / sqrt(D / 2)`` with D/2 frequencies drawn from the
  kernel's spectral density, independently of the data; every point's embedding
  has norm exactly 1 (paired cosines and sines), so the sensitivity of a mean is
  known for any data, bounded or not;
- ``z(x) . z(y)`` is an unbiased estimate of ``k(x, y)``, so ``mu . z(y)`` of the
  released mean ``mu`` estimates the kernel mean ``(1/n) sum_i k(x_i, y)``;
- noise: Laplace on every coordinate for pure epsilon-privacy (scale = L1
  sensitivity / epsilon), or Gaussian for (epsilon, delta)-privacy (analytic
  calibration to the L2 sensitivity, Balle & Wang 2018).

Neighbouring data sets (the ``neighbouring`` parameter), with D features:

- "replace" (default; n is public): one point replaced by another. The mean moves
  by ``(z(x') - z(x)) / n``: L2 sensitivity 2/n, L1 sensitivity ``2 sqrt(D) / n``
  (``|cos| + |sin| <= sqrt(2)`` per frequency).
- "add-remove": one point added or removed; n is then private too. The sum and the
  count are released together, ``(sum_i z(x_i), n)``: L2 sensitivity ``sqrt(2)``, L1
  ``sqrt(D) + 1``; the mean is their ratio (post-processing).
"""

import math
import warnings
from numbers import Integral, Real
from typing import Any, Literal, TypeAlias, get_args

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils._chunking import get_chunk_n_rows
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import fit_context
from .._docs import fill_doc
from .._init_params import store_init_params
from .._typing import ArrayLike, NDArray, RandomStateLike
from ..kernel_approximation._trig import cos_sin_into
from ..kernels import DensityKernel
from ._base import BandwidthRule, LogLikelihoodScore, bandwidth_rule
from ._privacy import BudgetAccountant, PrivacyLeakWarning, make_mechanism, resolve_accountant

__all__ = ["PrivateKernelClassifier", "PrivateKernelDensity"]

#: ``kernel=`` of the private estimators.
PrivateKernel: TypeAlias = Literal["gaussian", "exponential", "laplacian"]
#: Kernels with a random Fourier embedding here, by their spectral densities.
PRIVATE_KERNELS: tuple[str, ...] = get_args(PrivateKernel)


def _frequencies(kernel, bandwidth, n_features, n_frequencies, rng):
    """Frequencies W (n_features x n_frequencies) from the kernel's spectral density.

    gaussian ``exp(-r^2 / 2h^2)``: N(0, I / h^2); laplacian ``exp(-|u|_1 / h)``:
    independent Cauchy of scale 1/h; exponential ``exp(-r / h)``: the multivariate
    Cauchy (Student t with one degree of freedom) of scale 1/h.
    """
    shape = (n_features, n_frequencies)
    if kernel == "gaussian":
        return rng.normal(scale=1.0 / bandwidth, size=shape)
    if kernel == "laplacian":
        return rng.standard_cauchy(size=shape) / bandwidth
    return rng.normal(size=shape) / (bandwidth * np.abs(rng.normal(size=n_frequencies)))


def _check_bounds(bounds, n_features):
    """(lower, upper) as float arrays of n_features, lower < upper."""
    try:
        lower, upper = bounds
    except (TypeError, ValueError):
        raise ValueError(
            "bounds must be a pair (lower, upper) of numbers or per-feature arrays; "
            f"got {bounds!r}."
        ) from None
    try:
        lower = np.broadcast_to(np.asarray(lower, dtype=np.float64), (n_features,)).copy()
        upper = np.broadcast_to(np.asarray(upper, dtype=np.float64), (n_features,)).copy()
    except ValueError:
        raise ValueError(
            f"bounds must be numbers or arrays of n_features={n_features} values; got "
            f"lower of shape {np.shape(lower)} and upper of shape {np.shape(upper)}."
        ) from None
    if not (np.isfinite(lower).all() and np.isfinite(upper).all() and (lower < upper).all()):
        raise ValueError("bounds must be finite with lower < upper for every feature.")
    return lower, upper


class _PrivateEmbedding(BaseEstimator):
    """What the private estimators share: parameters, the feature map, blocked sums
    and the release."""

    _parameter_constraints = {
        "bandwidth": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"scott", "silverman"}),
        ],
        "kernel": [StrOptions(set(PRIVATE_KERNELS))],
        # closed="right" lets epsilon=inf through: the non-private baseline.
        "epsilon": [Interval(Real, 0, None, closed="right")],
        "delta": [Interval(Real, 0, 1, closed="left")],
        "n_components": [Interval(Integral, 2, None, closed="left")],
        "neighbouring": [StrOptions({"replace", "add-remove"})],
        "bounds": [tuple, list, None],
        "accountant": "no_validation",
        "random_state": ["random_state"],
    }

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        chosen = BudgetAccountant.chosen_default()
        if self.accountant is None and chosen is not None:
            # A copy for another process (a joblib worker) would spend from that
            # process's own infinite default, outside the `with` block or set_default
            # in force here: it carries this one, as a copy that refuses to spend.
            state["_pickled_default"] = chosen
        return state

    def _prepare(self, X):
        """Check the parameters that validation does not cover; the bandwidth, the
        bounds and the frequencies, drawn before any noise."""
        if self.n_components % 2:
            raise ValueError(
                f"n_components={self.n_components}: the features come in pairs (a cosine "
                "and a sine per frequency), so n_components must be even."
            )
        accountant = self.accountant
        if accountant is None:  # the default chosen where this copy was pickled, if any
            accountant = getattr(self, "_pickled_default", None)
        accountant = resolve_accountant(accountant)
        accountant.check(self.epsilon, self.delta)
        n, d = X.shape
        bounds = None if self.bounds is None else _check_bounds(self.bounds, d)
        if isinstance(self.bandwidth, str):
            if self.neighbouring == "add-remove":
                warnings.warn(
                    f"bandwidth={self.bandwidth!r} is computed from the number of samples, "
                    "which add-remove neighbouring treats as private: it leaks. Pass a "
                    "float bandwidth.",
                    PrivacyLeakWarning,
                    stacklevel=4,
                )
            bandwidth = bandwidth_rule(self.bandwidth, n, d)
        else:
            bandwidth = float(self.bandwidth)
        rng = check_random_state(self.random_state)
        W = _frequencies(self.kernel, bandwidth, d, self.n_components // 2, rng)
        # random_state=None: the frequencies come from numpy's global RandomState, as
        # sklearn's do, but the noise must not: anyone who calls np.random.seed (or
        # recovers the Mersenne Twister's state from the published frequencies) could
        # regenerate it. None makes the mechanism draw from fresh OS entropy.
        noise_rng = None if self.random_state is None else rng
        return accountant, bounds, bandwidth, W, noise_rng

    @staticmethod
    def _feature_blocks(X, W, bounds, clip=False):
        """(rows, z(X[rows])) pairs, a block of rows at a time (working_memory):
        X scaled by the bounds' box to [0, 1] first (and clipped to it, for the
        private data), where there are bounds."""
        m = W.shape[1]
        step = get_chunk_n_rows(row_bytes=3 * 2 * m * 8, max_n_rows=X.shape[0])
        scale = 1.0 / math.sqrt(m)
        out = np.empty((min(step, X.shape[0]), 2 * m))
        for start in range(0, X.shape[0], step):
            rows = slice(start, min(start + step, X.shape[0]))
            block = X[rows]
            # Overflow is expected and mended below (rows or bounds near 1e308).
            with np.errstate(over="ignore", invalid="ignore"):
                if bounds is not None:
                    lower, upper = bounds
                    if clip:
                        block = np.clip(block, lower, upper)
                    block = (block - lower) / (upper - lower)
                projection = block @ W
            # Finite rows of 1e308 overflow here (and so do huge bounds): cos(inf) is
            # NaN, a row's embedding would lose its unit norm, on which every
            # sensitivity rests, and its neighbour would show in the release as NaN.
            # Angle 0 keeps each (cos, sin) pair of unit length, whatever the row.
            projection[~np.isfinite(projection)] = 0.0
            Z = out[: block.shape[0]]
            cos_sin_into(projection, Z, scale)
            yield rows, Z

    @classmethod
    def _embedding_sums(cls, X, labels, n_groups, W, bounds):
        """Per group g, the float64 sum of z(x_i) over the rows labelled g."""
        sums = np.zeros((n_groups, 2 * W.shape[1]))
        for rows, Z in cls._feature_blocks(X, W, bounds, clip=True):
            # One GEMM with the block's one-hot labels adds each row to its group.
            one_hot = np.zeros((Z.shape[0], n_groups))
            one_hot[np.arange(Z.shape[0]), labels[rows]] = 1.0
            sums += one_hot.T @ Z
        return sums

    def _similarities(self, X, embeddings):
        """``z(x) . embedding`` for every row of X (unchecked) and every embedding (rows)."""
        X = validate_data(self, X, dtype=np.float64, reset=False)
        out = np.empty((X.shape[0], embeddings.shape[0]))
        for rows, Z in self._feature_blocks(X, self.random_weights_, self.bounds_):
            out[rows] = Z @ embeddings.T
        return out

    def _release(self, sums, counts, n, accountant, rng):
        """Release the per-group sums (and counts) with noise; return the embeddings
        (means), the noisy counts, the mechanism and the sensitivities."""
        D = sums.shape[1]
        if self.neighbouring == "replace" and sums.shape[0] == 1:
            # One mean with a public n: it moves by (z(x') - z(x)) / n.
            value = sums[0] / n
            l1, l2 = 2.0 * math.sqrt(D) / n, 2.0 / n
        else:
            # Sums and counts together; a neighbour changes one group's (sum, count) by
            # (z(x), 1) (add-remove) or, replacing a point, at most two groups' (the
            # point's old and new group) or one group's sum by z(x') - z(x).
            value = np.column_stack([sums, counts]).ravel()
            if self.neighbouring == "add-remove":
                l1, l2 = math.sqrt(D) + 1.0, math.sqrt(2.0)
            else:
                l1, l2 = 2.0 * (math.sqrt(D) + 1.0), 2.0
        mechanism = make_mechanism(self.epsilon, self.delta, l1, l2)
        released = mechanism.randomise(value, random_state=rng)
        if value.shape[0] == D:
            embeddings, noisy_counts = released[None, :], np.array([float(n)])
        else:
            released = released.reshape(sums.shape[0], D + 1)
            noisy_counts = released[:, D]
            # A noisy count can be ~0 or negative for tiny groups; the mean is
            # post-processing, so any positive floor is allowed.
            embeddings = released[:, :D] / np.maximum(noisy_counts, 1.0)[:, None]
        accountant.spend(self.epsilon, self.delta)
        return embeddings, noisy_counts, mechanism

    def _fit_release(self, X_checked, labels, n_groups):
        """Release the embeddings of the groups of rows of the validated X
        (``labels``, in ``range(n_groups)``); set what every release fits and return
        the embeddings and the noisy group sizes.

        Nothing fitted here changes before the release is made (the caller's
        validation sets ``n_features_in_``, which a failed fit restores): a failed
        refit leaves a fitted estimator as it was.
        """
        # Every check before the release: the accountant is charged by the release,
        # and a failed fit restores the estimator, not the accountant it was given.
        accountant, bounds, bandwidth, W, rng = self._prepare(X_checked)
        sums = self._embedding_sums(X_checked, labels, n_groups, W, bounds)
        counts = np.bincount(labels, minlength=n_groups).astype(np.float64)
        embeddings, noisy_counts, mechanism = self._release(
            sums, counts, X_checked.shape[0], accountant, rng
        )
        self._set_release(bounds, bandwidth, W, mechanism)
        return embeddings, noisy_counts

    def _set_release(self, bounds, bandwidth, W, mechanism):
        self.bounds_ = bounds
        self.bandwidth_ = bandwidth
        # The kernel the frequencies were drawn for: set_params(kernel=...) after fit
        # must not put another kernel's normalisation on this embedding.
        self._fitted_kernel = self.kernel
        self.random_weights_ = W
        self.mechanism_ = mechanism
        self.sensitivity_ = mechanism.sensitivity
        self.noise_scale_ = mechanism.scale

    def _log_norm(self):
        """log of the density normalisation, in the units of X (the scaling to the
        bounds' box has Jacobian prod 1 / (upper - lower))."""
        kernel = DensityKernel(self._fitted_kernel, self.bandwidth_)
        log_norm = kernel.log_norm(self.n_features_in_)
        if self.bounds_ is not None:
            lower, upper = self.bounds_
            log_norm -= float(np.sum(np.log(upper - lower)))
        return log_norm


@fill_doc
class PrivateKernelDensity(LogLikelihoodScore, _PrivateEmbedding):
    """A differentially private kernel density estimate, released once.

    ``fit`` releases the mean random Fourier embedding of X plus noise
    (``embedding_``); every later query is answered from it, so any number of
    queries costs no more privacy than the release (see :mod:`skkernel.density`).
    The release is epsilon-differentially private (``delta=0``, Laplace noise) or
    (epsilon, delta)-private (Gaussian noise) with respect to X: whatever is
    computed from the fitted estimator, an observer learns about as little about
    any single row of X as if that row had been replaced (or left out, under
    add-remove neighbouring).

    The error is additive on the kernel mean ``(1/n) sum_i k(x_i, y)``, whose values
    are at most 1: about ``1 / sqrt(n_components)`` from the random features plus
    the noise (Gaussian: ``noise_scale_``, independent of D; Laplace: grows like
    ``sqrt(D)``). That is small next to the kernel means of low-dimensional data at
    a moderate bandwidth (about 1e-2 at d = 2 with Scott's rule), and useless where
    they are tiny (about 5e-6 at d = 10 with Scott's rule).

    Parameters
    ----------
    {private_parameters}

    Attributes
    ----------
    embedding_ : ndarray of shape (n_components,)
        The released mean embedding.
    n_samples_ : float
        n (public, "replace") or its noisy release ("add-remove").
    {private_attributes}

    See Also
    --------
    KernelDensity : the exact estimator.
    PrivateKernelClassifier : one private release per class.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.density import KernelDensity, PrivateKernelDensity
    >>> X = np.random.default_rng(0).normal(size=(20_000, 2))
    >>> private = PrivateKernelDensity(
    ...     bandwidth=0.5, epsilon=1.0, delta=1e-6, n_components=2000, random_state=0
    ... ).fit(X)
    >>> exact = KernelDensity(bandwidth=0.5).fit(X)
    >>> grid = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    >>> np.exp(exact.score_samples(grid)).round(3)
    array([0.126, 0.058, 0.026])
    >>> np.exp(private.score_samples(grid)).round(3)
    array([0.131, 0.06 , 0.026])
    """

    def __init__(
        self,
        bandwidth: float | BandwidthRule = 1.0,
        *,
        kernel: PrivateKernel = "gaussian",
        epsilon: float = 1.0,
        delta: float = 0.0,
        n_components: int = 1000,
        neighbouring: Literal["replace", "add-remove"] = "replace",
        bounds: tuple[ArrayLike, ArrayLike] | list[ArrayLike] | None = None,
        accountant: BudgetAccountant | None = None,
        random_state: RandomStateLike = None,
    ) -> None:
        store_init_params(self, locals())

    @fit_context
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> "PrivateKernelDensity":
        """Release the private embedding of X (spends epsilon and delta).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The private data.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        checked = validate_data(self, X, dtype=np.float64)  # n_features_in_, names
        one_group = np.zeros(checked.shape[0], dtype=np.intp)
        embeddings, counts = self._fit_release(checked, one_group, 1)
        self.embedding_ = embeddings[0]
        self.n_samples_ = float(counts[0])
        return self

    def kernel_mean(self, X: ArrayLike) -> NDArray[np.float64]:
        """The released estimate of ``(1/n) sum_i k(x_i, x)`` at every row of X.

        Parameters
        ----------
        {predict_X}

        Returns
        -------
        kernel_mean : ndarray of shape (n_samples,)
            ``z(x) . embedding_``: unbiased for the kernel mean of the data (over the
            random features and the noise) under "replace" neighbouring; under
            "add-remove" it is the noisy sum over the noisy count, unbiased only up
            to the count's relative noise. Unclipped, so it can be negative or above
            1 by the size of the error.
        """
        check_is_fitted(self)
        return self._similarities(X, self.embedding_[None, :])[:, 0]

    def score_samples(self, X: ArrayLike) -> NDArray[np.float64]:
        """Log of the released density at every row of X.

        Parameters
        ----------
        {predict_X}

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            ``log(max(kernel_mean, 0)) + log norm``: ``-inf`` where the released
            kernel mean is not positive (the noise can push small values below 0;
            clipping is post-processing).
        """
        mean = self.kernel_mean(X)
        with np.errstate(divide="ignore"):
            return np.log(np.maximum(mean, 0.0)) + self._log_norm()


@fill_doc
class PrivateKernelClassifier(ClassifierMixin, _PrivateEmbedding):
    """A differentially private classifier by average kernel similarity.

    ``fit`` releases, for every class c, the sum of the random Fourier embeddings of
    its rows and their count, with noise, in one release; ``predict`` assigns x to the
    class whose private data are most similar on average, ``argmax_c mu_c . z(x)``
    with ``mu_c`` the released sum over the released count (the classifier of
    Backurs et al. 2024, Sec. 11; a kernel mean, or Parzen-window, classifier). A
    class whose released count is below one row has a mean of noise alone (or, at
    ``epsilon=inf``, an empty class's mean of 0, which far from the data beats the
    slightly negative random-feature estimates of real classes): it is not predicted,
    unless no class has a count of one (post-processing, at no privacy cost).

    Privacy budget across classes: the classes partition the rows, so the per-class
    structures are not charged one epsilon each. The release is the concatenated
    vector of all classes' (sum, count); adding or removing a row changes one
    class's block by (z(x), 1), replacing a row changes one block's sum by
    ``z(x') - z(x)`` or, when the label changes, two blocks by one point each. The
    sensitivity covers the worst case of the chosen relation (L2: sqrt(2) for
    add-remove, 2 for replace; L1: sqrt(D) + 1 and 2 (sqrt(D) + 1)), so the whole
    classifier is (epsilon, delta)-private at the price of one release.

    Parameters
    ----------
    {private_parameters}
    classes : array-like, default=None
        The labels, public. None reads them from y, which reveals which labels
        occur in the private data (a :class:`PrivacyLeakWarning`).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    embeddings_ : ndarray of shape (n_classes, n_components)
        The released mean embedding of every class.
    class_counts_ : ndarray of shape (n_classes,)
        The released (noisy) class sizes.
    {private_attributes}

    See Also
    --------
    PrivateKernelDensity : the release of one density.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.model_selection import train_test_split
    >>> from skkernel.density import PrivateKernelClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> bounds = (X.min(axis=0), X.max(axis=0))  # stands in for public bounds
    >>> clf = PrivateKernelClassifier(
    ...     bandwidth=0.5, epsilon=1.0, delta=1e-5, bounds=bounds, classes=[0, 1],
    ...     n_components=2000, random_state=0,
    ... ).fit(X_train, y_train)
    >>> round(clf.score(X_test, y_test), 2)
    0.92
    """

    _parameter_constraints = {
        **_PrivateEmbedding._parameter_constraints,
        "classes": ["array-like", None],
    }

    def __init__(
        self,
        bandwidth: float | BandwidthRule = 1.0,
        *,
        kernel: PrivateKernel = "gaussian",
        epsilon: float = 1.0,
        delta: float = 0.0,
        n_components: int = 1000,
        neighbouring: Literal["replace", "add-remove"] = "replace",
        bounds: tuple[ArrayLike, ArrayLike] | list[ArrayLike] | None = None,
        accountant: BudgetAccountant | None = None,
        random_state: RandomStateLike = None,
        classes: ArrayLike | None = None,
    ) -> None:
        store_init_params(self, locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # At a finite epsilon the noise costs accuracy by design (scikit-learn's
        # checks then skip their accuracy threshold, and only that).
        tags.classifier_tags.poor_score = self.epsilon != math.inf
        return tags

    @fit_context
    def fit(self, X: ArrayLike, y: ArrayLike) -> "PrivateKernelClassifier":
        """Release the private per-class embeddings (spends epsilon and delta once).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The private data.
        y : array-like of shape (n_samples,)
            Their labels.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X_checked, y = validate_data(self, X, y, dtype=np.float64)  # n_features_in_, names
        check_classification_targets(y)
        if self.classes is None:
            warnings.warn(
                "classes=None: the labels are read from y, which reveals which labels "
                "occur in the private data. Pass the public list of labels as classes=.",
                PrivacyLeakWarning,
                stacklevel=2,
            )
            classes = np.unique(y)
        else:
            classes = np.unique(np.asarray(self.classes))
            unknown = np.setdiff1d(np.unique(y), classes)
            if unknown.size:
                # Not the labels themselves: they are private, and messages go to logs.
                raise ValueError("y has labels that are not in classes.")
        if classes.size < 2:
            raise ValueError(
                "PrivateKernelClassifier needs at least 2 classes; got "
                f"{classes.size}: {classes.tolist()}."
            )
        labels = np.searchsorted(classes, y)
        embeddings, noisy_counts = self._fit_release(X_checked, labels, len(classes))
        self.classes_ = classes
        self.embeddings_ = embeddings
        self.class_counts_ = noisy_counts
        return self

    def similarities(self, X: ArrayLike) -> NDArray[np.float64]:
        """The released average similarity of every row of X to every class.

        Parameters
        ----------
        {predict_X}

        Returns
        -------
        similarities : ndarray of shape (n_samples, n_classes)
            ``mu_c . z(x)``, estimates of ``mean_{i in c} k(x_i, x)``.
        """
        check_is_fitted(self)
        return self._similarities(X, self.embeddings_)

    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        """Confidence scores: the similarities (difference of the two, for two classes).

        Parameters
        ----------
        {predict_X}

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, similarity to ``classes_[1]`` minus similarity to
            ``classes_[0]``; else the similarities. A class released with fewer
            than one row (``class_counts_ < 1``) scores the lowest float, unless
            every class is (finite, as ranking scorers such as ROC AUC require).
        """
        S = self.similarities(X)
        lowest = np.finfo(np.float64).min
        predictable = self._predictable_classes()
        if S.shape[1] == 2:
            if predictable.all():
                return S[:, 1] - S[:, 0]
            # One class only can be predicted: the other's lowest score, as a
            # difference that does not overflow.
            return np.full(S.shape[0], -lowest if predictable[1] else lowest)
        S[:, ~predictable] = lowest
        return S

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The class of highest released average similarity.

        A class released with fewer than one row is predicted only if every class is.

        {predict_labels}
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]

    def _predictable_classes(self):
        """The classes whose released size is at least one row (all, if none is).

        Post-processing of the release, so free of privacy cost. A class released with
        fewer than one row has a mean embedding of noise alone, or, at epsilon=inf, of
        0: an empty declared class then beats, far from the data, classes whose random
        feature estimates there are slightly negative.
        """
        predictable = self.class_counts_ >= 1.0
        return predictable if predictable.any() else np.ones_like(predictable)
