"""The NTK and NNGP kernels next to the Gaussian kernel: dense Gram matrices and products.

Compare within one run (``asv run -E existing --quick -b ntk`` then ``asv show``):
the ratios NTK / RBF at the same n, d and backend are what to read (the target: the
depth-3 NTK Gram matrix within 2x the RBF one's time), not absolute seconds. Also
the kernel path of KernelSVCCV (every depth 1..5 and number of fixed layers 0..depth
in one pass) against the 20 Gram matrices one by one, and KernelSVC.predict against
scikit-learn's SVC.predict.
"""

import numpy as np

from skkernel import NNGP, NTK, RBF, KernelOperator

N = 4000

KERNELS = {
    "rbf": RBF(),
    "ntk depth 1": NTK(1),
    "ntk depth 3": NTK(3),
    "ntk depth 3 erf": NTK(3, activation="erf"),
    "nngp depth 3": NNGP(3),
}


def _data(n, d):
    return np.random.default_rng(0).normal(size=(n, d))


class GramMatrix:
    """K(X, X) as the exact solvers build it (numba's fused pass, float64)."""

    params = (list(KERNELS), [8, 50])
    param_names = ["kernel", "n_features"]
    timeout = 300

    def setup(self, kernel, n_features):
        self.operator = KernelOperator(KERNELS[kernel], _data(N, n_features))
        KernelOperator(KERNELS[kernel], _data(64, n_features)).gram()  # compile

    def time_gram(self, kernel, n_features):
        self.operator.gram()


class Product:
    """K(X, X) @ V with four right-hand sides, never forming K (numba)."""

    params = (list(KERNELS), [8, 50])
    param_names = ["kernel", "n_features"]
    timeout = 300

    def setup(self, kernel, n_features):
        X = _data(N, n_features)
        self.V = np.random.default_rng(1).normal(size=(N, 4))
        self.operator = KernelOperator(KERNELS[kernel], X, backend="numba")
        self.operator @ self.V[:, :1]  # compile

    def time_matmat(self, kernel, n_features):
        self.operator @ self.V


class ArorasGrid:
    """The 20 NTK Gram matrices of depth 1..5 and 0..depth fixed layers, n = 2,000."""

    params = (["one pass (KernelOperator.path)", "20 Gram matrices"],)
    param_names = ["method"]
    timeout = 300

    def setup(self, method):
        self.X = _data(2000, 20)
        operator = KernelOperator(NTK(), self.X[:64])
        operator.gram()  # compile
        list(operator.path(depth=[1, 2]))

    def time_grid(self, method):
        if method == "one pass (KernelOperator.path)":
            operator = KernelOperator(NTK(W_std=1.0), self.X)
            for _ in operator.path(depth=range(1, 6), fixed_layers=range(6)):
                pass
            return
        for depth in range(1, 6):
            for fixed in range(depth + 1):
                KernelOperator(NTK(depth, W_std=1.0, fixed_layers=fixed), self.X).gram()


class SVCPredict:
    """KernelSVC.predict (kernel values against the support vectors only) next to
    scikit-learn's SVC(kernel="rbf").predict on the same problem, 6,000 x 6,000 rows;
    read the ratio within one run."""

    params = (["skkernel KernelSVC", "scikit-learn SVC"], [2, 3])
    param_names = ["library", "n_classes"]
    timeout = 300

    def setup(self, library, n_classes):
        from sklearn.svm import SVC

        from skkernel import KernelSVC

        X, self.X_test = _data(6000, 10), _data(12000, 10)[6000:]
        score = X[:, 0] + 0.5 * X[:, 1]
        y = np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))
        model = KernelSVC if library == "skkernel KernelSVC" else SVC
        self.model = model(gamma=0.1).fit(X, y)
        self.model.predict(self.X_test[:10])  # compile

    def time_predict(self, library, n_classes):
        self.model.predict(self.X_test)
