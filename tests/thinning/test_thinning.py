"""Kernel thinning: KernelThinning, the mmd helper, Nystroem(sampling="kernel-thinning")."""

import numpy as np
import pandas as pd
import pytest
from sklearn import config_context
from sklearn.linear_model import Ridge
from sklearn.metrics.pairwise import pairwise_kernels, rbf_kernel

from skkernel import KernelThinning, Nystroem, NystroemRidge, backend_status
from skkernel.thinning import METHODS, mmd

AVAILABLE = [name for name, reason in backend_status().items() if reason is None]


def gaussian(n, d, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d))


def dense_mmd(X, indices, **kernel):
    """Reference: the MMD from the whole n x n kernel matrix."""
    K = pairwise_kernels(X, **kernel)
    return np.sqrt(K.mean() - 2 * K[:, indices].mean() + K[np.ix_(indices, indices)].mean())


def iid_rms_mmd(X, size, gamma, n_draws=8, seed=100):
    rng = np.random.default_rng(seed)
    draws = [rng.choice(X.shape[0], size, replace=False) for _ in range(n_draws)]
    return np.sqrt(np.mean(mmd(X, draws, gamma=gamma) ** 2))


# -- the guarantees: MMD well below iid, and decaying faster ---------------------


# Plain KT thins the whole sample (quadratic): slow (pytest -m slow); Compress++ runs
# the same guarantee in the default run.
@pytest.mark.parametrize("method", ["compress++", pytest.param("kt", marks=pytest.mark.slow)])
@pytest.mark.parametrize("d", [2, 10])
def test_mmd_decays_faster_than_iid(method, d):
    # KT: MMD ~ n^-1/2 (log factors aside) with sqrt(n) points; iid subsampling of
    # sqrt(n) points: n^-1/4. Slopes of log MMD on log n over n = 2^10 .. 2^14,
    # averaged over seeds (each coreset's MMD is itself random).
    gamma = 1 / (2 * d)
    sizes = 2 ** np.arange(10, 15, 2)
    kt_slopes, iid_slopes = [], []
    for seed in range(3):
        kt, iid = [], []
        for n in sizes:
            X = gaussian(n, d, seed)
            thinning = KernelThinning(gamma=gamma, method=method, random_state=seed).fit(X)
            kt.append(thinning.mmd(X))
            iid.append(iid_rms_mmd(X, thinning.n_components_, gamma, seed=seed))
        ratio = np.array(kt) / np.array(iid)
        assert ratio.max() < (0.2 if d == 2 else 0.6), ratio
        kt_slopes.append(np.polyfit(np.log(sizes), np.log(kt), 1)[0])
        iid_slopes.append(np.polyfit(np.log(sizes), np.log(iid), 1)[0])
    kt_slope, iid_slope = np.mean(kt_slopes), np.mean(iid_slopes)
    assert kt_slope < -0.3, (kt_slopes, iid_slopes)
    assert kt_slope < iid_slope - 0.07, (kt_slopes, iid_slopes)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_beats_iid(method):
    X = gaussian(2**12, 3)
    thinning = KernelThinning(gamma=1 / 6, method=method, random_state=0).fit(X)
    assert thinning.indices_.shape == (64,)
    assert thinning.mmd(X) < 0.4 * iid_rms_mmd(X, 64, 1 / 6)


@pytest.mark.parametrize("method", ["target-kt", "kt+"])
def test_kt_swap_never_worse_than_its_baseline(method):
    # KT-SWAP starts from the best of KT-SPLIT's candidates and the evenly spaced
    # baseline, and only ever lowers the MMD: the result is at most the baseline's.
    for seed in range(3):
        X = np.random.default_rng(seed).standard_t(df=3, size=(1000, 2))
        thinning = KernelThinning(gamma=0.5, method=method, random_state=seed).fit(X)
        baseline = (np.arange(31) * 1000) // 31
        assert thinning.mmd(X) <= mmd(X, baseline, gamma=0.5) + 1e-12


def test_other_kernels_thin_too():
    X = gaussian(2000, 3, seed=4)
    for params in ({"kernel": "laplacian", "gamma": 0.3}, {"kernel": "matern"}):
        thinning = KernelThinning(**params, random_state=0).fit(X)
        assert thinning.mmd(X) < 0.5 * np.sqrt(
            np.mean(
                [
                    mmd(X, np.random.default_rng(s).choice(2000, 44, replace=False), **params) ** 2
                    for s in range(8)
                ]
            )
        )
    # A kernel that is not even stationary still runs (target KT walks with it).
    KernelThinning(kernel="poly", degree=2, method="target-kt", random_state=0).fit(X)


# -- the two code paths and the backends agree -----------------------------------


@pytest.mark.parametrize("method", ["compress++", "target-kt", "kt+"])
def test_blocked_path_gives_the_dense_paths_coreset(method):
    # Below working_memory the Gram matrix is formed; above, the walk goes by blocks
    # of kernel products and KT-SWAP by kernel columns. Same random draws, same
    # decisions (up to rounding, which no decision here is close to).
    X = gaussian(4096, 4, seed=1)
    dense = KernelThinning(gamma=0.2, method=method, random_state=3).fit(X)
    with config_context(working_memory=1):
        blocked = KernelThinning(gamma=0.2, method=method, random_state=3).fit(X)
    np.testing.assert_array_equal(dense.indices_, blocked.indices_)


@pytest.mark.parametrize("n", [257, 600])
def test_compress_pp_coreset_does_not_change_with_working_memory(n):
    # Where 2^(g+2) sqrt(n) > n, Compress++ used to lower g when the Gram matrix
    # did not fit working_memory, so a seeded coreset changed with the setting.
    X = gaussian(n, 2, seed=4)
    default = KernelThinning(gamma=0.5, random_state=0).fit(X)
    for working_memory in (0.01, 0.1, 4096):
        with config_context(working_memory=working_memory):
            other = KernelThinning(gamma=0.5, random_state=0).fit(X)
        np.testing.assert_array_equal(default.indices_, other.indices_)


def test_block_sum_is_the_sum_of_the_submatrix():
    from skkernel.thinning import _loops as loops

    K = np.random.default_rng(0).normal(size=(50, 50))
    subset = np.array([3, 17, 17, 40, 0])
    assert loops.block_sum(K, subset) == pytest.approx(K[np.ix_(subset, subset)].sum())


@pytest.mark.parametrize("backend", [b for b in AVAILABLE if b != "dask"])
def test_backends_give_the_same_coreset(backend):
    X = gaussian(2500, 3, seed=2)
    with config_context(working_memory=1):
        reference = KernelThinning(gamma=0.3, method="kt", backend="numpy", random_state=0).fit(X)
        other = KernelThinning(gamma=0.3, method="kt", backend=backend, random_state=0).fit(X)
    np.testing.assert_array_equal(reference.indices_, other.indices_)


def test_dense_blocks_run_on_the_estimators_backend(monkeypatch):
    # The Gram blocks and KT-SWAP's kernel rows ran on the default backend, whatever
    # backend= said.
    from skkernel import KernelOperator

    used = set()
    block = KernelOperator.block

    def spy(self, rows, cols, out=None):
        used.add(self.backend)
        return block(self, rows, cols, out)

    monkeypatch.setattr(KernelOperator, "block", spy)
    X = gaussian(600, 2, seed=2)
    with config_context(working_memory=0.5):
        KernelThinning(gamma=0.3, method="kt", backend="numpy", random_state=0).fit(X)
    assert used == {"numpy"}


# -- the estimator: reproducibility, edge cases, errors ---------------------------


def test_reproducible_with_a_seed():
    X = gaussian(5000, 2)
    a = KernelThinning(random_state=11).fit(X).indices_
    b = KernelThinning(random_state=11).fit(X).indices_
    c = KernelThinning(random_state=12).fit(X).indices_
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("n", [1, 2, 3, 17, 1000, 3001, 5000])
@pytest.mark.parametrize("method", METHODS)
def test_any_n_gives_sqrt_n_distinct_rows(n, method):
    X = gaussian(n, 2, seed=n)
    thinning = KernelThinning(method=method, random_state=0).fit(X)
    size = max(1, int(np.sqrt(n)))
    assert thinning.n_components_ == size
    assert thinning.indices_.shape == (size,)
    assert np.all(np.diff(thinning.indices_) > 0)  # sorted and distinct
    assert 0 <= thinning.indices_[0] and thinning.indices_[-1] < n
    np.testing.assert_array_equal(thinning.coreset_, X[thinning.indices_])


def test_n_components_as_an_integer_and_at_the_limits():
    X = gaussian(300, 2)
    assert KernelThinning(n_components=50, random_state=0).fit(X).indices_.size == 50
    everything = KernelThinning(n_components=300).fit(X)
    np.testing.assert_array_equal(everything.indices_, np.arange(300))
    with pytest.raises(ValueError, match="n_components=301 is larger than the number"):
        KernelThinning(n_components=301).fit(X)


@pytest.mark.parametrize("n_samples", [64, 257, 1000])
@pytest.mark.parametrize("n_components, g", [(1, 4), (2, 0), (3, 1), (8, 1), ("sqrt", 0)])
def test_coresets_of_a_few_points_and_small_oversampling(n_samples, n_components, g):
    # Compress++ hands each quarter a quarter of the coreset: below 4 points some get
    # none, which must end the recursion (it recursed forever on them).
    X = gaussian(n_samples, 2)
    indices = KernelThinning(n_components=n_components, g=g, random_state=0).fit(X).indices_
    size = int(np.sqrt(n_samples)) if n_components == "sqrt" else n_components
    assert indices.size == np.unique(indices).size == size


def test_duplicates_and_a_single_feature():
    X = np.repeat(gaussian(500, 1), 4, axis=0)  # every row four times, one feature
    thinning = KernelThinning(gamma=1.0, random_state=0).fit(X)
    assert np.unique(thinning.indices_).size == thinning.indices_.size == 44
    assert thinning.mmd(X) < 0.5 * iid_rms_mmd(X, 44, 1.0)
    constant = np.ones((100, 3))
    np.testing.assert_array_equal(KernelThinning(random_state=0).fit(constant).coreset_, 1.0)


@pytest.mark.parametrize("method", ["kt", "kt+"])
def test_root_kernel_methods_need_an_rbf_kernel(method):
    X = gaussian(100, 2)
    with pytest.raises(ValueError, match="square-root kernel.*RBF kernel only"):
        KernelThinning(kernel="laplacian", method=method).fit(X)
    # Matern with nu=inf is the RBF kernel, and has a square root.
    KernelThinning(kernel="matern", kernel_params={"nu": np.inf}, method=method).fit(X)


def test_bad_input_is_refused():
    X = gaussian(100, 2)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        KernelThinning().fit(bad)
    bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        KernelThinning().fit(bad)
    with pytest.raises(ValueError, match="0 sample"):
        KernelThinning().fit(np.empty((0, 2)))
    with pytest.raises(ValueError, match="2D array"):
        KernelThinning().fit(X[:, 0])
    with pytest.raises(ValueError, match="method"):
        KernelThinning(method="herding").fit(X)
    with pytest.raises(ValueError, match="delta"):
        KernelThinning(delta=1.5).fit(X)
    with pytest.raises(ValueError, match=r"'kernel' parameter .* Got 'gauss'"):
        KernelThinning(kernel="gauss").fit(X)


def test_refit_failure_leaves_the_fitted_coreset():
    X = gaussian(400, 2)
    thinning = KernelThinning(random_state=0).fit(X)
    before = thinning.indices_.copy()
    with pytest.raises(ValueError):
        thinning.set_params(n_components=1000).fit(X)
    np.testing.assert_array_equal(thinning.indices_, before)


def test_fit_resample_keeps_containers():
    frame = pd.DataFrame(gaussian(400, 3), columns=["a", "b", "c"])
    target = pd.Series(np.arange(400.0), name="y")
    thinning = KernelThinning(random_state=0)
    X_small, y_small = thinning.fit_resample(frame, target)
    assert isinstance(X_small, pd.DataFrame) and isinstance(y_small, pd.Series)
    assert list(X_small.index) == list(thinning.indices_) == list(y_small.to_numpy().astype(int))
    np.testing.assert_array_equal(thinning.feature_names_in_, ["a", "b", "c"])
    with pytest.raises(ValueError, match="X has 400 samples but y has 10"):
        thinning.fit_resample(frame, target[:10])
    with pytest.raises(ValueError, match="y is required"):
        thinning.fit_resample(frame, None)


def test_works_as_a_sampler_in_an_imblearn_pipeline():
    imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
    X = gaussian(2000, 3, seed=5)
    y = np.sin(X[:, 0]) + X[:, 1] ** 2
    model = imblearn_pipeline.make_pipeline(
        KernelThinning(gamma=0.3, n_components=200, random_state=0), Ridge()
    ).fit(X, y)
    assert model[0].indices_.size == 200
    np.testing.assert_allclose(
        model[-1].coef_, Ridge().fit(X[model[0].indices_], y[model[0].indices_]).coef_
    )
    assert model.predict(X).shape == (2000,)  # samplers are skipped at predict time


# -- the mmd helper ----------------------------------------------------------------


@pytest.mark.parametrize(
    "kernel", [{"metric": "rbf", "gamma": 0.4}, {"metric": "laplacian", "gamma": 0.2}]
)
def test_mmd_matches_the_dense_formula(kernel):
    X = gaussian(700, 3, seed=6)
    indices = np.random.default_rng(0).choice(700, 60, replace=False)
    ours = mmd(X, indices, kernel=kernel["metric"], gamma=kernel["gamma"])
    np.testing.assert_allclose(ours, dense_mmd(X, indices, **kernel), rtol=1e-9)
    # Repeated rows count with their multiplicity; a list gives one value each.
    repeated = np.array([0, 0, 5, 9])
    K = rbf_kernel(X, gamma=0.4)
    expected = np.sqrt(K.mean() - 2 * K[:, repeated].mean() + K[np.ix_(repeated, repeated)].mean())
    np.testing.assert_allclose(mmd(X, [indices, repeated], gamma=0.4)[1], expected, rtol=1e-9)
    np.testing.assert_allclose(mmd(X, np.arange(700), gamma=0.4), 0.0, atol=1e-7)


def test_mmd_never_forms_the_n_by_n_matrix():
    # 20,000^2 doubles would be 3.2 GB; working_memory keeps every block small.
    X = gaussian(20_000, 2, seed=7)
    with config_context(working_memory=16):
        value = mmd(X, np.arange(0, 20_000, 100), gamma=0.5, backend="numpy")
    assert 0 < value < 0.2


def test_mmd_refuses_bad_indices():
    X = gaussian(50, 2)
    with pytest.raises(IndexError, match=r"\[-50, 50\)"):
        mmd(X, [3, 50])
    with pytest.raises(IndexError, match=r"\[-50, 50\)"):
        mmd(X, [-51, 3])
    assert mmd(X, [-1, 3]) == mmd(X, [49, 3])  # negative ones count from the end
    with pytest.raises(TypeError, match="integers"):
        mmd(X, [0.5, 1.0])
    with pytest.raises(ValueError, match="non-empty 1-D"):
        mmd(X, [])


# -- Nystroem landmarks ---------------------------------------------------------------


def test_nystroem_takes_kernel_thinning_landmarks():
    X = gaussian(3000, 3, seed=8)
    nystroem = Nystroem(gamma=0.3, n_components=100, sampling="kernel-thinning", random_state=0)
    nystroem.fit(X)
    np.testing.assert_array_equal(nystroem.components_, X[nystroem.component_indices_])
    assert np.unique(nystroem.component_indices_).size == 100
    expected = KernelThinning(gamma=0.3, n_components=100, random_state=0).fit(X).indices_
    np.testing.assert_array_equal(np.sort(nystroem.component_indices_), expected)


def test_nystroem_ridge_with_kernel_thinning_landmarks_fits_well():
    rng = np.random.default_rng(9)
    X = rng.uniform(-3, 3, size=(4000, 2))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1]) + 0.05 * rng.normal(size=4000)
    scores = {}
    for sampling in ("uniform", "kernel-thinning"):
        model = NystroemRidge(
            gamma=1.0, alpha=1e-3, n_components=60, sampling=sampling, random_state=0
        )
        scores[sampling] = model.fit(X[:3000], y[:3000]).score(X[3000:], y[3000:])
    assert scores["kernel-thinning"] > 0.95
    assert scores["kernel-thinning"] >= scores["uniform"] - 0.01


def test_mmd_checks_the_fitted_columns():
    # mmd(X) took any array: a frame with its columns reordered, or another number of
    # columns, gave an MMD of the wrong rows' coordinates without a word.
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(64, 2)), columns=["a", "b"])
    model = KernelThinning(n_components=8, random_state=0).fit(X)
    assert model.mmd(X) >= 0
    with pytest.raises(ValueError, match="feature names should match"):
        model.mmd(X[["b", "a"]])
    with pytest.raises(ValueError, match="expecting 2 features"):
        model.mmd(np.ones((5, 3)))


def test_the_self_balancing_walk_halves_far_better_than_a_random_half():
    # KT-SPLIT's walk on its own (before KT-SWAP): each half's MMD to the whole is far
    # below a random half's (Dwivedi & Mackey's guarantee; measured: 5x in MMD^2).
    from skkernel.kernels import RBF
    from skkernel.thinning import _loops

    X = np.random.default_rng(0).normal(size=(1024, 2))
    K = RBF(gamma=0.5)(X)

    def mmd2(subset):
        return K[np.ix_(subset, subset)].mean() - 2 * K[subset].mean() + K.mean()

    walked, random = [], []
    for seed in range(10):
        rng = np.random.default_rng(seed)
        signs = np.empty(1024)
        multiplier = 2.0 * np.log(2.0 * 1024 / 0.5)  # the walk's threshold at delta 0.5
        _loops.halve_walk(
            K,
            np.arange(1024),
            np.diag(K).copy(),
            np.zeros(1024),
            signs,
            0.0,
            multiplier,
            rng.random(512),
        )
        assert np.count_nonzero(signs > 0) == 512
        walked.append(mmd2(np.flatnonzero(signs > 0)))
        random.append(mmd2(rng.permutation(1024)[:512]))
    assert np.mean(walked) < 0.4 * np.mean(random)


def test_kt_walks_with_the_square_root_of_the_gaussian_kernel():
    # k_rt with int k_rt(x, z) k_rt(z, y) dz proportional to k(x, y): for
    # exp(-gamma r^2) it is exp(-2 gamma r^2) (quadrature in one dimension).
    from skkernel.kernels import RBF
    from skkernel.thinning._thinner import _walk_kernels

    gamma = 0.7
    (root,) = _walk_kernels(RBF(gamma=gamma), "kt", 1)
    z = np.linspace(-12, 12, 4001)[:, None]
    points = np.array([[-1.0], [0.0], [0.4], [1.5]])
    convolved = root(points, z) @ root(z, points) * (z[1, 0] - z[0, 0])
    ratio = convolved / RBF(gamma=gamma)(points)
    np.testing.assert_allclose(ratio, ratio[0, 0], rtol=1e-10)
