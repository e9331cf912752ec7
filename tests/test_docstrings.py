"""numpydoc validation of the public API: every parameter and return written out."""

import importlib
import inspect
import re

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")

import skkernel  # noqa: E402
import skkernel.density  # noqa: E402
import skkernel.kernels  # noqa: E402
import skkernel.leverage  # noqa: E402
import skkernel.metrics  # noqa: E402
import skkernel.semi_supervised  # noqa: E402
import skkernel.svm  # noqa: E402
import skkernel.thinning  # noqa: E402
import skkernel.utils.benchmarking  # noqa: E402

PUBLIC_MODULES = [
    skkernel,
    skkernel.density,
    skkernel.kernels,
    skkernel.leverage,
    skkernel.metrics,
    skkernel.semi_supervised,
    skkernel.svm,
    skkernel.thinning,
    skkernel.utils.benchmarking,
]

#: numpydoc checks not enforced, each a matter of style rather than content.
ALLOWED = {
    "ES01": "an extended summary is written where there is more to say, not everywhere",
    "SA01": "See Also sections are given where a related name helps, not everywhere",
    "SA03": "See Also descriptions continue the name as a phrase ('NystroemRidge : the "
    "same model for classification'), as scikit-learn writes them",
    "RT02": "returns are named ('self : object', 'K : ndarray'), as scikit-learn and the "
    "numpydoc format guide allow",
}
#: Allowed for methods and properties only: classes and functions carry examples.
ALLOWED_FOR_MEMBERS = {
    "EX01": "a method's use is shown in its class's Examples section",
}


def public_objects():
    """(qualified name, is a class member) of every public class, function and method."""
    found = {}
    for module in PUBLIC_MODULES:
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            qualname = f"{obj.__module__}.{obj.__qualname__}"
            found[qualname] = False
            if not inspect.isclass(obj):
                continue
            # Methods defined by skkernel, on the class or a private base of ours.
            for klass in obj.__mro__:
                if not klass.__module__.startswith("skkernel"):
                    continue
                for member_name, member in vars(klass).items():
                    if member_name.startswith("_"):
                        continue
                    if inspect.isfunction(member) or isinstance(member, property):
                        found[f"{klass.__module__}.{klass.__qualname__}.{member_name}"] = True
    return sorted(found.items())


OBJECTS = public_objects()


def test_the_public_api_is_all_here():
    names = {name for name, _ in OBJECTS}
    assert "skkernel.ridge._kernel_ridge.KernelRidge.fit" in names
    assert "skkernel.kernels._factory.make_kernel" in names
    assert "skkernel._base.KernelExpansion.predict" in names  # inherited from a base
    assert len(names) > 90


@pytest.mark.parametrize("qualname, member", OBJECTS, ids=[name for name, _ in OBJECTS])
def test_docstring(qualname, member):
    allowed = set(ALLOWED) | (set(ALLOWED_FOR_MEMBERS) if member else set())
    errors = [
        f"{code}: {message}"
        for code, message in numpydoc_validate.validate(qualname)["errors"]
        if code not in allowed
    ]
    assert not errors, "\n".join(errors)


def _load(qualname):
    """The object of a qualified name, through attribute access as users reach it."""
    parts = qualname.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(qualname)


def test_every_shared_part_is_filled():
    # A "{name}" line left in a docstring is a part fill_doc did not fill (a class
    # without @fill_doc, or a misspelt name); numpydoc would read it as prose.
    unfilled = [
        qualname
        for qualname, _ in OBJECTS
        if re.search(r"^\s*\{\w+\}\s*$", inspect.getdoc(_load(qualname)) or "", re.M)
    ]
    assert not unfilled
