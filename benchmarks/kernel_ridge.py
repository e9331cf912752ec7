"""Kernel ridge side by side with scikit-learn: fit time and peak memory.

Each measurement runs in a fresh Python process, so its peak resident memory
(``VmHWM``) belongs to that fit alone; times are reported as ratios to scikit-learn's
KernelRidge fit measured in the same run (the machine is shared and noisy).

    python benchmarks/kernel_ridge.py                    # n = 20,000, d = 20, RBF
    python benchmarks/kernel_ridge.py --n 5000           # quicker
    python benchmarks/kernel_ridge.py --cg-n 200000      # also the matrix-free CG fit
"""

import json
import subprocess
import sys

from skkernel.utils.benchmarking import benchmark_parser, format_table

_CHILD = r"""
import json, sys, time
import numpy as np
from skkernel.utils.benchmarking import peak_rss_bytes

case, n, d, n_alphas = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
cg_alpha = float(sys.argv[5])
rng = np.random.default_rng(0)
X = rng.normal(size=(n, d))
y = np.sin(X[:, 0]) + np.cos(X[:, 1]) + 0.1 * rng.normal(size=n)
before = peak_rss_bytes()
alphas = np.logspace(-4, 2, n_alphas)
if case == "sklearn KernelRidge":
    from sklearn.kernel_ridge import KernelRidge
    model = KernelRidge(alpha=1e-2, kernel="rbf", gamma=1.0 / d)
elif case == "skkernel KernelRidge":
    from skkernel import KernelRidge
    model = KernelRidge(alpha=1e-2, kernel="rbf", gamma=1.0 / d, solver="cholesky")
elif case == "skkernel KernelRidge cg":
    from skkernel import KernelRidge
    model = KernelRidge(alpha=cg_alpha, kernel="rbf", gamma=1.0 / d, solver="cg", tol=1e-3,
                        random_state=0, verbose=1)
    # Compile the numba kernels outside the timed fit.
    KernelRidge(kernel="rbf", solver="cg").fit(X[:100], y[:100])
elif case == "skkernel KernelRidgeCV":
    from skkernel import KernelRidgeCV
    model = KernelRidgeCV(alphas=alphas, kernel="rbf", gamma=1.0 / d)
start = time.perf_counter()
model.fit(X, y)
seconds = time.perf_counter() - start
extra = {"n_iter": int(model.n_iter_)} if hasattr(model, "n_iter_") else {}
peak = peak_rss_bytes()
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1e6, "fit_mb": (peak - before) / 1e6,
                  **extra}))
"""


def run_case(case, n, d, n_alphas, cg_alpha=1.0):
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, case, str(n), str(d), str(n_alphas), str(cg_alpha)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--d", type=int, default=20)
    parser.add_argument("--alphas", type=int, default=30, help="alphas for KernelRidgeCV")
    parser.add_argument("--cg-n", type=int, default=0, help="also fit solver='cg' at this n")
    parser.add_argument("--cg-alpha", type=float, default=1.0, help="alpha of the CG fit")
    parser.add_argument("--skip-dense", action="store_true", help="only the CG fit")
    parser.add_argument(
        "--skip-sklearn-above",
        type=int,
        default=None,
        help="leave sklearn out above this n (scipy 1.17's solve crashes at n = 20,000 here)",
    )
    args = parser.parse_args(argv)
    cases = ["sklearn KernelRidge", "skkernel KernelRidge", "skkernel KernelRidgeCV"]
    rows = []
    if args.skip_sklearn_above is not None and args.n > args.skip_sklearn_above:
        cases = cases[1:]
    for case in [] if args.skip_dense else cases:
        r = run_case(case, args.n, args.d, args.alphas)
        rows.append({"estimator": case, "n": args.n, **r})
    base = rows[0] if rows and rows[0]["estimator"].startswith("sklearn") else None
    for row in rows if base else []:
        row["time vs sklearn"] = row["seconds"] / base["seconds"]
        row["peak vs sklearn"] = row["peak_mb"] / base["peak_mb"]
    if args.cg_n:
        r = run_case("skkernel KernelRidge cg", args.cg_n, args.d, args.alphas, args.cg_alpha)
        rows.append(
            {"estimator": f"skkernel KernelRidge cg (alpha={args.cg_alpha:g})", "n": args.cg_n, **r}
        )
    columns = [
        "estimator",
        "n",
        "seconds",
        "peak_mb",
        "fit_mb",
        "time vs sklearn",
        "peak vs sklearn",
    ]
    print(f"RBF kernel ridge, d = {args.d}, float64; KernelRidgeCV over {args.alphas} alphas")
    print(format_table([{c: row.get(c, "") for c in columns} for row in rows], columns))
    for row in rows:
        if "cg" in row["estimator"]:
            print(f"CG iterations at n = {row['n']}: {row['n_iter']}")


if __name__ == "__main__":
    main()
