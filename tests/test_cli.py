"""The command line: python -m skkernel."""

import subprocess
import sys

import pytest

from skkernel.__main__ import main


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
    assert main(["bench", "--n", "10"]) == 2
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
