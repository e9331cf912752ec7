"""Reading the tables the command line works on, with one-line errors for people.

Every problem with a file (missing, empty, unknown or non-numeric column, missing
values) raises :class:`TableError` with a message that names it; the command line
prints that message and exits with a non-zero status instead of a traceback.
"""

from pathlib import Path

import numpy as np


class TableError(ValueError):
    """A data file the command line cannot use; the message says why."""


def read_table(path):
    """Read a CSV file into a DataFrame, or raise TableError saying what is wrong."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    try:
        table = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise TableError(f"{path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise TableError(f"{path} is not a readable CSV file ({exc})") from None
    if table.shape[0] == 0:
        raise TableError(f"{path} has a header but no rows")
    return table


def check_numeric_columns(table, columns, path):
    """Raise TableError for the first column that is not numeric or has missing values."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    for column in columns:
        values = table[column]
        if is_bool_dtype(values.dtype):
            continue
        if not is_numeric_dtype(values.dtype):
            example = values.dropna().astype(str).iloc[0] if values.notna().any() else ""
            raise TableError(
                f"column {column!r} of {path} is not numeric (for example {example!r}); "
                "encode it as numbers or drop it"
            )
        missing = int(values.isna().sum())
        if missing:
            raise TableError(
                f"column {column!r} of {path} has {missing} missing value(s); "
                "fill or drop them first"
            )
        infinite = int(np.isinf(values.to_numpy(dtype=float)).sum())
        if infinite:
            raise TableError(
                f"column {column!r} of {path} has {infinite} infinite value(s); "
                "replace or drop them first"
            )


def features_and_target(table, target, path):
    """Split a table into the feature columns and the target column, checked."""
    if target not in table.columns:
        raise TableError(
            f"no column {target!r} in {path}; its columns are: {', '.join(map(str, table.columns))}"
        )
    features = [c for c in table.columns if c != target]
    if not features:
        raise TableError(f"{path} has no feature columns besides the target {target!r}")
    check_numeric_columns(table, [target], path)
    check_numeric_columns(table, features, path)
    return table[features], table[target]


def feature_columns(table, names, path):
    """The columns a fitted model needs, in its order, checked."""
    missing = [str(n) for n in names if n not in table.columns]
    if missing:
        raise TableError(
            f"{path} lacks the column(s) the model was fitted on: {', '.join(missing)}"
        )
    names = list(names)
    check_numeric_columns(table, names, path)
    return table[names]
