"""What the exact and the private density estimators share: the bandwidth rules
and the log-likelihood score."""

from collections.abc import Callable
from typing import Literal, TypeAlias

import numpy as np

from .._typing import ArrayLike, NDArray

__all__ = ["BandwidthRule", "LogLikelihoodScore", "bandwidth_rule"]

#: The bandwidth rules of thumb (``bandwidth=`` also takes a float).
BandwidthRule: TypeAlias = Literal["scott", "silverman"]


def bandwidth_rule(rule: BandwidthRule, n_samples: int, n_features: int) -> float:
    """Compute scikit-learn's bandwidth rules of thumb, as :class:`KernelDensity` applies them.

    Parameters
    ----------
    rule : {"scott", "silverman"}
        Scott's factor ``n^(-1 / (d + 4))`` or Silverman's
        ``(n (d + 2) / 4)^(-1 / (d + 4))``.
    n_samples : int
        Number of training samples n.
    n_features : int
        Dimension d.

    Returns
    -------
    bandwidth : float
        The rule's factor. Like scikit-learn's, it is not multiplied by the data's
        standard deviation: it suits standardised data.

    Examples
    --------
    >>> from skkernel.density import bandwidth_rule
    >>> round(bandwidth_rule("scott", 100_000, 2), 4)
    0.1468
    """
    if rule == "scott":
        return n_samples ** (-1.0 / (n_features + 4))
    if rule == "silverman":
        return (n_samples * (n_features + 2) / 4.0) ** (-1.0 / (n_features + 4))
    raise ValueError(f"Unknown bandwidth rule {rule!r}; use 'scott' or 'silverman'.")


class LogLikelihoodScore:
    """``score``: the total log-likelihood, the sum of ``score_samples`` (what
    GridSearchCV maximises to choose a bandwidth)."""

    # Provided by the estimator this is mixed into (an annotation, not an attribute).
    score_samples: Callable[[ArrayLike], NDArray[np.float64]]

    def score(self, X: ArrayLike, y: ArrayLike | None = None) -> float:
        """Total log-likelihood of the data under the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points to evaluate.
        y : None
            Ignored.

        Returns
        -------
        log_likelihood : float
            Sum of :meth:`score_samples` over X.
        """
        return float(np.sum(self.score_samples(X)))
