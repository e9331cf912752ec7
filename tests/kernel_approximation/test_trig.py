"""The vectorised sine/cosine of the random Fourier features."""

import numpy as np
import pytest

from skkernel.kernel_approximation._trig import MAX_ARGUMENT, cos_sin_into


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_numpy_over_the_reduced_range(dtype):
    rng = np.random.default_rng(0)
    P = np.concatenate(
        [
            rng.uniform(-10, 10, size=(50, 40)),
            rng.uniform(-1e4, 1e4, size=(50, 40)),
            np.pi / 4 * np.arange(-20, 20)[None, :].repeat(2, axis=0),  # quadrant edges
        ]
    ).astype(dtype)
    out = np.empty((P.shape[0], 2 * P.shape[1]), dtype=dtype)
    cos_sin_into(P, out, 0.5)
    atol = 1e-15 if dtype == np.float64 else 1e-7
    P64 = P.astype(np.float64)
    np.testing.assert_allclose(out[:, :40], 0.5 * np.cos(P64), rtol=0, atol=atol * 4)
    np.testing.assert_allclose(out[:, 40:], 0.5 * np.sin(P64), rtol=0, atol=atol * 4)


def test_huge_arguments_fall_back_to_numpy():
    P = np.array([[3.0 * MAX_ARGUMENT, 1.0]])
    out = np.empty((1, 4))
    cos_sin_into(P, out, 1.0)
    np.testing.assert_allclose(out, np.hstack([np.cos(P), np.sin(P)]), rtol=0, atol=1e-15)
