"""The skkernel command line: ``python -m skkernel`` or ``skkernel``.

Commands
--------
fit
    A kernel model for a CSV table: the task (classification or regression) from the
    target column, imputation, standardisation and one-hot encoding inside the saved
    pipeline, cross-validation on shuffled folds, the fit on every row, the model saved
    with joblib.
predict
    Predict a CSV file with a saved pipeline.
density
    Log-densities of a table's rows from an exact KDE or its differentially private
    release.
thin
    A kernel-thinning coreset of a table's rows.
demo
    skkernel next to what a scikit-learn user would run instead, for every family.
backends
    Which backends can run here, which one "auto" picks, and why the others cannot.
bench
    Time the Gaussian kernel product K(X, X) @ v on every available backend.

Every mistake (a missing file, an unknown column, an option out of range) is one line
on standard error and a non-zero exit status, checked before any fitting; a broken
pipe (``skkernel predict ... | head``) ends quietly. This module imports only the
standard library at first, so ``skkernel --version`` and ``--help`` are immediate.
"""

import argparse
import os
import sys

from .._version import __version__
from ._models import MODELS


def _run_fit(args, report):
    from ._fit import run_fit

    return run_fit(args, report)


def _run_predict(args, report):
    from ._fit import run_predict

    return run_predict(args, report)


def _run_density(args, report):
    from ._data_tools import run_density

    return run_density(args, report)


def _run_thin(args, report):
    from ._data_tools import run_thin

    return run_thin(args, report)


def _run_demo(args, report):
    from ._demo import run_demo

    return run_demo(mode=args.mode, report=report)


def _run_bench(args, report):
    from ..utils.benchmarking import format_table
    from ._bench import compare_backends, speedup_note

    if args.n < 64:
        raise ValueError("--n must be at least 64")
    if args.repeat < 1:
        raise ValueError("--repeat must be at least 1")
    report.stage(f"Gaussian K(X, X) @ v, n = {args.n}, best of {args.repeat} (after a warm-up)")
    sizes = {"n": args.n, "dims": args.d, "dtypes": args.dtype, "repeat": args.repeat}
    rows = compare_backends(**sizes, backends=args.backend, seed=args.seed)
    report.output(format_table(rows, ["backend", "d", "dtype", "seconds", "speedup"]))
    report.output(speedup_note(args.backend))
    return {"rows": rows}


def _run_backends(args, report):
    from .._accel import backend_status, show_backends

    if report.as_json:
        return backend_status()
    show_backends()
    return None


def _columns(parser):
    parser.add_argument("--features", nargs="+", metavar="COL", help="use only these columns")
    parser.add_argument("--drop", nargs="+", default=[], metavar="COL", help="leave out columns")


def _output_options(parser, seed_help="random seed (default 0)", verbose=True):
    """--quiet/--verbose/--json, and --seed where ``seed_help`` (None: the command
    draws nothing at random)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--quiet", action="store_true", help="print only errors, warnings and the result"
    )
    if verbose:
        group.add_argument("--verbose", action="store_true", help="also print per-step progress")
    group.add_argument("--json", action="store_true", help="print only the result, as JSON")
    if seed_help is not None:
        parser.add_argument("--seed", type=int, default=0, help=seed_help)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skkernel", description="scikit-learn compatible kernel methods that scale."
    )
    parser.add_argument("--version", action="version", version=f"skkernel {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    fit = commands.add_parser(
        "fit",
        help="fit a kernel model on a CSV table",
        description="Classification when the target holds text, booleans or at most 10 "
        "distinct whole numbers; regression otherwise (--task overrides). Text columns "
        "are one-hot encoded and missing values imputed inside the saved pipeline.",
    )
    fit.add_argument("data", help="CSV file with a header row")
    fit.add_argument("--target", required=True, help="column to predict")
    fit.add_argument(
        "--task",
        choices=["auto", "classification", "regression"],
        default="auto",
        help="override the task the target's values suggest",
    )
    fit.add_argument(
        "--model",
        choices=list(MODELS),
        default="auto",
        help="; ".join(f"{name}: {desc}" for name, desc in MODELS.items()),
    )
    fit.add_argument(
        "--kernel", default=None, help="kernel name (default rbf, knn for stkr; svm: ntk too)"
    )
    fit.add_argument(
        "--alpha",
        type=float,
        nargs="+",
        default=None,
        help="ridge penalty (default 1.0), or the penalties krr-cv chooses from (default 30 "
        "values from 1e-4 to 100)",
    )
    fit.add_argument("--C", type=float, default=1.0, help="SVM penalty of --model svm (default 1)")
    fit.add_argument(
        "--gamma",
        type=float,
        default=None,
        help=(
            "kernel gamma (default 1/n_features; svm: 1/(n_features * X.var()); "
            "stkr knn: of the edge weights, 1/r^2 from the data)"
        ),
    )
    fit.add_argument(
        "--n-components",
        type=int,
        default=1000,
        help="Nystroem centers of --model nystroem (default 1000)",
    )
    fit.add_argument(
        "--cv", type=int, default=5, help="folds of the reported CV score (default 5; 0: skip)"
    )
    fit.add_argument("--backend", default="auto", help="kernel product backend (default auto)")
    fit.add_argument("--out", required=True, help="where to save the fitted pipeline (joblib)")
    _columns(fit)
    _output_options(fit)
    fit.set_defaults(run=_run_fit)

    predict = commands.add_parser("predict", help="predict a CSV file with a saved model")
    predict.add_argument("model", help="model file saved by 'skkernel fit'")
    predict.add_argument("data", help="CSV file with the model's feature columns")
    predict.add_argument("--out", default=None, help="CSV file to write (default: stdout)")
    _output_options(predict, seed_help=None, verbose=False)
    predict.set_defaults(run=_run_predict)

    density = commands.add_parser(
        "density", help="log-densities of a table's rows (exact KDE, or a private release)"
    )
    density.add_argument("data", help="CSV file; numeric columns")
    density.add_argument(
        "--kernel",
        default="gaussian",
        help="gaussian, tophat, epanechnikov, exponential, linear, cosine or laplacian",
    )
    density.add_argument(
        "--bandwidth",
        default="scott",
        help="a number, scott or silverman (default scott; in standardised columns, or "
        "in the --bounds' [0, 1] or the raw columns' units for --private)",
    )
    density.add_argument(
        "--query",
        default=None,
        help="CSV of rows to score (default: the data; --private needs public rows here)",
    )
    density.add_argument(
        "--private",
        action="store_true",
        help="release a differentially private KDE instead; scores the --query rows",
    )
    # None: not given (refused without --private); a --private release takes 1 and 0.
    density.add_argument(
        "--epsilon", type=float, default=None, help="with --private: privacy budget (default 1)"
    )
    density.add_argument(
        "--delta", type=float, default=None, help="with --private: (epsilon, delta)-DP (default 0)"
    )
    density.add_argument(
        "--raw",
        action="store_true",
        help="use the columns as they are (bandwidth in their units) instead of standardising "
        "them with their mean and standard deviation (--private always does)",
    )
    density.add_argument(
        "--bounds",
        nargs="+",
        metavar="COL=LOW:HIGH",
        help="with --private: a public range for every column; the release scales each "
        "range to [0, 1] (bandwidth in those units) and clips rows into it",
    )
    density.add_argument("--out", default=None, help="CSV file to write (default: stdout)")
    _columns(density)
    _output_options(
        density,
        seed_help="seed of the private release's frequencies and noise (default: fresh "
        "randomness; a seed makes the noise removable, so the release is not private)",
    )
    density.set_defaults(run=_run_density, seed=None)

    thin = commands.add_parser("thin", help="a kernel-thinning coreset of a table's rows")
    thin.add_argument("data", help="CSV file; numeric columns")
    thin.add_argument("--size", type=int, required=True, help="rows in the coreset")
    thin.add_argument("--kernel", default="rbf", help="kernel (default rbf)")
    thin.add_argument(
        "--gamma", type=float, default=None, help="kernel gamma (default 1/n_features)"
    )
    thin.add_argument(
        "--method", default="compress++", help="compress++ (default), kt, target-kt or kt+"
    )
    thin.add_argument("--out", default=None, help="CSV file to write (default: stdout)")
    _columns(thin)
    _output_options(thin)
    thin.set_defaults(run=_run_thin)

    demo = commands.add_parser(
        "demo", help="every family next to what a scikit-learn user would run instead"
    )
    size = demo.add_mutually_exclusive_group()
    size.add_argument(
        "--quick",
        dest="mode",
        action="store_const",
        const="quick",
        help="smaller data, about half a minute",
    )
    size.add_argument(
        "--full",
        dest="mode",
        action="store_const",
        const="full",
        help="larger data, several minutes",
    )
    demo.set_defaults(mode="default")
    _output_options(demo, seed_help=None, verbose=False)
    demo.set_defaults(run=_run_demo)

    backends = commands.add_parser("backends", help="show which backends can run here")
    _output_options(backends, seed_help=None, verbose=False)
    backends.set_defaults(run=_run_backends)

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
    _output_options(bench, seed_help="seed of the timed data (default 0)", verbose=False)
    bench.set_defaults(run=_run_bench)
    for command_parser in commands.choices.values():
        # Errors found after parsing print the command's usage, not skkernel's.
        command_parser.set_defaults(command_parser=command_parser)
    return parser


def _prepare(args, parser):
    """Defaults that depend on other options, and the combinations that cannot work."""
    parser = getattr(args, "command_parser", parser)
    if getattr(args, "json", False) and getattr(args, "out", "") is None:
        parser.error(
            f"{args.command} --json prints its summary as JSON on standard output; give "
            "--out FILE for the rows"
        )
    return args


def main(argv=None):
    parser = build_parser()
    args = _prepare(parser.parse_args(argv), parser)
    from ._report import Reporter

    report = Reporter(
        quiet=getattr(args, "quiet", False),
        verbose=getattr(args, "verbose", False),
        as_json=getattr(args, "json", False),
        # Rows written to standard output keep it to themselves.
        stream=sys.stderr if getattr(args, "out", "") is None else None,
        writes_file=bool(getattr(args, "out", None)),
    )
    try:
        report.result(args.run(args, report))
        sys.stdout.flush()
        return 0
    except BrokenPipeError:
        # The reader went away (`| head`): not an error. Point stdout at devnull so
        # Python's own flush at exit does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"skkernel {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for people, not a traceback
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"skkernel {args.command}: error: {message}", file=sys.stderr)
        return 1
