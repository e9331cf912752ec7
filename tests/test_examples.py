"""Every example runs and says what it should."""

import pathlib
import runpy

import numpy as np
import pytest

EXAMPLES = sorted((pathlib.Path(__file__).parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path, capsys):
    runpy.run_path(str(path), run_name="__main__")
    assert capsys.readouterr().out.strip()


def test_lazy_kernel_matrix_example_agrees_with_sklearn(capsys):
    runpy.run_path(str(EXAMPLES[0].parent / "plot_kernel_operator.py"), run_name="__main__")
    out = capsys.readouterr().out
    accuracies = [
        float(line.split("accuracy")[1].split()[0])
        for line in out.splitlines()
        if "accuracy" in line
    ]
    assert len(accuracies) == 3 and min(accuracies) > 0.95
    assert max(accuracies) - min(accuracies) < 0.01
    difference = float(out.strip().splitlines()[-1].split(":")[1])
    assert difference < 1e-3


def test_leave_one_out_example_matches_brute_force(capsys):
    runpy.run_path(str(EXAMPLES[0].parent / "plot_kernel_ridge_cv.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert float(out.strip().splitlines()[-1].split(":")[1]) < 1e-8
    chosen = out.split("chosen alpha: skkernel")[1].split("\n")[0]
    ours, brute = chosen.split(", brute force")
    assert float(ours) == float(brute)


def test_semi_supervised_example_uses_the_unlabelled_images(capsys):
    runpy.run_path(str(EXAMPLES[0].parent / "plot_semi_supervised_digits.py"), run_name="__main__")
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[2:]]
    stkr, spreading, labels_only = (np.array([float(r[i]) for r in rows]) for i in (1, 2, 3))
    # With 50 labels and fewer, the unlabelled images are worth several points.
    assert np.all(stkr[:2] >= labels_only[:2] + 0.04)
    assert np.all(stkr >= spreading - 0.02)
