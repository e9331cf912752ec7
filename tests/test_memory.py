"""The memory the dense paths may take: system, ulimit and cgroup limits."""

import subprocess
import sys

import numpy as np
import pytest

from skkernel import _memory


def _cgroup_files(tmp_path, monkeypatch, membership, files):
    """A fake /proc/self/cgroup and cgroup mount under tmp_path."""
    (tmp_path / "cgroup").write_text(membership)
    for relative, text in files.items():
        path = tmp_path / "root" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.setattr(_memory, "_CGROUP", str(tmp_path / "cgroup"))
    monkeypatch.setattr(_memory, "_CGROUP_ROOT", str(tmp_path / "root"))


@pytest.mark.parametrize(
    "membership, folder, limit_file, usage_file, limit, unlimited",
    [
        ("0::/job\n", "job", "memory.max", "memory.current", 3 * 2**30, "max\n"),
        (
            "4:memory:/job\n1:cpu:/\n",
            "memory/job",
            "memory.limit_in_bytes",
            "memory.usage_in_bytes",
            4 * 2**30,
            str(2**63 - 4096),  # how cgroup v1 writes "unlimited"
        ),
    ],
    ids=["v2", "v1"],
)
def test_cgroup_limit_is_read(
    tmp_path, monkeypatch, membership, folder, limit_file, usage_file, limit, unlimited
):
    files = {f"{folder}/{limit_file}": str(limit), f"{folder}/{usage_file}": str(2**30)}
    _cgroup_files(tmp_path, monkeypatch, membership, files)
    assert _memory._cgroup_headroom() == limit - 2**30
    assert _memory.available_memory_bytes() <= limit - 2**30
    (tmp_path / "root" / folder / limit_file).write_text(unlimited)
    assert _memory._cgroup_headroom() is None
    # A file in a form this reader does not know is no limit, not an error in every fit.
    (tmp_path / "root" / folder / limit_file).write_text("4G\n")
    assert _memory._cgroup_headroom() is None


@pytest.mark.parametrize(
    "membership, files, headroom",
    [
        # A Slurm job's or systemd slice's limit sits on a parent; the step's own
        # group says "max" (and the task's is looser).
        (
            "0::/job/step/task\n",
            {
                "job/memory.max": 4 * 2**30,
                "job/memory.current": 3 * 2**30,
                "job/step/memory.max": "max",
                "job/step/memory.current": 2**30,
                "job/step/task/memory.max": 8 * 2**30,
                "job/step/task/memory.current": 2**30,
            },
            2**30,
        ),
        # Without its own cgroup namespace a container lists the host's path, which
        # does not exist inside it; its limit is at the mount's root.
        (
            "4:memory:/docker/abc\n",
            {"memory/memory.limit_in_bytes": 2 * 2**30, "memory/memory.usage_in_bytes": 2**29},
            2 * 2**30 - 2**29,
        ),
    ],
    ids=["parent", "container-root"],
)
def test_limits_above_the_cgroup_s_own_are_found(
    tmp_path, monkeypatch, membership, files, headroom
):
    # Only the leaf's files were read: no limit at all in either case.
    files = {path: str(value) for path, value in files.items()}
    _cgroup_files(tmp_path, monkeypatch, membership, files)
    assert _memory._cgroup_headroom() == headroom


def test_a_limit_already_reached_refuses_everything(tmp_path, monkeypatch):
    # A headroom of 0 was dropped as "unknown": the system's memory was used instead.
    _cgroup_files(
        tmp_path,
        monkeypatch,
        "0::/job\n",
        {"job/memory.max": str(2 * 2**30), "job/memory.current": str(2 * 2**30)},
    )
    assert _memory.available_memory_bytes() == 0
    with pytest.raises(MemoryError, match="available to this process"):
        _memory.check_dense_fits(1000, 1000, np.float64, what="A test", instead="")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ulimit semantics of Linux")
def test_address_space_limit_is_respected_before_allocating():
    # Under ulimit -v the system still has plenty available; the check must see the
    # limit and refuse with a message, not let numpy fail (or the kernel kill us).
    script = """
import resource, numpy as np
from skkernel import _memory, KernelRidge
soft = 3 * 2**30
resource.setrlimit(resource.RLIMIT_AS, (soft, resource.RLIM_INFINITY))
assert _memory.available_memory_bytes() < soft
X = np.random.default_rng(0).normal(size=(30000, 2))
try:
    KernelRidge(kernel="rbf", solver="cholesky").fit(X, X[:, 0])
except MemoryError as error:
    print("refused:", error)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "refused: KernelRidge(solver='cholesky') needs a dense 30000 x 30000" in out.stdout
    assert "available to this process" in out.stdout


def test_count_is_part_of_the_message(monkeypatch):
    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: 10**6)
    with pytest.raises(MemoryError, match=r"2 dense 300 x 300 float64 matrices, 1.44 MB"):
        _memory.check_dense_fits(300, 300, np.float64, what="x", instead="y", count=2)


def test_factorisation_workspace_counts_against_the_memory(monkeypatch):
    from skkernel import KernelRidge
    from skkernel._linalg import cholesky_workspace_nbytes

    n = 13_000  # beyond LAPACK's in-place size: factored by blocks, with panels
    matrix, panels = n * n * 8, cholesky_workspace_nbytes(n, np.float64)
    assert panels > 0 and cholesky_workspace_nbytes(1000, np.float64) == 0
    # The matrix alone fits, the matrix and its panels do not: refused before anything.
    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: matrix + panels // 2)
    X = np.zeros((n, 1))
    with pytest.raises(MemoryError, match="of workspace"):
        KernelRidge(solver="cholesky").fit(X, np.zeros(n))


def test_stkr_resolvent_counts_its_factorisation_workspace(monkeypatch):
    # The inverse Laplacian factors I - eta T by blocks above LAPACK's size, with
    # panels beside T and its copy; the check counted the two matrices only. The
    # blocked size is lowered here so that a small problem takes that path.
    from skkernel import SpectralKernelRidge
    from skkernel._linalg import _cholesky

    monkeypatch.setattr(_cholesky, "_DIRECT_CHOLESKY_MAX", 100)
    n = 300
    matrices, panels = 2 * n * n * 8, _cholesky.cholesky_workspace_nbytes(n, np.float64)
    assert panels > 0
    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: matrices + panels // 2)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    partial = np.where(np.arange(n) < 30, X[:, 0], np.nan)
    with pytest.raises(MemoryError, match="of workspace"):
        SpectralKernelRidge(kernel="rbf", solver="direct").fit(X, partial)


def _several_matrix_fits():
    from skkernel import Nystroem, NystroemRidge, SpectralKernelRidge
    from skkernel.leverage import ridge_leverage_scores

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y = np.sin(X[:, 0])
    partial = np.where(np.arange(300) < 30, y, np.nan)
    stkr = dict(kernel="rbf", solver="direct")
    return {
        "exact leverage scores": lambda: ridge_leverage_scores(X, method="exact"),
        "exact-rls centers": lambda: Nystroem(n_components=10, sampling="exact-rls").fit(X),
        "Nystroem K_MM^-1/2": lambda: Nystroem(n_components=300).fit(X),
        "Falkon preconditioner": lambda: NystroemRidge(n_components=300).fit(X, y),
        "STKR resolvent": lambda: SpectralKernelRidge(**stkr).fit(X, partial),
        "STKR kpca": lambda: SpectralKernelRidge(**stkr, spectral_transform="kpca").fit(X, partial),
        "STKR callable": lambda: SpectralKernelRidge(**stkr, spectral_transform=np.square).fit(
            X, partial
        ),
    }


@pytest.mark.parametrize("path", list(_several_matrix_fits()))
def test_paths_that_need_several_dense_matrices_count_them(monkeypatch, path):
    # Each counted one n x n (or M x M) matrix where it holds two to four at once (a
    # factorisation's copy, eigenvectors, an SVD's factors), or none at all: with
    # room for one and a half it failed inside numpy, or the process was killed.
    fit = _several_matrix_fits()[path]
    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: int(1.5 * 300 * 300 * 8))
    # (STKR's direct path names the labelled block's bytes as workspace.)
    with pytest.raises(MemoryError, match="matrices( and .* of workspace)?, .* available to this"):
        fit()


def test_dense_blocks_of_the_operator_are_checked(monkeypatch):
    from skkernel import KernelOperator

    # Nystroem(n_components=20000) reached numpy's "Unable to allocate 2.98 GiB".
    n = 1500  # 18 MB: checked (small blocks, allocated by the thousand, are not)
    operator = KernelOperator("rbf", np.random.default_rng(0).normal(size=(n, 2)))
    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: n * n * 8 // 2)
    assert operator.block(slice(None), [0, 1]).shape == (n, 2)  # a small block fits
    for dense in (operator.to_dense, operator.gram):
        with pytest.raises(MemoryError, match=f"A dense kernel block needs a dense {n} x {n}"):
            dense()


def test_stkr_names_the_dense_path_the_user_chose(monkeypatch):
    # kpca with eigen_solver="dense" (and the default solver) was told that
    # solver='direct' needs the matrices, and to use solver='cg'.
    from skkernel import SpectralKernelRidge

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    partial = np.where(np.arange(300) < 30, X[:, 0], np.nan)
    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: int(1.5 * 300 * 300 * 8))
    model = SpectralKernelRidge(
        kernel="rbf", solver="cg", spectral_transform="kpca", eigen_solver="dense"
    )
    with pytest.raises(MemoryError, match="eigen_solver='dense'.*iterative eigen_solver"):
        model.fit(X, partial)


def test_row_batches_cover_the_rows_within_working_memory():
    import sklearn

    from skkernel._memory import row_batches

    assert list(row_batches(0, 8)) == []  # gen_batches refuses n = 0
    with sklearn.config_context(working_memory=1):
        batches = list(row_batches(1000, 2**12))  # 256 rows a MiB
    assert [(b.start, b.stop) for b in batches] == [(0, 256), (256, 512), (512, 768), (768, 1000)]
    assert [b.stop - b.start for b in row_batches(10, 8, max_rows=4)] == [4, 4, 2]


# Counts measured against what the fits hold (peak resident memory, in units of one
# matrix): each check below refused too little, and numpy failed with "Unable to
# allocate" (or a bare MemoryError from LAPACK's SVD) under the limit.


def _limit(monkeypatch, matrices, n):
    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: int(matrices * n * n * 8))


def test_nystroem_counts_the_svd_s_workspace(monkeypatch):
    # The SVD of K_MM and its product hold 7.1-7.4 m x m arrays; the check counted 4.
    from skkernel import Nystroem

    X = np.random.default_rng(0).normal(size=(300, 2))
    _limit(monkeypatch, 6, 300)
    with pytest.raises(MemoryError, match="inverse square root .* 8 dense 300 x 300"):
        Nystroem(n_components=300, sampling="uniform").fit(X)


def test_svc_with_probabilities_counts_the_calibration_s_fold_block(monkeypatch):
    # CalibratedClassifierCV copies a fold's training block of K beside it (1.9 n x n).
    from skkernel import KernelSVC

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 2)), np.arange(300) % 2
    _limit(monkeypatch, 1.5, 300)
    KernelSVC(solver="exact").fit(X, y)
    with pytest.raises(MemoryError, match="2 dense 300 x 300"):
        KernelSVC(solver="exact", probability=True).fit(X, y)
    # "auto" takes the Nystroem path instead.
    model = KernelSVC(probability=True, n_components=50, random_state=0).fit(X, y)
    assert model.solver_ == "nystroem"


def test_stkr_landmarks_check_their_m_x_m_work(monkeypatch):
    # K_ZZ's factor, B, its solves and eigenvectors: up to 4 M x M arrays (7.3 before
    # they were made in place), unchecked.
    from skkernel import SpectralKernelRidge

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2))
    partial = np.where(np.arange(600) < 60, X[:, 0], np.nan)
    _limit(monkeypatch, 3, 300)
    with pytest.raises(MemoryError, match="n_landmarks=300 needs 5 dense 300 x 300"):
        SpectralKernelRidge(kernel="rbf", n_landmarks=300).fit(X, partial)


def test_stkr_direct_counts_the_labelled_block_and_auto_falls_back_to_cg(monkeypatch):
    # The labelled block's arrays (E, s(T) E, the block) were not counted; "auto"
    # then took the direct path and failed where "cg" fits.
    from skkernel import SpectralKernelRidge
    from skkernel._linalg import labelled_block_nbytes

    n, n_labelled = 300, 150
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    partial = np.where(np.arange(n) < n_labelled, X[:, 0], np.nan)
    room = 2 * n * n * 8 + labelled_block_nbytes(n, n_labelled) // 2
    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: room)
    with pytest.raises(MemoryError, match="of workspace"):
        SpectralKernelRidge(kernel="rbf", solver="direct").fit(X, partial)
    auto = SpectralKernelRidge(kernel="rbf").fit(X, partial)
    cg = SpectralKernelRidge(kernel="rbf", solver="cg").fit(X, partial)
    np.testing.assert_array_equal(auto.dual_coef_, cg.dual_coef_)


def test_kt_plus_sums_its_walk_kernel_in_place():
    # sum() of the two Gram matrices held a third (0 + K) beside them: KT+ used 1.5x
    # the working_memory its dense path is sized for.
    import tracemalloc

    import sklearn

    from skkernel import KernelThinning

    X = np.random.default_rng(0).normal(size=(1024, 2))
    with sklearn.config_context(working_memory=64):
        KernelThinning(method="kt+", n_components=32, random_state=0).fit(X[:64])
        tracemalloc.start()
        KernelThinning(method="kt+", n_components=32, random_state=0).fit(X)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 2.5 * 1024 * 1024 * 8


def test_svc_predicts_from_the_support_vectors_columns_only():
    # libsvm reads a test row's kernel values at the support vectors only: the n_test
    # x n_train matrix it was given before (zeros, but for those columns) cost 3-4x
    # the prediction's time and all of its memory.
    import tracemalloc

    from skkernel import KernelSVC

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 2))
    y = (X[:, 0] > 0).astype(int)  # separable: few support vectors
    model = KernelSVC(C=10.0, gamma=1.0, probability=True, random_state=0).fit(X, y)
    assert model.support_.size < 200
    X_test = rng.normal(size=(1000, 2))
    model.predict_proba(X_test[:10])
    for method in ("predict", "decision_function", "predict_proba"):
        tracemalloc.start()
        getattr(model, method)(X_test)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 0.25 * 1000 * 2000 * 8, method
