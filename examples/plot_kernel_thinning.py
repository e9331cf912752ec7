"""
Summarising a data set with kernel thinning
===========================================

A kernel-thinning coreset of sqrt(n) rows matches the whole data set's distribution
(in maximum mean discrepancy, MMD) far better than a random subsample of the same size.
Here, on scikit-learn's handwritten digits (1,797 images, 64 pixels), we compare the
MMD of iid subsamples and of ``KernelThinning`` coresets of several sizes, and train a
classifier on 256 rows chosen each way.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skkernel import KernelThinning
from skkernel.thinning import mmd

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
gamma = 1.0 / (2 * X.shape[1])
rng = np.random.default_rng(0)

print(f"{'size':>5}  {'iid MMD':>8}  {'KT MMD':>8}  {'ratio':>5}")
for size in (16, 32, 64, 128, 256):
    draws = [rng.choice(len(X_train), size, replace=False) for _ in range(10)]
    iid = np.sqrt(np.mean(mmd(X_train, draws, gamma=gamma) ** 2))
    thinning = KernelThinning(gamma=gamma, n_components=size, random_state=0).fit(X_train)
    kt = thinning.mmd(X_train)
    print(f"{size:5d}  {iid:8.4f}  {kt:8.4f}  {kt / iid:5.2f}")

# The coreset as training data: fit_resample returns the chosen rows of X and y.
thinning = KernelThinning(gamma=gamma, n_components=256, random_state=0)
X_small, y_small = thinning.fit_resample(X_train, y_train)
random_rows = rng.choice(len(X_train), 256, replace=False)
for name, (Xs, ys) in {
    "kernel thinning": (X_small, y_small),
    "random": (X_train[random_rows], y_train[random_rows]),
}.items():
    accuracy = LogisticRegression(max_iter=2000).fit(Xs, ys).score(X_test, y_test)
    print(f"logistic regression on 256 {name} rows: test accuracy {accuracy:.3f}")
