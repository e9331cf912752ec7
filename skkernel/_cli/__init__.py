"""The skkernel command line: ``python -m skkernel`` or ``skkernel``.

Commands
--------
demo
    skkernel next to the scikit-learn estimator a user would otherwise pick, on
    datasets that ship with scikit-learn: score, fit time and peak memory.
fit
    Fit standard scaling + a kernel model on a CSV file, print the cross-validated
    score and the fit time, save the fitted pipeline with joblib.
predict
    Predict a CSV file with a saved pipeline.
backends
    Which backends can run here, which one "auto" picks, and why the others cannot.
bench
    Time the Gaussian kernel product K(X, X) @ v on every available backend and
    print the speed-up over the blocked numpy path, measured in the same run.

Bad input (a missing file, an unknown or non-numeric column, missing values, an
empty file) gets a one-line error and a non-zero exit status, never a traceback.
"""

import argparse
import sys

from .. import __version__
from .._accel import show_backends

#: Models ``skkernel fit --model`` knows: name -> (description, factory(args)).
MODELS = {
    "krr": (
        "KernelRidge with the given --alpha",
        lambda a: _ridge().KernelRidge(
            alpha=a.alpha[0], kernel=a.kernel, gamma=a.gamma, backend=a.backend
        ),
    ),
    "krr-cv": (
        "KernelRidgeCV choosing among the --alpha values by leave-one-out",
        lambda a: _ridge().KernelRidgeCV(
            alphas=a.alpha, kernel=a.kernel, gamma=a.gamma, backend=a.backend
        ),
    ),
    "nystroem": (
        "NystroemRidge (Falkon) with --n-components leverage-score centers, for large tables",
        lambda a: _ridge().NystroemRidge(
            alpha=a.alpha[0],
            kernel=a.kernel,
            gamma=a.gamma,
            n_components=a.n_components,
            backend=a.backend,
            random_state=0,
        ),
    ),
}


def _ridge():
    from .. import ridge

    return ridge


def _run_demo(args):
    from ..utils.benchmarking import format_table
    from ._demo import run_demo

    print("skkernel vs scikit-learn, same train/test split (datasets bundled with sklearn)")
    rows = run_demo()
    print(format_table(rows, ["dataset", "task", "library", "score", "fit s", "peak MB"]))
    print("score on the held-out 25%; peak MB: resident memory the fit added")
    return 0


def _run_fit(args):
    import time
    from pathlib import Path

    import joblib
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ._tabular import features_and_target, read_table

    if args.model in ("krr", "nystroem") and len(args.alpha) != 1:
        raise ValueError(
            f"--model {args.model} takes one --alpha; use --model krr-cv to choose among several"
        )
    model = MODELS[args.model][1](args)
    # Every mistake in the options is one line, before any work: the estimator's own
    # parameter validation, the output folder, then the table.
    model._validate_params()
    if not Path(args.out).resolve().parent.is_dir():
        raise ValueError(f"--out {args.out}: the folder {Path(args.out).parent} does not exist")
    table = read_table(args.data)
    X, y = features_and_target(table, args.target, args.data)
    pipeline = make_pipeline(StandardScaler(), model)
    print(f"{args.data}: {X.shape[0]} rows, {X.shape[1]} features, target {args.target!r}")
    if args.cv > 1:
        if args.cv > X.shape[0]:
            raise ValueError(f"--cv {args.cv} needs at least {args.cv} rows")
        # Shuffled folds: files are often sorted (by class, by date), and contiguous
        # folds then score a model on data unlike its training rows.
        folds = KFold(args.cv, shuffle=True, random_state=0)
        scores = cross_val_score(pipeline, X, y, cv=folds, scoring="r2", error_score="raise")
        print(f"cross-validated R^2 ({args.cv} folds): {scores.mean():.4f} +/- {scores.std():.4f}")
    start = time.perf_counter()
    pipeline.fit(X, y)
    print(f"fit time on all rows: {time.perf_counter() - start:.3f} s")
    model = pipeline[-1]
    if hasattr(model, "alpha_"):
        print(f"chosen alpha: {model.alpha_:g}")
    joblib.dump(pipeline, args.out)
    print(f"saved the fitted pipeline (StandardScaler + {type(model).__name__}) to {args.out}")
    return 0


def _run_predict(args):
    from pathlib import Path

    import joblib
    import pandas as pd

    from ._tabular import TableError, feature_columns, read_table

    if not Path(args.model).is_file():
        raise TableError(f"{args.model}: no such file")
    try:
        pipeline = joblib.load(args.model)
    except Exception as exc:
        raise TableError(f"{args.model} is not a model saved by 'skkernel fit' ({exc})") from None
    if not hasattr(pipeline, "feature_names_in_"):
        raise TableError(f"{args.model} is not a model saved by 'skkernel fit'")
    table = read_table(args.data)
    X = feature_columns(table, pipeline.feature_names_in_, args.data)
    predictions = pd.DataFrame({"prediction": pipeline.predict(X)})
    if args.out:
        predictions.to_csv(args.out, index=False)
        print(f"wrote {len(predictions)} predictions to {args.out}")
    else:
        predictions.to_csv(sys.stdout, index=False)
    return 0


def _run_bench(args):
    from ..utils.benchmarking import format_table
    from ._bench import compare_backends

    if args.n < 64:
        raise ValueError("--n must be at least 64")
    print(f"Gaussian K(X, X) @ v, n = {args.n}, best of {args.repeat} (after a warm-up)")
    rows = compare_backends(
        n=args.n, dims=args.d, dtypes=args.dtype, backends=args.backend, repeat=args.repeat
    )
    print(format_table(rows, ["backend", "d", "dtype", "seconds", "speedup"]))
    print("speedup: blocked numpy time / backend time, same run")
    return 0


def _run_backends(args):
    show_backends()
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skkernel", description="scikit-learn compatible kernel methods that scale."
    )
    parser.add_argument("--version", action="version", version=f"skkernel {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="compare skkernel with scikit-learn on bundled data")
    demo.set_defaults(run=_run_demo)

    fit = commands.add_parser("fit", help="fit scaling + a kernel model on a CSV file")
    fit.add_argument("data", help="CSV file with a header row")
    fit.add_argument("--target", required=True, help="column to predict")
    fit.add_argument(
        "--model",
        choices=sorted(MODELS),
        default="krr",
        help="; ".join(f"{name}: {desc}" for name, (desc, _) in MODELS.items()),
    )
    fit.add_argument("--kernel", default="rbf", help="kernel name (default rbf)")
    fit.add_argument(
        "--alpha",
        type=float,
        nargs="+",
        default=None,
        help="penalty (krr, nystroem: default 1.0) or penalties to choose from (krr-cv, default 30 "
        "values from 1e-4 to 100)",
    )
    fit.add_argument(
        "--gamma", type=float, default=None, help="kernel gamma (default 1/n_features)"
    )
    fit.add_argument(
        "--n-components",
        type=int,
        default=1000,
        help="Nystroem centers of --model nystroem (default 1000)",
    )
    fit.add_argument("--cv", type=int, default=5, help="folds of the reported CV score (0: skip)")
    fit.add_argument("--backend", default="auto", help="kernel product backend (default auto)")
    fit.add_argument("--out", required=True, help="where to save the fitted pipeline (joblib)")
    fit.set_defaults(run=_run_fit)

    predict = commands.add_parser("predict", help="predict a CSV file with a saved model")
    predict.add_argument("model", help="model file saved by 'skkernel fit'")
    predict.add_argument("data", help="CSV file with the model's feature columns")
    predict.add_argument("--out", default=None, help="CSV file to write (default: stdout)")
    predict.set_defaults(run=_run_predict)

    commands.add_parser("backends", help="show which backends can run here").set_defaults(
        run=_run_backends
    )
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
    bench.set_defaults(run=_run_bench)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if getattr(args, "alpha", 0) is None:
        import numpy as np

        args.alpha = [1.0] if args.model != "krr-cv" else list(np.logspace(-4, 2, 30))
    try:
        return args.run(args)
    except Exception as exc:  # one line for people, not a traceback
        print(f"skkernel {args.command}: error: {exc}", file=sys.stderr)
        return 1
