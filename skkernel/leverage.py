"""Ridge leverage scores: exact, BLESS-style approximate, and sequential (INK-ESTIMATE).

The ridge leverage score of sample i at penalty ``alpha`` (KernelRidge's alpha) is

    tau_i = (K (K + alpha I)^-1)_ii,

how much sample i matters to a kernel ridge fit at that penalty; the scores sum to
the effective dimension ``d_eff(alpha)``. Sampling Nystroem centers with probability
proportional to them needs only ``O(d_eff log n)`` centers for a ``alpha``-accurate
approximation, where uniform sampling may need many more on clustered or
imbalanced data.

All approximations here estimate a score from a weighted *dictionary* of samples
``J`` with weights ``a_j > 0``:

    tau~_i = (k(x_i, x_i) - k_J(x_i)^T (K_JJ + alpha diag(a))^-1 k_J(x_i)) / alpha,

which is the exact score when J is every sample with ``a = 1``, and a constant
factor approximation when J was sampled by (approximate) leverage scores with
``a_j`` = (expected number of draws of j), divided by the draws it got.
"""

import copy
import math
import warnings
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from scipy import linalg, optimize
from sklearn.base import BaseEstimator, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import BACKEND_CONSTRAINT, FLOAT_DTYPES, check_finite_kernel, fit_context
from ._docs import fill_doc
from ._init_params import store_init_params
from ._linalg import inverse_diagonal, jittered_cholesky, rounding_level
from ._memory import check_dense_fits, row_batches
from ._operator import KernelOperator
from ._typing import ArrayLike, BackendName, KernelLike, NDArray, RandomStateLike
from ._validation import check_kernel_input
from .kernels import kernel_from_params, kernel_parameter_constraints, make_kernel

__all__ = ["SequentialLeverageScores", "ridge_leverage_scores"]


def gram64(kernel, X, backend="auto"):
    """The float64 Gram matrix K(X, X), exact diagonal included; refused if not finite."""
    K = KernelOperator(kernel, X.astype(np.float64, copy=False), backend=backend)
    return check_finite_kernel(K.gram())


def exact_leverage_scores(K, alpha):
    """Exact ridge leverage scores of a dense PSD kernel matrix.

    Parameters
    ----------
    K : ndarray of shape (n, n)
    alpha : float

    Returns
    -------
    scores : ndarray of shape (n,)
    """
    eigenvalues, Q = linalg.eigh(K, check_finite=False)
    if eigenvalues[0] < -rounding_level(eigenvalues):
        # Not a rounding error: an indefinite kernel (sigmoid, additive chi2), whose
        # leverage scores are not defined; these are those of its positive part.
        warnings.warn(
            f"The kernel matrix is not positive semi-definite (smallest eigenvalue "
            f"{eigenvalues[0]:.3g}, largest {eigenvalues[-1]:.3g}); the leverage scores "
            "are those of its positive part.",
            UserWarning,
            stacklevel=3,
        )
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    return np.square(Q, out=Q) @ (eigenvalues / (eigenvalues + alpha))


def alpha_for_effective_dimension(eigenvalues, target):
    """The penalty at which ``sum(w / (w + alpha)) = target`` for eigenvalues w."""
    eps = np.finfo(np.float64).eps
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    largest = float(eigenvalues.max(initial=0.0))
    # Everything relative to the kernel's own scale: eigenvalues within rounding of
    # the largest are zeros, and the search starts at eps times it (an absolute
    # bracket missed the root of a kernel of values ~1e-18).
    eigenvalues = np.where(eigenvalues > rounding_level(eigenvalues), eigenvalues, 0.0)
    smallest_alpha = eps * largest if largest > 0 else eps
    if target >= np.count_nonzero(eigenvalues):
        return float(smallest_alpha)

    def gap(log_alpha):
        return np.sum(eigenvalues / (eigenvalues + math.exp(log_alpha))) - target

    bottom = math.log(smallest_alpha)
    if gap(bottom) <= 0:
        return float(smallest_alpha)
    top = math.log(eigenvalues.sum() / max(target, 1e-12)) + 1.0
    return math.exp(optimize.brentq(gap, bottom, top))


def _score_floor(diag, trace, alpha):
    """``k(x, x) / (trace + k(x, x) + alpha)``: a lower bound of every ridge leverage
    score of a positive semi-definite kernel (its largest eigenvalue is at most the
    trace). Kernels that are not PSD (a negative diagonal) get no floor, so that
    their scores still reach the check that says so."""
    diag = np.maximum(diag, 0.0)
    return diag / (max(trace, 0.0) + diag + alpha)


class _Dictionary:
    """A weighted dictionary of samples that estimates ridge leverage scores.

    The factorisation is computed on first use, so a dictionary that is only
    returned costs nothing.

    Parameters
    ----------
    kernel : Kernel
    points : ndarray of shape (n_dict, n_features)
    weights : ndarray of shape (n_dict,)
        The ``a_j`` of the module docstring.
    alpha : float
    trace : float
        ``sum_j k(x_j, x_j)`` over the data whose scores are estimated: it bounds the
        largest eigenvalue of K, so ``k(x, x) / (trace + k(x, x) + alpha)`` is a lower
        bound of every score.
    backend : str, default="auto"
        Backend of the kernel blocks.
    """

    def __init__(self, kernel, points, weights, alpha, trace, backend="auto"):
        self.kernel = kernel
        self.points = points
        self.weights = weights
        self.alpha = alpha
        self.trace = trace
        self.backend = backend
        self._L = None

    def _factor(self):
        if self._L is None:
            G = gram64(self.kernel, self.points, self.backend)
            G[np.diag_indices_from(G)] += self.alpha * self.weights
            self._L, _ = jittered_cholesky(G)
        return self._L

    def scores(self, X):
        """Estimated scores of the rows of X, clipped to [lower bound, 1]; blocked
        over rows.

        Below the rounding level of K (alpha ~ 1e-16 ||K||), ``diag - explained`` is
        rounding noise, often negative: the estimate is then held at the proven lower
        bound ``k(x, x) / (trace + k(x, x) + alpha)``, never at 0, which would make
        the row impossible to sample (and drop it from a sequential dictionary).
        """
        diag = np.asarray(self.kernel.diag(X), dtype=np.float64)
        floor = _score_floor(diag, self.trace, self.alpha)
        if not len(self.points):
            return np.clip(diag / self.alpha, floor, 1.0)
        L = self._factor()
        explained = np.empty(X.shape[0])
        columns = KernelOperator(self.kernel, X, self.points, backend=self.backend)
        for rows in row_batches(X.shape[0], 3 * 8 * len(self.points)):
            C = np.asarray(columns.block(rows, slice(None)), dtype=np.float64)
            W = linalg.solve_triangular(L, C.T, lower=True, check_finite=False)
            explained[rows] = np.einsum("ij,ij->j", W, W)
        return np.clip((diag - explained) / self.alpha, floor, 1.0)


def _draw_dictionary(candidates, scores, size, oversampling, rng):
    """Sample ``size`` draws from candidates proportional to scores, merge repeats.

    A candidate drawn c times with expected draw count ``oversampling * score`` gets
    the weight ``oversampling * score / c`` (its column counted c times).
    """
    total = scores.sum()
    if total <= 0 or size < 1:
        return candidates[:0], scores[:0]
    draws = rng.choice(len(candidates), size=size, replace=True, p=scores / total)
    chosen, counts = np.unique(draws, return_counts=True)
    return candidates[chosen], oversampling * scores[chosen] / counts


def bless_dictionary(
    kernel,
    X,
    alpha,
    random_state=None,
    *,
    max_effective_dimension=None,
    max_candidates=None,
    min_candidates=0,
    oversampling=2.0,
    backend="auto",
):
    """A leverage-score dictionary for penalty alpha, by a BLESS path of penalties.

    Following Rudi, Carratino & Rosasco (2018), "On Fast Leverage Score Sampling and
    Optimal Learning": start from a penalty so large that every score is tiny, and
    halve it until it reaches alpha. At each penalty ``alpha_h``, a uniform subset
    of ``2 n kappa^2 / alpha_h`` samples (the
    largest number of samples with a score near 1) is scored with the previous
    dictionary, the effective dimension is estimated from those scores, and
    ``oversampling * d_eff`` draws proportional to the scores form the next
    dictionary. Every step costs ``O(n_subset * n_dict^2)``, so the whole path is
    ``O(n d_eff^2)`` at most and never forms K.

    Parameters
    ----------
    kernel : Kernel
    X : ndarray of shape (n_samples, n_features)
    alpha : float
        Target penalty.
    random_state : int, RandomState instance or None
        Pass an int for reproducible output across multiple function calls.
    max_effective_dimension : float, default=None
        Stop early, at the first penalty whose estimated effective dimension reaches
        this (the penalty at which a budget of that many centers is well spent).
    max_candidates : int, default=None
        Largest uniform subset scored per step.
    min_candidates : int, default=0
        Smallest subset returned (at most n): the last penalty's uniform subset is
        topped up with more uniform samples, scored by the same dictionary, for a
        caller that draws that many samples from it whatever penalty the path stops
        at.
    oversampling : float, default=2.0
        Draws per unit of estimated effective dimension at each penalty.
    backend : str, default="auto"
        Backend of the kernel blocks.

    Returns
    -------
    dictionary : _Dictionary
        The dictionary drawn at the last penalty; its ``alpha`` is that penalty.
    candidates : ndarray of int
        The uniform subset scored at the last penalty.
    candidate_scores : ndarray
        Their scores at that penalty, estimated with the previous dictionary (as in
        BLESS, the scores the last dictionary was drawn from).
    """
    rng = check_random_state(random_state)
    n = X.shape[0]
    diag = check_finite_kernel(kernel.diag(X), "The kernel's diagonal")
    kappa2, trace = float(np.max(diag)), float(np.sum(diag))
    max_candidates = n if max_candidates is None else min(n, max_candidates)
    alpha_h = max(n * kappa2, alpha)
    picked, weights = np.empty(0, dtype=np.intp), np.empty(0)
    while True:
        alpha_h = max(alpha_h / 2.0, alpha)
        # The previous dictionary, re-weighted for the new penalty.
        dictionary = _Dictionary(kernel, X[picked], weights, alpha_h, trace, backend)
        size = min(max_candidates, math.ceil(2.0 * n * kappa2 / alpha_h))
        candidates = np.sort(rng.choice(n, size=size, replace=False))
        scores = check_finite_kernel(
            dictionary.scores(X[candidates]), "The kernel matrix behind the ridge leverage scores"
        )
        effective_dimension = scores.sum() * n / size
        draws = math.ceil(oversampling * effective_dimension)
        picked, weights = _draw_dictionary(candidates, scores, draws, oversampling, rng)
        done = alpha_h <= alpha or (
            max_effective_dimension is not None and effective_dimension >= max_effective_dimension
        )
        if done:
            shortfall = min(min_candidates, n) - candidates.size
            if shortfall > 0:
                # More uniform candidates, scored by the same dictionary: drawn only
                # here, so that the path's draws are those of a path without them.
                extra = rng.choice(np.setdiff1d(np.arange(n), candidates), shortfall, False)
                extra_scores = check_finite_kernel(
                    dictionary.scores(X[extra]),
                    "The kernel matrix behind the ridge leverage scores",
                )
                candidates = np.concatenate([candidates, extra])
                scores = np.concatenate([scores, extra_scores])
                order = np.argsort(candidates)
                candidates, scores = candidates[order], scores[order]
            dictionary = _Dictionary(kernel, X[picked], weights, alpha_h, trace, backend)
            return dictionary, candidates, scores


@fill_doc
@validate_params(
    {
        "X": ["array-like"],
        **kernel_parameter_constraints(precomputed=False),
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "method": [StrOptions({"exact", "approximate"})],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def ridge_leverage_scores(
    X: ArrayLike,
    *,
    kernel: KernelLike = "rbf",
    gamma: float | None = None,
    degree: float = 3,
    coef0: float = 1,
    kernel_params: dict[str, Any] | None = None,
    alpha: float = 1.0,
    method: Literal["exact", "approximate"] = "exact",
    random_state: RandomStateLike = None,
) -> NDArray[np.float64]:
    """Ridge leverage scores ``tau_i = (K (K + alpha I)^-1)_ii`` of the samples.

    Parameters
    ----------
    {predict_X}
    kernel : str or callable, default="rbf"
        Any kernel of :func:`skkernel.make_kernel`.
    {kernel_parameters}
    alpha : float, default=1.0
        Penalty, in KernelRidge's sense (not divided by n).
    method : {"exact", "approximate"}, default="exact"
        "exact" forms K and eigendecomposes it: ``O(n^3)`` time, ``n^2`` memory, for
        small n and for reference. "approximate" builds a leverage-score dictionary
        along a BLESS path of penalties and scores every sample with it, never
        forming K: ``O(n d_eff^2)`` time; the estimates are within a constant factor
        of the exact scores for nearly all samples.
    random_state : int, RandomState instance or None, default=None
        Randomness of the approximate method.
        Pass an int for reproducible output across multiple function calls.

    Returns
    -------
    scores : ndarray of shape (n_samples,)
        In [0, 1]; exact scores sum to the effective dimension ``d_eff(alpha)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.leverage import ridge_leverage_scores
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> scores = ridge_leverage_scores(X, kernel="rbf", gamma=0.5, alpha=1.0)
    >>> scores.shape, bool(0 < scores.min() and scores.max() <= 1)
    ((200,), True)
    >>> approx = ridge_leverage_scores(X, gamma=0.5, method="approximate", random_state=0)
    >>> bool(np.median(approx / scores) < 2)
    True
    """
    X = check_kernel_input(X)
    kernel = make_kernel(
        kernel, gamma=gamma, degree=degree, coef0=coef0, kernel_params=kernel_params
    )
    if method == "exact":
        check_dense_fits(
            X.shape[0],
            X.shape[0],
            np.float64,
            what="Exact leverage scores",
            instead="Use method='approximate'.",
            count=3,  # K, the eigensolver's copy of it, the eigenvectors
        )
        return exact_leverage_scores(gram64(kernel, X), alpha)
    dictionary, *_ = bless_dictionary(kernel, X, alpha, random_state)
    return dictionary.scores(X)


@fill_doc
class SequentialLeverageScores(BaseEstimator):
    """Ridge leverage scores in one pass over a stream: INK-ESTIMATE.

    Calandriello, Lazaric & Valko (2016), "Analysis of Nystroem method with sequential
    ridge leverage scores". A dictionary of samples is kept, each with a probability
    ``p_j`` (its latest estimated score, never increasing) and a multiplicity ``q_j``
    (how many of ``oversampling`` virtual copies survive). For each new batch, every
    new sample enters with ``p = 1`` and ``q = oversampling``; the scores of the whole
    dictionary are re-estimated against the larger kernel matrix seen so far; ``p_j``
    becomes ``min(p_j, score_j)`` and each copy survives with probability
    ``p_new / p_old``; samples with no copy left are dropped forever.

    A sample's new probability is ``(1 - epsilon)`` times its dictionary estimate
    (that of the module docstring with weights ``a_j = oversampling * p_j / q_j``);
    :meth:`leverage_scores` returns the dictionary estimate itself, without the
    factor. The dictionary holds ``O(oversampling * d_eff)`` samples whatever the
    length of the stream. With ``oversampling`` of order ``log(n / delta) /
    epsilon^2`` (hundreds), the paper proves that at every step the Nystroem
    approximation from its samples satisfies
    ``K - alpha / (1 - epsilon) I <= K_nystroem <= K`` with probability 1 - delta;
    the default 8 keeps the dictionary small and the bound only usually (see
    docs/nystroem.md).

    Each batch factors the kernel matrix of the dictionary and the batch: a pass
    costs about ``n / batch_size`` factorisations of order ``m + batch_size``, m
    the dictionary's size, which grows with ``d_eff(alpha)`` and so with n at a
    fixed alpha. At alpha = 1 on 5,000 rows of 20 Gaussian features (RBF, gamma =
    0.05) the dictionary holds 2,900 rows and the pass takes ~30 s; raise alpha
    (or lower ``oversampling``) for a smaller dictionary and a faster pass.

    Parameters
    ----------
    kernel : str or callable, default="rbf"
        Any kernel of :func:`skkernel.make_kernel`.
    {kernel_parameters}
    alpha : float, default=1.0
        Penalty of the scores (KernelRidge's alpha).
    oversampling : int, default=8
        Virtual copies of each new sample (``q-bar`` in the paper); larger is more
        accurate and keeps a larger dictionary.
    epsilon : float, default=0.5
        Accuracy parameter in (0, 1); the probabilities are the estimated scores
        shrunk by ``1 - epsilon``.
    batch_size : int, default=256
        Samples added per update; ``fit`` and ``partial_fit`` cut their input into
        batches of this size (1 is the one-at-a-time algorithm of the paper).
    backend : str, default="auto"
        Backend of the kernel blocks ("auto", "numpy", "numba", "keops", "cupy",
        "dask"); see :class:`skkernel.KernelOperator`.
    random_state : int, RandomState instance or None, default=None
        Randomness of which copies survive.
        Pass an int for reproducible output across multiple function calls.

    Attributes
    ----------
    dictionary_ : ndarray of shape (n_dictionary, n_features)
        The samples kept, in the widest dtype of the batches seen (a float64 batch
        after float32 ones turns the dictionary into float64).
    dictionary_indices_ : ndarray of shape (n_dictionary,)
        Their positions in the stream (over all ``partial_fit`` calls).
    probabilities_ : ndarray of shape (n_dictionary,)
        Their current probabilities ``p_j``.
    multiplicities_ : ndarray of shape (n_dictionary,)
        Their surviving copies ``q_j``.
    n_samples_seen_ : int
        Samples seen over all ``partial_fit`` calls.
    {feature_attributes}

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.leverage import SequentialLeverageScores
    >>> X = np.random.default_rng(0).normal(size=(2000, 2))
    >>> ink = SequentialLeverageScores(gamma=0.5, alpha=1.0, random_state=0)
    >>> ink = ink.partial_fit(X[:1000]).partial_fit(X[1000:])
    >>> ink.n_samples_seen_, bool(ink.dictionary_indices_.size < 200)
    (2000, True)
    """

    _parameter_constraints = {
        **kernel_parameter_constraints(precomputed=False),
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "oversampling": [Interval(Integral, 1, None, closed="left")],
        "epsilon": [Interval(Real, 0, 1, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "backend": BACKEND_CONSTRAINT,
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        kernel: KernelLike = "rbf",
        *,
        gamma: float | None = None,
        degree: float | None = 3,
        coef0: float | None = 1,
        kernel_params: dict[str, Any] | None = None,
        alpha: float = 1.0,
        oversampling: int = 8,
        epsilon: float = 0.5,
        batch_size: int = 256,
        backend: BackendName = "auto",
        random_state: RandomStateLike = None,
    ) -> None:
        store_init_params(self, locals())

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A stream saved before backend= existed evaluates on the default backend.
        state.setdefault("backend", "auto")
        super().__setstate__(state)

    def _get_kernel(self):
        return kernel_from_params(self)

    def _current_settings(self):
        """What a stream is built on: its kernel and the parameters of its scores."""
        settings = {name: getattr(self, name) for name in ("alpha", "oversampling", "epsilon")}
        return {"kernel": clone(self._get_kernel()), **settings}

    def _settings(self):
        """The settings the stream was started with (the current ones for a stream
        pickled before they were kept)."""
        return getattr(self, "_stream_settings", None) or self._current_settings()

    @fit_context
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> "SequentialLeverageScores":
        """Run the single pass over X from an empty dictionary.

        {fit_unsupervised}
        """
        # A failed pass restores the fitted stream, dictionary included (fit_context).
        for attribute in ("dictionary_", "n_samples_seen_", "_rng", "_trace", "_stream_settings"):
            if hasattr(self, attribute):
                delattr(self, attribute)
        return self.partial_fit(X)

    @fit_context
    def partial_fit(self, X: ArrayLike, y: ArrayLike | None = None) -> "SequentialLeverageScores":
        """Add the samples of X to the stream, one batch at a time.

        The stream keeps the kernel, ``alpha``, ``oversampling`` and ``epsilon`` of
        its first call (``leverage_scores`` uses them too); a later call with others
        set is refused, as IncrementalPCA refuses a new ``n_components``: ``fit``
        starts a new stream.

        Each call cuts its own rows into batches of ``batch_size``: calls whose
        sizes are multiples of it give exactly ``fit`` of their concatenation;
        other sizes cut other batches, and so draw another (equally valid)
        dictionary.

        {fit_unsupervised}
        """
        first = not hasattr(self, "dictionary_")
        X = validate_data(self, X, dtype=FLOAT_DTYPES, reset=first)
        if first:
            self._stream_settings = self._current_settings()
            self._rng = check_random_state(self.random_state)
            self.dictionary_ = X[:0].copy()
            self.dictionary_indices_ = np.empty(0, dtype=np.intp)
            self.probabilities_ = np.empty(0)
            self.multiplicities_ = np.empty(0, dtype=np.intp)
            self.n_samples_seen_ = 0
            self._trace = 0.0  # sum of k(x, x) over the samples seen
        else:
            # As IncrementalPCA: a stream's probabilities were drawn under its kernel
            # and penalty, and scoring them under others would mix two estimates.
            started, now = self._settings(), self._current_settings()
            changed = [name for name in started if repr(started[name]) != repr(now[name])]
            if changed:
                raise ValueError(
                    f"partial_fit continues a stream started with other {', '.join(changed)} "
                    f"({', '.join(f'{n}={started[n]!r}' for n in changed)}); set them back, "
                    "or call fit to start a new stream."
                )
            # The batches draw from a copy: a call that fails on a later batch must
            # leave the stream's generator as it was (fit_context restores the
            # attributes, not the state inside the object they name).
            self._rng = copy.deepcopy(self._rng)
        # The wider of the two dtypes, as numpy's promotion (and sklearn's
        # IncrementalPCA) would: a float64 batch after float32 ones must not lose its
        # digits to the dictionary's dtype.
        dtype = np.result_type(self.dictionary_.dtype, X.dtype)
        self.dictionary_ = self.dictionary_.astype(dtype, copy=False)
        X = X.astype(dtype, copy=False)
        for start in range(0, X.shape[0], self.batch_size):
            self._add_batch(X[start : start + self.batch_size])
        return self

    def _add_batch(self, batch):
        settings = self._settings()
        kernel = settings["kernel"]
        n_new = batch.shape[0]
        points = np.vstack([self.dictionary_, batch])
        indices = np.concatenate(
            [self.dictionary_indices_, self.n_samples_seen_ + np.arange(n_new)]
        )
        p_old = np.concatenate([self.probabilities_, np.ones(n_new)])
        q_old = np.concatenate(
            [self.multiplicities_, np.full(n_new, settings["oversampling"], dtype=np.intp)]
        )
        # A stream pickled before the trace was kept has none: no floor (np.inf).
        trace = getattr(self, "_trace", np.inf) + float(np.sum(kernel.diag(batch)))
        scores = (1.0 - settings["epsilon"]) * check_finite_kernel(
            self._dictionary_scores(kernel, points, p_old, q_old, trace),
            "The kernel matrix behind the ridge leverage scores",
        )
        p_new = np.minimum(p_old, scores)
        q_new = self._rng.binomial(q_old, np.clip(p_new / p_old, 0.0, 1.0))
        keep = q_new > 0
        self.dictionary_ = points[keep]
        self.dictionary_indices_ = indices[keep]
        self.probabilities_ = p_new[keep]
        self.multiplicities_ = q_new[keep]
        self.n_samples_seen_ += n_new
        self._trace = trace

    def _dictionary_scores(self, kernel, points, p, q, trace):
        """Scores of the dictionary's own samples (weights a = q-bar p / q).

        ``(k_ii - k_i^T (G + alpha A)^-1 k_i) / alpha = a_i (1 - alpha a_i [(G +
        alpha A)^-1]_ii)``, which needs only the diagonal of one inverse and has no
        cancellation between two nearly equal terms.
        """
        settings = self._settings()
        alpha = settings["alpha"]
        a = settings["oversampling"] * p / q
        G = gram64(kernel, points, self.backend)
        G[np.diag_indices_from(G)] += alpha * a
        L, _ = jittered_cholesky(G)
        inverse_diag = inverse_diagonal(L)
        # Held at the lower bound of every score where rounding takes it below (see
        # _Dictionary.scores): a zero would drop the sample for good.
        floor = _score_floor(np.diag(G) - alpha * a, trace, alpha)
        return np.clip(a * (1.0 - alpha * a * inverse_diag), floor, 1.0)

    def leverage_scores(self, X: ArrayLike) -> NDArray[np.float64]:
        """Estimated ridge leverage scores of the rows of X against the dictionary.

        Parameters
        ----------
        {predict_X}

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            In [0, 1].
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=FLOAT_DTYPES, reset=False)
        # The stream's own settings (set_params since does not change its estimate),
        # and float64 whatever the data's dtype, as the stream scored its samples.
        settings = self._settings()
        weights = settings["oversampling"] * self.probabilities_ / self.multiplicities_
        dictionary = _Dictionary(
            settings["kernel"],
            self.dictionary_.astype(np.float64, copy=False),
            weights,
            settings["alpha"],
            getattr(self, "_trace", np.inf),
            self.backend,
        )
        return dictionary.scores(X.astype(np.float64, copy=False))
