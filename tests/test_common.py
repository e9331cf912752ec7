"""scikit-learn's estimator checks on every skkernel estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skkernel import (
    ArcCosineFeatures,
    KernelRidge,
    KernelRidgeCV,
    RandomFourierFeatures,
)

ESTIMATORS = [
    KernelRidge(),
    KernelRidge(kernel="rbf"),
    KernelRidge(kernel="rbf", solver="cg", random_state=0),
    KernelRidge(kernel="precomputed"),
    KernelRidgeCV(),
    KernelRidgeCV(kernel="rbf", cv=3),
    KernelRidgeCV(kernel="precomputed"),
    RandomFourierFeatures(random_state=0),
    RandomFourierFeatures(method="orthogonal", random_state=0),
    RandomFourierFeatures(method="structured", random_state=0),
    RandomFourierFeatures(kernel="laplacian", method="qmc", random_state=0),
    ArcCosineFeatures(order=0, random_state=0),
    ArcCosineFeatures(random_state=0),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
