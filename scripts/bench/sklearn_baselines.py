"""Time scikit-learn's baselines on the stack `scripts/bench/baselines.ts` wrote.

Usage: python3 sklearn_baselines.py STACK.npy METHOD...
METHOD is kmeans, gmm_full, gmm_diag or pca; each prints one JSON line
{"method", "seconds", ...quality}. Same settings as the bench's own runs:
KMeans(8, n_init=10), GaussianMixture(8, full) on PCA-10 scores,
GaussianMixture(8, diag) on the raw stack, PCA(10, randomized).
Bench only: CI never needs scikit-learn.
"""

import json
import sys
import time
import warnings

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture

warnings.filterwarnings("ignore")
stack_path, *methods = sys.argv[1:]
x = np.load(stack_path).astype(np.float32)
x = x.reshape(len(x), -1)
scores = PCA(10, svd_solver="randomized", random_state=0).fit_transform(x)


def timed(fit):
    start = time.perf_counter()
    model = fit()
    return model, time.perf_counter() - start


for method in methods:
    if method == "kmeans":
        model, seconds = timed(lambda: KMeans(8, n_init=10, random_state=0).fit(x))
        quality = {"inertia": float(model.inertia_), "iterations": int(model.n_iter_)}
    elif method == "gmm_full":
        model, seconds = timed(
            lambda: GaussianMixture(8, covariance_type="full", random_state=0).fit(scores))
        quality = {"logLikelihood": float(model.score(scores)), "iterations": int(model.n_iter_)}
    elif method == "gmm_diag":
        model, seconds = timed(
            lambda: GaussianMixture(8, covariance_type="diag", random_state=0).fit(x))
        quality = {"logLikelihood": float(model.score(x)), "iterations": int(model.n_iter_)}
    elif method == "pca":
        model, seconds = timed(lambda: PCA(10, svd_solver="randomized", random_state=0).fit(x))
        quality = {"explainedVariance": float(model.explained_variance_.sum())}
    else:
        raise SystemExit(f"unknown method {method}")
    print(json.dumps({"method": method, "seconds": seconds, **quality}), flush=True)
