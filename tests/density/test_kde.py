"""KernelDensity: exact against a float64 brute force, equal to scikit-learn where it is
exact, true log-densities far from the data, sampling, backends and bad input."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import integrate, stats
from scipy.spatial.distance import cdist
from scipy.special import gammaln, logsumexp
from sklearn.base import clone
from sklearn.neighbors import KernelDensity as SklearnKernelDensity
from sklearn.neighbors._ball_tree import kernel_norm
from sklearn.utils._param_validation import InvalidParameterError

from skkernel._accel import backend_status
from skkernel.density import KernelDensity
from skkernel.kernels import DENSITY_KERNELS, DensityKernel

SKLEARN_KERNELS = ["gaussian", "tophat", "epanechnikov", "exponential", "linear", "cosine"]


def profile(kernel, X, Y, h):
    """The kernel values k(x, y) of the profiles, from float64 direct distances."""
    X, Y = X.astype(np.float64), Y.astype(np.float64)
    if kernel == "laplacian":
        return np.exp(-cdist(X, Y, "cityblock") / h)
    r = cdist(X, Y)
    u = r / h
    inside = u < 1
    return {
        "gaussian": lambda: np.exp(-0.5 * u**2),
        "exponential": lambda: np.exp(-u),
        "tophat": lambda: inside * 1.0,
        "epanechnikov": lambda: inside * (1 - u**2),
        "linear": lambda: inside * (1 - u),
        "cosine": lambda: inside * np.cos(0.5 * np.pi * u),
    }[kernel]()


def radial_log_norm(kernel, d, h):
    """-log of the integral of the profile over R^d, by quadrature (independent of
    the closed forms in skkernel)."""
    if kernel == "laplacian":
        return -d * math.log(2 * h)
    f = {
        "gaussian": lambda u: math.exp(-0.5 * u * u),
        "exponential": lambda u: math.exp(-u),
        "tophat": lambda u: 1.0,
        "epanechnikov": lambda u: 1 - u * u,
        "linear": lambda u: 1 - u,
        "cosine": lambda u: math.cos(0.5 * math.pi * u),
    }[kernel]
    upper = np.inf if kernel in ("gaussian", "exponential") else 1.0
    radial, _ = integrate.quad(lambda u: f(u) * u ** (d - 1), 0, upper, epsrel=1e-13, limit=200)
    sphere = math.log(2) + 0.5 * d * math.log(math.pi) - gammaln(0.5 * d)
    return -(sphere + math.log(radial)) - d * math.log(h)


def reference_log_density(kernel, X, Y, h, sample_weight=None):
    w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    density = profile(kernel, Y, X, h) @ (w / w.sum())
    with np.errstate(divide="ignore"):
        return np.log(density) + radial_log_norm(kernel, X.shape[1], h), density


@pytest.mark.parametrize("kernel", DENSITY_KERNELS)
@pytest.mark.parametrize("d", [1, 2, 3, 7, 12])
def test_log_norm(kernel, d):
    ours = DensityKernel(kernel, 0.7).log_norm(d)
    assert ours == pytest.approx(radial_log_norm(kernel, d, 0.7), rel=1e-12, abs=1e-12)
    if kernel != "laplacian" and not (kernel == "cosine" and d % 2 == 0):
        assert ours == pytest.approx(kernel_norm(0.7, d, kernel, return_log=True), abs=1e-12)


def test_cosine_density_integrates_to_one_in_two_dimensions():
    """scikit-learn's cosine normalisation is wrong in even dimensions (its density
    integrates to 0.363 in two); ours integrates to 1."""
    kde = KernelDensity(kernel="cosine", bandwidth=1.0).fit(np.zeros((1, 2)))
    # Polar quadrature over the unit disc: Gauss-Legendre in r, uniform in theta.
    r, r_weights = np.polynomial.legendre.leggauss(40)
    r, r_weights = 0.5 * (r + 1), 0.5 * r_weights
    theta = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    R, T = np.meshgrid(r, theta, indexing="ij")
    points = np.column_stack([(R * np.cos(T)).ravel(), (R * np.sin(T)).ravel()])
    density = np.exp(kde.score_samples(points)).reshape(R.shape)
    total = (2 * np.pi / 64) * np.sum(r_weights[:, None] * R * density)
    assert total == pytest.approx(1.0, abs=1e-10)
    sklearn = SklearnKernelDensity(kernel="cosine", bandwidth=1.0).fit(np.zeros((1, 2)))
    ratio = np.exp(sklearn.score_samples(points) - kde.score_samples(points))
    assert_allclose(ratio, (2 / np.pi - 4 / np.pi**2) / (2 / np.pi), rtol=1e-12)  # 0.363


@pytest.mark.parametrize("kernel", DENSITY_KERNELS)
@pytest.mark.parametrize("d", [1, 2, 3, 10])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_float64_brute_force(kernel, d, weighted, dtype):
    rng = np.random.default_rng(d)
    X = rng.normal(size=(700, d)).astype(dtype)
    Y = (1.5 * rng.normal(size=(120, d))).astype(dtype)
    sample_weight = rng.uniform(0, 3, size=700) if weighted else None
    h = 0.3 * math.sqrt(d)
    kde = KernelDensity(kernel=kernel, bandwidth=h).fit(X, sample_weight=sample_weight)
    got = kde.score_samples(Y)
    expected, density = reference_log_density(
        kernel, X.astype(np.float64), Y.astype(np.float64), h, sample_weight
    )
    assert got.dtype == np.float64
    positive = density > 1e-300
    assert_allclose(got[positive], expected[positive], rtol=0, atol=1e-12)
    assert np.all(got[density == 0] == -np.inf)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_laplacian_dominance_sums_in_the_estimator(d):
    """Large enough for the engine to pick the O(N log N) sums; they are exact."""
    rng = np.random.default_rng(d)
    X, Y = rng.normal(size=(3000, d)), rng.normal(size=(3000, d))
    X[:100] = np.round(X[:100])  # ties
    Y[:50] = X[:50]  # queries on data points
    if d == 3:
        X, Y = np.vstack([X] * 4), np.vstack([Y] * 4)  # 12,000: the sweep wins in 3-D
    kde = KernelDensity(kernel="laplacian", bandwidth=0.2).fit(X)
    got = kde.score_samples(Y)
    brute = kde.set_params(algorithm="brute").score_samples(Y)
    assert_allclose(got, brute, rtol=0, atol=1e-12)
    expected, _ = reference_log_density("laplacian", X[:3000], Y[:200], 0.2)
    assert_allclose(got[:200], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("d", [2, 10])
def test_exact_for_data_far_from_the_origin(d):
    rng = np.random.default_rng(0)
    X = 1e4 + rng.normal(size=(500, d))
    Y = 1e4 + rng.normal(size=(50, d))
    for kernel in ("gaussian", "epanechnikov", "exponential"):
        got = KernelDensity(kernel=kernel, bandwidth=0.5 * math.sqrt(d)).fit(X).score_samples(Y)
        expected, density = reference_log_density(kernel, X, Y, 0.5 * math.sqrt(d))
        positive = density > 0
        assert_allclose(got[positive], expected[positive], rtol=0, atol=1e-11)


@pytest.mark.parametrize("kernel", ["gaussian", "exponential", "laplacian"])
def test_far_queries_get_their_true_log_density(kernel):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    Y = np.array([[0.0, 0.0], [250.0, 0.0], [0.0, -3000.0]])
    h = 0.25
    kde = KernelDensity(kernel=kernel, bandwidth=h).fit(X)
    got = kde.score_samples(Y)
    if kernel == "gaussian":
        log_k = -0.5 * cdist(Y, X, "sqeuclidean") / h**2
    elif kernel == "exponential":
        log_k = -cdist(Y, X) / h
    else:
        log_k = -cdist(Y, X, "cityblock") / h
    expected = logsumexp(log_k, axis=1) - math.log(200) + radial_log_norm(kernel, 2, h)
    assert np.isfinite(got).all()
    assert np.exp(expected[1:]).max() == 0  # the densities themselves underflow
    assert_allclose(got, expected, rtol=1e-13)


@pytest.mark.parametrize("kernel", SKLEARN_KERNELS)
@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_equal_to_sklearn_where_it_is_exact(kernel, d):
    rng = np.random.RandomState(d)
    X, Y = rng.randn(300, d), 1.3 * rng.randn(80, d)
    w = rng.uniform(0.5, 2, size=300)
    h = 0.4 * math.sqrt(d)
    ours = KernelDensity(kernel=kernel, bandwidth=h).fit(X, sample_weight=w).score_samples(Y)
    theirs = SklearnKernelDensity(kernel=kernel, bandwidth=h).fit(X, sample_weight=w)
    theirs = theirs.score_samples(Y)
    if kernel == "cosine" and d % 2 == 0:
        # scikit-learn's cosine norm is off by a constant factor in even dimensions.
        theirs += DensityKernel("cosine", h).log_norm(d) - kernel_norm(h, d, "cosine", True)
    # Where the density is positive; where it is 0, scikit-learn's bounds give a
    # small finite number instead of -inf (we give -inf).
    positive = np.isfinite(ours)
    assert_allclose(ours[positive], theirs[positive], rtol=0, atol=1e-9)
    _, density = reference_log_density(kernel, X, Y, h, w)
    assert np.array_equal(positive, density > 0)


BACKENDS = ["numpy", "numba", "keops"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kernel", DENSITY_KERNELS)
def test_backends_agree(backend, kernel):
    if backend_status()[backend] is not None:
        pytest.skip(backend_status()[backend])
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(400, 3)), rng.normal(size=(60, 3))
    Y[0] = [50, 0, 0]  # a far query: the log-sum-exp path
    kde = KernelDensity(kernel=kernel, bandwidth=0.5, backend=backend).fit(X)
    got = kde.score_samples(Y)
    expected = kde.set_params(backend="numpy").score_samples(Y)
    finite = np.isfinite(expected)
    assert np.array_equal(np.isfinite(got), finite)
    assert_allclose(got[finite], expected[finite], rtol=1e-13, atol=1e-12)


def test_dask_backend(dask_client):
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(400, 3)), rng.normal(size=(60, 3))
    Y[0] = [50, 0, 0]
    kde = KernelDensity(bandwidth=0.5, backend="dask").fit(X)
    assert_allclose(
        kde.score_samples(Y), kde.set_params(backend="numpy").score_samples(Y), rtol=1e-13
    )


@pytest.mark.parametrize("kernel", ["gaussian", "tophat"])
@pytest.mark.parametrize("weighted", [False, True])
def test_sample_matches_sklearn_distribution(kernel, weighted):
    """Kolmogorov-Smirnov tests on the coordinates and a random direction."""
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(150, 3), rng.randn(50, 3) * 0.3 + 4])
    w = rng.uniform(0.1, 3, size=200) if weighted else None
    ours = KernelDensity(kernel=kernel, bandwidth=0.6).fit(X, sample_weight=w)
    theirs = SklearnKernelDensity(kernel=kernel, bandwidth=0.6).fit(X, sample_weight=w)
    a, b = ours.sample(4000, random_state=1), theirs.sample(4000, random_state=2)
    direction = np.array([0.48, -0.6, 0.64])
    for col in range(3):
        assert stats.ks_2samp(a[:, col], b[:, col]).pvalue > 1e-3
    assert stats.ks_2samp(a @ direction, b @ direction).pvalue > 1e-3
    # And not a sampler that ignores the weights or the kernel: compare with the
    # wrong model.
    wrong = SklearnKernelDensity(kernel=kernel, bandwidth=2.0).fit(X)
    c = wrong.sample(4000, random_state=3)
    assert stats.ks_2samp(a @ direction, c @ direction).pvalue < 1e-3


def test_laplacian_sample_is_a_laplace_distribution():
    kde = KernelDensity(kernel="laplacian", bandwidth=0.3).fit(np.array([[1.0, -2.0]]))
    draws = kde.sample(5000, random_state=0)
    assert stats.kstest(draws[:, 0], stats.laplace(loc=1.0, scale=0.3).cdf).pvalue > 1e-3
    assert stats.kstest(draws[:, 1], stats.laplace(loc=-2.0, scale=0.3).cdf).pvalue > 1e-3


def test_tophat_samples_stay_in_the_ball():
    X = np.random.default_rng(0).normal(size=(30, 4))
    kde = KernelDensity(kernel="tophat", bandwidth=0.2).fit(X)
    draws = kde.sample(2000, random_state=0)
    assert cdist(draws, X).min(axis=1).max() < 0.2


@pytest.mark.parametrize("d", [1, 3, 7])
def test_tophat_samples_are_uniform_in_the_ball(d):
    # Uniform in a ball of radius h: (|offset| / h)^d is uniform on [0, 1] and the
    # direction uniform on the sphere (each coordinate of it has mean 0, and its
    # square mean 1 / d).
    center = np.arange(d, dtype=float)
    kde = KernelDensity(kernel="tophat", bandwidth=0.5).fit(center[None, :])
    offsets = kde.sample(4000, random_state=0) - center
    radius = np.linalg.norm(offsets, axis=1)
    assert stats.kstest((radius / 0.5) ** d, stats.uniform.cdf).pvalue > 1e-3
    directions = offsets / radius[:, None]
    assert np.abs(directions.mean(axis=0)).max() < 4 / np.sqrt(4000)
    assert_allclose((directions**2).mean(axis=0), 1 / d, atol=0.05)


def test_bad_input():
    X = np.random.default_rng(0).normal(size=(20, 2))
    for params in (
        {"bandwidth": 0},
        {"bandwidth": -1.0},
        {"bandwidth": "isj"},
        {"kernel": "triangle"},
        {"metric": "manhattan"},
        {"algorithm": "tree"},
        {"backend": "gpu"},
    ):
        with pytest.raises(InvalidParameterError):
            KernelDensity(**params).fit(X)
    with pytest.raises(ValueError, match="metric_params"):
        KernelDensity(metric_params={"p": 2}).fit(X)
    # scikit-learn >= 1.9 refuses all-zero weights itself ("non-zero"); before, ours.
    with pytest.raises(ValueError, match="non-zero|sums to zero"):
        KernelDensity().fit(X, sample_weight=np.zeros(20))
    with pytest.raises(ValueError, match="Negative"):
        KernelDensity().fit(X, sample_weight=-np.ones(20))
    with pytest.raises(ValueError, match="NaN"):
        KernelDensity().fit(np.r_[X, [[np.nan, 0]]])
    kde = KernelDensity().fit(X)
    with pytest.raises(ValueError, match="features"):
        kde.score_samples(np.zeros((3, 3)))
    with pytest.raises(NotImplementedError, match="gaussian"):
        KernelDensity(kernel="cosine").fit(X).sample(3)


def test_failed_refit_leaves_the_model_as_it_was():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    kde = KernelDensity(bandwidth="scott").fit(X)
    before = kde.score_samples(X[:5])
    state = dict(vars(kde))
    for bad in (
        lambda: kde.fit(rng.normal(size=(10, 3)), sample_weight=np.zeros(10)),
        lambda: kde.fit(rng.normal(size=(10, 3)), sample_weight=np.ones(9)),
        lambda: (
            clone(kde).set_params(metric_params={"p": 1})
            and kde.set_params(metric_params={"p": 1}).fit(rng.normal(size=(10, 3)))
        ),
    ):
        with pytest.raises(ValueError):
            bad()
        kde.set_params(metric_params=None)
        assert vars(kde).keys() == state.keys()
        assert all(vars(kde)[key] is value for key, value in state.items())
    assert_allclose(kde.score_samples(X[:5]), before)


def test_float32_input_gives_the_float64_result():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3)).astype(np.float32)
    Y = rng.normal(size=(40, 3)).astype(np.float32)
    a = KernelDensity(bandwidth=0.4).fit(X).score_samples(Y)
    b = KernelDensity(bandwidth=0.4).fit(X.astype(np.float64)).score_samples(Y.astype(np.float64))
    assert a.dtype == np.float64
    assert_allclose(a, b, rtol=0, atol=1e-13)


@pytest.mark.parametrize("kernel", ["tophat", "epanechnikov", "linear", "cosine"])
@pytest.mark.parametrize("d", [1, 2, 3])
def test_compact_kernels_on_integer_data_leave_out_pairs_exactly_h_apart(kernel, d):
    # Centring near the origin rounded x - c, so pairs exactly h apart on a lattice
    # fell one ulp inside the open ball: up to 148 of 200 rows wrong, by up to 2.0.
    rng = np.random.default_rng(d)
    X = rng.integers(-3, 4, size=(200, d)).astype(float) + rng.choice([0.0, 0.56], size=(200, 1))
    kde = KernelDensity(kernel=kernel, bandwidth=1.0).fit(X)
    r = cdist(X, X)  # exact distances: no centring, no dot products
    profile = {
        "tophat": lambda: np.ones_like(r),
        "epanechnikov": lambda: 1 - r**2,
        "linear": lambda: 1 - r,
        "cosine": lambda: np.cos(0.5 * np.pi * r),
    }[kernel]()
    density = np.where(r < 1, profile, 0.0).mean(axis=1)
    assert_allclose(kde.score_samples(X), np.log(density) + kde.log_norm_, rtol=1e-12)


def test_weights_near_the_float_maximum_are_the_unweighted_model():
    # Their sum overflowed: every log-density was -inf and every sample came from
    # the last row.
    X = np.random.default_rng(0).normal(size=(50, 2))
    plain = KernelDensity(bandwidth=0.5).fit(X)
    huge = KernelDensity(bandwidth=0.5).fit(X, sample_weight=np.full(50, 1e307))
    assert_allclose(huge.score_samples(X[:5]), plain.score_samples(X[:5]), rtol=1e-12)
    assert_allclose(huge.sample(200, random_state=0), plain.sample(200, random_state=0))


def test_a_kernel_set_after_fit_is_normalised_as_itself():
    # score_samples summed the new kernel but added the fitted one's log_norm_: a
    # tophat after a Gaussian fit integrated to 0.798 (scikit-learn's: 1).
    Y = np.random.default_rng(0).normal(size=(200, 1))
    grid = np.linspace(-8, 8, 40001)[:, None]
    density = KernelDensity(bandwidth=0.5, kernel="gaussian").fit(Y)
    density.set_params(kernel="tophat")
    mass = np.exp(density.score_samples(grid)).sum() * (grid[1, 0] - grid[0, 0])
    assert mass == pytest.approx(1.0, abs=1e-4)
