"""Support vector classification with any skkernel kernel: KernelSVC, and KernelSVCCV,
which chooses C and kernel parameters computing each kernel matrix once."""

from ._kernel_svc import KernelSVC, KernelSVCCV

__all__ = ["KernelSVC", "KernelSVCCV"]
