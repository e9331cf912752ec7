"""Every example runs and says what it should."""

import contextlib
import functools
import io
import pathlib
import re
import runpy

import matplotlib.pyplot as plt
import numpy as np
import pytest

EXAMPLES_DIR = pathlib.Path(__file__).parent.parent / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.py"))


@functools.cache
def _output(name):
    """What an example prints; each example runs once, however many tests read it."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        runpy.run_path(str(EXAMPLES_DIR / name), run_name="__main__")
    plt.close("all")
    return buffer.getvalue()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path):
    assert _output(path.name).strip()


def test_lazy_kernel_matrix_example_agrees_with_sklearn():
    out = _output("plot_kernel_operator.py")
    accuracies = [
        float(line.split("accuracy")[1].split()[0])
        for line in out.splitlines()
        if "accuracy" in line
    ]
    assert len(accuracies) == 3 and min(accuracies) > 0.95
    assert max(accuracies) - min(accuracies) < 0.01
    difference = float(out.strip().splitlines()[-1].split(":")[1])
    assert difference < 1e-3


def test_leave_one_out_example_matches_brute_force():
    out = _output("plot_kernel_ridge_cv.py")
    assert float(out.strip().splitlines()[-1].split(":")[1]) < 1e-8
    chosen = out.split("chosen alpha: skkernel")[1].split("\n")[0]
    ours, brute = chosen.split(", brute force")
    assert float(ours) == float(brute)


def test_semi_supervised_example_uses_the_unlabelled_images():
    out = _output("plot_semi_supervised_digits.py")
    rows = [line.split() for line in out.splitlines()[2:]]
    stkr, spreading, labels_only = (np.array([float(r[i]) for r in rows]) for i in (1, 2, 3))
    # With 50 labels and fewer, the unlabelled images are worth several points.
    assert np.all(stkr[:2] >= labels_only[:2] + 0.04)
    assert np.all(stkr >= spreading - 0.02)


def test_ntk_example_is_as_accurate_as_the_gaussian_svm():
    scores = re.findall(
        r"NTK-SVM ([\d.]+)  RBF-SVM ([\d.]+)  random forest ([\d.]+)", _output("plot_ntk_svm.py")
    )
    ntk, rbf, forest = np.array(scores, dtype=float).T
    assert len(ntk) == 4  # iris, wine, breast cancer, digits
    assert np.all(ntk >= rbf) and np.all(rbf >= forest)
    assert ntk[-1] > rbf[-1]  # digits: ahead, not only level


def test_falkon_example_fits_the_pipelines_model_in_a_fraction_of_its_memory():
    lines = _output("plot_falkon_scaling.py").strip().splitlines()
    header = re.split(r"\s{2,}", lines[1].strip())
    rows = [
        dict(zip(header, re.split(r"\s{2,}", line.strip()), strict=False)) for line in lines[2:]
    ]
    by_model = {}
    for row in rows:
        by_model.setdefault(row["model"], {})[int(row["n"])] = row
    falkon = by_model["NystroemRidge (Falkon)"]
    pipeline = by_model["sklearn Nystroem + Ridge"]
    assert sorted(falkon) == sorted(pipeline) and max(falkon) == 64000
    for n in falkon:
        # The same centers and the same model: the same test error, up to CG's tol.
        ours, theirs = float(falkon[n]["test RMSE"]), float(pipeline[n]["test RMSE"])
        assert abs(ours - theirs) < 0.005 * theirs
    # More data, better fits, down towards the noise (sd 1).
    assert float(falkon[64000]["test RMSE"]) < float(falkon[1000]["test RMSE"]) - 0.3
    memory = [float(falkon[n]["memory / pipeline"]) for n in sorted(falkon)]
    if not np.isnan(memory[-1]):  # peak memory is measured where /proc is
        # Falkon never stores the n x M features: its share shrinks as n grows.
        assert memory[-1] < 0.15 and memory[-1] < memory[0]
        exact = by_model["sklearn KernelRidge"]
        assert float(exact[4000]["peak MB"]) > 8 * 4000**2 / 1e6  # an n x n matrix
