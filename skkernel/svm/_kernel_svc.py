"""Support vector classification with any skkernel kernel: KernelSVC and KernelSVCCV.

The exact path is scikit-learn's libsvm on a kernel matrix the engine builds
(``SVC(kernel="precomputed")``): the matrix is filled by the fastest backend for the
kernel, in float64, and prediction asks only for the columns of the support
vectors. The path for data whose n x n matrix does not fit is a linear SVM on
Nystroem features. KernelSVCCV chooses C and kernel parameters computing each kernel
matrix once, and the neural kernels' matrices of every depth in one pass.
"""

import inspect
import time
import warnings
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import ParameterGrid, check_cv
from sklearn.svm import SVC, LinearSVC
from sklearn.utils import check_consistent_length, column_or_1d
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.metadata_routing import get_routing_for_object
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .._base import (
    BACKEND_CONSTRAINT,
    FLOAT_DTYPES,
    SPARSE_FORMATS,
    dense_features,
    fit_context,
    nystroem_features,
)
from .._centers import CENTER_CONSTRAINTS, Sampling, check_n_components, select_centers
from .._docs import fill_doc
from .._init_params import store_init_params
from .._linalg import psd_inverse_sqrt
from .._memory import check_dense_fits, dense_nbytes, fits_in_memory, row_batches
from .._operator import KernelOperator
from .._typing import (
    ArrayLike,
    BackendName,
    CVLike,
    KernelLike,
    MatrixLike,
    NDArray,
    RandomStateLike,
    ScoringLike,
)
from ..kernels import (
    GPKernelAdapter,
    is_precomputed,
    kernel_input_tags,
    kernel_parameter_constraints,
    make_kernel,
)
from ._search import (
    SINGLE_METRIC,
    add_score_columns,
    check_refit,
    check_scorers,
    scores_by_metric,
    select_best,
    takes_sample_weight,
    warn_or_raise_about_failures,
)

__all__ = ["KernelSVC", "KernelSVCCV"]

#: SVC parameters that mean the same here, with scikit-learn's own constraints.
_SVC_PARAMETERS = (
    "C",
    "degree",
    "gamma",
    "coef0",
    "shrinking",
    "tol",
    "cache_size",
    "class_weight",
    "verbose",
    "max_iter",
    "decision_function_shape",
    "break_ties",
    "random_state",
)
_SVC_CONSTRAINTS = {name: SVC._parameter_constraints[name] for name in _SVC_PARAMETERS}

# liblinear needs an iteration limit; SVC's max_iter=-1 ("none") becomes this one.
_LINEAR_MAX_ITER = 10_000
_TOO_LARGE = "Use solver='nystroem', which needs n_samples x n_components values."


#: scikit-learn 1.9 refuses all-zero sample weights in ``_check_sample_weight`` unless
#: told to take them (SVC's own message is raised after it); earlier versions take them.
_TAKE_ALL_ZERO_WEIGHTS = (
    {"allow_all_zero_weights": True}
    if "allow_all_zero_weights" in inspect.signature(_check_sample_weight).parameters
    else {}
)


def resolve_svc_gamma(gamma, X):
    """SVC's gamma: "scale" is ``1 / (n_features X.var())`` (1 for constant X),
    "auto" ``1 / n_features``."""
    if gamma == "scale":
        variance = X.astype(np.float64, copy=False).var()
        if not np.isfinite(variance):
            # gamma would be 0 and every distance infinite: a model of garbage (SVC
            # fails on its non-finite coefficients instead).
            raise ValueError(
                "gamma='scale' needs the variance of X, which overflows: the values of "
                "X are too large for a kernel. Rescale X (e.g. StandardScaler)."
            )
        return 1.0 / (X.shape[1] * variance) if variance != 0 else 1.0
    if gamma == "auto":
        return 1.0 / X.shape[1]
    return float(gamma)


def _trained_rows(sample_weight):
    """Indices of the rows libsvm trains on, or None when it trains on all of them.

    libsvm drops the rows of weight <= 0 and numbers its support vectors among the
    rest; fitting it on those rows only keeps that numbering ours to translate.
    """
    if sample_weight is None or np.all(sample_weight > 0):
        return None
    return np.flatnonzero(sample_weight > 0)


def _read_support_columns_only(svc):
    """Renumber a fitted ``SVC(kernel="precomputed")`` to take ``K(X, support vectors)``.

    libsvm reads, of a row of ``K(X, training rows)``, only the columns of the support
    vectors (``support_``); the other columns must be there but are never read.
    Filling a zero matrix of every training column and scattering the support
    vectors' columns into it made prediction 3.7-4.1x slower (6,000 training rows).
    Numbered 0..n_SV-1 instead, the model takes the kernel block of the support
    vectors as it comes: the same values read, the same predictions bit for bit.
    """
    n_support = svc.support_.size
    if n_support == 0:  # nothing read either way; a 0-column input is refused
        return
    svc.support_ = np.arange(n_support, dtype=svc.support_.dtype)
    svc.shape_fit_ = (n_support, n_support)
    svc.n_features_in_ = n_support


def _in_row_blocks(n_rows, row_bytes, compute):
    """``compute(rows)`` on blocks of rows sized by ``working_memory``, concatenated."""
    parts = [compute(rows) for rows in row_batches(n_rows, row_bytes)]
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


@fill_doc
class _SVCParameters(ClassifierMixin, BaseEstimator):
    """What KernelSVC and KernelSVCCV share: SVC's parameters, the kernel, the data
    checks, the prediction methods."""

    _parameter_constraints = {
        **_SVC_CONSTRAINTS,
        "kernel": kernel_parameter_constraints(precomputed=True)["kernel"],
        "kernel_params": [dict, None],
        "probability": ["boolean"],
        "backend": BACKEND_CONSTRAINT,
    }

    @property
    def _precomputed(self):
        return is_precomputed(self.kernel)

    def _kernel_for(self, X):
        """The kernel, with gamma resolved on X; its parameters are checked here,
        before any work (None for a precomputed kernel)."""
        if self._precomputed:
            return None
        kernel = make_kernel(
            self.kernel,
            gamma=resolve_svc_gamma(self.gamma, X),
            degree=self.degree,
            coef0=self.coef0,
            kernel_params=self.kernel_params,
        )
        # A copy: the fitted kernel must not change with the kernel parameter.
        kernel = clone(kernel)
        kernel.spec(X.shape[1])
        return kernel

    def _validate_fit_data(self, X, y, sample_weight):
        X, y = validate_data(self, X, y, accept_sparse=SPARSE_FORMATS, dtype=FLOAT_DTYPES)
        # Densified, as scikit-learn's SVC takes sparse X: the kernels need dense rows.
        X = np.ascontiguousarray(dense_features(X))
        check_classification_targets(y)
        if self._precomputed and X.shape[0] != X.shape[1]:
            raise ValueError(
                "With kernel='precomputed', X must be the square kernel matrix of the "
                f"training samples; got shape {X.shape}."
            )
        if sample_weight is not None:
            # Negative weights are taken, as SVC takes them; none positive is SVC's error
            # (the fit would otherwise fail on an empty training set, or in liblinear).
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, **_TAKE_ALL_ZERO_WEIGHTS
            )
            counted = sample_weight > 0
            if not counted.any():
                raise ValueError("Invalid input - all samples have zero or negative weights.")
            if np.unique(y[counted]).size < 2 <= np.unique(y).size:
                raise ValueError(
                    "Invalid input - all samples with positive weights belong to the same class."
                )
        return X, y, sample_weight

    def _shared_options(self, balanced_on=None):
        """The parameters libsvm and liblinear take alike.

        ``balanced_on``: the labels ``class_weight="balanced"`` is computed from when
        the model is given only the rows of positive weight: SVC computes it from all
        its training labels, zero weights included.
        """
        class_weight = self.class_weight
        if balanced_on is not None and isinstance(class_weight, str):
            classes = np.unique(balanced_on)
            weights = compute_class_weight("balanced", classes=classes, y=balanced_on)
            class_weight = dict(zip(classes, weights, strict=True))
        return {
            "tol": self.tol,
            "class_weight": class_weight,
            "verbose": self.verbose,
            "random_state": self.random_state,
        }

    def _libsvm(self, C, balanced_on=None):
        """SVC on a precomputed kernel matrix with this estimator's parameters (see
        :meth:`_shared_options` for ``balanced_on``)."""
        options = self._shared_options(balanced_on)
        return SVC(
            C=C,
            kernel="precomputed",
            shrinking=self.shrinking,
            cache_size=self.cache_size,
            max_iter=self.max_iter,
            decision_function_shape=self.decision_function_shape,
            break_ties=self.break_ties,
            **options,
        )

    def _fit_model(self, estimator, X, y, sample_weight):
        """Fit the estimator; returns it and, with ``probability``, its calibration.

        scikit-learn 1.9 deprecates SVC's own probability=True for
        ``CalibratedClassifierCV(ensemble=False)``: Platt's sigmoid fitted to
        cross-validated decision values (5 folds, fewer for classes of fewer
        samples), the model itself fitted on all the data, predictions unchanged.
        """
        if not self.probability:
            return estimator.fit(X, y, sample_weight=sample_weight), None
        if estimator.class_weight is not None:
            # The calibration's cross_val_predict fits the folds on labels encoded
            # 0..k-1, where a class_weight keyed by the labels weights the wrong
            # classes (or none: an error). A class's weight multiplies C for its rows
            # as a sample weight does, so it travels as one.
            per_row = compute_sample_weight(estimator.class_weight, y)
            sample_weight = per_row if sample_weight is None else sample_weight * per_row
            estimator = clone(estimator).set_params(class_weight=None)
        smallest = np.unique(y, return_counts=True)[1].min()
        if smallest < 2:
            raise ValueError(
                "probability=True calibrates on cross-validated decision values and "
                f"needs at least 2 samples of every class; one has {smallest} sample."
            )
        if get_config()["enable_metadata_routing"]:
            # Under routing, CalibratedClassifierCV passes sample_weight only to an
            # estimator that asks for it (and refuses to fit otherwise).
            estimator.set_fit_request(sample_weight=True)
        calibrated = CalibratedClassifierCV(
            estimator, method="sigmoid", cv=min(5, smallest), ensemble=False
        ).fit(X, y, sample_weight=sample_weight)
        return calibrated.calibrated_classifiers_[0].estimator, calibrated

    def _apply(self, method, X):
        """The prediction method ``method`` of the fitted model on X (KernelSVC's
        own model; KernelSVCCV's refitted best KernelSVC)."""
        raise NotImplementedError

    def _has_model(self):
        """Whether this estimator has a model to predict with (KernelSVCCV's
        ``refit=False`` leaves none); the prediction methods exist only then."""
        return True

    @available_if(lambda self: self._has_model())
    def decision_function(self, X: MatrixLike) -> NDArray[np.float64]:
        """Decision values of the samples, as SVC's.

        {decision_svc_or_kernel}
        """
        return self._apply("decision_function", X)

    @available_if(lambda self: self._has_model())
    def predict(self, X: MatrixLike) -> NDArray[Any]:
        """Predicted class labels.

        {predict_labels_or_kernel}
        """
        if self.break_ties and self.decision_function_shape == "ovo":
            # Before X is looked at, as SVC says it.
            raise ValueError("break_ties must be False when decision_function_shape is 'ovo'")
        return self._apply("predict", X)

    @available_if(lambda self: self.probability and self._has_model())
    def predict_proba(self, X: MatrixLike) -> NDArray[np.float64]:
        """Class probabilities, from the calibrated decision values (``probability=True``).

        {predict_proba_or_kernel}
        """
        if getattr(self, "_calibrated", True) is None:
            # probability switched on after a fit without it, as SVC says it.
            raise NotFittedError(
                "predict_proba is not available when fitted with probability=False"
            )
        return self._apply("predict_proba", X)

    @available_if(lambda self: self.probability and self._has_model())
    def predict_log_proba(self, X: MatrixLike) -> NDArray[np.float64]:
        """Logarithms of :meth:`predict_proba` (``probability=True``).

        {predict_log_proba_or_kernel}
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def _validate_X(self, X):
        """X at prediction, checked against the data fit saw (names included)."""
        return dense_features(
            validate_data(self, X, accept_sparse=SPARSE_FORMATS, dtype=FLOAT_DTYPES, reset=False)
        )

    def __sklearn_tags__(self):
        return kernel_input_tags(super().__sklearn_tags__(), self.kernel)


@fill_doc
class KernelSVC(_SVCParameters):
    """C-support vector classification with any skkernel kernel.

    :class:`sklearn.svm.SVC` with the kernels of :func:`skkernel.make_kernel` -- the
    neural tangent kernel (``kernel="ntk"``), Matern, any :class:`~skkernel.Kernel`
    -- computed by the engine, and a path for data too large for an n x n matrix.
    Parameters, attributes and predictions are SVC's:

    - ``solver="exact"``: the kernel matrix is built in float64 by the backend that
      builds it fastest (numba's fused pass on the CPU, CuPy on a GPU), then
      scikit-learn's libsvm solves on it (``SVC(kernel="precomputed")``): the same
      support vectors, coefficients and predictions as SVC on that matrix, and as
      ``SVC(kernel="rbf")`` for the Gaussian kernel. Prediction computes kernel
      values against the support vectors only. Memory: the n x n matrix.
    - ``solver="nystroem"``: a linear SVM (liblinear, hinge loss, one-vs-rest) on
      ``n_components`` Nystroem features whose centers are chosen by ridge leverage
      scores. Memory ``O(n n_components)`` and time ``O(n n_components^2)`` instead
      of ``O(n^2)`` and more; the decision function approximates the exact one, and
      accuracy approaches the exact path's as ``n_components`` grows (within a
      point at 1,000 components on the benchmarks of ``docs/ntk.md``).
    - ``solver="auto"``: "exact" while the n x n matrix fits in half the available
      memory, "nystroem" beyond.

    Parameters
    ----------
    C : float, default=1.0
        Regularization parameter, as in SVC (strictly positive).
    kernel : str, Kernel or callable, default="rbf"
        A name of :func:`skkernel.make_kernel` ("rbf", "ntk", "nngp", "matern", every
        name of :func:`sklearn.metrics.pairwise.pairwise_kernels`), "precomputed", a
        :class:`~skkernel.Kernel` (such as ``NTK(depth=3)``), a Gaussian-process
        kernel or a function of two rows.
    degree : int, default=3
        Degree of the polynomial kernel.
    gamma : {"scale", "auto"} or float, default="scale"
        Parameter of the RBF, Laplacian, polynomial, sigmoid and chi2 kernels;
        "scale" means ``1 / (n_features * X.var())``, "auto" ``1 / n_features``, as
        in SVC.
    coef0 : float, default=0.0
        Offset of the polynomial and sigmoid kernels (SVC's default).
    kernel_params : dict, default=None
        Other kernel parameters: ``depth``, ``activation``, ``fixed_layers``... of
        "ntk" and "nngp", ``nu`` of "matern", the keyword arguments of a callable.
    shrinking : bool, default=True
        Whether libsvm uses the shrinking heuristic (exact path).
    probability : bool, default=False
        Whether to enable ``predict_proba``: Platt's sigmoid calibration of the
        decision values on 5 folds (:class:`~sklearn.calibration.CalibratedClassifierCV`
        with ``ensemble=False``, which scikit-learn 1.9 recommends in place of SVC's
        own, deprecated, ``probability=True``). Predictions are unchanged. The
        folds get ``class_weight`` as sample weights (the weights of the whole
        training set, as libsvm's own calibration uses them), so a dict keyed by
        any labels works; rows of weight 0 take no part.
    tol : float, default=1e-3
        Tolerance of the stopping criterion (of libsvm, or of liblinear on the
        Nystroem path).
    cache_size : float, default=200
        Size of libsvm's kernel cache in MB (exact path).
    class_weight : dict or "balanced", default=None
        Multiplies C by ``class_weight[i]`` for class i, as in SVC.
    verbose : bool, default=False
        Whether libsvm or liblinear print their progress.
    max_iter : int, default=-1
        Iteration limit of the solver, -1 for none (10,000 on the Nystroem path,
        which needs a limit).
    decision_function_shape : {"ovo", "ovr"}, default="ovr"
        As in SVC. The Nystroem path fits one-vs-rest models and takes "ovr" only
        with more than two classes (for two, both shapes are one decision value).
    break_ties : bool, default=False
        As in SVC: with "ovr" and more than two classes, break ties by the decision
        values.
    random_state : int, RandomState instance or None, default=None
        Randomness of the draw of the Nystroem centers and of liblinear (the
        exact solver is deterministic). Pass an int for reproducible output across
        multiple function calls.
    solver : {"auto", "exact", "nystroem"}, default="auto"
        See above.
    n_components : int, default=1000
        Number of Nystroem centers (Nystroem path).
    sampling : {"rls", "uniform", "exact-rls", "sequential", "kernel-thinning"}, \
            default="rls"
        How the Nystroem centers are chosen (see :class:`~skkernel.Nystroem`).
    backend : str, default="auto"
        Backend of the kernel values (see :class:`~skkernel.KernelOperator`).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    class_weight_ : ndarray of shape (n_classes,)
        Multipliers of C per class (exact path).
    support_ : ndarray of shape (n_SV,)
        Indices of the support vectors among the training samples (exact path).
        Rows of zero weight are never support vectors; scikit-learn's SVC numbers
        its support vectors among the rows of positive weight instead.
    support_vectors_ : ndarray of shape (n_SV, n_features)
        The support vectors (empty for a precomputed kernel, as in SVC).
    n_support_ : ndarray of shape (n_classes,)
        Support vectors per class (exact path).
    dual_coef_ : ndarray of shape (n_classes - 1, n_SV)
        Dual coefficients of the support vectors in the decision functions (exact
        path), as in SVC.
    intercept_ : ndarray of shape (n_classes * (n_classes - 1) / 2,) or (n_classes,)
        Constants of the decision functions: one per pair of classes on the exact
        path, one per class (one for two classes) on the Nystroem path.
    fit_status_ : int
        0 if libsvm fitted correctly (exact path).
    n_iter_ : ndarray
        Iterations of the solver per model.
    shape_fit_ : tuple of int
        Shape of the training kernel matrix (exact path).
    coef_ : ndarray of shape (1, n_components) or (n_classes, n_components)
        Weights of the Nystroem features (Nystroem path).
    components_ : ndarray of shape (n_components, n_features)
        The Nystroem centers (Nystroem path).
    component_indices_ : ndarray of shape (n_components,)
        Their indices in the training data (Nystroem path).
    normalization_ : ndarray of shape (n_components, n_components)
        ``K(components_, components_)^-1/2`` (Nystroem path).
    kernel_ : Kernel or None
        The kernel used, gamma resolved (None with kernel="precomputed").
    solver_ : str
        "exact" or "nystroem".
    {feature_attributes}

    See Also
    --------
    KernelSVCCV : chooses C and kernel parameters, one kernel matrix per kernel.
    sklearn.svm.SVC : the estimator this one extends.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skkernel.svm import KernelSVC
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = KernelSVC(C=1.0, kernel="ntk", kernel_params={"depth": 2}).fit(X[:400], y[:400])
    >>> round(clf.score(X[400:], y[400:]), 2) > 0.95
    True
    """

    _parameter_constraints = {
        **_SVCParameters._parameter_constraints,
        "solver": [StrOptions({"auto", "exact", "nystroem"})],
        "n_components": CENTER_CONSTRAINTS["n_components"],
        "sampling": CENTER_CONSTRAINTS["sampling"],
    }

    def __init__(
        self,
        C: float = 1.0,
        *,
        kernel: KernelLike = "rbf",
        degree: int = 3,
        gamma: float | Literal["scale", "auto"] = "scale",
        coef0: float = 0.0,
        kernel_params: dict[str, Any] | None = None,
        shrinking: bool = True,
        probability: bool = False,
        tol: float = 1e-3,
        cache_size: float = 200,
        class_weight: dict[Any, float] | Literal["balanced"] | None = None,
        verbose: bool = False,
        max_iter: int = -1,
        decision_function_shape: Literal["ovo", "ovr"] = "ovr",
        break_ties: bool = False,
        random_state: RandomStateLike = None,
        solver: Literal["auto", "exact", "nystroem"] = "auto",
        n_components: int = 1000,
        sampling: Sampling = "rls",
        backend: BackendName = "auto",
    ) -> None:
        store_init_params(self, locals())

    @fit_context
    def fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> "KernelSVC":
        """Fit the SVM.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (a sparse matrix is densified); with
            ``kernel="precomputed"``, the kernel matrix of shape (n_samples, n_samples).
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample multipliers of C. Rows of weight 0 or less take no part in
            the fit (nor are they Nystroem centers); at least one must be positive.

        Returns
        -------
        {returns_self}
        """
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight)
        kernel = self._kernel_for(X)
        solver = self._choose_solver(X)
        fit_path = self._fit_exact if solver == "exact" else self._fit_nystroem
        model, calibrated, fitted = fit_path(X, y, sample_weight, kernel)
        # Only a successful fit replaces the fitted state.
        for name in (
            "support_",
            "support_vectors_",
            "n_support_",
            "dual_coef_",
            "fit_status_",
            "shape_fit_",
            "class_weight_",
            "coef_",
            "components_",
            "component_indices_",
            "normalization_",
        ):
            if hasattr(self, name):
                delattr(self, name)
        for name, value in fitted.items():
            setattr(self, name, value)
        self._model, self._calibrated = model, calibrated
        self.classes_ = model.classes_
        self.intercept_ = model.intercept_
        self.n_iter_ = np.atleast_1d(model.n_iter_)
        self.kernel_ = kernel
        self.solver_ = solver
        return self

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        if state.get("solver_") == "exact":
            # A model saved before the renumbering read every training column; the
            # renumbering is idempotent for the others.
            _read_support_columns_only(self._model)

    def _choose_solver(self, X):
        if self._precomputed:
            if self.solver == "nystroem":
                raise ValueError(
                    "solver='nystroem' evaluates the kernel itself; it does not take "
                    "kernel='precomputed'."
                )
            return "exact"
        if self.solver != "auto":
            return self.solver
        n = X.shape[0]
        needed = dense_nbytes(n, n, np.float64, count=self._exact_matrices)
        return "exact" if fits_in_memory(needed) else "nystroem"

    @property
    def _exact_matrices(self):
        """n x n arrays the exact path holds: the kernel matrix, and with
        probability=True a calibration fold's training block beside it (measured:
        1.9 at n = 3,000)."""
        return 2 if self.probability else 1

    def _fit_exact(self, X, y, sample_weight, kernel):
        """libsvm on the kernel matrix: the model, its calibration, and the
        attributes of this path."""
        n = X.shape[0]
        rows = _trained_rows(sample_weight)
        libsvm = self._libsvm(self.C, balanced_on=None if rows is None else y)
        if rows is not None:
            X = X[np.ix_(rows, rows)] if self._precomputed else X[rows]
            y, sample_weight = y[rows], sample_weight[rows]
        if self._precomputed:
            K = np.asarray(X, dtype=np.float64)
        else:
            m = X.shape[0]
            check_dense_fits(
                m,
                m,
                np.float64,
                what="KernelSVC(solver='exact')",
                instead=_TOO_LARGE,
                count=self._exact_matrices,
            )
            X64 = X.astype(np.float64, copy=False)
            K = KernelOperator(kernel, X64, backend=self.backend).gram()
        svc, calibrated = self._fit_model(libsvm, K, y, sample_weight)
        support_vectors = svc.support_vectors_ if self._precomputed else X[svc.support_]
        fitted = {
            # SVC's, computed here: with probability=True the class weights were
            # passed as sample weights.
            "class_weight_": compute_class_weight(libsvm.class_weight, classes=svc.classes_, y=y),
            # Indices into the training samples, whatever their weights.
            "support_": svc.support_ if rows is None else rows[svc.support_],
            "support_vectors_": support_vectors,
            "n_support_": svc.n_support_,
            "dual_coef_": svc.dual_coef_,
            "fit_status_": svc.fit_status_,
            "shape_fit_": (n, n),
        }
        _read_support_columns_only(svc)
        return svc, calibrated, fitted

    def _fit_nystroem(self, X, y, sample_weight, kernel):
        """liblinear on Nystroem features: the model, its calibration, and the
        attributes of this path."""
        classes = np.unique(y)
        if self.decision_function_shape == "ovo" and classes.size > 2:
            raise ValueError(
                "solver='nystroem' fits one-vs-rest linear models; "
                "decision_function_shape='ovo' needs solver='exact'."
            )
        n = X.shape[0]
        n_counted = n if sample_weight is None else np.count_nonzero(sample_weight > 0)
        n_components = check_n_components(self.n_components, n_counted)
        check_dense_fits(
            n,
            n_components,
            np.float64,
            what=f"KernelSVC(solver='nystroem', n_components={n_components})",
            instead="Lower n_components.",
        )
        indices, _ = select_centers(
            kernel,
            X,
            n_components,
            sampling=self.sampling,
            random_state=self.random_state,
            backend=self.backend,
            sample_weight=sample_weight,
        )
        components = X[indices].astype(np.float64, copy=False)
        normalization = psd_inverse_sqrt(KernelOperator(kernel, components).gram())
        # As the exact path: liblinear on the rows of positive weight only (rows of
        # weight 0 add nothing to its objective, but a class with only such rows
        # would make a class of its own, and a calibration fold of none).
        rows = _trained_rows(sample_weight)
        linear = LinearSVC(
            C=self.C,
            loss="hinge",
            dual=True,
            max_iter=_LINEAR_MAX_ITER if self.max_iter == -1 else max(self.max_iter, 1),
            **self._shared_options(balanced_on=None if rows is None else y),
        )
        trained = X if rows is None else X[rows]
        if rows is not None:
            y, sample_weight = y[rows], sample_weight[rows]
        features = nystroem_features(
            kernel, trained.astype(np.float64, copy=False), components, normalization, self.backend
        )
        fitted, calibrated = self._fit_model(linear, features, y, sample_weight)
        return (
            fitted,
            calibrated,
            {
                "coef_": fitted.coef_,
                "components_": X[indices],
                "component_indices_": np.asarray(indices),
                "normalization_": normalization,
                "support_vectors_": np.empty((0, X.shape[1]), dtype=X.dtype),
            },
        )

    def _model_input(self, X, rows):
        """What the fitted libsvm or liblinear model takes for the rows ``rows`` of X:
        kernel values against the rows libsvm trained on (only the support vectors'
        columns are filled: libsvm reads no other), or Nystroem features."""
        X_rows = X[rows]
        if self.solver_ == "nystroem":
            return nystroem_features(
                self.kernel_,
                X_rows.astype(np.float64, copy=False),
                self.components_,
                self.normalization_,
                self.backend,
            )
        # The model reads the support vectors' columns, in their order (see
        # _read_support_columns_only); support_ numbers them among all the training
        # samples.
        if not self.support_.size:  # no column is read
            return np.zeros((X_rows.shape[0], self._model.shape_fit_[0]))
        if self._precomputed:
            return np.asarray(X_rows[:, self.support_], dtype=np.float64)
        support_vectors = self.support_vectors_.astype(np.float64, copy=False)
        X_rows = X_rows.astype(np.float64, copy=False)
        return KernelOperator(
            self.kernel_, X_rows, support_vectors, backend=self.backend
        ).to_dense()

    def _apply(self, method, X):
        """A method of the fitted model (of its calibration for probabilities) on X,
        a block of rows at a time."""
        check_is_fitted(self)
        X = self._validate_X(X)
        model = self._calibrated if method == "predict_proba" else self._model
        # The model's input width: the support vectors (the training rows where there
        # are none: see _read_support_columns_only).
        width = (
            self.components_.shape[0] if self.solver_ == "nystroem" else self._model.shape_fit_[0]
        )
        return _in_row_blocks(
            X.shape[0],
            2 * 8 * width,
            lambda rows: getattr(model, method)(self._model_input(X, rows)),
        )


def _with_setting(base, setting):
    """A copy of the base kernel with a setting's parameters. A Gaussian-process kernel
    is wrapped (GPKernelAdapter): the grid names its own parameters, as GridSearchCV's
    ``kernel__length_scale`` over KernelSVC(kernel=RBF()) does."""
    prefix = "kernel__" if isinstance(base, GPKernelAdapter) else ""
    return clone(base).set_params(**{prefix + name: value for name, value in setting})


def _as_indices(rows):
    """A fold's rows as an integer index array (an iterable ``cv`` may give lists, or
    boolean masks, as GridSearchCV takes them)."""
    rows = np.asarray(rows)
    return np.flatnonzero(rows) if rows.dtype == bool else rows.astype(np.intp, copy=False)


def _setting(params):
    """The kernel setting of a candidate (its ``kernel__`` parameters), as a sorted
    tuple of (name, value) pairs."""
    return tuple(sorted((k[len("kernel__") :], v) for k, v in params.items() if k != "C"))


def _distinct(settings):
    """The distinct settings, in their first order. Compared by equality, not hashed:
    a grid's values may be dicts (``activation_params``), as in GridSearchCV."""
    distinct = []
    for setting in settings:
        if setting not in distinct:
            distinct.append(setting)
    return distinct


class _FoldModel(ClassifierMixin, BaseEstimator):
    """A fold's libsvm model and its calibration, predicting as KernelSVC does: labels
    and decision values from libsvm, probabilities from the calibration (whose own
    ``predict`` is the argmax of its probabilities, not libsvm's labels)."""

    def __init__(self, svc=None, calibrated=None):
        self.svc = svc
        self.calibrated = calibrated

    @property
    def classes_(self):
        return self.svc.classes_

    def predict(self, K):
        return self.svc.predict(K)

    def decision_function(self, K):
        return self.svc.decision_function(K)

    def predict_proba(self, K):
        return self.calibrated.predict_proba(K)

    def predict_log_proba(self, K):
        return self.calibrated.predict_log_proba(K)


@fill_doc
class KernelSVCCV(_SVCParameters):
    """KernelSVC with C and kernel parameters chosen by cross-validation.

    The search of :class:`~sklearn.model_selection.GridSearchCV` over ``{"C": Cs,
    "kernel__<name>": values}`` for a :class:`KernelSVC`, with the same
    ``cv_results_``, ``best_params_``, ``best_score_`` and ``best_estimator_``; but
    GridSearchCV would compute one kernel matrix per fit (per C, per fold). Here each
    kernel setting's matrix is computed once on all samples; every fold and every C
    slices it (libsvm on ``SVC(kernel="precomputed")``). For the neural kernels
    (:class:`~skkernel.NTK`, :class:`~skkernel.NNGP`) the matrices of every depth
    and number of fixed layers come from one pass through the layers
    (:meth:`skkernel.KernelOperator.path`): Arora et al.'s whole grid costs about one
    matrix of the deepest network.

    Arora et al. (2020) choose depth, fixed layers and C on one train/validation
    split: pass it as ``cv=[(train_indices, validation_indices)]`` (or a
    :class:`~sklearn.model_selection.PredefinedSplit`).

    Parameters
    ----------
    Cs : array-like of float, default=(0.01, 0.1, 1, 10, 100, 1000, 10000)
        The values of C to try (Arora et al.'s grid).
    kernel : str or Kernel, default="rbf"
        The kernel whose parameters ``kernel_grid`` varies (see :class:`KernelSVC`);
        "precomputed" is not taken.
    degree : int, default=3
        Degree of the polynomial kernel.
    gamma : {"scale", "auto"} or float, default="scale"
        As in :class:`KernelSVC`; "scale" is resolved on all of X (not per fold,
        since one matrix serves every fold).
    coef0 : float, default=0.0
        Offset of the polynomial and sigmoid kernels.
    kernel_params : dict, default=None
        Other fixed kernel parameters (``activation``, ``b_std``... of "ntk").
    kernel_grid : dict or list of dicts, default=None
        Kernel parameter names (without the ``kernel__`` prefix) to lists of values,
        as a ``param_grid``: ``{"depth": [1, 2, 3, 4, 5], "fixed_layers": [0, 1, 2,
        3, 4, 5]}`` for the NTK (combinations with ``fixed_layers`` above ``depth``
        are left out), ``{"gamma": [...]}`` for the RBF kernel, the Gaussian-process
        kernel's own names for one (``{"length_scale": [...]}``). None: the kernel
        as it is.
    cv : int, cross-validation generator or iterable, default=None
        As in GridSearchCV: None is 5-fold stratified, an iterable yields (train,
        test) index arrays (or lists, or boolean masks).
    scoring : str, callable, list, tuple or dict, default=None
        A scikit-learn scorer, applied to each fold's model and the test rows'
        kernel values; the model predicts as :class:`KernelSVC` does (labels and
        decision values from libsvm, probabilities from the calibration), so the
        scores are GridSearchCV's over KernelSVC. None is accuracy. As in
        GridSearchCV, several metrics are a list or tuple of scorer names, a
        dict of names to scorers, or a callable returning a dict of scores; their
        columns are ``mean_test_<name>``... and ``refit`` names the one that chooses
        the best candidate. A scoring that needs a method the model lacks
        (``predict_proba`` without ``probability=True``) raises at ``fit``, where
        GridSearchCV would score every fold NaN. Values of C and of the grid are kept
        as given (``{"C": 1}``, as GridSearchCV).
    refit : bool, str or callable, default=True
        As in GridSearchCV: whether to fit ``best_estimator_``, a :class:`KernelSVC`,
        on all of X with the best candidate's parameters (False: the search has no
        prediction methods, only its results). With several metrics, the
        name of the metric that chooses the best candidate (False: no ``best_*``
        attributes). A callable takes ``cv_results_`` and returns the best
        candidate's index (``best_score_`` is then not set).
    n_jobs : int, default=None
        Threads fitting the values of C on a fold's kernel matrix at once (libsvm
        releases the GIL while it trains, and the threads share the matrix); None
        means 1 unless in a :func:`joblib.parallel_backend` context, -1 means all
        processors.
    error_score : "raise" or float, default=np.nan
        As in GridSearchCV: the score of a fit that raises (a training part of one
        class), with a ``FitFailedWarning``, and of a fold the scorer cannot score
        (a test part without some class, for ``neg_log_loss``), with a warning;
        "raise" raises the error instead. When every fit raises, so does ``fit``.
    return_train_score : bool, default=False
        As in GridSearchCV: also score every fold's model on its training part
        (``split<k>_train_score``, ``mean_train_score``, ``std_train_score``); costs
        one more prediction per fit, and, where some rows weigh 0, a kernel block of
        the training part per fold.
    shrinking : bool, default=True
        As in :class:`KernelSVC`.
    probability : bool, default=False
        As in :class:`KernelSVC` (calibrated probabilities; for ``predict_proba`` of
        the refitted model and for probability-based scorers).
    tol : float, default=1e-3
        Tolerance of libsvm's stopping criterion.
    cache_size : float, default=200
        Size of libsvm's kernel cache in MB.
    class_weight : dict or "balanced", default=None
        As in SVC.
    verbose : bool, default=False
        Whether libsvm prints its progress.
    max_iter : int, default=-1
        Iteration limit of libsvm, -1 for none.
    decision_function_shape : {"ovo", "ovr"}, default="ovr"
        As in SVC.
    break_ties : bool, default=False
        As in SVC.
    random_state : int, RandomState instance or None, default=None
        Passed to libsvm, as SVC's; it has no effect here: libsvm uses it only
        for its own probability estimates, and this estimator's come from
        CalibratedClassifierCV on unshuffled folds (kept for SVC's signature).
    backend : str, default="auto"
        Backend of the kernel matrices that are not computed by a path.

    Attributes
    ----------
    cv_results_ : dict of ndarrays
        As GridSearchCV's: ``params``, ``param_C``, ``param_kernel__<name>``,
        ``split<k>_test_score``, ``mean_test_score``, ``std_test_score``,
        ``rank_test_score``, the training scores (``return_train_score=True``),
        and the fit and score times of libsvm (``mean_fit_time``...), in
        GridSearchCV's order of candidates.
    best_params_ : dict
        The best candidate's parameters (``{"C": ..., "kernel__depth": ...}``).
    best_score_ : float
        Its mean test score (of the ``refit`` metric; not set where ``refit`` is
        a callable).
    best_index_ : int
        Its index in ``cv_results_`` (the first of the best, as in GridSearchCV).
    best_estimator_ : KernelSVC
        Fitted on all of X with the best parameters (``refit=True``).
    kernel_time_ : float
        Seconds spent computing kernel matrices.
    refit_time_ : float
        Seconds spent refitting the best model.
    n_iter_ : ndarray
        Iterations of libsvm for ``best_estimator_`` (``refit=True``).
    n_splits_ : int
        Number of cross-validation splits.
    scorer_ : callable or dict
        The scorer, or the scorers by metric name (several metrics).
    multimetric_ : bool
        Whether the scoring gives several metrics.
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    {feature_attributes}

    See Also
    --------
    KernelSVC : the classifier.
    sklearn.model_selection.GridSearchCV : the search this one reproduces.

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skkernel.svm import KernelSVCCV
    >>> X, y = load_wine(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> search = KernelSVCCV(
    ...     Cs=[0.1, 1, 10], kernel="ntk",
    ...     kernel_grid={"depth": [1, 2, 3], "fixed_layers": [0, 1]}, cv=3,
    ... ).fit(X, y)
    >>> len(search.cv_results_["params"])
    18
    >>> sorted(search.best_params_)
    ['C', 'kernel__depth', 'kernel__fixed_layers']
    """

    _parameter_constraints = {
        **{k: v for k, v in _SVCParameters._parameter_constraints.items() if k != "C"},
        "Cs": ["array-like"],
        "kernel_grid": [dict, list, None],
        "cv": ["cv_object"],
        "scoring": [str, callable, list, tuple, dict, None],
        "refit": ["boolean", str, callable],
        "n_jobs": [Integral, None],
        "error_score": [StrOptions({"raise"}), Real],
        "return_train_score": ["boolean"],
    }

    def __init__(
        self,
        Cs: ArrayLike = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0),
        *,
        kernel: KernelLike = "rbf",
        degree: int = 3,
        gamma: float | Literal["scale", "auto"] = "scale",
        coef0: float = 0.0,
        kernel_params: dict[str, Any] | None = None,
        kernel_grid: dict[str, Any] | list[dict[str, Any]] | None = None,
        cv: CVLike = None,
        scoring: ScoringLike = None,
        refit: bool | str | Callable[..., Any] = True,
        n_jobs: int | None = None,
        error_score: float | Literal["raise"] = np.nan,
        return_train_score: bool = False,
        shrinking: bool = True,
        probability: bool = False,
        tol: float = 1e-3,
        cache_size: float = 200,
        class_weight: dict[Any, float] | Literal["balanced"] | None = None,
        verbose: bool = False,
        max_iter: int = -1,
        decision_function_shape: Literal["ovo", "ovr"] = "ovr",
        break_ties: bool = False,
        random_state: RandomStateLike = None,
        backend: BackendName = "auto",
    ) -> None:
        store_init_params(self, locals())

    def _candidates(self, base, n_features):
        """GridSearchCV's candidates over C and the kernel grid, and the distinct
        kernel settings among them; every setting is checked here, before any work."""
        try:
            Cs = np.asarray(self.Cs, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            Cs = np.array([np.nan])  # not numbers: said below
        if Cs.size == 0 or not np.all(np.isfinite(Cs)) or np.any(Cs <= 0):
            raise ValueError(f"Cs must be positive finite numbers; got {self.Cs!r}.")
        # The values as given (GridSearchCV keeps {"C": 1}, not 1.0).
        Cs = list(np.ravel(np.asarray(self.Cs, dtype=object)))
        grids = self.kernel_grid if isinstance(self.kernel_grid, list) else [self.kernel_grid]
        for grid in grids:
            if not isinstance(grid, dict | None):
                # As GridSearchCV's param_grid (an int's .items() failed below).
                raise TypeError(f"kernel_grid must be a dict or a list of dicts; got {grid!r}.")
        combined = [
            # ParameterGrid says clearly when a value is not a list of values.
            {"C": Cs, **{f"kernel__{k}": v for k, v in (grid or {}).items()}}
            for grid in grids
        ]
        # What the grid does not set is the base kernel's own (an NTK(fixed_layers=2)
        # searched over depth leaves out the depths below 2).
        fixed_layers = getattr(base, "fixed_layers", 0)
        depth = getattr(base, "depth", np.inf)
        candidates = [
            params
            for params in ParameterGrid(combined)
            if params.get("kernel__fixed_layers", fixed_layers)
            <= params.get("kernel__depth", depth)
        ]
        if not candidates:
            raise ValueError("kernel_grid leaves no candidate (fixed_layers above every depth).")
        settings = _distinct(_setting(params) for params in candidates)
        for setting in settings:
            _with_setting(base, setting).spec(n_features)
        return candidates, settings

    def _kernel_matrices(self, base, settings, X):
        """(setting, K(X, X)) for every kernel setting: one path
        (:meth:`KernelOperator.path`) per group of settings that differ only in what
        the kernel's path varies (the neural kernels' depth and fixed layers), one
        matrix each for the others."""
        family = base.spec(X.shape[1]).family
        path_params = () if family is None or family.path is None else family.path_params
        groups = []  # (rest, members), compared by equality (values may be dicts)
        for setting in settings:
            rest = tuple((k, v) for k, v in setting if k not in path_params)
            members = next((group for other, group in groups if other == rest), None)
            if members is None:
                members = []
                groups.append((rest, members))
            members.append(setting)
        for rest, members in groups:
            kernel = _with_setting(base, rest)
            operator = KernelOperator(kernel, X, backend=self.backend)
            if not path_params:
                for setting in members:
                    yield setting, operator.gram()
                continue
            # Each member's values of the path parameters -> the member.
            wanted = {
                tuple(dict(setting).get(k, getattr(kernel, k)) for k in path_params): setting
                for setting in members
            }
            values = {k: sorted({point[i] for point in wanted}) for i, k in enumerate(path_params)}
            for params, K in operator.path(**values):
                point = tuple(params[k] for k in path_params)
                if point in wanted:
                    yield wanted[point], K

    @fit_context
    def fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        groups: ArrayLike | None = None,
    ) -> "KernelSVCCV":
        """Run the search, then refit the best model on all of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (a sparse matrix is densified).
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample multipliers of C, in every fit; the test folds are scored
            with their weights where the scorer takes them (as GridSearchCV does).
        groups : array-like of shape (n_samples,), default=None
            Group labels of the samples, for splitters that keep groups apart
            (``GroupKFold``, ``LeaveOneGroupOut``), as ``GridSearchCV.fit`` takes them.

        Returns
        -------
        {returns_self}
        """
        if self._precomputed:
            raise ValueError(
                "KernelSVCCV computes the kernel matrices itself; for a precomputed one, "
                "use GridSearchCV(KernelSVC(kernel='precomputed'), {'C': Cs})."
            )
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight)
        if groups is not None:
            groups = column_or_1d(groups, warn=True)
            check_consistent_length(X, groups)
        base = self._kernel_for(X)
        candidates, settings = self._candidates(base, X.shape[1])
        splits = [
            (_as_indices(train), _as_indices(test))
            for train, test in check_cv(self.cv, y, classifier=True).split(X, y, groups)
        ]
        scorers, multimetric = check_scorers(self._libsvm(1.0), self.scoring)
        if multimetric:
            check_refit(self.refit, list(scorers))  # before the search, as GridSearchCV
        # Each scorer's weights: the samples', or None where it takes none.
        score_weights = {
            name: sample_weight
            if sample_weight is not None and takes_sample_weight(scorer)
            else None
            for name, scorer in scorers.items()
        }
        X64 = X.astype(np.float64, copy=False)
        check_dense_fits(X.shape[0], X.shape[0], np.float64, what="KernelSVCCV", instead=_TOO_LARGE)
        Cs = sorted({params["C"] for params in candidates})
        scores, train_scores, fit_times, score_times, failures = {}, {}, {}, {}, []
        kernel_time = 0.0
        start = time.perf_counter()
        for setting, K in self._kernel_matrices(base, settings, X64):
            setting = settings.index(setting)  # scores are keyed by the setting's index
            kernel_time += time.perf_counter() - start
            for k, (train, test) in enumerate(splits):
                weights = None if sample_weight is None else sample_weight[train]
                # libsvm trains on the rows of positive weight only: slice K once.
                rows = _trained_rows(weights)
                balanced_on = None if rows is None else y[train]
                fitted = train if rows is None else train[rows]
                weights = weights if rows is None else weights[rows]
                K_fit = K[np.ix_(fitted, fitted)]
                # What the model is scored on: the test part, and (as GridSearchCV
                # scores it) the whole training part, rows of weight 0 included.
                scored = [
                    (K_fit if part is fitted else K[np.ix_(part, fitted)], y[part], part)
                    for part in ([test, train] if self.return_train_score else [test])
                ]
                scoring = (scorers, score_weights, multimetric)
                fold = (K_fit, y[fitted], weights, balanced_on, scoring, scored)
                # libsvm releases the GIL while it trains: threads share the fold's matrices.
                outcomes = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                    delayed(self._fit_and_score)(C, *fold) for C in Cs
                )
                for C, (fold_scores, fit_time, score_time, error) in zip(Cs, outcomes, strict=True):
                    scores[setting, C, k] = fold_scores[0]
                    if self.return_train_score:
                        train_scores[setting, C, k] = fold_scores[1]
                    fit_times[setting, C, k] = fit_time
                    score_times[setting, C, k] = score_time
                    if error is not None:
                        failures.append(error)
            del K
            start = time.perf_counter()
        warn_or_raise_about_failures(failures, len(candidates) * len(splits), self.error_score)
        scores, multimetric = scores_by_metric(scores)
        if multimetric and not isinstance(self.scoring, (list, tuple, dict)):
            check_refit(self.refit, list(scores))  # a callable scoring returned a dict
        train_scores = scores_by_metric(train_scores)[0] if train_scores else None
        results = self._results(
            candidates, settings, len(splits), scores, train_scores, fit_times, score_times
        )
        for part in ("train", "test") if self.return_train_score else ("test",):
            for name in scores:
                means = results[f"mean_{part}_{name}"]
                if not np.isfinite(means).all():
                    scores_of = "scores" if name == SINGLE_METRIC else f"{name} scores"
                    warnings.warn(
                        f"One or more of the {part} {scores_of} are non-finite: {means}",
                        UserWarning,
                        stacklevel=2,
                    )
        # GridSearchCV's best_*: none for several metrics without a refit; no
        # best_score_ where a callable chose.
        refit_metric = self.refit if multimetric and isinstance(self.refit, str) else SINGLE_METRIC
        best = None
        if self.refit or not multimetric:
            best = select_best(self.refit, refit_metric, results)
        best_estimator = None
        refit_time = 0.0
        if self.refit:
            began = time.perf_counter()
            best_estimator = self._best_estimator(base, candidates[best]).fit(
                X, y, sample_weight=sample_weight
            )
            refit_time = time.perf_counter() - began
        self.cv_results_ = results
        for name in ("best_index_", "best_params_", "best_score_"):
            if hasattr(self, name):
                delattr(self, name)
        if best is not None:
            self.best_index_ = best
            self.best_params_ = candidates[best]
            if not callable(self.refit):
                self.best_score_ = float(results[f"mean_test_{refit_metric}"][best])
        self.n_splits_ = len(splits)
        self.multimetric_ = multimetric
        self.scorer_ = scorers if multimetric else next(iter(scorers.values()))
        self.kernel_time_ = kernel_time
        self.refit_time_ = refit_time
        # The refitted model's, as GridSearchCV's (a label whose rows all weigh 0 is
        # not one it predicts); without a refit, the labels of y.
        self.classes_ = np.unique(y) if best_estimator is None else best_estimator.classes_
        if best_estimator is not None:
            self.best_estimator_ = best_estimator
            self.n_iter_ = best_estimator.n_iter_
        else:
            for name in ("best_estimator_", "n_iter_"):
                if hasattr(self, name):
                    delattr(self, name)
        return self

    def _fit_and_score(self, C, K_train, y_train, weights, balanced_on, scoring, scored):
        """Fit at C on a fold's kernel matrix (its rows of positive weight; their
        labels with the others in ``balanced_on``, see :meth:`_libsvm`); the scores
        on each (kernel rows, labels, rows of X) of ``scored`` by the ``(scorers,
        score weights, multimetric)`` of ``scoring`` (a number for one metric, a
        dict for several), the fit and score times, and the error of a fit that
        raised."""
        began = time.perf_counter()
        libsvm = self._libsvm(C, balanced_on=balanced_on)
        try:
            svc, calibrated = self._fit_model(libsvm, K_train, y_train, weights)
        except Exception as error:
            if self.error_score == "raise":
                raise
            # As GridSearchCV's: this fit scores error_score, and fit says so.
            failed = [self.error_score] * len(scored)
            return failed, time.perf_counter() - began, 0.0, f"{type(error).__name__}: {error}"
        fitted = time.perf_counter()
        model = svc if calibrated is None else _FoldModel(svc, calibrated)
        scorers, score_weights, multimetric = scoring
        scores = []
        for K_rows, y_rows, rows in scored:
            part = {
                name: self._score(
                    scorer,
                    model,
                    K_rows,
                    y_rows,
                    None if score_weights[name] is None else score_weights[name][rows],
                )
                for name, scorer in scorers.items()
            }
            scores.append(part if multimetric else part[SINGLE_METRIC])
        return scores, fitted - began, time.perf_counter() - fitted, None

    def _score(self, scorer, model, K_rows, y_rows, score_weights):
        """``scorer(model, K_rows, y_rows)``; ``error_score`` where it fails (as
        GridSearchCV's); a clear error for a scoring that needs a method the
        model lacks. A callable scoring may return a dict of scores."""
        weights = {} if score_weights is None else {"sample_weight": score_weights}
        try:
            return scorer(model, K_rows, y_rows, **weights)
        except AttributeError as error:
            # A scoring that needs a method the model lacks fails on every fold alike:
            # said once, plainly (GridSearchCV scores NaN and warns per fold instead).
            raise ValueError(
                f"The scoring {self.scoring!r} cannot score this model ({error}). "
                "Probability-based scorings need probability=True."
            ) from error
        except Exception as error:
            if self.error_score == "raise":
                raise
            # As GridSearchCV's: a fold the scorer cannot score (a class missing from
            # its test rows) scores error_score, with GridSearchCV's warning.
            warnings.warn(
                "Scoring failed. The score on this train-test partition for these "
                f"parameters will be set to {self.error_score}. Details: "
                f"{type(error).__name__}: {error}",
                UserWarning,
                stacklevel=2,
            )
            return self.error_score

    @staticmethod
    def _results(candidates, settings, n_splits, scores, train_scores, fit_times, score_times):
        """GridSearchCV's cv_results_ from the times of every (index of the setting in
        ``settings``, C, split) and the scores of each by metric name (``{name:
        {(setting, C, split): score}}``; ``train_scores`` alike, or None)."""

        def key(params):
            return settings.index(_setting(params)), params["C"]

        def table(values):
            return np.array([[values[(*key(p), k)] for k in range(n_splits)] for p in candidates])

        fit, score = table(fit_times), table(score_times)
        results = {
            "mean_fit_time": fit.mean(axis=1),
            "std_fit_time": fit.std(axis=1),
            "mean_score_time": score.mean(axis=1),
            "std_score_time": score.std(axis=1),
        }
        for name in sorted({name for params in candidates for name in params}):
            values = [params[name] for params in candidates if name in params]
            # GridSearchCV's column dtype: the values' own when numpy infers a 1-D
            # non-text array from them, else object.
            try:
                inferred = np.array(values)
            except ValueError:
                dtype = np.dtype(object)
            else:
                dtype = (
                    inferred.dtype if inferred.dtype.kind != "U" and inferred.ndim == 1 else object
                )
            column = np.ma.MaskedArray(np.empty(len(candidates), dtype=dtype), mask=True)
            for i, params in enumerate(candidates):
                if name in params:
                    column[i] = params[name]
            results[f"param_{name}"] = column
        results["params"] = candidates
        # GridSearchCV's order: each metric's test columns, then its train columns.
        for name, values in scores.items():
            add_score_columns(results, "test", name, table(values), rank=True)
            if train_scores is not None:
                add_score_columns(results, "train", name, table(train_scores[name]), rank=False)
        return results

    def _best_estimator(self, base, params):
        kernel = _with_setting(base, _setting(params))
        shared = {
            name: getattr(self, name)
            for name in _SVC_PARAMETERS
            if name not in ("C", "degree", "gamma", "coef0")
        }
        return KernelSVC(
            C=params["C"],
            kernel=kernel,
            probability=self.probability,
            solver="exact",
            backend=self.backend,
            **shared,
        )

    def _has_model(self):
        # As GridSearchCV: without a refit there is no model, and no method to call.
        if not self.refit:
            raise AttributeError(
                f"This {type(self).__name__} was initialized with refit=False: it keeps "
                "the search's results (cv_results_) and fits no model to predict with. "
                "Set refit=True (or, for several metrics, the name of one), or fit a "
                "KernelSVC with the best parameters yourself."
            )
        return True

    def _apply(self, method, X):
        """A prediction method of the refitted best model on X."""
        check_is_fitted(self, "best_estimator_")
        # The refitted model saw the validated array.
        X = self._validate_X(X)
        return getattr(self.best_estimator_, method)(X)

    @available_if(lambda self: self._has_model())
    def score(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """The search's metric on X and y, scored on the refitted best model.

        As GridSearchCV's ``score``: the scorer of ``scoring`` (with several
        metrics, the one that ``refit`` names), so it measures what chose the best
        candidate; accuracy where ``scoring`` is None.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            Their true labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples, passed to the scorer (which must take them;
            with metadata routing enabled, it must request them, as in
            GridSearchCV).

        Returns
        -------
        score : float
            The score of ``best_estimator_`` on X and y.

        Raises
        ------
        ValueError
            With several metrics and a callable ``refit``: no one metric is the
            search's (score with ``scorer_[name](search.best_estimator_, X, y)``).
        TypeError
            With metadata routing enabled, ``sample_weight`` for a scorer that does
            not request it.
        """
        check_is_fitted(self, "best_estimator_")
        if self.multimetric_ and not isinstance(self.refit, str):
            raise ValueError(
                f"This {type(self).__name__} scored several metrics and chose with a "
                "callable refit, so no one metric is its score. Score the best model "
                "with one metric's scorer: search.scorer_[name](search.best_estimator_, "
                "X, y)."
            )
        if not isinstance(self.scorer_, dict):
            scorer = self.scorer_
        else:
            # A named metric's scorer; or a callable scoring that returned a dict.
            scorer = self.scorer_.get(self.refit, self.scorer_.get(SINGLE_METRIC))
        weights = {} if sample_weight is None else {"sample_weight": sample_weight}
        if weights and get_config()["enable_metadata_routing"]:
            # As GridSearchCV's score under routing: weights only to a scorer that
            # requests them (its own set_score_request).
            if not get_routing_for_object(scorer).consumes("score", ["sample_weight"]):
                raise TypeError(
                    f"{type(self).__name__}.score got sample_weight, which its scorer "
                    "does not request: with metadata routing enabled, call "
                    "set_score_request(sample_weight=True) on the scorer passed as "
                    "scoring (make_scorer(...) or get_scorer(name))."
                )
        # The refitted model saw the validated array.
        score = scorer(self.best_estimator_, self._validate_X(X), y, **weights)
        return score[self.refit] if isinstance(score, dict) else score
