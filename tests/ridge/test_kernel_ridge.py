"""KernelRidge and KernelRidgeCV against scikit-learn and brute force."""

import pickle
import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.kernel_ridge import KernelRidge as SklearnKernelRidge
from sklearn.linear_model import Ridge, RidgeCV
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skkernel import KernelRidge, KernelRidgeCV, NystroemRidge, _memory, kernels

# Every string kernel sklearn's KernelRidge accepts, with parameters it can run
# (sklearn passes gamma=None on to chi2_kernel, which fails, so chi2 gets a gamma).
SKLEARN_KERNELS = [
    ("linear", {}),
    ("rbf", {"gamma": 0.2}),
    ("rbf", {}),
    ("laplacian", {"gamma": 0.3}),
    ("poly", {"degree": 2, "coef0": 1.0}),
    ("polynomial", {"gamma": 0.1, "degree": 3}),
    ("sigmoid", {"gamma": 0.01, "coef0": 0.5}),
    ("cosine", {}),
    ("chi2", {"gamma": 0.5}),
    ("additive_chi2", {}),
]


def regression_data(n=120, d=4, n_test=40, n_targets=None, seed=0, nonnegative=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n + n_test, d))
    if nonnegative:
        X = np.abs(X)
    f = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2
    if n_targets is None:
        y = f + 0.1 * rng.normal(size=n + n_test)
    else:
        y = np.column_stack(
            [f * (j + 1) + 0.1 * rng.normal(size=n + n_test) for j in range(n_targets)]
        )
    return X[:n], y[:n], X[n:]


def relative_error(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


@pytest.mark.parametrize(("kernel", "params"), SKLEARN_KERNELS)
@pytest.mark.parametrize("n_targets", [None, 3])
def test_predictions_match_sklearn_on_every_kernel(kernel, params, n_targets):
    X, y, X_test = regression_data(n_targets=n_targets, nonnegative="chi2" in kernel)
    with warnings.catch_warnings():
        # Indefinite kernels (sigmoid, additive_chi2) take the least-squares fallback
        # in both libraries, with the same warning.
        warnings.simplefilter("ignore", UserWarning)
        ours = KernelRidge(alpha=0.3, kernel=kernel, **params).fit(X, y)
        theirs = SklearnKernelRidge(alpha=0.3, kernel=kernel, **params).fit(X, y)
    assert ours.dual_coef_.shape == theirs.dual_coef_.shape
    assert relative_error(ours.predict(X_test), theirs.predict(X_test)) < 1e-8
    assert ours.n_features_in_ == X.shape[1]


@pytest.mark.parametrize("n_targets", [None, 2])
def test_sample_weight_and_alpha_per_target_match_sklearn(n_targets):
    X, y, X_test = regression_data(n_targets=n_targets)
    rng = np.random.default_rng(1)
    weights = rng.uniform(0.2, 3.0, size=len(X))
    alpha = 0.5 if n_targets is None else np.array([0.1, 2.0])
    ours = KernelRidge(alpha=alpha, kernel="rbf", gamma=0.3).fit(X, y, sample_weight=weights)
    theirs = SklearnKernelRidge(alpha=alpha, kernel="rbf", gamma=0.3).fit(
        X, y, sample_weight=weights
    )
    assert relative_error(ours.predict(X_test), theirs.predict(X_test)) < 1e-8
    assert relative_error(ours.dual_coef_, theirs.dual_coef_) < 1e-8


def test_scalar_sample_weight_and_callable_kernel_match_sklearn():
    X, y, X_test = regression_data()

    def kernel(a, b, scale=1.0):
        return np.exp(-scale * np.abs(a - b).sum())

    ours = KernelRidge(kernel=kernel, kernel_params={"scale": 0.4}).fit(X, y, sample_weight=2.0)
    theirs = SklearnKernelRidge(kernel=kernel, kernel_params={"scale": 0.4}).fit(
        X, y, sample_weight=2.0
    )
    assert relative_error(ours.predict(X_test), theirs.predict(X_test)) < 1e-8


def test_precomputed_kernel_matches_sklearn_and_leaves_input_intact():
    X, y, X_test = regression_data()
    K = kernels.RBF(gamma=0.2)(X)
    K_before = K.copy()
    K_test = kernels.RBF(gamma=0.2)(X_test, X)
    for solver in ("cholesky", "cg"):
        ours = KernelRidge(kernel="precomputed", solver=solver, tol=1e-12, random_state=0).fit(K, y)
        theirs = SklearnKernelRidge(kernel="precomputed").fit(K, y)
        assert relative_error(ours.predict(K_test), theirs.predict(K_test)) < 1e-8
        np.testing.assert_array_equal(K, K_before)
    with pytest.raises(ValueError, match="square kernel matrix"):
        KernelRidge(kernel="precomputed").fit(K[:, :10], y)


@pytest.mark.parametrize("n_targets", [None, 3])
def test_cg_agrees_with_cholesky(n_targets):
    X, y, X_test = regression_data(n=300, n_targets=n_targets)
    weights = np.random.default_rng(2).uniform(0.5, 2.0, size=len(X))
    exact = KernelRidge(alpha=0.05, kernel="rbf", solver="cholesky").fit(
        X, y, sample_weight=weights
    )
    for preconditioner in ("nystroem", None):
        cg = KernelRidge(
            alpha=0.05,
            kernel="rbf",
            solver="cg",
            tol=1e-10,
            preconditioner=preconditioner,
            preconditioner_rank=50,
            random_state=0,
        ).fit(X, y, sample_weight=weights)
        assert cg.solver_ == "cg"
        assert relative_error(cg.predict(X_test), exact.predict(X_test)) < 1e-7


def test_nystroem_preconditioner_cuts_cg_iterations():
    X, y, _ = regression_data(n=400)
    common = dict(alpha=1e-3, kernel="rbf", gamma=0.5, solver="cg", tol=1e-8, random_state=0)
    plain = KernelRidge(preconditioner=None, **common).fit(X, y)
    preconditioned = KernelRidge(preconditioner_rank=100, **common).fit(X, y)
    assert preconditioned.n_iter_ < plain.n_iter_ / 3


def test_cg_warns_when_it_stops_early():
    X, y, _ = regression_data(n=200)
    model = KernelRidge(
        alpha=1e-6, kernel="rbf", solver="cg", preconditioner=None, tol=1e-12, max_iter=3
    )
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        model.fit(X, y)
    assert model.n_iter_ == 3


def test_cg_progress_bar_when_verbose(capsys):
    X, y, _ = regression_data(n=100)
    KernelRidge(kernel="rbf", solver="cg", verbose=1, random_state=0).fit(X, y)
    assert "CG" in capsys.readouterr().err


def test_auto_solver_switches_to_cg_beyond_the_memory_budget(monkeypatch):
    X, y, _ = regression_data(n=100)
    assert KernelRidge(kernel="rbf").fit(X, y).solver_ == "cholesky"
    # 100 x 100 doubles are 80 kB; pretend only 100 kB are free (half is the budget).
    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: 100_000)
    assert KernelRidge(kernel="rbf", random_state=0).fit(X, y).solver_ == "cg"


def test_clear_error_before_allocating_what_cannot_fit(monkeypatch):
    X, y, _ = regression_data(n=100)
    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: 50_000)
    with pytest.raises(MemoryError, match=r"80 kB.*solver='cg'"):
        KernelRidge(kernel="rbf", solver="cholesky").fit(X, y)
    with pytest.raises(MemoryError, match="KernelRidgeCV"):
        KernelRidgeCV(kernel="rbf").fit(X, y)


def test_cholesky_holds_one_kernel_matrix():
    """The fit's traced peak is about one n x n array: K is built in place and factored
    over itself (sklearn's fit holds two). The rest is one block of rows (256 of 2000)."""
    n = 2000
    X, y, _ = regression_data(n=n)
    model = KernelRidge(kernel="rbf", solver="cholesky")
    model.fit(X[:50], y[:50])
    tracemalloc.start()
    model.fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1.2 * n * n * 8


def test_indefinite_kernel_falls_back_to_least_squares_like_sklearn():
    X, y, X_test = regression_data()
    with pytest.warns(UserWarning, match="least-squares"):
        ours = KernelRidge(alpha=0.0, kernel="linear").fit(X, y)
    with pytest.warns(UserWarning, match="least-squares"):
        theirs = SklearnKernelRidge(alpha=0.0, kernel="linear").fit(X, y)
    assert relative_error(ours.predict(X_test), theirs.predict(X_test)) < 1e-8


@pytest.mark.parametrize("weighted", [False, True])
def test_least_squares_fallback_solves_a_non_symmetric_precomputed_matrix_as_given(weighted):
    # Not positive definite, so the fit takes the least-squares fallback, which must
    # solve (K + alpha I) c = y with K as given, not its transpose, as scikit-learn.
    rng = np.random.default_rng(0)
    K = rng.normal(size=(8, 8))
    y = rng.normal(size=8)
    weights = rng.uniform(0.5, 2.0, size=8) if weighted else None
    with pytest.warns(UserWarning, match="least-squares"):
        ours = KernelRidge(kernel="precomputed", alpha=1e-3).fit(K, y, sample_weight=weights)
    with pytest.warns(UserWarning, match="least-squares"):
        theirs = SklearnKernelRidge(kernel="precomputed", alpha=1e-3)
        theirs.fit(K, y, sample_weight=weights)
    np.testing.assert_allclose(ours.dual_coef_, theirs.dual_coef_, rtol=1e-8, atol=1e-10)


def test_float32_stays_float32():
    X, y, X_test = regression_data()
    model = KernelRidge(kernel="rbf").fit(X.astype(np.float32), y)
    assert model.X_fit_.dtype == np.float32
    reference = KernelRidge(kernel="rbf").fit(X, y).predict(X_test)
    assert relative_error(model.predict(X_test.astype(np.float32)), reference) < 1e-3


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_predictions_identical_across_backends(backend):
    X, y, X_test = regression_data()
    reference = SklearnKernelRidge(kernel="rbf", alpha=0.1).fit(X, y).predict(X_test)
    ours = KernelRidge(kernel="rbf", alpha=0.1, backend=backend).fit(X, y)
    assert relative_error(ours.predict(X_test), reference) < 1e-8


def test_bad_input_gets_clear_errors_and_fitted_model_is_untouched():
    X, y, X_test = regression_data()
    model = KernelRidge(kernel="rbf").fit(X, y)
    before = model.predict(X_test)
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        KernelRidge().fit(X_nan, y)
    with pytest.raises(ValueError, match="infinity"):
        model.predict(np.full((2, X.shape[1]), np.inf))
    with pytest.raises(ValueError, match="features"):
        model.predict(X_test[:, :2])
    with pytest.raises(ValueError, match="alpha has 3 values"):
        KernelRidge(alpha=[1.0, 2.0, 3.0]).fit(X, y)
    with pytest.raises(ValueError, match=r"'kernel' parameter .* Got 'gaussian'"):
        KernelRidge(kernel="gaussian").fit(X, y)
    with pytest.raises(ValueError, match="0 sample"):
        KernelRidge().fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="solver"):
        KernelRidge(solver="svd").fit(X, y)
    np.testing.assert_array_equal(model.predict(X_test), before)


def test_pipeline_gridsearch_and_pickle():
    X, y, X_test = regression_data(n=150)
    # The grid a user would write for sklearn's KernelRidge, unchanged.
    grid = {"kernelridge__alpha": [0.01, 0.1, 1.0], "kernelridge__gamma": [0.1, 0.5]}
    theirs = GridSearchCV(make_pipeline(StandardScaler(), SklearnKernelRidge(kernel="rbf")), grid)
    ours = GridSearchCV(make_pipeline(StandardScaler(), KernelRidge(kernel="rbf")), grid)
    theirs.fit(X, y)
    ours.fit(X, y)
    assert ours.best_params_ == theirs.best_params_
    assert relative_error(ours.predict(X_test), theirs.predict(X_test)) < 1e-8
    restored = pickle.loads(pickle.dumps(ours))
    np.testing.assert_array_equal(restored.predict(X_test), ours.predict(X_test))
    cv_model = make_pipeline(StandardScaler(), KernelRidgeCV(alphas=[0.01, 0.1, 1.0], kernel="rbf"))
    cv_model.fit(X, y)
    restored = pickle.loads(pickle.dumps(cv_model))
    np.testing.assert_array_equal(restored.predict(X_test), cv_model.predict(X_test))


def test_feature_names_are_kept():
    pd = pytest.importorskip("pandas")
    X, y, _ = regression_data()
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    for model in (KernelRidge(), KernelRidgeCV()):
        model.fit(frame, y)
        assert list(model.feature_names_in_) == list(frame.columns)


# --- KernelRidgeCV -------------------------------------------------------------------


def brute_force_loo(X, y, alpha, kernel="rbf", sample_weight=None, **params):
    predictions = []
    for i in range(len(X)):
        keep = np.arange(len(X)) != i
        weights = None if sample_weight is None else sample_weight[keep]
        model = SklearnKernelRidge(alpha=alpha, kernel=kernel, **params)
        model.fit(X[keep], y[keep], sample_weight=weights)
        predictions.append(model.predict(X[i : i + 1])[0])
    return np.array(predictions)


@pytest.mark.parametrize("n_targets", [None, 2])
def test_leave_one_out_matches_brute_force(n_targets):
    X, y, _ = regression_data(n=40, n_targets=n_targets)
    alphas = np.logspace(-3, 1, 5)
    model = KernelRidgeCV(alphas=alphas, kernel="rbf", gamma=0.3, store_cv_results=True)
    model.fit(X, y)
    for a, alpha in enumerate(alphas):
        squared = (y - brute_force_loo(X, y, alpha, gamma=0.3)) ** 2
        np.testing.assert_allclose(model.cv_results_[..., a], squared, rtol=1e-8, atol=1e-10)
    mse = [model.cv_results_[..., a].mean() for a in range(len(alphas))]
    assert model.alpha_ == alphas[np.argmin(mse)]
    assert model.best_score_ == pytest.approx(-min(mse), rel=1e-10)


def test_weighted_leave_one_out_with_scoring_matches_brute_force():
    X, y, _ = regression_data(n=40)
    weights = np.random.default_rng(3).uniform(0.3, 3.0, size=len(X))
    alphas = np.array([0.01, 0.1, 1.0])
    model = KernelRidgeCV(alphas=alphas, kernel="laplacian", scoring="r2", store_cv_results=True)
    model.fit(X, y, sample_weight=weights)
    for a, alpha in enumerate(alphas):
        expected = brute_force_loo(X, y, alpha, kernel="laplacian", sample_weight=weights)
        np.testing.assert_allclose(model.cv_results_[:, a], expected, rtol=1e-8)


def test_weighted_default_score_is_the_weighted_mean_squared_leave_one_out_error():
    # scoring=None with weights: sum w r^2 / sum w over the leave-one-out residuals.
    X, y, _ = regression_data(n=40)
    weights = np.r_[np.full(10, 10.0), np.full(30, 0.5)]
    y = y.copy()
    y[:10] += np.random.default_rng(5).normal(scale=1.0, size=10)  # the heavy rows noisy
    alphas = np.array([0.01, 0.1, 1.0, 10.0])
    model = KernelRidgeCV(alphas=alphas, kernel="rbf", gamma=0.3).fit(X, y, sample_weight=weights)
    scores = []
    for alpha in alphas:
        residuals = y - brute_force_loo(X, y, alpha, gamma=0.3, sample_weight=weights)
        scores.append(-np.sum(weights * residuals**2) / weights.sum())
    assert model.best_score_ == pytest.approx(max(scores), rel=1e-8)
    assert model.alpha_ == alphas[np.argmax(scores)]
    unweighted = KernelRidgeCV(alphas=alphas, kernel="rbf", gamma=0.3).fit(X, y)
    assert unweighted.best_score_ != pytest.approx(model.best_score_, rel=1e-3)


def test_leave_one_out_refit_equals_kernel_ridge_with_best_alpha():
    X, y, X_test = regression_data(n=80, n_targets=2)
    model = KernelRidgeCV(alphas=np.logspace(-3, 2, 12), kernel="rbf").fit(X, y)
    refit = KernelRidge(alpha=model.alpha_, kernel="rbf").fit(X, y)
    assert relative_error(model.predict(X_test), refit.predict(X_test)) < 1e-8


def test_alpha_per_target():
    X, _, _ = regression_data(n=80)
    rng = np.random.default_rng(4)
    # One smooth target, one pure-noise target: they want different penalties.
    y = np.column_stack([np.sin(X[:, 0]), rng.normal(size=len(X))])
    alphas = np.logspace(-4, 3, 15)
    model = KernelRidgeCV(alphas=alphas, kernel="rbf", alpha_per_target=True).fit(X, y)
    assert model.alpha_.shape == (2,)
    assert model.alpha_[0] < model.alpha_[1]
    for j in range(2):
        single = KernelRidgeCV(alphas=alphas, kernel="rbf").fit(X, y[:, j])
        assert model.alpha_[j] == single.alpha_
        assert model.best_score_[j] == pytest.approx(single.best_score_, rel=1e-10)


def test_cv_splitter_matches_grid_search():
    X, y, X_test = regression_data(n=90)
    alphas = [0.01, 0.1, 1.0, 10.0]
    cv = KFold(5, shuffle=True, random_state=0)
    model = KernelRidgeCV(alphas=alphas, kernel="rbf", cv=cv, scoring="neg_mean_absolute_error")
    model.fit(X, y)
    search = GridSearchCV(
        SklearnKernelRidge(kernel="rbf"),
        {"alpha": alphas},
        cv=cv,
        scoring="neg_mean_absolute_error",
    ).fit(X, y)
    assert model.alpha_ == search.best_params_["alpha"]
    assert model.best_score_ == pytest.approx(search.best_score_, rel=1e-8)
    assert relative_error(model.predict(X_test), search.predict(X_test)) < 1e-8


def test_cv_rejects_loo_only_options_and_bad_alphas():
    X, y, _ = regression_data(n=30)
    with pytest.raises(ValueError, match="cv=None"):
        KernelRidgeCV(cv=3, store_cv_results=True).fit(X, y)
    with pytest.raises(ValueError, match="positive"):
        KernelRidgeCV(alphas=[0.1, -1.0]).fit(X, y)
    with pytest.raises(ValueError, match="positive"):
        KernelRidgeCV(alphas=[]).fit(X, y)


# -- Issue: trustworthy under bad input, float32 and limits ---------------------------


def test_float32_fit_on_unscaled_features_matches_float64():
    # Rows far from the origin: float32 distances by the dot-product expansion lost
    # every digit (predictions 0.54 away); scikit-learn's float32 fit is 3e-5 away.
    rng = np.random.default_rng(0)
    X = 1e3 + rng.normal(size=(600, 10))
    y = np.sin(X[:, 0] - 1e3)
    X32 = X.astype(np.float32)
    for solver in ("cholesky", "cg"):
        p64 = KernelRidge(kernel="rbf", gamma=0.1, alpha=0.1, solver=solver, random_state=0)
        p32 = KernelRidge(kernel="rbf", gamma=0.1, alpha=0.1, solver=solver, random_state=0)
        expected = p64.fit(X32.astype(np.float64), y).predict(X32[:100].astype(np.float64))
        got = p32.fit(X32, y.astype(np.float32)).predict(X32[:100])
        assert got.dtype == np.float32
        assert np.abs(got - expected).max() < 1e-3, solver


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (lambda n: np.r_[-1.0, np.ones(n - 1)], "(?i)negative"),
        (lambda n: np.zeros(n), "non-zero|sums to zero"),
    ],
)
@pytest.mark.parametrize("Estimator", [KernelRidge, KernelRidgeCV])
def test_bad_sample_weights_are_refused_at_fit(Estimator, sample_weight, match):
    X, y, _ = regression_data()
    with pytest.raises(ValueError, match=match):
        Estimator(kernel="rbf").fit(X, y, sample_weight=sample_weight(len(X)))


@pytest.mark.parametrize("solver", ["cholesky", "cg"])
def test_non_finite_kernel_values_are_refused_at_fit(solver):
    X, y, _ = regression_data()
    # A fractional degree on negative dot products: NaN kernel values.
    with pytest.raises(ValueError, match="NaN or infinity"):
        KernelRidge(kernel="poly", degree=2.5, coef0=0, solver=solver).fit(X, y)

    def returns_nan(a, b):
        return np.nan if a[0] > 1 else a @ b

    with pytest.raises(ValueError, match="NaN or infinity"):
        KernelRidge(kernel=returns_nan, solver=solver, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="NaN or infinity"):
        KernelRidgeCV(kernel=returns_nan).fit(X, y)


def test_cg_on_an_ill_conditioned_system_warns_with_a_remedy_and_auto_falls_back(monkeypatch):
    X, y, X_test = regression_data(n=300)
    exact = KernelRidge(kernel="rbf", gamma=0.5, alpha=1e-12, solver="cholesky").fit(X, y)
    with pytest.warns(ConvergenceWarning, match="raise alpha"):
        cg = KernelRidge(
            kernel="rbf", gamma=0.5, alpha=1e-12, solver="cg", max_iter=20, random_state=0
        ).fit(X, y)
    assert cg.solver_ == "cg"
    # "auto" picks CG when n x n does not fit in half the memory; on a system it
    # cannot solve it falls back to the exact solve, which does fit.
    from skkernel.ridge import _kernel_ridge

    monkeypatch.setattr(
        KernelRidge, "_dense_fits", staticmethod(lambda X, fraction=0.5: fraction == 1.0)
    )
    with pytest.warns(ConvergenceWarning, match="falls back"):
        auto = KernelRidge(kernel="rbf", gamma=0.5, alpha=1e-12, max_iter=20, random_state=0).fit(
            X, y
        )
    assert auto.solver_ == "cholesky" and _kernel_ridge is not None
    np.testing.assert_allclose(auto.predict(X_test), exact.predict(X_test))


def test_cg_on_a_singular_system_says_so_and_auto_falls_back(monkeypatch):
    # alpha=0 and repeated rows with different targets: K is singular and y is not
    # in its range. CG has no step to take; the exact solve takes the least-squares
    # answer.
    X, y, _ = regression_data(n=60)
    X, y = np.vstack([X, X]), np.concatenate([y, y + 1.0])
    with pytest.raises(ValueError, match="singular or not positive definite"):
        KernelRidge(kernel="rbf", alpha=0.0, solver="cg").fit(X, y)
    monkeypatch.setattr(
        KernelRidge, "_dense_fits", staticmethod(lambda X, fraction=0.5: fraction == 1.0)
    )
    with pytest.warns(ConvergenceWarning, match="singular system"):
        auto = KernelRidge(kernel="rbf", alpha=0.0).fit(X, y)
    assert auto.solver_ == "cholesky"
    # The least-squares fit of the two targets of a repeated row is their mean.
    np.testing.assert_allclose(auto.predict(X[:60]), y[:60] + 0.5, atol=1e-8)


def test_auto_falls_back_when_the_preconditioner_meets_an_indefinite_kernel(monkeypatch):
    # The sigmoid kernel is indefinite: the Nystroem preconditioner's Cholesky of the
    # landmarks' block fails before CG starts, and "auto" raised that LinAlgError.
    rng = np.random.default_rng(9)
    X, y = rng.normal(size=(80, 3)), rng.normal(size=80)
    monkeypatch.setattr(
        KernelRidge, "_dense_fits", staticmethod(lambda X, fraction=0.5: fraction == 1.0)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auto = KernelRidge(kernel="sigmoid").fit(X, y)
    assert auto.solver_ == "cholesky"
    sklearn_fit = SklearnKernelRidge(kernel="sigmoid").fit(X, y)
    np.testing.assert_allclose(auto.predict(X), sklearn_fit.predict(X), rtol=1e-6)


def test_least_squares_fallback_cuts_rounding_level_singular_values():
    # K of 60 distinct rows has condition number 1e4; repeated, 60 of its singular
    # values are rounding (1e-17 to 1e-14 of the largest). scipy's default cutoff,
    # eps sigma_max, keeps some of them, and the fit moved by 1e-2 (sklearn's does).
    X, y, _ = regression_data(n=60)
    X, y = np.vstack([X, X]), np.concatenate([y, y + 1.0])
    with pytest.warns(UserWarning, match="least-squares"):
        model = KernelRidge(kernel="rbf", alpha=0.0, solver="cholesky").fit(X, y)
    np.testing.assert_allclose(model.predict(X[:60]), y[:60] + 0.5, atol=1e-8)


def test_refit_that_fails_leaves_the_fitted_model_as_it_was():
    X, y, X_test = regression_data()
    model = KernelRidge(kernel="rbf").fit(X, y)
    before = (model.n_features_in_, model.dual_coef_.copy(), model.predict(X_test))
    with pytest.raises(ValueError, match="alpha has 2 values"):
        model.set_params(alpha=[1.0, 2.0]).fit(X[:, :2], y)
    with pytest.raises(ValueError, match="'kernel' parameter"):
        model.set_params(alpha=1.0, kernel="gaussian").fit(X[:, :3], y)
    model.set_params(kernel="rbf")
    assert model.n_features_in_ == before[0]
    np.testing.assert_array_equal(model.dual_coef_, before[1])
    np.testing.assert_array_equal(model.predict(X_test), before[2])


@pytest.mark.parametrize("format", ["csr", "csc"])
@pytest.mark.parametrize("Estimator", [KernelRidge, KernelRidgeCV])
def test_sparse_input_is_accepted_as_sklearn_accepts_it(Estimator, format):
    # sklearn's test_kernel_ridge_sparse: sparse X gives the dense fit.
    import scipy.sparse as sp

    X, y, X_test = regression_data()
    X_sparse = sp.random(len(X), 6, density=0.4, format=format, random_state=0)
    dense = Estimator(kernel="rbf").fit(X_sparse.toarray(), y)
    sparse = Estimator(kernel="rbf").fit(X_sparse, y)
    np.testing.assert_allclose(sparse.predict(X_sparse), dense.predict(X_sparse.toarray()))
    reference = SklearnKernelRidge(kernel="rbf").fit(X_sparse, y).predict(X_sparse)
    np.testing.assert_allclose(dense.predict(X_sparse.toarray()), reference, rtol=1e-8) if (
        Estimator is KernelRidge
    ) else None


def test_one_hot_column_transformer_feeds_kernel_ridge():
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    n = 300
    table = np.column_stack([rng.normal(size=n), rng.integers(0, 5, size=n)])
    y = table[:, 0] + (table[:, 1] == 2) + 0.1 * rng.normal(size=n)
    encode = ColumnTransformer([("cat", OneHotEncoder(), [1])], remainder="passthrough")
    ours = make_pipeline(encode, KernelRidge(kernel="rbf", alpha=0.1)).fit(table, y)
    theirs = make_pipeline(encode, SklearnKernelRidge(kernel="rbf", alpha=0.1)).fit(table, y)
    np.testing.assert_allclose(ours.predict(table), theirs.predict(table), rtol=1e-8, atol=1e-10)


def test_named_kernels_ignore_kernel_params_as_sklearn_does():
    X, y, X_test = regression_data()
    params = {"kernel": "rbf", "gamma": 0.2, "kernel_params": {"gamma": 5.0}}
    ours = KernelRidge(**params).fit(X, y).predict(X_test)
    theirs = SklearnKernelRidge(**params).fit(X, y).predict(X_test)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_kernel_ridge_cv_seeds_the_conjugate_gradients_of_its_folds(monkeypatch):
    # Where K does not fit in memory the folds' KernelRidge(solver="auto") runs
    # preconditioned CG, whose landmarks were drawn unseeded: two identical fits gave
    # different best_score_ and dual_coef_, and KernelRidgeCV had no random_state.
    from skkernel.ridge import _kernel_ridge

    monkeypatch.setattr(_kernel_ridge, "fits_in_memory", lambda nbytes, fraction=0.5: False)
    X, y, _ = regression_data(n=300)
    fits = [
        KernelRidgeCV(alphas=[1e-3, 1e-1], kernel="rbf", cv=3, random_state=0).fit(X, y)
        for _ in range(2)
    ]
    assert fits[0].best_score_ == fits[1].best_score_
    np.testing.assert_array_equal(fits[0].dual_coef_, fits[1].dual_coef_)


def test_kernel_ridge_cv_refuses_string_targets_clearly():
    X, y, _ = regression_data()
    with pytest.raises(ValueError, match="y must be numeric"):
        KernelRidgeCV(kernel="rbf").fit(X, np.where(y > 0, "a", "b"))


def test_leave_one_out_counts_two_matrices_against_the_memory(monkeypatch):
    # eigh needs K and its eigenvectors: with room for one n x n matrix only, the
    # check must refuse before allocating (it let the second one die in eigh).
    X, y, _ = regression_data(n=200)
    one_matrix = 200 * 200 * 8
    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: int(1.5 * one_matrix))
    KernelRidge(kernel="rbf", solver="cholesky").fit(X, y)
    with pytest.raises(MemoryError, match="2 dense 200 x 200"):
        KernelRidgeCV(kernel="rbf").fit(X, y)


@pytest.mark.parametrize("solver", ["cholesky", "cg"])
def test_gamma_zero_means_the_constant_kernel_on_every_solver(solver):
    # scikit-learn accepts gamma=0 (the constant kernel); it fitted with Cholesky,
    # raised with CG, and the fitted model raised at predict.
    X, y, X_test = regression_data()
    model = KernelRidge(kernel="rbf", gamma=0, alpha=1.0, solver=solver, random_state=0)
    ours = model.fit(X, y).predict(X_test)
    theirs = SklearnKernelRidge(kernel="rbf", gamma=0, alpha=1.0).fit(X, y).predict(X_test)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.parametrize("solver", ["cholesky", "cg"])
@pytest.mark.parametrize("alpha", [[np.nan], [np.inf], [1.0, np.nan]])
def test_non_finite_alphas_are_refused_at_fit(solver, alpha):
    # A NaN passes a "< 0" check; both gave NaN coefficients and an error at predict.
    X, y, _ = regression_data(n_targets=len(alpha))
    with pytest.raises(ValueError, match="non-negative and finite"):
        KernelRidge(alpha=alpha, kernel="rbf", solver=solver).fit(X, y)
    with pytest.raises(ValueError, match="positive finite"):
        KernelRidgeCV(alphas=[np.inf, 1.0], kernel="rbf").fit(X, y)


@pytest.mark.parametrize("kernel, scoring", [("rbf", None), ("rbf", "r2"), ("precomputed", None)])
def test_leave_one_out_of_a_zero_weight_sample_is_the_full_model(kernel, scoring):
    # A zero-weight sample takes no part in the fit, so its leave-one-out model is
    # the full model: cv_results_ holds its residual, not zero (or y_i).
    X, y, _ = regression_data(n=40)
    weights = np.random.default_rng(5).uniform(0.5, 2.0, size=len(X))
    weights[[0, 7]] = 0.0
    kept = weights > 0
    alphas = np.array([0.1, 1.0])
    data = rbf_kernel(X) if kernel == "precomputed" else X
    model = KernelRidgeCV(alphas=alphas, kernel=kernel, scoring=scoring, store_cv_results=True).fit(
        data, y, sample_weight=weights
    )
    for a, alpha in enumerate(alphas):
        full = SklearnKernelRidge(alpha=alpha, kernel="rbf")
        f = full.fit(X[kept], y[kept], sample_weight=weights[kept]).predict(X[~kept])
        expected = (y[~kept] - f) ** 2 if scoring is None else f
        np.testing.assert_allclose(model.cv_results_[~kept, a], expected, rtol=1e-8)
        positive = brute_force_loo(X, y, alpha, sample_weight=weights)[kept]
        if scoring is None:
            positive = (y[kept] - positive) ** 2
        np.testing.assert_allclose(model.cv_results_[kept, a], positive, rtol=1e-8)


def test_leave_one_out_on_a_singular_kernel_is_ridge_cv_s():
    # The linear kernel of 200 rows in 5 dimensions has rank 5: its other eigenvalues
    # come out in +-1e-12. Taken as they were, the scores of alphas near them were
    # arbitrary (3e5 at 1e-14), one beat the true best, and the refit was 300 off.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = X @ rng.normal(size=5) + rng.normal(size=200)
    alphas = np.logspace(-14, -4, 6)
    ours = KernelRidgeCV(alphas=alphas, store_cv_results=True).fit(X, y)
    theirs = RidgeCV(alphas=alphas, fit_intercept=False, store_cv_results=True).fit(X, y)
    np.testing.assert_allclose(ours.cv_results_.mean(axis=0), theirs.cv_results_.mean(axis=0))
    assert ours.alpha_ == theirs.alpha_
    # Within rounding of zero the refit is the least-squares model (as KernelRidge's
    # fallback); above it, accurate to the system's conditioning, eps lambda_max / alpha.
    for alpha, atol in [(1e-14, 1e-12), (1e-12, 1e-12), (1e-6, 1e-6)]:
        cv = KernelRidgeCV(alphas=[alpha]).fit(X, y)
        exact = Ridge(alpha=alpha, fit_intercept=False).fit(X, y)
        np.testing.assert_allclose(cv.predict(X), exact.predict(X), rtol=0, atol=atol)


def test_leave_one_out_of_float32_data_runs_in_float64_and_returns_float32():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    y = np.sin(X[:, 0]) + 0.01 * rng.normal(size=100)
    alphas = np.logspace(-9, 1, 11)
    ours = KernelRidgeCV(alphas=alphas, kernel="rbf").fit(X.astype(np.float32), y)
    double = KernelRidgeCV(alphas=alphas, kernel="rbf").fit(X, y)
    assert ours.dual_coef_.dtype == np.float32
    assert ours.predict(X.astype(np.float32)).dtype == np.float32
    assert ours.alpha_ == double.alpha_
    assert ours.best_score_ == pytest.approx(double.best_score_, rel=1e-3)


@pytest.mark.parametrize("column", [False, True])
def test_alpha_per_target_on_one_target_gives_floats_as_ridge_cv(column):
    # y of shape (n, 1) gave alpha_ of shape (1,); RidgeCV gives a float.
    X, y, _ = regression_data(n=60)
    y = y.reshape(-1, 1) if column else y
    alphas = np.logspace(-2, 2, 9)
    ours = KernelRidgeCV(alphas=alphas, kernel="linear", alpha_per_target=True).fit(X, y)
    theirs = RidgeCV(alphas=alphas, fit_intercept=False, alpha_per_target=True).fit(X, y)
    assert isinstance(ours.alpha_, float) and isinstance(ours.best_score_, float)
    assert ours.alpha_ == theirs.alpha_
    assert ours.best_score_ == pytest.approx(float(np.squeeze(theirs.best_score_)), rel=1e-8)
    assert ours.dual_coef_.shape == y.shape


def test_alpha_zero_is_a_candidate_with_cv_as_in_ridge_cv():
    # It was refused with cv=k, where RidgeCV (and GridSearchCV over KernelRidge) fit
    # the least-squares model; leave-one-out still needs positive alphas, as RidgeCV's.
    X, y, _ = regression_data(n=40)
    alphas = [0.0, 0.1, 1.0]
    ours = KernelRidgeCV(alphas=alphas, cv=3).fit(X, y)
    theirs = RidgeCV(alphas=alphas, cv=3, fit_intercept=False).fit(X, y)
    assert ours.alpha_ == theirs.alpha_
    assert ours.best_score_ == pytest.approx(theirs.best_score_, rel=1e-6)
    with pytest.raises(ValueError, match="positive"):
        KernelRidgeCV(alphas=alphas).fit(X, y)
    with pytest.raises(ValueError, match="non-negative"):
        KernelRidgeCV(alphas=[-1.0], cv=3).fit(X, y)


@pytest.mark.parametrize(
    "estimator",
    [KernelRidge(kernel="rbf"), KernelRidgeCV(kernel="rbf"), NystroemRidge(n_components=10)],
)
def test_a_sparse_multi_output_y_is_refused_clearly(estimator):
    # An IndexError deep in cho_solve, a TypeError from a LinearOperator, or (CV) taken.
    import scipy.sparse as sp

    X = np.random.default_rng(0).normal(size=(30, 3))
    Y = sp.csr_matrix(np.c_[X[:, 0], X[:, 1]])
    with pytest.raises(ValueError, match="sparse y is not supported"):
        estimator.fit(X, Y)


def test_cg_runs_without_a_preconditioner_that_cannot_be_built():
    # A Gram matrix computed in float32 is PSD only up to float32's rounding: the
    # Nystroem preconditioner's Cholesky failed, and solver="cg" raised a LinAlgError
    # about the kernel where K + alpha I is well posed (the Cholesky solver fits it).
    X = 3 * np.random.RandomState(0).uniform(size=(20, 5)).astype(np.float32)
    K = (X @ X.T).astype(np.float64)
    y = np.array([1.0, 2.0] * 10)
    exact = KernelRidge(kernel="precomputed", solver="cholesky").fit(K, y)
    with pytest.warns(UserWarning, match="preconditioner could not be built"):
        iterative = KernelRidge(kernel="precomputed", solver="cg", tol=1e-10, random_state=1)
        iterative.fit(K, y)
    np.testing.assert_allclose(iterative.predict(K), exact.predict(K), rtol=1e-9, atol=1e-9)


def test_an_ill_conditioned_cholesky_solve_warns_as_scikit_learn_does():
    # A polynomial kernel of integer data at alpha = 1e-12: scikit-learn warns
    # (LinAlgWarning) that the solution may have lost its digits; ours was silent.
    from scipy.linalg import LinAlgWarning
    from sklearn.kernel_ridge import KernelRidge as SklearnKernelRidge

    X = np.round(3 * np.random.default_rng(0).normal(size=(40, 3)))
    y = X[:, 0]
    with pytest.warns(LinAlgWarning):
        SklearnKernelRidge(kernel="poly", alpha=1e-12).fit(X, y)
    with pytest.warns(LinAlgWarning, match="Ill-conditioned"):
        KernelRidge(kernel="poly", alpha=1e-12, solver="cholesky").fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LinAlgWarning)
        KernelRidge(kernel="poly", alpha=1.0, solver="cholesky").fit(X, y)


def test_leave_one_out_scoring_of_one_sample_says_so():
    X, y = np.ones((1, 3)), np.array([1.0])
    with pytest.raises(ValueError, match="at least 2 samples; got 1 sample"):
        KernelRidgeCV(kernel="rbf", scoring="r2").fit(X, y)
    assert KernelRidgeCV(kernel="rbf").fit(X, y).predict(X).shape == (1,)
    # In words scikit-learn's estimator check recognises.
    from sklearn.utils.estimator_checks import check_fit2d_1sample

    check_fit2d_1sample("KernelRidgeCV", KernelRidgeCV(kernel="rbf", scoring="r2"))


def test_cg_on_an_indefinite_kernel_does_not_advise_a_positive_alpha():
    # The sigmoid kernel makes K + alpha I indefinite whatever alpha: the message's
    # advice (a positive alpha) could not help; it now names the kernel.
    from skkernel._linalg import IndefiniteSystemError

    X = np.random.default_rng(0).normal(size=(100, 3))
    with pytest.raises(IndefiniteSystemError, match="'sigmoid' is not positive semi-definite"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the preconditioner's
            KernelRidge(kernel="sigmoid", solver="cg").fit(X, X[:, 0])
