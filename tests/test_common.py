"""scikit-learn's estimator checks on every skkernel estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skkernel import KernelRidge, KernelRidgeCV

ESTIMATORS = [
    KernelRidge(),
    KernelRidge(kernel="rbf"),
    KernelRidge(kernel="rbf", solver="cg", random_state=0),
    KernelRidge(kernel="precomputed"),
    KernelRidgeCV(),
    KernelRidgeCV(kernel="rbf", cv=3),
    KernelRidgeCV(kernel="precomputed"),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
