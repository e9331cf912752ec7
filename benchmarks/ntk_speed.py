"""The NTK and NNGP kernels' dense Gram matrices and products as multiples of the
Gaussian kernel's, measured in the same run.

    python benchmarks/ntk_speed.py [--n 4000] [--features 8 50] [--repeats 15]

Each kernel is timed ``--repeats`` times, the kernels interleaved so that a noisy
neighbour on a shared machine slows all of them alike; the table gives the median
and minimum process CPU time (all threads) and both as ratios to the RBF kernel's.
Run with ``NUMBA_NUM_THREADS=1`` for single-thread figures. The issue's target: the
depth-3 NTK Gram matrix within 2x the RBF one's time.
"""

import time

import numpy as np

from skkernel import NNGP, NTK, RBF, KernelOperator
from skkernel.utils.benchmarking import benchmark_parser, format_table

KERNELS = {
    "RBF": RBF,
    "NTK depth 1": lambda: NTK(1),
    "NTK depth 3": lambda: NTK(3),
    "NTK depth 3, erf": lambda: NTK(3, activation="erf"),
    "NNGP depth 3": lambda: NNGP(3),
}


def rows_for(n, d, repeats):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d))
    V = rng.normal(size=(n, 4))
    operators = {name: KernelOperator(make(), X, backend="numba") for name, make in KERNELS.items()}
    jobs = {
        (name, what): (lambda op=op, what=what: op.gram() if what == "Gram" else op @ V)
        for name, op in operators.items()
        for what in ("Gram", "K @ V")
    }
    times = {key: [] for key in jobs}
    for job in jobs.values():
        job()  # compile
    for _ in range(repeats):
        for key, job in jobs.items():
            start = time.process_time()
            job()
            times[key].append(time.process_time() - start)
    rows = []
    for name, what in jobs:
        t, base = times[name, what], times["RBF", what]
        rows.append(
            {
                "d": d,
                "what": what,
                "kernel": name,
                "median s": float(np.median(t)),
                "min s": float(np.min(t)),
                "median vs RBF": float(np.median(t) / np.median(base)),
                "min vs RBF": float(np.min(t) / np.min(base)),
            }
        )
    return rows


def main(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--features", type=int, nargs="+", default=[8, 50])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    rows = [row for d in args.features for row in rows_for(args.n, d, args.repeats)]
    rows.sort(key=lambda row: (row["d"], row["what"] != "Gram"))
    columns = ["d", "what", "kernel", "median s", "min s", "median vs RBF", "min vs RBF"]
    print(format_table(rows, columns))


if __name__ == "__main__":
    main()
