"""Type hints on the public API: every parameter and every return of a public
class or function is annotated, the hints resolve, and the ``Literal`` options of
an estimator's hints are exactly the options its parameter validation accepts."""

import importlib
import inspect
import types
import typing

import pytest
from scipy import sparse
from sklearn.utils import get_tags
from sklearn.utils._param_validation import StrOptions

import skkernel

#: Modules whose public API is type-hinted: their ``__all__``, and what
#: ``skkernel.__all__`` exports from them (or from their submodules).
TYPED_MODULES = (
    "skkernel._base",
    "skkernel._centers",
    "skkernel._config",
    "skkernel._docs",
    "skkernel._operator",
    "skkernel.density",
    "skkernel.kernel_approximation",
    "skkernel.kernels",
    "skkernel.leverage",
    "skkernel.metrics",
    "skkernel.nystroem",
    "skkernel.random_features",
    "skkernel.ridge",
    "skkernel.semi_supervised",
    "skkernel.svm",
    "skkernel.thinning",
    "skkernel.thinning._thinner",
    "skkernel.utils.benchmarking",
)

#: Modules of which only what ``skkernel.__all__`` exports is type-hinted: the
#: backends' interface (``skkernel._accel.Backend``) is internal.
EXPORTS_TYPED = ("skkernel._accel",)

#: ``_parameter_constraints`` entries that accept None without listing it.
_NONE_IMPLIED = {"random_state", "cv_object"}


def _in_typed_module(obj, modules=TYPED_MODULES):
    module = getattr(obj, "__module__", None) or ""
    return any(module == name or module.startswith(name + ".") for name in modules)


def typed_objects():
    """Qualified name -> public class or function of the typed modules."""
    modules = [skkernel, *(importlib.import_module(name) for name in TYPED_MODULES)]
    found = {}
    for module in modules:
        typed = (*TYPED_MODULES, *EXPORTS_TYPED) if module is skkernel else TYPED_MODULES
        for name in module.__all__:
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and _in_typed_module(obj, typed):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def _function_of(member):
    """The function behind a class attribute, or None for a data attribute."""
    if isinstance(member, staticmethod | classmethod):
        return member.__func__
    if isinstance(member, property):
        return member.fget
    # The function behind a descriptor such as sklearn's available_if.
    member = getattr(member, "fn", member)
    return member if inspect.isfunction(member) else None


def checked_callables(obj):
    """(name, function) of a function, or of a class's ``__init__``, ``__call__``
    and public methods defined by skkernel (on the class or a private base of ours;
    the methods inherited from scikit-learn are not ours to annotate)."""
    if inspect.isfunction(obj):
        yield obj.__qualname__, obj
        return
    for klass in obj.__mro__:
        if not klass.__module__.startswith("skkernel"):
            continue
        for name, member in vars(klass).items():
            if name.startswith("_") and name not in ("__init__", "__call__"):
                continue
            function = _function_of(member)
            if function is not None:
                yield f"{klass.__qualname__}.{name}", function


def missing_annotations(function):
    """Names of the unannotated parameters of function, and "return" if its return
    is unannotated; self, cls, *args and **kwargs need none."""
    signature = inspect.signature(function)  # through functools.wraps decorators
    missing = [
        name
        for name, parameter in signature.parameters.items()
        if parameter.annotation is parameter.empty
        and name not in ("self", "cls")
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    ]
    if signature.return_annotation is signature.empty:
        missing.append("return")
    return missing


def _hints(function):
    # Forward references ("KernelRidge") resolve in the module of the function
    # itself, not of the decorators around it.
    return typing.get_type_hints(inspect.unwrap(function))


OBJECTS = typed_objects()
CALLABLES = sorted(
    {
        f"{function.__module__}.{name}": function
        for obj in OBJECTS.values()
        for name, function in checked_callables(obj)
    }.items()
)


def test_the_typed_api_is_all_here():
    names = {name for name, _ in CALLABLES}
    assert "skkernel.ridge._kernel_ridge.KernelRidge.fit" in names
    assert "skkernel._base.KernelExpansion.predict" in names  # inherited from our base
    assert "skkernel.kernel_approximation._nystroem.Nystroem.partial_fit" in names
    assert "skkernel.density._privacy.BudgetAccountant.default" in names  # classmethod
    assert "skkernel._config.config_context" in names  # behind @contextmanager
    assert "skkernel.leverage.ridge_leverage_scores" in names  # behind validate_params
    assert "skkernel.kernels._base.Kernel.__call__" in names
    assert "skkernel.kernels.neural.NTK.family_params" in names
    assert "skkernel._operator.KernelOperator.path" in names
    # available_if, on the private base of KernelSVC and KernelSVCCV
    assert "skkernel.svm._kernel_svc._SVCParameters.predict_proba" in names
    assert "skkernel.semi_supervised._stkr.SpectralKernelClassifier.fit" in names
    assert "skkernel._accel.show_backends" in names  # exported by skkernel
    assert "skkernel.utils.benchmarking.format_table" in names
    # Inherited from scikit-learn, not ours.
    assert "skkernel.ridge._kernel_ridge.KernelRidge.get_params" not in names
    assert len(names) > 60


@pytest.mark.parametrize("name, function", CALLABLES, ids=[name for name, _ in CALLABLES])
def test_public_callable_is_annotated(name, function):
    missing = missing_annotations(function)
    assert not missing, f"{name} lacks type hints for: {', '.join(missing)}"
    _hints(function)  # raises NameError on a forward reference that does not resolve


def test_missing_annotations_are_found():
    class Example:
        def __init__(self, a: int, b=2) -> None: ...

        def fit(self, X, *args, y: int = 0, **kwargs): ...

        @classmethod
        def make(cls) -> "Example": ...

    assert missing_annotations(Example.__init__) == ["b"]
    assert missing_annotations(Example.fit) == ["X", "return"]
    assert missing_annotations(Example.make) == []


def _flatten(hint):
    """The members of a (nested) Union or Literal hint, Literals as their values."""
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return [member for arg in typing.get_args(hint) for member in _flatten(arg)]
    if origin is typing.Literal:
        return list(typing.get_args(hint))
    return [hint]


# Classes whose __init__ is ours and whose parameters scikit-learn validates (not
# the bases without an __init__ of their own).
ESTIMATORS = sorted(
    (name, obj)
    for name, obj in OBJECTS.items()
    if hasattr(obj, "_parameter_constraints")
    and getattr(obj.__init__, "__module__", "").startswith("skkernel")
)


@pytest.mark.parametrize("name, estimator", ESTIMATORS, ids=[name for name, _ in ESTIMATORS])
def test_hints_agree_with_parameter_constraints(name, estimator):
    hints = _hints(estimator.__init__)
    for parameter, constraints in estimator._parameter_constraints.items():
        if constraints == "no_validation":
            continue
        assert parameter in hints, f"{name}({parameter}=) has no type hint"
        members = _flatten(hints[parameter])
        literals = {m for m in members if isinstance(m, str)}
        options = set().union(*(c.options for c in constraints if isinstance(c, StrOptions)))
        if literals:
            assert literals == options, f"{name}({parameter}=): hint {literals}, valid {options}"
        elif options:
            assert str in members, f"{name}({parameter}=) accepts {options}; the hint no str"
        takes_none = None in constraints or any(c in _NONE_IMPLIED for c in constraints)
        hinted_none = type(None) in members
        assert takes_none == hinted_none, (
            f"{name}({parameter}=): parameter validation "
            f"{'accepts' if takes_none else 'refuses'} None, the hint "
            f"{'allows' if hinted_none else 'does not allow'} it"
        )


SPARSE_ESTIMATORS = [
    (name, klass)
    for name, klass in ESTIMATORS
    if hasattr(klass, "fit") and get_tags(klass()).input_tags.sparse
]


@pytest.mark.parametrize(
    "name, estimator", SPARSE_ESTIMATORS, ids=[name for name, _ in SPARSE_ESTIMATORS]
)
def test_sparse_input_is_in_the_hints_where_the_tags_accept_it(name, estimator):
    # KernelSVC and the spectral estimators took sparse X (their tags and docstrings
    # say so) but hinted ArrayLike, so type checkers flagged working code.
    checked = 0
    for method, function in checked_callables(estimator):
        hint = _hints(function).get("X")
        if hint is not None and not method.endswith("__init__"):
            checked += 1
            members = _flatten(hint)
            assert any(m in members for m in (sparse.spmatrix, sparse.sparray)), (
                f"{name}.{method.split('.')[-1]}(X) accepts sparse input; its hint is {hint}"
            )
    assert checked
