"""Spectrally transformed kernel regression next to scikit-learn's semi-supervised learners.

``--part accuracy``: the fixed protocol (stratified 80/20 pool/test split, labels drawn
stratified from the pool, 10 seeds; a new draw of moons and circles per seed) on digits
with 50 and 100 labels, make_moons(1000, noise=0.1) and make_circles(1000, noise=0.05,
factor=0.5) with 10 labels. Transductive accuracy is on the unlabelled pool, inductive
on the held-out 20%; fit times are means over the seeds, in this process, so compare
them within one run. Every model runs at its default settings:

- SpectralKernelClassifier with each spectral transform (kernel="knn", 10 neighbours);
- LabelSpreading and LabelPropagation with kernel="knn" (their RBF default, gamma=20,
  is meant for data scaled to unit distances; digits are pixel intensities 0-16), and
  LabelPropagation on STKR's graph (10 neighbours, not its default 7);
- SelfTrainingClassifier around SVC(probability=True); its transductive column is
  ``predict`` on the unlabelled pool (its ``transduction_`` leaves the rows it never
  pseudo-labelled at -1, so it is not the model's labels for those rows);
- kernel ridge on the labelled rows alone (one-hot targets, RBF with gamma =
  1 / (n_features X.var()), scikit-learn's "scale", alpha=0.1).

``--part grid``: the sensitivity of each transform to its parameters, on the same
problems and protocol (10 seeds), with the worst seed's inductive accuracy.

``--part graphs``: moons with 10 labels, the harmonic solution (what LabelPropagation
converges to) on the directed kNN graph and on symmetric versions of it, and STKR's
inverse Laplacian in its harmonic limit (eta -> 1, alpha -> 0) on the symmetric ones:
dense numpy, 10 seeds, transductive; the symmetric graphs include one with
self-tuning Gaussian weights on the kNN edges (Zelnik-Manor & Perona).

``--part neighbors``: STKR's inverse Laplacian and kernel PCA at their defaults but for
the number of neighbours of the kNN base kernel (5, 7, 10, 15), same protocol
(``--problems "moons, 10 labels" "digits, 50 labels"`` for the two that matter).

``--part weights``: the edge weights of the kNN base kernel (none, Gaussian at half,
once and twice the default gamma = 1 / r^2, and without the least weight of 0.01) on
moons with 10 labels, the same moons with 20 unlabelled outliers, and digits with 50
labels; kernel PCA and the inverse Laplacian at their defaults, 10 seeds.

``--part scale``: a mixture of 20 Gaussians in 10 dimensions (10 classes, two
components each), 1,000 labels, N rows; each fit in its own process, with its peak
resident memory. SpectralKernelClassifier with kernel PCA on the kNN graph (exact
neighbours, or approximate ones by nearest-neighbour descent) and on a Nystroem RBF
kernel, against LabelSpreading(kernel="knn") at the same n_neighbors (``--cases``
picks some of the four).

    python benchmarks/semi_supervised.py --part accuracy          # ~10 minutes
    python benchmarks/semi_supervised.py --part grid
    python benchmarks/semi_supervised.py --part graphs            # ~1 minute
    python benchmarks/semi_supervised.py --part weights           # ~3 minutes
    python benchmarks/semi_supervised.py --part scale --n 100000  # ~6 minutes
    python benchmarks/semi_supervised.py --part scale --n 1000000 \
        --cases "LabelSpreading" "STKR kpca, knn nndescent"       # ~20 minutes
"""

import json
import subprocess
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits, make_circles, make_moons
from sklearn.kernel_ridge import KernelRidge
from sklearn.neighbors import NearestNeighbors
from sklearn.semi_supervised import LabelPropagation, LabelSpreading, SelfTrainingClassifier
from sklearn.svm import SVC

from skkernel import SpectralKernelClassifier
from skkernel.utils.benchmarking import benchmark_parser, format_table, semi_supervised_split

PROBLEMS = {
    "digits, 50 labels": ("digits", 50),
    "digits, 100 labels": ("digits", 100),
    "moons, 10 labels": ("moons", 10),
    "circles, 10 labels": ("circles", 10),
}


def load(name, seed):
    if name == "digits":
        return load_digits(return_X_y=True)
    if name == "moons":
        return make_moons(1000, noise=0.1, random_state=seed)
    return make_circles(1000, noise=0.05, factor=0.5, random_state=seed)


class LabelsOnlyKernelRidge:
    """Kernel ridge on the labelled rows (one-hot targets), argmax."""

    def fit(self, X, y):
        labeled = y != -1
        self.classes_ = np.unique(y[labeled])
        Y = (y[labeled, None] == self.classes_).astype(float)
        gamma = 1.0 / (X.shape[1] * X.var())
        self.model_ = KernelRidge(alpha=0.1, kernel="rbf", gamma=gamma).fit(X[labeled], Y)
        self.transduction_ = self.predict(X)
        return self

    def predict(self, X):
        return self.classes_[np.argmax(self.model_.predict(X), axis=1)]


class LocalBandwidthSTKR:
    """STKR kernel PCA on an RBF base kernel whose bandwidth is the data's local
    scale: gamma = 1 / (2 r^2), r the median distance from a pool row to its 10th
    nearest neighbour (labels unused). A setting, not a default: chosen after the
    kNN base kernel fell short of 99 % on moons."""

    def fit(self, X, y):
        distances, _ = NearestNeighbors(n_neighbors=11).fit(X).kneighbors(X)
        gamma = 1.0 / (2.0 * np.median(distances[:, 10]) ** 2)
        self.model_ = SpectralKernelClassifier(kernel="rbf", gamma=gamma, spectral_transform="kpca")
        self.transduction_ = self.model_.fit(X, y).transduction_
        return self

    def predict(self, X):
        return self.model_.predict(X)


MODELS = {
    "STKR inverse_laplacian": lambda: SpectralKernelClassifier(),
    "STKR polynomial": lambda: SpectralKernelClassifier(spectral_transform="polynomial"),
    "STKR kpca": lambda: SpectralKernelClassifier(spectral_transform="kpca"),
    "STKR kpca, rbf local bandwidth": LocalBandwidthSTKR,
    "LabelSpreading(knn)": lambda: LabelSpreading(kernel="knn"),
    "LabelPropagation(knn)": lambda: LabelPropagation(kernel="knn", max_iter=5000),
    # The graph of STKR's default base kernel (10 neighbours), for comparison.
    "LabelPropagation(knn, 10 neighbours)": lambda: LabelPropagation(
        kernel="knn", n_neighbors=10, max_iter=5000
    ),
    "SelfTraining(SVC)": lambda: SelfTrainingClassifier(SVC(probability=True, random_state=0)),
    "KernelRidge, labels only": LabelsOnlyKernelRidge,
}


def pool_labels(model, X_pool):
    """The model's labels for every pool row."""
    if isinstance(model, SelfTrainingClassifier):
        # Its transduction_ is -1 on the rows it never pseudo-labelled.
        return model.predict(X_pool)
    return model.transduction_


def evaluate(make, data, n_labels, seeds):
    trans, ind, seconds = [], [], []
    for seed in seeds:
        X, y = load(data, seed)
        X_pool, y_partial, y_pool, X_test, y_test = semi_supervised_split(
            X, y, n_labels, random_state=seed
        )
        model = make()
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X_pool, y_partial)
        seconds.append(time.perf_counter() - start)
        unlabeled = y_partial == -1
        labels = pool_labels(model, X_pool)
        trans.append(np.mean(labels[unlabeled] == y_pool[unlabeled]))
        ind.append(np.mean(model.predict(X_test) == y_test))
    trans, ind = 100 * np.array(trans), 100 * np.array(ind)
    return {
        "transductive %": f"{trans.mean():.1f} ± {trans.std(ddof=1):.1f}",
        "inductive %": f"{ind.mean():.1f} ± {ind.std(ddof=1):.1f}",
        "worst inductive %": f"{ind.min():.1f}",
        "fit s": float(np.mean(seconds)),
    }


def accuracy_rows(problems, models, n_seeds):
    rows = []
    for problem in problems:
        data, n_labels = PROBLEMS[problem]
        for name in models:
            row = {"problem": problem, "model": name}
            row.update(evaluate(MODELS[name], data, n_labels, range(n_seeds)))
            rows.append(row)
            print(format_table([row], list(row)).splitlines()[-1], flush=True)
    return rows


#: (transform, parameters) of the sensitivity grid; "per class" counts kernel PCA
#: components per class, as the classifier's default (2 per class) does.
GRID = [
    ("inverse_laplacian", dict(eta=0.9)),
    ("inverse_laplacian", dict(eta=0.95)),
    ("inverse_laplacian", dict(eta=0.99)),
    ("inverse_laplacian", dict(eta=0.99, alpha=1e-3)),
    ("kpca", {"per class": 2}),
    ("kpca", {"per class": 3}),
    ("polynomial", dict(power=4)),
    ("polynomial", dict(power=8)),
]


def grid_rows(problems, n_seeds):
    rows = []
    for problem in problems:
        data, n_labels = PROBLEMS[problem]
        n_classes = 10 if data == "digits" else 2
        for transform, params in GRID:
            row = {"problem": problem, "transform": transform, "params": json.dumps(params)}
            kwargs = dict(params)
            if "per class" in kwargs:
                kwargs = {"n_components": params["per class"] * n_classes}

            def make(transform=transform, kwargs=kwargs):
                return SpectralKernelClassifier(spectral_transform=transform, **kwargs)

            row.update(evaluate(make, data, n_labels, range(n_seeds)))
            rows.append(row)
            print(format_table([row], list(row)).splitlines()[-1], flush=True)
    return rows


def _graph_kernels(X, n_neighbors):
    """The kNN graphs of the ``graphs`` part: the directed one LabelPropagation walks
    and the symmetric ones a PSD base kernel could be built from (A: each row's k
    nearest rows, itself included)."""
    neighbors = NearestNeighbors(n_neighbors=n_neighbors).fit(X)
    A = neighbors.kneighbors_graph(X).toarray()
    # Self-tuning weights (Zelnik-Manor & Perona 2004): exp(-(d_ij / sigma_i)^2),
    # sigma_i the distance to row i's k-th neighbour, on the same edges.
    distances = neighbors.kneighbors_graph(X, mode="distance").toarray()
    sigma = distances.max(axis=1, keepdims=True)
    A_w = np.where(A > 0, np.exp(-((distances / sigma) ** 2)), 0.0)
    return {
        "directed A": A,
        "A A^T (STKR's kNN kernel at gamma=0)": A @ A.T,
        "A_w A_w^T (self-tuning weights)": A_w @ A_w.T,
        "A^T A": A.T @ A,
        "A D_in^-1 A^T": (A / A.sum(axis=0)) @ A.T,
        "(A + A^T) / 2": (A + A.T) / 2,
    }


def _harmonic(W, labeled, Y):
    """The harmonic solution on the unlabelled rows: the random walk of W, its
    labelled rows clamped (what LabelPropagation converges to)."""
    P = W / W.sum(axis=1, keepdims=True)
    u = ~labeled
    return np.linalg.solve(np.eye(u.sum()) - P[np.ix_(u, u)], P[np.ix_(u, labeled)] @ Y)


def _inverse_laplacian_limit(W, labeled, Y, eta=1 - 1e-6, alpha=1e-8):
    """STKR's inverse Laplacian on the symmetrically normalised W at eta -> 1,
    alpha -> 0 (dense), on the unlabelled rows."""
    degrees = W.sum(axis=1)
    lam, U = np.linalg.eigh(W / np.sqrt(np.outer(degrees, degrees)))
    K = len(W) * (U * (lam / (1 - eta * lam))) @ U.T
    theta = np.linalg.solve(K[np.ix_(labeled, labeled)] + alpha * np.eye(labeled.sum()), Y)
    return K[np.ix_(~labeled, labeled)] @ theta


def neighbor_rows(problems, n_seeds, neighbors=(5, 7, 10, 15)):
    """STKR's inverse Laplacian and kernel PCA at their defaults but for the number
    of neighbours of the kNN base kernel."""
    rows = []
    for problem in problems:
        data, n_labels = PROBLEMS[problem]
        for k in neighbors:
            for transform in ("inverse_laplacian", "kpca"):

                def make(k=k, transform=transform):
                    return SpectralKernelClassifier(n_neighbors=k, spectral_transform=transform)

                row = {"problem": problem, "neighbours": k, "transform": transform}
                row.update(evaluate(make, data, n_labels, range(n_seeds)))
                rows.append(row)
                print(format_table([row], list(row)).splitlines()[-1], flush=True)
    return rows


def graph_rows(n_seeds, neighbors=(7, 10)):
    """Moons, 10 labels: transductive accuracy of the harmonic solution on each kNN
    graph, and of STKR's inverse Laplacian in its harmonic limit on the symmetric
    ones (why STKR's symmetric graph falls short of LabelPropagation there)."""
    accuracy = {}
    for seed in range(n_seeds):
        X, y = load("moons", seed)
        X_pool, y_partial, y_pool, _, _ = semi_supervised_split(X, y, 10, random_state=seed)
        labeled = y_partial != -1
        classes = np.unique(y_pool)
        Y = (y_partial[labeled, None] == classes) - 1.0 / len(classes)
        truth = y_pool[~labeled]
        for k in neighbors:
            for graph, W in _graph_kernels(X_pool, k).items():
                solvers = {"harmonic": _harmonic}
                if graph != "directed A":
                    solvers["STKR inverse Laplacian, eta -> 1"] = _inverse_laplacian_limit
                for solver, solve in solvers.items():
                    F = solve(W, labeled, Y)
                    hits = np.mean(classes[F.argmax(axis=1)] == truth)
                    accuracy.setdefault((k, graph, solver), []).append(100 * hits)
    rows = []
    for (k, graph, solver), values in accuracy.items():
        values = np.array(values)
        rows.append(
            {
                "neighbours": k,
                "graph": graph,
                "solution": solver,
                "transductive %": f"{values.mean():.1f} ± {values.std(ddof=1):.1f}",
                "worst seed %": f"{values.min():.1f}",
            }
        )
    return rows


def _local_scale(X_pool, n_neighbors=10):
    """r: the median distance from a pool row to its n_neighbors-th nearest (itself
    first; over the rows where it is positive), the scale of the kNN kernel's default
    gamma = 1 / r^2."""
    distances, _ = NearestNeighbors(n_neighbors=n_neighbors).fit(X_pool).kneighbors(X_pool)
    radii = distances[:, -1]
    return float(np.median(radii[radii > 0]))


class UnflooredKnnSTKR:
    """STKR on the kNN kernel with Gaussian edge weights exp(-d^2 / r^2) and no least
    edge weight, built here as a precomputed affinity (the built-in kernel keeps
    every edge at 0.01 or more)."""

    def __init__(self, spectral_transform):
        self.spectral_transform = spectral_transform

    def _rows(self, X):
        distances, indices = self.neighbors_.kneighbors(X)
        rows = np.zeros((len(X), self.n_fit_))
        np.put_along_axis(rows, indices, np.exp(-((distances / self.scale_) ** 2)), axis=1)
        return rows

    def fit(self, X, y):
        self.neighbors_ = NearestNeighbors(n_neighbors=10).fit(X)
        self.n_fit_, self.scale_ = len(X), _local_scale(X)
        self.A_ = self._rows(X)
        model = SpectralKernelClassifier(
            kernel="precomputed", spectral_transform=self.spectral_transform
        )
        self.model_ = model.fit(self.A_ @ self.A_.T, y)
        self.transduction_ = self.model_.transduction_
        return self

    def predict(self, X):
        return self.model_.predict(self._rows(X) @ self.A_.T)


#: Settings of the ``weights`` part: (name, make(transform, X_pool)).
WEIGHTINGS = [
    (
        "unweighted (gamma=0)",
        lambda t, X: SpectralKernelClassifier(gamma=0.0, spectral_transform=t),
    ),
    *[
        (
            f"gamma = {f:g} / r^2" + (" (default)" if f == 1 else ""),
            lambda t, X, f=f: SpectralKernelClassifier(
                gamma=f / _local_scale(X) ** 2, spectral_transform=t
            ),
        )
        for f in (0.5, 1, 2)
    ],
    ("gamma = 1 / r^2, no least weight", lambda t, X: UnflooredKnnSTKR(t)),
]


def weight_rows(n_seeds, n_outliers=20):
    """The kNN kernel's edge weights: unweighted, Gaussian at three bandwidths, and
    without the least weight of 0.01; on moons (10 labels), the same moons with
    ``n_outliers`` unlabelled rows drawn uniformly around them (not scored), and
    digits with 50 labels."""
    rows = []
    for problem in ("moons, 10 labels", f"moons + {n_outliers} outliers", "digits, 50 labels"):
        data, n_labels = PROBLEMS.get(problem, ("moons", 10))
        for name, make in WEIGHTINGS:
            for transform in ("kpca", "inverse_laplacian"):
                trans, ind = [], []
                for seed in range(n_seeds):
                    X, y = load(data, seed)
                    X_pool, y_partial, y_pool, X_test, y_test = semi_supervised_split(
                        X, y, n_labels, random_state=seed
                    )
                    n_pool = len(X_pool)
                    if "outliers" in problem:
                        rng = np.random.default_rng(seed)
                        outliers = rng.uniform([-4, -4], [5, 4], size=(n_outliers, 2))
                        X_pool = np.vstack([X_pool, outliers])
                        y_partial = np.concatenate([y_partial, np.full(n_outliers, -1)])
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        model = make(transform, X_pool).fit(X_pool, y_partial)
                    unlabeled = y_partial[:n_pool] == -1
                    labels = model.transduction_[:n_pool]
                    trans.append(100 * np.mean(labels[unlabeled] == y_pool[unlabeled]))
                    ind.append(100 * np.mean(model.predict(X_test) == y_test))
                trans, ind = np.array(trans), np.array(ind)
                row = {"problem": problem, "weights": name, "transform": transform}
                row["transductive %"] = f"{trans.mean():.1f} ± {trans.std(ddof=1):.1f}"
                row["inductive %"] = f"{ind.mean():.1f} ± {ind.std(ddof=1):.1f}"
                row["worst inductive %"] = f"{ind.min():.1f}"
                rows.append(row)
                print(format_table([row], list(row)).splitlines()[-1], flush=True)
    return rows


_CHILD = r"""
import json, sys, time, warnings
import numpy as np
from skkernel.utils.benchmarking import measure_peak_increase

case, n, n_neighbors, n_landmarks, gamma = sys.argv[1:6]
n, n_neighbors, n_landmarks, gamma = int(n), int(n_neighbors), int(n_landmarks), float(gamma)


def mixture(n, seed=0, d=10, n_classes=10, per_class=2, spread=1.5):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=spread, size=(n_classes * per_class, d))
    component = rng.integers(0, len(centers), size=n)
    return centers[component] + rng.normal(size=(n, d)), component % n_classes


X, y = mixture(n + 20000)
X, X_test, y, y_test = X[:n], X[n:], y[:n], y[n:]
labeled = np.random.default_rng(1).choice(n, 1000, replace=False)
y_partial = np.full(n, -1)
y_partial[labeled] = y[labeled]
if case == "LabelSpreading":
    from sklearn.semi_supervised import LabelSpreading
    model = LabelSpreading(kernel="knn", n_neighbors=n_neighbors)
else:
    from skkernel import SpectralKernelClassifier
    if case.startswith("STKR kpca, knn"):
        algorithm = "nndescent" if case.endswith("nndescent") else "auto"
        model = SpectralKernelClassifier(spectral_transform="kpca", n_neighbors=n_neighbors,
                                         neighbors_algorithm=algorithm, random_state=0)
    else:
        model = SpectralKernelClassifier(kernel="rbf", gamma=gamma, spectral_transform="kpca",
                                         n_landmarks=n_landmarks, random_state=0)
start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    _, added = measure_peak_increase(lambda: model.fit(X, y_partial))
seconds = time.perf_counter() - start
unlabeled = y_partial == -1
print(json.dumps({
    "fit s": seconds,
    "fit peak MB": (added or 0) / 1e6,
    "transductive %": 100 * float(np.mean(model.transduction_[unlabeled] == y[unlabeled])),
    "inductive %": 100 * float(np.mean(model.predict(X_test) == y_test)),
}))
"""

SCALE_CASES = (
    "LabelSpreading",
    "STKR kpca, knn",
    "STKR kpca, knn nndescent",
    "STKR kpca, Nystroem rbf",
)


def scale_rows(sizes, cases, n_neighbors, n_landmarks, gamma):
    rows = []
    for n in sizes:
        base = None
        for case in cases:
            args = [case, n, n_neighbors, n_landmarks, gamma]
            result = subprocess.run(
                [sys.executable, "-c", _CHILD, *map(str, args)], capture_output=True, text=True
            )
            row = {"model": case, "n": n}
            if result.returncode != 0:
                row["note"] = result.stderr.strip().splitlines()[-1][:80]
            else:
                row.update(json.loads(result.stdout.strip().splitlines()[-1]))
                if case == "LabelSpreading":
                    base = row
                elif base is not None:
                    row["time vs LabelSpreading"] = row["fit s"] / base["fit s"]
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


#: The parts of this benchmark, for --part.
PARTS = ["accuracy", "grid", "graphs", "neighbors", "weights", "scale"]


def main(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument("--part", choices=PARTS, default="accuracy")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS), choices=list(PROBLEMS))
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--n", type=int, nargs="+", default=[100_000])
    parser.add_argument("--cases", nargs="+", default=list(SCALE_CASES), choices=SCALE_CASES)
    parser.add_argument("--n-neighbors", type=int, default=10)
    parser.add_argument("--n-landmarks", type=int, default=500)
    parser.add_argument("--gamma", type=float, default=0.05, help="of the Nystroem RBF kernel")
    args = parser.parse_args(argv)
    if args.part == "accuracy":
        rows = accuracy_rows(args.problems, args.models, args.seeds)
        columns = ["problem", "model", "transductive %", "inductive %", "fit s"]
    elif args.part == "graphs":
        rows = graph_rows(args.seeds)
        columns = ["neighbours", "graph", "solution", "transductive %", "worst seed %"]
    elif args.part == "neighbors":
        rows = neighbor_rows(args.problems, args.seeds)
        columns = ["problem", "neighbours", "transform", "transductive %", "inductive %"]
        columns += ["worst inductive %"]
    elif args.part == "weights":
        rows = weight_rows(args.seeds)
        columns = ["problem", "weights", "transform", "transductive %", "inductive %"]
        columns += ["worst inductive %"]
    elif args.part == "grid":
        rows = grid_rows(args.problems, args.seeds)
        columns = ["problem", "transform", "params", "transductive %", "inductive %"]
        columns += ["worst inductive %", "fit s"]
    else:
        rows = scale_rows(args.n, args.cases, args.n_neighbors, args.n_landmarks, args.gamma)
        columns = [
            "model",
            "n",
            "fit s",
            "fit peak MB",
            "transductive %",
            "inductive %",
            "time vs LabelSpreading",
            "note",
        ]
        for row in rows:
            for column in columns:
                row.setdefault(column, "")
    print()
    print(format_table(rows, columns))


if __name__ == "__main__":
    main()
