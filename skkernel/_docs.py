"""Docstring parts that many public objects share, written once.

A docstring marks where a shared part goes with a line holding only ``{name}``;
:func:`fill_doc` replaces that line with the part, indented like the mark. The
parts are numpydoc entries, so the filled docstrings validate like hand-written
ones (``tests/test_docstrings.py``).
"""

import textwrap

__all__ = ["DOCS", "fill_doc"]

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


def fill_doc(obj):
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
