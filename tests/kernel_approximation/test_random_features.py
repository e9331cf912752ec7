"""Random feature maps: approximation guarantees, distributions, sklearn behaviour."""

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import load_digits
from sklearn.kernel_approximation import RBFSampler
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skkernel import (
    RBF,
    ArcCosine,
    ArcCosineFeatures,
    Laplacian,
    Matern,
    RandomFourierFeatures,
)
from skkernel.kernel_approximation._hadamard import next_power_of_two, sorf_project

SEEDS = range(6)


@pytest.fixture(scope="module")
def digits():
    X = load_digits().data[:400]
    X = X[:, X.std(axis=0) > 0]
    return StandardScaler().fit_transform(X)


KERNELS = {
    "rbf": (dict(kernel="rbf"), RBF()),
    "laplacian": (dict(kernel="laplacian", gamma=0.05), Laplacian(gamma=0.05)),
    "matern": (
        dict(kernel="matern", kernel_params={"nu": 1.5, "length_scale": 8.0}),
        Matern(nu=1.5, length_scale=8.0),
    ),
}


def approximation_error(X, K, n_components, method, params, seeds=SEEDS):
    errors = []
    for seed in seeds:
        rff = RandomFourierFeatures(
            n_components=n_components, method=method, random_state=seed, **params
        )
        Z = rff.fit_transform(X)
        errors.append(np.linalg.norm(Z @ Z.T - K) / np.linalg.norm(K))
    return np.mean(errors)


@pytest.mark.parametrize("name", KERNELS)
def test_iid_error_shrinks_like_one_over_sqrt_components(digits, name):
    params, kernel = KERNELS[name]
    K = kernel(digits)
    small = approximation_error(digits, K, 200, "iid", params)
    large = approximation_error(digits, K, 3200, "iid", params)
    # 16 times the features: the Monte Carlo error falls by sqrt(16) = 4.
    assert 0.18 < large / small < 0.35


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("rbf", "orthogonal"),
        ("rbf", "structured"),
        ("rbf", "qmc"),
        ("matern", "orthogonal"),
        ("matern", "qmc"),
        ("laplacian", "qmc"),
    ],
)
def test_structured_methods_beat_iid_at_equal_size(digits, name, method):
    params, kernel = KERNELS[name]
    K = kernel(digits)
    iid = approximation_error(digits, K, 1024, "iid", params)
    other = approximation_error(digits, K, 1024, method, params)
    assert other < iid


@pytest.mark.parametrize("n_features", [2, 4, 8])
def test_structured_features_approximate_the_rbf_kernel_at_few_features(n_features):
    # SORF as published fixes every frequency's norm: at few features that is another
    # kernel (0.42 relative error at 4 features, against iid's 0.02). Chi radii and
    # a width of at least 32 make it as accurate as iid.
    X = np.random.default_rng(0).normal(size=(200, n_features))
    params = {"gamma": 1.0 / n_features}
    K = RBF(**params)(X)
    iid = approximation_error(X, K, 4096, "iid", params, seeds=range(3))
    structured = approximation_error(X, K, 4096, "structured", params, seeds=range(3))
    assert structured < 1.5 * iid


def test_rbf_frequencies_follow_rbfsamplers_distribution():
    d, gamma = 10, 0.3
    ours = RandomFourierFeatures(gamma=gamma, n_components=4000, random_state=0)
    ours.fit(np.zeros((1, d)))
    theirs = RBFSampler(gamma=gamma, n_components=2000, random_state=0).fit(np.zeros((1, d)))
    a, b = ours.random_weights_.ravel(), theirs.random_weights_.ravel()
    assert stats.ks_2samp(a, b).pvalue > 0.001
    # Both are N(0, 2 gamma).
    assert stats.kstest(a, "norm", args=(0, np.sqrt(2 * gamma))).pvalue > 0.001


def test_orthogonal_frequencies_are_orthogonal_within_a_block_with_chi_norms():
    d = 16
    rff = RandomFourierFeatures(gamma=0.5, n_components=2 * 16 * 200, method="orthogonal")
    W = rff.fit(np.zeros((1, d))).random_weights_
    block = W[:, :d]
    gram = block.T @ block
    np.testing.assert_allclose(gram - np.diag(np.diag(gram)), 0, atol=1e-10)
    # Column norms over sqrt(2 gamma) are chi with d degrees of freedom.
    assert stats.kstest(np.linalg.norm(W, axis=0), "chi", args=(d, 0, 1.0)).pvalue > 0.001


# Widths 1 to 256 cover every mix of radix-8, radix-4 and radix-2 passes; d below the
# width checks the zero padding.
@pytest.mark.parametrize("d", [1, 2, 3, 4, 5, 16, 17, 32, 64, 100, 256])
def test_sorf_projection_matches_explicit_hadamard_product(d):
    from scipy.linalg import hadamard

    rng = np.random.default_rng(0)
    width = next_power_of_two(d)
    X = rng.normal(size=(37, d))  # 37 rows cross tile boundaries
    signs = rng.choice([-1.0, 1.0], size=(2, 3, width))
    H = hadamard(width)
    X_pad = np.hstack([X, np.zeros((37, width - d))])
    blocks = [H @ np.diag(s[0]) @ H @ np.diag(s[1]) @ H @ np.diag(s[2]) for s in signs]
    n_out = width + width // 2 + 1
    expected = 0.5 * np.hstack([X_pad @ B.T for B in blocks])[:, :n_out]
    result = sorf_project(X, signs, 0.5, np.empty((37, n_out)))
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12 * width**1.5)


def test_next_power_of_two():
    assert next_power_of_two(5) == 8 and next_power_of_two(8) == 8 and next_power_of_two(1) == 1


@pytest.mark.parametrize("order", [0, 1])
def test_arccosine_features_approximate_the_arccosine_kernel(digits, order):
    K = ArcCosine(order=order)(digits)
    errors = []
    for n_components in (500, 8000):
        Z = ArcCosineFeatures(order=order, n_components=n_components, random_state=0)
        Z = Z.fit_transform(digits)
        errors.append(np.linalg.norm(Z @ Z.T - K) / np.linalg.norm(K))
    assert errors[1] < 0.05 and errors[1] / errors[0] < 0.35


def test_arccosine_kernel_closed_forms():
    X = np.array([[1.0, 0.0], [0.0, 2.0], [-1.0, 0.0]])
    k0 = ArcCosine(order=0)(X)
    np.testing.assert_allclose(k0, [[1, 0.5, 0], [0.5, 1, 0.5], [0, 0.5, 1]])
    k1 = ArcCosine(order=1)(X)
    # theta = pi / 2: ||x|| ||y|| (1 + 0) / pi; theta = pi: 0; theta = 0: ||x||^2.
    np.testing.assert_allclose(
        k1, [[1, 2 / np.pi, 0], [2 / np.pi, 4, 2 / np.pi], [0, 2 / np.pi, 1]], atol=1e-12
    )


@pytest.mark.parametrize(
    "transformer",
    [
        RandomFourierFeatures(n_components=64, random_state=0),
        RandomFourierFeatures(n_components=64, method="structured", random_state=0),
        ArcCosineFeatures(n_components=64, random_state=0),
    ],
    ids=["rff", "sorf", "arccos"],
)
def test_transformer_behaviour(transformer, digits):
    X32 = digits.astype(np.float32)
    Z32 = transformer.fit_transform(X32)
    assert Z32.dtype == np.float32
    Z64 = transformer.fit(digits).transform(digits)
    assert Z64.dtype == np.float64
    np.testing.assert_allclose(Z32, Z64, atol=1e-4)
    # fit only draws the map: same random_state, same features.
    np.testing.assert_array_equal(transformer.fit(digits).transform(digits), Z64)
    names = transformer.get_feature_names_out()
    assert len(names) == 64 and names[0].startswith(type(transformer).__name__.lower())
    frame = transformer.set_output(transform="pandas").fit_transform(digits)
    assert list(frame.columns) == list(names)
    transformer.set_output(transform="default")
    with pytest.raises(ValueError, match="features"):
        transformer.transform(digits[:, :5])


def test_transform_is_blocked_by_working_memory():
    import sklearn

    X = np.random.default_rng(0).normal(size=(3000, 4))
    rff = RandomFourierFeatures(n_components=200, random_state=0).fit(X)
    full = rff.transform(X)
    with sklearn.config_context(working_memory=1):  # 1 MiB: several blocks
        np.testing.assert_array_equal(rff.transform(X), full)


def test_odd_number_of_components_adds_an_unbiased_phase_feature(digits):
    digits = digits[:100]
    K = RBF()(digits)
    odd = approximation_error(digits, K, 1, "iid", {"kernel": "rbf"}, seeds=range(300))
    # One feature is one Monte Carlo sample; averaged over draws its Gram matrix is K.
    mean_gram = np.mean(
        [
            (Z := RandomFourierFeatures(n_components=1, random_state=s).fit_transform(digits)) @ Z.T
            for s in range(2000)
        ],
        axis=0,
    )
    assert np.linalg.norm(mean_gram - K) / np.linalg.norm(K) < 0.1 < odd
    Z = RandomFourierFeatures(n_components=7, random_state=0).fit_transform(digits)
    assert Z.shape == (len(digits), 7)


def test_bad_input_gets_clear_errors():
    X = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match="n_components"):
        RandomFourierFeatures(n_components=0).fit(X)
    with pytest.raises(ValueError, match="method='orthogonal' does not support the laplacian"):
        RandomFourierFeatures("laplacian", method="orthogonal").fit(X)
    with pytest.raises(ValueError, match="structured.*matern"):
        RandomFourierFeatures("matern", method="structured").fit(X)
    with pytest.raises(ValueError, match="shift-invariant"):
        RandomFourierFeatures("poly").fit(X)
    with pytest.raises(ValueError, match="method"):
        RandomFourierFeatures(method="sobol").fit(X)
    with pytest.raises(ValueError, match="order"):
        ArcCosineFeatures(order=2).fit(X)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        RandomFourierFeatures().fit(X).transform(X_nan)


def test_unknown_kernel_name_fails_validation_and_keeps_the_fitted_features():
    X = np.random.default_rng(0).normal(size=(10, 3))
    rff = RandomFourierFeatures(n_components=8, random_state=0).fit(X)
    before = rff.transform(X)
    with pytest.raises(InvalidParameterError, match="'kernel' parameter"):
        rff.set_params(kernel="rbff").fit(X)
    np.testing.assert_array_equal(rff.transform(X), before)


def test_fused_structured_features_equal_cos_sin_of_the_projection(digits):
    rff = RandomFourierFeatures(n_components=300, method="structured", random_state=0)
    Z = rff.fit_transform(digits)
    P = sorf_project(digits, rff.signs_, rff._sorf_scale, np.empty((len(digits), 150)))
    expected = np.hstack([np.cos(P), np.sin(P)]) / np.sqrt(150)
    np.testing.assert_allclose(Z, expected, rtol=0, atol=1e-14)


def test_structured_features_of_huge_inputs_stay_bounded():
    # The fused SORF sine/cosine is exact for |x| < 2^19 pi only: inputs beyond must go
    # through the full-range fallback (features reached 2e24; the bound is 0.18).
    X = np.random.default_rng(0).normal(size=(50, 16)) * 1e20
    rff = RandomFourierFeatures(method="structured", n_components=64, gamma=1.0, random_state=0)
    Z = rff.fit(X).transform(X)
    assert np.abs(Z).max() <= np.sqrt(1 / 32) + 1e-12
    np.testing.assert_allclose((Z**2).sum(axis=1), 1.0, rtol=1e-10)


def test_sparse_input_gives_the_dense_features():
    import scipy.sparse as sp

    X = sp.random(100, 6, density=0.3, format="csr", random_state=0)
    for estimator in (RandomFourierFeatures(random_state=0), ArcCosineFeatures(random_state=0)):
        dense = estimator.fit(X.toarray()).transform(X.toarray())
        np.testing.assert_array_equal(estimator.fit(X).transform(X), dense)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_step_features_and_kernel_agree_at_a_zero_row(dtype):
    # The kernel gave k_0(0, y) = 1 (an angle of 0 where there is none) and the
    # features 0 (a step of 0 at 0): Cho & Saul's step is 1/2 at 0, and both are 1/2.
    X = np.vstack([np.zeros(3), np.random.default_rng(0).normal(size=(4, 3))]).astype(dtype)
    Z = ArcCosineFeatures(order=0, n_components=50000, random_state=0).fit_transform(X)
    np.testing.assert_allclose(ArcCosine(order=0)(X)[0], 0.5)
    np.testing.assert_allclose((Z @ Z.T)[0], 0.5, atol=0.01)


@pytest.mark.parametrize(
    "estimator, change",
    [
        (RandomFourierFeatures(n_components=50, random_state=0), {"n_components": 52}),
        (RandomFourierFeatures(n_components=50, random_state=0), {"n_components": 49}),
        (RandomFourierFeatures(n_components=50, random_state=0), {"method": "structured"}),
        (RandomFourierFeatures(n_components=51, method="structured"), {"method": "iid"}),
        (ArcCosineFeatures(n_components=50, random_state=0), {"n_components": 60}),
        (ArcCosineFeatures(n_components=50, random_state=0), {"order": 0}),
    ],
)
def test_set_params_after_fit_leaves_the_fitted_map(estimator, change):
    # transform read n_components, method and order from the parameters: matmul
    # shape errors, missing attributes, or (order) other features without a word.
    X = np.random.default_rng(0).normal(size=(40, 3))
    expected = estimator.fit(X).transform(X)
    np.testing.assert_array_equal(estimator.set_params(**change).transform(X), expected)


def test_the_fitted_kernel_is_a_copy_of_the_one_passed():
    from skkernel.kernels import RBF

    kernel = RBF(gamma=0.5)
    features = RandomFourierFeatures(kernel=kernel, n_components=20, random_state=0)
    features.fit(np.zeros((2, 3)))
    kernel.set_params(gamma=3.0)
    assert features.kernel_.gamma == 0.5


@pytest.mark.parametrize("method", ["iid", "qmc"])
def test_laplacian_frequencies_are_cauchy_with_scale_gamma(method):
    # exp(-gamma |x - y|_1) is the characteristic function of independent
    # Cauchy(0, gamma) coordinates (200,000 of them: a 4% scale error is seen).
    d, gamma = 50, 0.3
    model = RandomFourierFeatures(
        kernel="laplacian", gamma=gamma, n_components=8000, method=method, random_state=0
    ).fit(np.zeros((1, d)))
    frequencies = model.random_weights_.ravel()
    assert frequencies.size == 200_000
    assert stats.kstest(frequencies, "cauchy", args=(0, gamma)).pvalue > 0.001
