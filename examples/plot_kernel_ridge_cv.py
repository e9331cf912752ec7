"""
Choosing the kernel ridge penalty by exact leave-one-out
========================================================

``KernelRidgeCV`` scores every alpha by leave-one-out from one eigendecomposition of
the kernel matrix. Here, on scikit-learn's diabetes data, its leave-one-out errors are
the ones a brute-force ``GridSearchCV(cv=LeaveOneOut())`` over sklearn's KernelRidge
finds, fitting n models per alpha instead of none.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.kernel_ridge import KernelRidge as SklearnKernelRidge
from sklearn.model_selection import GridSearchCV, LeaveOneOut, train_test_split
from sklearn.preprocessing import StandardScaler

from skkernel import KernelRidgeCV

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=200, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
alphas = np.logspace(-2, 2, 6)

start = time.perf_counter()
ours = KernelRidgeCV(alphas=alphas, kernel="rbf", gamma=0.02, store_cv_results=True)
ours.fit(X_train, y_train)
ours_seconds = time.perf_counter() - start

start = time.perf_counter()
brute = GridSearchCV(
    SklearnKernelRidge(kernel="rbf", gamma=0.02),
    {"alpha": alphas},
    cv=LeaveOneOut(),
    scoring="neg_mean_squared_error",
).fit(X_train, y_train)
brute_seconds = time.perf_counter() - start

print("alpha      LOO MSE (skkernel)   LOO MSE (brute force)")
for a, alpha in enumerate(alphas):
    brute_mse = -brute.cv_results_["mean_test_score"][a]
    print(f"{alpha:8.3g}   {ours.cv_results_[:, a].mean():18.2f}   {brute_mse:21.2f}")
print(f"chosen alpha: skkernel {ours.alpha_:g}, brute force {brute.best_params_['alpha']:g}")
print(f"time: skkernel {ours_seconds:.3f} s, brute force {brute_seconds:.2f} s")
print(f"held-out R^2 with the chosen alpha: {ours.score(X_test, y_test):.3f}")
largest_gap = max(
    abs(ours.cv_results_[:, a].mean() + brute.cv_results_["mean_test_score"][a])
    / abs(brute.cv_results_["mean_test_score"][a])
    for a in range(len(alphas))
)

# %%
# The leave-one-out curve: one eigendecomposition gives it for any number of alphas, so
# the fine grid below costs no more refits than the six values above.
fine = np.logspace(-3, 3, 61)
curve = KernelRidgeCV(alphas=fine, kernel="rbf", gamma=0.02, store_cv_results=True)
curve.fit(X_train, y_train)
fig, ax = plt.subplots(figsize=(6, 4))
ax.semilogx(fine, curve.cv_results_.mean(axis=0), "-", label="KernelRidgeCV, 61 alphas")
ax.semilogx(alphas, -brute.cv_results_["mean_test_score"], "o", label="brute-force LOO, 6 alphas")
ax.axvline(curve.alpha_, color="gray", linestyle=":", label=f"chosen alpha = {curve.alpha_:.3g}")
ax.set(xlabel="alpha", ylabel="leave-one-out MSE", title="Diabetes, RBF kernel ridge")
ax.legend()
fig.tight_layout()
plt.show()

print(f"largest relative difference in LOO MSE: {largest_gap:.2e}")
