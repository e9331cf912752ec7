"""The command line: python -m skkernel."""

import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest

from skkernel._cli import _demo, main

pd = pytest.importorskip("pandas")


def _output(capsys, argv):
    """Run the command line, check it succeeded and return what it printed."""
    assert main(argv) == 0
    return capsys.readouterr().out


def test_backends_command(capsys):
    out = _output(capsys, ["backends"])
    assert "numba" in out and "(auto)" in out


def test_bench_command_prints_a_table(capsys):
    argv = ["bench", "--n", "300", "--d", "2", "--dtype", "float64", "--backend", "numpy", "numba"]
    argv += ["--repeat", "1"]
    out = _output(capsys, argv)
    lines = [line.split() for line in out.splitlines()]
    table = {row[0]: row for row in lines if row and row[0] in ("numpy", "numba")}
    assert set(table) == {"numpy", "numba"}
    assert float(table["numpy"][-1]) == pytest.approx(1.0)
    # --quiet prints "errors, warnings and the result": the table is the result.
    assert "speedup" in _output(capsys, [*argv[:-2], "--repeat", "1", "--quiet"])


def test_bench_checks_every_backend_before_timing_and_names_auto(capsys, monkeypatch):
    # A bad name came after the earlier backends were timed (seconds of work, then
    # the error); "auto" was not said to be which backend; without numpy the footer
    # still explained a speedup that was NaN.
    from skkernel._cli import _bench

    timed = []
    monkeypatch.setattr(_bench, "time_product", lambda b, *a, **k: timed.append(b) or 1.0)
    assert main(["bench", "--n", "100", "--backend", "numpy", "numba", "fortran"]) == 1
    assert "Unknown backend 'fortran'" in capsys.readouterr().err and not timed
    out = _output(
        capsys, ["bench", "--n", "100", "--d", "2", "--dtype", "float64", "--backend", "auto"]
    )
    assert "auto (" in out and "n/a (add numpy" in out


def test_bench_rejects_bad_arguments(capsys):
    assert main(["bench", "--n", "10"]) == 1
    assert "--n must be at least 64" in capsys.readouterr().err
    assert main(["bench", "--n", "100", "--backend", "fortran"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("skkernel bench: error:") and "Unknown backend" in err
    assert "Traceback" not in err


def test_module_entry_point_runs():
    out = subprocess.run(
        [sys.executable, "-m", "skkernel", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("skkernel ")


@pytest.fixture
def table_csv(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["price"] = np.sin(X[:, 0]) + X[:, 1] ** 2 + 0.05 * rng.normal(size=120)
    path = tmp_path / "houses.csv"
    frame.to_csv(path, index=False)
    return path


def test_fold_lines_only_with_verbose(table_csv, tmp_path, capsys):
    argv = ["fit", str(table_csv), "--target", "price", "--model", "krr", "--cv", "3"]
    argv += ["--out", str(tmp_path / "model.joblib")]
    plain = _output(capsys, argv)
    verbose = _output(capsys, [*argv, "--verbose"])
    assert "fold 1/3" not in plain and "cross-validated (3 shuffled folds)" in plain
    assert "fold 1/3: R^2" in verbose and "fold 3/3: R^2" in verbose


@pytest.mark.parametrize("model", ["krr", "krr-cv", "nystroem"])
def test_fit_then_predict_round_trip(table_csv, tmp_path, capsys, model):
    model_path = tmp_path / "model.joblib"
    argv = ["fit", str(table_csv), "--target", "price", "--model", model, "--cv", "3"]
    if model == "nystroem":
        argv += ["--n-components", "20"]
    alphas = ["0.01", "0.1"] if model == "krr-cv" else ["0.1"]
    out = _output(capsys, [*argv, "--alpha", *alphas, "--out", str(model_path)])
    assert "cross-validated (3 shuffled folds): R^2" in out and "fit on all 120 rows" in out
    predictions_path = tmp_path / "predictions.csv"
    assert main(["predict", str(model_path), str(table_csv), "--out", str(predictions_path)]) == 0
    predictions = pd.read_csv(predictions_path)["prediction"].to_numpy()
    import joblib

    pipeline = joblib.load(model_path)
    frame = pd.read_csv(table_csv)
    np.testing.assert_allclose(predictions, pipeline.predict(frame[["a", "b", "c"]]), rtol=1e-12)
    # The fitted pipeline explains the training data well.
    assert np.corrcoef(predictions, frame["price"])[0, 1] > 0.9
    # Without --out, predictions go to stdout as CSV.
    capsys.readouterr()
    assert _output(capsys, ["predict", str(model_path), str(table_csv)]).startswith("prediction\n")


def _one_line_error(capsys, argv, *fragments):
    assert main(argv) != 0
    err = capsys.readouterr().err
    errors = [line for line in err.strip().splitlines() if not line.startswith("warning:")]
    assert "Traceback" not in err and len(errors) == 1, err
    for fragment in fragments:
        assert fragment in err
    return err


def test_fit_bad_input_gets_one_line_errors(table_csv, tmp_path, capsys):
    out = ["--out", str(tmp_path / "m.joblib")]
    _one_line_error(
        capsys, ["fit", str(tmp_path / "nope.csv"), "--target", "y", *out], "no such file"
    )
    _one_line_error(
        capsys, ["fit", str(table_csv), "--target", "cost", *out], "no column 'cost'", "price"
    )
    empty_path = tmp_path / "empty.csv"
    empty_path.write_text("")
    _one_line_error(capsys, ["fit", str(empty_path), "--target", "price", *out], "is empty")
    header_path = tmp_path / "header.csv"
    header_path.write_text("a,b,price\n")
    _one_line_error(capsys, ["fit", str(header_path), "--target", "price", *out], "no rows")
    _one_line_error(
        capsys,
        ["fit", str(table_csv), "--target", "price", "--model", "krr", "--alpha", "1", "2", *out],
        "krr-cv",
    )
    assert not (tmp_path / "m.joblib").exists()


def test_predict_bad_input_gets_one_line_errors(table_csv, tmp_path, capsys):
    model_path = tmp_path / "model.joblib"
    assert (
        main(["fit", str(table_csv), "--target", "price", "--cv", "0", "--out", str(model_path)])
        == 0
    )
    capsys.readouterr()
    _one_line_error(
        capsys, ["predict", str(tmp_path / "none.joblib"), str(table_csv)], "no such file"
    )
    _one_line_error(capsys, ["predict", str(table_csv), str(table_csv)], "not a model saved")
    pd.read_csv(table_csv).drop(columns="b").to_csv(tmp_path / "less.csv", index=False)
    _one_line_error(capsys, ["predict", str(model_path), str(tmp_path / "less.csv")], "lacks", "b")


def test_demo_prints_every_family_next_to_sklearn(monkeypatch, capsys):
    families = [family for family, _ in _demo.CASES]
    # Two small cases keep the test quick; `skkernel demo` runs them all.
    cases = dict(_demo.CASES)
    quick = [("kernel ridge", cases["kernel ridge"]), ("kernel thinning", cases["kernel thinning"])]
    monkeypatch.setattr(_demo, "CASES", quick)
    out = _output(capsys, ["demo", "--quick"])
    rows = [line for line in out.splitlines() if line.startswith(("kernel ridge", "kernel thin"))]
    assert len(rows) == 4
    assert {"scikit-learn", "skkernel"} <= set(" ".join(rows).split())
    # Same model, same split: the same R^2.
    ridge = [row.split("R^2")[1].split()[0] for row in rows[:2]]
    assert ridge[0] == ridge[1]
    # The coreset is closer to the sample than a random subsample.
    mmd = [float(row.split("better)")[1].split()[0]) for row in rows[2:]]
    assert mmd[1] < 0.5 * mmd[0]
    for family in (
        "kernel ridge",
        "Nystroem / Falkon",
        "random features",
        "STKR (semi-sup.)",
        "NTK + SVM",
        "kernel thinning",
        "exact KDE",
        "private KDE",
    ):
        assert family in families


@pytest.mark.parametrize(
    "options, fragment",
    [
        (["--alpha", "-1"], "'alpha' parameter"),
        (["--kernel", "foo"], "'kernel' parameter"),
        (["--kernel", "gaussian"], "'kernel' parameter"),
        (["--backend", "gpu"], "'backend' parameter"),
        (["--model", "nystroem", "--n-components", "0"], "'n_components' parameter"),
    ],
)
def test_bad_options_are_one_line_before_any_fit(table_csv, tmp_path, capsys, options, fragment):
    # They printed sklearn's "All the 5 fits failed" block with five tracebacks.
    out = ["--out", str(tmp_path / "m.joblib")]
    _one_line_error(capsys, ["fit", str(table_csv), "--target", "price", *options, *out], fragment)
    assert not (tmp_path / "m.joblib").exists()


def test_infinite_values_and_a_missing_folder_are_one_line(table_csv, tmp_path, capsys):
    frame = pd.read_csv(table_csv)
    frame.loc[2, "a"] = np.inf
    inf_path = tmp_path / "inf.csv"
    frame.to_csv(inf_path, index=False)
    out = ["--out", str(tmp_path / "m.joblib")]
    _one_line_error(capsys, ["fit", str(inf_path), "--target", "price", *out], "infinite")
    # Finite values whose squares overflow failed inside the model, blaming NaN that
    # the file does not have (or the leave-one-out scores, for a target).
    frame.loc[2, "a"] = 1e200
    frame.to_csv(inf_path, index=False)
    _one_line_error(capsys, ["fit", str(inf_path), "--target", "price", *out], "'a'", "1e+200")
    _one_line_error(capsys, ["fit", str(inf_path), "--target", "a", *out], "target 'a'", "rescale")
    missing = ["--out", str(tmp_path / "no" / "such" / "m.joblib")]
    _one_line_error(
        capsys, ["fit", str(table_csv), "--target", "price", *missing], "does not exist"
    )


def test_gamma_zero_fits_a_model_that_predicts(table_csv, tmp_path, capsys):
    # It exited 0 with "R^2: nan" and saved a model that could not predict.
    model_path = tmp_path / "m.joblib"
    argv = ["fit", str(table_csv), "--target", "price", "--gamma", "0", "--out", str(model_path)]
    out = _output(capsys, argv)
    assert "nan" not in out.lower()
    assert main(["predict", str(model_path), str(table_csv)]) == 0


# -- real tables: text categories, missing values, sorted rows, IDs, class targets -----


@pytest.fixture
def penguins_like(tmp_path):
    """A table as real ones come: sorted by a text class, categorical columns,
    missing values, and a row-ID column."""
    rng = np.random.default_rng(1)
    n = 300
    species = np.repeat(["Adelie", "Chinstrap", "Gentoo"], n // 3)
    centers = {
        "Adelie": (38.8, 18.3, 3700),
        "Chinstrap": (48.8, 18.4, 3730),
        "Gentoo": (47.5, 15.0, 5076),
    }
    values = np.array([centers[s] for s in species]) * rng.normal(1, 0.05, size=(n, 3))
    frame = pd.DataFrame(values, columns=["bill_length", "bill_depth", "body_mass"])
    frame.insert(0, "rowid", np.arange(1, n + 1))
    frame["species"] = species
    frame["island"] = np.where(species == "Gentoo", "Biscoe", rng.choice(["Dream", "Torgersen"], n))
    frame["sex"] = rng.choice(["male", "female"], n)
    frame.loc[rng.choice(n, 12, replace=False), "sex"] = np.nan
    frame.loc[rng.choice(n, 7, replace=False), "bill_depth"] = np.nan
    path = tmp_path / "penguins.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("model", ["auto", "svm", "stkr"])
def test_classifiers_take_the_backend_option(penguins_like, tmp_path, capsys, model):
    # --backend was never passed to KernelSVC or STKR: "gpu" fitted and saved.
    argv = ["fit", str(penguins_like), "--target", "species", "--drop", "rowid"]
    argv += ["--model", model, "--cv", "0", "--out"]
    _one_line_error(capsys, [*argv, str(tmp_path / "bad.joblib"), "--backend", "gpu"], "'backend'")
    assert main([*argv, str(tmp_path / "m.joblib"), "--backend", "numpy", "--quiet"]) == 0
    pipeline = joblib.load(tmp_path / "m.joblib")
    estimator = pipeline[-1]
    estimator = getattr(estimator, "estimator", estimator)
    assert estimator.backend == "numpy"


def test_text_target_is_classified_with_shuffled_stratified_folds(penguins_like, tmp_path, capsys):
    model_path = tmp_path / "m.joblib"
    argv = ["fit", str(penguins_like), "--target", "species", "--drop", "rowid"]
    argv += ["--out", str(model_path)]
    out = _output(capsys, argv)
    assert "classification (target 'species' holds text" in out
    assert "one-hot: island 3, sex 2 levels" in out and "median-imputed: bill_depth 7" in out
    summary = out.split("cross-validated")[1]
    accuracy = float(summary.split("accuracy ")[1].split()[0])
    # Sorted rows: unshuffled folds would test on a species never seen in training.
    assert accuracy > 0.9
    assert "balanced accuracy" in out
    predicted = _output(capsys, ["predict", str(model_path), str(penguins_like)]).splitlines()[1:]
    assert set(predicted) <= {"Adelie", "Chinstrap", "Gentoo"}


def test_sorted_numeric_target_gets_an_honest_regression_score(penguins_like, tmp_path, capsys):
    argv = ["fit", str(penguins_like), "--target", "body_mass", "--drop", "rowid"]
    argv += ["--out", str(tmp_path / "m.joblib")]
    out = _output(capsys, argv)
    assert "regression" in out
    assert float(out.split("R^2 ")[1].split()[0]) > 0.5


def test_id_columns_are_flagged(penguins_like, tmp_path, capsys):
    argv = ["fit", str(penguins_like), "--target", "species", "--cv", "0"]
    argv += ["--out", str(tmp_path / "m.joblib")]
    assert main(argv) == 0
    assert "'rowid' looks like a row ID" in capsys.readouterr().err


def test_integer_codes_with_few_values_are_classes_unless_told(penguins_like, tmp_path, capsys):
    frame = pd.read_csv(penguins_like)
    frame["code"] = frame["species"].map({"Adelie": 0, "Chinstrap": 1, "Gentoo": 2})
    path = tmp_path / "codes.csv"
    frame.drop(columns="species").to_csv(path, index=False)
    out = ["--drop", "rowid", "--cv", "0", "--out", str(tmp_path / "m.joblib")]
    assert "classification (target 'code' has 3 whole-number values" in _output(
        capsys, ["fit", str(path), "--target", "code", *out]
    )
    assert "regression (--task regression)" in _output(
        capsys, ["fit", str(path), "--target", "code", "--task", "regression", *out]
    )


def test_features_option_and_json_output(penguins_like, tmp_path, capsys):
    import json

    argv = ["fit", str(penguins_like), "--target", "species"]
    argv += ["--features", "bill_length", "bill_depth", "--json"]
    argv += ["--out", str(tmp_path / "m.joblib")]
    result = json.loads(_output(capsys, argv))
    assert result["features"] == ["bill_length", "bill_depth"]
    assert result["task"] == "classification" and 0.8 < result["cv"]["accuracy"] <= 1


@pytest.mark.parametrize("task", ["regression", "classification"])
def test_cross_validated_scores_are_the_folds_mean_scores(
    table_csv, penguins_like, tmp_path, capsys, task
):
    # The scores printed are the mean over the shuffled (stratified) folds of the
    # pipeline's test scores: recomputed here with the same splitter and pipeline.
    import json

    from sklearn.base import clone
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, r2_score
    from sklearn.model_selection import KFold, StratifiedKFold

    model_path = tmp_path / "model.joblib"
    if task == "regression":
        data, target, splitter = table_csv, "price", KFold(3, shuffle=True, random_state=0)
        argv = ["fit", str(data), "--target", target, "--model", "krr", "--alpha", "0.1"]
    else:
        data, target = penguins_like, "species"
        splitter = StratifiedKFold(3, shuffle=True, random_state=0)
        argv = ["fit", str(data), "--target", target, "--model", "svm", "--drop", "rowid"]
    argv += ["--cv", "3", "--seed", "0", "--json", "--out", str(model_path)]
    printed = json.loads(_output(capsys, argv))["cv"]
    pipeline = joblib.load(model_path)
    frame = pd.read_csv(data)
    X = frame.drop(columns=[target] + (["rowid"] if task == "classification" else []))
    y = frame[target].to_numpy()
    scores = []
    for train, test in splitter.split(X, y):
        predicted = clone(pipeline).fit(X.iloc[train], y[train]).predict(X.iloc[test])
        if task == "regression":
            scores.append({"R^2": r2_score(y[test], predicted)})
        else:
            scores.append(
                {
                    "accuracy": accuracy_score(y[test], predicted),
                    "balanced accuracy": balanced_accuracy_score(y[test], predicted),
                }
            )
    assert printed.keys() == scores[0].keys()
    for name in printed:
        assert printed[name] == pytest.approx(np.mean([s[name] for s in scores]), abs=1e-12)
    text = _output(capsys, [arg for arg in argv if arg != "--json"])
    for name in printed:
        values = [s[name] for s in scores]
        assert f"{name} {np.mean(values):.4f} +/- {np.std(values):.4f}" in text


def test_missing_targets_are_left_out_with_a_hint(penguins_like, tmp_path, capsys):
    frame = pd.read_csv(penguins_like)
    frame.loc[::3, "species"] = np.nan
    path = tmp_path / "partly.csv"
    frame.to_csv(path, index=False)
    argv = ["fit", str(path), "--target", "species", "--drop", "rowid", "--cv", "0"]
    argv += ["--out", str(tmp_path / "m.joblib")]
    out = _output(capsys, argv)
    assert "100 rows (33%) have no target: left out; --model stkr learns from unlabeled rows" in out


def test_model_and_task_mismatches_are_one_line(penguins_like, tmp_path, capsys):
    out = ["--out", str(tmp_path / "m.joblib")]
    _one_line_error(
        capsys,
        ["fit", str(penguins_like), "--target", "species", "--model", "krr", *out],
        "regression model",
    )
    _one_line_error(
        capsys,
        ["fit", str(penguins_like), "--target", "body_mass", "--model", "svm", *out],
        "classifies",
    )
    _one_line_error(
        capsys,
        ["fit", str(penguins_like), "--target", "species", "--drop", "nope", *out],
        "no column 'nope'",
    )


def test_broken_pipe_is_quiet(table_csv, tmp_path):
    model_path = tmp_path / "m.joblib"
    assert (
        main(
            [
                "fit",
                str(table_csv),
                "--target",
                "price",
                "--cv",
                "0",
                "--quiet",
                "--out",
                str(model_path),
            ]
        )
        == 0
    )
    big = pd.concat([pd.read_csv(table_csv)] * 200)
    big_path = tmp_path / "big.csv"
    big.to_csv(big_path, index=False)
    command = f"{sys.executable} -m skkernel predict {model_path} {big_path} | head -2"
    out = subprocess.run(command, shell=True, capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.startswith("prediction")
    assert "Error" not in out.stderr and "Traceback" not in out.stderr


def test_density_and_thin_commands(penguins_like, tmp_path, capsys):
    out_path = tmp_path / "density.csv"
    argv = ["density", str(penguins_like), "--drop", "rowid"]
    argv += ["--features", "bill_length", "body_mass", "--out", str(out_path)]
    assert main(argv) == 0
    log_density = pd.read_csv(out_path)["log_density"]
    assert len(log_density) == 300 and np.isfinite(log_density.dropna()).all()
    private_path = tmp_path / "private.csv"
    query = ["--query", str(public_grid(tmp_path))]
    assert main([*argv[:-1], str(private_path), "--private", "--epsilon", "1", *query]) == 0
    assert len(pd.read_csv(private_path)["private_log_density"]) == 40
    coreset_path = tmp_path / "coreset.csv"
    argv = ["thin", str(penguins_like), "--features", "bill_length", "body_mass", "--size", "17"]
    argv += ["--out", str(coreset_path)]
    out = _output(capsys, argv)
    assert "random subsample of the same size" in out
    coreset = pd.read_csv(coreset_path)
    assert len(coreset) == 17 and "species" in coreset.columns


def test_density_command_prints_the_density_of_the_columns_as_given(penguins_like, tmp_path):
    # KernelDensity on standardised columns, back in the columns' units (the Jacobian
    # of the standardisation); rows with a missing value get none.
    from skkernel.density import KernelDensity

    out_path = tmp_path / "density.csv"
    features = ["bill_length", "bill_depth"]
    argv = ["density", str(penguins_like), "--features", *features, "--out", str(out_path)]
    assert main([*argv, "--bandwidth", "0.4"]) == 0
    printed = pd.read_csv(out_path)["log_density"].to_numpy()
    table = pd.read_csv(penguins_like)
    X = table[features].to_numpy()
    complete = np.isfinite(X).all(axis=1)
    center, scale = X[complete].mean(axis=0), X[complete].std(axis=0)
    model = KernelDensity(bandwidth=0.4).fit((X[complete] - center) / scale)
    expected = model.score_samples((X[complete] - center) / scale) - np.log(scale).sum()
    assert np.isnan(printed[~complete]).all() and (~complete).sum() == 7
    np.testing.assert_allclose(printed[complete], expected, rtol=1e-12)


def test_thin_command_writes_the_coreset_s_rows_and_their_mmd(penguins_like, tmp_path, capsys):
    # With rows left out for missing values, the coreset's indices among the complete
    # rows are mapped back to the file's rows; the MMDs printed are the model's.
    from skkernel.thinning import KernelThinning

    coreset_path = tmp_path / "coreset.csv"
    features = ["bill_length", "bill_depth", "body_mass"]
    argv = ["thin", str(penguins_like), "--features", *features, "--size", "16", "--seed", "3"]
    out = _output(capsys, [*argv, "--method", "kt", "--out", str(coreset_path)])
    table = pd.read_csv(penguins_like)
    complete = table[features].notna().all(axis=1).to_numpy()
    X = table.loc[complete, features].to_numpy()
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    model = KernelThinning(n_components=16, method="kt", random_state=3).fit(Z)
    expected = table.iloc[np.flatnonzero(complete)[model.indices_]]
    pd.testing.assert_frame_equal(pd.read_csv(coreset_path), expected.reset_index(drop=True))
    iid = np.random.default_rng(3).choice(len(Z), 16, replace=False)
    assert f"MMD {model.mmd(Z):.3g} " in out
    assert f"random subsample of the same size: {model.mmd(Z, iid):.3g}" in out


def public_grid(tmp_path):
    """40 public query rows of the penguins' bill length and body mass."""
    path = tmp_path / "grid.csv"
    grid = {"bill_length": np.linspace(35, 55, 40), "body_mass": np.linspace(3000, 6000, 40)}
    pd.DataFrame(grid).to_csv(path, index=False)
    return path


def test_rows_on_stdout_keep_it_to_themselves(penguins_like, tmp_path, capsys):
    features = ["--features", "bill_length", "body_mass", "--query", str(public_grid(tmp_path))]
    assert main(["density", str(penguins_like), *features, "--private", "--raw"]) == 0
    captured = capsys.readouterr()
    rows = captured.out.splitlines()
    # Only the CSV: the header and one log-density per query row; notes go to stderr.
    assert rows[0] == "private_log_density" and len(rows) == 41
    assert "private (epsilon=1" in captured.err and "raw columns" in captured.err
    # A bandwidth rule on raw columns is a bandwidth of ~0.4 in each column's units.
    assert "a bandwidth in the columns' units" in captured.err
    # --private never standardises by the private rows' statistics (below); without
    # --bounds it says how to give the bandwidth a meaning.
    assert main(["density", str(penguins_like), *features, "--private"]) == 0
    captured = capsys.readouterr()
    assert "raw columns" in captured.err and "give --bounds" in captured.err
    # --json would mix the summary into the rows: refused before any work.
    with pytest.raises(SystemExit) as exc:
        main(["thin", str(penguins_like), "--features", "bill_length", "--size", "5", "--json"])
    assert exc.value.code == 2 and "give --out FILE" in capsys.readouterr().err


def test_private_density_standardises_by_public_bounds_only(penguins_like, tmp_path):
    """The mean and standard deviation of the private rows, taken without noise, moved
    every log-density by ~10 nats when one row was replaced: far beyond the noise."""
    from skkernel.density import PrivateKernelDensity

    table = pd.read_csv(penguins_like)[["bill_length", "body_mass"]].dropna()
    neighbour = table.copy()
    neighbour.iloc[0] = [1e4, 1e7]
    grid = public_grid(tmp_path)
    ranges = ["bill_length=30:60", "body_mass=2500:6500"]
    outputs = []
    for frame, name in ((table, "data.csv"), (neighbour, "neighbour.csv")):
        frame.to_csv(tmp_path / name, index=False)
        for bounds in ([], ["--bounds", *ranges]):
            out = tmp_path / f"{name}{len(bounds)}.out.csv"
            argv = ["density", str(tmp_path / name), "--private", "--epsilon", "inf"]
            argv += ["--bandwidth", "0.2", "--query", str(grid), "--seed", "0", "--out", str(out)]
            assert main([*argv, *bounds]) == 0
            outputs.append(pd.read_csv(out)["private_log_density"].to_numpy())
    # Without noise (epsilon = inf), what the CLI prints is the estimator's release on
    # the raw rows, or on the rows scaled by the public bounds: nothing else is taken
    # from the data.
    Q = pd.read_csv(grid).to_numpy()
    for k, bounds in enumerate([None, ((30, 2500), (60, 6500))]):
        model = PrivateKernelDensity(0.2, epsilon=np.inf, bounds=bounds, random_state=0)
        expected = model.fit(table.to_numpy()).score_samples(Q)
        np.testing.assert_allclose(outputs[k], expected, rtol=1e-12)
    # One replaced row moves the noiseless bounded estimate by at most ~2/n of its
    # kernel mean (clipped into the box), not by nats.
    finite = np.isfinite(outputs[1]) & np.isfinite(outputs[3])
    assert finite.sum() > 20
    assert np.abs(outputs[1][finite] - outputs[3][finite]).max() < 0.1


def test_cli_bounds_are_checked_before_the_release(penguins_like, tmp_path, capsys):
    grid = str(public_grid(tmp_path))
    base = ["density", str(penguins_like), "--features", "bill_length", "body_mass"]
    private = [*base, "--private", "--query", grid, "--bounds"]
    for bounds, message in [
        (["bill_length=30:60"], "no range for body_mass"),
        (["bill_length=30:60", "body_mass=2500:6500", "year=2000:2010"], "year is not a column"),
        (["bill_length=30", "body_mass=2500:6500"], "COL=LOW:HIGH"),
        (["bill_length=60:30", "body_mass=2500:6500"], "LOW < HIGH"),
    ]:
        assert main([*private, *bounds]) == 1
        assert message in capsys.readouterr().err
    assert main([*base, "--bounds", "bill_length=30:60", "body_mass=2500:6500"]) == 1
    assert "add --private" in capsys.readouterr().err
    # A budget without --private printed exact densities, exit 0, as if released.
    for budget in (["--epsilon", "0.5"], ["--delta", "1e-5"], ["--epsilon", "1", "--delta", "0"]):
        assert main([*base, *budget]) == 1
        err = capsys.readouterr().err
        assert "add --private" in err and budget[0] in err


def test_private_density_prints_only_what_the_guarantee_covers(penguins_like, tmp_path, capsys):
    data, grid = str(penguins_like), str(public_grid(tmp_path))
    private = ["density", data, "--features", "bill_length", "body_mass", "--private", "--raw"]
    # Log-densities at the private rows would reveal them: public --query rows only.
    assert main(private) == 1
    assert "--private scores public rows" in capsys.readouterr().err
    # The noise is fresh unless a seed is given, and a seed is said to void the release.
    runs = []
    for _ in range(2):
        assert main([*private, "--query", grid]) == 0
        captured = capsys.readouterr()
        runs.append(captured.out)
        assert "--seed" not in captured.err
    assert runs[0] != runs[1]
    assert main([*private, "--query", grid, "--seed", "0"]) == 0
    assert "not private" in capsys.readouterr().err
    # Rows with missing values (bill_depth has 7) are refused, their count unsaid:
    # leaving them out would print it and change n, which the release takes as public.
    with_missing = ["density", data, "--features", "bill_length", "bill_depth", "--private"]
    assert main([*with_missing, "--query", grid]) == 1
    err = capsys.readouterr().err
    assert "missing values" in err and "7 rows" not in err and "left out" not in err
    # The exact KDE still leaves them out and says how many.
    assert main(["density", data, "--features", "bill_length", "bill_depth"]) == 0
    assert "7 rows with missing values left out" in capsys.readouterr().err


def test_version_is_immediate():
    # --version imported the whole library (3 s); it must not import numba or sklearn.
    code = "import sys; from skkernel._cli import main; main(['--version'])"
    check = (
        "import sys, runpy\n"
        "try:\n    runpy.run_module('skkernel', run_name='__main__', alter_sys=True)\n"
        "except SystemExit:\n    pass\n"
        "assert 'numba' not in sys.modules and 'sklearn' not in sys.modules, sorted(sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", check, "--version"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("skkernel ")
    del code


def test_exact_model_beyond_memory_is_refused_before_the_folds(
    table_csv, tmp_path, capsys, monkeypatch
):
    from skkernel import _memory

    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: 1000)
    argv = ["fit", str(table_csv), "--target", "price", "--model", "krr-cv", "--out"]
    assert main([*argv, str(tmp_path / "m.joblib")]) == 1
    captured = capsys.readouterr()
    assert "fold" not in captured.out
    assert captured.err.count("\n") == 1 and "--model nystroem" in captured.err


def test_auto_model_on_a_numeric_target_searches_the_default_alphas(table_csv, tmp_path, capsys):
    # Without --alpha, auto is KernelRidgeCV over the 30 default penalties (it once got
    # [1.0] and searched nothing).
    import joblib

    from skkernel._cli._fit import DEFAULT_ALPHAS

    model_path = tmp_path / "m.joblib"
    assert "krr-cv" in _output(
        capsys, ["fit", str(table_csv), "--target", "price", "--out", str(model_path)]
    )
    model = joblib.load(model_path)[-1]
    np.testing.assert_array_equal(model.alphas, DEFAULT_ALPHAS)
    argv = ["fit", str(table_csv), "--target", "price", "--alpha", "0.5", "--out", str(model_path)]
    assert main(argv) == 0
    assert joblib.load(model_path)[-1].alpha == 0.5  # one alpha given: plain KernelRidge


def test_text_columns_are_named_by_density_and_thin(penguins_like, tmp_path, capsys):
    # pandas >= 3 reads text as its "str" dtype, which numpy's dtype test rejects.
    for command in (["density"], ["thin", "--size", "5"]):
        argv = [*command, str(penguins_like), "--out", str(tmp_path / "out.csv")]
        _one_line_error(capsys, argv, "species, island, sex are not numeric")


def test_json_output_is_strict_json(tmp_path, capsys):
    import json

    path = tmp_path / "tiny.csv"
    path.write_text("a,y\n1,1.5\n2,2.7\n3,3.1\n4,0.2\n")
    argv = ["fit", str(path), "--target", "y", "--cv", "4", "--alpha", "1"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # R^2 of one-row folds is undefined
        assert main([*argv, "--out", str(tmp_path / "m.joblib"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out, parse_constant=pytest.fail)
    assert summary["cv"]["R^2"] is None
    argv = ["bench", "--n", "64", "--d", "2", "--dtype", "float64", "--repeat", "1"]
    rows = json.loads(
        _output(capsys, [*argv, "--backend", "numba", "--json"]), parse_constant=pytest.fail
    )["rows"]
    assert rows[0]["speedup"] is None  # no numpy baseline in the run


def test_bench_repeat_and_an_output_folder_are_checked(table_csv, tmp_path, capsys):
    _one_line_error(capsys, ["bench", "--n", "64", "--repeat", "0"], "--repeat must be at least 1")
    argv = ["fit", str(table_csv), "--target", "price", "--out", str(tmp_path)]
    _one_line_error(capsys, argv, "is a folder")


def test_predict_reads_categorical_columns_as_fit_did(tmp_path, capsys):
    # A text column whose levels in the new file all look like numbers was read as
    # int64 there: every level unseen, silently ignored, the predictions wrong.
    rng = np.random.default_rng(0)
    grade = rng.choice(["K", "1", "2", "3"], size=200)
    x = rng.normal(size=200)
    y = x + np.select([grade == "K", grade == "1", grade == "2"], [0.0, 1.0, 2.0], 3.0)
    pd.DataFrame({"x": x, "grade": grade, "y": y}).to_csv(tmp_path / "fit.csv", index=False)
    model = str(tmp_path / "m.joblib")
    assert (
        main(
            [
                "fit",
                str(tmp_path / "fit.csv"),
                "--target",
                "y",
                "--model",
                "krr",
                "--out",
                model,
                "--quiet",
            ]
        )
        == 0
    )
    new = pd.DataFrame({"x": [0.0, 0.0, 0.0], "grade": ["1", "2", "3"]})
    new.to_csv(tmp_path / "new.csv", index=False)
    assert pd.read_csv(tmp_path / "new.csv")["grade"].dtype.kind == "i"
    assert (
        main(["predict", model, str(tmp_path / "new.csv"), "--out", str(tmp_path / "p.csv")]) == 0
    )
    predictions = pd.read_csv(tmp_path / "p.csv")["prediction"].to_numpy()
    expected = joblib.load(model).predict(new.astype({"grade": object}))
    np.testing.assert_allclose(predictions, expected)
    assert predictions[2] - predictions[0] > 1.0  # the grades count


def test_boolean_features_and_targets_fit(tmp_path, capsys):
    # True/False columns failed in the imputer; a True/False target with missing
    # cells failed sklearn's label checks ("Unknown label type").
    rng = np.random.default_rng(1)
    member = rng.choice([True, False], size=200)
    churn = pd.Series(np.where(member, rng.random(200) < 0.8, rng.random(200) < 0.2), dtype=object)
    churn[:20] = None
    table = pd.DataFrame({"x": rng.normal(size=200), "member": member, "churn": churn})
    table.to_csv(tmp_path / "bools.csv", index=False)
    model = str(tmp_path / "b.joblib")
    for model_name in ("auto", "nystroem"):
        argv = ["fit", str(tmp_path / "bools.csv"), "--target", "churn", "--model", model_name]
        assert "cross-validated" in _output(capsys, [*argv, "--n-components", "50", "--out", model])
    predictions = _output(capsys, ["predict", model, str(tmp_path / "bools.csv")]).splitlines()[1:]
    assert set(predictions) <= {"True", "False"} and len(predictions) == 200


def test_folds_stay_stratified_with_a_rare_class(penguins_like, tmp_path, capsys):
    table = pd.read_csv(penguins_like)
    rare = table[(table["species"] != "Chinstrap") | (np.arange(len(table)) % 40 == 0)]
    rare.to_csv(tmp_path / "rare.csv", index=False)
    argv = ["fit", str(tmp_path / "rare.csv"), "--target", "species", "--drop", "rowid"]
    out = _output(capsys, [*argv, "--out", str(tmp_path / "m.joblib")])
    assert "stratified" in out
    from skkernel._cli._fit import _folds

    y = rare["species"].to_numpy()
    folds, stratified = _folds("classification", y, 5, 0, np.zeros(len(y), dtype=bool))
    assert stratified
    adelie = [int(np.sum(y[test] == "Adelie")) for _, test in folds]
    assert max(adelie) - min(adelie) <= 1


def test_nystroem_centers_fit_every_training_fold(table_csv, tmp_path, capsys):
    # Capped at the table's rows, 5 folds of 4/5 of them warned 5 times (raw
    # UserWarnings) and scored a model other than the one saved.
    rows = len(pd.read_csv(table_csv))
    argv = ["fit", str(table_csv), "--target", "price", "--model", "nystroem"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main([*argv, "--n-components", str(rows), "--out", str(tmp_path / "n.joblib")]) == 0
    model = joblib.load(tmp_path / "n.joblib")[-1]
    assert model.n_components == rows - rows // 5


def test_alpha_with_class_labels_says_what_applies(penguins_like, tmp_path, capsys):
    out = ["--out", str(tmp_path / "m.joblib")]
    base = ["fit", str(penguins_like), "--target", "species", "--drop", "rowid"]
    _one_line_error(capsys, [*base, "--alpha", "0.1", "1", *out], "takes --C, not --alpha")
    _one_line_error(
        capsys,
        [*base, "--model", "nystroem", "--alpha", "0.1", "1", *out],
        "regression targets only",
    )


def test_id_hint_pastes_into_a_shell(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=60), "y": rng.normal(size=60)})
    frame.to_csv(tmp_path / "t.csv")  # the index becomes a column "Unnamed: 0"
    assert (
        main(
            [
                "fit",
                str(tmp_path / "t.csv"),
                "--target",
                "y",
                "--cv",
                "0",
                "--out",
                str(tmp_path / "m.joblib"),
            ]
        )
        == 0
    )
    assert "--drop 'Unnamed: 0'" in capsys.readouterr().err


@pytest.mark.parametrize("model", ["svm", "stkr"])
def test_integer_class_codes_with_missing_targets_stay_integers(penguins_like, tmp_path, model):
    # A code column with empty cells is read as float: the classes came back "1.0".
    frame = pd.read_csv(penguins_like)
    frame["code"] = frame["species"].map({"Adelie": 0, "Chinstrap": 1, "Gentoo": 2})
    frame.loc[::5, "code"] = np.nan
    path = tmp_path / "codes.csv"
    frame.drop(columns="species").to_csv(path, index=False)
    model_path = str(tmp_path / "m.joblib")
    argv = ["fit", str(path), "--target", "code", "--drop", "rowid", "--model", model]
    assert main([*argv, "--cv", "0", "--out", model_path]) == 0
    assert main(["predict", model_path, str(path), "--out", str(tmp_path / "p.csv")]) == 0
    predictions = pd.read_csv(tmp_path / "p.csv", dtype=str)["prediction"]
    assert set(predictions) <= {"0", "1", "2"}


@pytest.mark.parametrize("folds", ["1", "-2"])
def test_cv_of_one_or_negative_folds_is_refused(table_csv, tmp_path, capsys, folds):
    argv = ["fit", str(table_csv), "--target", "price", "--cv", folds]
    _one_line_error(capsys, [*argv, "--out", str(tmp_path / "m.joblib")], "at least 2 folds")


@pytest.mark.parametrize("command", ["density", "density-private", "thin", "predict"])
def test_unwritable_out_and_a_bad_query_are_refused_before_the_work(
    penguins_like, tmp_path, capsys, monkeypatch, command
):
    # The folder of --out (and density's --query columns) were checked only when the
    # results were written: after the fit, which for --private had spent its budget.
    from skkernel.density import KernelDensity, PrivateKernelDensity
    from skkernel.thinning import KernelThinning

    def no_fit(self, *args, **kwargs):
        raise AssertionError("fitted before checking the command line")

    for estimator in (KernelDensity, PrivateKernelDensity, KernelThinning):
        monkeypatch.setattr(estimator, "fit", no_fit)
    data = ["--features", "bill_length", "body_mass"]
    query = tmp_path / "query.csv"
    pd.read_csv(penguins_like)[["bill_length", "body_mass"]].to_csv(query, index=False)
    argv = {
        "density": ["density", str(penguins_like), *data],
        "density-private": ["density", str(penguins_like), *data, "--private"],
        "thin": ["thin", str(penguins_like), *data, "--size", "5"],
        "predict": ["predict", str(query), str(query)],
    }[command]
    if command == "density-private":
        argv += ["--query", str(query)]
    missing_folder = ["--out", str(tmp_path / "no" / "such.csv")]
    _one_line_error(capsys, [*argv, *missing_folder], "does not exist")
    _one_line_error(capsys, [*argv, "--out", str(tmp_path)], "is a folder")
    if command.startswith("density"):
        narrow = tmp_path / "narrow.csv"
        pd.read_csv(query)[["bill_length"]].to_csv(narrow, index=False)
        argv = [a if a != str(query) else str(narrow) for a in argv]
        if command == "density":
            argv += ["--query", str(narrow)]
        _one_line_error(capsys, argv, "lacks the column(s) body_mass")


@pytest.mark.parametrize("model", ["stkr", "svm", "auto"])
def test_one_labelled_class_is_named_as_the_file_writes_it(tmp_path, capsys, model):
    # STKR said "only one class (0)": its internal code, not the file's label.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 2)), columns=["a", "b"])
    frame["y"] = ["cat"] * 15 + [None] * 25
    path = tmp_path / "one.csv"
    frame.to_csv(path, index=False)
    argv = ["fit", str(path), "--target", "y", "--model", model, "--cv", "0"]
    _one_line_error(capsys, [*argv, "--out", str(tmp_path / "m.joblib")], "one class (cat)")


def test_question_marks_are_missing_values(table_csv, tmp_path, capsys):
    # "?" (UCI's marker) made a numeric column text: one-hot encoded, R^2 -0.2 instead
    # of 0.91, and every prediction the same.
    table = pd.read_csv(table_csv)
    marked = table.astype(object)
    marked.loc[::10, "a"] = "?"
    marked.to_csv(tmp_path / "marked.csv", index=False)
    model = str(tmp_path / "m.joblib")
    out = _output(
        capsys, ["fit", str(tmp_path / "marked.csv"), "--target", "price", "--out", model]
    )
    assert "median-imputed: a 12" in out and "categorical" not in out
    query = marked.drop(columns="price").iloc[:5]
    query.to_csv(tmp_path / "query.csv", index=False)
    assert main(["predict", model, str(tmp_path / "query.csv")]) == 0
    assert len(set(capsys.readouterr().out.splitlines()[1:])) == 5
    # Another marker is read as text, and said out loud at fit...
    other = table.astype(object)
    other.loc[::10, "a"] = "unknown"
    other.to_csv(tmp_path / "other.csv", index=False)
    other_fit = ["fit", str(tmp_path / "other.csv"), "--target", "price", "--cv", "0"]
    assert main([*other_fit, "--out", str(tmp_path / "other.joblib")]) == 0
    assert "column 'a' holds numbers but for a few cells ('unknown')" in capsys.readouterr().err
    # ...and at predict, text where the model reads numbers is one line naming it.
    other.drop(columns="price").to_csv(tmp_path / "other_query.csv", index=False)
    _one_line_error(
        capsys, ["predict", model, str(tmp_path / "other_query.csv")], "column 'a'", "'unknown'"
    )
    # Infinite values too, as fit says it (scikit-learn's message named no column).
    infinite = table.drop(columns="price").iloc[:5].copy()
    infinite.loc[2, "a"] = np.inf
    infinite.to_csv(tmp_path / "infinite.csv", index=False)
    _one_line_error(
        capsys, ["predict", model, str(tmp_path / "infinite.csv")], "column 'a'", "infinite"
    )


def test_csv_dialects_and_repeated_names(table_csv, tmp_path, capsys):
    table = pd.read_csv(table_csv)
    fit = ["--target", "price", "--cv", "2", "--out", str(tmp_path / "m.joblib")]
    expected = _output(capsys, ["fit", str(table_csv), *fit])
    score = [line for line in expected.splitlines() if "R^2" in line]
    # Spaces after the commas, and semicolons with decimal points or commas (as
    # spreadsheets set to a decimal comma write them), read the same.
    (tmp_path / "spaces.csv").write_text(table.to_csv(index=False).replace(",", ", "))
    table.to_csv(tmp_path / "semi.csv", sep=";", index=False)
    table.to_csv(tmp_path / "comma.csv", sep=";", decimal=",", index=False)
    for name in ("spaces.csv", "semi.csv", "comma.csv"):
        out = _output(capsys, ["fit", str(tmp_path / name), *fit])
        assert [line for line in out.splitlines() if "R^2" in line] == score
    # pandas renamed a repeated name silently (a, a.1): --drop a kept the copy.
    (tmp_path / "twice.csv").write_text("a,a,price\n" + "1,2,3\n" * 5)
    _one_line_error(capsys, ["fit", str(tmp_path / "twice.csv"), *fit], "repeats", "'a'")
    _one_line_error(capsys, ["fit", str(tmp_path), *fit], "not a regular file")


def test_out_is_tried_before_the_work(table_csv, penguins_like, tmp_path, capsys):
    # Only the folder was checked: a private release was made, then failed to write.
    unwritable = "/proc/skkernel-cannot-write-here.csv"
    _one_line_error(
        capsys,
        ["fit", str(table_csv), "--target", "price", "--cv", "0", "--out", unwritable],
        "cannot be written",
    )
    private = ["density", str(penguins_like), "--features", "bill_length", "body_mass"]
    private += ["--private", "--query", str(public_grid(tmp_path)), "--out", unwritable]
    err = _one_line_error(capsys, private, "cannot be written")
    assert "KDE" not in err
    assert not (tmp_path / "never.csv").exists()
    # A new file is tried and removed; an existing one is left as it was.
    existing = tmp_path / "existing.csv"
    existing.write_text("keep")
    from skkernel._cli._tabular import check_output_path

    check_output_path(str(tmp_path / "new.csv"))
    check_output_path(str(existing))
    assert not (tmp_path / "new.csv").exists() and existing.read_text() == "keep"


def test_closed_pipe_of_progress_lines_still_writes_the_file(table_csv, tmp_path):
    # Progress lines go to stdout with --out; `| head` closing it ended the command
    # with status 0 before the coreset was written.
    out = tmp_path / "coreset.csv"
    command = (
        f"{sys.executable} -m skkernel thin {table_csv} --size 16 --out {out} | head -0; "
        'exit "${PIPESTATUS[0]}"'
    )
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(out)) == 16


def test_a_class_target_of_single_rows_is_questioned(table_csv, tmp_path, capsys):
    table = pd.read_csv(table_csv)
    table["code"] = [f"r{i}" for i in range(len(table))]
    table.to_csv(tmp_path / "codes.csv", index=False)
    argv = ["fit", str(tmp_path / "codes.csv"), "--target", "code", "--drop", "price"]
    main([*argv, "--cv", "0", "--out", str(tmp_path / "m.joblib")])
    assert "every class of target 'code' has a single row" in capsys.readouterr().err


def test_private_density_prints_no_value_of_the_private_rows(penguins_like, tmp_path, capsys):
    # The magnitude check printed the largest value of a private column; a private
    # release takes any finite value (its embedding keeps its unit norm), and an
    # infinite one is refused without its count.
    table = pd.read_csv(penguins_like)[["bill_length", "body_mass"]].dropna()
    table.iloc[0, 0] = 1.2345e200
    table.to_csv(tmp_path / "huge.csv", index=False)
    argv = ["density", str(tmp_path / "huge.csv"), "--private", "--bandwidth", "50"]
    argv += ["--query", str(public_grid(tmp_path))]
    assert main(argv) == 0
    assert "1.23" not in capsys.readouterr().err
    table.iloc[0, 0] = np.inf
    table.to_csv(tmp_path / "huge.csv", index=False)
    err = _one_line_error(capsys, argv, "infinite values")
    assert "1 infinite" not in err
