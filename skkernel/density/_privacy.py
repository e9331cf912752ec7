"""Differential privacy: noise mechanisms, a budget accountant and a leak warning.

The conventions are diffprivlib's (which does not import with this scikit-learn):
mechanisms take keyword-only ``epsilon``, ``delta`` and ``sensitivity``; estimators
spend from a :class:`BudgetAccountant`; :class:`PrivacyLeakWarning` says when
something computed from the private data is used without being privatised.

Noise is drawn with numpy's floating-point samplers. Their outputs are not spread
evenly over the doubles, which in principle lets an attacker who sees the exact
bits of a release learn about the data (Mironov, CCS 2012); diffprivlib and OpenDP
use samplers built against that. Round or snap the released values before
publishing them where this matters.
"""

import math
import os
import threading
from typing import Any, Protocol

import numpy as np
from scipy.optimize import brentq
from scipy.special import log_ndtr
from sklearn.utils import check_random_state

from .._typing import ArrayLike, NDArray

__all__ = [
    "BudgetAccountant",
    "BudgetError",
    "GaussianMechanism",
    "LaplaceMechanism",
    "PrivacyLeakWarning",
]


class PrivacyLeakWarning(RuntimeWarning):
    """Something computed from the private data is used without privacy protection.

    Examples
    --------
    >>> import warnings
    >>> from skkernel.density import PrivacyLeakWarning
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("the labels are read from the data", PrivacyLeakWarning)
    >>> caught[0].category.__name__
    'PrivacyLeakWarning'
    """


class BudgetError(ValueError):
    """A release would exceed the privacy budget of its accountant.

    Examples
    --------
    >>> from skkernel.density import BudgetAccountant, BudgetError
    >>> try:
    ...     BudgetAccountant(epsilon=1.0).spend(2.0, 0.0)
    ... except BudgetError:
    ...     print("over budget")
    over budget
    """


def _check_sensitivity(sensitivity):
    if not float(sensitivity) >= 0:
        raise ValueError(f"sensitivity must be >= 0; got {sensitivity}.")
    return float(sensitivity)


def _check_privacy(epsilon, delta):
    epsilon, delta = float(epsilon), float(delta)
    if not epsilon > 0:
        raise ValueError(f"epsilon must be positive (or inf: no privacy); got {epsilon}.")
    if not 0 <= delta < 1:
        raise ValueError(f"delta must be in [0, 1); got {delta}.")
    return epsilon, delta


class BudgetAccountant:
    """A ledger of privacy spent by releases on one data set, with a total budget.

    Releases compose by the basic composition theorem: k releases that are
    (epsilon_i, delta_i)-differentially private are together
    (sum epsilon_i, sum delta_i)-private, whatever they are and however they were
    chosen. Tighter (advanced, Renyi) composition is not attempted: the sums are an
    upper bound that always holds.

    Estimators with ``accountant=None`` spend from the default accountant
    (:meth:`default`), whose budget is infinite unless one is set with
    :meth:`set_default` or a ``with accountant:`` block. Cloning an estimator
    (GridSearchCV, ``sklearn.base.clone``) keeps the same accountant: a ledger
    that was copied would forget what it recorded.

    Threads: :meth:`spend` checks and records at once, so fits in several threads
    never spend past the budget together. The default is one for the whole process,
    so threads started inside a ``with accountant:`` block (GridSearchCV with the
    threading backend) spend from it too; blocks of different accountants in two
    threads at once would charge one thread's releases to the other's ledger, and are
    refused (RuntimeError): pass ``accountant=`` to the estimators instead.

    Processes: a ledger lives in one process. A copy of it (unpickled in a joblib or
    multiprocessing worker, saved with a model and loaded again, or inherited by a
    forked process) still reports what was spent, but refuses to :meth:`spend`
    (RuntimeError): a release recorded there would not reach the ledger it was copied
    from, which could then spend the same budget again. Fit private estimators in
    the process that holds the accountant (GridSearchCV's ``n_jobs`` with joblib's
    threading backend); an estimator with ``accountant=None`` sent to a worker while
    a ``with`` block or :meth:`set_default` is in force carries that accountant as
    such a copy. A ledger saved to disk is continued with
    ``BudgetAccountant(epsilon, delta, spent_budget=saved.spent)``.

    Parameters
    ----------
    epsilon : float, default=inf
        Total epsilon budget.
    delta : float, default=1.0
        Total delta budget.
    spent_budget : list of tuple, default=None
        Releases already made on the data, as (epsilon, delta) pairs (diffprivlib's
        parameter): to continue a ledger in a new process.

    Attributes
    ----------
    spent : list of tuple
        The (epsilon, delta) of every release, in order.

    Examples
    --------
    >>> from skkernel.density import BudgetAccountant
    >>> accountant = BudgetAccountant(epsilon=1.0, delta=1e-6)
    >>> accountant.spend(0.5, 0.0)
    >>> accountant.total()
    (0.5, 0.0)
    >>> accountant.remaining()
    (0.5, 1e-06)
    """

    _default: "BudgetAccountant | None" = None
    # The infinite default that default() made itself (not one a user chose).
    _automatic: "BudgetAccountant | None" = None
    # The ``with`` blocks now open, innermost last: (accountant, thread, the default
    # it replaced); and the lock that guards them and the default.
    _blocks: "list[tuple[BudgetAccountant, int, BudgetAccountant | None]]" = []
    _blocks_lock = threading.Lock()

    def __init__(
        self,
        epsilon: float = np.inf,
        delta: float = 1.0,
        spent_budget: list[tuple[float, float]] | None = None,
    ) -> None:
        if not float(epsilon) >= 0 or not 0 <= float(delta) <= 1:
            raise ValueError(
                f"Budget epsilon must be >= 0 and delta in [0, 1]; got {epsilon}, {delta}."
            )
        self.epsilon = float(epsilon)
        self.delta = float(delta)
        self.spent: list[tuple[float, float]] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()  # the process whose ledger this is: see spend
        for release in spent_budget or []:
            try:
                epsilon_i, delta_i = release
            except (TypeError, ValueError):
                raise ValueError(
                    f"spent_budget holds (epsilon, delta) pairs; got {release!r}."
                ) from None
            self.spend(epsilon_i, delta_i)

    def total(self) -> tuple[float, float]:
        """The privacy spent so far, by basic composition.

        Returns
        -------
        spent : tuple of float
            ``(sum of epsilons, sum of deltas)``.
        """
        return (
            math.fsum(e for e, _ in self.spent),
            min(1.0, math.fsum(d for _, d in self.spent)),
        )

    def remaining(self) -> tuple[float, float]:
        """The budget left.

        Returns
        -------
        remaining : tuple of float
            ``(epsilon left, delta left)``.
        """
        epsilon, delta = self.total()
        return max(0.0, self.epsilon - epsilon), max(0.0, self.delta - delta)

    def check(self, epsilon: float, delta: float) -> None:
        """Raise :class:`BudgetError` if a release of (epsilon, delta) would exceed the budget.

        Parameters
        ----------
        epsilon : float
            Epsilon of the release.
        delta : float
            Delta of the release.

        Raises
        ------
        BudgetError
            If the release would exceed the budget.
        ValueError
            If epsilon or delta is negative or NaN.
        RuntimeError
            If this accountant is a copy from another process or a pickle (see the
            class docstring).
        """
        if self._pid != os.getpid():
            raise RuntimeError(
                "This BudgetAccountant is a copy (unpickled, e.g. in a joblib worker "
                "process or from a saved model, or inherited by a forked process): a "
                "release recorded here would not reach the ledger it was copied from, "
                "which could spend the same budget again. Fit private estimators in the "
                "process that holds the accountant (n_jobs: joblib's threading backend), "
                "or continue a saved ledger as BudgetAccountant(epsilon, delta, "
                "spent_budget=saved.spent)."
            )
        epsilon, delta = float(epsilon), float(delta)
        # NaN would pass every later comparison (the budget gone for good) and a
        # negative spend would refund it.
        if not (epsilon >= 0 and delta >= 0):
            raise ValueError(
                f"A release spends epsilon >= 0 and delta >= 0; got {epsilon}, {delta}."
            )
        spent_epsilon, spent_delta = self.total()
        if spent_epsilon + epsilon > self.epsilon * (1 + 1e-12) or spent_delta + delta > self.delta:
            raise BudgetError(
                f"A release with epsilon={epsilon}, delta={delta} would exceed the budget "
                f"(epsilon={self.epsilon}, delta={self.delta}; spent {spent_epsilon}, "
                f"{spent_delta}). Lower epsilon and delta, or start a new accountant for "
                "new data."
            )

    def spend(self, epsilon: float, delta: float) -> None:
        """Record a release of (epsilon, delta), after checking it fits the budget.

        Parameters
        ----------
        epsilon : float
            Epsilon of the release.
        delta : float
            Delta of the release.
        """
        with self._lock:  # no other thread's release between the check and the record
            self.check(epsilon, delta)
            self.spent.append((float(epsilon), float(delta)))

    @classmethod
    def default(cls) -> "BudgetAccountant":
        """The accountant that estimators with ``accountant=None`` spend from.

        Returns
        -------
        accountant : BudgetAccountant
            Infinite budget unless :meth:`set_default` chose another.
        """
        automatic = cls._default is None or cls._default is cls._automatic
        if automatic and (cls._default is None or cls._default._pid != os.getpid()):
            # A forked process makes its own infinite default (the parent's is a copy).
            cls._default = cls._automatic = cls()
        return cls._default

    @classmethod
    def chosen_default(cls) -> "BudgetAccountant | None":
        """The default accountant if one was chosen (:meth:`set_default` or a ``with``
        block), else None.

        Returns
        -------
        accountant : BudgetAccountant or None
            The chosen default.
        """
        return None if cls._default is cls._automatic else cls._default

    def set_default(self) -> "BudgetAccountant":
        """Make this accountant the default one.

        Returns
        -------
        self : BudgetAccountant
            This accountant.
        """
        BudgetAccountant._default = self
        return self

    def __enter__(self) -> "BudgetAccountant":
        thread = threading.get_ident()
        with BudgetAccountant._blocks_lock:
            if any(a is not self and t != thread for a, t, _ in BudgetAccountant._blocks):
                raise RuntimeError(
                    "Another thread is inside a `with` block of a different "
                    "BudgetAccountant; the default accountant is one for the whole "
                    "process, so one of them would be charged for the other's releases. "
                    "Pass accountant= to the estimators instead."
                )
            BudgetAccountant._blocks.append((self, thread, BudgetAccountant._default))
            BudgetAccountant._default = self
        return self

    def __exit__(self, *exc: object) -> None:
        thread = threading.get_ident()
        with BudgetAccountant._blocks_lock:
            blocks = BudgetAccountant._blocks
            i = max(k for k, (a, t, _) in enumerate(blocks) if a is self and t == thread)
            _, _, replaced = blocks.pop(i)
            if i == len(blocks):  # the innermost block: its default comes back
                BudgetAccountant._default = replaced
            else:  # a block opened later (same accountant) now replaced what this one did
                accountant, other_thread, _ = blocks[i]
                blocks[i] = (accountant, other_thread, replaced)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._pid = None  # a copy, in whatever process: it refuses to spend

    def __deepcopy__(self, memo: dict[int, Any]) -> "BudgetAccountant":
        # A ledger is shared, never copied: see the class docstring.
        return self

    def __repr__(self) -> str:
        return f"BudgetAccountant(epsilon={self.epsilon}, delta={self.delta})"


def resolve_accountant(accountant):
    """The accountant an estimator spends from."""
    if accountant is None:
        return BudgetAccountant.default()
    if not isinstance(accountant, BudgetAccountant):
        raise TypeError(f"accountant must be a BudgetAccountant or None; got {accountant!r}.")
    return accountant


class _NoiseMechanism(Protocol):
    """What :meth:`LaplaceMechanism.randomise` uses, which GaussianMechanism shares."""

    scale: float

    def _noise(self, rng: Any, shape: tuple[int, ...]) -> NDArray[np.float64]: ...


class LaplaceMechanism:
    """Pure epsilon-differential privacy: Laplace noise of scale ``sensitivity / epsilon``.

    Adds independent Laplace(0, b) noise to every coordinate of a vector whose L1
    sensitivity (the largest change of the vector between neighbouring data sets,
    in the L1 norm) is ``sensitivity``; ``b = sensitivity / epsilon``.

    Parameters
    ----------
    epsilon : float
        Privacy parameter, > 0; ``inf`` adds no noise (no privacy).
    sensitivity : float
        L1 sensitivity of the released vector, >= 0.

    Attributes
    ----------
    scale : float
        The noise scale b (the standard deviation is ``sqrt(2) b``).
    delta : float
        0: the mechanism is pure.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.density import LaplaceMechanism
    >>> mechanism = LaplaceMechanism(epsilon=0.5, sensitivity=2.0)
    >>> mechanism.scale
    4.0
    >>> mechanism.randomise(np.zeros(3), random_state=0).shape
    (3,)
    """

    def __init__(self, *, epsilon: float, sensitivity: float) -> None:
        self.epsilon, self.delta = _check_privacy(epsilon, 0.0)
        self.sensitivity = _check_sensitivity(sensitivity)
        self.scale = 0.0 if math.isinf(self.epsilon) else self.sensitivity / self.epsilon

    def _noise(self, rng, shape):
        return rng.laplace(scale=self.scale, size=shape)

    def randomise(
        self: _NoiseMechanism,
        value: ArrayLike,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
    ) -> NDArray[np.float64]:
        """Return the value plus independent noise on every entry.

        Parameters
        ----------
        value : array-like
            The exact release (any shape; a 2-D array of many copies gives many
            independent releases).
        random_state : int, RandomState or Generator instance or None, default=None
            Seeds the noise. None, as a private release needs: a generator seeded
            with fresh entropy from the operating system (``np.random.default_rng()``),
            not numpy's global RandomState, which ``np.random.seed`` anywhere in the
            program would fix.

        Returns
        -------
        noisy : ndarray
            Same shape as ``value``, float64.
        """
        value = np.asarray(value, dtype=np.float64)
        if self.scale == 0:
            return value.copy()
        if random_state is None:
            random_state = np.random.default_rng()
        elif not isinstance(random_state, np.random.Generator):
            random_state = check_random_state(random_state)
        return value + self._noise(random_state, value.shape)


def analytic_gaussian_delta(sigma, epsilon, sensitivity):
    """The smallest delta for which N(0, sigma^2) noise is (epsilon, delta)-private.

    Balle & Wang (ICML 2018), Theorem 8: for L2 sensitivity Delta,
    ``delta = Phi(Delta / (2 sigma) - epsilon sigma / Delta)
    - exp(epsilon) Phi(-Delta / (2 sigma) - epsilon sigma / Delta)``.
    """
    a = sensitivity / (2.0 * sigma)
    b = epsilon * sigma / sensitivity
    # exp(epsilon) Phi(.) in log space: both terms are tiny when sigma is large.
    return math.exp(log_ndtr(a - b)) - math.exp(epsilon + log_ndtr(-a - b))


class GaussianMechanism:
    """(epsilon, delta)-differential privacy: Gaussian noise, analytically calibrated.

    Adds independent N(0, sigma^2) noise to every coordinate of a vector whose L2
    sensitivity is ``sensitivity``, with the smallest sigma for which the mechanism
    is (epsilon, delta)-private: the analytic calibration of Balle & Wang (ICML
    2018, Theorem 8), which is exact for every epsilon (the classical
    ``sqrt(2 ln(1.25 / delta)) sensitivity / epsilon`` holds for epsilon < 1 only and
    adds more noise).

    Parameters
    ----------
    epsilon : float
        Privacy parameter, > 0; ``inf`` adds no noise (no privacy).
    delta : float
        Privacy parameter in (0, 1).
    sensitivity : float
        L2 sensitivity of the released vector, >= 0.

    Attributes
    ----------
    scale : float
        The noise standard deviation sigma.

    Examples
    --------
    >>> from skkernel.density import GaussianMechanism
    >>> round(GaussianMechanism(epsilon=1.0, delta=1e-6, sensitivity=1.0).scale, 3)
    4.225
    """

    def __init__(self, *, epsilon: float, delta: float, sensitivity: float) -> None:
        self.epsilon, self.delta = _check_privacy(epsilon, delta)
        if self.delta == 0:
            raise ValueError("The Gaussian mechanism needs delta > 0; use LaplaceMechanism.")
        self.sensitivity = _check_sensitivity(sensitivity)
        self.scale = self._calibrate()

    def _calibrate(self):
        if math.isinf(self.epsilon) or self.sensitivity == 0:
            return 0.0

        def excess(log_sigma):
            sigma = math.exp(log_sigma)
            return analytic_gaussian_delta(sigma, self.epsilon, self.sensitivity) - self.delta

        # delta(sigma) falls from ~1 to 0 as sigma grows: bracket the root in log sigma.
        low, high = math.log(self.sensitivity) - 10.0, math.log(self.sensitivity) + 10.0
        while excess(high) > 0:
            high += 10.0
        while excess(low) < 0:
            low -= 10.0
        log_sigma = brentq(excess, low, high, xtol=1e-14, rtol=1e-14)
        sigma = math.exp(log_sigma)
        # The root finder may stop a hair below the root: step up until private.
        while analytic_gaussian_delta(sigma, self.epsilon, self.sensitivity) > self.delta:
            sigma *= 1 + 1e-12
        return sigma

    def _noise(self, rng, shape):
        return rng.normal(scale=self.scale, size=shape)

    randomise = LaplaceMechanism.randomise


def make_mechanism(epsilon, delta, l1_sensitivity, l2_sensitivity):
    """Laplace (pure privacy, delta = 0) or analytic Gaussian noise for a release."""
    if delta == 0:
        return LaplaceMechanism(epsilon=epsilon, sensitivity=l1_sensitivity)
    return GaussianMechanism(epsilon=epsilon, delta=delta, sensitivity=l2_sensitivity)
