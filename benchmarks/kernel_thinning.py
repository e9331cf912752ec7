"""Kernel thinning next to the reference implementation, goodpoints.

    python benchmarks/kernel_thinning.py --methods compress++  # d = 2, 10; n = 2^12, 2^14, 2^16
    python benchmarks/kernel_thinning.py --methods kt --n 4096 16384 65536
    python benchmarks/kernel_thinning.py --d 2 --n 4096 --seeds 5
    python benchmarks/kernel_thinning.py --methods compress++ kt target-kt kt+

X ~ N(0, I_d), RBF kernel exp(-|x - y|^2 / (2 d)), coresets of sqrt(n) points.
Rows: iid subsampling (the baseline: root-mean-square MMD over 10 draws), then each
method from skkernel and, where it has it, goodpoints (``pip install goodpoints``;
not a dependency of skkernel). The same MMD code (skkernel.thinning.mmd) scores
every coreset. MMD and seconds are means over ``--seeds`` data sets (10 by
default: one coreset's MMD varies by ~15% between data sets, so 3 cannot tell two
implementations of one method apart), "± se" the MMD's standard error; "time vs
gp" is skkernel's time over goodpoints' for the same method in the same run.

goodpoints' KT either stores the n x n kernel matrix (``store_K=True``, used while it
takes at most 4 GB) or walks in pure Python (``store_K=False``); the latter is slow,
so it runs only up to ``--goodpoints-kt-max-n``.
"""

import importlib.util
import time

import numpy as np

from skkernel import KernelThinning
from skkernel.thinning import mmd
from skkernel.utils.benchmarking import benchmark_parser, format_table

_STORE_K_MAX_BYTES = 4e9


def goodpoints_runner(method, gamma, seed):
    """A function X -> coreset indices running goodpoints' version of ``method``
    (None where goodpoints is not installed or has no such method)."""
    if importlib.util.find_spec("goodpoints") is None:
        return None
    from goodpoints import compress, kt

    def target(y, Z):
        return np.exp(-gamma * np.sum((y - Z) ** 2, axis=1))

    def root(y, Z):
        return np.exp(-2.0 * gamma * np.sum((y - Z) ** 2, axis=1))

    if method == "compress++":
        # goodpoints' Gaussian kernel is exp(-|x - y|^2 / k_param).
        return lambda X: compress.compresspp_kt(
            X, b"gaussian", k_params=np.array([1.0 / gamma]), g=4, delta=0.5, seed=seed
        )
    if method == "kt":

        def run(X):
            rounds = int(np.log2(X.shape[0])) // 2
            store = X.shape[0] ** 2 * 8 <= _STORE_K_MAX_BYTES
            return kt.thin(X, rounds, root, target, delta=0.5, seed=seed, store_K=store)

        return run
    return None


def skkernel_runner(method, gamma, seed):
    return lambda X: KernelThinning(gamma=gamma, method=method, random_state=seed).fit(X).indices_


def timed(run, X):
    start = time.perf_counter()
    indices = run(X)
    return time.perf_counter() - start, np.asarray(indices)


def benchmark(d, n, methods, seeds, goodpoints_kt_max_n):
    gamma = 1.0 / (2 * d)
    size = int(np.sqrt(n))
    KernelThinning(gamma=gamma).fit(np.zeros((64, d)) + np.arange(64)[:, None])  # compile
    cases = [("iid", None)]
    for method in methods:
        cases.append((f"skkernel {method}", lambda s, m=method: skkernel_runner(m, gamma, s)))
        if goodpoints_runner(method, gamma, 0) is not None and not (
            method == "kt" and n > goodpoints_kt_max_n
        ):
            cases.append(
                (f"goodpoints {method}", lambda s, m=method: goodpoints_runner(m, gamma, s))
            )
    results = {name: {"seconds": [], "mmd": []} for name, _ in cases}
    for seed in range(seeds):
        X = np.random.default_rng(seed).normal(size=(n, d))
        rng = np.random.default_rng(1000 + seed)
        draws = [rng.choice(n, size, replace=False) for _ in range(10)]
        coresets = {}
        for name, factory in cases:
            if factory is None:
                continue
            seconds, coresets[name] = timed(factory(seed), X)
            results[name]["seconds"].append(seconds)
        values = mmd(X, [*coresets.values(), *draws], gamma=gamma)
        for name, value in zip(coresets, values, strict=False):
            results[name]["mmd"].append(value)
        results["iid"]["mmd"].append(np.sqrt(np.mean(values[len(coresets) :] ** 2)))
        results["iid"]["seconds"].append(0.0)
    iid = np.mean(results["iid"]["mmd"])
    rows = []
    for name, _ in cases:
        seconds = float(np.mean(results[name]["seconds"]))
        value = float(np.mean(results[name]["mmd"]))
        # The MMD of one coreset varies by ~15% between data sets: its standard
        # error says which differences between methods are real.
        mmds = results[name]["mmd"]
        spread = float(np.std(mmds, ddof=1) / np.sqrt(len(mmds))) if len(mmds) > 1 else 0.0
        reference = name.replace("skkernel", "goodpoints")
        ratio = ""
        if name.startswith("skkernel") and reference in results:
            ratio = seconds / float(np.mean(results[reference]["seconds"]))
        rows.append(
            {
                "d": d,
                "n": n,
                "coreset": size,
                "method": name,
                "seconds": seconds if name != "iid" else "",
                "MMD": value,
                "± se": spread,
                "MMD / iid": value / iid,
                "time vs gp": ratio,
            }
        )
    return rows


def main():
    parser = benchmark_parser(__doc__)
    parser.add_argument("--d", type=int, nargs="+", default=[2, 10])
    parser.add_argument("--n", type=int, nargs="+", default=[2**12, 2**14, 2**16])
    parser.add_argument("--methods", nargs="+", default=["compress++", "kt"])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--goodpoints-kt-max-n", type=int, default=2**14)
    args = parser.parse_args()
    # goodpoints halves n to a power of 4 before thinning to sqrt(n) points, where
    # skkernel keeps round(sqrt(n)): elsewhere the two would be compared at
    # different coreset sizes.
    for n in args.n:
        if 4 ** round(np.log(n) / np.log(4)) != n:
            parser.error(f"--n {n}: use powers of 4 (4096, 16384, ...), for equal coreset sizes")
    if importlib.util.find_spec("goodpoints") is None:
        print("goodpoints is not installed (pip install goodpoints): skkernel rows only")
    columns = ["d", "n", "coreset", "method", "seconds", "MMD", "± se", "MMD / iid", "time vs gp"]
    rows = []
    for d in args.d:
        for n in args.n:
            block = benchmark(d, n, args.methods, args.seeds, args.goodpoints_kt_max_n)
            print(format_table(block, columns), flush=True)
            rows += block
    print()
    print(format_table(rows, columns))


if __name__ == "__main__":
    main()
