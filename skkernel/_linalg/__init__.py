"""Linear algebra shared by the kernel estimators.

Cholesky solves that overwrite their input, jittered Cholesky for small
possibly-singular blocks, the diagonal of an inverse from its factor and the
least-squares solve of singular systems (:mod:`._cholesky`), preconditioned
conjugate gradients on many right-hand sides at once (:mod:`._cg`) with a randomized Nystroem
preconditioner (:mod:`._preconditioners`), the Falkon solver of Nystroem kernel
ridge (:mod:`._falkon`), the closed-form leave-one-out residuals of kernel ridge
along a path of penalties (:mod:`._loo`), functions of a symmetric matrix applied to
vectors and kernel ridge with a spectrally transformed kernel (:mod:`._spectral`),
the top eigenpairs of a matrix or operator (:mod:`._eigen`), and the inverse square
root of the components' kernel matrix of Nystroem features (:mod:`._psd`). Kernel
values reach this layer as dense arrays or as :class:`~skkernel.KernelOperator`
products; it never names a backend.
"""

from ._cg import IndefiniteSystemError, conjugate_gradient
from ._cholesky import (
    cholesky_solve_inplace,
    cholesky_workspace_nbytes,
    inverse_diagonal,
    jittered_cholesky,
    symmetric_lstsq,
)
from ._eigen import EIGEN_SOLVERS, rounding_level, top_eigenpairs
from ._falkon import FalkonPreconditioner, falkon_solve
from ._loo import ridge_loo_path
from ._preconditioners import NystroemPreconditioner
from ._psd import psd_inverse_sqrt, symmetrize
from ._spectral import (
    EigenFunction,
    PolynomialFunction,
    ResolventFunction,
    SpectralFunction,
    TruncationFunction,
    eigen_ridge,
    labelled_block_nbytes,
    transformed_ridge,
)

__all__ = [
    "IndefiniteSystemError",
    "EIGEN_SOLVERS",
    "EigenFunction",
    "FalkonPreconditioner",
    "NystroemPreconditioner",
    "PolynomialFunction",
    "ResolventFunction",
    "SpectralFunction",
    "TruncationFunction",
    "cholesky_solve_inplace",
    "cholesky_workspace_nbytes",
    "inverse_diagonal",
    "conjugate_gradient",
    "eigen_ridge",
    "falkon_solve",
    "labelled_block_nbytes",
    "jittered_cholesky",
    "psd_inverse_sqrt",
    "ridge_loo_path",
    "rounding_level",
    "symmetric_lstsq",
    "symmetrize",
    "top_eigenpairs",
    "transformed_ridge",
]
