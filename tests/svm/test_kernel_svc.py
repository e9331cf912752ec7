"""KernelSVC against scikit-learn's SVC, its Nystroem path, and KernelSVCCV against
GridSearchCV."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_blobs,
    make_classification,
)
from sklearn.exceptions import FitFailedWarning
from sklearn.kernel_approximation import Nystroem as SklearnNystroem
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.utils.class_weight import compute_sample_weight

from skkernel import NNGP, NTK, KernelOperator, KernelSVC, KernelSVCCV
from skkernel.svm import _kernel_svc

from .._helpers import iris_with_a_one_class_fold


def standardized(load, test_size=0.3, seed=0):
    X, y = load(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.mark.parametrize(
    "load, params",
    [
        (load_iris, {"C": 10.0}),
        (load_iris, {"C": 0.5, "decision_function_shape": "ovo", "class_weight": "balanced"}),
        (load_iris, {"C": 3.0, "break_ties": True, "gamma": 0.3}),
        (load_breast_cancer, {"C": 1.0, "gamma": "auto", "tol": 1e-5}),
        (load_wine, {"C": 100.0, "class_weight": {0: 2.0, 1: 1.0, 2: 0.5}}),
    ],
)
def test_rbf_matches_sklearn_svc(load, params):
    X_train, X_test, y_train, y_test = standardized(load)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y_train))
    ours = KernelSVC(**params).fit(X_train, y_train, sample_weight=weights)
    theirs = SVC(**params).fit(X_train, y_train, sample_weight=weights)
    assert ours.solver_ == "exact"
    assert_array_equal(ours.support_, theirs.support_)
    assert_array_equal(ours.n_support_, theirs.n_support_)
    assert_array_equal(ours.classes_, theirs.classes_)
    assert_allclose(ours.support_vectors_, theirs.support_vectors_)
    assert_allclose(ours.dual_coef_, theirs.dual_coef_, atol=1e-8)
    assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-8)
    assert_allclose(ours.decision_function(X_test), theirs.decision_function(X_test), atol=1e-8)
    assert_array_equal(ours.predict(X_test), theirs.predict(X_test))
    assert ours.kernel_.gamma == theirs._gamma


@pytest.mark.parametrize(
    "kernel", [NTK(3, b_std=0.1), NNGP(2, activation="erf"), "rbf", "laplacian"]
)
def test_predictions_equal_svc_on_the_same_kernel_matrix(kernel):
    X_train, X_test, y_train, _ = standardized(load_wine)
    ours = KernelSVC(C=5.0, kernel=kernel, gamma=0.1).fit(X_train, y_train)
    # The matrices the engine builds, handed to scikit-learn's SVC.
    K_train = KernelOperator(ours.kernel_, X_train).gram()
    K_test = KernelOperator(ours.kernel_, X_test, X_train).to_dense()
    theirs = SVC(C=5.0, kernel="precomputed").fit(K_train, y_train)
    assert_array_equal(ours.support_, theirs.support_)
    assert_array_equal(ours.dual_coef_, theirs.dual_coef_)
    assert_array_equal(ours.predict(X_test), theirs.predict(K_test))
    assert_allclose(ours.decision_function(X_test), theirs.decision_function(K_test), rtol=1e-13)


def test_precomputed_kernel_is_svc_precomputed():
    X_train, X_test, y_train, _ = standardized(load_iris)
    K_train, K_test = X_train @ X_train.T, X_test @ X_train.T
    ours = KernelSVC(kernel="precomputed", C=2.0).fit(K_train, y_train)
    theirs = SVC(kernel="precomputed", C=2.0).fit(K_train, y_train)
    assert_array_equal(ours.predict(K_test), theirs.predict(K_test))
    assert_array_equal(ours.decision_function(K_test), theirs.decision_function(K_test))
    assert ours.__sklearn_tags__().input_tags.pairwise
    with pytest.raises(ValueError, match="square kernel matrix"):
        KernelSVC(kernel="precomputed").fit(X_train, y_train)
    with pytest.raises(ValueError, match="does not take kernel='precomputed'"):
        KernelSVC(kernel="precomputed", solver="nystroem").fit(K_train, y_train)


def _weights_with_zeros(n, seed=0):
    """Sample weights with a quarter of the rows at zero and some above one."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.5, 2.0, n)
    weights[rng.permutation(n)[: n // 4]] = 0.0
    return weights


@pytest.mark.parametrize("class_weight", [None, "balanced"])
@pytest.mark.parametrize("load", [load_breast_cancer, load_iris])
def test_zero_sample_weights_give_svc_s_model(load, class_weight):
    # libsvm trains on the rows of positive weight and numbers its support vectors
    # among them; the model must still be SVC's, and support_ index the samples.
    X_train, X_test, y_train, _ = standardized(load)
    weights = _weights_with_zeros(len(y_train))
    params = {"C": 2.0, "gamma": 0.1, "class_weight": class_weight}
    ours = KernelSVC(**params).fit(X_train, y_train, sample_weight=weights)
    theirs = SVC(**params).fit(X_train, y_train, sample_weight=weights)
    assert_allclose(ours.decision_function(X_test), theirs.decision_function(X_test), atol=1e-10)
    assert_array_equal(ours.predict(X_test), theirs.predict(X_test))
    assert_allclose(ours.support_vectors_, theirs.support_vectors_)
    assert_array_equal(ours.support_vectors_, X_train[ours.support_])
    assert np.all(weights[ours.support_] > 0)
    assert_allclose(ours.class_weight_, theirs.class_weight_)
    # The same model from a precomputed kernel matrix.
    K_train = rbf_kernel(X_train, gamma=0.1)
    K_test = rbf_kernel(X_test, X_train, gamma=0.1)
    precomputed = KernelSVC(kernel="precomputed", C=2.0, class_weight=class_weight)
    precomputed.fit(K_train, y_train, sample_weight=weights)
    assert_allclose(
        precomputed.decision_function(K_test), theirs.decision_function(X_test), atol=1e-10
    )
    assert_array_equal(precomputed.support_, ours.support_)


def test_search_with_zero_sample_weights_equals_grid_search_cv():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    weights = _weights_with_zeros(len(y), seed=1)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    Cs, gammas = [0.1, 1.0, 10.0], [0.01, 0.1]
    ours = KernelSVCCV(Cs, kernel="rbf", kernel_grid={"gamma": gammas}, cv=cv)
    ours.fit(X, y, sample_weight=weights)
    grid = GridSearchCV(SVC(), {"C": Cs, "gamma": gammas}, cv=cv).fit(X, y, sample_weight=weights)
    # The same candidates, ordered by C then gamma in both.
    order = np.lexsort(
        (
            np.asarray(grid.cv_results_["param_gamma"], dtype=float),
            np.asarray(grid.cv_results_["param_C"], dtype=float),
        )
    )
    ours_order = np.lexsort(
        (
            np.asarray(ours.cv_results_["param_kernel__gamma"], dtype=float),
            np.asarray(ours.cv_results_["param_C"], dtype=float),
        )
    )
    for key in ["mean_test_score", "split0_test_score", "split2_test_score"]:
        assert_allclose(ours.cv_results_[key][ours_order], grid.cv_results_[key][order])
    assert_allclose(ours.decision_function(X), grid.decision_function(X), atol=1e-10)


def test_search_checks_feature_names_at_predict():
    pd = pytest.importorskip("pandas")
    X, y = make_classification(120, 4, random_state=0)
    frame = pd.DataFrame(X, columns=list("abcd"))
    model = KernelSVCCV(Cs=[1.0], cv=3).fit(frame, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning with the names it was fitted with
        assert_array_equal(model.predict(frame), KernelSVC().fit(X, y).predict(X))
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame.rename(columns={"a": "z"}))


@pytest.mark.parametrize("sparse_format", ["csr", "csc"])
def test_sparse_input_gives_svc_s_model(sparse_format):
    # scikit-learn's SVC takes sparse X; so do ours, densified.
    X, y = make_classification(150, 6, random_state=0)
    X[np.abs(X) < 0.7] = 0.0
    X_sparse = sp.csr_matrix(X).asformat(sparse_format)
    ours = KernelSVC(gamma=0.2).fit(X_sparse, y)
    theirs = SVC(gamma=0.2).fit(X_sparse, y)
    assert_array_equal(ours.support_, theirs.support_)
    assert_allclose(ours.decision_function(X_sparse), theirs.decision_function(X_sparse), atol=1e-8)
    assert_allclose(ours.decision_function(X), theirs.decision_function(X_sparse), atol=1e-8)
    search = KernelSVCCV(Cs=[0.5, 2.0], cv=3).fit(X_sparse, y)
    dense_search = KernelSVCCV(Cs=[0.5, 2.0], cv=3).fit(X, y)
    assert_allclose(
        search.cv_results_["mean_test_score"], dense_search.cv_results_["mean_test_score"]
    )
    assert_array_equal(search.predict(X_sparse), dense_search.predict(X))


def test_float32_input_gives_the_float64_model():
    X_train, X_test, y_train, _ = standardized(load_breast_cancer)
    ours = KernelSVC(kernel="ntk").fit(X_train.astype(np.float32), y_train)
    reference = KernelSVC(kernel="ntk").fit(X_train.astype(np.float32).astype(np.float64), y_train)
    assert_array_equal(ours.support_, reference.support_)
    assert_allclose(ours.dual_coef_, reference.dual_coef_, rtol=1e-10)
    assert_array_equal(ours.predict(X_test.astype(np.float32)), reference.predict(X_test))


@pytest.mark.parametrize(
    "load",
    [load_iris, load_wine, load_breast_cancer, pytest.param(load_digits, marks=pytest.mark.slow)],
)
def test_ntk_svm_is_as_accurate_as_the_rbf_svm(load):
    # Each chosen by 3-fold cross-validation on 70% of the data (Arora et al.'s grid
    # for the NTK; C x gamma for the Gaussian kernel), scored on the other 30%.
    X_train, X_test, y_train, y_test = standardized(load)
    Cs = np.logspace(-2, 4, 7)
    ntk = KernelSVCCV(
        Cs,
        kernel="ntk",
        kernel_grid={"depth": [1, 2, 3, 4, 5], "fixed_layers": [0, 1, 2, 3, 4, 5]},
        cv=3,
    ).fit(X_train, y_train)
    gammas = np.logspace(-2, 2, 5) / X_train.shape[1]
    rbf = KernelSVCCV(Cs, kernel="rbf", kernel_grid={"gamma": list(gammas)}, cv=3)
    rbf.fit(X_train, y_train)
    assert ntk.score(X_test, y_test) >= rbf.score(X_test, y_test) - 0.015


@pytest.mark.slow
def test_nystroem_path_is_within_a_point_of_the_exact_path():
    X, y = make_classification(
        n_samples=5000, n_features=20, n_informative=12, n_classes=3, random_state=0
    )
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=0)
    exact = KernelSVC(C=10.0).fit(X_train, y_train)
    approximate = KernelSVC(C=10.0, solver="nystroem", random_state=0).fit(X_train, y_train)
    assert approximate.solver_ == "nystroem" and approximate.components_.shape == (1000, 20)
    assert not hasattr(approximate, "support_")
    accuracy = approximate.score(X_test, y_test)
    assert abs(accuracy - exact.score(X_test, y_test)) <= 0.01
    assert approximate.decision_function(X_test).shape == (len(X_test), 3)


def test_solver_auto_goes_to_nystroem_when_the_matrix_does_not_fit(monkeypatch):
    X, y = make_classification(n_samples=300, random_state=0)
    assert KernelSVC().fit(X, y).solver_ == "exact"
    monkeypatch.setattr(_kernel_svc, "fits_in_memory", lambda nbytes: False)
    model = KernelSVC(n_components=50, random_state=0).fit(X, y)
    assert model.solver_ == "nystroem" and model.coef_.shape == (1, 50)
    assert model.score(X, y) > 0.9


def test_exact_solver_says_what_to_do_when_memory_is_short(monkeypatch):
    from skkernel import _memory

    X, y = make_classification(n_samples=300, random_state=0)
    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: 1000)
    with pytest.raises(MemoryError, match="solver='nystroem'"):
        KernelSVC(solver="exact").fit(X, y)


def test_nystroem_path_takes_one_vs_rest_only():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="decision_function_shape='ovo' needs solver='exact'"):
        KernelSVC(solver="nystroem", decision_function_shape="ovo", n_components=20).fit(X, y)
    # Two classes have one decision function either way.
    binary = y < 2
    KernelSVC(solver="nystroem", decision_function_shape="ovo", n_components=20).fit(
        X[binary], y[binary]
    )


@pytest.mark.parametrize("solver", ["exact", "nystroem"])
def test_probabilities_are_calibrated_and_leave_predictions_alone(solver):
    X_train, X_test, y_train, _ = standardized(load_wine)
    plain = KernelSVC(solver=solver, n_components=60, random_state=0).fit(X_train, y_train)
    model = KernelSVC(solver=solver, n_components=60, random_state=0, probability=True)
    model.fit(X_train, y_train)
    proba = model.predict_proba(X_test)
    assert proba.shape == (len(X_test), 3)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_allclose(model.predict_log_proba(X_test), np.log(proba))
    assert_array_equal(model.predict(X_test), plain.predict(X_test))
    assert_allclose(model.decision_function(X_test), plain.decision_function(X_test))
    # Most probable class and prediction mostly agree (Platt scaling is per class).
    assert np.mean(model.classes_[proba.argmax(axis=1)] == model.predict(X_test)) > 0.9
    assert not hasattr(plain, "predict_proba")


_CLASS_WEIGHTS = [None, "balanced", {0: 3.0, 1: 1.0, 2: 0.5}]


def _per_row_weights(class_weight, y, sample_weight):
    """The class weights as sample weights (how probability=True passes them)."""
    if class_weight is None:
        return sample_weight
    return sample_weight * compute_sample_weight(class_weight, y)


@pytest.mark.parametrize("class_weight", _CLASS_WEIGHTS)
@pytest.mark.parametrize("probability", [False, True])
def test_nystroem_solver_is_linear_svc_on_sklearn_s_nystroem_features(class_weight, probability):
    # scikit-learn's Nystroem fitted on the model's centers is the same feature map
    # up to the order of its columns, which leaves liblinear's dual problem as it is.
    X_train, X_test, y_train, _ = standardized(load_wine)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y_train))
    options = dict(C=2.0, class_weight=class_weight, tol=1e-3, random_state=0)
    model = KernelSVC(
        gamma=0.1,
        solver="nystroem",
        sampling="uniform",
        n_components=40,
        probability=probability,
        **options,
    ).fit(X_train, y_train, sample_weight=weights)
    features = SklearnNystroem(gamma=0.1, n_components=40, random_state=0).fit(model.components_)
    linear = LinearSVC(loss="hinge", dual=True, max_iter=10_000, **options)
    F_train, F_test = features.transform(X_train), features.transform(X_test)
    if probability:
        twin = CalibratedClassifierCV(
            clone(linear).set_params(class_weight=None), method="sigmoid", cv=5, ensemble=False
        ).fit(F_train, y_train, sample_weight=_per_row_weights(class_weight, y_train, weights))
        assert_allclose(model.predict_proba(X_test), twin.predict_proba(F_test), atol=1e-7)
        linear = twin.calibrated_classifiers_[0].estimator
    else:
        linear.fit(F_train, y_train, sample_weight=weights)
    assert_allclose(model.decision_function(X_test), linear.decision_function(F_test), atol=1e-7)
    assert_array_equal(model.predict(X_test), linear.predict(F_test))


@pytest.mark.parametrize("class_weight", _CLASS_WEIGHTS)
def test_exact_probabilities_are_calibrated_classifier_cv_s(class_weight):
    # scikit-learn's replacement for SVC(probability=True): Platt's sigmoid on 5
    # stratified folds' decision values, the SVC itself fitted on all the data.
    X_train, X_test, y_train, _ = standardized(load_wine)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y_train))
    model = KernelSVC(C=2.0, gamma=0.1, probability=True, class_weight=class_weight)
    model.fit(X_train, y_train, sample_weight=weights)
    twin = CalibratedClassifierCV(SVC(C=2.0, gamma=0.1), method="sigmoid", cv=5, ensemble=False)
    twin.fit(X_train, y_train, sample_weight=_per_row_weights(class_weight, y_train, weights))
    assert_allclose(model.predict_proba(X_test), twin.predict_proba(X_test), atol=1e-7)
    assert_array_equal(
        model.predict(X_test), twin.calibrated_classifiers_[0].estimator.predict(X_test)
    )


def test_failed_refit_leaves_the_fitted_model():
    X, y = load_iris(return_X_y=True)
    model = KernelSVC(kernel="ntk").fit(X, y)
    support, dual_coef = model.support_.copy(), model.dual_coef_.copy()
    with pytest.raises(ValueError, match="fixed_layers=3 must be at most depth=2"):
        model.set_params(kernel_params={"fixed_layers": 3}).fit(X, y)
    with pytest.raises(ValueError, match="number of classes has to be greater than one"):
        model.set_params(kernel_params=None).fit(X, np.zeros(len(y)))
    assert_array_equal(model.support_, support)
    assert_array_equal(model.dual_coef_, dual_coef)
    assert model.kernel_.fixed_layers == 0


def test_kernel_by_name_and_parameters():
    X, y = load_iris(return_X_y=True)
    model = KernelSVC(kernel="ntk", kernel_params={"depth": 3, "activation": "erf"}).fit(X, y)
    assert model.kernel_.get_params() == NTK(3, activation="erf").get_params()
    kernel = NTK(2)
    model = KernelSVC(kernel=kernel).fit(X, y)
    assert model.kernel_ is not kernel  # the fitted kernel is a copy
    with pytest.raises(ValueError, match="not parameters of the 'ntk' kernel"):
        KernelSVC(kernel="ntk", kernel_params={"gamma_": 1}).fit(X, y)


# --------------------------------------------------------------------------------
# KernelSVCCV


def test_search_equals_grid_search_cv_on_kernel_svc():
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    Cs = [0.1, 1.0, 10.0]
    ours = KernelSVCCV(
        Cs, kernel=NTK(b_std=0.1), kernel_grid={"depth": [1, 2, 3], "fixed_layers": [0, 1]}, cv=cv
    ).fit(X, y)
    grid = {"C": Cs, "kernel__depth": [1, 2, 3], "kernel__fixed_layers": [0, 1]}
    theirs = GridSearchCV(KernelSVC(kernel=NTK(b_std=0.1)), grid, cv=cv).fit(X, y)
    assert ours.cv_results_["params"] == theirs.cv_results_["params"]
    for key in ["mean_test_score", "std_test_score", "split0_test_score", "rank_test_score"]:
        assert_allclose(ours.cv_results_[key], theirs.cv_results_[key])
    assert_array_equal(
        np.asarray(ours.cv_results_["param_kernel__depth"], dtype=int),
        np.asarray(theirs.cv_results_["param_kernel__depth"], dtype=int),
    )
    assert ours.best_params_ == theirs.best_params_
    assert ours.best_index_ == theirs.best_index_
    assert ours.best_score_ == pytest.approx(theirs.best_score_)
    assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.best_estimator_.kernel_.depth == theirs.best_params_["kernel__depth"]


@pytest.mark.parametrize("scoring", [None, "neg_log_loss", "roc_auc_ovr"])
def test_search_with_probability_scores_as_grid_search_cv(scoring):
    # Each fold's labels are libsvm's, as KernelSVC.predict's: the calibration's own
    # predict (the argmax of its probabilities) scored fold 2 at C=10 0.85, not 0.86.
    X, y = make_classification(
        300, 6, n_informative=4, n_classes=3, n_clusters_per_class=1, flip_y=0.2, random_state=0
    )
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    Cs = [0.1, 1.0, 10.0]
    svc = dict(kernel="rbf", gamma=0.2, probability=True)
    ours = KernelSVCCV(Cs, cv=cv, scoring=scoring, **svc).fit(X, y)
    theirs = GridSearchCV(KernelSVC(**svc), {"C": Cs}, cv=cv, scoring=scoring).fit(X, y)
    for key in ["mean_test_score", "split2_test_score", "rank_test_score"]:
        assert_allclose(ours.cv_results_[key], theirs.cv_results_[key])
    assert_allclose(ours.predict_log_proba(X[:5]), theirs.predict_log_proba(X[:5]))


@pytest.mark.parametrize(
    "kernel, grid, n_candidates",
    [
        ("ntk", {"depth": [1, 2, 3], "fixed_layers": [0, 2]}, 5),
        (NTK(fixed_layers=2), {"depth": [1, 2, 3]}, 2),
        (NTK(depth=2), {"fixed_layers": [0, 1, 2, 3]}, 3),
    ],
)
def test_fixed_layers_above_depth_are_left_out_with_the_kernel_s_own_values(
    kernel, grid, n_candidates
):
    # The base kernel's fixed_layers=2 (or depth=2) counts as the grid's would: the
    # depths below it were tried, and raised.
    X, y = load_iris(return_X_y=True)
    search = KernelSVCCV([1.0], kernel=kernel, kernel_grid=grid, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == n_candidates


def test_grid_values_may_be_dicts_as_in_grid_search_cv():
    X, y = load_iris(return_X_y=True)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    grid = {"activation": ["leaky_relu"], "activation_params": [{"alpha": 0.1}, {"alpha": 0.5}]}
    ours = KernelSVCCV([1.0, 10.0], kernel="nngp", kernel_grid=grid, cv=cv).fit(X, y)
    theirs = GridSearchCV(
        KernelSVC(kernel=NNGP()),
        {"C": [1.0, 10.0], **{f"kernel__{k}": v for k, v in grid.items()}},
        cv=cv,
    ).fit(X, y)
    assert ours.cv_results_["params"] == theirs.cv_results_["params"]
    assert_allclose(ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"])
    assert ours.best_params_ == theirs.best_params_


class _CountingOperator(KernelOperator):
    grams = 0
    paths = []

    def gram(self, *args, **kwargs):
        type(self).grams += 1
        return super().gram(*args, **kwargs)

    def path(self, **values):
        type(self).paths.append(values)
        return super().path(**values)


def test_each_kernel_matrix_is_computed_once(monkeypatch):
    X, y = load_iris(return_X_y=True)
    monkeypatch.setattr(_kernel_svc, "KernelOperator", _CountingOperator)
    # Three gammas, four Cs, five folds: three matrices (and one for the refit).
    search = KernelSVCCV([0.1, 1, 10, 100], kernel="rbf", kernel_grid={"gamma": [0.1, 1, 10]})
    search.fit(X, y)
    assert _CountingOperator.grams == 3 + 1
    assert len(search.cv_results_["params"]) == 12 and search.n_splits_ == 5
    # The NTK's grid is one pass: no matrix of its own per depth or fixed layers.
    _CountingOperator.grams = 0
    grid = {"depth": [1, 2, 3, 4, 5], "fixed_layers": [0, 1, 2, 3, 4, 5]}
    search = KernelSVCCV(kernel="ntk", kernel_grid=grid, cv=3).fit(X, y)
    assert _CountingOperator.paths == [
        {"depth": [1, 2, 3, 4, 5], "fixed_layers": [0, 1, 2, 3, 4, 5]}
    ]
    assert _CountingOperator.grams == 1  # the refit
    # Arora et al.'s grid: fixed_layers above depth are left out.
    assert len(search.cv_results_["params"]) == 7 * (2 + 3 + 4 + 5 + 6)


def test_search_on_one_validation_split():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    train, validation = order[:300], order[300:]
    search = KernelSVCCV(
        [1.0, 10.0],
        kernel="nngp",
        kernel_grid=[{"depth": [1, 3]}, {"depth": [2], "b_std": [0.1, 0.5]}],
        cv=[(train, validation)],
        scoring="balanced_accuracy",
        refit=False,
    ).fit(X, y)
    assert search.n_splits_ == 1
    assert len(search.cv_results_["params"]) == 2 * 2 + 2 * 2
    best = search.cv_results_["params"][search.best_index_]
    C = best.pop("C")
    kernel = NNGP(**{k[len("kernel__") :]: v for k, v in best.items()})
    model = KernelSVC(C=C, kernel=kernel).fit(X[train], y[train])
    from sklearn.metrics import balanced_accuracy_score

    expected = balanced_accuracy_score(y[validation], model.predict(X[validation]))
    assert search.best_score_ == pytest.approx(expected)
    assert not hasattr(search, "best_estimator_")
    # As GridSearchCV(refit=False): no prediction methods (it said "not fitted").
    for method in ("predict", "decision_function"):
        with pytest.raises(AttributeError, match=f"has no attribute '{method}'"):
            getattr(search, method)(X)
    with pytest.raises(AttributeError, match="has no attribute 'score'"):
        search.score(X, y)
    assert not hasattr(search, "predict") and not hasattr(search, "decision_function")
    assert not hasattr(search.set_params(probability=True), "predict_proba")
    assert hasattr(KernelSVCCV(refit=True), "predict")


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"kernel": "precomputed"}, ValueError, "computes the kernel matrices itself"),
        ({"Cs": [1.0, -1.0]}, ValueError, "Cs must be positive"),
        ({"Cs": []}, ValueError, "Cs must be positive"),
        ({"kernel": "ntk", "kernel_grid": {"depht": [1]}}, ValueError, "depht"),
        (
            {"kernel": "ntk", "kernel_grid": {"depth": [1], "fixed_layers": [2]}},
            ValueError,
            "no candidate",
        ),
        ({"kernel_grid": {"gamma": 0.5}}, TypeError, "needs to be a list"),
        ({"kernel_grid": [1, 2]}, TypeError, "a dict or a list of dicts"),
        ({"Cs": {"a": 1}}, ValueError, "Cs must be positive"),
    ],
)
def test_search_rejects_bad_parameters(params, error, match):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(error, match=match):
        KernelSVCCV(**params).fit(X, y)


def test_a_fold_that_cannot_be_fitted_scores_nan_as_in_grid_search_cv():
    X, y, cv = iris_with_a_one_class_fold()  # the first fold trains on one class
    grid = {"C": [0.1, 1.0], "gamma": [0.1, 1.0]}
    with pytest.warns(FitFailedWarning, match="4 fits failed out of a total of 8"):
        ours = KernelSVCCV(grid["C"], kernel="rbf", kernel_grid={"gamma": grid["gamma"]}, cv=cv)
        ours.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = GridSearchCV(SVC(), grid, cv=cv).fit(X, y)
    for key in ["split0_test_score", "split1_test_score", "mean_test_score", "rank_test_score"]:
        assert_allclose(ours.cv_results_[key], theirs.cv_results_[key])
    assert ours.best_index_ == theirs.best_index_
    with pytest.raises(ValueError, match="All the 2 fits failed"):
        KernelSVCCV([0.1, 1.0], cv=cv[:1]).fit(X, y)


def test_error_score_and_train_scores_as_in_grid_search_cv():
    X, y, cv = iris_with_a_one_class_fold()  # the first fold trains on one class
    grid = {"C": [0.1, 1.0], "gamma": [0.1, 1.0]}
    options = dict(cv=cv, error_score=-1.0, return_train_score=True)
    with pytest.warns(FitFailedWarning, match="set to -1.0"):
        ours = KernelSVCCV(grid["C"], kernel="rbf", kernel_grid={"gamma": grid["gamma"]}, **options)
        ours.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = GridSearchCV(SVC(), grid, **options).fit(X, y)
    assert list(ours.cv_results_)[-4:] == list(theirs.cv_results_)[-4:]
    for key in theirs.cv_results_:
        if key.endswith("_score"):
            assert_allclose(ours.cv_results_[key], theirs.cv_results_[key], err_msg=key)
    assert_array_equal(ours.cv_results_["split0_test_score"], -1.0)
    with pytest.raises(ValueError, match="got 1 class"):
        KernelSVCCV(grid["C"], cv=cv, error_score="raise").fit(X, y)
    assert "mean_train_score" not in KernelSVCCV([1.0], cv=3).fit(X, y).cv_results_


def test_non_finite_train_scores_are_warned_about_as_in_grid_search_cv():
    def fails_on_training_parts(model, K, y):
        if len(y) > 60:
            raise RuntimeError("a training part")
        return float(np.mean(model.predict(K) == y))

    X, y = load_iris(return_X_y=True)
    options = dict(cv=3, scoring=fails_on_training_parts, return_train_score=True)
    with pytest.warns(UserWarning, match="train scores are non-finite"):
        search = KernelSVCCV([1.0], **options).fit(X, y)
    assert np.isnan(search.cv_results_["mean_train_score"]).all()
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_train_scores_with_zero_weights_as_in_grid_search_cv():
    # Rows of weight 0 are left out of the fold's fit but not out of its training
    # part, which GridSearchCV scores whole.
    X, y = make_classification(90, 4, n_informative=2, n_redundant=0, random_state=3)
    weights = np.ones(90)
    weights[:9] = 0
    grid = {"gamma": [0.05, 0.3]}
    ours = KernelSVCCV([0.1, 10], kernel="rbf", kernel_grid=grid, cv=3, return_train_score=True)
    ours.fit(X, y, sample_weight=weights)
    theirs = _grid_search_twin([0.1, 10], "rbf", grid, cv=3, return_train_score=True)
    theirs.fit(X, y, sample_weight=weights)
    for key in ("split0_train_score", "mean_train_score", "std_train_score"):
        assert_allclose(ours.cv_results_[key], theirs.cv_results_[key], err_msg=key)


def test_threads_give_the_same_search():
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    grid = {"depth": [1, 2], "fixed_layers": [0, 1]}
    serial = KernelSVCCV([0.1, 1.0, 10.0], kernel="ntk", kernel_grid=grid, cv=3).fit(X, y)
    threads = KernelSVCCV([0.1, 1.0, 10.0], kernel="ntk", kernel_grid=grid, cv=3, n_jobs=2)
    threads.fit(X, y)
    assert_array_equal(
        serial.cv_results_["mean_test_score"], threads.cv_results_["mean_test_score"]
    )
    assert serial.best_params_ == threads.best_params_


def test_a_scoring_the_model_cannot_serve_is_one_clear_error():
    X, y = make_classification(100, random_state=0)
    search = KernelSVCCV(Cs=[1.0, 2.0], cv=3, scoring="neg_log_loss")
    with pytest.raises(ValueError, match="need probability=True"):
        search.fit(X, y)
    assert not hasattr(search, "best_estimator_")
    search.set_params(probability=True).fit(X, y)
    assert np.isfinite(search.best_score_)


@pytest.mark.parametrize("estimator", [KernelSVC(), KernelSVC(solver="nystroem"), KernelSVCCV()])
def test_no_positive_weight_is_svc_s_error(estimator):
    # "Found array with 0 sample(s)", or "max() arg is an empty sequence" in liblinear.
    X, y = make_classification(60, 4, random_state=0)
    with pytest.raises(ValueError, match="all samples have zero or negative weights"):
        estimator.fit(X, y, sample_weight=np.r_[-1.0, np.zeros(59)])


@pytest.mark.parametrize("sampling", ["uniform", "rls"])
def test_nystroem_centers_are_drawn_among_rows_that_count(sampling):
    # Zero-weight rows took centers (as NystroemRidge's do not): wasted on rows that
    # take no part in the fit.
    X, y = make_classification(200, 4, random_state=0)
    weights = np.ones(200)
    weights[::3] = 0
    params = dict(solver="nystroem", gamma=0.25, n_components=30, sampling=sampling)
    weighted = KernelSVC(**params, random_state=0).fit(X, y, sample_weight=weights)
    dropped = KernelSVC(**params, random_state=0).fit(X[weights > 0], y[weights > 0])
    assert np.all(weights[weighted.component_indices_] > 0)
    assert_array_equal(weighted.components_, dropped.components_)


def _grid_search_twin(Cs, kernel, grid, **options):
    from skkernel.kernels import make_kernel

    param_grid = {"C": Cs, **{f"kernel__{name}": values for name, values in grid.items()}}
    estimator = KernelSVC(kernel=make_kernel(kernel), solver="exact")
    if options.pop("probability", False):
        estimator.set_params(probability=True)
    return GridSearchCV(estimator, param_grid, **options)


@pytest.mark.parametrize("form", ["lists", "masks"])
def test_cv_folds_as_lists_or_masks_with_zero_weights(form):
    # train[rows] on a list of indices: TypeError (masks: IndexError).
    X, y = make_classification(90, 4, n_informative=2, n_redundant=0, random_state=3)
    weights = np.ones(90)
    weights[:6] = 0
    folds = list(StratifiedKFold(3).split(X, y))
    if form == "lists":
        cv = [(train.tolist(), test.tolist()) for train, test in folds]
    else:
        cv = [
            (np.isin(np.arange(90), train), np.isin(np.arange(90), test)) for train, test in folds
        ]
    grid = {"gamma": [0.05, 0.3]}
    ours = KernelSVCCV([0.1, 1, 10], kernel="rbf", kernel_grid=grid, cv=cv)
    ours.fit(X, y, sample_weight=weights)
    theirs = _grid_search_twin([0.1, 1, 10], "rbf", grid, cv=folds)
    theirs.fit(X, y, sample_weight=weights)
    assert_allclose(ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"])
    assert ours.best_params_ == theirs.best_params_
    for name in ("param_C", "param_kernel__gamma"):
        assert ours.cv_results_[name].dtype == theirs.cv_results_[name].dtype


def test_a_fold_the_scorer_cannot_score_is_nan_as_in_grid_search():
    # A test part with one class: neg_log_loss raised out of fit instead of scoring NaN.
    X = np.random.RandomState(0).normal(size=(60, 3))
    y = np.array([0] * 25 + [1] * 25 + [2] * 10)
    cv = [(np.arange(0, 50), np.arange(40, 60)), (np.arange(10, 60), np.arange(0, 10))]
    options = dict(cv=cv, scoring="neg_log_loss", probability=True)
    grid = {"gamma": [0.05, 0.3]}
    with pytest.raises(ValueError, match="y_true"):
        KernelSVCCV([0.1], kernel="rbf", error_score="raise", **options).fit(X, y)
    with pytest.warns(UserWarning, match="Scoring failed"):
        ours = KernelSVCCV([0.1, 10], kernel="rbf", kernel_grid=grid, **options).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _grid_search_twin([0.1, 10], "rbf", grid, **options).fit(X, y)
    for k in range(2):
        key = f"split{k}_test_score"
        assert_array_equal(np.isnan(ours.cv_results_[key]), np.isnan(theirs.cv_results_[key]))


def test_grids_of_a_gaussian_process_kernel_use_grid_search_names():
    # GPKernelAdapter's own parameter is "kernel": {"length_scale": ...} was refused.
    from sklearn.gaussian_process.kernels import RBF as GPRBF

    X, y = make_classification(90, 4, random_state=0)
    grid = {"length_scale": [0.5, 2.0]}
    ours = KernelSVCCV([0.1, 10], kernel=GPRBF(), kernel_grid=grid, cv=3).fit(X, y)
    theirs = GridSearchCV(
        KernelSVC(kernel=GPRBF()), {"C": [0.1, 10], "kernel__length_scale": [0.5, 2.0]}, cv=3
    ).fit(X, y)
    assert ours.best_params_ == theirs.best_params_
    assert_allclose(ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"])


def test_cv_threads_see_the_callers_scikit_learn_configuration():
    # joblib's own delayed: its threads ran with scikit-learn's defaults
    # (working_memory 1024 inside a caller's config_context(working_memory=7)).
    import sklearn

    X, y = load_iris(return_X_y=True)
    seen = []

    def scorer(estimator, X, y):
        seen.append(sklearn.get_config()["working_memory"])
        return estimator.score(X, y)

    with sklearn.config_context(working_memory=7):
        KernelSVCCV([0.1, 1.0, 10.0], cv=2, n_jobs=2, scoring=scorer).fit(X, y)
    assert seen and set(seen) == {7}


def test_cv_takes_groups_as_grid_search_does():
    # Group-wise splitters (GroupKFold, LeaveOneGroupOut) need fit(..., groups=):
    # KernelSVCCV took no groups, so rows of one patient landed on both sides.
    from sklearn.model_selection import GroupKFold

    X, y = load_iris(return_X_y=True)
    groups = np.arange(len(y)) % 7
    Cs = [0.1, 1.0, 10.0]
    ours = KernelSVCCV(Cs, gamma=0.5, cv=GroupKFold(3)).fit(X, y, groups=groups)
    grid = GridSearchCV(KernelSVC(gamma=0.5), {"C": Cs}, cv=GroupKFold(3))
    grid.fit(X, y, groups=groups)
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        assert_allclose(ours.cv_results_[key], grid.cv_results_[key], rtol=1e-12)
    assert ours.best_params_ == grid.best_params_
    with pytest.raises(ValueError, match="groups"):
        KernelSVCCV(Cs, cv=GroupKFold(3)).fit(X, y)


def _three_blobs():
    X, y = make_blobs(60, centers=3, n_features=2, cluster_std=2.0, random_state=0)
    return X, y


@pytest.mark.parametrize("solver", ["exact", "nystroem"])
def test_probabilities_with_class_weights_keyed_by_any_labels(solver):
    # The calibration's folds are fitted on labels encoded 0..k-1, where a
    # class_weight keyed by the labels failed ("The classes, [0, 1, 2], are not in
    # class_weight") or, keyed partly by 0..k-1, silently weighted the wrong class.
    X, y = _three_blobs()
    params = dict(solver=solver, n_components=20, probability=True, random_state=0)
    by_index = KernelSVC(class_weight={0: 2.0, 1: 1.0, 2: 1.0}, **params).fit(X, y)
    labels = np.array(["a", "b", "c"])
    by_name = KernelSVC(class_weight={"a": 2.0, "b": 1.0, "c": 1.0}, **params).fit(X, labels[y])
    assert_allclose(by_name.predict_proba(X), by_index.predict_proba(X), rtol=1e-10)
    # Labels 1, 2 and an unused key 0: every class weighs 1, as without weights.
    y2 = np.where(y == 0, 1, 2)
    unused = KernelSVC(class_weight={0: 100.0, 1: 1.0, 2: 1.0}, **params).fit(X, y2)
    plain = KernelSVC(**params).fit(X, y2)
    assert_allclose(unused.predict_proba(X), plain.predict_proba(X), rtol=1e-10)
    if solver == "exact":
        assert_allclose(by_name.class_weight_, [2.0, 1.0, 1.0])
    cv = KernelSVCCV(Cs=[1.0], probability=True, class_weight={"a": 2.0, "b": 1.0, "c": 1.0})
    assert np.all(np.isfinite(cv.fit(X, labels[y]).cv_results_["mean_test_score"]))


def test_a_class_of_zero_weights_is_no_class_on_every_solver():
    # Class 2 has weight 0 everywhere: the exact solver (libsvm on the rows of
    # positive weight) knew two classes, the Nystroem one three with binary-shaped
    # decision values, and KernelSVCCV three where its model had two.
    X, y = _three_blobs()
    sample_weight = np.where(y == 2, 0.0, 1.0)
    models = [
        KernelSVC(solver="exact"),
        KernelSVC(solver="nystroem", n_components=20, random_state=0),
        KernelSVCCV(Cs=[1.0]),
    ]
    for model in models:
        model.fit(X, y, sample_weight=sample_weight)
        assert_array_equal(model.classes_, [0, 1])
        assert model.decision_function(X).shape == (60,)


def test_nystroem_probabilities_with_a_class_of_few_weighted_rows():
    # Class 2: 3 rows of weight 1 and 17 of weight 0. The Nystroem solver calibrated
    # on all rows, and a fold holding none of the 3 failed inside LinearSVC.
    X, y = _three_blobs()
    sample_weight = np.ones(60)
    sample_weight[np.flatnonzero(y == 2)[3:]] = 0.0
    model = KernelSVC(solver="nystroem", n_components=20, probability=True, random_state=0)
    proba = model.fit(X, y, sample_weight=sample_weight).predict_proba(X)
    assert proba.shape == (60, 3)
    assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("kernel", ["rbf", "precomputed"])
def test_a_model_saved_before_the_support_columns_renumbering_still_predicts(kernel):
    # Its libsvm model numbered the support vectors among all training rows and took
    # n_train columns; loaded now, it takes the support vectors' columns as new ones.
    import pickle

    X_train, X_test, y_train, _ = standardized(load_wine)
    K_train, K_test = rbf_kernel(X_train, gamma=0.1), rbf_kernel(X_test, X_train, gamma=0.1)
    model = KernelSVC(kernel=kernel, gamma=0.1)
    model.fit(K_train if kernel == "precomputed" else X_train, y_train)
    saved = dict(model.__getstate__())
    saved["_model"] = SVC(kernel="precomputed").fit(K_train, y_train)  # the old layout
    old = pickle.loads(pickle.dumps(saved))
    loaded = KernelSVC.__new__(KernelSVC)
    loaded.__setstate__(old)
    X_new = K_test if kernel == "precomputed" else X_test
    assert_array_equal(loaded.decision_function(X_new), model.decision_function(X_new))
    assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X_new), model.predict(X_new))


def test_a_model_without_support_vectors_predicts_as_svc():
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libsvm's early stop
        model = KernelSVC(gamma=0.5, max_iter=0).fit(X, y)
        twin = SVC(gamma=0.5, max_iter=0).fit(X, y)
    assert model.support_.size == twin.support_.size == 0
    assert_array_equal(model.predict(X), twin.predict(X))
    assert_array_equal(model.decision_function(X), twin.decision_function(X))
