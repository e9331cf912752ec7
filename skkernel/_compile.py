"""Compiling skkernel's numba code so that it runs wherever skkernel is installed.

Every numba function of skkernel is declared with :func:`jit`, a thin layer over
:func:`numba.njit` that makes three deployment problems go away:

- **Read-only installs.** ``njit(cache=True)`` refuses to even define a function
  when no cache directory is writable (a non-root user of a read-only image:
  "cannot cache function ...: no locator available"). Here the cache is used where
  one can be written (``NUMBA_CACHE_DIR``, the package's ``__pycache__``, the
  user's cache directory), and the code is compiled in memory where none can.
- **Damaged caches.** A truncated or corrupt cache file (a full disk, a killed
  process) made the first call fail with an unpickling error. Such a file is
  treated as a cache miss: the function is compiled again and the file rewritten.
- **Forked processes.** numba's default threading layer on Linux is GNU OpenMP,
  which aborts a forked child at its first parallel region ("fork() called from a
  process already using GNU OpenMP, this is unsafe"): a ``multiprocessing`` pool,
  gunicorn ``--preload`` or Celery's prefork workers died or hung after any
  skkernel call in the parent. A parallel function compiled here keeps a serial
  twin, which a forked child runs when the parent's threading layer is OpenMP.

Cache entries are also keyed on the source of the modules a function calls into
(``depends``): numba only watches the file a function is defined in, so a cached
caller would otherwise keep running old code of a changed callee.
"""

import functools
import hashlib
import os
import pickle
import threading
import warnings

from numba import njit
from numba.core import caching, compiler_lock
from numba.core.errors import NumbaExperimentalFeatureWarning

__all__ = ["jit"]

#: Exceptions that mean "this cache file cannot be read": a miss, not a failure.
_UNREADABLE = (
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    TypeError,
    AttributeError,
    ImportError,
    IndexError,
    KeyError,
    OSError,
)


@functools.cache
def _file_digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _stamped(locator_class, extra_files):
    """A numba cache locator whose source stamp also covers ``extra_files``."""

    class Locator(locator_class):
        def get_source_stamp(self):
            return (super().get_source_stamp(), tuple(_file_digest(f) for f in extra_files))

    Locator.__name__ = f"Stamped{locator_class.__name__}"
    return Locator


def _cache_for(py_func, depends, variant=""):
    """A numba function cache for ``py_func``, or None where no directory is writable.

    ``variant`` names a second compilation of the same function (the serial twin of
    a parallel one): numba keys cache entries on the signature and the bytecode, not
    on compilation options, so without its own files a serial twin would load the
    cached parallel code.
    """
    extra_files = tuple(sorted({os.path.abspath(module.__file__) for module in depends}))
    locators = [
        _stamped(cls, extra_files)
        for cls in (
            caching.UserProvidedCacheLocator,
            caching.InTreeCacheLocator,
            caching.UserWideCacheLocator,
        )
    ]

    class Impl(caching.CompileResultCacheImpl):
        _locator_classes = locators

        def get_filename_base(self, fullname, abiflags):
            return super().get_filename_base(fullname + variant, abiflags)

    class Cache(_TolerantCache):
        _impl_class = Impl

    try:
        return Cache(py_func)
    except RuntimeError:  # "no locator available": nowhere to write a cache
        return None


class _TolerantCache(caching.FunctionCache):
    """A function cache that treats a file it cannot read as a cache miss."""

    def load_overload(self, sig, target_context):
        try:
            return super().load_overload(sig, target_context)
        except _UNREADABLE:
            return None

    def save_overload(self, sig, data):
        try:
            super().save_overload(sig, data)
        except _UNREADABLE:
            # The index itself is damaged: start it afresh, then save once more.
            try:
                self._cache_file.flush()
                super().save_overload(sig, data)
            except _UNREADABLE:
                pass  # the compiled code still runs; it is just not cached


def _compile(py_func, options, depends, variant=""):
    dispatcher = njit(**options)(py_func)
    cache = _cache_for(py_func, depends, variant)
    if cache is not None:
        # What numba's own enable_caching() does, with our cache class.
        dispatcher._cache = cache
    return dispatcher


class _ForkAwareFunction:
    """A parallel numba function that a forked child runs serially when needed.

    GNU OpenMP cannot start threads in a child forked after it ran in the parent;
    TBB and numba's workqueue can. The serial twin is compiled only in a child that
    needs it (and then comes from the cache).
    """

    def __init__(self, py_func, options, depends):
        self.py_func = py_func
        self.parallel = _compile(py_func, options, depends)
        self._serial_options = {**options, "parallel": False}
        self._depends = depends
        self._serial = None
        functools.update_wrapper(self, py_func)

    def __call__(self, *args):
        if _forked_after_openmp:
            return self._serial_function()(*args)
        if _layer_allows_concurrent_calls():
            return self.parallel(*args)
        with _WORKQUEUE_LOCK:
            return self.parallel(*args)

    def _serial_function(self):
        if self._serial is None:
            self._serial = _compile(
                self.py_func, self._serial_options, self._depends, variant="-serial"
            )
        return self._serial


#: Serialises parallel calls under numba's workqueue threading layer (numba's choice
#: where it finds neither TBB nor an OpenMP runtime), which aborts the whole process
#: ("Concurrent access has been detected") when two threads run parallel code at once:
#: threads fitting models side by side, GridSearchCV with the threading backend.
_WORKQUEUE_LOCK = threading.RLock()
_concurrent_calls_allowed = None  # known once numba has chosen its layer


def _layer_allows_concurrent_calls():
    global _concurrent_calls_allowed
    if _concurrent_calls_allowed is None:
        from numba import threading_layer

        try:
            _concurrent_calls_allowed = threading_layer() != "workqueue"
        except ValueError:  # not chosen yet: the first parallel call will choose it
            return False
    return _concurrent_calls_allowed


def _layer_is_fork_unsafe():
    from numba import threading_layer

    try:
        return threading_layer() == "omp"
    except ValueError:  # no parallel region has run yet: nothing to inherit
        return False


#: Whether this process was forked (at any depth) from one whose numba threads were
#: GNU OpenMP's. Decided at the fork, for every parallel function at once: a child
#: whose first call was to a function the parent had never run took itself for the
#: parent and died in OpenMP.
_forked_after_openmp = False


def _after_fork_in_child():
    global _forked_after_openmp, _WORKQUEUE_LOCK
    compiler_lock.global_compiler_lock.release()  # taken by _before_fork
    _forked_after_openmp = _forked_after_openmp or _layer_is_fork_unsafe()
    # Held by a thread of the parent that the child does not have: it would never be
    # released.
    _WORKQUEUE_LOCK = threading.RLock()


def _before_fork():
    # A fork while another thread compiles (a kernel's first use) gave the child
    # numba's compiler lock held by a thread it does not have, and LLVM in the middle
    # of a compilation: its own first compilation (its serial twins) waited for ever.
    # The forking thread waits for the compilation to end and forks holding the lock,
    # as CPython does with its import lock; both processes then release it.
    compiler_lock.global_compiler_lock.acquire()


os.register_at_fork(
    before=_before_fork,
    after_in_parent=compiler_lock.global_compiler_lock.release,
    after_in_child=_after_fork_in_child,
)


def jit(py_func=None, *, parallel=False, depends=(), **options):
    """Compile a function with numba, caching it where it can and safe after fork.

    Parameters
    ----------
    py_func : function
        The function; ``jit`` may also be used as ``@jit(...)``.
    parallel : bool, default=False
        Compile ``prange`` loops to run on numba's threads. The result is then a
        callable for Python code (call it, do not call it from other numba code);
        in a child process forked from a parent whose threads cannot survive a fork
        it runs a serial compilation of the same code.
    depends : tuple of modules, default=()
        Modules whose numba functions this one calls: a change in them invalidates
        this function's cache too.
    **options
        Passed to :func:`numba.njit` (``fastmath``, ``inline``, ...).

    Returns
    -------
    function : numba dispatcher, or a fork-aware callable when ``parallel``
    """

    def decorate(func):
        if parallel:
            return _ForkAwareFunction(func, {**options, "parallel": True}, depends)
        return _compile(func, options, depends)

    return decorate if py_func is None else decorate(py_func)


# Functions passed as values (the kernel-family formulas of the numba backend) are a
# numba feature still marked experimental; its warning says nothing a user can act on.
warnings.filterwarnings(
    "ignore", message="First-class function type", category=NumbaExperimentalFeatureWarning
)
