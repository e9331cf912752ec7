"""Gaussian K(X, X) @ v on the numba, blocked-numpy and KeOps-CPU backends: time and memory.

Each measurement runs in a fresh process, so peak memory belongs to that product
alone: the process builds its data, warms up (numba and KeOps compile on a small
slice), resets its peak-RSS counter (Linux /proc/self/clear_refs) and then runs the
product. Speed-ups are ratios against the numpy backend measured in the same run.

    python benchmarks/kernel_products.py                # n = 50,000, d = 3 and 50
    python benchmarks/kernel_products.py --n 20000 --repeat 1
"""

import argparse
import json
import subprocess
import sys


def child(backend, n, d, dtype, repeat):
    import numpy as np

    from skkernel.utils.benchmarking import peak_rss_bytes, reset_peak_rss, time_product

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d)).astype(dtype)
    v = rng.normal(size=n).astype(dtype)
    from skkernel import KernelOperator

    KernelOperator("rbf", X[:64], backend=backend) @ v[:64]  # compile outside the measurement
    before = peak_rss_bytes()
    reset_peak_rss()
    seconds = time_product(backend, X, v, repeat=repeat)
    peak = peak_rss_bytes()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rss_before_mb": before / 2**20,
                "peak_mb": peak / 2**20,
                "extra_mb": (peak - before) / 2**20,
                "inputs_mb": (X.nbytes + v.nbytes) / 2**20,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
            print(format_table(rows[-len(results) :], list(rows[-1])), flush=True)
    print(
        f"\nGaussian K(X, X) @ v, n = m = {args.n}; best of {args.repeat}; "
        "extra_mb = peak RSS during the product minus RSS before it"
    )
    print(
        format_table(
            rows, ["backend", "d", "dtype", "seconds", "speedup_vs_numpy", "extra_mb", "inputs_mb"]
        )
    )


if __name__ == "__main__":
    main()
