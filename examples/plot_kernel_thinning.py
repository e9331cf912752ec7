"""
Summarising a data set with kernel thinning
===========================================

A kernel-thinning coreset of sqrt(n) rows matches the whole data set's distribution
(in maximum mean discrepancy, MMD) far better than a random subsample of the same size.
Here, on scikit-learn's handwritten digits (1,797 images, 64 pixels), we compare the
MMD of iid subsamples and of ``KernelThinning`` coresets of several sizes, and train a
classifier on 256 rows chosen each way.
"""

import matplotlib.pyplot as plt
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

sizes = (16, 32, 64, 128, 256)
iid_mmd, kt_mmd = [], []
print(f"{'size':>5}  {'iid MMD':>8}  {'KT MMD':>8}  {'ratio':>5}")
for size in sizes:
    draws = [rng.choice(len(X_train), size, replace=False) for _ in range(10)]
    iid = np.sqrt(np.mean(mmd(X_train, draws, gamma=gamma) ** 2))
    thinning = KernelThinning(gamma=gamma, n_components=size, random_state=0).fit(X_train)
    kt = thinning.mmd(X_train)
    iid_mmd.append(iid)
    kt_mmd.append(kt)
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

# %%
# The coreset over the sample: a two-dimensional Gaussian mixture, where the eye can
# judge coverage. 64 kernel-thinning points spread over the mass as the sample does; 64
# random points leave gaps and clumps. Right: MMD to the digits sample against size.
centres = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 2.5]])
sample = centres[rng.integers(3, size=4096)] + rng.standard_normal((4096, 2)) * 0.7
plane = KernelThinning(gamma=0.5, n_components=64, random_state=0).fit(sample)
random_points = sample[rng.choice(len(sample), 64, replace=False)]
fig, (ax_points, ax_mmd) = plt.subplots(1, 2, figsize=(10, 4))
ax_points.scatter(*sample.T, s=2, color="lightgray", label="sample (4,096)")
ax_points.scatter(*random_points.T, s=18, marker="x", label="random (64)")
ax_points.scatter(*plane.coreset_.T, s=18, label="kernel thinning (64)")
ax_points.set(title="Coreset over the sample")
ax_points.legend(loc="lower left", fontsize="small")
ax_mmd.loglog(sizes, iid_mmd, "o-", label="random subsample")
ax_mmd.loglog(sizes, kt_mmd, "s-", label="kernel thinning")
ax_mmd.set(xlabel="coreset size", ylabel="MMD to the digits sample", title="Digits")
ax_mmd.legend()
fig.tight_layout()
plt.show()
