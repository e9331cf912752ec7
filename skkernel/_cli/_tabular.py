"""Reading the tables the command line works on, and turning them into features.

Every problem with a file (missing, empty, unknown column, infinite values) raises
:class:`TableError` with a message that names it; the command line prints that
message and exits with a non-zero status instead of a traceback. Real tables have
text categories and missing values: :func:`preprocessor` one-hot encodes the
former and imputes the latter inside the saved pipeline, so ``predict`` applies the
same steps, and :func:`describe` says in one line what was done to which columns.
"""

import re
from pathlib import Path

import numpy as np

#: Whole-number targets with at most this many distinct values are class labels.
MAX_CLASS_CODES = 10
#: Text columns with more levels than this keep their most frequent ones only.
MAX_CATEGORIES = 30

_ID_NAME = re.compile(r"^(id|index|row|rownames|unnamed: ?\d+|.*[_ ]id)$", re.IGNORECASE)


class TableError(ValueError):
    """A data file the command line cannot use; the message says why."""


#: Cells read as missing besides pandas' own (empty, NA, NaN, ...): "?" is the
#: usual marker of UCI-style tables, and a numeric column that has it would
#: otherwise be read as text and one-hot encoded.
MISSING_MARKERS = ["?"]
#: A text column whose cells are numbers but for at most this share is probably a
#: numeric column with another missing-value marker.
MOSTLY_NUMBERS = 0.9
#: A number written with a decimal comma, as spreadsheets set to one write them.
_DECIMAL_COMMA = re.compile(r"[-+]?\d+(,\d+)?([eE][-+]?\d+)?")


def _separator(path):
    """The header line's separator: ";" or a tab where it has no comma, else ","."""
    with open(path, encoding="utf-8-sig", errors="replace") as file:
        header = file.readline()
    if "," not in header:
        for separator in (";", "\t"):
            if separator in header:
                return separator
    return ","


def _decimal_commas(table, text_columns):
    """Whether a text column holds only numbers, some with a decimal comma."""
    for column in table.columns:
        values = table[column].dropna()
        if column in text_columns or is_numeric(values) or values.empty:
            continue
        cells = values.astype(str)
        if cells.str.fullmatch(_DECIMAL_COMMA).all() and cells.str.contains(",").any():
            return True
    return False


def read_table(path, text_columns=()):
    """Read a CSV file into a DataFrame, or raise TableError saying what is wrong.

    ``text_columns`` are read as the file's text (missing cells stay missing): a
    model's categorical columns, so that a file whose levels all look like numbers
    (or booleans) gives the same levels as the table the model was fitted on.
    Spaces after a separator are dropped (``x1, x2, y``), a header without commas
    but with semicolons or tabs sets the separator (with semicolons, numbers with a
    decimal comma are read as numbers), "?" cells are missing, and duplicated column
    names are refused.
    """
    import csv

    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise TableError(f"{path}: no such file")
    if not path.is_file():
        raise TableError(f"{path} is not a regular file (a pipe or a folder); save it to a file")
    separator = _separator(path)
    options = dict(
        sep=separator,
        dtype=dict.fromkeys(text_columns, str),
        na_values=MISSING_MARKERS,
        skipinitialspace=True,
    )
    try:
        table = pd.read_csv(path, **options)
        if separator == ";" and _decimal_commas(table, text_columns):
            # Spreadsheets set to a decimal comma separate their cells with ";".
            table = pd.read_csv(path, decimal=",", **options)
    except pd.errors.EmptyDataError:
        raise TableError(f"{path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise TableError(f"{path} is not a readable CSV file ({exc})") from None
    # pandas renames a repeated name (x, x.1) without a word: --drop x would leave
    # the copy in. The header as written says whether a name repeats.
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as file:
        header = next(csv.reader(file, delimiter=separator, skipinitialspace=True), [])
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise TableError(f"{path} repeats the column name(s) {', '.join(map(repr, repeated))}")
    if table.shape[0] == 0:
        raise TableError(f"{path} has a header but no rows")
    return table


def mostly_numeric_text(table, columns):
    """Text columns whose cells are numbers but for a few: (column, examples of the
    cells that are not), for columns with another missing-value marker."""
    import pandas as pd

    found = []
    for column in columns:
        values = table[column].dropna()
        if is_numeric(values) or values.empty or not pd.api.types.is_string_dtype(values):
            continue
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.notna().mean() >= MOSTLY_NUMBERS:
            others = values[numbers.isna()].unique()[:3]
            found.append((column, [str(v) for v in others]))
    return found


def check_output_path(path):
    """Refuse an ``--out`` path that cannot be written, before any work is done: its
    folder must exist, it must not be a folder itself, and the file must open for
    writing (tried: opened for appending, or created and removed again)."""
    if path is None:
        return
    out = Path(path)
    if not out.resolve().parent.is_dir():
        raise TableError(f"--out {path}: the folder {out.parent} does not exist")
    if out.is_dir():
        raise TableError(f"--out {path} is a folder; give the file's name")
    existed = out.exists()
    try:
        with open(out, "ab"):
            pass
    except OSError as exc:
        raise TableError(f"--out {path} cannot be written ({exc.strerror})") from None
    if not existed:
        out.unlink()


def write_rows(frame, out, report, what):
    """Write a result table as CSV to ``out``, or to standard output if it is None."""
    import sys

    if out:
        frame.to_csv(out, index=False)
        report.stage(f"wrote {what} to {out}")
    else:
        frame.to_csv(sys.stdout, index=False)


def is_numeric(values):
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return is_numeric_dtype(values.dtype) and not is_bool_dtype(values.dtype)


def select_features(table, path, *, target=None, features=None, drop=(), private=False):
    """The feature columns: ``features`` if given, else every column but the target
    and ``drop``; unknown names are refused. ``private``: the rows are private, and
    messages say nothing computed from them (a private release takes any finite
    value, so only infinite ones are refused)."""
    columns = [str(c) for c in table.columns]
    for name in [*(features or []), *drop, *([target] if target else [])]:
        if name not in columns:
            raise TableError(f"no column {name!r} in {path}; its columns are: {', '.join(columns)}")
    chosen = list(features) if features else [c for c in columns if c not in drop]
    chosen = [c for c in chosen if c != target and c not in drop]
    if not chosen:
        dropped = f", --drop {' '.join(drop)}" if drop else ""
        raise TableError(f"{path} has no feature columns left (target {target!r}{dropped})")
    for column in chosen:
        values = table[column]
        if is_numeric(values) and private:
            if np.isinf(values.to_numpy(dtype=float)).any():
                raise TableError(f"column {column!r} of {path} has infinite values")
        elif is_numeric(values):
            check_magnitudes(values, f"column {column!r} of {path}")
        if values.isna().all():
            raise TableError(f"column {column!r} of {path} is empty; --drop it")
    return chosen


#: Largest magnitude a numeric column may hold: the squares that standardising
#: (and R^2) sum overflow beyond ~1e154, and the models then failed with messages
#: about NaN in a file that has none.
MAX_MAGNITUDE = 1e150


def check_magnitudes(values, what):
    """Refuse infinite values, and finite ones too large to standardise."""
    numbers = np.abs(values.to_numpy(dtype=float))
    infinite = int(np.isinf(numbers).sum())
    if infinite:
        raise TableError(f"{what} has {infinite} infinite value(s); replace or drop them first")
    largest = np.nanmax(numbers, initial=0.0)
    if largest > MAX_MAGNITUDE:
        raise TableError(
            f"{what} has values up to {largest:.3g}, whose squares overflow; rescale it "
            "(divide by a power of ten) first"
        )


def id_like_columns(table, columns):
    """Columns that look like row identifiers: named like one, or whole numbers that
    differ on every row and run in order (a feature that leaks the row's position)."""
    suspects = []
    n = len(table)
    for column in columns:
        values = table[column]
        if _ID_NAME.match(str(column)):
            suspects.append(column)
        elif is_numeric(values) and n > 20 and values.notna().all():
            whole = np.all(np.mod(values.to_numpy(dtype=float), 1) == 0)
            if whole and values.nunique() == n and (values.is_monotonic_increasing):
                suspects.append(column)
    return suspects


def classify_task(target, task="auto"):
    """ "classification" or "regression" for a target column, and the rule that decided.

    The rule: text, boolean or category targets, and whole numbers with at most
    ``MAX_CLASS_CODES`` distinct values, are class labels; other numbers are a
    regression target. ``task`` overrides it.
    """
    labelled = target.dropna()
    if task != "auto":
        if task == "regression" and not is_numeric(labelled):
            raise TableError(f"--task regression needs a numeric target; {target.name!r} is not")
        return task, f"--task {task}"
    if not is_numeric(labelled):
        return "classification", f"target {target.name!r} holds text or booleans"
    values = labelled.to_numpy(dtype=float)
    distinct = np.unique(values).size
    if np.all(np.mod(values, 1) == 0) and distinct <= MAX_CLASS_CODES:
        return "classification", (
            f"target {target.name!r} has {distinct} whole-number values (at most "
            f"{MAX_CLASS_CODES} make classes)"
        )
    return "regression", f"target {target.name!r} is numeric with {distinct} values"


def preprocessor(table, columns):
    """A ColumnTransformer: numeric columns median-imputed and standardised, text
    columns mode-imputed and one-hot encoded (unknown levels ignored at predict)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in columns if is_numeric(table[c])]
    categorical = [c for c in columns if c not in numeric]
    steps = []
    if numeric:
        steps.append(
            ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric)
        )
    if categorical:
        encoder = OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            max_categories=MAX_CATEGORIES,
            sparse_output=False,
        )
        steps.append(
            (
                "categorical",
                make_pipeline(SimpleImputer(strategy="most_frequent"), encoder),
                categorical,
            )
        )
    return ColumnTransformer(steps)


def describe(table, columns):
    """One line saying what the preprocessing does to which columns."""
    numeric = [c for c in columns if is_numeric(table[c])]
    categorical = [c for c in columns if c not in numeric]
    parts = []
    if numeric:
        missing = {c: int(table[c].isna().sum()) for c in numeric if table[c].isna().any()}
        text = f"{len(numeric)} numeric (standardised"
        if missing:
            text += "; median-imputed: " + ", ".join(f"{c} {n}" for c, n in missing.items())
        parts.append(text + ")")
    if categorical:
        levels = ", ".join(f"{c} {min(table[c].nunique(), MAX_CATEGORIES)}" for c in categorical)
        missing = [c for c in categorical if table[c].isna().any()]
        text = f"{len(categorical)} categorical (one-hot: {levels} levels"
        if missing:
            text += "; most-frequent-imputed: " + ", ".join(missing)
        parts.append(text + ")")
    return "features: " + ", ".join(parts)


def feature_frame(table, names, path):
    """The columns a fitted model needs, in its order, checked."""
    missing = [str(n) for n in names if n not in table.columns]
    if missing:
        raise TableError(
            f"{path} lacks the column(s) the model was fitted on: {', '.join(missing)}"
        )
    return table[list(names)]
