"""KernelSVC against SVC(kernel=callable): building the kernel matrix, fit, predict.

scikit-learn's SVC with a callable kernel calls it once on (X, X) in ``fit`` and on
(X_test, X) in ``predict``, and hands the matrices to libsvm; KernelSVC builds the
training matrix with the engine (numba's fused pass here) and, to predict, only the
columns of the support vectors. The libsvm part is the same, so the fit ratio is the
kernel matrix's. Each time is the best of ``--repeat`` runs; ratios are against the
callable measured in the same run (the machine is shared and noisy).

Callables: scikit-learn's ``rbf_kernel``; for the NTK (3 hidden ReLU layers), the
numpy reference of ``skkernel.NTK`` (a vectorised numpy implementation, what a
callable written by hand would be) and, with ``--neural-tangents``, neural-tangents'
``kernel_fn`` under ``jax.jit`` (needs neural-tangents 0.6.5 and jax).

    python benchmarks/kernel_svc.py
    python benchmarks/kernel_svc.py --n 2000 5000 --d 20 --neural-tangents
"""

import functools
import sys
import time
import types

import numpy as np
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.svm import SVC

from skkernel import NTK, RBF, KernelOperator
from skkernel.svm import KernelSVC
from skkernel.utils.benchmarking import benchmark_parser, format_table


def best_time(function, repeat):
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return min(times)


def neural_tangents_ntk(depth):
    """neural-tangents' NTK of the same network, jitted (float64)."""
    sys.modules.setdefault(
        "neural_tangents.experimental", types.ModuleType("neural_tangents.experimental")
    )
    import jax

    jax.config.update("jax_enable_x64", True)
    from neural_tangents import stax

    layers = [part for _ in range(depth) for part in (stax.Dense(512, W_std=2**0.5), stax.Relu())]
    kernel_fn = jax.jit(stax.serial(*layers, stax.Dense(1, W_std=2**0.5))[2], static_argnames="get")
    return lambda A, B: np.asarray(kernel_fn(A, B, get="ntk"))


def measure(kernel, function, X, y, X_test, repeat):
    """Times of KernelSVC and of SVC(kernel=function): matrix, fit, predict."""
    KernelOperator(kernel, X[:64]).gram()  # compile outside the measurement
    function(X[:64], X[:64])
    ours = KernelSVC(C=1.0, kernel=kernel)
    theirs = SVC(C=1.0, kernel=function)
    times = {
        "gram": best_time(lambda: KernelOperator(kernel, X).gram(), repeat),
        "callable gram": best_time(lambda: function(X, X), repeat),
        "fit": best_time(lambda: ours.fit(X, y), repeat),
        "callable fit": best_time(lambda: theirs.fit(X, y), repeat),
        "predict": best_time(lambda: ours.predict(X_test), repeat),
        "callable predict": best_time(lambda: theirs.predict(X_test), repeat),
    }
    agree = float(np.mean(ours.predict(X_test) == theirs.predict(X_test)))
    return times, agree


def main():
    parser = benchmark_parser(__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[2000, 5000])
    parser.add_argument("--d", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--neural-tangents", action="store_true")
    args = parser.parse_args()

    rows = []
    for n in args.n:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(n, args.d))
        y = (X[:, 0] * X[:, 1] + np.sin(X[:, 2]) + 0.3 * rng.normal(size=n) > 0).astype(int)
        X_test = rng.normal(size=(n, args.d))
        gamma = 1.0 / args.d
        cases = [
            ("rbf", RBF(gamma), "sklearn rbf_kernel", functools.partial(rbf_kernel, gamma=gamma)),
            ("ntk depth 3", NTK(3), "numpy NTK", NTK(3)),
        ]
        if args.neural_tangents:
            cases.append(("ntk depth 3", NTK(3), "neural-tangents (jit)", neural_tangents_ntk(3)))
        for name, kernel, callable_name, function in cases:
            times, agree = measure(kernel, function, X, y, X_test, args.repeat)
            rows.append(
                {
                    "kernel": name,
                    "n": n,
                    "callable": callable_name,
                    "gram s": times["gram"],
                    "callable gram s": times["callable gram"],
                    "gram speed-up": times["callable gram"] / times["gram"],
                    "fit speed-up": times["callable fit"] / times["fit"],
                    "predict speed-up": times["callable predict"] / times["predict"],
                    "same predictions": agree,
                }
            )
            print(format_table(rows[-1:], list(rows[-1])), flush=True)
    print()
    print(format_table(rows, list(rows[0])))


if __name__ == "__main__":
    main()
