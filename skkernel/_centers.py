"""Choosing Nystroem centers (landmarks) among the rows of X.

:func:`select_centers` returns the rows chosen and the importance weights with which
they stand for the data in Falkon's preconditioner. The strategies are registered
in :data:`STRATEGIES` (name -> function); each takes ``(kernel, X, n_components,
alpha, rng, backend)`` and returns ``(indices, weights or None)``:

- ``"uniform"``: uniformly without replacement (scikit-learn's Nystroem draw);
- ``"rls"``: approximate ridge leverage scores along a BLESS path of penalties;
- ``"exact-rls"``: exact ridge leverage scores from the n x n kernel matrix;
- ``"sequential"``: the dictionary of INK-ESTIMATE, one pass over the data;
- ``"kernel-thinning"``: a Compress++ kernel-thinning coreset.
"""

import warnings
from numbers import Integral
from typing import Any, Literal, TypeAlias

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ._memory import check_dense_fits
from ._typing import BackendName, NDArray, RandomStateLike
from .kernels import Kernel
from .leverage import (
    SequentialLeverageScores,
    alpha_for_effective_dimension,
    bless_dictionary,
    exact_leverage_scores,
    gram64,
)
from .thinning._thinner import thinning_indices

__all__ = [
    "CENTER_CONSTRAINTS",
    "EXACT_RLS_MAX_SAMPLES",
    "STRATEGIES",
    "Sampling",
    "centers_from_stream",
    "check_n_components",
    "select_centers",
]

#: ``sampling=`` of the estimators that choose centers: a key of :data:`STRATEGIES`.
Sampling: TypeAlias = Literal["uniform", "rls", "exact-rls", "sequential", "kernel-thinning"]

#: Largest n for which the "exact-rls" strategy forms the n x n kernel matrix.
EXACT_RLS_MAX_SAMPLES = 20_000
#: Uniform candidates scored per leverage-score step, per center.
_CANDIDATES_PER_CENTER = 4


def _draw_probabilities(scores):
    """Probabilities proportional to scores, with a floor that keeps every sample
    drawable (so that any number of distinct samples can be drawn)."""
    p = scores + 1e-12 * max(float(scores.max(initial=0.0)), 1e-300)
    return p / p.sum()


def _weighted_choice(rng, scores, size):
    """``size`` distinct indices drawn with probability proportional to scores."""
    return np.sort(rng.choice(scores.size, size=size, replace=False, p=_draw_probabilities(scores)))


def _importance_weights(scores, picked):
    """Falkon's center weights for centers drawn from scores (Rudi et al. 2018).

    A sample of C points of which ``picked`` were drawn with probability p_j stands
    for the data with weight 1 / (C * pi_j), pi_j = min(1, M p_j) the chance that j
    is among the M drawn: ``K_nM^T K_nM / n ~ K_MM D K_MM`` with D = diag of these.
    Uniform draws give D = I / M, the weights of the plain preconditioner.
    """
    inclusion = np.minimum(1.0, picked.size * _draw_probabilities(scores)[picked])
    return 1.0 / (scores.size * inclusion)


def _uniform(kernel, X, n_components, alpha, rng, backend):
    # sklearn's Nystroem draws exactly this for the same random_state.
    return rng.permutation(X.shape[0])[:n_components], None


def _exact_rls(kernel, X, n_components, alpha, rng, backend):
    n = X.shape[0]
    if n > EXACT_RLS_MAX_SAMPLES:
        raise ValueError(
            f"sampling='exact-rls' forms the {n} x {n} kernel matrix; it is meant for "
            f"n_samples <= {EXACT_RLS_MAX_SAMPLES}. Use sampling='rls'."
        )
    # K, then an eigensolver's copy of it and its eigenvectors.
    check_dense_fits(
        n, n, np.float64, what="sampling='exact-rls'", instead="Use sampling='rls'.", count=3
    )
    K = gram64(kernel, X, backend)
    if alpha is None:
        alpha = alpha_for_effective_dimension(np.linalg.eigvalsh(K), n_components)
    scores = exact_leverage_scores(K, alpha)
    picked = _weighted_choice(rng, scores, n_components)
    return picked, _importance_weights(scores, picked)


def _approximate_rls(kernel, X, n_components, alpha, rng, backend):
    # A BLESS path stopped at alpha or where d_eff reaches the budget; without an
    # alpha, at the latest where the penalty reaches rounding of the kernel's scale.
    if alpha is None:
        kappa2 = float(np.max(kernel.diag(X), initial=0.0))
        floor = 1e-12 * X.shape[0] * max(kappa2, np.finfo(np.float64).tiny)
    else:
        floor = alpha
    _, candidates, scores = bless_dictionary(
        kernel,
        X,
        floor,
        rng,
        max_effective_dimension=n_components,
        max_candidates=_CANDIDATES_PER_CENTER * n_components,
        # At least n_components candidates, so that as many centers are drawn from
        # them whatever penalty the path stops at (a large alpha stopped it early).
        min_candidates=n_components,
        # One draw per unit of d_eff keeps the dictionary near n_components samples;
        # the last scoring step costs O(candidates * n_components^2).
        oversampling=1.0,
        backend=backend,
    )
    if candidates.size <= n_components:
        return candidates, None
    # The candidates are a near-uniform subsample of the data, so the weights
    # within them are the weights in the data.
    picked = _weighted_choice(rng, scores, n_components)
    return candidates[picked], _importance_weights(scores, picked)


def centers_from_stream(
    stream: SequentialLeverageScores, n_components: int, rng: np.random.RandomState
) -> NDArray[np.intp]:
    """Positions, within a fitted INK-ESTIMATE stream's dictionary, of at most
    ``n_components`` centers: all of it, or a draw by the dictionary's probabilities.

    Parameters
    ----------
    stream : SequentialLeverageScores
        A fitted stream.
    n_components : int
        The budget of centers.
    rng : numpy.random.RandomState
        Randomness of the draw.

    Returns
    -------
    positions : ndarray of int
        Indices into ``stream.dictionary_``.
    """
    keep = np.arange(stream.dictionary_indices_.size)
    if keep.size <= n_components:
        return keep
    return _weighted_choice(rng, stream.probabilities_, n_components)


def _sequential(kernel, X, n_components, alpha, rng, backend):
    stream = SequentialLeverageScores(
        kernel, alpha=1.0 if alpha is None else alpha, backend=backend, random_state=rng
    ).fit(X)
    return stream.dictionary_indices_[centers_from_stream(stream, n_components, rng)], None


def _kernel_thinning(kernel, X, n_components, alpha, rng, backend):
    X = X.astype(np.float64, copy=False)
    return thinning_indices(kernel, X, n_components, backend=backend, random_state=rng), None


#: Strategy name -> function(kernel, X, n_components, alpha, rng, backend).
STRATEGIES = {
    "uniform": _uniform,
    "rls": _approximate_rls,
    "exact-rls": _exact_rls,
    "sequential": _sequential,
    "kernel-thinning": _kernel_thinning,
}


def select_centers(
    kernel: Kernel | None,
    X: NDArray[Any],
    n_components: int,
    *,
    sampling: Sampling = "uniform",
    alpha: float | None = None,
    random_state: RandomStateLike = None,
    backend: BackendName = "auto",
    sample_weight: NDArray[np.floating] | None = None,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Indices of ``n_components`` Nystroem centers among the rows of X, and the
    weights with which they stand for the data.

    Parameters
    ----------
    kernel : Kernel
        The kernel.
    X : ndarray of shape (n_samples, n_features)
        Validated data.
    n_components : int
        At most n_samples.
    sampling : {"uniform", "rls", "exact-rls", "sequential", "kernel-thinning"}, \
            default="uniform"
        The strategy (see the module docstring).
    alpha : float, default=None
        Penalty of the leverage scores; ``None`` means the penalty whose effective
        dimension is ``n_components`` ("rls", "exact-rls") or 1.0 ("sequential").
        With "rls", the penalty is also never taken below that one.
    random_state : int, RandomState instance or None, default=None
        Randomness of the draw.
        Pass an int for reproducible output across multiple function calls.
    backend : str, default="auto"
        Backend of the kernel products.
    sample_weight : ndarray of shape (n_samples,), default=None
        Rows of weight 0 take no part in a weighted fit: the centers are drawn
        among the others, as if those rows were not there. ``n_components`` is then
        at most the number of rows of positive weight.

    Returns
    -------
    indices : ndarray of int of shape (n_components,)
        Rows of X.
    weights : ndarray of shape (n_components,)
        How much of the data each center stands for, the diagonal D of Falkon's
        preconditioner (:func:`_importance_weights` for centers drawn by leverage
        scores; ``1 / M`` for the others).
    """
    counted = None if sample_weight is None else np.flatnonzero(sample_weight > 0)
    if counted is not None and counted.size < X.shape[0]:
        indices, weights = select_centers(
            kernel,
            X[counted],
            n_components,
            sampling=sampling,
            alpha=alpha,
            random_state=random_state,
            backend=backend,
        )
        return counted[indices], weights
    rng = check_random_state(random_state)
    indices, weights = STRATEGIES[sampling](kernel, X, n_components, alpha, rng, backend)
    indices = np.asarray(indices)
    if weights is None:
        weights = np.full(indices.size, 1.0 / max(indices.size, 1))
    return indices, weights


#: ``_parameter_constraints`` of the estimators that choose centers.
CENTER_CONSTRAINTS = {
    "n_components": [Interval(Integral, 1, None, closed="left")],
    "sampling": [StrOptions(set(STRATEGIES))],
    "random_state": ["random_state"],
}


def check_n_components(n_components: int, n_samples: int) -> int:
    """The number of centers to use: ``n_components``, at most ``n_samples`` (with a
    warning when it is more)."""
    if n_components > n_samples:
        warnings.warn(
            f"n_components={n_components} > n_samples={n_samples}; using every sample "
            "as a component, which is exact but no cheaper than the full kernel.",
            stacklevel=3,
        )
    return min(n_components, n_samples)
