"""The shared linear algebra: preconditioner, CG, jittered Cholesky, LOO path."""

import warnings

import numpy as np
import pytest

from skkernel import kernels
from skkernel._linalg import (
    NystroemPreconditioner,
    conjugate_gradient,
    inverse_diagonal,
    jittered_cholesky,
    ridge_loo_path,
)


@pytest.fixture
def gram():
    X = np.random.default_rng(0).normal(size=(80, 3))
    return X, kernels.RBF(gamma=0.5)(X)


def test_full_rank_preconditioner_is_the_exact_inverse_up_to_scale(gram):
    X, K = gram
    alpha = 0.1
    landmarks = np.arange(len(X))
    P_inv = NystroemPreconditioner(K[:, landmarks], landmarks)
    A = K + alpha * np.eye(len(X))
    product = P_inv.apply(A, np.full(len(X), alpha))
    lam_min = P_inv.eigenvalues_[-1]
    # On the range of U, P^-1 A = (lam_min + alpha) I; K has full numerical rank here
    # only up to the kept eigenvalues, so compare on that subspace.
    U = P_inv.U_
    np.testing.assert_allclose(U.T @ product @ U, (lam_min + alpha) * np.eye(U.shape[1]), atol=1e-6)


def test_preconditioner_is_symmetric_positive_definite(gram):
    X, K = gram
    landmarks = NystroemPreconditioner.choose_landmarks(len(X), 20, random_state=0)
    P_inv = NystroemPreconditioner(K[:, landmarks], landmarks)
    M = P_inv.apply(np.eye(len(X)), np.full(len(X), 0.01))
    np.testing.assert_allclose(M, M.T, atol=1e-12)
    assert np.linalg.eigvalsh(M).min() > 0


def test_preconditioner_build_holds_one_n_by_m_array_beside_its_input():
    # U was a masked copy of the singular vectors: two n x m arrays beside the input
    # (KernelRidge(solver='cg') peaked at 3.1 n x m, documented as 2).
    import tracemalloc

    X = np.random.default_rng(0).normal(size=(4000, 3))
    landmarks = NystroemPreconditioner.choose_landmarks(len(X), 200, random_state=0)
    columns = kernels.RBF(gamma=0.05)(X, X[landmarks])  # numerical rank 194
    tracemalloc.start()
    P_inv = NystroemPreconditioner(columns, landmarks)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert P_inv.U_.shape[1] < 200
    assert peak < 1.5 * columns.nbytes


def test_conjugate_gradient_solves_each_column_with_its_own_shift(gram):
    X, K = gram
    B = np.random.default_rng(1).normal(size=(len(X), 3))
    shifts = np.array([0.01, 0.1, 1.0])

    def matmat(V, columns):
        return K @ V + shifts[columns] * V

    solution, n_iter, converged = conjugate_gradient(matmat, B, tol=1e-12, max_iter=500)
    assert converged.all()
    for j in range(3):
        expected = np.linalg.solve(K + shifts[j] * np.eye(len(X)), B[:, j])
        np.testing.assert_allclose(solution[:, j], expected, rtol=1e-8)


def test_jittered_cholesky_handles_singular_blocks():
    X = np.repeat(np.random.default_rng(2).normal(size=(5, 2)), 2, axis=0)  # duplicates
    K = kernels.RBF()(X)
    L, jitter = jittered_cholesky(K)
    assert jitter > 0
    np.testing.assert_allclose(L @ L.T, K, atol=1e-10)
    with pytest.raises(np.linalg.LinAlgError, match="positive semi-definite"):
        jittered_cholesky(-np.eye(3))


def test_jittered_cholesky_holds_one_copy_of_the_block():
    # An identity, its shifted copy and the factor's own copy: 3 n x n arrays beside
    # A, where one refilled copy, factored in place, does (and gives the same factor).
    import tracemalloc

    X = np.repeat(np.random.default_rng(2).normal(size=(300, 2)), 2, axis=0)
    K = kernels.RBF()(X)
    tracemalloc.start()
    L, jitter = jittered_cholesky(K)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert jitter > 0 and peak < 1.2 * K.nbytes
    np.testing.assert_allclose(L, np.linalg.cholesky(K + jitter * np.eye(len(K))), atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_inverse_diagonal_from_the_cholesky_factor(dtype):
    X = np.random.default_rng(3).normal(size=(300, 3))
    A = (kernels.RBF(gamma=0.5)(X) + 1e-2 * np.eye(300)).astype(dtype)
    L, _ = jittered_cholesky(A)
    expected = np.diag(np.linalg.inv(A.astype(np.float64)))
    rtol = 1e-9 if dtype == np.float64 else 1e-2
    np.testing.assert_allclose(inverse_diagonal(L), expected, rtol=rtol)
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        inverse_diagonal(np.diag([1.0, 0.0, 2.0]))


def test_loo_path_matches_explicit_inverse(gram):
    X, K = gram
    y = np.sin(X[:, :2])
    alphas = np.array([0.01, 1.0])
    w, Q = np.linalg.eigh(K)
    residuals, duals = ridge_loo_path(w, Q, y, alphas)
    for a, alpha in enumerate(alphas):
        G_inv = np.linalg.inv(K + alpha * np.eye(len(X)))
        np.testing.assert_allclose(duals[:, :, a], G_inv @ y, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(
            residuals[:, :, a], (G_inv @ y) / np.diag(G_inv)[:, None], rtol=1e-8, atol=1e-10
        )


def test_blocked_cholesky_matches_lapack(monkeypatch):
    from skkernel._linalg import _cholesky

    rng = np.random.default_rng(5)
    M = rng.normal(size=(300, 300))
    A = M @ M.T + 300 * np.eye(300)
    B = rng.normal(size=(300, 2))
    expected = np.linalg.solve(A, B)
    monkeypatch.setattr(_cholesky, "_DIRECT_CHOLESKY_MAX", 100)
    monkeypatch.setattr(_cholesky, "_CHOLESKY_BLOCK", 64)  # 300 = 4 blocks + a remainder
    from skkernel._linalg import cholesky_solve_inplace

    np.testing.assert_allclose(cholesky_solve_inplace(A.copy(), B), expected, rtol=1e-10)
    with pytest.raises(np.linalg.LinAlgError):
        cholesky_solve_inplace(-A.copy(), B)


def test_cg_checks_the_true_residual_before_stopping():
    # A system whose right-hand side lies almost entirely along one huge eigenvalue:
    # the first step removes it and the recurrence residual falls below tol, while
    # the rest of the solution has not started.
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(50, 50)))
    eigenvalues = np.r_[1e11, np.linspace(0.1, 10, 49)]
    A = (Q * eigenvalues) @ Q.T
    b = Q @ np.r_[1e11, np.ones(49)]
    norms = []

    def original_norm(R, columns):
        # The norm of the residual of the system before the huge direction's scaling.
        norms.append(1)
        return np.linalg.norm(Q.T @ R / np.sqrt(np.r_[1e11, np.ones(49)])[:, None], axis=0)

    x, n_iter, converged = conjugate_gradient(
        lambda V, c: A @ V, b[:, None], residual_norm=original_norm, tol=1e-6, max_iter=200
    )
    assert converged.all() and n_iter > 2
    np.testing.assert_allclose(A @ x[:, 0], b, rtol=1e-5)


def test_cg_refuses_non_finite_products():
    from skkernel._linalg._cg import NonFiniteError

    with pytest.raises(NonFiniteError, match="NaN or infinity"):
        conjugate_gradient(lambda V, c: V * np.nan, np.ones((3, 1)))


def test_cg_refuses_a_singular_system_it_cannot_step_in():
    from skkernel._linalg import IndefiniteSystemError

    # A = diag(1, 0): b has a component in A's null space, where p^T A p = 0.
    A = np.diag([1.0, 0.0])
    with pytest.raises(IndefiniteSystemError, match="positive alpha"):
        conjugate_gradient(lambda V, c: A @ V, np.array([[1.0], [1.0]]))
    # Negative curvature: an indefinite matrix.
    with pytest.raises(IndefiniteSystemError, match="not positive definite"):
        conjugate_gradient(lambda V, c: -V, np.ones((3, 1)))


@pytest.mark.parametrize("seed", range(5))
def test_cg_refuses_a_singular_system_whose_null_curvature_rounds_positive(seed):
    from skkernel._linalg import IndefiniteSystemError

    # A = G G^T of rank 3 and b outside its range: after three steps the search
    # directions lie in the null space, where p^T A p is rounding of either sign.
    # Rounding above 0 used to give steps of 1e15 and a "best" residual of 1e16.
    rng = np.random.default_rng(seed)
    G = rng.normal(size=(40, 3)) * [100.0, 1.0, 0.01]
    A = G @ G.T
    with pytest.raises(IndefiniteSystemError, match="within rounding"):
        conjugate_gradient(lambda V, c: A @ V, rng.normal(size=(40, 1)), tol=1e-10)
    # Ill-conditioned but not singular (condition number about 1e8): solved, not
    # refused.
    A_reg = A + 1e-3 * np.eye(40)
    b = rng.normal(size=(40, 1))
    x, _, converged = conjugate_gradient(lambda V, c: A_reg @ V, b, tol=1e-6, max_iter=5000)
    assert converged.all()
    assert np.linalg.norm(A_reg @ x - b) <= 1e-6 * np.linalg.norm(b)


def test_jittered_cholesky_sizes_the_jitter_by_the_values_precision():
    # float32 kernel values converted to float64 are PSD to float32 precision only.
    X = np.random.default_rng(3).normal(size=(100, 2))
    K32 = kernels.RBF(gamma=0.05)(X.astype(np.float32)).astype(np.float64)
    with pytest.raises(np.linalg.LinAlgError) as error:
        jittered_cholesky(K32 - 1e-6 * np.eye(100), max_tries=2)
    # The message gives the largest jitter tried, not ten times more.
    largest = np.finfo(np.float64).eps * 1.0 * 100 * 10.0
    assert f"{largest:.3g}" in str(error.value)
    L, jitter = jittered_cholesky(K32, eps=np.finfo(np.float32).eps)
    np.testing.assert_allclose(L @ L.T, K32, atol=1e-3)


def test_cg_that_converges_on_its_last_allowed_iteration_does_not_warn(gram):
    # The true residual was checked after the loop but ignored: a column that met tol
    # on iteration max_iter was reported "above tol" quoting a residual below it.
    _, K = gram
    A = K + 0.1 * np.eye(len(K))
    b = np.random.default_rng(1).normal(size=(len(K), 1))

    def matmat(V, columns):
        return A @ V

    _, n_iter, converged = conjugate_gradient(matmat, b, tol=1e-6, max_iter=1000)
    steps = n_iter - 1  # the last pass checked the true residual
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x, _, converged = conjugate_gradient(matmat, b, tol=1e-6, max_iter=steps)
    assert converged.all()
    assert np.linalg.norm(A @ x - b) <= 1e-6 * np.linalg.norm(b)


@pytest.mark.parametrize("scale", [1e155, 1e300, 1e-160, 1e-300])
def test_cg_solves_right_hand_sides_of_any_size(gram, scale):
    # Norms of 1e155 overflowed and of 1e-300 underflowed: every column looked
    # converged at x = 0, and the fit returned an all-zero model.
    _, K = gram
    A = K + np.eye(len(K))
    B = np.random.default_rng(0).normal(size=(len(K), 2))
    X, n_iter, converged = conjugate_gradient(lambda V, columns: A @ V, B * scale, tol=1e-12)
    assert converged.all() and n_iter > 1
    np.testing.assert_allclose(X / scale, np.linalg.solve(A, B), rtol=1e-9)


@pytest.mark.parametrize("scale", [1e155, 1e-300])
def test_iterative_ridge_solvers_scale_with_the_targets(scale):
    from skkernel import KernelRidge, NystroemRidge

    X = np.random.default_rng(0).normal(size=(80, 3))
    y = np.sin(X[:, 0])
    for model in (
        KernelRidge(kernel="rbf", solver="cg", tol=1e-10),
        NystroemRidge(n_components=40, random_state=0),
    ):
        unit = model.fit(X, y).predict(X[:5])
        np.testing.assert_allclose(model.fit(X, y * scale).predict(X[:5]) / scale, unit, rtol=1e-8)


@pytest.mark.parametrize("n", [1, 2, 255, 257, 600])
def test_symmetrize_in_place_is_the_mean_with_the_transpose(n):
    from skkernel._linalg import symmetrize

    A = np.random.default_rng(n).normal(size=(n, n))
    expected = (A + A.T) / 2
    out = symmetrize(A)
    assert out is A
    np.testing.assert_array_equal(A, expected)
    np.testing.assert_array_equal(A, A.T)


def test_cg_solves_with_every_column_active_and_with_some():
    # While every column is active CG now works on the arrays themselves (fancy
    # indexing copied them twice a statement: 80% of the time with 500 right-hand
    # sides); a column inactive from the start takes the indexed path.
    from skkernel._linalg._cg import conjugate_gradient

    rng = np.random.default_rng(0)
    G = rng.normal(size=(60, 60))
    A = G @ G.T + 60 * np.eye(60)
    B = rng.normal(size=(60, 7))
    B[:, 3] = 0.0  # a column inactive from the start: indexed by the active ones
    for columns in (B, B[:, [0, 1, 2, 4]]):
        X, _, converged = conjugate_gradient(lambda V, c: A @ V, columns.copy(), tol=1e-12)
        assert converged.all()
        np.testing.assert_allclose(A @ X, columns, atol=1e-9)


@pytest.mark.parametrize("weighted", [False, True])
def test_falkon_preconditioner_is_exact_when_every_point_is_a_center(weighted):
    # With every point a center (K_nM = K_MM) and D = W / n_w, K_nM^T W K_nM is
    # K_MM D K_MM n_w exactly: B^T H B / n_w is the identity (Rudi et al.'s design).
    from skkernel._linalg._falkon import FalkonPreconditioner

    X = np.random.default_rng(0).normal(size=(60, 2))
    K = kernels.RBF(gamma=0.5)(X) + 1e-3 * np.eye(60)
    w = np.random.default_rng(1).uniform(0.2, 3.0, size=60) if weighted else np.ones(60)
    alpha = 0.1
    preconditioner = FalkonPreconditioner(
        K, alpha / w.sum(), center_weights=w / w.sum() if weighted else None
    )
    B = preconditioner.apply(np.eye(60))
    H = K @ (w[:, None] * K) + alpha * K
    np.testing.assert_allclose(B.T @ H @ B / w.sum(), np.eye(60), rtol=0, atol=1e-8)
    np.testing.assert_allclose(preconditioner.apply_transpose(np.eye(60)), B.T, atol=1e-10)


@pytest.mark.parametrize("restarts", [3, 0])
def test_cg_restarts_from_the_true_residual_when_the_recurrence_drifted(restarts, monkeypatch):
    # Products that are 1% off for a while (a kernel pass in float32, say) leave the
    # recurrence residual below tol while the true one is not: CG restarts from the
    # true residual and converges; without restarts it stops short and says so.
    from sklearn.exceptions import ConvergenceWarning

    from skkernel._linalg import _cg

    monkeypatch.setattr(_cg, "_MAX_RESTARTS", restarts)
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(40, 40)))
    A = (Q * np.linspace(1.0, 20.0, 40)) @ Q.T
    b = rng.normal(size=(40, 1))
    calls = []

    def drifting(V, columns):
        calls.append(1)
        return A @ V * (1.01 if len(calls) <= 25 else 1.0)

    if restarts:
        x, _, converged = conjugate_gradient(drifting, b, tol=1e-10, max_iter=500)
        assert converged.all()
        np.testing.assert_allclose(A @ x, b, rtol=0, atol=1e-8)
    else:
        with pytest.warns(ConvergenceWarning, match="stalled"):
            _, _, converged = conjugate_gradient(drifting, b, tol=1e-10, max_iter=500)
        assert not converged.any()
