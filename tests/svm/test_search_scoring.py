"""KernelSVCCV's multi-metric scoring and callable refit, against GridSearchCV."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import accuracy_score, f1_score, make_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import SVC

from skkernel import KernelSVC, KernelSVCCV, make_kernel

from .._helpers import iris_with_a_one_class_fold

CS = [0.1, 1.0, 10.0]
GAMMAS = [0.05, 0.5]


def _data():
    return make_classification(
        150, 5, n_informative=3, n_classes=3, n_clusters_per_class=1, flip_y=0.1, random_state=0
    )


def _both(scoring, refit, **options):
    """KernelSVCCV and GridSearchCV over the same grid, fitted on the same data."""
    X, y = _data()
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    options = dict(cv=cv, scoring=scoring, refit=refit, **options)
    ours = KernelSVCCV(CS, kernel="rbf", kernel_grid={"gamma": GAMMAS}, **options)
    estimator = KernelSVC(kernel=make_kernel("rbf"), solver="exact")
    theirs = GridSearchCV(estimator, {"C": CS, "kernel__gamma": GAMMAS}, **options)
    # Unweighted: GridSearchCV scores with sample weights only from scikit-learn 1.7
    # (see test_each_metric_scores_with_the_weights for weighted scores).
    return ours.fit(X, y), theirs.fit(X, y), X


def _assert_same_results(ours, theirs):
    score_keys = [key for key in theirs.cv_results_ if "_time" not in key and "param" not in key]
    assert [key for key in ours.cv_results_ if key in score_keys] == score_keys
    for key in score_keys:
        assert_allclose(ours.cv_results_[key], theirs.cv_results_[key], err_msg=key)
    assert ours.cv_results_["params"] == theirs.cv_results_["params"]


@pytest.mark.parametrize(
    "scoring",
    [
        ["accuracy", "f1_macro", "balanced_accuracy"],
        ("f1_macro", "accuracy"),
        {"acc": "accuracy", "f1": make_scorer(f1_score, average="macro")},
    ],
)
def test_several_metrics_give_grid_search_cv_s_results(scoring):
    refit = "f1" if isinstance(scoring, dict) else "f1_macro"
    ours, theirs, X = _both(scoring, refit, return_train_score=True)
    _assert_same_results(ours, theirs)
    assert ours.multimetric_ and theirs.multimetric_
    assert ours.best_index_ == theirs.best_index_
    assert ours.best_params_ == theirs.best_params_
    assert ours.best_score_ == pytest.approx(theirs.best_score_)
    assert sorted(ours.scorer_) == sorted(theirs.scorer_)
    assert_array_equal(ours.predict(X), theirs.predict(X))


def test_each_metric_scores_with_the_weights():
    # Each metric of several scores as it does alone (the single-metric weighted
    # scores are tested against GridSearchCV's in test_kernel_svc.py).
    X, y = _data()
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    options = dict(cv=3, kernel="rbf", kernel_grid={"gamma": GAMMAS})
    both = KernelSVCCV(CS, scoring=["accuracy", "f1_macro"], refit="accuracy", **options)
    both.fit(X, y, sample_weight=weights)
    for name in ("accuracy", "f1_macro"):
        alone = KernelSVCCV(CS, scoring=name, **options).fit(X, y, sample_weight=weights)
        assert_allclose(both.cv_results_[f"mean_test_{name}"], alone.cv_results_["mean_test_score"])
        unweighted = KernelSVCCV(CS, scoring=name, **options).fit(X, y)
        assert not np.allclose(
            both.cv_results_[f"mean_test_{name}"], unweighted.cv_results_["mean_test_score"]
        )


def test_the_refit_metric_chooses_the_best_candidate():
    # Accuracy and a metric that prefers the smallest C choose differently.
    def small_c(model, K, y):
        return -model.svc.C if hasattr(model, "svc") else -model.C

    X, y = load_iris(return_X_y=True)
    scoring = {"accuracy": "accuracy", "small_c": small_c}
    by_small_c = KernelSVCCV(CS, cv=3, scoring=scoring, refit="small_c").fit(X, y)
    assert by_small_c.best_params_ == {"C": 0.1}
    assert by_small_c.best_score_ == pytest.approx(-0.1)
    assert by_small_c.best_estimator_.C == 0.1
    by_accuracy = KernelSVCCV(CS, cv=3, scoring=scoring, refit="accuracy").fit(X, y)
    assert by_accuracy.best_params_ != {"C": 0.1}
    assert by_accuracy.best_score_ == by_accuracy.cv_results_["mean_test_accuracy"].max()


def test_several_metrics_without_refit_leave_no_best_attributes():
    ours, theirs, _ = _both(["accuracy", "f1_macro"], False)
    _assert_same_results(ours, theirs)
    for name in ("best_index_", "best_params_", "best_score_", "best_estimator_"):
        assert not hasattr(theirs, name)
        assert not hasattr(ours, name), name
    # A search refitted this way drops the best_* of its earlier fit.
    X, y = load_iris(return_X_y=True)
    search = KernelSVCCV([1.0], cv=3).fit(X, y)
    assert hasattr(search, "best_score_")
    search.set_params(scoring=["accuracy", "f1_macro"], refit=False).fit(X, y)
    assert not hasattr(search, "best_score_") and not hasattr(search, "best_estimator_")


@pytest.mark.parametrize("scoring", [None, ["accuracy", "f1_macro"]])
def test_a_callable_refit_chooses_as_in_grid_search_cv(scoring):
    def simplest_within_a_point(results):
        # The smallest C whose mean accuracy is within 0.01 of the best.
        column = "mean_test_score" if scoring is None else "mean_test_accuracy"
        means = results[column]
        good = np.flatnonzero(means >= means.max() - 0.01)
        return int(good[np.argmin(np.asarray(results["param_C"])[good])])

    ours, theirs, X = _both(scoring, simplest_within_a_point)
    assert ours.best_index_ == theirs.best_index_
    assert ours.best_params_ == theirs.best_params_
    assert not hasattr(ours, "best_score_") and not hasattr(theirs, "best_score_")
    assert_array_equal(ours.predict(X), theirs.predict(X))


def test_a_callable_scoring_may_return_several_metrics():
    def two_metrics(model, K, y, sample_weight=None):
        predicted = model.predict(K)
        return {
            "accuracy": accuracy_score(y, predicted, sample_weight=sample_weight),
            "f1": f1_score(y, predicted, average="macro", sample_weight=sample_weight),
        }

    ours, theirs, _ = _both(two_metrics, "f1")
    _assert_same_results(ours, theirs)
    assert ours.multimetric_
    assert ours.best_params_ == theirs.best_params_
    # The refit rule is checked once the metrics are known.
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="refit must be the name of one of the metrics"):
        KernelSVCCV([1.0], cv=3, scoring=two_metrics).fit(X, y)


def test_failed_fits_score_error_score_on_every_metric():
    X, y, cv = iris_with_a_one_class_fold()  # the first fold trains on one class
    options = dict(cv=cv, scoring=["accuracy", "f1_macro"], refit="accuracy", error_score=-1.0)
    with pytest.warns(FitFailedWarning, match="set to -1.0"):
        ours = KernelSVCCV([0.1, 1.0], **options).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = GridSearchCV(SVC(), {"C": [0.1, 1.0]}, **options).fit(X, y)
    _assert_same_results(ours, theirs)
    assert_array_equal(ours.cv_results_["split0_test_f1_macro"], -1.0)


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(scoring=["accuracy", "f1_macro"]), ValueError, "refit must be the name"),
        (dict(scoring=["accuracy", "f1_macro"], refit="roc_auc"), ValueError, "'f1_macro'"),
        (dict(scoring=["accuracy", "accuracy"], refit=False), ValueError, "unique strings"),
        (dict(scoring=[], refit=False), ValueError, "at least one metric"),
        (dict(scoring={"accuracy", "f1_macro"}, refit=False), ValueError, "'scoring' param"),
        (dict(scoring={1: "accuracy"}, refit=False), ValueError, "each by a string"),
        (dict(refit=lambda results: 99), IndexError, "not the index of one of the 3"),
        (dict(refit=lambda results: "0"), TypeError, "index of a candidate"),
    ],
)
def test_bad_scoring_or_refit_is_refused_and_leaves_the_search_as_it_was(params, error, match):
    X, y = load_iris(return_X_y=True)
    search = KernelSVCCV(CS, cv=3).fit(X, y)
    before = (search.best_index_, search.cv_results_["mean_test_score"].copy())
    with pytest.raises(error, match=match):
        search.set_params(**params).fit(X, y)
    assert search.best_index_ == before[0]
    assert_array_equal(search.cv_results_["mean_test_score"], before[1])
    assert isinstance(search.best_estimator_, KernelSVC)


def _two_metrics(model, K, y, sample_weight=None):
    predicted = model.predict(K)
    return {
        "accuracy": accuracy_score(y, predicted, sample_weight=sample_weight),
        "f1": f1_score(y, predicted, average="macro", sample_weight=sample_weight),
    }


@pytest.mark.parametrize(
    "scoring, refit",
    [
        (None, True),
        ("f1_macro", True),
        (make_scorer(f1_score, average="weighted"), True),
        (["accuracy", "f1_macro"], "f1_macro"),
        ({"acc": "accuracy", "f1": make_scorer(f1_score, average="macro")}, "f1"),
        (_two_metrics, "f1"),
    ],
)
def test_score_is_the_refit_metric_as_in_grid_search_cv(scoring, refit):
    ours, theirs, _ = _both(scoring, refit)
    X_test, y_test = make_classification(
        60, 5, n_informative=3, n_classes=3, n_clusters_per_class=1, flip_y=0.3, random_state=1
    )
    assert ours.score(X_test, y_test) == pytest.approx(theirs.score(X_test, y_test), abs=1e-12)
    if scoring is not None:
        # The metric, not accuracy (which a classifier's score would be).
        accuracy = accuracy_score(y_test, ours.predict(X_test))
        assert ours.score(X_test, y_test) != pytest.approx(accuracy)


def test_score_passes_the_weights_to_the_refit_metric():
    ours, _, X = _both("f1_macro", True)
    _, y = _data()
    weights = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y))
    predicted = ours.best_estimator_.predict(X)
    weighted = f1_score(y, predicted, average="macro", sample_weight=weights)
    assert ours.score(X, y, sample_weight=weights) == pytest.approx(weighted, abs=1e-12)
    assert weighted != pytest.approx(f1_score(y, predicted, average="macro"))


def test_score_needs_one_metric_and_a_model():
    X, y = load_iris(return_X_y=True)
    several = KernelSVCCV(CS, cv=3, scoring=["accuracy", "f1_macro"], refit=lambda r: 0)
    with pytest.raises(ValueError, match="no one metric is its score"):
        several.fit(X, y).score(X, y)
    unrefitted = KernelSVCCV(CS, cv=3, refit=False).fit(X, y)
    assert not hasattr(unrefitted, "score")


def test_score_routes_the_weights_only_to_a_scorer_that_requests_them():
    import sklearn

    X, y = _data()
    weights = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        declined = make_scorer(f1_score, average="macro").set_score_request(sample_weight=False)
        for scoring in ("f1_macro", declined):
            search = KernelSVCCV(CS, cv=3, scoring=scoring).fit(X, y)
            with pytest.raises(TypeError, match="does not request"):
                search.score(X, y, sample_weight=weights)
            search.score(X, y)  # unweighted, as asked
        requested = make_scorer(f1_score, average="macro").set_score_request(sample_weight=True)
        search = KernelSVCCV(CS, cv=3, scoring=requested).fit(X, y)
        predicted = search.predict(X)
        weighted = f1_score(y, predicted, average="macro", sample_weight=weights)
        assert search.score(X, y, sample_weight=weights) == pytest.approx(weighted, abs=1e-12)
