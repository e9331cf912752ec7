"""One engine case, timed by process CPU time (all threads) and wall time.

For before/after comparisons of the engine on a shared machine: run each case in a
fresh process against two checkouts, interleaved, and compare the CPU seconds, e.g.

    for case in products-3 products-50 ridge ridge-cg nystroem thinning rff; do
      for tree in ../before .; do
        PYTHONPATH=$tree python benchmarks/engine_ab.py $case
      done
    done

Each case is warmed up once (numba compiles) and timed three times; the minimum is
printed. Only public skkernel API is used, so older checkouts run it too.
"""

import time

import numpy as np

import skkernel
from skkernel.utils.benchmarking import benchmark_parser

CASES = ["products-3", "products-50", "ridge", "ridge-cg", "nystroem", "thinning", "rff"]


def make(case, rng):
    """The zero-argument function that runs ``case`` once."""
    if case.startswith("products"):
        d = int(case.split("-")[1])
        X = rng.normal(size=(20000, d))
        v = rng.normal(size=(20000, 1))
        K = skkernel.KernelOperator(skkernel.RBF(gamma=1.0 / d), X, backend="numba")
        return lambda: K @ v
    if case in ("ridge", "ridge-cg"):
        n = 5000 if case == "ridge" else 20000
        X = rng.normal(size=(n, 20))
        y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=n)
        solver = "cg" if case == "ridge-cg" else "auto"
        model = skkernel.KernelRidge(alpha=1.0, kernel="rbf", gamma=0.05, solver=solver)
        return lambda: model.fit(X, y)
    if case == "nystroem":
        X = rng.normal(size=(100000, 10))
        y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=100000)
        model = skkernel.NystroemRidge(alpha=1e-3, n_components=1000, random_state=0)
        return lambda: model.fit(X, y)
    if case == "thinning":
        X = rng.normal(size=(2**14, 2))
        return lambda: skkernel.KernelThinning(gamma=0.25, random_state=0).fit(X)
    X = rng.normal(size=(100000, 32))
    features = skkernel.RandomFourierFeatures(n_components=2048, random_state=0).fit(X)
    return lambda: features.transform(X)


def main(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument("case", choices=CASES)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    run = make(args.case, np.random.default_rng(0))
    run()  # compile and warm up
    cpu, wall = [], []
    for _ in range(args.repeat):
        c, w = time.process_time(), time.perf_counter()
        run()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    print(f"{args.case} cpu {min(cpu):.3f} wall {min(wall):.3f}")


if __name__ == "__main__":
    main()
