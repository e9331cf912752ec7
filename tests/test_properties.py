"""Property-based tests: symmetry, diagonals and positive semi-definiteness."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from skkernel import KernelOperator

from ._helpers import ACCELERATED_KERNELS

PSD_KERNELS = [p for p in ACCELERATED_KERNELS if p.values[0].positive_definite]


def point_sets(min_rows=1, max_rows=12):
    return st.integers(1, 4).flatmap(
        lambda d: arrays(
            np.float64,
            st.tuples(st.integers(min_rows, max_rows), st.just(d)),
            elements=st.floats(-3, 3, allow_nan=False, width=64),
        )
    )


@pytest.mark.parametrize("kernel", ACCELERATED_KERNELS)
@settings(max_examples=25, deadline=None)
@given(X=point_sets())
def test_gram_matrix_is_symmetric_and_diag_matches(kernel, X):
    K = kernel(X)
    np.testing.assert_allclose(K, K.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(kernel.diag(X), np.diag(K), rtol=1e-12, atol=1e-12)
    op = KernelOperator(kernel, X, backend="numba")
    np.testing.assert_allclose(op.diag(), np.diag(K), rtol=1e-12, atol=1e-12)
    # Products agree with the dense matrix on both sides.
    v = np.linspace(-1, 1, X.shape[0])
    scale = np.abs(K) @ np.abs(v) + 1e-12
    assert np.all(np.abs(op @ v - K @ v) <= 1e-10 * scale)
    assert np.all(np.abs(op.T @ v - K.T @ v) <= 1e-10 * scale)


@pytest.mark.parametrize("kernel", PSD_KERNELS)
@settings(max_examples=25, deadline=None)
@given(X=point_sets(min_rows=2))
def test_gram_matrix_is_positive_semidefinite(kernel, X):
    K = kernel(X)
    smallest = np.linalg.eigvalsh(K)[0]
    assert smallest >= -1e-10 * max(1.0, np.abs(K).max()) * K.shape[0]
