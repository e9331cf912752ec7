"""The command line: python -m skkernel."""

import subprocess
import sys

import numpy as np
import pytest

from skkernel._cli import _demo, main

pd = pytest.importorskip("pandas")


def test_backends_command(capsys):
    assert main(["backends"]) == 0
    out = capsys.readouterr().out
    assert "numba" in out and "(auto)" in out


def test_bench_command_prints_a_table(capsys):
    argv = [
        "bench",
        "--n",
        "300",
        "--d",
        "2",
        "--dtype",
        "float64",
        "--backend",
        "numpy",
        "numba",
        "--repeat",
        "1",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    lines = [line.split() for line in out.splitlines()]
    table = {row[0]: row for row in lines if row and row[0] in ("numpy", "numba")}
    assert set(table) == {"numpy", "numba"}
    assert float(table["numpy"][-1]) == pytest.approx(1.0)


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


@pytest.mark.parametrize("model", ["krr", "krr-cv", "nystroem"])
def test_fit_then_predict_round_trip(table_csv, tmp_path, capsys, model):
    model_path = tmp_path / "model.joblib"
    argv = ["fit", str(table_csv), "--target", "price", "--model", model, "--cv", "3"]
    if model == "nystroem":
        argv += ["--n-components", "20"]
    alphas = ["0.01", "0.1"] if model == "krr-cv" else ["0.1"]
    assert main([*argv, "--alpha", *alphas, "--out", str(model_path)]) == 0
    out = capsys.readouterr().out
    assert "cross-validated R^2 (3 folds)" in out and "fit time" in out
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
    assert main(["predict", str(model_path), str(table_csv)]) == 0
    assert capsys.readouterr().out.startswith("prediction\n")


def _one_line_error(capsys, argv, *fragments):
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
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
    frame = pd.read_csv(table_csv)
    frame["city"] = "Paris"
    text_path = tmp_path / "text.csv"
    frame.to_csv(text_path, index=False)
    _one_line_error(
        capsys, ["fit", str(text_path), "--target", "price", *out], "'city'", "not numeric"
    )
    frame = pd.read_csv(table_csv)
    frame.loc[[3, 7], "price"] = np.nan
    nan_path = tmp_path / "nan.csv"
    frame.to_csv(nan_path, index=False)
    _one_line_error(
        capsys, ["fit", str(nan_path), "--target", "price", *out], "'price'", "2 missing"
    )
    empty_path = tmp_path / "empty.csv"
    empty_path.write_text("")
    _one_line_error(capsys, ["fit", str(empty_path), "--target", "price", *out], "is empty")
    header_path = tmp_path / "header.csv"
    header_path.write_text("a,b,price\n")
    _one_line_error(capsys, ["fit", str(header_path), "--target", "price", *out], "no rows")
    _one_line_error(
        capsys, ["fit", str(table_csv), "--target", "price", "--alpha", "1", "2", *out], "krr-cv"
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


def test_demo_compares_with_sklearn(monkeypatch, capsys):
    # The first two cases (diabetes) keep the test quick; `skkernel demo` runs all.
    monkeypatch.setattr(_demo, "DEMO_CASES", _demo.DEMO_CASES[:2])
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("diabetes")]
    assert len(rows) == 4
    assert {"scikit-learn", "skkernel"} <= set(" ".join(rows).split())
    # Same model, same split: the same R^2.
    plain = [row.split("R^2")[1].split()[0] for row in rows[:2]]
    assert plain[0] == plain[1]


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
    missing = ["--out", str(tmp_path / "no" / "such" / "m.joblib")]
    _one_line_error(
        capsys, ["fit", str(table_csv), "--target", "price", *missing], "does not exist"
    )


def test_gamma_zero_fits_a_model_that_predicts(table_csv, tmp_path, capsys):
    # It exited 0 with "R^2: nan" and saved a model that could not predict.
    model_path = tmp_path / "m.joblib"
    argv = ["fit", str(table_csv), "--target", "price", "--gamma", "0", "--out", str(model_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "nan" not in out.lower()
    assert main(["predict", str(model_path), str(table_csv)]) == 0
