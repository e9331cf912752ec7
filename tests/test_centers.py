"""Center selection: strategies, importance weights and their effect on Falkon."""

import numpy as np
import pytest

from skkernel import KernelOperator, _centers

from ._helpers import imbalanced_clusters


def test_importance_weights_of_uniform_scores_are_one_over_m():
    picked = np.arange(0, 400, 4)
    np.testing.assert_allclose(_centers._importance_weights(np.ones(400), picked), 1 / 100)
    # A center drawn with certainty stands for itself only: weight 1 / C.
    scores = np.r_[np.full(399, 1e-3), 50.0]
    weights = _centers._importance_weights(scores, np.r_[np.arange(99), 399])
    assert weights[-1] == pytest.approx(1 / 400) and np.all(weights[:-1] > 1 / 100)


# Exact scores cost an n x n eigendecomposition per seed: slow (pytest -m slow).
@pytest.mark.parametrize("sampling", [pytest.param("exact-rls", marks=pytest.mark.slow), "rls"])
def test_leverage_center_weights_cut_cg_iterations_not_the_solution(sampling):
    from skkernel._linalg import falkon_solve
    from skkernel.kernels import make_kernel

    X, y = imbalanced_clusters()
    kernel = make_kernel("rbf", gamma=0.5)
    iterations = {"plain": 0, "weighted": 0}
    for seed in range(4):
        indices, weights = _centers.select_centers(
            kernel, X, 100, sampling=sampling, alpha=1.0, random_state=seed
        )
        assert weights is not None and weights.shape == (100,)
        K_MM = kernel(X[indices], X[indices])
        operator = KernelOperator(kernel, X, X[indices])
        solutions = {}
        for name, center_weights in (("plain", None), ("weighted", weights)):
            coef, _, n_iter = falkon_solve(
                operator,
                y[:, None],
                K_MM,
                1.0,
                center_weights=center_weights,
                tol=1e-8,
                max_iter=1000,
            )
            solutions[name] = operator @ coef  # the fitted values
            iterations[name] += n_iter
        # The preconditioner changes the path, not the solution.
        np.testing.assert_allclose(solutions["weighted"], solutions["plain"], rtol=0, atol=1e-6)
    # Measured: exact scores halve the iterations (215 vs 102 over the 4 seeds), BLESS's
    # approximate ones cut them by a fifth (189 vs 148).
    assert iterations["weighted"] < (0.7 if sampling == "exact-rls" else 0.9) * iterations["plain"]


def test_uniform_and_thinned_centers_keep_the_plain_preconditioner():
    from skkernel.kernels import make_kernel

    X, _ = imbalanced_clusters()
    for sampling in ("uniform", "kernel-thinning"):
        _, weights = _centers.select_centers(
            make_kernel("rbf", gamma=0.5), X, 50, sampling=sampling, alpha=1.0, random_state=0
        )
        # The plain preconditioner: every center stands for 1 / M of the data.
        np.testing.assert_array_equal(weights, np.full(50, 1 / 50))


@pytest.mark.parametrize("sampling", list(_centers.STRATEGIES))
def test_every_strategy_evaluates_the_kernel_on_the_given_backend(sampling, monkeypatch):
    # rls and sequential selection built their kernel blocks on the default backend,
    # whatever backend the estimator was given.
    from skkernel.kernels import make_kernel

    used = set()
    init = KernelOperator.__init__

    def spy(self, *args, **kwargs):
        init(self, *args, **kwargs)
        used.add(self.backend)

    monkeypatch.setattr(KernelOperator, "__init__", spy)
    X = np.random.default_rng(0).normal(size=(300, 2))
    _centers.select_centers(
        make_kernel("rbf", gamma=0.5),
        X,
        20,
        sampling=sampling,
        alpha=1.0,
        backend="numpy",
        random_state=0,
    )
    # Uniform sampling evaluates no kernel; every other strategy does, on numpy.
    assert used == (set() if sampling == "uniform" else {"numpy"})


def test_sequential_centers_are_drawn_by_the_stream_s_probabilities():
    # INK-ESTIMATE keeps a dictionary with a probability per point; the centers are a
    # draw from it by those probabilities (a uniform draw would be uncorrelated).
    from scipy.stats import spearmanr

    from skkernel.leverage import SequentialLeverageScores

    rng = np.random.default_rng(0)
    X = np.vstack(
        [
            0.3 * rng.normal(size=(600, 2)),
            0.3 * rng.normal(size=(30, 2)) + 4,
            0.3 * rng.normal(size=(30, 2)) - 4,
        ]
    )
    stream = SequentialLeverageScores(gamma=1.0, alpha=1e-2, random_state=0).fit(X)
    probabilities = stream.probabilities_
    n_components = probabilities.size // 4
    counts = np.zeros(probabilities.size)
    for seed in range(300):
        picked = _centers.centers_from_stream(stream, n_components, np.random.RandomState(seed))
        assert np.unique(picked).size == n_components  # no point twice in a draw
        counts[picked] += 1
    # Measured: 0.99 (a uniform draw: -0.03).
    assert spearmanr(counts, probabilities).statistic > 0.8
    order = np.argsort(probabilities)
    assert counts[order[-10:]].mean() > 2 * counts[order[:10]].mean()
