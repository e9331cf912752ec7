"""The models ``skkernel fit --model`` knows (the command line's help reads this
without importing scikit-learn)."""

#: ``--model`` choices and what they are, for the help text.
MODELS = {
    "auto": "an exact kernel model where n x n matrices fit in memory and n <= 10,000 "
    "(KernelRidgeCV; KernelSVC for classes), Nystroem-Falkon beyond",
    "krr": "KernelRidge with one --alpha (regression)",
    "krr-cv": "KernelRidgeCV choosing among the --alpha values by leave-one-out (regression)",
    "nystroem": "NystroemRidge / NystroemRidgeClassifier (Falkon) with --n-components "
    "centers: large tables",
    "svm": "KernelSVC (classification), any --kernel, ntk included",
    "stkr": "SpectralKernelRidge / SpectralKernelClassifier: rows with an empty target "
    "are unlabeled data the model learns from",
}
