"""``skkernel fit`` and ``skkernel predict``: kernel models on CSV tables.

``fit`` reads a table, decides the task (classification or regression, by a stated
rule), builds a pipeline of preprocessing (imputation, standardisation, one-hot
encoding) and a kernel model, cross-validates it on shuffled folds, fits it on every
row and saves it. ``predict`` applies the saved pipeline to another table.
"""

import shlex
import time

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from ._models import MODELS
from ._tabular import (
    TableError,
    check_magnitudes,
    check_output_path,
    classify_task,
    describe,
    feature_frame,
    id_like_columns,
    is_numeric,
    mostly_numeric_text,
    preprocessor,
    read_table,
    select_features,
    write_rows,
)

#: Largest table "auto" fits exactly.
AUTO_EXACT_MAX_ROWS = 10_000
#: Share of rows without a target from which "fit" suggests --model stkr.
UNLABELED_HINT_SHARE = 0.2
#: A class target with more classes than this, each of one row, is probably not one.
MAX_SINGLETON_CLASSES = 3
DEFAULT_ALPHAS = tuple(np.logspace(-4, 2, 30))


class SemiSupervisedClassifier(ClassifierMixin, BaseEstimator):
    """Class labels of any type for a semi-supervised classifier that marks unlabeled
    rows with -1: labels are coded as integers to fit, and decoded to predict.

    Kept in the saved pipeline (this module is imported only by ``fit``/``predict``).

    Parameters
    ----------
    estimator : estimator
        The classifier (unlabeled rows as -1).
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y):
        y = pd.Series(np.asarray(y, dtype=object))
        labelled = y.notna().to_numpy()
        self.classes_ = np.unique(y[labelled].astype(str))
        codes = np.full(len(y), -1)
        codes[labelled] = np.searchsorted(self.classes_, y[labelled].astype(str))
        self.estimator.fit(X, codes)
        return self

    def predict(self, X):
        return self.classes_[self.estimator.predict(X)]


def _exact_fits(n_rows):
    from .._memory import dense_nbytes, fits_in_memory

    return n_rows <= AUTO_EXACT_MAX_ROWS and fits_in_memory(
        dense_nbytes(n_rows, n_rows, np.float64, count=2)
    )


def build_model(name, task, args, n_rows, fold_rows=None):
    """The estimator ``--model name`` means for ``task``, and its name for people.

    ``n_rows`` is the table's size; ``fold_rows`` the smallest training fold's (None:
    no folds), which caps Nystroem's centers so that the folds fit the final model.
    """
    kernel = {} if args.kernel is None else {"kernel": args.kernel}
    gamma = {} if args.gamma is None else {"gamma": args.gamma}
    params = {**kernel, **gamma}
    # None when --alpha is not given: KernelRidgeCV then searches DEFAULT_ALPHAS, and
    # the single-alpha models take 1 (STKR its own default).
    alphas = args.alpha
    alpha = 1.0 if alphas is None else alphas[0]
    chosen_by_auto = name == "auto"
    if name == "auto":
        name = (
            ("svm" if task == "classification" else "krr-cv")
            if _exact_fits(n_rows)
            else ("nystroem")
        )
        if name == "krr-cv" and alphas is not None and len(alphas) == 1:
            name = "krr"
    if task == "classification" and name in ("krr", "krr-cv"):
        raise ValueError(
            f"--model {name} is a regression model; for class labels use --model svm, "
            "nystroem, stkr or auto (or --task regression for numeric codes)"
        )
    if task == "regression" and name == "svm":
        raise ValueError(
            "--model svm classifies; for a numeric target use --model krr, krr-cv, "
            "nystroem, stkr or auto (or --task classification)"
        )
    if name == "svm" and alphas is not None:
        by = " (which --model auto chose for class labels)" if chosen_by_auto else ""
        raise ValueError(f"--model svm{by} takes --C, not --alpha")
    if name in ("krr", "nystroem") and alphas is not None and len(alphas) != 1:
        choose = (
            "use --model krr-cv to choose among several"
            if task == "regression"
            else ("several are chosen among for regression targets only (--model krr-cv)")
        )
        raise ValueError(f"--model {name} takes one --alpha; {choose}")
    if name == "krr":
        from ..ridge import KernelRidge

        return KernelRidge(alpha=alpha, backend=args.backend, **{"kernel": "rbf", **params}), name
    if name == "krr-cv":
        from .._memory import check_dense_fits
        from ..ridge import KernelRidgeCV

        # The fit on all rows holds two n x n matrices: refused now, not after the folds.
        check_dense_fits(
            n_rows,
            n_rows,
            np.float64,
            count=2,
            what="--model krr-cv on every row",
            instead="Use --model krr (its solver='auto' runs matrix-free) or --model nystroem.",
        )

        return KernelRidgeCV(
            alphas=list(DEFAULT_ALPHAS) if alphas is None else alphas,
            backend=args.backend,
            **{"kernel": "rbf", **params},
        ), name
    if name == "nystroem":
        from ..ridge import NystroemRidge, NystroemRidgeClassifier

        common = {
            "alpha": alpha,
            "n_components": min(args.n_components, n_rows if fold_rows is None else fold_rows),
            "backend": args.backend,
            "random_state": args.seed,
            "verbose": int(args.verbose),
            **params,
        }
        if task == "classification":
            return NystroemRidgeClassifier(**common), name
        return NystroemRidge(fit_intercept=True, **common), name
    if name == "svm":
        from ..svm import KernelSVC

        return KernelSVC(
            C=args.C, backend=args.backend, random_state=args.seed, **{"kernel": "rbf", **params}
        ), name
    if name == "stkr":
        from ..semi_supervised import SpectralKernelClassifier, SpectralKernelRidge

        extra = {"backend": args.backend, **({} if alphas is None else {"alpha": alpha})}
        if task == "classification":
            return SemiSupervisedClassifier(SpectralKernelClassifier(**params, **extra)), name
        return SpectralKernelRidge(**params, **extra), name
    raise ValueError(
        f"unknown --model {name!r}; choose from {', '.join(MODELS)}"
    )  # pragma: no cover


def _labels(target, unlabeled):
    """Class labels of a target column: whole-number codes stay integers (a column
    with empty cells is read as float, and its classes came back as "1.0")."""
    if not is_numeric(target):
        return target.to_numpy()
    if not np.all(np.mod(target[~unlabeled].to_numpy(dtype=float), 1) == 0):
        return target.to_numpy()
    if not unlabeled.any():
        return target.to_numpy(dtype=np.int64)
    # Integers with the unlabeled rows missing: for SemiSupervisedClassifier.
    return target.astype("Int64").to_numpy(dtype=object)


def _folds(task, y, n_folds, seed, unlabeled):
    """Shuffled folds over the labelled rows, stratified for classes wherever one
    class has n_folds rows (a rarer class is spread as far as it goes, as
    StratifiedKFold does); unlabeled rows, if any, are in every training fold and in
    no test fold. Returns the (train, test) pairs and whether they are stratified."""
    import warnings

    from sklearn.model_selection import KFold, StratifiedKFold

    labelled = np.flatnonzero(~unlabeled)
    target = np.asarray(y)[labelled]
    stratified = False
    splitter = KFold(n_folds, shuffle=True, random_state=seed)
    if task == "classification":
        target = target.astype(str)
        if np.unique(target, return_counts=True)[1].max() >= n_folds:
            splitter = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
            stratified = True
    with warnings.catch_warnings():
        # "The least populated class has only k members": expected, said by the split.
        warnings.filterwarnings("ignore", message="The least populated class")
        splits = list(splitter.split(labelled, target))
    unlabeled_rows = np.flatnonzero(unlabeled)
    folds = [(np.r_[labelled[train], unlabeled_rows], labelled[test]) for train, test in splits]
    return folds, stratified


def _scores(task, y_true, y_pred):
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, r2_score

    if task == "classification":
        y_true, y_pred = np.asarray(y_true).astype(str), np.asarray(y_pred).astype(str)
        return {
            "accuracy": accuracy_score(y_true, y_pred),
            "balanced accuracy": balanced_accuracy_score(y_true, y_pred),
        }
    return {"R^2": r2_score(np.asarray(y_true, dtype=float), y_pred)}


def run_fit(args, report):
    """The ``fit`` command; see the module docstring."""
    from pathlib import Path

    import joblib
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline

    if args.cv < 0 or args.cv == 1:
        raise ValueError(f"--cv {args.cv}: give 0 (no cross-validation) or at least 2 folds")
    check_output_path(args.out)
    out = Path(args.out)
    table = read_table(args.data)
    if args.target not in table.columns:
        raise TableError(
            f"no column {args.target!r} in {args.data}; its columns are: "
            f"{', '.join(map(str, table.columns))}"
        )
    columns = select_features(
        table, args.data, target=args.target, features=args.features, drop=args.drop
    )
    # Text and boolean columns (target included) as the file's text: as predict reads
    # a model's categorical columns, and as the imputer and the label checks take
    # them (a True/False column failed both).
    text = [c for c in [*columns, args.target] if not is_numeric(table[c])]
    if text:
        table = read_table(args.data, text_columns=text)
    target = table[args.target]
    task, rule = classify_task(target, args.task)
    unlabeled = target.isna().to_numpy()
    report.stage(
        f"{args.data}: {len(table)} rows, {len(columns)} feature columns, target "
        f"{args.target!r} -> {task} ({rule})"
    )
    for column in id_like_columns(table, columns):
        report.warn(
            f"column {column!r} looks like a row ID (named like one, or a different "
            f"value on every row, in order); it leaks the row's position into the model: "
            f"--drop {shlex.quote(column)}"
        )
    for column, others in mostly_numeric_text(table, columns):
        report.warn(
            f"column {column!r} holds numbers but for a few cells "
            f"({', '.join(map(repr, others))}), so it is read as text and one-hot "
            "encoded; if those cells mark missing values, leave them empty (or NA)"
        )
    if args.model != "stkr" and unlabeled.any():
        share = unlabeled.mean()
        hint = "; --model stkr learns from unlabeled rows" if share >= UNLABELED_HINT_SHARE else ""
        report.stage(f"{unlabeled.sum()} rows ({share:.0%}) have no target: left out{hint}")
        table, target = table[~unlabeled], target[~unlabeled]
        unlabeled = np.zeros(len(table), dtype=bool)
    if (~unlabeled).sum() < 2:
        raise TableError(f"{args.data} has fewer than two rows with a target")
    if task == "regression":
        check_magnitudes(target, f"target {args.target!r}")
    y = _labels(target, unlabeled) if task == "classification" else target.to_numpy(dtype=float)
    if task == "classification":
        classes = pd.unique(y[~unlabeled])
        if len(classes) == (~unlabeled).sum() > MAX_SINGLETON_CLASSES:
            report.warn(
                f"every class of target {args.target!r} has a single row: is it a row ID "
                "or a regression target (--task regression)?"
            )
        if len(classes) < 2:
            # Said here, in the file's terms: the estimators name their internal codes.
            raise TableError(
                f"target {args.target!r} has one class ({classes[0]}) among its labelled "
                "rows; a classifier needs at least two"
            )
    # The folds must fit the model fitted on all rows: sized for the smallest
    # training fold (Nystroem's centers are at most its rows).
    n_labelled = int((~unlabeled).sum())
    fold_rows = len(table) - -(-n_labelled // args.cv) if args.cv > 1 else None
    model, model_name = build_model(args.model, task, args, len(table), fold_rows)
    estimator = getattr(model, "estimator", model)
    estimator._validate_params()  # option mistakes: one line, before any fitting
    pipeline = make_pipeline(preprocessor(table, columns), model)
    X = table[columns]
    report.stage(describe(table, columns))
    report.stage(
        f"model: {type(estimator).__name__} (--model {args.model}"
        + (f" -> {model_name})" if args.model != model_name else ")")
    )
    result = {
        "data": str(args.data),
        "rows": int(len(table)),
        "features": columns,
        "task": task,
        "model": type(estimator).__name__,
    }
    if args.cv > 1:
        if args.cv > (~unlabeled).sum():
            raise ValueError(f"--cv {args.cv} needs at least {args.cv} rows with a target")
        fold_scores = []
        folds, stratified = _folds(task, y, args.cv, args.seed, unlabeled)
        for i, (train, test) in enumerate(folds):
            start = time.perf_counter()
            fitted = clone(pipeline).fit(X.iloc[train], y[train])
            scores = _scores(task, y[test], fitted.predict(X.iloc[test]))
            fold_scores.append(scores)
            report.progress(
                f"fold {i + 1}/{args.cv}: "
                + ", ".join(f"{k} {v:.4f}" for k, v in scores.items())
                + f" ({time.perf_counter() - start:.1f} s)"
            )
        summary = {k: [s[k] for s in fold_scores] for k in fold_scores[0]}
        report.stage(
            f"cross-validated ({args.cv} shuffled folds"
            + (", stratified" if stratified else "")
            + "): "
            + ", ".join(f"{k} {np.mean(v):.4f} +/- {np.std(v):.4f}" for k, v in summary.items())
        )
        result["cv"] = {k: float(np.mean(v)) for k, v in summary.items()}
    start = time.perf_counter()
    pipeline.fit(X, y)
    seconds = time.perf_counter() - start
    report.stage(f"fit on all {len(table)} rows: {seconds:.2f} s")
    result["fit_seconds"] = seconds
    if hasattr(estimator, "alpha_"):
        report.stage(f"chosen alpha: {float(np.atleast_1d(estimator.alpha_)[0]):g}")
    joblib.dump(pipeline, out)
    report.stage(f"saved the fitted pipeline to {out}")
    result["out"] = str(out)
    return result


def run_predict(args, report):
    """The ``predict`` command."""
    from pathlib import Path

    import joblib

    check_output_path(args.out)
    if not Path(args.model).is_file():
        raise TableError(f"{args.model}: no such file")
    try:
        pipeline = joblib.load(args.model)
    except Exception as exc:
        raise TableError(f"{args.model} is not a model saved by 'skkernel fit' ({exc})") from None
    if not hasattr(pipeline, "feature_names_in_"):
        raise TableError(f"{args.model} is not a model saved by 'skkernel fit'")
    # The categorical columns as text, as fit read them: levels that all look like
    # numbers in this file would otherwise be unseen levels, silently ignored.
    transformers = getattr(pipeline[0], "transformers_", [])
    text = [c for name, _, cols in transformers if name == "categorical" for c in cols]
    table = read_table(args.data, text_columns=text)
    X = feature_frame(table, pipeline.feature_names_in_, args.data)
    numeric = [c for name, _, cols in transformers if name == "numeric" for c in cols]
    for column in numeric:
        if not is_numeric(X[column]):
            cells = pd.to_numeric(X[column], errors="coerce").isna() & X[column].notna()
            examples = ", ".join(map(repr, X[column][cells].unique()[:3]))
            raise TableError(
                f"column {column!r} of {args.data} has text ({examples}) where the model "
                "reads numbers; leave missing cells empty (or NA)"
            )
        # By column, as fit says it (the model's own message names none).
        check_magnitudes(X[column], f"column {column!r} of {args.data}")
    predictions = pd.DataFrame({"prediction": pipeline.predict(X)})
    write_rows(predictions, args.out, report, f"{len(predictions)} predictions")
    return {"rows": int(len(predictions)), "out": args.out}
