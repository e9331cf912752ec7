"""Gaussian K(X, X) @ v on the numba, blocked-numpy and KeOps-CPU backends: time and memory.

Each measurement runs in a fresh process, so peak memory belongs to that product
alone: the process builds its data, warms up (numba and KeOps compile on a small
slice), resets its peak-RSS counter (Linux /proc/self/clear_refs) and then runs the
product. Speed-ups are ratios against the numpy backend measured in the same run.

    python benchmarks/kernel_products.py                # n = 50,000, d = 3 and 50
    python benchmarks/kernel_products.py --n 20000 --repeat 1
"""

import json
import subprocess
import sys

from skkernel.utils.benchmarking import benchmark_parser


def child(backend, n, d, dtype, repeat):
    import numpy as np

    from skkernel.utils.benchmarking import measure_peak_increase, time_product

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d)).astype(dtype)
    v = rng.normal(size=n).astype(dtype)
    from skkernel import KernelOperator

    KernelOperator("rbf", X[:64], backend=backend) @ v[:64]  # compile outside the measurement
    seconds, added = measure_peak_increase(lambda: time_product(backend, X, v, repeat=repeat))
    print(
        json.dumps(
            {
                "seconds": seconds,
                # None (null) where /proc is not there to measure it.
                "extra_mb": None if added is None else added / 2**20,
                "inputs_mb": (X.nbytes + v.nbytes) / 2**20,
            }
        )
    )


def main():
    parser = benchmark_parser(__doc__)
    parser.add_argument("--n", type=int, default=50000)
    parser.add_argument("--d", type=int, nargs="+", default=[3, 50])
    parser.add_argument("--dtype", nargs="+", default=["float64", "float32"])
    parser.add_argument("--backend", nargs="+", default=["numpy", "numba", "keops"])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", nargs=4, metavar=("BACKEND", "N", "D", "DTYPE"))
    args = parser.parse_args()
    if args.child:
        backend, n, d, dtype = args.child
        child(backend, int(n), int(d), dtype, args.repeat)
        return

    from skkernel.utils.benchmarking import format_table

    rows = []
    for d in args.d:
        for dtype in args.dtype:
            results = {}
            for backend in args.backend:
                cmd = [
                    sys.executable,
                    __file__,
                    "--repeat",
                    str(args.repeat),
                    "--child",
                    backend,
                    str(args.n),
                    str(d),
                    dtype,
                ]
                out = subprocess.run(cmd, capture_output=True, text=True)
                if out.returncode != 0:
                    print(f"{backend} d={d} {dtype} failed:\n{out.stderr}", file=sys.stderr)
                    continue
                results[backend] = json.loads(out.stdout.strip().splitlines()[-1])
            base = results.get("numpy", {}).get("seconds")
            for backend, r in results.items():
                rows.append(
                    {
                        "backend": backend,
                        "d": d,
                        "dtype": dtype,
                        **r,
                        "speedup_vs_numpy": base / r["seconds"] if base else float("nan"),
                    }
                )
            if results:  # every backend may have failed for this d and dtype
                print(format_table(rows[-len(results) :], list(rows[-1])), flush=True)
    print(
        f"\nGaussian K(X, X) @ v, n = m = {args.n}; best of {args.repeat}; "
        "extra_mb = peak RSS during the product over the RSS before it"
    )
    print(
        format_table(
            rows, ["backend", "d", "dtype", "seconds", "speedup_vs_numpy", "extra_mb", "inputs_mb"]
        )
    )


if __name__ == "__main__":
    main()
