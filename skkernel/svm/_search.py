"""GridSearchCV's conventions that KernelSVCCV reproduces: scorers by name (one
metric or several), the ``refit`` rules, the ``cv_results_`` table and the warnings
about fits that failed.

Only scikit-learn's public scoring API is used: :func:`~sklearn.metrics.check_scoring`
on each metric, so every scorer is called on its own (GridSearchCV's private
multi-metric scorer shares one prediction between them; a fold model's predictions
on a precomputed kernel block are cheap beside its fit).
"""

import inspect
import numbers
import warnings
from collections import Counter

import numpy as np
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import check_scoring

#: The metric name of a single scoring: its columns are ``mean_test_score``...
SINGLE_METRIC = "score"


def check_scorers(estimator, scoring):
    """The scorers of ``scoring`` by metric name, and whether it names several.

    Parameters
    ----------
    estimator : estimator
        What the scorers will score (for the default scorer of ``scoring=None``).
    scoring : str, callable, list, tuple, dict or None
        As GridSearchCV's: one metric (a name, a callable or None), or several (a
        list or tuple of names, or a dict of names to names or callables).

    Returns
    -------
    scorers : dict
        ``{"score": scorer}`` for one metric, else ``{name: scorer}``.
    multimetric : bool
        Whether ``scoring`` names several metrics. A callable returning a dict is
        multi-metric too, which shows only once it has scored.
    """
    if scoring is None or isinstance(scoring, str) or callable(scoring):
        return {SINGLE_METRIC: check_scoring(estimator, scoring)}, False
    if isinstance(scoring, dict):
        named = scoring
    else:
        names = list(scoring)
        if not all(isinstance(name, str) for name in names) or len(set(names)) != len(names):
            raise ValueError(
                "scoring given as a list or tuple must hold unique strings (metric "
                f"names); got {scoring!r}. Name callables with a dict."
            )
        named = {name: name for name in names}
    if not named or not all(isinstance(name, str) for name in named):
        raise ValueError(
            f"scoring must name at least one metric, each by a string; got {scoring!r}."
        )
    return {name: check_scoring(estimator, value) for name, value in named.items()}, True


def check_refit(refit, metric_names):
    """GridSearchCV's rule for ``refit`` with several metrics: False, a callable, or
    the name of the metric that chooses the best candidate."""
    if refit is False or callable(refit) or (isinstance(refit, str) and refit in metric_names):
        return
    raise ValueError(
        "For multi-metric scoring, refit must be the name of one of the metrics "
        f"({', '.join(map(repr, metric_names))}) or a callable, to choose the best "
        "candidate and refit it on all of X; or False, for no best_* attributes. "
        f"Got refit={refit!r}."
    )


def takes_sample_weight(scorer):
    """Whether a scorer scores with sample weights; says so when it does not, as
    scikit-learn's searches do."""
    if hasattr(scorer, "_accept_sample_weight"):
        takes = scorer._accept_sample_weight()
    else:
        takes = "sample_weight" in inspect.signature(scorer).parameters
    if not takes:
        warnings.warn(
            f"The scoring {scorer} does not take sample_weight: the test folds are "
            "scored without their weights.",
            UserWarning,
            stacklevel=3,
        )
    return takes


def warn_or_raise_about_failures(failures, n_fits, error_score):
    """GridSearchCV's handling of fits that raised (with a numeric ``error_score``):
    an error when all did, else a FitFailedWarning (they score ``error_score``)."""
    if not failures:
        return
    counts = Counter(failures)
    detail = "\n".join(f"{n} fit(s) failed with {message}" for message, n in counts.items())
    advice = "If these failures are not expected, debug them with error_score='raise'."
    if len(failures) == n_fits:
        raise ValueError(f"All the {n_fits} fits failed. {advice}\n{detail}")
    warnings.warn(
        f"{len(failures)} fits failed out of a total of {n_fits}. The score on these "
        f"train-test partitions for these parameters is set to {error_score}. "
        f"{advice}\n{detail}",
        FitFailedWarning,
        stacklevel=3,
    )


def scores_by_metric(scores):
    """``{fit: score}`` -> ``{metric name: {fit: score}}``, and whether multi-metric.

    A score is a number, or a dict of them by metric name (several metrics, or a
    callable scoring that returns a dict); a number among dicts is a failed fit's
    ``error_score``, which stands for every metric (GridSearchCV's rule).
    """
    first = next((score for score in scores.values() if isinstance(score, dict)), None)
    if first is None:
        return {SINGLE_METRIC: scores}, False
    return {
        name: {
            fit: score[name] if isinstance(score, dict) else score for fit, score in scores.items()
        }
        for name in first
    }, True


def rank_scores(means):
    """GridSearchCV's ranks of mean scores: 1 for the best, ties share the best rank
    of their group ("min"), non-finite means tie last."""
    order = np.argsort(-means, kind="stable")
    ranks = np.empty(len(means), dtype=np.int32)
    ordered = -means[order]
    ranks[order] = np.searchsorted(ordered, ordered, side="left") + 1
    return ranks


def add_score_columns(results, part, name, table, rank):
    """``split<k>_<part>_<name>``, ``mean_...`` and ``std_...`` (and ``rank_...``)
    columns of a (candidates, splits) table of scores, in GridSearchCV's order."""
    for k in range(table.shape[1]):
        results[f"split{k}_{part}_{name}"] = table[:, k]
    results[f"mean_{part}_{name}"] = table.mean(axis=1)
    results[f"std_{part}_{name}"] = table.std(axis=1)
    if rank:
        results[f"rank_{part}_{name}"] = rank_scores(results[f"mean_{part}_{name}"])


def select_best(refit, refit_metric, results):
    """The index of the best candidate: ``refit(results)`` where it is callable
    (checked to be an index of a candidate), else the first of the best ranked on
    ``refit_metric``."""
    if not callable(refit):
        return int(results[f"rank_test_{refit_metric}"].argmin())
    best = refit(results)
    if not isinstance(best, numbers.Integral) or isinstance(best, bool):
        raise TypeError(f"refit must return the index of a candidate (an integer); got {best!r}.")
    if not 0 <= best < len(results["params"]):
        raise IndexError(
            f"refit returned {best}, which is not the index of one of the "
            f"{len(results['params'])} candidates."
        )
    return int(best)
