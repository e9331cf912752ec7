"""Nystroem: the drop-in for sklearn's transformer, leverage-score and sequential centers."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.kernel_approximation import Nystroem as SklearnNystroem
from sklearn.metrics.pairwise import rbf_kernel

from skkernel import Nystroem

from .._helpers import regression_data


def nystroem_error(K, indices):
    """Spectral norm of K - K_nm K_mm^+ K_mn, relative to ||K||."""
    C = K[:, indices]
    approx = C @ np.linalg.pinv(K[np.ix_(indices, indices)], hermitian=True) @ C.T
    return np.linalg.norm(K - approx, 2) / np.linalg.norm(K, 2)


@pytest.mark.parametrize(
    "params",
    [
        {"kernel": "rbf", "gamma": 0.2},
        {"kernel": "polynomial", "degree": 2, "coef0": 0.5},
        {"kernel": "laplacian"},
        {"kernel": "cosine"},
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nystroem_uniform_is_sklearns(params, dtype):
    X = regression_data()[0]
    ours = Nystroem(n_components=40, random_state=7, **params).fit(X.astype(dtype))
    theirs = SklearnNystroem(n_components=40, random_state=7, **params).fit(X)
    np.testing.assert_array_equal(ours.component_indices_, theirs.component_indices_)
    features = ours.transform(X.astype(dtype))
    assert features.dtype == dtype
    expected = theirs.transform(X)
    # float32: compared with sklearn in float64 (sklearn's own float32 K_MM^-1/2 is
    # less accurate than ours, computed in float64).
    tol = (1e-10 if dtype == np.float64 else 5e-3) * np.abs(expected).max()
    np.testing.assert_allclose(features, expected, rtol=0, atol=tol)
    assert list(ours.get_feature_names_out()[:2]) == ["nystroem0", "nystroem1"]


def test_leverage_sampling_beats_uniform_on_imbalanced_digits(digits):
    # Clustered, imbalanced real data: the digits in their first two principal
    # components, every "0" and two samples of each other digit. Uniform sampling
    # spends nearly all components on the zeros and misses the rare clusters.
    X, y = digits
    Z = PCA(n_components=2, random_state=0).fit_transform(X)
    rng = np.random.default_rng(0)
    rare = [rng.choice(np.flatnonzero(y == c), 2, replace=False) for c in range(1, 10)]
    Xi = Z[np.concatenate([np.flatnonzero(y == 0), *rare])]
    K = rbf_kernel(Xi, gamma=0.3)
    errors = {"uniform": [], "rls": [], "exact-rls": []}
    for seed in range(5):
        for sampling in errors:
            model = Nystroem(gamma=0.3, n_components=40, sampling=sampling, random_state=seed)
            errors[sampling].append(nystroem_error(K, model.fit(Xi).component_indices_))
    # Measured: uniform 0.023, rls 0.012, exact-rls 0.009 (mean over the seeds).
    uniform = np.mean(errors["uniform"])
    assert np.mean(errors["rls"]) < 0.7 * uniform
    assert np.mean(errors["exact-rls"]) < 0.7 * uniform


def test_sequential_nystroem_partial_fit(digits):
    X, _ = digits
    model = Nystroem(gamma=1 / 64, n_components=500, sampling="sequential", alpha=1.0)
    model.partial_fit(X[:900]).partial_fit(X[900:])
    assert model.components_.shape[0] <= 500
    np.testing.assert_array_equal(X[model.component_indices_], model.components_)
    assert model.transform(X[:5]).shape == (5, model.components_.shape[0])
    fitted = Nystroem(gamma=1 / 64, n_components=50, sampling="sequential", random_state=0)
    assert fitted.fit(X).components_.shape[0] == 50
    assert not hasattr(Nystroem(), "partial_fit")  # only with sampling="sequential"


def test_sequential_components_take_the_widest_dtype_of_the_batches(digits):
    X, _ = digits
    model = Nystroem(gamma=1 / 64, n_components=100, sampling="sequential", random_state=0)
    model.partial_fit(X[:900].astype(np.float32)).partial_fit(X[900:])
    assert model.components_.dtype == np.float64
    late = model.component_indices_ >= 900
    assert late.any()
    np.testing.assert_array_equal(model.components_[late], X[model.component_indices_[late]])


@pytest.mark.parametrize(
    "settings, scale",
    [
        (dict(gamma=0.5, sampling="rls", alpha=100.0), 1.0),
        (dict(gamma=0.5, sampling="rls", alpha=500.0), 1.0),
        (dict(kernel="linear", sampling="rls"), 1e-9),
        (dict(kernel="linear", sampling="exact-rls"), 1e-9),
    ],
)
def test_leverage_sampling_gives_n_components_whatever_alpha_and_scale(settings, scale):
    # The BLESS path stopped at a large alpha (or, without one, at an absolute floor
    # that a kernel of small values never reached) scored fewer candidates than
    # n_components, and "rls" returned them all: 4 components of 100 at alpha=500.
    # On the same kernel "exact-rls" failed in brentq.
    X = np.random.RandomState(0).normal(size=(1000, 3)) * scale
    model = Nystroem(n_components=100, random_state=0, **settings).fit(X)
    assert model.transform(X[:2]).shape == (2, 100)
    assert np.unique(model.component_indices_).size == 100


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_failed_partial_fit_leaves_the_stream_as_it_was():
    # The second batch is finite, but its cubic kernel overflows float32 once its rows
    # become components: the call fails, and the stream must not keep the batch.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)).astype(np.float32)
    huge = (rng.normal(size=(20, 3)) * 1e7).astype(np.float32)
    model = Nystroem(kernel="poly", degree=3, n_components=10, sampling="sequential")
    model.set_params(random_state=0).partial_fit(X)
    components = model.components_.copy()
    with pytest.raises(ValueError, match="NaN or infinity"):
        model.partial_fit(huge)
    assert model._stream.n_samples_seen_ == 50
    np.testing.assert_array_equal(model.components_, components)
    again = clone(model).partial_fit(X).partial_fit(X)
    np.testing.assert_array_equal(model.partial_fit(X).components_, again.components_)


def test_precomputed_kernel_as_sklearn():
    # sklearn's test_nystroem_precomputed_kernel, on our class.
    from sklearn.metrics.pairwise import polynomial_kernel

    rng = np.random.RandomState(12)
    X = rng.uniform(size=(10, 4))
    K = polynomial_kernel(X, degree=2, coef0=0.1)
    nystroem = Nystroem(kernel="precomputed", n_components=X.shape[0])
    X_transformed = nystroem.fit_transform(K)
    np.testing.assert_array_almost_equal(X_transformed @ X_transformed.T, K)
    for param in ({"gamma": 1}, {"coef0": 1}, {"degree": 2}):
        with pytest.raises(ValueError, match="Don't pass gamma, coef0 or degree to Nystroem"):
            Nystroem(kernel="precomputed", n_components=10, **param).fit(K)
    # Fewer components: the same features as sklearn's (same draw of rows).
    theirs = SklearnNystroem(kernel="precomputed", n_components=10, random_state=0)
    ours = Nystroem(kernel="precomputed", n_components=10, random_state=0)
    np.testing.assert_allclose(ours.fit_transform(K), theirs.fit_transform(K))
    with pytest.raises(ValueError, match="sampling='uniform'"):
        Nystroem(kernel="precomputed", sampling="rls", n_components=5).fit(K)


def test_callable_kernel_refuses_named_parameters_as_sklearn():
    # sklearn's test_nystroem_callable: gamma/coef0/degree would be silently ignored.
    X = np.random.RandomState(0).uniform(size=(10, 4))

    def logging_histogram_kernel(x, y):
        return np.minimum(x, y).sum()

    Nystroem(kernel=logging_histogram_kernel, n_components=5).fit(X)
    for param in ({"gamma": 1}, {"coef0": 1}, {"degree": 2}):
        with pytest.raises(ValueError, match="Don't pass gamma, coef0 or degree"):
            Nystroem(kernel=logging_histogram_kernel, n_components=5, **param).fit(X)


def test_switching_away_from_sequential_drops_the_stream():
    X = regression_data(n=400)[0]
    model = Nystroem(n_components=20, sampling="sequential", random_state=0).fit(X)
    assert hasattr(model, "partial_fit")
    model.set_params(sampling="uniform").fit(X)
    assert not hasattr(model, "_stream")
    model.set_params(sampling="sequential").partial_fit(X[:100])
    assert model.n_features_in_ == 3 and model._stream.n_samples_seen_ == 100


def test_sparse_input_gives_the_dense_features():
    import scipy.sparse as sp

    X = sp.random(200, 8, density=0.3, format="csr", random_state=0)
    dense = Nystroem(n_components=30, random_state=0).fit(X.toarray()).transform(X.toarray())
    sparse = Nystroem(n_components=30, random_state=0).fit(X).transform(X)
    np.testing.assert_allclose(sparse, dense)
    np.testing.assert_allclose(
        sparse, SklearnNystroem(n_components=30, random_state=0).fit(X).transform(X), atol=1e-10
    )


def test_sequential_stream_refuses_other_settings_and_an_empty_dictionary():
    # partial_fit after set_params(gamma=...) chose components under the old kernel and
    # normalised them under the new one; a pass that kept no sample failed with
    # "Found array with 0 sample(s)", blaming the user's 2,000 rows.
    X = np.random.default_rng(0).normal(size=(600, 3))
    model = Nystroem(sampling="sequential", random_state=0).partial_fit(X[:300])
    components = model.components_
    model.set_params(gamma=50.0)
    with pytest.raises(ValueError, match="stream started with other kernel"):
        model.partial_fit(X[300:])
    np.testing.assert_array_equal(model.components_, components)
    with pytest.raises(ValueError, match="kept no sample"):
        Nystroem(sampling="sequential", kernel="linear", random_state=0).fit(X * 1e-3)
