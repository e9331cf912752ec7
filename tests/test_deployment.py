"""skkernel where it is deployed: forked workers, read-only installs, damaged caches.

Each test runs skkernel in a fresh interpreter, as a deployment would.
"""

import os
import pathlib
import shutil
import stat
import subprocess
import sys
import textwrap

import pytest

import skkernel

PACKAGE = pathlib.Path(skkernel.__file__).parent

# Imports skkernel from the folder on PYTHONPATH even where the test environment has
# an editable install (whose import hook would otherwise win), computes a product on
# the numba backend (a parallel numba function) and prints it.
PRODUCT = textwrap.dedent(
    """
    import sys
    sys.meta_path = [f for f in sys.meta_path if "editable" not in str(f)]
    import numpy as np
    import skkernel
    assert skkernel.__file__.startswith(sys.argv[1]), skkernel.__file__
    X = np.random.default_rng(0).normal(size=(500, 3))
    K = skkernel.KernelOperator("rbf", X, backend="numba")
    print(round(float((K @ np.ones(500)).sum()), 6))
    """
)


def _run(args, env=None, timeout=600, cwd="/"):
    # From "/": the current directory comes first on sys.path, and a checkout's would
    # shadow the copy under test.
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout, cwd=cwd)


def _copy_package(folder):
    """A copy of the skkernel package without compiled caches, under ``folder``."""
    target = folder / "skkernel"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _read_only(path):
    for root, _dirs, files in os.walk(path):
        for name in files:
            os.chmod(os.path.join(root, name), 0o444)
        os.chmod(root, 0o555)


def _writable(path):
    for root, _dirs, files in os.walk(path):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)


def _expected():
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    out = _run([sys.executable, "-c", PRODUCT, str(PACKAGE)], env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def _as_unprivileged(command):
    """Run ``command`` where file modes apply: as the user nobody when the
    interpreter is reachable by it, else as root without CAP_DAC_OVERRIDE (the
    capability by which root ignores file modes)."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes cannot be enforced")
    probe = _run(
        [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", "pass"]
    )
    if probe.returncode == 0:
        return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    return [setpriv, "--bounding-set=-dac_override", *command]


@pytest.fixture
def public_tmp():
    """A temporary folder other users can traverse (pytest's tmp_path is private)."""
    import tempfile

    path = pathlib.Path(tempfile.mkdtemp(prefix="skkernel-test-"))
    os.chmod(path, 0o755)
    yield path
    _writable(path)
    shutil.rmtree(path, ignore_errors=True)


def test_import_and_run_from_a_read_only_install(public_tmp):
    # A non-root user of a read-only image: no __pycache__ to write, no writable
    # home; numba's cache=True refused to even define the functions ("no locator
    # available"). skkernel must import and run, compiling in memory.
    folder = public_tmp / "site"
    folder.mkdir()
    _copy_package(folder)
    _read_only(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CACHE")}
    env.update(PYTHONPATH=str(folder), HOME=str(folder), XDG_CACHE_HOME=str(folder))
    try:
        out = _run(_as_unprivileged([sys.executable, "-c", PRODUCT, str(folder)]), env=env)
        assert out.returncode == 0, out.stderr[-3000:]
        assert out.stdout.strip() == _expected()
        assert not list(folder.rglob("*.nbi")), "wrote a cache into a read-only install"
    finally:
        _writable(folder)


def test_optional_packages_that_write_caches_fail_clearly_without_a_writable_home(public_tmp):
    # Importing KeOps creates ~/.cache/keops...: backend_status() itself raised
    # PermissionError. pynndescent's cache=True failed with numba's bare "cannot
    # cache function" in the middle of an STKR fit.
    home = public_tmp / "home"
    home.mkdir()
    _read_only(home)
    script = textwrap.dedent(
        """
        import numpy as np
        import skkernel
        from skkernel import SpectralKernelRidge

        print("keops:", skkernel.backend_status()["keops"])
        X = np.random.default_rng(0).normal(size=(200, 2))
        y = np.sin(X[:, 0])
        y[50:] = np.nan
        try:
            SpectralKernelRidge(neighbors_algorithm="nndescent").fit(X, y)
            print("nndescent: fitted")
        except ImportError:
            print("nndescent: not installed")
        except RuntimeError as error:
            print("nndescent:", "NUMBA_CACHE_DIR" in str(error))
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_CACHE", "KEOPS_CACHE"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home))
    try:
        out = _run(_as_unprivileged([sys.executable, "-c", script]), env=env)
    finally:
        _writable(home)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = dict(line.split(": ", 1) for line in out.stdout.strip().splitlines())
    keops_installed = "No module named" not in lines["keops"]
    if keops_installed:
        assert "KEOPS_CACHE_FOLDER" in lines["keops"], lines["keops"]
    assert lines["nndescent"] in ("fitted", "not installed", "True"), lines["nndescent"]


def test_a_truncated_cache_file_is_a_cache_miss(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    _copy_package(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CACHE")}
    env["PYTHONPATH"] = str(folder)
    first = _run([sys.executable, "-c", PRODUCT, str(folder)], env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    caches = list(folder.rglob("*.nbi")) + list(folder.rglob("*.nbc"))
    assert caches, "numba wrote no cache"
    for path in caches:  # a full disk, a killed process: files cut short
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    second = _run([sys.executable, "-c", PRODUCT, str(folder)], env=env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert second.stdout.strip() == first.stdout.strip()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_forked_workers_use_skkernel_after_the_parent_did():
    # GNU OpenMP (numba's default layer on Linux) aborts a child forked after a
    # parallel region: "fork() called from a process already using GNU OpenMP".
    # multiprocessing with fork (gunicorn --preload, Celery prefork) then hung.
    script = textwrap.dedent(
        """
        import multiprocessing, os
        import numpy as np
        import skkernel

        X = np.random.default_rng(0).normal(size=(2000, 3))
        v = np.ones(2000)

        def product(_):
            return float((skkernel.KernelOperator("rbf", X, backend="numba") @ v).sum())

        parent = product(None)
        with multiprocessing.get_context("fork").Pool(2) as pool:
            children = pool.map(product, range(2))
        pid = os.fork()
        if pid == 0:
            os._exit(0 if abs(product(None) - parent) < 1e-6 * abs(parent) else 3)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, status
        assert all(abs(c - parent) < 1e-6 * abs(parent) for c in children), children
        print("ok")
        """
    )
    out = _run([sys.executable, "-c", script], timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")
    assert "unsafe" not in out.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_may_first_call_what_the_parent_never_ran():
    # Each parallel function took the first process that called it for the parent:
    # a child whose first call was to a function the parent had not run (here the
    # random features' cos/sin) ran it in OpenMP and died; a joblib pool hung.
    script = textwrap.dedent(
        """
        import os
        import numpy as np
        import skkernel
        from skkernel import RandomFourierFeatures

        X = np.random.default_rng(0).normal(size=(2000, 3))
        skkernel.KernelOperator("rbf", X, backend="numba") @ np.ones(2000)
        features = RandomFourierFeatures(n_components=200, random_state=0).fit(X)
        pid = os.fork()
        if pid == 0:
            first = features.transform(X)
            grandchild = os.fork()  # and a child of that child
            if grandchild == 0:
                os._exit(0 if np.array_equal(features.transform(X), first) else 3)
            _, status = os.waitpid(grandchild, 0)
            os._exit(os.waitstatus_to_exitcode(status))
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, status
        print("ok")
        """
    )
    out = _run([sys.executable, "-c", script], timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")
    assert "unsafe" not in out.stderr


def test_file_modes_are_enforced_where_the_read_only_test_runs(public_tmp):
    # Guards the guard: the read-only test means something only if writing into a
    # read-only folder really fails for the process it starts.
    folder = public_tmp / "ro"
    folder.mkdir()
    os.chmod(folder, stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | 0o005)
    probe = f"open({str(folder / 'x')!r}, 'w')"
    out = _run(_as_unprivileged([sys.executable, "-c", probe]))
    os.chmod(folder, 0o755)
    assert out.returncode != 0 and "Permission denied" in out.stderr
