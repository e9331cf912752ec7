"""Docstring parts that many public objects share, written once.

A docstring marks where a shared part goes with a line holding only ``{name}``;
:func:`fill_doc` replaces that line with the part, indented like the mark. A part
may itself hold such lines. The parts are numpydoc entries or whole sections, so
the filled docstrings validate like hand-written ones (``tests/test_docstrings.py``).
"""

import textwrap
from typing import TypeVar

__all__ = ["DOCS", "fill_doc"]

_Documented = TypeVar("_Documented")

DOCS = {
    # The kernel parameters after ``kernel``, with scikit-learn's meaning.
    "kernel_parameters": """
gamma : float, default=None
    Parameter of the RBF, Laplacian, polynomial, sigmoid and chi2 kernels;
    ``None`` means ``1 / n_features``.
{kernel_parameters_after_gamma}""",
    # The same but gamma, for an estimator whose gamma means more.
    "kernel_parameters_after_gamma": """
degree : float, default=3
    Degree of the polynomial kernel.
coef0 : float, default=1
    Offset of the polynomial and sigmoid kernels.
kernel_params : dict, default=None
    Other kernel parameters (``nu`` and ``length_scale`` of "matern"; the
    keyword arguments of a callable kernel).""",
    # X and y of an unsupervised fit.
    "fit_X_unsupervised": """
X : array-like of shape (n_samples, n_features)
    Training data.
y : None
    Ignored.""",
    # X, y and sample_weight of a supervised fit.
    "fit_X_y_sample_weight": """
X : array-like of shape (n_samples, n_features)
    Training data.
{fit_y_sample_weight}""",
    # The same, for an estimator that takes kernel="precomputed".
    "fit_X_or_kernel_y_sample_weight": """
X : array-like of shape (n_samples, n_features)
    Training data; with ``kernel="precomputed"``, the kernel matrix of shape
    (n_samples, n_samples).
{fit_y_sample_weight}""",
    "fit_y_sample_weight": """
y : array-like of shape (n_samples,) or (n_samples, n_targets)
    Target values.
sample_weight : float or array-like of shape (n_samples,), default=None
    Individual weights for each sample.""",
    # The fitted attributes of a Nystroem kernel ridge model (Falkon).
    "falkon_attributes": """
components_ : ndarray of shape (n_components, n_features)
    The centers.
component_indices_ : ndarray of shape (n_components,)
    Their indices in the training data.
n_iter_ : int
    CG iterations.
{feature_attributes}""",
    # The arguments of a kernel's dense block computations (KernelSpec).
    "kernel_block": """
X : array of shape (n_samples_X, n_features)
    Rows of the block (numpy or cupy).
Y : array of shape (n_samples_Y, n_features)
    Columns of the block.
{kernel_block_norms}""",
    "kernel_block_norms": """
xp : module, default=numpy
    The array module of X and Y.
rows : RowNorms, default=None
    Norms of the rows of X, if already known.
cols : RowNorms, default=None
    Norms of the rows of Y, if already known.""",
    # The privacy and feature parameters of the private density estimators.
    "private_parameters": """
bandwidth : float or {"scott", "silverman"}, default=1.0
    The kernel's bandwidth, in the units of the data (or of the bounds' unit
    box). The rules are :class:`KernelDensity`'s (``n^(-1/(d+4))`` for Scott,
    for standardised data); they use n only, public under "replace"
    neighbouring, private under "add-remove" (a :class:`PrivacyLeakWarning`).
kernel : {"gaussian", "exponential", "laplacian"}, default="gaussian"
    The kernel (scikit-learn's KernelDensity profiles; "laplacian" is
    ``exp(-||x - y||_1 / h)``).
epsilon : float, default=1.0
    Privacy parameter epsilon > 0. ``np.inf`` releases the exact embedding (no
    privacy, no budget check beyond infinity): the non-private baseline.
delta : float, default=0.0
    Privacy parameter delta in [0, 1): 0 for pure epsilon-privacy (Laplace
    noise), > 0 for (epsilon, delta)-privacy (Gaussian noise, whose size does
    not grow with n_components).
n_components : int, default=1000
    Number D of random features (D / 2 frequencies, each with a cosine and a
    sine); even.
neighbouring : {"replace", "add-remove"}, default="replace"
    Which data sets privacy makes indistinguishable: those differing by one
    replaced point (n public), or by one added or removed point.
bounds : tuple (lower, upper), default=None
    A public box for the data: scalars or per-feature arrays. Given, each
    feature is scaled to [0, 1] by it before the kernel, so one bandwidth fits
    features of different scales without scaling them by statistics of the
    private data; the private rows are clipped to the box first, the query rows
    are not (the estimate stays a density: it decays outside the box). None: the
    raw features. The guarantee holds either way (every embedding has norm 1).
accountant : BudgetAccountant, default=None
    Where the release's (epsilon, delta) is recorded and checked;
    None: :meth:`BudgetAccountant.default`.
random_state : int, RandomState instance or None, default=None
    Seeds the frequencies and the noise. A private release must use fresh
    randomness (None): noise that can be regenerated from a known seed protects
    nothing. Seeds are for tests and reproducible experiments. With None the
    frequencies (public) come from numpy's global random state, as in
    scikit-learn, and the noise from a generator seeded with fresh entropy from
    the operating system, which ``np.random.seed`` does not reach.""",
    # Their fitted attributes.
    "private_attributes": """
bandwidth_ : float
    The bandwidth used.
bounds_ : tuple of ndarray or None
    The checked bounds.
random_weights_ : ndarray of shape (n_features, n_components // 2)
    The frequencies (drawn independently of the data; public).
mechanism_ : LaplaceMechanism or GaussianMechanism
    The noise mechanism of the release.
sensitivity_ : float
    The L1 (Laplace) or L2 (Gaussian) sensitivity of the released vector.
noise_scale_ : float
    The noise scale per coordinate: Laplace b or Gaussian sigma.
{feature_attributes}""",
    # What every fitted estimator records of the features.
    "feature_attributes": """
n_features_in_ : int
    Number of features seen during fit.
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of the features seen during fit, when X has string column names.""",
    # X of the prediction methods.
    "predict_X": """
X : array-like of shape (n_samples, n_features)
    Samples.""",
    # The same, for an estimator that takes kernel="precomputed".
    "predict_X_or_kernel": """
X : array-like of shape (n_samples, n_features)
    Samples; with ``kernel="precomputed"``, their kernel values against the
    training samples, of shape (n_samples, n_samples_fitted).""",
    # What fit returns.
    "returns_self": """
self : object
    The fitted estimator.""",
}


def _sections(parameters: str, returns: str) -> str:
    """The Parameters and Returns sections of a method, from their entries."""
    parameters, returns = parameters.strip("\n"), returns.strip("\n")
    return f"\nParameters\n----------\n{parameters}\n\nReturns\n-------\n{returns}"


# Whole sections of fit methods.
DOCS["fit_unsupervised"] = _sections("{fit_X_unsupervised}", "{returns_self}")
DOCS["fit_supervised"] = _sections("{fit_X_y_sample_weight}", "{returns_self}")
DOCS["fit_supervised_or_kernel"] = _sections("{fit_X_or_kernel_y_sample_weight}", "{returns_self}")

#: What the prediction methods return.
_PREDICTIONS = {
    "predict_values": """
y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
    Predicted values.""",
    "predict_labels": """
y_pred : ndarray of shape (n_samples,)
    Labels from ``classes_``.""",
    # Of a classifier fitting one-vs-rest targets in {-1, 1}.
    "decision_ovr": """
scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
    One-vs-rest decision values; one column for two classes (positive:
    ``classes_[1]``).""",
    # Of a support vector classifier.
    "decision_svc": """
scores : ndarray of shape (n_samples,), (n_samples, n_classes) or \
        (n_samples, n_classes * (n_classes - 1) / 2)
    As ``SVC.decision_function`` for its ``decision_function_shape``.""",
    "predict_proba": """
proba : ndarray of shape (n_samples, n_classes)
    Probabilities of the classes, in the order of ``classes_``.""",
    "predict_log_proba": """
log_proba : ndarray of shape (n_samples, n_classes)
    Log-probabilities of the classes, in the order of ``classes_``.""",
}
# Whole sections of the prediction methods: ``{predict_labels}`` for an estimator
# that takes samples, ``{predict_labels_or_kernel}`` for one that also takes
# kernel="precomputed" (likewise for every entry of _PREDICTIONS).
for _name, _returns in _PREDICTIONS.items():
    DOCS[_name] = _sections("{predict_X}", _returns)
    DOCS[f"{_name}_or_kernel"] = _sections("{predict_X_or_kernel}", _returns)


def fill_doc(obj: _Documented) -> _Documented:
    """Fill the ``{name}`` lines of docstrings with the parts in :data:`DOCS`.

    Parameters
    ----------
    obj : function or class
        Its ``__doc__`` is rewritten in place; for a class, its methods' too.

    Returns
    -------
    obj : function or class
        The same object, so ``fill_doc`` can be used as a decorator.
    """
    if isinstance(obj, type):
        for member in vars(obj).values():
            # Methods, and the functions behind descriptors such as available_if.
            function = getattr(member, "fn", member)
            if callable(function) and getattr(function, "__doc__", None):
                _fill(function)
                if function is not member:
                    # The descriptor copied the docstring when it was made.
                    member.__doc__ = function.__doc__
    return _fill(obj)


def _fill(obj):
    obj.__doc__ = _filled(obj.__doc__ or "")
    return obj


def _filled(text):
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("{") and stripped.endswith("}") and stripped[1:-1] in DOCS:
            indent = line[: len(line) - len(line.lstrip())]
            part = _filled(DOCS[stripped[1:-1]].strip("\n"))
            lines.append(textwrap.indent(part, indent))
        else:
            lines.append(line)
    return "\n".join(lines)
