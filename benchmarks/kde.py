"""Exact kernel density estimation against scikit-learn's KernelDensity(rtol=0).

n = m = 100,000 points of N(0, I_d), Scott bandwidth (scikit-learn's rule), d = 2
and 10 by default, all in one run:

- skkernel KernelDensity, Gaussian kernel, on all m queries (the fused engine);
- scikit-learn KernelDensity(rtol=0, atol=0) on a subset of the queries, timed and
  extrapolated linearly to m (every method here costs the same per query);
- the Laplacian kernel ``exp(-||x - y||_1 / h)``: the exact dominance sums
  (algorithm="auto") on all queries, against the fused brute force
  (algorithm="brute") on a subset, extrapolated;
- the error of each against a float64 brute-force reference (direct differences,
  scipy's cdist) on the first ``--reference`` queries: the largest relative error of
  the density.

CPU seconds are summed over threads (``time.process_time``): on a shared machine
they are steadier than wall time; both are printed. Ratios are against the
baselines of the same run.

    python benchmarks/kde.py                       # d = 2 and 10, n = m = 100,000
    python benchmarks/kde.py --n 20000 --dims 2    # quicker
"""

import time

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.neighbors import KernelDensity as SklearnKernelDensity

from skkernel.density import KernelDensity, bandwidth_rule
from skkernel.kernels import DensityKernel
from skkernel.utils.benchmarking import benchmark_parser, format_table


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def reference_log_density(kernel, X, Y, h):
    """float64 brute force by direct differences, a block of queries at a time."""
    metric = "cityblock" if kernel == "laplacian" else "sqeuclidean"
    out = np.empty(len(Y))
    for start in range(0, len(Y), 100):
        D = cdist(Y[start : start + 100], X, metric)
        K = np.exp(-D / h) if kernel == "laplacian" else np.exp(-0.5 * D / h**2)
        out[start : start + 100] = np.log(K.mean(axis=1))
    return out + DensityKernel(kernel, h).log_norm(X.shape[1])


def max_relative_error(log_density, reference):
    return float(np.max(np.abs(np.expm1(log_density - reference))))


def row(method, d, measured, n_queries, wall, cpu, error, fit=(0.0, 0.0)):
    """A table row; ``wall`` and ``cpu`` time ``measured`` queries and are scaled to
    all of them, the ``fit`` (wall, cpu) of a subsampled method is added once."""
    scale = n_queries / measured
    return {
        "method": method,
        "d": d,
        "measured queries": measured,
        "wall s": wall + fit[0],
        "cpu s": cpu + fit[1],
        "wall s (all queries)": wall * scale + fit[0],
        "cpu s (all queries)": cpu * scale + fit[1],
        "max rel err": error,
    }


def run(d, n, sklearn_queries, brute_queries, reference_queries, skip_sklearn):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d))
    Y = np.random.default_rng(1).normal(size=(n, d))
    h = bandwidth_rule("scott", n, d)
    R = reference_queries
    rows = []

    # Compile the numba code outside the measurements.
    KernelDensity(bandwidth=h).fit(X[:500]).score_samples(Y[:50])
    KernelDensity(bandwidth=h, kernel="laplacian").fit(X[:5000]).score_samples(Y[:5000])

    reference = reference_log_density("gaussian", X, Y[:R], h)
    ours, wall, cpu = timed(lambda: KernelDensity(bandwidth=h).fit(X).score_samples(Y))
    rows.append(
        row("skkernel gaussian", d, n, n, wall, cpu, max_relative_error(ours[:R], reference))
    )
    if not skip_sklearn:
        q = sklearn_queries
        sk = SklearnKernelDensity(bandwidth=h, rtol=0, atol=0)
        _, *fit = timed(lambda: sk.fit(X))  # its tree, built once whatever the queries
        theirs, wall, cpu = timed(lambda: sk.score_samples(Y[:q]))
        error = max_relative_error(theirs[: min(q, R)], reference[: min(q, R)])
        rows.append(row("sklearn gaussian rtol=0", d, q, n, wall, cpu, error, fit))

    if d <= 3:
        reference = reference_log_density("laplacian", X, Y[:R], h)
        kde = KernelDensity(bandwidth=h, kernel="laplacian")
        ours, wall, cpu = timed(lambda: kde.fit(X).score_samples(Y))
        error = max_relative_error(ours[:R], reference)
        rows.append(row("skkernel laplacian (dominance sums)", d, n, n, wall, cpu, error))
        q = brute_queries
        brute = KernelDensity(bandwidth=h, kernel="laplacian", algorithm="brute")
        theirs, wall, cpu = timed(lambda: brute.fit(X).score_samples(Y[:q]))
        error = max_relative_error(theirs[: min(q, R)], reference[: min(q, R)])
        rows.append(row("skkernel laplacian brute force", d, q, n, wall, cpu, error))
    return rows, h


def main():
    parser = benchmark_parser(__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="training points = queries")
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 10])
    parser.add_argument(
        "--sklearn-queries",
        type=int,
        nargs="+",
        default=[2000, 500],
        help="queries scikit-learn is timed on, one per dimension",
    )
    parser.add_argument("--brute-queries", type=int, default=20_000)
    parser.add_argument("--reference", type=int, default=500)
    parser.add_argument("--skip-sklearn", action="store_true")
    args = parser.parse_args()
    all_rows = []
    for i, d in enumerate(args.dims):
        q = args.sklearn_queries[min(i, len(args.sklearn_queries) - 1)]
        rows, h = run(d, args.n, q, args.brute_queries, args.reference, args.skip_sklearn)
        by_method = {r["method"]: r for r in rows}
        ours = by_method["skkernel gaussian"]
        if "sklearn gaussian rtol=0" in by_method:
            sk = by_method["sklearn gaussian rtol=0"]
            for key in ("cpu", "wall"):
                ours[f"{key} speed-up"] = (
                    sk[f"{key} s (all queries)"] / ours[f"{key} s (all queries)"]
                )
        if "skkernel laplacian brute force" in by_method:
            fast = by_method["skkernel laplacian (dominance sums)"]
            brute = by_method["skkernel laplacian brute force"]
            for key in ("cpu", "wall"):
                fast[f"{key} speed-up"] = (
                    brute[f"{key} s (all queries)"] / fast[f"{key} s (all queries)"]
                )
        for r in rows:
            r.setdefault("cpu speed-up", "")
            r.setdefault("wall speed-up", "")
        print(f"\nd = {d}, n = m = {args.n}, h = {h:.4g} (Scott)", flush=True)
        columns = list(rows[0])
        print(format_table(rows, columns), flush=True)
        all_rows += rows
    columns = [
        "method",
        "d",
        "measured queries",
        "cpu s (all queries)",
        "wall s (all queries)",
        "cpu speed-up",
        "wall speed-up",
        "max rel err",
    ]
    print("\nSpeed-ups: gaussian against scikit-learn, laplacian dominance sums against the")
    print("fused brute force (both extrapolated linearly from the measured queries).")
    print(format_table(all_rows, columns))


if __name__ == "__main__":
    main()
