"""
Kernel ridge regression with a lazy kernel matrix
=================================================

Fits kernel ridge regression on scikit-learn's bundled handwritten digits (a
one-vs-rest ridge classifier) by solving ``(K + alpha I) c = Y`` with scipy's
conjugate gradients on a :class:`skkernel.KernelOperator`: the kernel matrix is never
formed, every product runs on the fastest backend here. The result is checked
against :class:`sklearn.kernel_ridge.KernelRidge` on the same split.
"""

import time

import numpy as np
from scipy.sparse.linalg import LinearOperator, cg
from sklearn.datasets import load_digits
from sklearn.kernel_ridge import KernelRidge
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer, StandardScaler

import skkernel

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
targets = LabelBinarizer(neg_label=-1).fit(y_train)
Y_train = targets.transform(y_train)

alpha, gamma = 1e-2, 0.01
kernel = skkernel.RBF(gamma=gamma)

start = time.perf_counter()
K = skkernel.KernelOperator(kernel, X_train)
n = K.shape[0]
regularised = LinearOperator((n, n), matvec=lambda v: K @ v + alpha * v, dtype=K.dtype)
coef = np.column_stack([cg(regularised, Y_train[:, j], rtol=1e-8)[0] for j in range(10)])
scores = skkernel.KernelOperator(kernel, X_test, X_train) @ coef
lazy_accuracy = np.mean(targets.classes_[scores.argmax(axis=1)] == y_test)
lazy_seconds = time.perf_counter() - start

start = time.perf_counter()
reference = KernelRidge(alpha=alpha, kernel="rbf", gamma=gamma).fit(X_train, Y_train)
sk_accuracy = np.mean(targets.classes_[reference.predict(X_test).argmax(axis=1)] == y_test)
sk_seconds = time.perf_counter() - start

print(f"backend: {K.backend}")
print(f"KernelOperator + CG      accuracy {lazy_accuracy:.4f}  ({lazy_seconds:.2f} s)")
print(f"sklearn KernelRidge      accuracy {sk_accuracy:.4f}  ({sk_seconds:.2f} s)")
print(f"largest coefficient difference: {np.abs(coef - reference.dual_coef_).max():.2e}")
