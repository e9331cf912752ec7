"""The skkernel command line: ``python -m skkernel`` or ``skkernel``.

Commands
--------
backends
    Which backends can run here, which one "auto" picks, and why the others cannot.
bench
    Time the Gaussian kernel product K(X, X) @ v on every available backend and
    print the speed-up over the blocked numpy path, measured in the same run.
"""

import argparse
import sys

from . import __version__
from ._accel import show_backends
from ._bench import compare_backends, format_table


def _bench(args):
    print(f"Gaussian K(X, X) @ v, n = {args.n}, best of {args.repeat} (after a warm-up)")
    rows = compare_backends(
        n=args.n, dims=args.d, dtypes=args.dtype, backends=args.backend, repeat=args.repeat
    )
    print(format_table(rows, ["backend", "d", "dtype", "seconds", "speedup"]))
    print("speedup: blocked numpy time / backend time, same run")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skkernel", description="scikit-learn compatible kernel methods that scale."
    )
    parser.add_argument("--version", action="version", version=f"skkernel {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("backends", help="show which backends can run here")
    bench = commands.add_parser("bench", help="time kernel products on each backend")
    bench.add_argument("--n", type=int, default=20000, help="number of points (default 20000)")
    bench.add_argument("--d", type=int, nargs="+", default=[3, 50], help="numbers of features")
    bench.add_argument(
        "--dtype", nargs="+", default=["float64", "float32"], choices=["float64", "float32"]
    )
    bench.add_argument(
        "--backend", nargs="+", default=None, help="backends to time (default: all available)"
    )
    bench.add_argument("--repeat", type=int, default=3, help="timed repetitions (best is kept)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command == "backends":
        show_backends()
        return 0
    if args.n < 64:
        print("skkernel bench: error: --n must be at least 64", file=sys.stderr)
        return 2
    try:
        return _bench(args)
    except Exception as exc:  # one line for people, not a traceback
        print(f"skkernel bench: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
