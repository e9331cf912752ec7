"""Semi-supervised kernel methods: spectrally transformed kernel regression (STKR).

:class:`SpectralKernelRidge` and :class:`SpectralKernelClassifier` learn from a few
labelled rows and many unlabelled ones (marked NaN and -1, as in
:mod:`sklearn.semi_supervised`): the unlabelled rows reshape the base kernel's
spectrum, and the fitted model predicts new points inductively.
"""

from ._stkr import SpectralKernelClassifier, SpectralKernelRidge

__all__ = ["SpectralKernelClassifier", "SpectralKernelRidge"]
