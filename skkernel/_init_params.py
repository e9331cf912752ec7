"""Storing an estimator's constructor arguments as scikit-learn reads them back."""

from typing import Any

__all__ = ["store_init_params"]


def store_init_params(estimator: object, arguments: dict[str, Any]) -> None:
    """Store each constructor argument, unchanged, as the attribute of its name.

    scikit-learn's ``get_params``, ``set_params`` and ``clone`` read an estimator's
    parameters back from the attributes named as its ``__init__`` parameters, set
    as given and checked only at ``fit``. Every skkernel estimator and kernel has
    the explicit signature scikit-learn introspects, and a body of one line,
    ``store_init_params(self, locals())``, instead of one assignment per
    parameter written again in every class (the estimators share most of them:
    ``kernel``, ``gamma``, ..., ``random_state``, ``verbose``).

    Parameters
    ----------
    estimator : object
        The estimator being constructed.
    arguments : dict
        ``locals()`` taken first thing in ``__init__``: its parameters by name,
        with ``self`` (and ``__class__`` where the method names ``super``), which
        are skipped.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> class Model(BaseEstimator):
    ...     def __init__(self, alpha=1.0, *, kernel="rbf"):
    ...         store_init_params(self, locals())
    >>> Model(alpha=2.0).get_params()
    {'alpha': 2.0, 'kernel': 'rbf'}
    """
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)
