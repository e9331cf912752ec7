"""sample_weight under scikit-learn's metadata routing: the estimators that fit
scikit-learn meta-estimators inside (GridSearchCV, CalibratedClassifierCV) must have
their inner estimators ask for the weights, or routing refuses the fit."""

import numpy as np
import pytest
import sklearn
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skkernel import KernelRidgeCV, KernelSVC, KernelSVCCV

rng = np.random.RandomState(0)
X = rng.normal(size=(40, 3))
y = X[:, 0] + 0.1 * rng.normal(size=40)
labels = (X[:, 0] > 0).astype(int)
weights = rng.uniform(0.5, 2.0, 40)

CASES = {
    "KernelRidgeCV(cv=3)": (KernelRidgeCV(alphas=[0.01, 0.1, 1.0], cv=3), y, "predict"),
    "KernelRidgeCV(cv=3, scoring='neg_mean_absolute_error')": (
        KernelRidgeCV(alphas=[0.01, 0.1, 1.0], cv=3, scoring="neg_mean_absolute_error"),
        y,
        "predict",
    ),
    "KernelSVC(probability=True)": (
        KernelSVC(probability=True, random_state=0),
        labels,
        "predict_proba",
    ),
    "KernelSVC(probability=True, solver='nystroem')": (
        KernelSVC(probability=True, solver="nystroem", n_components=20, random_state=0),
        labels,
        "predict_proba",
    ),
    "KernelSVCCV(probability=True)": (
        KernelSVCCV(Cs=[0.1, 1.0], cv=3, probability=True, random_state=0),
        labels,
        "predict_proba",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_weighted_fits_are_the_same_with_routing_on(name):
    # Each raised UnsetMetadataPassedError (KernelSVCCV: "All the fits failed").
    estimator, target, method = CASES[name]
    expected = getattr(sklearn.clone(estimator).fit(X, target, sample_weight=weights), method)(X)
    with sklearn.config_context(enable_metadata_routing=True):
        model = sklearn.clone(estimator).fit(X, target, sample_weight=weights)
        np.testing.assert_array_equal(getattr(model, method)(X), expected)
        # And inside a Pipeline, where the user asks for the weights.
        pipeline = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            sklearn.clone(estimator).set_fit_request(sample_weight=True),
        )
        piped = pipeline.fit(X, target, sample_weight=weights)
    direct = sklearn.clone(estimator).fit(
        StandardScaler().fit_transform(X), target, sample_weight=weights
    )
    np.testing.assert_allclose(
        getattr(piped, method)(X), getattr(direct, method)(StandardScaler().fit_transform(X))
    )
