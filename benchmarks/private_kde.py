"""What privacy costs: private kernel density and the private kernel classifier.

Part "utility": n = 100,000 points of N(0, I_d), Scott bandwidth, the Gaussian
kernel; for epsilon in {0.1, 1}, delta in {0, 1e-6} and D in {100, 1000, 4000}
random features, the mean absolute error of the released kernel mean
``(1/n) sum_i k(x_i, y)`` against the exact one (skkernel's KernelDensity) on 500
queries, next to the error of the same features without noise (epsilon = inf).
Averaged over ``--seeds`` draws of features and noise. d = 2, and d = 10 to show
where it stops being useful.

Part "classifier": PrivateKernelClassifier's test accuracy against epsilon on
scikit-learn's digits and breast_cancer, next to the same classifier without noise
and the exact kernel-mean classifier (class of highest mean kernel value, exact
sums), averaged over ``--splits`` stratified 75/25 splits. Features are scaled by
public bounds: digits (0, 16); breast_cancer has no published bounds, so the
minimum and maximum of the whole data set stand in for them (that leaks, and is
flagged). The bandwidths were chosen once on the exact classifier: tuning a
bandwidth on private data spends privacy too; choose it on public data.

    python benchmarks/private_kde.py                    # both parts
    python benchmarks/private_kde.py --part utility --seeds 1
"""

import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import StratifiedShuffleSplit

from skkernel.density import (
    KernelDensity,
    PrivacyLeakWarning,
    PrivateKernelClassifier,
    PrivateKernelDensity,
    bandwidth_rule,
)
from skkernel.utils.benchmarking import benchmark_parser, format_table


def exact_kernel_mean(X, Y, h):
    kde = KernelDensity(bandwidth=h).fit(X)
    return np.exp(kde.score_samples(Y) - kde.log_norm_)


def utility(n, dims, seeds, n_queries=500):
    rows = []
    for d in dims:
        rng = np.random.default_rng(0)
        X, Y = rng.normal(size=(n, d)), rng.normal(size=(n_queries, d))
        h = bandwidth_rule("scott", n, d)
        exact = exact_kernel_mean(X, Y, h)
        for D in (100, 1000, 4000) if d == 2 else (1000,):
            free = [
                PrivateKernelDensity(h, epsilon=np.inf, n_components=D, random_state=seed)
                .fit(X)
                .kernel_mean(Y)
                for seed in range(seeds)
            ]
            mae_free = np.mean([np.abs(f - exact).mean() for f in free])
            for epsilon in (0.1, 1.0):
                for delta in (0.0, 1e-6):
                    start = time.perf_counter()
                    maes, scale = [], None
                    for seed in range(seeds):
                        est = PrivateKernelDensity(
                            h, epsilon=epsilon, delta=delta, n_components=D, random_state=seed
                        ).fit(X)
                        maes.append(np.abs(est.kernel_mean(Y) - exact).mean())
                        scale = est.noise_scale_
                    rows.append(
                        {
                            "d": d,
                            "D": D,
                            "epsilon": epsilon,
                            "delta": delta,
                            "noise": "Laplace" if delta == 0 else "Gaussian",
                            "noise scale": scale,
                            "MAE non-private RF": mae_free,
                            "MAE private": float(np.mean(maes)),
                            "mean kernel mean": float(exact.mean()),
                            "seconds per fit": (time.perf_counter() - start) / seeds,
                        }
                    )
                    print(format_table(rows[-1:], list(rows[-1])), flush=True)
    return rows


DATASETS = {
    # name: (loader, bounds or None for the data's own range, bandwidth)
    "digits": (load_digits, (0.0, 16.0), 1.2),
    "breast_cancer": (load_breast_cancer, None, 0.5),
}


def exact_classifier_accuracy(X_train, y_train, X_test, y_test, h, classes):
    scores = np.column_stack([exact_kernel_mean(X_train[y_train == c], X_test, h) for c in classes])
    return float(np.mean(classes[scores.argmax(axis=1)] == y_test))


def classifier(splits, n_components):
    rows = []
    epsilons = (0.1, 0.3, 1.0, 3.0, 10.0, np.inf)
    for name, (loader, bounds, h) in DATASETS.items():
        X, y = loader(return_X_y=True)
        classes = np.unique(y)
        if bounds is None:
            bounds = (X.min(axis=0), X.max(axis=0))  # stand-in: not public
        lower, upper = (np.broadcast_to(b, X.shape[1]) for b in bounds)
        scaled = (X - lower) / (upper - lower)
        split = StratifiedShuffleSplit(n_splits=splits, test_size=0.25, random_state=0)
        accuracy = {}
        exact = []
        for seed, (train, test) in enumerate(split.split(X, y)):
            exact.append(
                exact_classifier_accuracy(
                    scaled[train], y[train], scaled[test], y[test], h, classes
                )
            )
            for epsilon in epsilons:
                # Laplace noise grows like sqrt(D): pure privacy wants few features.
                for delta, D in ((0.0, 200), (0.0, n_components), (1e-5, n_components)):
                    if np.isinf(epsilon) and delta > 0:
                        continue
                    clf = PrivateKernelClassifier(
                        h,
                        epsilon=epsilon,
                        delta=delta,
                        n_components=D,
                        bounds=bounds,
                        classes=classes,
                        random_state=seed,
                    ).fit(X[train], y[train])
                    accuracy.setdefault((epsilon, delta, D), []).append(clf.score(X[test], y[test]))
        for (epsilon, delta, D), values in accuracy.items():
            rows.append(
                {
                    "data": name,
                    "n_train": len(train),
                    "h": h,
                    "D": D,
                    "epsilon": epsilon,
                    "delta": delta,
                    "accuracy": float(np.mean(values)),
                    "std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
                    "exact kernel-mean classifier": float(np.mean(exact)),
                }
            )
    return rows


def main():
    parser = benchmark_parser(__doc__)
    parser.add_argument("--part", choices=["utility", "classifier", "both"], default="both")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 10])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--n-components", type=int, default=4000)
    args = parser.parse_args()
    warnings.simplefilter("ignore", PrivacyLeakWarning)
    if args.part in ("utility", "both"):
        rows = utility(args.n, args.dims, args.seeds)
        print(f"\nUtility, n = {args.n}, Scott bandwidth, mean over {args.seeds} draws:")
        print(format_table(rows, [c for c in rows[0] if c != "seconds per fit"]))
    if args.part in ("classifier", "both"):
        rows = classifier(args.splits, args.n_components)
        print(
            f"\nClassifier accuracy, mean (std) over {args.splits} splits; replace-one neighbours:"
        )
        print(format_table(rows, list(rows[0])))


if __name__ == "__main__":
    main()
