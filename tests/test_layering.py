"""The layers of skkernel stay layers: a walk over the source's imports and calls.

- nothing under ``_accel`` (the backends) imports the kernels or an estimator: a
  backend sees a kernel only as the KernelSpec it is handed;
- nothing outside ``_accel`` imports a backend module (``skkernel._accel._numba``
  and friends): they go through ``skkernel._accel``'s resolvers and KernelOperator;
- nothing outside the kernels calls a private method of a Kernel;
- nothing outside ``_accel`` names a backend (but the type of the ``backend``
  parameter and the command line's benchmark of each backend), and the linear
  algebra does not import ``_accel`` at all;
- no estimator module imports another estimator module, directly or through its
  family's package;
- the benchmarks and the examples use the public API only.
"""

import ast
import pathlib

import pytest
from sklearn.base import BaseEstimator

import skkernel

PACKAGE = pathlib.Path(skkernel.__file__).parent
ROOT = PACKAGE.parent

#: Modules that hold estimators (their own family each).
ESTIMATOR_MODULES = {
    "skkernel.ridge._kernel_ridge",
    "skkernel.ridge._nystroem_ridge",
    "skkernel.kernel_approximation._nystroem",
    "skkernel.kernel_approximation._random_features",
    "skkernel.thinning._kernel_thinning",
    "skkernel.density._kde",
    "skkernel.density._private",
    "skkernel.semi_supervised._stkr",
    "skkernel.svm._kernel_svc",
}
#: Kernel methods a caller outside skkernel.kernels may use.
PUBLIC_KERNEL_CALLS = {"compute", "compute_paired", "spec", "family_params", "diag"}
#: What estimators used to call on kernels before the public seam existed.
OLD_PRIVATE_API = {"_compute", "_paired", "_spec", "accel_spec"}
#: Private methods defined on Kernel classes.
PRIVATE_KERNEL_METHODS = {
    item.name
    for path in (PACKAGE / "kernels").glob("*.py")
    for node in ast.walk(ast.parse(path.read_text()))
    if isinstance(node, ast.ClassDef)
    for item in node.body
    if isinstance(item, ast.FunctionDef)
    and item.name.startswith("_")
    and not item.name.startswith("__")
}

#: Those of them that are not scikit-learn's estimator API (``_validate_params``),
#: which estimators share with kernels and the command line may call.
KERNEL_ONLY_PRIVATE_METHODS = PRIVATE_KERNEL_METHODS - set(dir(BaseEstimator))

BACKEND_NAMES = ("numpy", "numba", "keops", "cupy", "dask")


def named_backends(path):
    """Backend names written as string literals in a file's code (docstrings aside)."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and node.value in BACKEND_NAMES
        and id(node) not in docstrings
    }


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path):
    """Absolute names of the skkernel modules a source file imports."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.add(target)
            # "from . import _loops" imports a module too.
            found |= {f"{target}.{alias.name}" for alias in node.names}
    return {m for m in found if m and m.startswith("skkernel")}


SOURCES = sorted(PACKAGE.rglob("*.py"))
MODULES = {module_name(path): path for path in SOURCES}


def _is_backend_module(name):
    parts = name.split(".")
    return len(parts) >= 3 and parts[1] == "_accel" and parts[2].startswith("_")


@pytest.mark.parametrize("name", sorted(m for m in MODULES if m.startswith("skkernel._accel")))
def test_backends_import_no_kernels_or_estimators(name):
    # Runtime plumbing shared with the linear algebra: compilation and BLAS threads.
    allowed_outside = {"skkernel._compile", "skkernel._threads"}
    for imported in imports_of(MODULES[name]):
        if imported.startswith("skkernel._accel") or imported in allowed_outside:
            continue
        if imported == "skkernel" or imported.startswith(tuple(allowed_outside)):
            continue
        pytest.fail(f"{name} imports {imported}: backends see kernels only as KernelSpecs")


@pytest.mark.parametrize("name", sorted(m for m in MODULES if not m.startswith("skkernel._accel")))
def test_no_backend_module_is_imported_from_outside(name):
    for imported in imports_of(MODULES[name]):
        assert not _is_backend_module(imported), (
            f"{name} imports the backend module {imported}; use skkernel._accel's "
            "resolvers or KernelOperator"
        )


@pytest.mark.parametrize("name", sorted(m for m in MODULES if not m.startswith("skkernel.kernels")))
def test_no_private_kernel_method_is_called_from_outside(name):
    tree = ast.parse(MODULES[name].read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in OLD_PRIVATE_API:
            pytest.fail(f"{name} uses .{node.attr}, the old private Kernel API")
        if isinstance(node, ast.Attribute) and node.attr in KERNEL_ONLY_PRIVATE_METHODS:
            owner = ast.unparse(node.value)
            assert owner == "self", f"{name} calls {owner}.{node.attr}, a private Kernel method"


def test_the_private_kernel_method_check_sees_the_kernels_methods():
    # Guards the set the check above reads: an empty one would pass everything.
    assert {"_statistic", "_network_params"} <= KERNEL_ONLY_PRIVATE_METHODS


@pytest.mark.parametrize("name", sorted(m for m in MODULES if m.startswith("skkernel._linalg")))
def test_linear_algebra_names_no_backend(name):
    assert not named_backends(MODULES[name]), f"{name} names a backend"
    assert not any(i.startswith("skkernel._accel") for i in imports_of(MODULES[name]))


#: The estimator families' packages, which re-export their estimators.
FAMILY_PACKAGES = {name.rsplit(".", 1)[0] for name in ESTIMATOR_MODULES}


@pytest.mark.parametrize("name", sorted(ESTIMATOR_MODULES))
def test_no_estimator_module_imports_another(name):
    assert name in MODULES, f"{name} moved: update ESTIMATOR_MODULES"
    own_family = name.rsplit(".", 1)[0]
    # Another estimator module, directly or through its family's package
    # ("from ..ridge import KernelRidge"); a family's helper modules are allowed.
    forbidden = (ESTIMATOR_MODULES - {name}) | (FAMILY_PACKAGES - {own_family})
    others = imports_of(MODULES[name]) & forbidden
    assert not others, f"{name} imports the estimator module(s) {sorted(others)}"


#: Modules outside _accel that name backends by design: the type of the backend
#: parameter, and the command line's benchmark, which times each backend by name.
NAMING_BACKENDS = {"skkernel._typing", "skkernel._cli._bench"}


@pytest.mark.parametrize("name", sorted(m for m in MODULES if not m.startswith("skkernel._accel")))
def test_nothing_outside_the_backends_names_one(name):
    # Estimators, solvers and the operator pass ``backend`` through; which backend
    # runs is _accel's business.
    if name not in NAMING_BACKENDS:
        assert not named_backends(MODULES[name]), f"{name} names a backend"


#: Scripts that show and time the library as a user would run it.
REPOSITORY = pathlib.Path(__file__).parents[1]
USER_SCRIPTS = sorted(
    path
    for folder in ("benchmarks", "asv_bench", "examples")
    for path in (REPOSITORY / folder).rglob("*.py")
)


def _is_private(module):
    return any(part.startswith("_") for part in module.split("."))


@pytest.mark.parametrize("path", USER_SCRIPTS, ids=lambda path: str(path.relative_to(REPOSITORY)))
def test_user_scripts_import_no_private_module(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        private = [name for name in names if name.startswith("skkernel") and _is_private(name)]
        assert not private, f"{path.name} imports the private {private[0]}"


def test_the_walk_sees_the_whole_package():
    # Guards the guards: a broken walk would pass everything.
    assert "skkernel._accel._numba" in MODULES
    assert _is_backend_module("skkernel._accel._numba")
    assert "skkernel._accel" in imports_of(MODULES["skkernel._operator"])
    assert "skkernel.thinning._loops" in imports_of(MODULES["skkernel.thinning._thinner"])
    assert {"compute_paired", "family_params"} <= PUBLIC_KERNEL_CALLS
    assert "_validate_params" in PRIVATE_KERNEL_METHODS
    assert named_backends(MODULES["skkernel._accel"]) == set(BACKEND_NAMES)
    assert any(path.name == "kernel_products.py" for path in USER_SCRIPTS)
    assert _is_private("skkernel._accel") and not _is_private("skkernel.utils.benchmarking")
