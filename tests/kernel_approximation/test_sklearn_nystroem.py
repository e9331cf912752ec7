"""scikit-learn's own Nystroem tests (sklearn/tests/test_kernel_approximation.py, 1.9.1),
adapted to skkernel's Nystroem.

Adapted: ``test_nystroem_approximation``, ``test_nystroem_default_parameters``,
``test_nystroem_singular_kernel``, ``test_nystroem_poly_kernel_params``,
``test_nystroem_callable``, ``test_nystroem_precomputed_kernel``,
``test_nystroem_component_indices`` and the Nystroem case of
``test_get_feature_names_out``. The rest of that file tests the other
transformers (PolynomialCountSketch, RBFSampler, AdditiveChi2Sampler,
SkewedChi2Sampler); ``test_input_validation`` does not use Nystroem;
``test_nystroem_approximation_array_api`` tests scikit-learn's array API dispatch,
which skkernel does not take part in: it computes with NumPy, numba, KeOps or CuPy
arrays of its own choosing (docs/backends.md), and array-API input other than NumPy
is refused.

What had to change, and why:

- Every Nystroem is built with ``sampling="uniform"``, scikit-learn's way of choosing
  the components (the other samplings choose other components). It is skkernel's
  default as well; it is passed so that the tests do not depend on that default.
- ``test_nystroem_approximation``: each available kernel is also compared with
  scikit-learn's Nystroem at the same integer ``random_state``: the same components
  and features (docs/nystroem.md says they agree to 1e-10; that is the tolerance).
- ``test_nystroem_singular_kernel``: upstream's last line checks that the module-level
  ``Y`` is finite, not the features (most likely a slip); it is kept, and the features
  are checked too.
- ``test_get_feature_names_out``: Nystroem only, out of upstream's list of estimators.
- Imports: ``Nystroem`` from skkernel; scikit-learn's Nystroem (as
  ``SklearnNystroem``) and everything else from scikit-learn.
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.kernel_approximation import Nystroem as SklearnNystroem
from sklearn.metrics.pairwise import (
    chi2_kernel,
    kernel_metrics,
    polynomial_kernel,
    rbf_kernel,
)
from sklearn.utils._testing import (
    assert_allclose,
    assert_array_almost_equal,
    assert_array_equal,
)

from skkernel import Nystroem

# generate data
rng = np.random.RandomState(0)
X = rng.random_sample(size=(300, 50))
Y = rng.random_sample(size=(300, 50))
X /= X.sum(axis=1)[:, np.newaxis]
Y /= Y.sum(axis=1)[:, np.newaxis]

# Make sure X and Y are not writable to avoid introducing dependencies between
# tests.
X.flags.writeable = False
Y.flags.writeable = False


def _linear_kernel(x, y):
    return x @ y


def test_nystroem_approximation():
    # some basic tests
    rnd = np.random.RandomState(0)
    X = rnd.uniform(size=(10, 4))

    # With n_components = n_samples this is exact
    X_transformed = Nystroem(n_components=X.shape[0], sampling="uniform").fit_transform(X)
    K = rbf_kernel(X)
    assert_array_almost_equal(np.dot(X_transformed, X_transformed.T), K)

    trans = Nystroem(n_components=2, random_state=rnd, sampling="uniform")
    X_transformed = trans.fit(X).transform(X)
    assert X_transformed.shape == (X.shape[0], 2)

    # test callable kernel
    trans = Nystroem(n_components=2, kernel=_linear_kernel, random_state=rnd, sampling="uniform")
    X_transformed = trans.fit(X).transform(X)
    assert X_transformed.shape == (X.shape[0], 2)

    # test that available kernels fit and transform
    kernels_available = kernel_metrics()
    for kern in kernels_available:
        trans = Nystroem(n_components=2, kernel=kern, random_state=rnd, sampling="uniform")
        X_transformed = trans.fit(X).transform(X)
        assert X_transformed.shape == (X.shape[0], 2)

        # Agreement with scikit-learn's Nystroem at the same seed.
        ours = Nystroem(n_components=5, kernel=kern, random_state=0, sampling="uniform").fit(X)
        theirs = SklearnNystroem(n_components=5, kernel=kern, random_state=0).fit(X)
        assert_array_equal(ours.component_indices_, theirs.component_indices_)
        assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-10, atol=1e-10)


def test_nystroem_default_parameters():
    rnd = np.random.RandomState(42)
    X = rnd.uniform(size=(10, 4))

    # rbf kernel should behave as gamma=None by default
    # aka gamma = 1 / n_features
    nystroem = Nystroem(n_components=10, sampling="uniform")
    X_transformed = nystroem.fit_transform(X)
    K = rbf_kernel(X, gamma=None)
    K2 = np.dot(X_transformed, X_transformed.T)
    assert_array_almost_equal(K, K2)

    # chi2 kernel should behave as gamma=1 by default
    nystroem = Nystroem(kernel="chi2", n_components=10, sampling="uniform")
    X_transformed = nystroem.fit_transform(X)
    K = chi2_kernel(X, gamma=1)
    K2 = np.dot(X_transformed, X_transformed.T)
    assert_array_almost_equal(K, K2)


def test_nystroem_singular_kernel():
    # test that nystroem works with singular kernel matrix
    rng = np.random.RandomState(0)
    X = rng.rand(10, 20)
    X = np.vstack([X] * 2)  # duplicate samples

    gamma = 100
    N = Nystroem(gamma=gamma, n_components=X.shape[0], sampling="uniform").fit(X)
    X_transformed = N.transform(X)

    K = rbf_kernel(X, gamma=gamma)

    assert_array_almost_equal(K, np.dot(X_transformed, X_transformed.T))
    assert np.all(np.isfinite(Y))
    assert np.all(np.isfinite(X_transformed))


def test_nystroem_poly_kernel_params():
    # Non-regression: Nystroem should pass other parameters beside gamma.
    rnd = np.random.RandomState(37)
    X = rnd.uniform(size=(10, 4))

    K = polynomial_kernel(X, degree=3.1, coef0=0.1)
    nystroem = Nystroem(
        kernel="polynomial", n_components=X.shape[0], degree=3.1, coef0=0.1, sampling="uniform"
    )
    X_transformed = nystroem.fit_transform(X)
    assert_array_almost_equal(np.dot(X_transformed, X_transformed.T), K)


def test_nystroem_callable():
    # Test Nystroem on a callable.
    rnd = np.random.RandomState(42)
    n_samples = 10
    X = rnd.uniform(size=(n_samples, 4))

    def logging_histogram_kernel(x, y, log):
        """Histogram kernel that writes to a log."""
        log.append(1)
        return np.minimum(x, y).sum()

    kernel_log = []
    X = list(X)  # test input validation
    Nystroem(
        kernel=logging_histogram_kernel,
        n_components=(n_samples - 1),
        kernel_params={"log": kernel_log},
        sampling="uniform",
    ).fit(X)
    assert len(kernel_log) == n_samples * (n_samples - 1) / 2

    # if degree, gamma or coef0 is passed, we raise a ValueError
    msg = "Don't pass gamma, coef0 or degree to Nystroem"
    params = ({"gamma": 1}, {"coef0": 1}, {"degree": 2})
    for param in params:
        ny = Nystroem(
            kernel=_linear_kernel, n_components=(n_samples - 1), sampling="uniform", **param
        )
        with pytest.raises(ValueError, match=msg):
            ny.fit(X)


def test_nystroem_precomputed_kernel():
    # Non-regression: test Nystroem on precomputed kernel.
    # PR - 14706
    rnd = np.random.RandomState(12)
    X = rnd.uniform(size=(10, 4))

    K = polynomial_kernel(X, degree=2, coef0=0.1)
    nystroem = Nystroem(kernel="precomputed", n_components=X.shape[0], sampling="uniform")
    X_transformed = nystroem.fit_transform(K)
    assert_array_almost_equal(np.dot(X_transformed, X_transformed.T), K)

    # if degree, gamma or coef0 is passed, we raise a ValueError
    msg = "Don't pass gamma, coef0 or degree to Nystroem"
    params = ({"gamma": 1}, {"coef0": 1}, {"degree": 2})
    for param in params:
        ny = Nystroem(kernel="precomputed", n_components=X.shape[0], sampling="uniform", **param)
        with pytest.raises(ValueError, match=msg):
            ny.fit(K)


def test_nystroem_component_indices():
    """Check that `component_indices_` corresponds to the subset of
    training points used to construct the feature map.
    Non-regression test for:
    https://github.com/scikit-learn/scikit-learn/issues/20474
    """
    X, _ = make_classification(n_samples=100, n_features=20)
    feature_map_nystroem = Nystroem(
        n_components=10,
        random_state=0,
        sampling="uniform",
    )
    feature_map_nystroem.fit(X)
    assert feature_map_nystroem.component_indices_.shape == (10,)


def test_get_feature_names_out():
    """Check get_feature_names_out"""
    est = Nystroem(sampling="uniform").fit(X)
    X_trans = est.transform(X)

    names_out = est.get_feature_names_out()
    class_name = Nystroem.__name__.lower()
    expected_names = [f"{class_name}{i}" for i in range(X_trans.shape[1])]
    assert_array_equal(names_out, expected_names)
