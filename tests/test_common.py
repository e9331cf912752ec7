"""scikit-learn's estimator checks on every skkernel estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skkernel import (
    ArcCosineFeatures,
    KernelRidge,
    KernelRidgeCV,
    KernelSVC,
    KernelSVCCV,
    KernelThinning,
    Nystroem,
    NystroemRidge,
    NystroemRidgeClassifier,
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
    Nystroem(n_components=10, random_state=0),
    Nystroem(n_components=10, sampling="rls", random_state=0),
    Nystroem(n_components=10, sampling="sequential", random_state=0),
    Nystroem(n_components=10, sampling="kernel-thinning", random_state=0),
    NystroemRidge(n_components=50, random_state=0),
    NystroemRidge(n_components=20, sampling="uniform", random_state=0),
    NystroemRidgeClassifier(n_components=20, random_state=0),
    KernelThinning(random_state=0),
    KernelThinning(method="kt", n_components=5, random_state=0),
    KernelSVC(),
    KernelSVC(kernel="ntk", probability=True),
    KernelSVC(kernel="precomputed"),
    KernelSVC(solver="nystroem", n_components=20, random_state=0),
    KernelSVCCV(Cs=[0.1, 10.0], kernel="nngp", kernel_grid={"depth": [1, 2]}, cv=3),
]


def expected_failures(estimator):
    if isinstance(estimator, KernelSVC | KernelSVCCV):
        return {
            "check_sample_weight_equivalence_on_dense_data": (
                "as scikit-learn's SVC and LinearSVC (same xfail there): libsvm's and "
                "liblinear's sample weights are not equivalent to repeated rows"
            )
        }
    if isinstance(estimator, NystroemRidge | NystroemRidgeClassifier):
        return {
            "check_sample_weight_equivalence_on_dense_data": (
                "centers are sampled from the rows: repeating a row instead of "
                "weighting it changes which rows become centers"
            )
        }
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
