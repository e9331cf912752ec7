"""``skkernel demo``: skkernel next to the scikit-learn estimator a user would pick.

Each case fits both on the same train/test split of a dataset that ships with
scikit-learn (nothing is downloaded) and reports the test score, the fit time and the
peak memory the fit added to the process (resident memory, which also sees LAPACK's
workspaces). Later estimators add their rows by appending to :data:`DEMO_CASES`.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_diabetes, load_digits
from sklearn.kernel_ridge import KernelRidge as SklearnKernelRidge
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelBinarizer, StandardScaler

from ..ridge import KernelRidge, KernelRidgeCV
from ..utils.benchmarking import measure_peak_increase

ALPHAS = np.logspace(-4, 2, 30)


@dataclass
class Dataset:
    """A train/test split and how predictions are scored."""

    name: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    metric: str
    score: Callable


def diabetes():
    """Diabetes progression (442 patients, 10 features): regression, R^2."""
    X, y = load_diabetes(return_X_y=True)
    parts = train_test_split(X, y, test_size=0.25, random_state=0)
    return Dataset("diabetes", *parts, "R^2", r2_score)


def digits():
    """Handwritten digits (1,797 images, 64 pixels): one-vs-all kernel ridge
    classification on +-1 targets, accuracy of the arg-max."""
    X, labels = load_digits(return_X_y=True)
    X_train, X_test, l_train, l_test = train_test_split(
        X, labels, test_size=0.25, random_state=0, stratify=labels
    )
    onehot = LabelBinarizer(neg_label=-1).fit(l_train)

    def accuracy(Y_true, Y_pred):
        return accuracy_score(Y_true.argmax(axis=1), Y_pred.argmax(axis=1))

    return Dataset(
        "digits",
        X_train,
        X_test,
        onehot.transform(l_train).astype(float),
        onehot.transform(l_test).astype(float),
        "accuracy",
        accuracy,
    )


@dataclass
class DemoCase:
    """One comparison: a dataset, the skkernel model and the sklearn one."""

    dataset: Callable
    name: str
    skkernel: Callable
    sklearn: Callable


def _scaled(model):
    return make_pipeline(StandardScaler(), model)


DEMO_CASES = [
    DemoCase(
        diabetes,
        "kernel ridge",
        lambda: _scaled(KernelRidge(alpha=1.0, kernel="rbf", gamma=0.02)),
        lambda: _scaled(SklearnKernelRidge(alpha=1.0, kernel="rbf", gamma=0.02)),
    ),
    DemoCase(
        diabetes,
        "kernel ridge, alpha by CV (30 alphas)",
        lambda: _scaled(KernelRidgeCV(alphas=ALPHAS, kernel="rbf", gamma=0.02)),
        lambda: _scaled(
            GridSearchCV(SklearnKernelRidge(kernel="rbf", gamma=0.02), {"alpha": ALPHAS}, cv=5)
        ),
    ),
    DemoCase(
        digits,
        "kernel ridge",
        lambda: _scaled(KernelRidge(alpha=0.1, kernel="rbf")),
        lambda: _scaled(SklearnKernelRidge(alpha=0.1, kernel="rbf")),
    ),
    DemoCase(
        digits,
        "kernel ridge, alpha by CV (30 alphas)",
        lambda: _scaled(KernelRidgeCV(alphas=ALPHAS, kernel="rbf")),
        lambda: _scaled(GridSearchCV(SklearnKernelRidge(kernel="rbf"), {"alpha": ALPHAS}, cv=5)),
    ),
]


def measure(model, data):
    """Fit on the training part; return (test score, fit seconds, peak MB the fit
    added to resident memory, or NaN where that cannot be measured)."""
    start = time.perf_counter()
    _, added = measure_peak_increase(lambda: model.fit(data.X_train, data.y_train))
    seconds = time.perf_counter() - start
    peak_mb = float("nan") if added is None else added / 1e6
    return data.score(data.y_test, model.predict(data.X_test)), seconds, peak_mb


def run_demo(cases=None):
    """Run every case; a list of result rows (dicts) for :func:`format_table`."""
    rows = []
    datasets = {}
    for case in cases or DEMO_CASES:
        if case.dataset not in datasets:
            datasets[case.dataset] = case.dataset()
        data = datasets[case.dataset]
        # Compile and warm caches outside the timings (numba compiles on first use).
        case.skkernel().fit(data.X_train[:50], data.y_train[:50]).predict(data.X_test[:5])
        for library, factory in (("scikit-learn", case.sklearn), ("skkernel", case.skkernel)):
            score, seconds, peak_mb = measure(factory(), data)
            rows.append(
                {
                    "dataset": f"{data.name} (n={len(data.X_train)})",
                    "task": case.name,
                    "library": library,
                    "score": f"{data.metric} {score:.3f}",
                    "fit s": seconds,
                    "peak MB": peak_mb,
                }
            )
    return rows
