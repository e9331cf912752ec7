"""Functions of a symmetric matrix and the top eigenpairs: against a dense
eigendecomposition, on arrays and on operators that only multiply."""

import numpy as np
import pytest
from scipy import linalg
from scipy.sparse.linalg import aslinearoperator

from skkernel import kernels
from skkernel._linalg import (
    EigenFunction,
    PolynomialFunction,
    ResolventFunction,
    TruncationFunction,
    top_eigenpairs,
    transformed_ridge,
)


@pytest.fixture(scope="module")
def T():
    """A normalised RBF Gram matrix over N: symmetric PSD, top eigenvalue 1."""
    X = np.random.default_rng(0).normal(size=(120, 2))
    W = kernels.RBF(gamma=1.0)(X)
    d = W.sum(axis=1)
    return W / np.sqrt(np.outer(d, d))


def spectral_reference(T, s):
    lam, U = linalg.eigh(T)
    return (U * s(lam)) @ U.T


def operator(T):
    """T behind products only, as kernel operators and graphs give it."""
    return aslinearoperator(T)


FUNCTIONS = [
    pytest.param(PolynomialFunction([0, 1.0]), lambda lam: lam**2, id="lam^2"),
    pytest.param(
        PolynomialFunction([0.5, 0, 2.0]), lambda lam: 0.5 * lam + 2 * lam**3, id="0.5lam+2lam^3"
    ),
    pytest.param(PolynomialFunction([0, 0, 0, 1.0]), lambda lam: lam**4, id="lam^4"),
    pytest.param(ResolventFunction(0.8), lambda lam: lam / (1 - 0.8 * lam), id="invlap0.8"),
    pytest.param(
        EigenFunction(lambda lam: lam**2 / (1 + lam)), lambda lam: lam**2 / (1 + lam), id="callable"
    ),
]


@pytest.mark.parametrize("function, s", FUNCTIONS)
@pytest.mark.parametrize("as_operator", [False, True], ids=["array", "operator"])
def test_apply_and_ratio_are_the_spectral_function(T, function, s, as_operator):
    if as_operator and isinstance(function, EigenFunction):
        with pytest.raises(TypeError, match="dense eigendecomposition"):
            function.fit(operator(T))
        return
    if as_operator and isinstance(function, ResolventFunction):
        function = ResolventFunction(function.eta, tol=1e-14)
    function.fit(operator(T) if as_operator else T)
    V = np.random.default_rng(1).normal(size=(T.shape[0], 3))
    expected = spectral_reference(T, s) @ V
    np.testing.assert_allclose(
        function.apply(V), expected, rtol=0, atol=1e-10 * np.abs(expected).max()
    )
    # r(lam) = s(lam) / lam: T r(T) = s(T).
    np.testing.assert_allclose(
        T @ function.ratio(V), expected, rtol=0, atol=1e-10 * np.abs(expected).max()
    )


def test_kernel_pca_is_the_projection_on_the_top_eigenvectors(T):
    d = 6
    lam, U = linalg.eigh(T)
    U_d = U[:, -d:]
    function = TruncationFunction(d, eigen_solver="dense").fit(T)
    V = np.random.default_rng(1).normal(size=(T.shape[0], 2))
    np.testing.assert_allclose(function.apply(V), U_d @ (U_d.T @ V), atol=1e-12)
    np.testing.assert_allclose(function.eigenvalues_, lam[::-1][:d], atol=1e-13)


@pytest.mark.parametrize("method", ["arpack", "lobpcg", "randomized"])
def test_iterative_eigensolvers_find_the_top_eigenpairs(T, method):
    expected = linalg.eigvalsh(T)[::-1][:5]
    w, U, n_products = top_eigenpairs(
        operator(T), 5, method=method, tol=1e-10, random_state=0, n_iter=30
    )
    assert n_products > 0
    np.testing.assert_allclose(w, expected, atol=1e-7)
    np.testing.assert_allclose(U.T @ U, np.eye(5), atol=1e-8)
    np.testing.assert_allclose(T @ U, U * w, atol=1e-5)


def test_eigensolver_errors():
    with pytest.raises(ValueError, match="n_components must be in"):
        top_eigenpairs(np.eye(3), 4, method="dense")
    with pytest.raises(ValueError, match="at most n - 1"):
        top_eigenpairs(np.eye(3), 3, method="arpack")
    with pytest.raises(TypeError, match="dense array"):
        top_eigenpairs(aslinearoperator(np.eye(3)), 1, method="dense")


@pytest.mark.parametrize("as_operator", [False, True], ids=["array", "operator"])
def test_inverse_laplacian_refuses_eta_at_or_above_one_over_lambda_max(T, as_operator):
    with pytest.raises(ValueError, match="eta=1.2 is not below 1 / lambda_max"):
        ResolventFunction(1.2).fit(operator(T) if as_operator else T)
    with pytest.raises(ValueError, match="not below"):
        ResolventFunction(0.5).on_spectrum(np.array([0.1, 2.5]))


def test_callable_must_be_non_negative_and_finite(T):
    with pytest.raises(ValueError, match="negative on the spectrum"):
        EigenFunction(lambda lam: lam - 0.5).fit(T)
    with pytest.raises(ValueError, match="NaN or infinity"):
        EigenFunction(lambda lam: np.full_like(lam, np.inf)).fit(T)
    with pytest.raises(ValueError, match="elementwise"):
        EigenFunction(lambda lam: 1.0).fit(T)
    # s = lam r(lam) vanishes at 0: s = 1 or lam + 0.01 gave coefficients of 4e9.
    for s in (np.ones_like, lambda lam: lam + 0.01):
        with pytest.raises(ValueError, match="must vanish at 0"):
            EigenFunction(s).fit(T)
    EigenFunction(np.sqrt).fit(T)


@pytest.mark.parametrize(
    "make",
    [
        lambda: PolynomialFunction([0, 0, 1.0]),
        lambda: ResolventFunction(0.9, tol=1e-14),
        lambda: TruncationFunction(8, eigen_solver="dense"),
        lambda: EigenFunction(lambda lam: lam**2 / (1 + lam)),
    ],
    ids=["poly", "invlap", "kpca", "callable"],
)
def test_transformed_ridge_matches_the_dense_formula(T, make):
    """(N E^T s(T) E + alpha I) a = Y, theta = r(T) E a, and N T theta = N s(T) E a."""
    N = T.shape[0]
    labeled = np.array([3, 17, 40, 41, 90, 111])
    Y = np.random.default_rng(2).normal(size=(labeled.size, 2))
    alpha = 0.3
    function = make().fit(T)
    K_s = N * function.apply(np.eye(N))
    a = np.linalg.solve(K_s[np.ix_(labeled, labeled)] + alpha * np.eye(labeled.size), Y)
    theta, _ = transformed_ridge(function, labeled, Y, alpha, N, solver="direct")
    np.testing.assert_allclose(N * T @ theta, K_s[:, labeled] @ a, rtol=1e-9, atol=1e-9)
    if not function.spectral:
        theta_cg, n_iter = transformed_ridge(function, labeled, Y, alpha, N, solver="cg", tol=1e-13)
        assert n_iter > 1
        np.testing.assert_allclose(theta_cg, theta, rtol=0, atol=1e-8 * np.abs(theta).max())


@pytest.mark.parametrize("function, s", FUNCTIONS)
@pytest.mark.parametrize("form", ["array", "sparse", "operator"])
def test_apply_rows_are_those_rows_of_the_spectral_function(T, function, s, form):
    import scipy.sparse as sp

    if form != "array" and isinstance(function, EigenFunction):
        return  # a dense eigendecomposition: an array only
    if isinstance(function, ResolventFunction):
        function = ResolventFunction(function.eta, tol=1e-14)
    given = {"array": T, "sparse": sp.csr_matrix(T), "operator": operator(T)}[form]
    function.fit(given)
    V = np.random.default_rng(1).normal(size=(T.shape[0], 3))
    rows = np.array([5, 0, 77, 119, 5])
    expected = (spectral_reference(T, s) @ V)[rows]
    np.testing.assert_allclose(function.apply_rows(V, rows), expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("method", ["dense", "arpack", "lobpcg"])
def test_known_eigenpairs_are_deflated(T, method):
    """Two copies of T side by side: every eigenvalue twice, the top one (1) known.
    The known pairs come first; the others are T's own, each twice."""
    n = T.shape[0]
    double = linalg.block_diag(T, T)
    top = linalg.eigh(T)[1][:, -1]
    V0 = np.zeros((2 * n, 2))
    V0[:n, 0], V0[n:, 1] = top, top
    known = (np.ones(2), V0)
    A = double if method == "dense" else operator(double)
    w, U, _ = top_eigenpairs(A, 3, method=method, tol=1e-10, random_state=0, known=known)
    second = linalg.eigvalsh(T)[-2]
    np.testing.assert_allclose(w, [1.0, 1.0, second], atol=1e-8)
    np.testing.assert_allclose(U[:, :2], V0)
    np.testing.assert_allclose(double @ U[:, 2], w[2] * U[:, 2], atol=1e-6)
    w1, U1, n_products = top_eigenpairs(A, 1, method=method, known=known)
    assert n_products == 0 and w1.tolist() == [1.0]


def test_dense_deflation_takes_an_array_a_sparse_matrix_or_an_operator(T):
    # The deflated matrix is formed from T itself (a rank-k update of its copy), as
    # products with the identity formed it: the same eigenpairs whatever T is.
    import scipy.sparse as sp

    top = linalg.eigh(T)[1][:, -1:]
    known = (np.ones(1), top)
    w, U, _ = top_eigenpairs(T, 4, method="dense", known=known)
    expected = linalg.eigvalsh(T)[::-1][:4]
    np.testing.assert_allclose(w, expected, atol=1e-10)
    np.testing.assert_allclose(T @ U, U * w, atol=1e-9)
    for form in (sp.csr_matrix(T), operator(T)):
        w_form, U_form, _ = top_eigenpairs(form, 4, method="dense", known=known)
        np.testing.assert_allclose(w_form, w, atol=1e-12)
        np.testing.assert_allclose(np.abs(U_form.T @ U), np.eye(4), atol=1e-8)
    before = T.copy()
    top_eigenpairs(T, 4, method="dense", known=known)
    np.testing.assert_array_equal(T, before)  # T is not written into
    # A sparse matrix of integers is deflated in float64.
    diagonal = sp.csr_matrix(np.diag(np.arange(6, 0, -1)))
    assert diagonal.dtype.kind == "i"
    w_int, _, _ = top_eigenpairs(diagonal, 3, method="dense", known=(np.r_[6.0], np.eye(6)[:, :1]))
    np.testing.assert_allclose(w_int, [6.0, 5.0, 4.0], atol=1e-12)


def test_deflated_eigenvectors_near_zero_keep_no_share_of_the_known_ones():
    """Known eigenvalue 1 and a cluster of eigenvalues from 1e-4 down to 1e-12: sent
    to 0, the known pair mixed into the cluster's eigenvectors (a residual on T of
    ~1e-9 at eigenvalues of ~1e-8); sent to -1 it stays clear of them."""
    rng = np.random.default_rng(0)
    n = 40
    Q = linalg.qr(rng.normal(size=(n, n)))[0]
    lam = np.r_[1.0, np.logspace(-4, -12, 15), np.zeros(n - 16)]
    T = (Q * lam) @ Q.T
    T = (T + T.T) / 2
    w, U, _ = top_eigenpairs(T, 12, method="dense", known=(lam[:1], Q[:, :1]))
    residual = np.linalg.norm(T @ U - U * w, axis=0)
    assert residual.max() < 1e-14
    np.testing.assert_allclose(w, lam[:12], rtol=1e-6)


def test_kernel_pca_refuses_eigenvalues_it_cannot_resolve():
    """Eigenvalues below 1000 times their eigenpair's residual: the extension
    T u / lam by which rows are predicted would amplify the solver's error."""
    rng = np.random.default_rng(0)
    n = 60
    Q = linalg.qr(rng.normal(size=(n, n)))[0]
    T = (Q * np.r_[np.logspace(0, -15, 20), np.zeros(n - 20)]) @ Q.T
    T = (T + T.T) / 2
    function = TruncationFunction(10, eigen_solver="dense").fit(T)
    assert function.eigenvalues_.size == 10
    with pytest.raises(ValueError, match=r"Only 1\d of the top n_components=18 .* resolved"):
        TruncationFunction(18, eigen_solver="dense").fit(T)
    # LOBPCG to a residual of ~1e-6 resolves fewer: the message says tol may help.
    with pytest.raises(ValueError, match="Lower n_components, or tol"):
        TruncationFunction(10, eigen_solver="lobpcg", tol=1e-6, random_state=0).fit(operator(T))


def test_inverse_laplacian_cg_builds_the_labelled_block_without_nesting(T):
    # Conjugate gradients around the resolvent's own conjugate gradients took one
    # inner solve per outer iteration (STKR at n = 2,000: 75 s instead of 3 s). With
    # room for the labelled rows' blocks, their inner solves share every product.
    import sklearn

    N = T.shape[0]
    labeled = np.arange(0, N, 4)
    Y = np.random.default_rng(2).normal(size=(labeled.size, 1))
    results = {}
    for working_memory in (1024, 0.001):  # room for the blocks; none (nested CG)
        function = ResolventFunction(0.9, tol=1e-13).fit(operator(T))
        with sklearn.config_context(working_memory=working_memory):
            theta, _ = transformed_ridge(
                function, labeled, Y, 0.3, N, solver="cg", tol=1e-12, labelled_block=True
            )
        results[working_memory] = theta, function.n_products_
    (blocked, blocked_products), (nested, nested_products) = results.values()
    np.testing.assert_allclose(blocked, nested, rtol=0, atol=1e-8 * np.abs(nested).max())
    assert blocked_products * 5 < nested_products
