"""skkernel used from several threads at once: BLAS's process-wide thread count."""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from skkernel import KernelRidge
from skkernel._threads import PARALLEL_MIN_ENTRIES, numba_threads_for, single_threaded_blas


def _blas_threads():
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


def test_overlapping_limits_restore_the_threads_they_found():
    # Each caller saved and restored the count on its own: a thread that entered while
    # another held the limit saved 1, and restored 1 after the other had left.
    with threadpool_limits(limits=2, user_api="blas"):
        if max(_blas_threads(), default=1) < 2:
            pytest.skip("BLAS runs on one thread here")
        before = _blas_threads()
        first, second = single_threaded_blas(), single_threaded_blas()
        first.__enter__()
        second.__enter__()
        assert set(_blas_threads()) == {1}
        first.__exit__(None, None, None)
        assert set(_blas_threads()) == {1}  # the second still computes
        second.__exit__(None, None, None)
        assert _blas_threads() == before


def test_concurrent_predictions_leave_blas_as_it_was():
    X = np.random.default_rng(0).normal(size=(200, 40))
    model = KernelRidge(kernel="ntk").fit(X, X[:, 0])
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        expected = model.predict(X[:50])
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: model.predict(X[:50]), range(40)))
        assert _blas_threads() == before
    for result in results:
        np.testing.assert_array_equal(result, expected)


def test_small_numba_passes_run_on_the_calling_thread(monkeypatch):
    # Thousands of tiny parallel regions (kernel thinning's blocks) each waited for a
    # descheduled worker on a busy machine: Compress++ took 9.5 s instead of 0.8 s.
    import numba

    from skkernel import KernelOperator

    threads = numba.get_num_threads()
    with numba_threads_for(PARALLEL_MIN_ENTRIES - 1):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == threads
    with numba_threads_for(PARALLEL_MIN_ENTRIES):
        assert numba.get_num_threads() == threads
    seen = []
    real = numba.set_num_threads
    monkeypatch.setattr(numba, "set_num_threads", lambda n: seen.append(n) or real(n))
    X = np.random.default_rng(0).normal(size=(100, 2))
    for operation in ("to_dense", "normal_matmat"):
        seen.clear()
        operator = KernelOperator("rbf", X, backend="numba")
        args = (np.ones(100),) if operation == "normal_matmat" else ()
        getattr(operator, operation)(*args)
        assert seen == [1, threads], operation


def test_normal_products_do_not_depend_on_the_thread_count():
    # The rows were split into 4 * threads chunks, whose sums came in another order
    # under GridSearchCV's workers (one numba thread each): CG took 15 iterations
    # instead of 16, and NystroemRidge's predictions moved by 2.6e-4.
    import numba

    from skkernel import KernelOperator

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs two numba threads")
    rng = np.random.default_rng(0)
    operator = KernelOperator("rbf", rng.normal(size=(3000, 3)), rng.normal(size=(300, 3)))
    v, weights = rng.normal(size=300), rng.uniform(size=3000)
    threads = numba.get_num_threads()
    results = []
    try:
        for count in (1, 2):
            numba.set_num_threads(count)
            results.append(operator.normal_matmat(v, weights))
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(results[0], results[1])


# In a fresh process: which thread may set OpenBLAS's shared thread count is
# process-wide state of threadpoolctl (from 3.8: the first thread that sets it, until
# it gives the role up), and this process's earlier tests have changed it.
_BLAS_SCRIPT = """
import json
import threading
import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits
from skkernel import KernelOperator

def blas_threads():
    return sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})

before = blas_threads()
X = np.random.default_rng(0).normal(size=(1000, 20))
K = KernelOperator("rbf", X, backend="numba")
K @ np.ones((1000, 1))  # the main thread limits BLAS once
seen = []

def limited():
    with threadpool_limits(limits=1, user_api="blas"):
        seen.append(blas_threads())

thread = threading.Thread(target=limited)
thread.start()
thread.join()
stop = threading.Event()

def products():
    while not stop.is_set():
        K @ np.ones((1000, 1))

thread = threading.Thread(target=products)
thread.start()
for _ in range(5):
    K @ np.ones((1000, 1))
stop.set()
thread.join()
print(json.dumps([before, seen[0], blas_threads()]))
"""


def test_other_threads_keep_control_of_blas_and_it_ends_as_it_began():
    # skkernel's limit made the main thread OpenBLAS's controlling thread for good:
    # another thread's threadpool_limits(1) did nothing, and when a worker thread
    # left last its restore did nothing either, leaving BLAS at one thread.
    import json
    import subprocess
    import sys

    # Two BLAS threads whatever this process was given (Dask's in-process workers
    # set OPENBLAS_NUM_THREADS=1 and the like in os.environ, which children inherit).
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env["OPENBLAS_NUM_THREADS"] = "2"
    output = subprocess.run(
        [sys.executable, "-c", _BLAS_SCRIPT], capture_output=True, text=True, check=True, env=env
    ).stdout
    before, inside, after = json.loads(output)
    if max(before, default=1) < 2:
        pytest.skip("BLAS runs on one thread here")
    assert inside == [1]
    assert after == before


_WORKQUEUE_SCRIPT = """
from concurrent.futures import ThreadPoolExecutor
import numpy as np
import numba
from skkernel import KernelOperator

X = np.random.default_rng(0).normal(size=(600, 3))
K = KernelOperator("rbf", X, backend="numba")
v = np.ones((600, 2))
with ThreadPoolExecutor(4) as pool:
    results = list(pool.map(lambda _: K @ v, range(16)))
assert numba.threading_layer() == "workqueue"
assert all(np.array_equal(result, results[0]) for result in results)
"""


def test_concurrent_products_on_numbas_workqueue_layer():
    # Numba's workqueue layer (used where neither TBB nor an OpenMP runtime is found)
    # aborts the process when two threads run parallel code at once.
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue"}
    done = subprocess.run(
        [sys.executable, "-c", _WORKQUEUE_SCRIPT], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]


# A thread holds {held} while the main thread forks; the child, which has no such
# thread, runs {child}, which exits 0 where it finds what it should.
_FORK_WHILE_HELD = """
import os
import threading
from skkernel import _compile, _threads

inside, leave = threading.Event(), threading.Event()

def holder():
    with {held}:
        inside.set()
        leave.wait()

thread = threading.Thread(target=holder)
thread.start()
inside.wait()
pid = os.fork()
if pid == 0:
{child}
leave.set()
thread.join()
print(os.waitpid(pid, 0)[1], _threads._holders)
"""


def _fork_while_held(held, child):
    import subprocess
    import sys

    script = _FORK_WHILE_HELD.format(held=held, child=child)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_while_another_thread_holds_the_limit_counts_afresh():
    child = """
    ok = _threads._holders == 0
    with _threads.single_threaded_blas():
        ok = ok and _threads._holders == 1
    os._exit(0 if ok and _threads._holders == 0 else 1)
"""
    assert _fork_while_held("_threads.single_threaded_blas()", child) == ["0", "0"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_during_a_serialised_parallel_call_can_make_its_own():
    # The lock that serialises parallel calls on numba's workqueue layer was
    # inherited held by a thread the child does not have: its first product hung.
    child = "    os._exit(0 if _compile._WORKQUEUE_LOCK.acquire(timeout=10) else 1)\n"
    assert _fork_while_held("_compile._WORKQUEUE_LOCK", child)[0] == "0"


_FORK_WHILE_COMPILING = """
import os
import signal
import threading
import time

import numba
from numba.core.compiler_lock import global_compiler_lock

import skkernel._compile  # noqa: F401  (its fork hooks)

inside = threading.Event()

def compiling():
    with global_compiler_lock:  # what numba holds while it compiles
        inside.set()
        time.sleep(1.0)

thread = threading.Thread(target=compiling)
thread.start()
inside.wait()
pid = os.fork()
if pid == 0:
    signal.alarm(20)  # a child that hangs is killed: status SIGALRM
    numba.njit(lambda x: x + 1)(1)  # needs the compiler lock
    os._exit(0)
thread.join()
print(os.waitpid(pid, 0)[1])
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_while_another_thread_compiles_can_compile():
    # The child inherited numba's compiler lock held by the compiling thread, which
    # it does not have: its first compilation (a serial twin) waited for ever.
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _FORK_WHILE_COMPILING], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["0"]
