"""NTK-SVM, RBF-SVM and random forest on UCI data sets, with Arora et al.'s protocol.

Arora, Du, Li, Salakhutdinov, Wang & Yu, "Harnessing the power of infinitely wide
deep nets on small-data tasks" (ICLR 2020), on the data sets of Fernandez-Delgado et
al. (JMLR 2014), in their format (one folder per data set: ``<name>.txt``,
``<name>_R.dat``, ``conxuntos.dat``, ``conxuntos_kfold.dat``):

- hyper-parameters are chosen by accuracy on the train/validation split of
  ``conxuntos.dat`` (ties go to the first in Arora et al.'s order: depth, fixed
  layers, C);
- the reported accuracy is the mean over the 4 train/test folds of
  ``conxuntos_kfold.dat``, refitting with the chosen hyper-parameters.

Grids:

- NTK-SVM: the ReLU NTK without bias (Arora et al.'s kernel is ``d NTK(W_std=1)``),
  ``depth`` 1..5 hidden layers and ``fixed_layers`` 0..depth, C in 10^-2..10^4. An
  SVM on ``s K`` with C is the SVM on K with ``s C``: the C grid on their kernel is
  ``d C`` on ours. The whole selection is one :class:`skkernel.svm.KernelSVCCV`
  fit: one pass through the layers for the 20 kernels, each matrix used for all 7
  values of C. Arora et al.'s own grid is ``--depths 0 1 2 3 4`` (L = 1..5 layers
  counting the readout, L' = 0..L-1); depth 0 is the linear kernel, on which libsvm
  takes minutes per fit at the largest C (29 million iterations on ``bank``).
- RBF-SVM: C in 10^-2..10^4 times gamma in 10^-3..10^2 / d (KernelSVCCV: one
  matrix per gamma).
- Random forest: 500 trees, max_features in {sqrt, 0.25, 0.5, 1.0}.

``--neural-tangents`` also runs the NTK selection as it is done without skkernel
(needs neural-tangents 0.6.5 and jax; see tests/kernels/test_neural.py): each of the
kernel matrices of the grid (20 with the default depths, 15 with ``--depths 0 1 2 3 4``)
from neural-tangents (``jax.jit`` of ``kernel_fn``, the compilation included), then
``GridSearchCV(SVC(kernel="precomputed"), {"C": ...})`` on the split, and reports its
time against KernelSVCCV's and whether both chose the same.

    python benchmarks/uci_ntk.py --data ../shared/data/uci-delgado
    python benchmarks/uci_ntk.py --data ../shared/data/uci-delgado --datasets ecoli \\
        fertility --neural-tangents
"""

import json
import pathlib
import sys
import time
import types

import numpy as np
from scipy.stats import rankdata
from sklearn.ensemble import RandomForestClassifier

from skkernel import NTK
from skkernel.svm import KernelSVCCV
from skkernel.utils.benchmarking import benchmark_parser, format_table

C_GRID = [10.0**k for k in range(-2, 5)]
DEPTHS = [1, 2, 3, 4, 5]
GAMMAS = [10.0**k for k in range(-3, 3)]
MAX_FEATURES = ["sqrt", 0.25, 0.5, 1.0]


def load(folder):
    """X, y, the (train, validation) split and the 4 (train, test) folds of a data set."""
    name = folder.name
    meta = dict(line.split() for line in (folder / f"{name}.txt").read_text().splitlines())
    rows = (folder / meta["fich1="]).read_text().splitlines()[1:]
    table = np.array([row.split() for row in rows], dtype=np.float64)
    X, y = table[:, 1:-1], table[:, -1].astype(int)

    def indices(path):
        return [np.array(line.split(), dtype=int) for line in path.read_text().splitlines()]

    train, validation = indices(folder / "conxuntos.dat")
    kfold = indices(folder / "conxuntos_kfold.dat")
    folds = [(kfold[2 * k], kfold[2 * k + 1]) for k in range(4)]
    return X, y, (train, validation), folds


def first_best(results, order):
    """The candidate of highest score; ties go to the first in the order ``order``
    (parameter names, most significant first), as in Arora et al.'s loops."""
    params = results["params"]
    scores = results["mean_test_score"]
    candidates = [i for i in range(len(params)) if scores[i] == scores.max()]
    best = min(candidates, key=lambda i: tuple(params[i][k] for k in order))
    return params[best], float(scores[best])


def ntk_svm(X, y, split, folds, depths):
    d = X.shape[1]
    began = time.perf_counter()
    search = KernelSVCCV(
        [C * d for C in C_GRID],
        kernel=NTK(W_std=1.0),
        kernel_grid={"depth": depths, "fixed_layers": list(range(max(depths) + 1))},
        cv=[split],
        refit=False,
    ).fit(X, y)
    choice, validation = first_best(
        search.cv_results_, ["kernel__depth", "kernel__fixed_layers", "C"]
    )
    selection = time.perf_counter() - began
    kernel = NTK(choice["kernel__depth"], W_std=1.0, fixed_layers=choice["kernel__fixed_layers"])
    test = KernelSVCCV([choice["C"]], kernel=kernel, cv=folds, refit=False).fit(X, y)
    return {
        "accuracy": test.best_score_,
        "validation": validation,
        "choice": (choice["kernel__depth"], choice["kernel__fixed_layers"], choice["C"] / d),
        "selection_seconds": selection,
        "kernel_seconds": search.kernel_time_,
        "seconds": time.perf_counter() - began,
    }


def rbf_svm(X, y, split, folds):
    d = X.shape[1]
    began = time.perf_counter()
    search = KernelSVCCV(
        C_GRID,
        kernel="rbf",
        kernel_grid={"gamma": [g / d for g in GAMMAS]},
        cv=[split],
        refit=False,
    ).fit(X, y)
    choice, validation = first_best(search.cv_results_, ["kernel__gamma", "C"])
    test = KernelSVCCV(
        [choice["C"]], kernel="rbf", gamma=choice["kernel__gamma"], cv=folds, refit=False
    ).fit(X, y)
    return {
        "accuracy": test.best_score_,
        "validation": validation,
        "choice": (choice["kernel__gamma"] * d, choice["C"]),
        "seconds": time.perf_counter() - began,
    }


def random_forest(X, y, split, folds):
    began = time.perf_counter()

    def accuracy(max_features, train, test):
        forest = RandomForestClassifier(n_estimators=500, max_features=max_features, random_state=0)
        return forest.fit(X[train], y[train]).score(X[test], y[test])

    scores = [accuracy(m, *split) for m in MAX_FEATURES]
    best = int(np.argmax(scores))
    test = np.mean([accuracy(MAX_FEATURES[best], *fold) for fold in folds])
    return {
        "accuracy": float(test),
        "validation": scores[best],
        "choice": MAX_FEATURES[best],
        "seconds": time.perf_counter() - began,
    }


def neural_tangents_selection(X, y, split, depths):
    """The NTK selection without skkernel: neural-tangents' kernel matrices, then
    GridSearchCV(SVC(kernel="precomputed")) over C on each."""
    sys.modules.setdefault(
        "neural_tangents.experimental", types.ModuleType("neural_tangents.experimental")
    )
    import jax

    jax.config.update("jax_enable_x64", True)
    from neural_tangents import stax
    from sklearn.model_selection import GridSearchCV
    from sklearn.svm import SVC

    d = X.shape[1]
    began = time.perf_counter()
    results = {"params": [], "mean_test_score": []}
    for depth in depths:
        for fixed in range(depth + 1):
            blocks = [layer for _ in range(depth) for layer in (stax.Dense(512), stax.Relu())]
            top = stax.serial(*blocks[2 * fixed :], stax.Dense(1))[2]
            if fixed == 0:

                def ntk(x, top=top):
                    return top(x, None, "ntk")

            else:
                bottom = stax.serial(*blocks[: 2 * fixed])[2]

                def ntk(x, top=top, bottom=bottom):
                    k = bottom(x, None)
                    return top(k.replace(ntk=0.0 * k.ntk), get="ntk")

            # Arora et al.'s kernel: d times neural-tangents' (which divides by d).
            K = d * np.asarray(jax.jit(ntk)(X))
            search = GridSearchCV(
                SVC(kernel="precomputed"), {"C": C_GRID}, cv=[split], refit=False
            ).fit(K, y)
            for C, score in zip(C_GRID, search.cv_results_["mean_test_score"], strict=True):
                results["params"].append({"depth": depth, "fixed": fixed, "C": C})
                results["mean_test_score"].append(score)
    results["mean_test_score"] = np.array(results["mean_test_score"])
    choice, _ = first_best(results, ["depth", "fixed", "C"])
    return {
        "choice": (choice["depth"], choice["fixed"], choice["C"]),
        "seconds": time.perf_counter() - began,
    }


def main():
    parser = benchmark_parser(__doc__)
    parser.add_argument("--data", required=True, type=pathlib.Path)
    parser.add_argument("--datasets", nargs="*", help="folder names; default: all")
    parser.add_argument("--max-samples", type=int, default=5000)
    parser.add_argument("--depths", type=int, nargs="+", default=DEPTHS)
    parser.add_argument("--neural-tangents", action="store_true")
    parser.add_argument("--json", type=pathlib.Path, help="write the results here")
    args = parser.parse_args()

    folders = sorted(p for p in args.data.iterdir() if (p / f"{p.name}.txt").is_file())
    if args.datasets:
        folders = [p for p in folders if p.name in set(args.datasets)]
    rows = []
    for folder in folders:
        X, y, split, folds = load(folder)
        if len(y) > args.max_samples:
            continue
        row = {"data set": folder.name, "n": len(y), "d": X.shape[1], "classes": len(set(y))}
        ntk = ntk_svm(X, y, split, folds, args.depths)
        rbf = rbf_svm(X, y, split, folds)
        forest = random_forest(X, y, split, folds)
        row.update(
            {
                "NTK": 100 * ntk["accuracy"],
                "RBF": 100 * rbf["accuracy"],
                "RF": 100 * forest["accuracy"],
                "depth, fixed, C": ntk["choice"],
                "NTK s": ntk["seconds"],
                "NTK select s": ntk["selection_seconds"],
                "NTK kernel s": ntk["kernel_seconds"],
                "RBF s": rbf["seconds"],
                "RF s": forest["seconds"],
            }
        )
        if args.neural_tangents:
            baseline = neural_tangents_selection(X, y, split, args.depths)
            row["NT select s"] = baseline["seconds"]
            row["NT / ours"] = baseline["seconds"] / ntk["selection_seconds"]
            row["same choice"] = baseline["choice"] == ntk["choice"]
        rows.append(row)
        print(format_table([row], list(row)), flush=True)

    columns = ["data set", "n", "d", "classes", "NTK", "RBF", "RF", "depth, fixed, C"]
    print("\nAccuracy (%), mean over the 4 folds:\n")
    print(format_table(rows, columns))
    accuracies = np.array([[r["NTK"], r["RBF"], r["RF"]] for r in rows])
    ranks = np.array([rankdata(-a) for a in accuracies]).mean(axis=0)
    print(f"\n{len(rows)} data sets")
    for k, name in enumerate(["NTK-SVM", "RBF-SVM", "random forest"]):
        key = ["NTK s", "RBF s", "RF s"][k]
        total = sum(r[key] for r in rows)
        print(
            f"{name:14s} mean accuracy {accuracies[:, k].mean():6.2f}%   "
            f"Friedman rank {ranks[k]:.2f}   total time {total:7.1f} s"
        )
    if args.neural_tangents:
        ours = sum(r["NTK select s"] for r in rows)
        theirs = sum(r["NT select s"] for r in rows)
        same = sum(r["same choice"] for r in rows)
        print(
            f"\nNTK selection: KernelSVCCV {ours:.1f} s, neural-tangents + "
            f"GridSearchCV(SVC(kernel='precomputed')) {theirs:.1f} s: ratio {theirs / ours:.2f}; "
            f"same choice on {same} of {len(rows)} data sets"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str))


if __name__ == "__main__":
    main()
