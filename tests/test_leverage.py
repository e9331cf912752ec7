"""Ridge leverage scores: the properties the papers prove."""

import copy
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.preprocessing import StandardScaler

from skkernel.leverage import (
    SequentialLeverageScores,
    alpha_for_effective_dimension,
    ridge_leverage_scores,
)

GAMMA = 1 / 64


@pytest.fixture(scope="module")
def digits():
    # 800 of the 1,797 digits keep the dense references quick.
    return StandardScaler().fit_transform(load_digits().data[:800])


@pytest.fixture(scope="module")
def digits_kernel(digits):
    return rbf_kernel(digits, gamma=GAMMA)


def effective_dimension(K, alpha):
    return np.trace(K @ np.linalg.inv(K + alpha * np.eye(len(K))))


@pytest.mark.parametrize("alpha", [0.1, 1.0, 10.0])
def test_exact_scores_are_the_diagonal_and_sum_to_the_effective_dimension(
    digits, digits_kernel, alpha
):
    scores = ridge_leverage_scores(digits, gamma=GAMMA, alpha=alpha)
    K = digits_kernel
    reference = np.diag(K @ np.linalg.inv(K + alpha * np.eye(len(K))))
    np.testing.assert_allclose(scores, reference, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(scores.sum(), effective_dimension(K, alpha), rtol=1e-8)
    assert np.all((scores > 0) & (scores <= 1))


@pytest.mark.parametrize("alpha", [0.1, 1.0, 10.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_approximate_scores_within_a_constant_factor(digits, alpha, seed):
    exact = ridge_leverage_scores(digits, gamma=GAMMA, alpha=alpha)
    approx = ridge_leverage_scores(
        digits, gamma=GAMMA, alpha=alpha, method="approximate", random_state=seed
    )
    ratio = approx / exact
    # BLESS: within constant factors for nearly all points (measured: all within
    # [0.25, 2.8] on digits).
    assert np.mean((ratio > 1 / 3) & (ratio < 3)) >= 0.98
    assert 0.7 < approx.sum() / exact.sum() < 1.5


def test_approximate_scores_are_reproducible(digits):
    a = ridge_leverage_scores(digits, gamma=GAMMA, method="approximate", random_state=3)
    b = ridge_leverage_scores(digits, gamma=GAMMA, method="approximate", random_state=3)
    np.testing.assert_array_equal(a, b)


def test_alpha_for_effective_dimension(digits_kernel):
    eigenvalues = np.linalg.eigvalsh(digits_kernel)
    alpha = alpha_for_effective_dimension(eigenvalues, 100)
    np.testing.assert_allclose(effective_dimension(digits_kernel, alpha), 100, rtol=1e-6)


@pytest.mark.parametrize("alpha", [1.0, 10.0])
def test_sequential_nystroem_error_below_alpha_over_one_minus_epsilon(digits, digits_kernel, alpha):
    # INK-ESTIMATE: K - K_nys <= alpha / (1 - epsilon) I at every step, w.h.p.
    ink = SequentialLeverageScores(gamma=GAMMA, alpha=alpha, epsilon=0.5, random_state=0)
    K = digits_kernel
    for stop in range(200, len(digits) + 1, 200):
        ink.partial_fit(digits[stop - 200 : stop])
        seen = K[:stop, :stop]
        J = ink.dictionary_indices_
        assert J.max() < stop
        nystroem = seen[:, J] @ np.linalg.pinv(seen[np.ix_(J, J)], hermitian=True) @ seen[J]
        assert np.linalg.norm(seen - nystroem, 2) <= 2 * alpha
        assert J.size < stop  # it did discard samples


def test_sequential_dictionary_stays_small_as_n_grows():
    rng = np.random.default_rng(0)
    ink = SequentialLeverageScores(gamma=0.5, alpha=1.0, random_state=0)
    sizes = []
    for _ in range(8):
        ink.partial_fit(rng.uniform(-2, 2, size=(1000, 2)))
        sizes.append(ink.dictionary_indices_.size)
    assert ink.n_samples_seen_ == 8000
    # d_eff of a smooth kernel on a bounded domain grows very slowly with n.
    assert sizes[-1] < 1.5 * sizes[1]
    assert sizes[-1] < 400
    scores = ink.leverage_scores(rng.uniform(-2, 2, size=(50, 2)))
    assert np.all((scores >= 0) & (scores <= 1))


def test_sequential_scores_track_the_exact_ones(digits):
    exact = ridge_leverage_scores(digits, gamma=GAMMA, alpha=1.0)
    ink = SequentialLeverageScores(gamma=GAMMA, alpha=1.0, random_state=0).fit(digits)
    ratio = ink.leverage_scores(digits) / exact
    assert np.mean((ratio > 1 / 3) & (ratio < 3)) >= 0.98


def test_sequential_fit_restarts_and_is_reproducible(digits):
    a = SequentialLeverageScores(gamma=GAMMA, random_state=0).fit(digits)
    first = a.dictionary_indices_.copy()
    a.fit(digits)
    np.testing.assert_array_equal(a.dictionary_indices_, first)
    assert a.n_samples_seen_ == len(digits)


def test_a_float64_batch_after_float32_ones_keeps_its_digits(digits):
    # Promoted as numpy (and IncrementalPCA) promote: the dictionary turns float64,
    # and the float64 batch's rows in it are its own to the last bit.
    ink = SequentialLeverageScores(gamma=GAMMA, random_state=0)
    ink.partial_fit(digits[:400].astype(np.float32))
    assert ink.dictionary_.dtype == np.float32
    ink.partial_fit(digits[400:])
    assert ink.dictionary_.dtype == np.float64
    late = ink.dictionary_indices_ >= 400
    assert late.any()
    np.testing.assert_array_equal(ink.dictionary_[late], digits[ink.dictionary_indices_[late]])
    # float32 batches after float64 ones join the float64 dictionary.
    ink.partial_fit(digits[:100].astype(np.float32))
    assert ink.dictionary_.dtype == np.float64


def test_bad_input():
    X = np.ones((5, 2))
    with pytest.raises(ValueError, match="alpha"):
        ridge_leverage_scores(X, alpha=0.0)
    with pytest.raises(ValueError, match="method"):
        ridge_leverage_scores(X, method="fast")
    with pytest.raises(ValueError, match="NaN|infinity"):
        ridge_leverage_scores(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="2-D"):
        ridge_leverage_scores(np.ones(5))
    with pytest.raises(ValueError, match="Unknown kernel|kernel"):
        ridge_leverage_scores(X, kernel="nope")
    ink = SequentialLeverageScores().fit(X)
    with pytest.raises(ValueError, match="features"):
        ink.partial_fit(np.ones((3, 3)))
    assert ink.n_samples_seen_ == 5  # untouched
    with pytest.raises(ValueError, match="epsilon"):
        SequentialLeverageScores(epsilon=1.0).fit(X)


@pytest.mark.parametrize("alpha", [1e-16, 1e-30])
def test_scores_below_the_rounding_level_of_k_stay_at_their_lower_bound(alpha):
    # At alpha ~ 1e-16 ||K|| the estimates are rounding noise; they were clipped to
    # exactly 0 for a third of the rows, which then could never be drawn. Every score
    # is at least k(x, x) / (trace K + k(x, x) + alpha) (1 / 301 here).
    X = np.random.default_rng(0).normal(size=(300, 3))
    floor = 1.0 / (300 + 1 + alpha)
    approximate = ridge_leverage_scores(X, alpha=alpha, method="approximate", random_state=0)
    ink = SequentialLeverageScores(alpha=alpha, random_state=0).fit(X)
    for scores in (approximate, ink.leverage_scores(X)):
        assert np.all(scores >= floor * (1 - 1e-12)) and np.all(scores <= 1)
    exact = ridge_leverage_scores(X, alpha=alpha)
    assert np.all(exact >= floor * (1 - 1e-12))  # the bound holds for the exact scores


def test_failed_sequential_refit_keeps_the_fitted_stream():
    X = np.random.default_rng(0).normal(size=(300, 3))
    ink = SequentialLeverageScores(random_state=0).fit(X)
    scores = ink.leverage_scores(X[:5])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ink.fit(bad)
    np.testing.assert_array_equal(ink.leverage_scores(X[:5]), scores)
    assert ink.n_samples_seen_ == 300


def test_the_floor_leaves_kernels_that_are_not_psd_to_their_own_error():
    # A sigmoid kernel with a negative diagonal: the floor must not hand numpy negative
    # probabilities before the check that names the kernel.
    X = np.random.default_rng(0).normal(size=(200, 3))
    with pytest.raises(np.linalg.LinAlgError, match="positive definite"):
        ridge_leverage_scores(
            X, kernel="sigmoid", gamma=0.1, coef0=-0.2, method="approximate", random_state=0
        )


def test_a_stream_saved_before_backend_existed_still_loads_scores_and_streams():
    import pickle

    X = np.random.default_rng(0).normal(size=(300, 3))
    ink = SequentialLeverageScores(random_state=0).partial_fit(X[:200])
    state = ink.__getstate__()
    del state["backend"]
    old = SequentialLeverageScores.__new__(SequentialLeverageScores)
    old.__setstate__(state)
    loaded = pickle.loads(pickle.dumps(old))
    np.testing.assert_array_equal(loaded.leverage_scores(X[:5]), ink.leverage_scores(X[:5]))
    assert loaded.partial_fit(X[200:]).n_samples_seen_ == 300


def test_a_stream_without_its_trace_still_scores_and_streams():
    # As a stream pickled before the trace was kept: no floor, as then.
    X = np.random.default_rng(0).normal(size=(300, 3))
    ink = SequentialLeverageScores(random_state=0).partial_fit(X[:200])
    del ink._trace
    assert np.all(ink.leverage_scores(X[:5]) > 0)
    assert ink.partial_fit(X[200:]).n_samples_seen_ == 300


def test_alpha_for_effective_dimension_follows_the_kernel_s_scale():
    # An absolute bracket (log alpha from -60) missed the root of a kernel of values
    # ~1e-18: brentq raised "f(a) and f(b) must have different signs".
    w = np.r_[np.logspace(0, -8, 30), np.zeros(10)]
    alpha = alpha_for_effective_dimension(w, 5.0)
    for scale in (1e-18, 1e6):
        assert alpha_for_effective_dimension(scale * w, 5.0) == pytest.approx(scale * alpha)


def test_failed_partial_fit_leaves_the_stream_s_generator_as_it_was():
    # The first batch drew from the generator before the second overflowed: the
    # arrays were restored, but later calls kept a different dictionary.
    rng = np.random.default_rng(0)
    X, X2 = rng.normal(size=(60, 3)), rng.normal(size=(40, 3))
    bad = rng.normal(size=(20, 3))
    bad[15] = 1e200  # only the second batch of ten overflows the kernel
    ink = SequentialLeverageScores(kernel="poly", batch_size=10, random_state=0).fit(X)
    reference = copy.deepcopy(ink)
    with pytest.raises(ValueError, match="NaN or infinity"):
        ink.partial_fit(bad)
    np.testing.assert_array_equal(
        ink.partial_fit(X2).dictionary_indices_, reference.partial_fit(X2).dictionary_indices_
    )


def test_exact_scores_of_an_indefinite_kernel_say_so():
    # Returned silently: scores are defined for positive semi-definite kernels only.
    X = np.random.default_rng(0).normal(size=(100, 3))
    with pytest.warns(UserWarning, match="not positive semi-definite"):
        ridge_leverage_scores(X, kernel="sigmoid", method="exact")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # A singular PSD kernel (repeated rows) is not indefinite: rounding, no warning.
        ridge_leverage_scores(np.repeat(X[:5], 20, axis=0), kernel="rbf", method="exact")


def test_a_stream_keeps_its_settings_and_refuses_to_continue_under_others():
    # leverage_scores read oversampling (and alpha, the kernel) after set_params: the
    # stream's weights q-bar p / q mixed two oversamplings (0.04 -> 0.14); partial_fit
    # continued under another kernel and penalty without a word.
    X = np.random.default_rng(0).normal(size=(600, 3))
    ink = SequentialLeverageScores(gamma=0.5, random_state=0).fit(X)
    expected = ink.leverage_scores(X[:4])
    ink.set_params(oversampling=64, alpha=1e-3, gamma=50.0)
    np.testing.assert_array_equal(ink.leverage_scores(X[:4]), expected)
    seen = ink.n_samples_seen_
    with pytest.raises(ValueError, match="stream started with other kernel, alpha, oversampling"):
        ink.partial_fit(X[:10])
    assert ink.n_samples_seen_ == seen
    ink.set_params(oversampling=8, alpha=1.0, gamma=0.5).partial_fit(X[:10])
    assert ink.n_samples_seen_ == seen + 10
    assert ink.fit(X).n_samples_seen_ == 600  # fit starts afresh, under what is set


def test_float32_streams_score_in_float64():
    # leverage_scores cast queries to the dictionary's float32 and scored in float32:
    # up to 98 % off at alpha = 1e-6.
    X = np.random.default_rng(0).normal(size=(300, 3)).astype(np.float32)
    ink32 = SequentialLeverageScores(alpha=1e-6, random_state=0).fit(X)
    ink64 = SequentialLeverageScores(alpha=1e-6, random_state=0).fit(X.astype(np.float64))
    np.testing.assert_array_equal(ink32.dictionary_indices_, ink64.dictionary_indices_)
    scores = ink32.leverage_scores(X[:50])
    assert scores.dtype == np.float64
    np.testing.assert_allclose(scores, ink64.leverage_scores(X[:50].astype(np.float64)), rtol=1e-12)


def test_partial_fit_in_multiples_of_the_batch_size_is_fit():
    # What the partial_fit docstring says: chunks of whole batches give fit's stream.
    X = StandardScaler().fit_transform(load_digits().data[:1000])
    params = dict(kernel="rbf", gamma=0.02, alpha=1e-3, batch_size=128, random_state=0)
    whole = SequentialLeverageScores(**params).fit(X)
    stream = SequentialLeverageScores(**params)
    for start, stop in [(0, 256), (256, 640), (640, 1000)]:
        stream.partial_fit(X[start:stop])
    np.testing.assert_array_equal(stream.dictionary_indices_, whole.dictionary_indices_)
    np.testing.assert_array_equal(stream.multiplicities_, whole.multiplicities_)
