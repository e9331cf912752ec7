"""Docstring parts that many public objects share, written once.

A docstring marks where a shared part goes with a line holding only ``{name}``;
:func:`fill_doc` replaces that line with the part, indented like the mark. The
parts are numpydoc entries, so the filled docstrings validate like hand-written
ones (``tests/test_docstrings.py``).
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
y : array-like of shape (n_samples,) or (n_samples, n_targets)
    Target values.
sample_weight : float or array-like of shape (n_samples,), default=None
    Individual weights for each sample.""",
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
    feature is clipped to it and scaled to [0, 1] before the kernel, so one
    bandwidth fits features of different scales without scaling them by
    statistics of the private data. None: the raw features. The guarantee holds
    either way (every embedding has norm 1).
accountant : BudgetAccountant, default=None
    Where the release's (epsilon, delta) is recorded and checked;
    None: :meth:`BudgetAccountant.default`.
random_state : int, RandomState instance or None, default=None
    Seeds the frequencies and the noise. A private release must use fresh
    randomness (None): noise that can be regenerated from a known seed protects
    nothing. Seeds are for tests and reproducible experiments.""",
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
n_features_in_ : int
    Number of features seen during fit.
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of features seen during fit, when X has string feature names.""",
    # X of the prediction methods of an estimator that takes kernel="precomputed".
    "predict_X_or_kernel": """
X : array-like of shape (n_samples, n_features)
    Samples; with ``kernel="precomputed"``, their kernel values against the
    training samples, of shape (n_samples, n_samples_fitted).""",
    # What fit returns.
    "returns_self": """
self : object
    The fitted estimator.""",
}


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
    return _fill(obj)


def _fill(obj):
    lines = []
    for line in (obj.__doc__ or "").split("\n"):
        stripped = line.strip()
        if stripped.startswith("{") and stripped.endswith("}") and stripped[1:-1] in DOCS:
            indent = line[: len(line) - len(line.lstrip())]
            part = DOCS[stripped[1:-1]].strip("\n")
            lines.append(textwrap.indent(part, indent))
        else:
            lines.append(line)
    obj.__doc__ = "\n".join(lines)
    return obj
