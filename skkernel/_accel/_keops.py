"""KeOps backend: symbolic LazyTensor reductions, compiled by KeOps for the CPU or GPU.

KeOps compiles one C++/CUDA routine per formula (kernel family, number of features,
number of right-hand sides, dtype) the first time it is used and caches it on disk,
so the first product of a new shape takes a few seconds. Kernel parameters are
passed as KeOps parameters (``Pm``), so changing ``gamma`` does not recompile.

Each family's formula is a function of the symbolic rows ``x`` (``Vi``), columns ``y``
(``Vj``) and a parameter accessor ``p(name)``; adding a family to this backend is one
function and one entry in :data:`FORMULAS`. KeOps quirks the formulas work around:
it divides by integer constants in float32 and evaluates ``Powf`` in float32, so
they use float constants and ``exp(degree * log(base))``.
"""

import contextlib
import io
import math
import shutil

import numpy as np

from ._base import Backend


def _decaying_exponential(distance, p):
    """exp(-gamma s); at gamma = 0 the constant kernel, also where s overflowed to
    inf (0 * inf is NaN): s's step is 1 there, and any finite value times 0 is 0."""
    if p.value("gamma") == 0:
        return distance.step() * p.constant(0.0) + p.constant(1.0)
    return (-p("gamma") * distance).exp()


def _rbf(x, y, p):
    return _decaying_exponential(x.sqdist(y), p)


def _laplacian(x, y, p):
    return _decaying_exponential((x - y).abs().sum(), p)


def _matern(x, y, p, nu, length_scale):
    a = {0.5: 1.0, 1.5: math.sqrt(3.0), 2.5: math.sqrt(5.0)}[nu]
    r = p.constant(a / length_scale) * x.sqdist(y).sqrt()
    if nu == 0.5:
        return (-r).exp()
    if nu == 1.5:
        return (1 + r) * (-r).exp()
    # A Python float, not "/ 3": KeOps divides by integer constants in float32.
    return (1 + r + r * r * (1.0 / 3.0)) * (-r).exp()


def _dot(x, y, p):
    return x | y


def _polynomial(x, y, p):
    base = p("gamma") * (x | y) + p("coef0")
    degree = p.value("degree")
    if float(degree).is_integer():
        return base ** int(degree)
    # exp(degree * log(base)): KeOps' own Powf is only float32-accurate.
    return (p("degree") * base.log()).exp()


#: Below this |z|, KeOps' tanh is its odd Taylor series (the next term, of z^11, is
#: 1e-15 of z there); above, ``1 - 2 / (exp(2z) + 1)``, which loses eps / (2|z|).
_TANH_SERIES_BELOW = 0.05
#: tanh's odd Taylor coefficients, of z, z^3, ..., z^9.
_TANH_SERIES = (1.0, -1.0 / 3.0, 2.0 / 15.0, -17.0 / 315.0, 62.0 / 2835.0)


def _sigmoid(x, y, p):
    z = p("gamma") * (x | y) + p("coef0")
    # KeOps has no tanh. 1 - 2 / (exp(2z) + 1) is exact at both tails, but near 0 it
    # is 1 minus a number near 1: a relative error of eps / (2|z|) (0.4 in float32 at
    # z = 1e-7, where tanh(z) = z to every digit). There the series is exact.
    z2 = z * z
    series = p.constant(_TANH_SERIES[-1])
    for coefficient in _TANH_SERIES[-2::-1]:
        series = p.constant(coefficient) + z2 * series
    closed_form = 1 - 2 / ((2 * z).exp() + 1)
    return (p.constant(_TANH_SERIES_BELOW) - z.abs()).ifelse(z * series, closed_form)


def _compact(profile, squared):
    """A compact-support density profile of the (squared) distance over h, times
    the indicator of the open ball, ``1 - step(r^2 - h^2)``: KeOps' Step is 1 at 0, so
    this is 0 on the sphere r = h, as the other backends' ``r^2 < h^2`` (``step(1 - u)``
    counted the sphere, which integer and gridded data meet all the time)."""

    def formula(x, y, p):
        h = p.value("bandwidth")
        sq = x.sqdist(y)
        u = sq * p.constant(1.0 / h**2) if squared else sq.sqrt() * p.constant(1.0 / h)
        return profile(u, p) * (1 - (sq - p.constant(h**2)).step())

    return formula


#: Registry family name -> KeOps formula. Matern's nu picks a formula (it is part of
#: the compiled code, not a parameter).
FORMULAS = {
    "rbf": _rbf,
    "laplacian": _laplacian,
    "matern": lambda x, y, p: _matern(x, y, p, p.value("nu"), p.value("length_scale")),
    "linear": _dot,
    # Rows are scaled to unit length in ``prepare``: the cosine is their dot product.
    "cosine": _dot,
    "polynomial": _polynomial,
    "sigmoid": _sigmoid,
    "tophat": _compact(lambda u, p: 1.0, squared=True),
    "epanechnikov": _compact(lambda u, p: 1 - u, squared=True),
    "triangular": _compact(lambda u, p: 1 - u, squared=False),
    "cosine-window": _compact(lambda u, p: (p.constant(0.5 * math.pi) * u).cos(), squared=False),
}


def _pykeops():
    """pykeops, imported without its banner: on a machine without CUDA it prints
    "CUDA libraries not found ... Switching to CPU only" at import, which says
    nothing to a CPU user. Compile logs are silenced too."""
    with contextlib.redirect_stdout(io.StringIO()):
        import pykeops
    pykeops.set_verbose(False)
    return pykeops


class _Parameters:
    """``p(name)``: a spec's parameter as a KeOps parameter of the data's dtype."""

    def __init__(self, spec, dtype):
        from pykeops.numpy import Pm

        self._kernel_spec = spec
        self._dtype = dtype
        self._Pm = Pm

    def value(self, name):
        return self._kernel_spec[name]

    def constant(self, value):
        return self._Pm(np.array([value], dtype=self._dtype))

    def __call__(self, name):
        return self.constant(self._kernel_spec[name])


class KeOpsBackend(Backend):
    """Kernel products through :mod:`pykeops` (CPU, or GPU when CUDA is present)."""

    name = "keops"
    install_hint = "pip install 'skkernel[keops]' (pykeops; needs a C++ compiler)"

    def available(self):
        try:
            _pykeops()
        except ImportError as exc:
            return f"pykeops cannot be imported ({exc}); {self.install_hint}"
        except OSError as exc:
            # Importing KeOps creates its cache folder (~/.cache/keops...): a user
            # without a writable home (a read-only image) cannot import it.
            return (
                f"pykeops cannot create its cache folder ({exc}); set KEOPS_CACHE_FOLDER "
                "to a writable folder"
            )
        if shutil.which("c++") is None and shutil.which("g++") is None:
            return "no C++ compiler found; KeOps compiles its kernels when first used"
        return None

    def supports(self, spec):
        return spec.closed_form and spec.family.name in FORMULAS

    def families(self):
        return tuple(FORMULAS)

    def prepare(self, X, spec):
        X = np.ascontiguousarray(X)
        if spec.family.name == "cosine":
            # Unit rows turn the cosine into a dot product.
            X = X / spec.row_norms(X).norms[:, None].astype(X.dtype)
        return X

    def matmat(self, spec, X, Y, V):
        _pykeops()
        from pykeops.numpy import Vi, Vj

        # KeOps computes in one dtype, the data's; a float64 operand of float32 data
        # is summed in float32 but returned in float64, as the other backends do.
        dtype = X.dtype
        result_dtype = np.result_type(X.dtype, V.dtype)
        V = np.ascontiguousarray(V, dtype=dtype)
        K = FORMULAS[spec.family.name](Vi(X), Vj(Y), _Parameters(spec, dtype))
        reduction = (K * Vj(V)).sum(axis=1)
        out = np.asarray(reduction).reshape(X.shape[0], V.shape[1])
        return out.astype(result_dtype, copy=False)
