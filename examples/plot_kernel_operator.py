"""
The lazy kernel matrix: products without the matrix
===================================================

A :class:`skkernel.KernelOperator` stands for the kernel matrix ``K(X, Y)`` without
forming it: ``K @ V`` runs as one fused, tiled pass on the fastest backend present
(numba on a CPU), holding only the inputs. The scikit-learn way to the same product is
``rbf_kernel(X) @ V``, which first writes all ``n x n`` kernel values to memory.

This example times both as ``n`` grows and shows where the engine wins (products: faster
and with no ``n x n`` memory) and where it does not (a small ridge solve, where one dense
factorisation beats tens of products).
"""

import operator
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.kernel_ridge import KernelRidge as SklearnKernelRidge
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import skkernel


def best_of(repeats, function, *args):
    """The fastest of ``repeats`` timed calls of ``function(*args)`` and the last result
    (a shared machine is noisy)."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function(*args)
        seconds.append(time.perf_counter() - start)
    return min(seconds), result


# %%
# Products: ``K(X, X) @ v`` as ``n`` grows
# ----------------------------------------
# Gaussian kernel, ``d = 8`` features, one right-hand side. The operator is compiled on
# its first product, so each size is timed after one warm-up call.

rng = np.random.default_rng(0)
sizes = [1000, 2000, 4000, 8000]
gamma = 0.1
operator_seconds, dense_seconds = [], []
for n in sizes:
    X = rng.standard_normal((n, 8))
    v = rng.standard_normal((n, 1))
    K = skkernel.KernelOperator(skkernel.RBF(gamma=gamma), X)
    K @ v  # compile and warm up
    lazy_time, lazy = best_of(2, operator.matmul, K, v)
    dense_time, dense = best_of(2, lambda X, v: rbf_kernel(X, gamma=gamma) @ v, X, v)
    assert np.allclose(lazy, dense, rtol=1e-10, atol=1e-10)
    operator_seconds.append(lazy_time)
    dense_seconds.append(dense_time)
    print(
        f"n = {n:5d}: KernelOperator ({K.backend}) {lazy_time:7.3f} s, "
        f"rbf_kernel(X) @ v {dense_time:7.3f} s, {dense_time / lazy_time:4.1f}x; "
        f"the dense matrix holds {n * n * 8 / 2**20:6.1f} MiB"
    )

fig, (ax_time, ax_memory) = plt.subplots(1, 2, figsize=(10, 4))
ax_time.loglog(sizes, dense_seconds, "o-", label="rbf_kernel(X) @ v (scikit-learn)")
ax_time.loglog(sizes, operator_seconds, "s-", label="KernelOperator @ v (skkernel)")
ax_time.set(xlabel="n", ylabel="seconds (best of 2)", title="Time of one product")
ax_time.legend()
ax_memory.loglog(sizes, [n * n * 8 / 2**20 for n in sizes], "o-", label="n x n kernel matrix")
inputs = [n * 8 * 8 / 2**20 for n in sizes]
ax_memory.loglog(sizes, inputs, "s-", label="inputs X (all the operator holds)")
ax_memory.set(xlabel="n", ylabel="MiB", title="Memory the product needs")
ax_memory.legend()
fig.tight_layout()

# %%
# A small ridge solve: where the dense matrix wins
# ------------------------------------------------
# Kernel ridge on scikit-learn's digits (1,347 training rows, ten one-vs-rest targets).
# The 14 MiB kernel matrix fits easily, and one Cholesky factorisation is cheaper than
# the tens of operator products a conjugate-gradient solve needs, so the matrix-free
# solver is the slower one here. It is for the sizes where ``n x n`` does not fit
# (:class:`skkernel.KernelRidge` ``solver="cg"``, :class:`skkernel.NystroemRidge`).

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
targets = np.where(y_train[:, None] == np.arange(10), 1.0, -1.0)

models = {
    "scikit-learn KernelRidge": SklearnKernelRidge(alpha=1e-2, kernel="rbf", gamma=0.01),
    "skkernel KernelRidge (cholesky)": skkernel.KernelRidge(alpha=1e-2, kernel="rbf", gamma=0.01),
    "skkernel KernelRidge (cg)": skkernel.KernelRidge(
        alpha=1e-2, kernel="rbf", gamma=0.01, solver="cg"
    ),
}
predictions = {}
for name, model in models.items():
    seconds, fitted = best_of(1, model.fit, X_train, targets)
    predictions[name] = fitted.predict(X_test)
    accuracy = np.mean(predictions[name].argmax(axis=1) == y_test)
    print(f"{name:32s} accuracy {accuracy:.4f}  fit {seconds:6.2f} s")

reference = predictions["scikit-learn KernelRidge"]
difference = max(np.abs(p - reference).max() for p in predictions.values())
print(f"largest prediction difference: {difference:.2e}")
plt.show()
