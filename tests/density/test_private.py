"""PrivateKernelDensity and PrivateKernelClassifier: what they estimate, the budget,
the leak warnings and bad input (the privacy audit is in test_privacy_audit.py)."""

import copy
import math
import os
import pickle
import threading
import time
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.metrics import roc_auc_score
from sklearn.utils._param_validation import InvalidParameterError

from skkernel.density import (
    BudgetAccountant,
    BudgetError,
    GaussianMechanism,
    KernelDensity,
    LaplaceMechanism,
    PrivacyLeakWarning,
    PrivateKernelClassifier,
    PrivateKernelDensity,
)
from skkernel.density._privacy import analytic_gaussian_delta


def kernel_mean(kernel, X, Y, h):
    """The exact (1/n) sum_i k(x_i, y), from the exact estimator's log-densities."""
    kde = KernelDensity(kernel=kernel, bandwidth=h).fit(X)
    return np.exp(kde.score_samples(Y) - kde.log_norm_)


@pytest.mark.parametrize("kernel", ["gaussian", "exponential", "laplacian"])
def test_without_noise_the_release_estimates_the_kernel_mean(kernel):
    """epsilon = inf: only the random-feature error, ~1/sqrt(D), unbiased. One
    draw's errors are correlated across queries (each frequency adds a smooth
    function), so errors are averaged over draws."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(1000, 2)), rng.normal(size=(100, 2))
    exact = kernel_mean(kernel, X, Y, 0.8)
    errors = {}
    for D in (100, 10_000):
        est = PrivateKernelDensity(0.8, kernel=kernel, epsilon=np.inf, n_components=D)
        draws = [est.set_params(random_state=seed).fit(X).kernel_mean(Y) for seed in range(4)]
        errors[D] = np.mean([np.abs(draw - exact).mean() for draw in draws])
    assert errors[10_000] < 0.02
    assert errors[100] / errors[10_000] > 3  # ~10 for 1/sqrt(D)
    # Every embedding has norm exactly 1.
    Z = est._similarities(X[:50], np.eye(10_000))
    assert_allclose(np.linalg.norm(Z, axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("kernel", ["gaussian", "exponential", "laplacian"])
def test_without_noise_the_release_is_unbiased(kernel):
    # The mean of many draws' kernel means is within its standard error of the exact
    # one at every query (a mis-scaled frequency distribution is tens of standard
    # errors off). A check on four draws (mean error below one draw's) could not fail.
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(300, 2)), rng.normal(size=(20, 2))
    exact = kernel_mean(kernel, X, Y, 0.8)
    est = PrivateKernelDensity(0.8, kernel=kernel, epsilon=np.inf, n_components=200)
    draws = np.array(
        [est.set_params(random_state=seed).fit(X).kernel_mean(Y) for seed in range(100)]
    )
    standard_error = draws.std(axis=0) / np.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - exact) < 4 * standard_error)


def test_gaussian_noise_costs_little_at_large_n():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(50_000, 2)), rng.normal(size=(300, 2))
    exact = kernel_mean("gaussian", X, Y, 0.3)
    params = dict(bandwidth=0.3, delta=1e-6, n_components=2000, random_state=0)
    free = PrivateKernelDensity(epsilon=np.inf, **params).fit(X).kernel_mean(Y)
    private = PrivateKernelDensity(epsilon=1.0, **params).fit(X).kernel_mean(Y)
    mae_free, mae_private = np.abs(free - exact).mean(), np.abs(private - exact).mean()
    assert mae_private < 1.5 * mae_free
    # The noise on a query answer is N(0, sigma^2 |z|^2) = N(0, sigma^2).
    sigma = GaussianMechanism(epsilon=1.0, delta=1e-6, sensitivity=2 / 50_000).scale
    assert np.std(private - free) == pytest.approx(sigma, rel=0.2)


def test_bounds_scale_the_features_and_the_density():
    rng = np.random.default_rng(0)
    X = rng.uniform([0, 100], [10, 300], size=(2000, 2))
    Y = rng.uniform([2, 150], [8, 250], size=(100, 2))
    lower, upper = np.array([0.0, 100.0]), np.array([10.0, 300.0])
    est = PrivateKernelDensity(
        0.3, epsilon=np.inf, n_components=4000, bounds=(lower, upper), random_state=0
    ).fit(X)
    # The kernel acts on the box scaled to [0, 1]^2 ...
    exact = kernel_mean(
        "gaussian", (X - lower) / (upper - lower), (Y - lower) / (upper - lower), 0.3
    )
    assert np.abs(est.kernel_mean(Y) - exact).mean() < 0.02
    # ... and the density is in the units of X: the Jacobian of the scaling.
    log_norm = -np.log(2 * np.pi * 0.3**2) - np.log(10 * 200)
    assert_allclose(est.score_samples(Y), np.log(est.kernel_mean(Y)) + log_norm, rtol=1e-13)
    # The private rows are clipped to the box, the query rows are not: far outside
    # it the estimate decays to the random-feature error (it was the value at the
    # box's edge, the same all the way to infinity).
    outside = np.array([[-5.0, 200.0], [-1000.0, 200.0], [5.0, 350.0]])
    exact_outside = kernel_mean(
        "gaussian", (X - lower) / (upper - lower), (outside - lower) / (upper - lower), 0.3
    )
    assert_allclose(est.kernel_mean(outside), exact_outside, atol=0.03)
    assert est.kernel_mean(outside[:1])[0] < 0.7 * est.kernel_mean([[0.0, 200.0]])[0]


def test_with_bounds_the_estimate_is_still_a_density():
    # 1-D, box [0, 10], no noise. Queries clipped onto the box gave the edge's
    # density (~0.05) all the way to infinity: exp(score_samples) integrated to 122
    # over [-1000, 1010]. Now it integrates to ~1 around the box (averaged over
    # draws of the features, whose error is ~0.1 per draw) and vanishes far away.
    X = np.random.default_rng(0).uniform(0, 10, size=(500, 1))
    grid = np.linspace(-3, 13, 16_001)[:, None]
    far = np.linspace(20, 1000, 1000)[:, None]
    integrals = []
    for seed in range(4):
        est = PrivateKernelDensity(
            0.05, epsilon=np.inf, n_components=4000, bounds=(0.0, 10.0), random_state=seed
        ).fit(X)
        integrals.append(np.trapezoid(np.exp(est.score_samples(grid)), grid[:, 0]))
        assert np.exp(est.score_samples(np.vstack([far, -far]))).max() < 0.025
    assert np.mean(integrals) == pytest.approx(1.0, abs=0.05)


def test_default_noise_is_fresh_whatever_numpy_s_global_seed():
    X = np.random.default_rng(0).normal(size=(200, 2))
    releases = []
    for _ in range(2):
        np.random.seed(42)
        est = PrivateKernelDensity(0.5, epsilon=1.0, n_components=20).fit(X)
        releases.append(est)
    # The public frequencies follow the global seed, as sklearn's random draws do ...
    assert_allclose(releases[0].random_weights_, releases[1].random_weights_)
    # ... the noise does not: the same frequencies and data, other releases.
    assert not np.allclose(releases[0].embedding_, releases[1].embedding_)
    # A seed still makes the whole release reproducible (for tests).
    seeded = [PrivateKernelDensity(0.5, n_components=20, random_state=1).fit(X) for _ in "ab"]
    assert_allclose(seeded[0].embedding_, seeded[1].embedding_)
    np.random.seed(42)
    first = LaplaceMechanism(epsilon=1.0, sensitivity=1.0).randomise(np.zeros(5))
    np.random.seed(42)
    second = LaplaceMechanism(epsilon=1.0, sensitivity=1.0).randomise(np.zeros(5))
    assert not np.allclose(first, second)


def test_score_samples_is_minus_inf_where_the_release_is_not_positive():
    X = np.random.default_rng(0).normal(size=(100, 1))
    est = PrivateKernelDensity(0.1, epsilon=0.01, n_components=50, random_state=0).fit(X)
    grid = np.linspace(-20, 20, 200)[:, None]
    mean = est.kernel_mean(grid)
    assert (mean < 0).any()
    assert np.all(est.score_samples(grid)[mean <= 0] == -np.inf)


def test_leak_warnings():
    X, y = np.random.default_rng(0).normal(size=(40, 2)), np.arange(40) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PrivateKernelDensity("scott").fit(X)  # n is public under replace-one
        PrivateKernelClassifier(classes=[0, 1]).fit(X, y)
    with pytest.warns(PrivacyLeakWarning, match="number of samples"):
        PrivateKernelDensity("scott", neighbouring="add-remove").fit(X)
    with pytest.warns(PrivacyLeakWarning, match="labels"):
        PrivateKernelClassifier().fit(X, y)


@pytest.mark.parametrize("Estimator", [PrivateKernelDensity, PrivateKernelClassifier])
def test_a_fit_that_fails_its_checks_spends_no_budget(Estimator):
    pd = pytest.importorskip("pandas")
    X = np.random.default_rng(0).normal(size=(40, 2))
    y = np.arange(40) % 2
    accountant = BudgetAccountant(epsilon=2.0)
    mixed_names = pd.DataFrame(X, columns=["a", 1])  # refused by validate_data
    with pytest.raises(TypeError, match="Feature names"):
        Estimator(epsilon=1.0, accountant=accountant).fit(mixed_names, y)
    assert accountant.spent == []


def test_accountant_records_checks_and_is_shared_by_clones():
    X = np.random.default_rng(0).normal(size=(40, 2))
    accountant = BudgetAccountant(epsilon=1.5, delta=1e-5)
    est = PrivateKernelDensity(epsilon=1.0, accountant=accountant, random_state=0).fit(X)
    assert accountant.total() == (1.0, 0.0)
    before = est.embedding_
    with pytest.raises(BudgetError, match="exceed the budget"):
        clone(est).fit(X)  # the clone spends from the same ledger
    with pytest.raises(BudgetError):
        est.fit(X)
    assert est.embedding_ is before  # a refused release changes nothing
    est.set_params(epsilon=0.5, delta=1e-5).fit(X)
    assert accountant.total() == (1.5, 1e-5)
    assert accountant.remaining() == (0.0, 0.0)
    assert copy.deepcopy(accountant) is accountant
    # The default accountant, and a temporary one.
    with BudgetAccountant(epsilon=0.2) as limited:
        with pytest.raises(BudgetError):
            PrivateKernelDensity(epsilon=0.3).fit(X)
        PrivateKernelDensity(epsilon=0.2).fit(X)
        assert limited.total()[0] == 0.2
    assert BudgetAccountant.default() is not limited


def test_classifier_agrees_with_the_exact_kernel_mean_classifier():
    X, y = load_digits(return_X_y=True)
    X, y = X[:900] / 16.0, y[:900]
    train, test = slice(0, 700), slice(700, 900)
    h = 1.2
    exact_scores = np.column_stack(
        [kernel_mean("gaussian", X[train][y[train] == c], X[test], h) for c in range(10)]
    )
    exact = exact_scores.argmax(axis=1)
    free = PrivateKernelClassifier(
        h, epsilon=np.inf, n_components=8000, classes=np.arange(10), random_state=0
    ).fit(X[train], y[train])
    assert np.mean(free.predict(X[test]) == exact) > 0.9
    assert free.score(X[test], y[test]) > 0.85
    assert free.decision_function(X[test]).shape == (200, 10)
    assert_allclose(free.class_counts_, np.bincount(y[train]))


def test_classifier_binary_decision_function_and_privacy():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(2000, 2)), rng.normal(size=(2000, 2)) + 2.5])
    y = np.repeat(["a", "b"], 2000)
    clf = PrivateKernelClassifier(
        1.0, epsilon=1.0, delta=1e-5, classes=["a", "b"], random_state=0
    ).fit(X, y)
    scores = clf.decision_function(X)
    assert scores.shape == (4000,)
    assert np.array_equal(clf.predict(X), np.where(scores > 0, "b", "a"))
    assert clf.score(X, y) > 0.85
    assert clf.sensitivity_ == 2.0  # replace-one, labels may change: two blocks


@pytest.mark.parametrize("n_classes", [2, 4])
def test_classifier_never_predicts_a_class_released_empty(n_classes):
    # A declared class with no rows has, at epsilon=inf, a mean embedding of 0: its
    # similarity 0 beat, far from the data, the real classes' slightly negative
    # random-feature estimates (5% of these queries).
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(300, 2)) + 3 * c for c in range(n_classes - 1)])
    y = np.repeat(np.arange(n_classes - 1), 300)
    if n_classes == 2:
        X, y = X[:40], np.zeros(40, dtype=int)  # class 1 declared, empty
    clf = PrivateKernelClassifier(
        1.0, epsilon=np.inf, n_components=200, classes=np.arange(n_classes), random_state=0
    ).fit(X, y)
    assert clf.class_counts_[-1] == 0
    queries = rng.uniform(X.min(axis=0) - 3, X.max(axis=0) + 3, size=(2000, 2))
    assert not np.any(clf.predict(queries) == n_classes - 1)
    scores = clf.decision_function(queries)
    lowest = np.finfo(np.float64).min
    if n_classes == 2:
        assert np.all(scores == lowest)
    else:
        assert np.all(scores[:, -1] == lowest)
        assert_allclose(scores[:, :-1], clf.similarities(queries)[:, :-1])
    # Finite, so that ranking scorers take them (roc_auc refuses infinities).
    labels = rng.integers(0, 2, size=queries.shape[0])
    if n_classes == 2:
        assert roc_auc_score(labels, scores) == 0.5


def test_mechanisms():
    g = GaussianMechanism(epsilon=1.0, delta=1e-5, sensitivity=1.0)
    assert g.scale == pytest.approx(3.7306, abs=1e-4)  # Balle & Wang's example
    assert analytic_gaussian_delta(g.scale, 1.0, 1.0) <= 1e-5
    assert analytic_gaussian_delta(g.scale * 0.999, 1.0, 1.0) > 1e-5
    # Below the classical calibration, which holds for epsilon < 1 only.
    for epsilon in (0.1, 0.5, 0.9):
        classical = math.sqrt(2 * math.log(1.25 / 1e-5)) / epsilon
        assert GaussianMechanism(epsilon=epsilon, delta=1e-5, sensitivity=1.0).scale < classical
    assert LaplaceMechanism(epsilon=np.inf, sensitivity=3.0).scale == 0
    assert_allclose(LaplaceMechanism(epsilon=np.inf, sensitivity=3.0).randomise([1.0, 2.0]), [1, 2])
    with pytest.raises(ValueError, match="delta > 0"):
        GaussianMechanism(epsilon=1.0, delta=0.0, sensitivity=1.0)
    with pytest.raises(ValueError, match="epsilon"):
        LaplaceMechanism(epsilon=0.0, sensitivity=1.0)


def test_bad_input_and_failed_refit():
    X, y = np.random.default_rng(0).normal(size=(40, 2)), np.arange(40) % 2
    for params in (
        {"epsilon": 0},
        {"delta": 1.0},
        {"n_components": 1},
        {"kernel": "tophat"},
        {"neighbouring": "swap"},
        {"bandwidth": -1.0},
    ):
        with pytest.raises(InvalidParameterError):
            PrivateKernelDensity(**params).fit(X)
    with pytest.raises(ValueError, match="even"):
        PrivateKernelDensity(n_components=101).fit(X)
    with pytest.raises(ValueError, match="lower < upper"):
        PrivateKernelDensity(bounds=(1.0, 0.0)).fit(X)
    with pytest.raises(ValueError, match="pair"):
        PrivateKernelDensity(bounds=(0.0, 1.0, 2.0)).fit(X)
    with pytest.raises(ValueError, match="not in classes"):
        PrivateKernelClassifier(classes=[0]).fit(X, y)
    with pytest.raises(ValueError, match="n_features=2 values; got lower of shape"):
        PrivateKernelDensity(bounds=([0.0, 0.0, 0.0], [1.0, 1.0, 1.0])).fit(X)
    # A classifier of one class, as scikit-learn's refuse it.
    with pytest.warns(PrivacyLeakWarning), pytest.raises(ValueError, match="at least 2 classes"):
        PrivateKernelClassifier().fit(X, np.zeros(40))
    with pytest.raises(ValueError, match="at least 2 classes"):
        PrivateKernelClassifier(classes=[1]).fit(X, np.ones(40))
    est = PrivateKernelDensity(random_state=0).fit(X)
    fitted = {key: value for key, value in vars(est).items() if key.endswith("_")}
    with pytest.raises(ValueError):
        est.set_params(bounds=(1.0, 0.0)).fit(np.ones((5, 3)))
    assert all(vars(est)[key] is value for key, value in fitted.items())


def test_set_params_kernel_after_fit_leaves_the_released_density():
    # score_samples normalised the fitted Gaussian embedding with the Laplacian's
    # constant after set_params(kernel="laplacian"): off by 0.68 in log-density.
    X = np.random.default_rng(0).normal(size=(200, 2))
    density = PrivateKernelDensity(random_state=0).fit(X)
    expected = density.score_samples(X[:5])
    density.set_params(kernel="laplacian")
    np.testing.assert_array_equal(density.score_samples(X[:5]), expected)


def _in_another_thread(function):
    """Run ``function`` in a new thread; the exceptions it raised."""
    errors = []

    def run():
        try:
            function()
        except Exception as error:  # handed to the test's thread
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return errors


def _block_in_another_thread(accountant):
    """Enter ``accountant``'s block in another thread, which stays inside until the
    returned function lets it leave (and waits for it)."""
    inside, leave = threading.Event(), threading.Event()

    def block():
        with accountant:
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=block)
    thread.start()
    inside.wait(10)

    def close():
        leave.set()
        thread.join()

    return close


def test_with_blocks_of_two_accountants_in_two_threads_are_refused():
    # The default was swapped per block: A enters, B enters, A leaves, and B's
    # releases were charged to the infinite default (5 of epsilon 0.5 against 1.0).
    first, second = BudgetAccountant(epsilon=1.0), BudgetAccountant(epsilon=1.0)
    before = BudgetAccountant.default()
    with first:
        errors = _in_another_thread(second.__enter__)
        assert len(errors) == 1 and isinstance(errors[0], RuntimeError)
        assert "different BudgetAccountant" in str(errors[0])
        # The same accountant from another thread is the same ledger: allowed, and
        # when this thread leaves first, the other's block keeps it the default.
        close = _block_in_another_thread(first)
    assert BudgetAccountant.default() is first
    close()
    assert BudgetAccountant.default() is before


def test_spending_from_many_threads_never_passes_the_budget():
    # The check and the record were two steps: 8 threads each spending 0.6 of 1.0
    # passed the budget together (1 in 200 trials; every time with the window between
    # the two widened, as here).
    accountant = BudgetAccountant(epsilon=1.0)
    check = accountant.check

    def slow_check(epsilon, delta):
        check(epsilon, delta)
        time.sleep(0.01)  # another thread's release, between the check and the record

    accountant.check = slow_check
    start = threading.Barrier(8)

    def release():
        start.wait()
        try:
            accountant.spend(0.6, 0.0)
        except BudgetError:
            pass

    threads = [threading.Thread(target=release) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert accountant.total()[0] == 0.6


def test_an_accountant_pickles_with_its_ledger():
    accountant = BudgetAccountant(epsilon=2.0)
    accountant.spend(0.5, 0.0)
    copy_ = pickle.loads(pickle.dumps(accountant))
    assert copy_.total() == (0.5, 0.0)
    # A copy's releases would not reach the original: it refuses to spend...
    with pytest.raises(RuntimeError, match="is a copy"):
        copy_.spend(1.0, 0.0)
    assert copy_.total() == (0.5, 0.0) and accountant.total() == (0.5, 0.0)
    # ...and a saved ledger is continued by name.
    resumed = BudgetAccountant(2.0, spent_budget=copy_.spent)
    resumed.spend(1.0, 0.0)
    assert resumed.remaining()[0] == 0.5
    with pytest.raises(BudgetError):
        BudgetAccountant(1.0, spent_budget=[(0.6, 0.0), (0.6, 0.0)])
    with pytest.raises(ValueError, match="pairs"):
        BudgetAccountant(1.0, spent_budget=[0.5])


def _fit_density(estimator, X):
    return estimator.fit(X).embedding_


def test_fits_in_worker_processes_cannot_spend_from_a_copy_of_the_ledger():
    # joblib's workers got pickled copies: 4 fits at epsilon 1 ran on a budget of 1,
    # and the ledger stayed empty; inside a `with` block, workers spent from their
    # own infinite default.
    from joblib import Parallel, delayed

    X = np.random.default_rng(0).normal(size=(40, 2))
    accountant = BudgetAccountant(epsilon=1.0)
    estimator = PrivateKernelDensity(epsilon=1.0, accountant=accountant)
    with pytest.raises(RuntimeError, match="is a copy"):
        Parallel(n_jobs=2)(delayed(_fit_density)(clone(estimator), X) for _ in range(2))
    assert accountant.spent == []
    with BudgetAccountant(epsilon=1.0) as limited:
        pickled = pickle.dumps(PrivateKernelDensity(epsilon=1.0))
        with pytest.raises(RuntimeError, match="is a copy"):
            pickle.loads(pickled).fit(X)
        # In the same process, clones and the estimator itself spend from the block.
        PrivateKernelDensity(epsilon=1.0).fit(X)
    assert limited.total() == (1.0, 0.0)
    # Without a chosen default, a pickled estimator spends from where it runs.
    assert BudgetAccountant.chosen_default() is None
    pickle.loads(pickle.dumps(PrivateKernelDensity(epsilon=1.0))).fit(X)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_process_cannot_spend_from_its_parents_ledger():
    X = np.random.default_rng(0).normal(size=(40, 2))
    accountant = BudgetAccountant(epsilon=1.0)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what happened as one byte, then leave at once
        code = b"?"
        try:
            try:
                PrivateKernelDensity(epsilon=1.0, accountant=accountant).fit(X)
                code = b"s"
            except RuntimeError as error:
                code = b"r" if "is a copy" in str(error) else b"e"
            # The child's own default is fresh and infinite: it spends.
            PrivateKernelDensity(epsilon=1.0).fit(X)
            code += b"d"
        finally:
            os.write(write, code)
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 8) == b"rd"
    os.close(read)
    assert accountant.spent == []


@pytest.mark.parametrize("epsilon, delta", [(math.nan, 0.0), (-5.0, 0.0), (0.0, -0.5)])
def test_an_accountant_refuses_nan_and_negative_spends(epsilon, delta):
    # NaN passed every later check (the budget gone for good); negatives refunded.
    accountant = BudgetAccountant(epsilon=1.0, delta=1e-6)
    with pytest.raises(ValueError, match=">= 0"):
        accountant.spend(epsilon, delta)
    assert accountant.spent == []


@pytest.mark.parametrize("bounds", [None, (-1e308, 1e308)])
def test_rows_that_overflow_the_projection_keep_the_release_finite(bounds):
    # Finite rows of 1e308 made cos(W x) NaN: the neighbour's release was NaN where
    # the data set's was finite (epsilon = infinity), and in the classifier one row
    # made every class's embedding NaN.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    neighbour = X.copy()
    neighbour[0] = [1.5e308, -1.5e308]
    kwargs = dict(epsilon=1.0, n_components=200, bounds=bounds, random_state=0)
    for data in (X, neighbour):
        assert np.isfinite(PrivateKernelDensity(**kwargs).fit(data).embedding_).all()
        classifier = PrivateKernelClassifier(classes=[0, 1], **kwargs)
        classifier.fit(data, np.arange(50) % 2)
        assert np.isfinite(classifier.embeddings_).all()
    # The embedding of such a row keeps its unit norm, so the sensitivity holds.
    W = rng.normal(size=(2, 100))
    for _, Z in PrivateKernelDensity._feature_blocks(neighbour[:1], W, None):
        assert_allclose(np.linalg.norm(Z), 1.0)


def test_labels_outside_classes_are_not_printed():
    X = np.random.default_rng(0).normal(size=(40, 2))
    y = np.array(["patient 4711"] + ["a", "b"] * 19 + ["a"])
    with pytest.raises(ValueError, match="not in classes") as error:
        PrivateKernelClassifier(classes=["a", "b"]).fit(X, y)
    assert "4711" not in str(error.value)


@pytest.mark.parametrize("neighbouring", ["replace", "add-remove"])
def test_released_means_divide_the_noisy_sums_by_the_noisy_counts(neighbouring):
    # The class sizes are private: each released mean is the noisy sum over the
    # noisy count, so embedding x max(count, 1) - exact sum is the mechanism's noise
    # (Laplace at delta = 0). Dividing by the true counts would leak them.
    from scipy import stats

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(12, 2))
    y = np.repeat([0, 1], 6)
    clf = PrivateKernelClassifier(
        bandwidth=0.5,
        epsilon=1.0,
        n_components=400,
        neighbouring=neighbouring,
        bounds=([-1, -1], [1, 1]),
        classes=[0, 1],
        accountant=BudgetAccountant(),
        random_state=0,
    ).fit(X, y)
    assert np.all(np.abs(clf.class_counts_ - 6) > 1)  # the counts' noise is large here
    exact = clf._embedding_sums(X, y, 2, clf.random_weights_, clf.bounds_)
    noise = clf.embeddings_ * np.maximum(clf.class_counts_, 1.0)[:, None] - exact
    laplace = stats.laplace(scale=clf.noise_scale_)
    assert stats.kstest(noise.ravel(), laplace.cdf).pvalue > 1e-3
