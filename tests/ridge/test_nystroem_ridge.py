"""NystroemRidge and NystroemRidgeClassifier (Falkon)."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.kernel_approximation import Nystroem as SklearnNystroem
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skkernel import (
    KernelOperator,
    KernelRidge,
    Nystroem,
    NystroemRidge,
    NystroemRidgeClassifier,
    _centers,
    backend_status,
    kernels,
)

from .._helpers import ACCELERATED_KERNELS, regression_data

AVAILABLE = [name for name, reason in backend_status().items() if reason is None]


@pytest.mark.parametrize("kernel", ["rbf", "laplacian"])
def test_nystroem_ridge_with_every_center_is_kernel_ridge(kernel):
    X, Y = regression_data()
    weights = np.random.default_rng(1).uniform(0.5, 2.0, size=len(X))
    exact = KernelRidge(alpha=0.5, kernel=kernel, gamma=0.3).fit(X, Y, sample_weight=weights)
    model = NystroemRidge(
        alpha=0.5, kernel=kernel, gamma=0.3, n_components=len(X), sampling="uniform", tol=1e-12
    ).fit(X, Y, sample_weight=weights)
    X_test = regression_data(seed=2)[0]
    np.testing.assert_allclose(model.predict(X_test), exact.predict(X_test), atol=1e-8)
    assert model.dual_coef_.shape == (len(X), 2)


def test_nystroem_ridge_with_intercept_is_sklearns_nystroem_ridge_pipeline():
    from sklearn.linear_model import Ridge

    X, Y = regression_data(n=600)
    Y = Y + np.array([3.0, -2.0])  # targets far from zero: the intercept matters
    weights = np.random.default_rng(1).uniform(0.5, 2.0, size=len(X))
    X_test = regression_data(seed=2)[0]
    # sklearn's Ridge on the features K_nM K_MM^-1/2 penalises ||w||^2 = c^T K_MM c:
    # with the same (uniform) centers and an unpenalised intercept, the same model.
    pipeline = make_pipeline(
        SklearnNystroem(gamma=0.3, n_components=80, random_state=4), Ridge(alpha=0.5)
    ).fit(X, Y, ridge__sample_weight=weights)
    model = NystroemRidge(
        alpha=0.5,
        gamma=0.3,
        n_components=80,
        sampling="uniform",
        fit_intercept=True,
        random_state=4,
        tol=1e-12,
    ).fit(X, Y, sample_weight=weights)
    np.testing.assert_allclose(model.predict(X_test), pipeline.predict(X_test), atol=1e-7)
    assert model.intercept_.shape == (2,)
    single = clone(model).fit(X, Y[:, 0], sample_weight=weights)
    assert isinstance(single.intercept_, float)
    np.testing.assert_allclose(single.predict(X_test), pipeline.predict(X_test)[:, 0], atol=1e-7)
    # Without it, the constant offset must be carried by the kernel expansion.
    plain = clone(model).set_params(fit_intercept=False).fit(X, Y, sample_weight=weights)
    assert plain.intercept_ == 0.0
    assert not np.allclose(plain.predict(X_test), pipeline.predict(X_test), atol=1e-3)
    # float32 in, float32 out, intercept included.
    X32 = X.astype(np.float32)
    assert clone(model).set_params(tol=1e-4).fit(X32, Y).predict(X32).dtype == np.float32


def test_intercept_costs_falkon_few_iterations():
    X, Y = regression_data(n=6000)
    y = Y[:, 0] + 5.0
    iterations = {}
    for fit_intercept in (False, True):
        model = NystroemRidge(
            gamma=0.3, n_components=200, fit_intercept=fit_intercept, tol=1e-6, random_state=0
        ).fit(X, y)
        iterations[fit_intercept] = model.n_iter_
    # The preconditioner is centred like the data term, so the intercept costs
    # no iterations (38 vs 39 here; 53 with the uncentred preconditioner).
    assert iterations[True] <= iterations[False] + 2


@pytest.mark.parametrize("class_weight", [None, "balanced", {0: 0.5, 1: 2.0, 2: 4.0}])
@pytest.mark.parametrize("weighted", [False, True])
def test_classifier_is_ridge_classifier_on_nystroem_features(class_weight, weighted):
    from sklearn.linear_model import RidgeClassifier

    X, y = regression_data(n=500)
    labels = np.digitize(X[:, 0] + X[:, 1], [-2.0, 1.0])  # three imbalanced classes
    weights = np.random.default_rng(1).uniform(0.2, 3.0, size=len(X)) if weighted else None
    # The same kernel, centers and penalty on both sides.
    features = dict(gamma=0.3, n_components=60, random_state=0)
    ridge = dict(alpha=0.1, class_weight=class_weight)
    pipeline = make_pipeline(SklearnNystroem(**features), RidgeClassifier(**ridge))
    pipeline.fit(X, labels, ridgeclassifier__sample_weight=weights)
    clf = NystroemRidgeClassifier(sampling="uniform", tol=1e-12, **features, **ridge)
    clf.fit(X, labels, sample_weight=weights)
    np.testing.assert_allclose(clf.decision_function(X), pipeline.decision_function(X), atol=1e-7)
    np.testing.assert_allclose(clf.intercept_, pipeline[-1].intercept_, atol=1e-7)


def test_nystroem_ridge_learns_with_few_iterations():
    X, Y = regression_data(n=6000)
    y = Y[:, 0]
    model = NystroemRidge(alpha=1.0, gamma=0.3, n_components=200, random_state=0).fit(X, y)
    X_test, Y_test = regression_data(n=1000, seed=5)
    assert model.score(X_test, Y_test[:, 0]) > 0.95
    assert model.n_iter_ <= 40  # Falkon's preconditioner: tens of iterations, not n
    assert model.components_.shape == (200, 3)
    assert model.dual_coef_.shape == (200,)


@pytest.mark.parametrize("backend", [b for b in ("numpy", "keops") if b in AVAILABLE])
def test_nystroem_ridge_same_model_on_other_backends(backend):
    X, Y = regression_data(n=800)
    reference = NystroemRidge(gamma=0.3, n_components=50, random_state=0, tol=1e-10).fit(X, Y)
    model = NystroemRidge(
        gamma=0.3, n_components=50, random_state=0, tol=1e-10, backend=backend
    ).fit(X, Y)
    np.testing.assert_allclose(model.predict(X), reference.predict(X), rtol=1e-6, atol=1e-6)


def test_nystroem_ridge_on_a_dask_cluster(dask_client):
    X, Y = regression_data(n=1000)
    reference = NystroemRidge(gamma=0.3, n_components=60, random_state=0, tol=1e-10).fit(X, Y)
    model = NystroemRidge(
        gamma=0.3, n_components=60, random_state=0, tol=1e-10, backend="dask"
    ).fit(X, Y, sample_weight=np.ones(len(X)))
    np.testing.assert_array_equal(model.component_indices_, reference.component_indices_)
    np.testing.assert_allclose(model.dual_coef_, reference.dual_coef_, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(
    "backend, kernel, d",
    [
        pytest.param(backend, kernel.values[0], d, id=f"{backend}-{kernel.id}-{d}")
        for backend in ("numpy", "numba")
        for kernel in ACCELERATED_KERNELS
        for d in (2, 20)
    ]
    # KeOps compiles each formula (seconds); its product is the two-pass default.
    + ([("keops", kernels.RBF(), 2)] if "keops" in AVAILABLE else []),
)
def test_normal_matmat_agrees_with_dense(backend, kernel, d):
    # Against the float64 reference matrix, not the backend's own: the fused pass
    # reads each family's row statistics (norms for cosine and the neural kernels).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, d))
    V = rng.normal(size=(40, 3))
    weights = rng.uniform(size=500)
    K = KernelOperator(kernel, X, X[:40], backend=backend)
    dense = kernel(X, X[:40])
    expected = dense.T @ (weights[:, None] * (dense @ V))
    atol = 1e-9 * np.abs(expected).max()
    np.testing.assert_allclose(K.normal_matmat(V, weights), expected, rtol=1e-9, atol=atol)
    unweighted = dense.T @ (dense @ V[:, 0])
    np.testing.assert_allclose(K.normal_matmat(V[:, 0]), unweighted, rtol=1e-9, atol=atol)
    with pytest.raises(ValueError, match="rows"):
        K.normal_matmat(V[:10])
    with pytest.raises(ValueError, match="weights"):
        K.normal_matmat(V, weights[:10])


def test_normal_matmat_on_dask(dask_client):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    V = rng.normal(size=(30, 2))
    weights = rng.uniform(size=400)
    dense = KernelOperator("rbf", X, X[:30], backend="numpy").to_dense()
    out = KernelOperator("rbf", X, X[:30], backend="dask").normal_matmat(V, weights)
    np.testing.assert_allclose(out, dense.T @ (weights[:, None] * (dense @ V)), rtol=1e-10)


def test_classifier_on_digits(digits):
    X, y = digits
    clf = NystroemRidgeClassifier(alpha=1e-3, gamma=0.01, n_components=300, random_state=0)
    clf.fit(X[:1200], y[:1200])
    assert clf.score(X[1200:], y[1200:]) > 0.93
    scores = clf.decision_function(X[1200:])
    assert scores.shape == (len(X) - 1200, 10)
    np.testing.assert_array_equal(clf.predict(X[1200:]), clf.classes_[scores.argmax(axis=1)])


def test_binary_classifier_with_string_labels(digits):
    X, y = digits
    labels = np.where(y == 3, "three", "other")
    clf = NystroemRidgeClassifier(alpha=1e-2, gamma=0.01, n_components=100, random_state=0)
    clf.fit(X, labels, sample_weight=np.ones(len(X)))
    assert clf.decision_function(X).shape == (len(X),)
    assert set(clf.predict(X)) <= {"three", "other"}
    assert clf.score(X, labels) > 0.95
    balanced = clf.set_params(class_weight="balanced").fit(X, labels)
    assert balanced.score(X, labels) > 0.95


def test_pipeline_grid_search_and_pickle():
    X, Y = regression_data(n=400)
    y = Y[:, 0]
    search = GridSearchCV(
        make_pipeline(StandardScaler(), NystroemRidge(n_components=50, random_state=0)),
        {"nystroemridge__alpha": [1e-2, 1.0], "nystroemridge__gamma": [0.1, 1.0]},
        cv=3,
    ).fit(X, y)
    assert search.best_score_ > 0.8
    restored = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(restored.predict(X), search.predict(X))


def test_bad_input_and_nothing_corrupted(monkeypatch):
    X, Y = regression_data(n=100)
    model = NystroemRidge(n_components=20, random_state=0).fit(X, Y[:, 0])
    coef = model.dual_coef_.copy()
    with pytest.raises(ValueError, match="NaN|infinity"):
        model.fit(np.where(X > 2.5, np.nan, X), Y[:, 0])
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :2])
    np.testing.assert_array_equal(model.dual_coef_, coef)
    with pytest.raises(ValueError, match="precomputed"):
        NystroemRidge(kernel="precomputed").fit(rbf_kernel(X), Y[:, 0])
    with pytest.raises(ValueError, match="sampling"):
        NystroemRidge(sampling="random").fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="n_components"):
        Nystroem(n_components=0).fit(X)
    with pytest.raises(ValueError, match="one class"):
        NystroemRidgeClassifier(n_components=5).fit(X, np.zeros(len(X)))
    with pytest.warns(UserWarning, match="n_components=500 > n_samples=100"):
        assert NystroemRidge(n_components=500).fit(X, Y[:, 0]).components_.shape[0] == 100
    monkeypatch.setattr(_centers, "EXACT_RLS_MAX_SAMPLES", 50)
    with pytest.raises(ValueError, match="sampling='rls'"):
        Nystroem(sampling="exact-rls", n_components=10).fit(X)


def test_convergence_warning_names_the_remedy():
    X, Y = regression_data(n=500)
    with pytest.warns(Warning, match="n_components"):
        NystroemRidge(alpha=1e-8, n_components=30, max_iter=2, tol=1e-12).fit(X, Y)


# -- Issue: trustworthy under bad input, float32 and limits ---------------------------


@pytest.mark.parametrize("alpha", [1e-12, 1e-8])
def test_tiny_alpha_with_intercept_is_solved_not_stopped_early(alpha):
    # CG stopped after 1-5 iterations on the preconditioned residual and reported
    # convergence: training accuracy 0.56 where sklearn's pipeline reaches 0.86-0.98.
    rng = np.random.default_rng(4)
    X = rng.normal(size=(400, 2))
    y = np.sin(3 * X[:, 0]) > 0
    params = {"gamma": 10, "alpha": alpha, "n_components": 150, "random_state": 0}
    clf = NystroemRidgeClassifier(**params).fit(X, y)
    assert clf.n_iter_ > 5
    assert clf.score(X, y) > 0.95
    reg = NystroemRidge(fit_intercept=True, **params).fit(X, 2.0 * y - 1)
    assert reg.score(X, 2.0 * y - 1) > 0.8


def test_classifier_keeps_feature_names():
    pd = pytest.importorskip("pandas")
    X, Y = regression_data(n=200)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    clf = NystroemRidgeClassifier(n_components=30, random_state=0).fit(frame, Y[:, 0] > 0)
    assert list(clf.feature_names_in_) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame[["c", "b", "a"]])


@pytest.mark.parametrize("Estimator", [NystroemRidge, NystroemRidgeClassifier])
def test_float32_fits(Estimator):
    # The jitter of K_MM was sized by float64 precision: LinAlgError on float32 data.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2)).astype(np.float32)
    y = np.sin(X[:, 0])
    target = y > 0 if Estimator is NystroemRidgeClassifier else y
    model = Estimator(n_components=100, random_state=0).fit(X, target)
    assert model.score(X, target) > 0.95


def test_failed_refit_of_the_classifier_leaves_it_fitted():
    X, Y = regression_data(n=200)
    y = Y[:, 0] > 0
    clf = NystroemRidgeClassifier(n_components=30, random_state=0).fit(X, y)
    before = clf.predict(X)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(X, np.zeros(len(X)))
    np.testing.assert_array_equal(clf.classes_, [False, True])
    np.testing.assert_array_equal(clf.predict(X), before)


def test_one_hot_features_feed_nystroem_ridge():
    # A ColumnTransformer with OneHotEncoder gives sparse output by default: accepted,
    # the same model as on the dense encoding, as accurate as sklearn's pipeline.
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    n = 400
    table = np.column_stack([rng.normal(size=n), rng.integers(0, 5, size=n)])
    y = table[:, 0] + (table[:, 1] == 2) + 0.1 * rng.normal(size=n)

    def model(sparse_output):
        encode = ColumnTransformer(
            [("cat", OneHotEncoder(sparse_output=sparse_output), [1])], remainder="passthrough"
        )
        ridge = NystroemRidge(
            alpha=0.1, gamma=0.5, n_components=60, fit_intercept=True, random_state=0
        )
        return make_pipeline(encode, ridge).fit(table, y)

    sparse, dense = model(True), model(False)
    np.testing.assert_allclose(sparse.predict(table), dense.predict(table))
    encode = ColumnTransformer([("cat", OneHotEncoder(), [1])], remainder="passthrough")
    theirs = make_pipeline(
        encode, SklearnNystroem(gamma=0.5, n_components=60, random_state=0), Ridge(alpha=0.1)
    ).fit(table, y)
    assert sparse.score(table, y) > theirs.score(table, y) - 0.02


@pytest.mark.parametrize("estimator", [NystroemRidge, NystroemRidgeClassifier])
@pytest.mark.parametrize("sampling", ["rls", "exact-rls", "uniform"])
def test_nan_kernel_values_are_refused_with_their_cause(estimator, sampling):
    # x^2.5 of negative dot products is NaN; leverage-score sampling hit it first
    # ("cannot convert float NaN to integer").
    X = np.random.default_rng(0).normal(size=(120, 3))
    y = (X[:, 0] > 0).astype(int)
    # Seeded: a few uniform draws of centers (2 seeds in 60) have no pair with NaN
    # between them, and the fit stops one step earlier, on the centers' kernel
    # matrix, which a fractional degree leaves indefinite (also refused, with that
    # cause).
    model = estimator(kernel="poly", degree=2.5, n_components=20, sampling=sampling, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # sklearn's own power warning
        with pytest.raises(ValueError, match="NaN or infinity: a polynomial kernel"):
            model.fit(X, y)


@pytest.mark.parametrize("sampling", ["uniform", "rls", "kernel-thinning"])
def test_rows_of_zero_weight_are_as_if_removed(sampling):
    # Zero-weight rows take no part in the fit, so no center is wasted on them: the
    # model equals the one fitted without those rows.
    X, Y = regression_data()
    weights = np.random.default_rng(3).uniform(0.5, 2.0, size=len(X))
    weights[::2] = 0.0
    params = dict(alpha=0.1, gamma=0.3, n_components=30, sampling=sampling, random_state=0)
    weighted = NystroemRidge(tol=1e-10, **params).fit(X, Y, sample_weight=weights)
    kept = weights > 0
    removed = NystroemRidge(tol=1e-10, **params).fit(X[kept], Y[kept], sample_weight=weights[kept])
    assert np.all(weights[weighted.component_indices_] > 0)
    np.testing.assert_array_equal(weighted.components_, removed.components_)
    X_test = regression_data(seed=2)[0]
    np.testing.assert_allclose(weighted.predict(X_test), removed.predict(X_test), atol=1e-8)


@pytest.mark.parametrize(
    "class_weight, message",
    [
        ({0: -1.0, 1: 1.0}, "finite, non-negative"),
        ({0: np.nan, 1: 1.0}, "finite, non-negative"),
        ({0: np.inf, 1: 1.0}, "finite, non-negative"),
        # scikit-learn >= 1.9 says "non-zero" itself; before, our check says it.
        ({0: 0.0, 1: 0.0}, "non-zero|sums to zero"),
    ],
)
def test_bad_class_weights_are_refused_by_name(class_weight, message):
    # They reached the solver: ZeroDivisionError, a LinAlgError blaming the kernel,
    # or "the array multiplied by the kernel matrix contains NaN".
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 2)), np.repeat([0, 1], 30)
    model = NystroemRidgeClassifier(n_components=10, random_state=0).fit(X, y)
    expected = model.decision_function(X)
    with pytest.raises(ValueError, match=message):
        model.set_params(class_weight=class_weight).fit(X, y)
    np.testing.assert_array_equal(model.decision_function(X), expected)
