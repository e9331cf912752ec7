"""``skkernel density`` and ``skkernel thin``: a KDE (or its private release) and a
kernel-thinning coreset of a table's numeric columns."""

import warnings

import numpy as np

from ._tabular import (
    TableError,
    check_output_path,
    is_numeric,
    read_table,
    select_features,
    write_rows,
)


def _numeric_rows(args, report, private=False):
    check_output_path(args.out)
    table = read_table(args.data)
    columns = select_features(
        table, args.data, features=args.features, drop=args.drop, private=private
    )
    # pandas' own test: numpy's rejects pandas dtypes (pandas 3 reads text as "str").
    text = [c for c in columns if not is_numeric(table[c])]
    if text:
        raise TableError(
            f"{args.data}: column(s) {', '.join(text)} are not numeric; densities and "
            "coresets are of numeric columns: --drop them or choose --features"
        )
    frame = table[columns]
    complete = frame.notna().all(axis=1).to_numpy()
    if private and not complete.all():
        # Leaving the rows out would print how many there are and change n, which
        # replace-one neighbouring takes as public: neither is under the guarantee.
        raise TableError(
            f"{args.data} has rows with missing values; a private release needs them "
            "removed (or filled) beforehand, by a rule that does not look at the data"
        )
    if not complete.all():
        report.stage(f"{(~complete).sum()} rows with missing values left out")
    if complete.sum() < 2:
        raise TableError(f"{args.data} has fewer than two complete rows")
    return table, columns, frame[complete].to_numpy(dtype=float), complete


def _bandwidth(value):
    try:
        return float(value)
    except ValueError:
        if value in ("scott", "silverman"):
            return value
        raise ValueError(
            f"--bandwidth must be a number, 'scott' or 'silverman'; got {value!r}"
        ) from None


def _parse_bounds(items, columns):
    """``COL=LOW:HIGH`` items as the (lower, upper) arrays of ``columns``, in order."""
    ranges = {}
    for item in items:
        name, _, interval = item.rpartition("=")
        low, _, high = interval.partition(":")
        try:
            ranges[name] = (float(low), float(high))
        except ValueError:
            raise TableError(f"--bounds takes COL=LOW:HIGH items; got {item!r}") from None
    problems = [f"no range for {c}" for c in columns if c not in ranges]
    problems += [f"{name} is not a column used" for name in ranges if name not in columns]
    if problems:
        raise TableError(f"--bounds needs one range for each column used: {'; '.join(problems)}")
    lower, upper = (np.array([ranges[c][k] for c in columns]) for k in (0, 1))
    if not (np.isfinite(lower).all() and np.isfinite(upper).all() and (lower < upper).all()):
        raise TableError("--bounds ranges must be finite with LOW < HIGH")
    return lower, upper


def run_density(args, report):
    """Log-densities of the rows (or of --query rows), exact or privately released."""
    import pandas as pd

    from ..density import KernelDensity, PrivateKernelDensity

    if args.private and args.query is None:
        # Log-densities at the private rows are functions of the release and of each
        # row itself: printing them would reveal the rows the release protects.
        raise TableError(
            "--private scores public rows: give them as --query FILE (log-densities "
            "at the private rows themselves are not covered by the guarantee)"
        )
    if not args.private:
        # A forgotten --private must not publish exact densities as if released.
        given = [
            option
            for option, value in (("--epsilon", args.epsilon), ("--delta", args.delta))
            if value is not None
        ]
        if given:
            raise TableError(
                f"{' and '.join(given)} set the budget of a --private release; add --private "
                "(without it the densities are exact, not private)"
            )
        if args.bounds:
            raise TableError("--bounds is the public range of a --private release; add --private")
    else:
        args.epsilon = 1.0 if args.epsilon is None else args.epsilon
        args.delta = 0.0 if args.delta is None else args.delta
    table, columns, X, complete = _numeric_rows(args, report, private=args.private)
    bounds = _parse_bounds(args.bounds, columns) if args.bounds else None
    # The query rows are read before the fit: a private fit spends its budget.
    query_table = table if args.query is None else read_table(args.query)
    missing = [c for c in columns if c not in query_table.columns]
    if missing:
        raise TableError(f"{args.query} lacks the column(s) {', '.join(missing)}")
    bandwidth = _bandwidth(args.bandwidth)
    if args.private:
        from ..density import PrivacyLeakWarning

        if args.seed is not None:
            report.warn(
                "--seed fixes the noise: anyone who knows the seed can take it off, so "
                "this release is not private (seeds are for tests)"
            )
        model = PrivateKernelDensity(
            bandwidth,
            kernel=args.kernel,
            epsilon=args.epsilon,
            delta=args.delta,
            bounds=bounds,
            random_state=args.seed,
        )
    else:
        model = KernelDensity(bandwidth=bandwidth, kernel=args.kernel)
    model._validate_params()
    # Standardised columns: one bandwidth means the same thing in every column. Not
    # for a private release: the mean and standard deviation of the private rows,
    # taken without noise, would move every output by far more than the noise when
    # one row changes. Its public --bounds do the standardisation's job.
    if args.raw or args.private:
        center, scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
        if isinstance(bandwidth, str) and bounds is None:
            hint = "give --bounds, or " if args.private else "with --raw give "
            report.warn(
                f"--bandwidth {bandwidth} depends on the number of rows only and assumes "
                f"standardised columns; {hint}a bandwidth in the columns' units"
            )
    else:
        center, scale = X.mean(axis=0), X.std(axis=0)
        scale[scale == 0] = 1.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit((X - center) / scale)
    for warning in caught:
        if args.private and issubclass(warning.category, PrivacyLeakWarning):
            report.warn(str(warning.message).splitlines()[0])
    Q = query_table[columns].to_numpy(dtype=float)
    rows = np.isfinite(Q).all(axis=1)
    log_density = np.full(len(Q), np.nan)
    # The density of the original columns: the standardised one over the scales.
    log_density[rows] = model.score_samples((Q[rows] - center) / scale) - np.log(scale).sum()
    name = "private_log_density" if args.private else "log_density"
    output = pd.DataFrame({name: log_density})
    kind = f"private (epsilon={args.epsilon:g}, delta={args.delta:g})" if args.private else "exact"
    if bounds is not None:
        units = "columns scaled from --bounds to [0, 1]"
    else:
        units = "raw columns" if args.raw or args.private else "standardised columns"
    report.stage(
        f"{kind} {args.kernel} KDE of {len(X)} rows x {len(columns)} columns, bandwidth "
        f"{getattr(model, 'bandwidth_', bandwidth):.4g} ({units})"
    )
    empty = int(np.sum(log_density == -np.inf))
    if args.private and empty:
        report.stage(
            f"{empty} of {len(output)} rows have a private density estimate <= 0 (log-density "
            "-inf): the noise swamps the density there; a larger --epsilon, --delta > 0 or "
            "more rows make it smaller"
        )
    write_rows(output, args.out, report, f"{len(output)} log-densities")
    return {"rows": int(len(output)), "kernel": args.kernel, "private": bool(args.private)}


def run_thin(args, report):
    """A kernel-thinning coreset of --size rows: the rows, as they are in the file."""
    from ..thinning import KernelThinning

    table, columns, X, complete = _numeric_rows(args, report)
    if args.size > len(X):
        raise ValueError(f"--size {args.size} is more than the {len(X)} complete rows")
    model = KernelThinning(
        kernel=args.kernel,
        gamma=args.gamma,
        n_components=args.size,
        method=args.method,
        random_state=args.seed,
    )
    model._validate_params()
    center, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (X - center) / scale
    model.fit(Z)
    rows = np.flatnonzero(complete)[model.indices_]
    coreset = table.iloc[rows]
    iid = np.random.default_rng(args.seed).choice(len(Z), args.size, replace=False)
    report.stage(
        f"{args.method} coreset of {args.size} of {len(Z)} rows: MMD {model.mmd(Z):.3g} "
        f"(a random subsample of the same size: {model.mmd(Z, iid):.3g})"
    )
    write_rows(coreset, args.out, report, f"{len(coreset)} coreset rows")
    return {"rows": int(len(coreset)), "method": args.method}
