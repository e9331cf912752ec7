"""KeOps backend: symbolic LazyTensor reductions, compiled by KeOps for the CPU or GPU.

KeOps compiles one C++/CUDA routine per formula (kernel family, number of features,
number of right-hand sides, dtype) the first time it is used and caches it on disk,
so the first product of a new shape takes a few seconds. Kernel parameters are
passed as KeOps parameters (``Pm``), so changing ``gamma`` does not recompile.
"""

import math
import shutil

import numpy as np

from ._base import Backend
from ._formulas import cosine_norms


class KeOpsBackend(Backend):
    """Kernel products through :mod:`pykeops` (CPU, or GPU when CUDA is present)."""

    name = "keops"
    install_hint = "pip install 'skkernel[keops]' (pykeops; needs a C++ compiler)"

    def available(self):
        try:
            import pykeops  # noqa: F401
        except ImportError as exc:
            return f"pykeops cannot be imported ({exc}); {self.install_hint}"
        if shutil.which("c++") is None and shutil.which("g++") is None:
            return "no C++ compiler found; KeOps compiles its kernels when first used"
        return None

    def prepare(self, X, spec):
        X = np.ascontiguousarray(X)
        if spec.family == "cosine":
            # Unit rows turn the cosine into a dot product.
            X = X / cosine_norms(X)[:, None]
        return X

    def matmat(self, kernel, spec, X, Y, V):
        import pykeops
        from pykeops.numpy import Pm, Vi, Vj

        pykeops.set_verbose(False)  # compile logs are noise for users

        dtype = X.dtype
        V = np.ascontiguousarray(V, dtype=dtype)

        def param(value):
            return Pm(np.array([value], dtype=dtype))

        x, y = Vi(X), Vj(Y)
        family = spec.family
        if family == "rbf":
            K = (-param(spec.gamma) * x.sqdist(y)).exp()
        elif family == "laplacian":
            K = (-param(spec.gamma) * (x - y).abs().sum()).exp()
        elif family == "matern":
            a = {0.5: 1.0, 1.5: math.sqrt(3.0), 2.5: math.sqrt(5.0)}[spec.nu]
            r = param(a / spec.length_scale) * x.sqdist(y).sqrt()
            if spec.nu == 0.5:
                K = (-r).exp()
            elif spec.nu == 1.5:
                K = (1 + r) * (-r).exp()
            else:
                # A Python float, not "/ 3": KeOps divides by integer constants in float32.
                K = (1 + r + r * r * (1.0 / 3.0)) * (-r).exp()
        elif family in ("linear", "cosine"):
            K = x | y
        elif family == "polynomial":
            base = param(spec.gamma) * (x | y) + param(spec.coef0)
            degree = spec.degree
            if float(degree).is_integer():
                K = base ** int(degree)
            else:
                # exp(degree * log(base)): KeOps' own Powf is only float32-accurate.
                K = (param(degree) * base.log()).exp()
        elif family == "sigmoid":
            z = param(spec.gamma) * (x | y) + param(spec.coef0)
            # KeOps has no tanh: tanh(z) = 1 - 2 / (exp(2z) + 1), exact at both tails.
            K = 1 - 2 / ((2 * z).exp() + 1)
        else:  # pragma: no cover - KernelSpec validates the family
            raise ValueError(f"KeOps backend has no formula for {family!r}")
        reduction = (K * Vj(V)).sum(axis=1)
        return np.asarray(reduction).reshape(X.shape[0], V.shape[1])
