"""``skkernel demo``: every family next to what a scikit-learn user would run instead.

Each case fits skkernel's estimator and the scikit-learn way of doing the same job
on the same data (bundled with scikit-learn, or generated; nothing is downloaded),
and reports the score on held-out data, the fit time and the peak memory the fit
added to the process (resident memory, which also sees LAPACK's workspaces). Rows are
printed as they finish. ``--quick`` runs smaller data, ``--full`` larger.
"""

import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.model_selection import train_test_split

from ..utils.benchmarking import measure_peak_increase

#: Rows of the generated data sets, by mode.
SIZES = {
    "quick": {"ridge": 2_000, "nystroem": 30_000, "thinning": 2**12, "kde": 4_000, "labels": 50},
    "default": {
        "ridge": 5_000,
        "nystroem": 100_000,
        "thinning": 2**14,
        "kde": 20_000,
        "labels": 50,
    },
    "full": {
        "ridge": 12_000,
        "nystroem": 400_000,
        "thinning": 2**16,
        "kde": 100_000,
        "labels": 50,
    },
}
#: Columns of the table and their widths (rows are printed one by one as they finish).
COLUMNS = {
    "family": 17,
    "data": 24,
    "library": 12,
    "model": 45,
    "metric": 18,
    "score": 8,
    "fit s": 7,
    "peak MB": 7,
}


@dataclass
class Result:
    """What one library did on one case."""

    score: float
    seconds: float
    peak_mb: float


def _measured(fit, score):
    """Run ``fit()``; return its Result with ``score(fitted)``."""
    start = time.perf_counter()
    fitted, added = measure_peak_increase(fit)
    seconds = time.perf_counter() - start
    return Result(score(fitted), seconds, float("nan") if added is None else added / 1e6)


def _split(X, y, seed=0, stratify=False):
    return train_test_split(
        X, y, test_size=0.25, random_state=seed, stratify=y if stratify else None
    )


def _scaled(model):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), model)


# -- the cases: each returns (data name, metric, [(library, model name, Result)]) -------


def _regression(n, d=10, seed=0):
    """A smooth regression target of n Gaussian rows, split 75/25."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1]) + 0.5 * X[:, 2] + 0.1 * rng.normal(size=n)
    return _split(X, y)


def kernel_ridge(sizes):
    from sklearn.kernel_ridge import KernelRidge as SkKernelRidge

    from ..ridge import KernelRidge

    n = sizes["ridge"]
    X_train, X_test, y_train, y_test = _regression(n)

    def run(model):
        return _measured(lambda: model.fit(X_train, y_train), lambda m: m.score(X_test, y_test))

    params = {"alpha": 1.0, "kernel": "rbf", "gamma": 0.1}
    return (
        f"synthetic n={n:,} d=10",
        "R^2",
        [
            ("scikit-learn", "KernelRidge", run(SkKernelRidge(**params))),
            ("skkernel", "KernelRidge (one n x n matrix)", run(KernelRidge(**params))),
        ],
    )


def kernel_ridge_cv(sizes):
    from sklearn.kernel_ridge import KernelRidge as SkKernelRidge
    from sklearn.model_selection import GridSearchCV

    from ..ridge import KernelRidgeCV

    alphas = np.logspace(-4, 2, 30)
    X_train, X_test, y_train, y_test = _split(*load_diabetes(return_X_y=True))

    def run(model):
        return _measured(lambda: model.fit(X_train, y_train), lambda m: m.score(X_test, y_test))

    grid = GridSearchCV(SkKernelRidge(kernel="rbf", gamma=0.02), {"alpha": alphas}, cv=5)
    return (
        "diabetes",
        "R^2",
        [
            ("scikit-learn", "GridSearchCV(KernelRidge) 30 alphas x 5 folds", run(_scaled(grid))),
            (
                "skkernel",
                "KernelRidgeCV 30 alphas, leave-one-out",
                run(_scaled(KernelRidgeCV(alphas=alphas, kernel="rbf", gamma=0.02))),
            ),
        ],
    )


def nystroem_falkon(sizes):
    from sklearn.kernel_approximation import Nystroem
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    from ..ridge import NystroemRidge

    n = sizes["nystroem"]
    X_train, X_test, y_train, y_test = _regression(n)

    def run(model):
        return _measured(lambda: model.fit(X_train, y_train), lambda m: m.score(X_test, y_test))

    sklearn = make_pipeline(Nystroem(gamma=0.1, n_components=1000, random_state=0), Ridge(1.0))
    ours = NystroemRidge(
        alpha=1.0, gamma=0.1, n_components=1000, fit_intercept=True, random_state=0
    )
    return (
        f"synthetic n={n:,} d=10",
        "R^2",
        [
            ("scikit-learn", "Nystroem(1000) + Ridge", run(sklearn)),
            ("skkernel", "NystroemRidge(1000), Falkon", run(ours)),
        ],
    )


def random_features(sizes):
    from sklearn.kernel_approximation import RBFSampler
    from sklearn.linear_model import RidgeClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..kernel_approximation import RandomFourierFeatures

    X_train, X_test, y_train, y_test = _split(*load_digits(return_X_y=True), stratify=True)

    def run(features):
        model = make_pipeline(StandardScaler(), features, RidgeClassifier(alpha=1e-3))
        return _measured(lambda: model.fit(X_train, y_train), lambda m: m.score(X_test, y_test))

    return (
        "digits",
        "accuracy",
        [
            (
                "scikit-learn",
                "RBFSampler(2048) + RidgeClassifier",
                run(RBFSampler(gamma=1 / 64, n_components=2048, random_state=0)),
            ),
            (
                "skkernel",
                "RandomFourierFeatures(2048) + RidgeClassifier",
                run(
                    RandomFourierFeatures(
                        gamma=1 / 64, n_components=2048, method="orthogonal", random_state=0
                    )
                ),
            ),
        ],
    )


def kernel_thinning(sizes):
    from ..metrics import mmd
    from ..thinning import KernelThinning

    n = sizes["thinning"]
    X = np.random.default_rng(0).normal(size=(n, 2))
    size = int(np.sqrt(n))

    def subsample():
        return np.random.default_rng(1).choice(n, size, replace=False)

    random = _measured(subsample, lambda idx: mmd(X, idx, gamma=0.25))
    thinned = _measured(
        lambda: KernelThinning(gamma=0.25, random_state=0).fit(X), lambda m: m.mmd(X)
    )
    return (
        f"N(0,I) d=2, {size}/{n:,}",
        "MMD (lower better)",
        [
            ("scikit-learn", "random subsample (resample)", random),
            ("skkernel", "KernelThinning, Compress++", thinned),
        ],
    )


def kernel_density(sizes):
    from sklearn.neighbors import KernelDensity as SkKernelDensity

    from ..density import KernelDensity

    n = sizes["kde"]
    X = np.random.default_rng(0).normal(size=(2 * n, 2))
    X_train, X_test = X[:n], X[n:]

    # Scoring is the work of a KDE: it is inside the timing.
    def fit_and_score(model):
        start = time.perf_counter()
        fitted, added = measure_peak_increase(
            lambda: (model.fit(X_train), model.score_samples(X_test))[1]
        )
        return Result(
            float(fitted.mean()),
            time.perf_counter() - start,
            float("nan") if added is None else added / 1e6,
        )

    return (
        f"N(0,I) d=2 n=m={n:,}",
        "mean log-density",
        [
            (
                "scikit-learn",
                "KernelDensity(rtol=0)",
                fit_and_score(SkKernelDensity(bandwidth="scott")),
            ),
            ("skkernel", "KernelDensity, exact", fit_and_score(KernelDensity(bandwidth="scott"))),
        ],
    )


def private_density(sizes):
    from sklearn.naive_bayes import GaussianNB

    from ..density import PrivateKernelClassifier

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = _split(X, y, stratify=True)
    # Public bounds of the features (here from the data; in a private deployment they
    # come from knowledge of the measurement, not from the private rows).
    bounds = (X.min(axis=0), X.max(axis=0))

    def run(model):
        return _measured(lambda: model.fit(X_train, y_train), lambda m: m.score(X_test, y_test))

    private = PrivateKernelClassifier(
        0.5,
        epsilon=1.0,
        delta=1e-5,
        n_components=4000,
        bounds=bounds,
        classes=[0, 1],
        random_state=0,
    )
    return (
        "breast_cancer",
        "accuracy",
        [
            ("scikit-learn", "GaussianNB (not private)", run(GaussianNB())),
            ("skkernel", "PrivateKernelClassifier, (1, 1e-5)-DP", run(private)),
        ],
    )


def semi_supervised(sizes):
    from sklearn.semi_supervised import LabelSpreading

    from ..semi_supervised import SpectralKernelClassifier
    from ..utils.benchmarking import semi_supervised_split

    X, y = load_digits(return_X_y=True)
    n_labels = sizes["labels"]
    X_pool, y_partial, _, X_test, y_test = semi_supervised_split(X, y, n_labels, random_state=0)

    def run(model):
        return _measured(lambda: model.fit(X_pool, y_partial), lambda m: m.score(X_test, y_test))

    return (
        f"digits, {n_labels}/{y_partial.size:,} labels",
        "accuracy",
        [
            ("scikit-learn", "LabelSpreading(kernel='knn')", run(LabelSpreading(kernel="knn"))),
            ("skkernel", "SpectralKernelClassifier (STKR)", run(SpectralKernelClassifier())),
        ],
    )


def neural_tangent_svm(sizes):
    from sklearn.model_selection import GridSearchCV
    from sklearn.svm import SVC

    from ..svm import KernelSVCCV

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = _split(X, y, stratify=True)
    Cs = np.logspace(-2, 3, 6)

    def run(model):
        return _measured(lambda: model.fit(X_train, y_train), lambda m: m.score(X_test, y_test))

    rbf = GridSearchCV(SVC(), {"C": Cs, "gamma": np.logspace(-4, 0, 5) / X.shape[1]}, cv=5)
    ntk = KernelSVCCV(Cs=Cs, kernel="ntk", kernel_grid={"depth": [1, 2, 3, 4]}, cv=5)
    return (
        "breast_cancer",
        "accuracy",
        [
            ("scikit-learn", "GridSearchCV(SVC rbf) 6 C x 5 gamma", run(_scaled(rbf))),
            ("skkernel", "KernelSVCCV(NTK) 6 C x 4 depths", run(_scaled(ntk))),
        ],
    )


#: (family, case) in the order the demo runs them.
CASES = [
    ("kernel ridge", kernel_ridge),
    ("alpha by CV", kernel_ridge_cv),
    ("Nystroem / Falkon", nystroem_falkon),
    ("random features", random_features),
    ("STKR (semi-sup.)", semi_supervised),
    ("NTK + SVM", neural_tangent_svm),
    ("kernel thinning", kernel_thinning),
    ("exact KDE", kernel_density),
    ("private KDE", private_density),
]


def _warm_up():
    """Compile numba's kernels outside the timings: each skkernel estimator of the demo
    once on tiny data (compiled code is cached on disk after the first run)."""
    from ..density import KernelDensity, PrivateKernelClassifier
    from ..kernel_approximation import RandomFourierFeatures
    from ..ridge import KernelRidge, KernelRidgeCV, NystroemRidge
    from ..semi_supervised import SpectralKernelClassifier
    from ..svm import KernelSVCCV
    from ..thinning import KernelThinning

    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 10))
    y = X[:, 0]
    labels = (y > 0).astype(int)
    KernelRidge(kernel="rbf", gamma=0.1).fit(X, y)
    KernelRidgeCV(alphas=[0.1, 1.0], kernel="rbf", gamma=0.1).fit(X, y)
    NystroemRidge(n_components=32, fit_intercept=True, random_state=0).fit(X, y)
    RandomFourierFeatures(n_components=64, method="orthogonal", random_state=0).fit_transform(X)
    partial = np.where(np.arange(256) % 8 == 0, labels, -1)
    SpectralKernelClassifier().fit(X, partial).predict(X)
    KernelSVCCV(Cs=[1.0], kernel="ntk", kernel_grid={"depth": [1, 2]}, cv=2).fit(X, labels)
    KernelThinning(gamma=0.25, random_state=0).fit(X[:, :2]).mmd(X[:, :2])
    KernelDensity(bandwidth="scott").fit(X[:, :2]).score_samples(X[:, :2])
    bounds = (X.min(axis=0), X.max(axis=0))
    private = PrivateKernelClassifier(
        0.5, epsilon=1.0, delta=1e-5, n_components=64, bounds=bounds, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # classes read from the labels: a PrivacyLeakWarning
        private.fit(X, labels).predict(X)


def run_demo(mode="default", report=None, cases=None):
    """Run the cases, printing each row as it finishes; return the rows (dicts)."""
    sizes = SIZES[mode]
    say = report.output if report is not None else print
    say("skkernel next to what a scikit-learn user would run instead; held-out scores")
    _warm_up()
    say(_line(dict(zip(COLUMNS, COLUMNS, strict=True))))
    rows = []
    for family, case in cases or CASES:
        data, metric, results = case(sizes)
        for library, model, result in results:
            row = {
                "family": family,
                "data": data,
                "library": library,
                "model": model,
                "metric": metric,
                "score": f"{result.score:.4g}",
                "fit s": result.seconds,
                "peak MB": result.peak_mb,
            }
            rows.append(row)
            say(_line(row))
    say(
        "fit s: wall time of the fit (and of the scoring for KDE); peak MB: resident "
        "memory the fit added"
    )
    return {"rows": rows}


def _line(row):
    cells = []
    for column, width in COLUMNS.items():
        value = row[column]
        if isinstance(value, float):
            value = "n/a" if np.isnan(value) else f"{value:.3g}" if value < 1000 else f"{value:.0f}"
        cells.append(str(value)[:width].ljust(width))
    return "  ".join(cells).rstrip()
