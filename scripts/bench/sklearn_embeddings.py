"""Time scikit-learn's embeddings on the data `scripts/bench/embeddings.ts` wrote.

Usage: python3 sklearn_embeddings.py DATA.npy OUT_DIR [--one-thread] METHOD...
METHOD is tsne, isomap or mds; each writes OUT_DIR/sklearn_METHOD.npy and
prints one JSON line {"method", "seconds", "cpu" (CPU seconds, all threads),
"rows", "iterations", "kl", "stress"}.
--one-thread limits OpenMP and BLAS to one thread (threadpoolctl), to compare
the algorithms rather than the threading on a busy machine.
Bench only: CI never needs scikit-learn.
"""

import json
import sys
import time
import warnings

import contextlib

import numpy as np
from sklearn.manifold import MDS, TSNE, Isomap
from threadpoolctl import threadpool_limits

warnings.filterwarnings("ignore")
data_path, out_dir, *methods = sys.argv[1:]
one_thread = "--one-thread" in methods
methods = [m for m in methods if m != "--one-thread"]
x = np.load(data_path)
small = x[:2000]

for method in methods:
    if method == "tsne":
        model = TSNE(n_components=2, perplexity=30, n_iter=1000, method="barnes_hut",
                     init="pca", learning_rate="auto", random_state=0)
        data = x
    elif method == "isomap":
        model = Isomap(n_neighbors=5, n_components=2)
        data = small
    elif method == "mds":
        model = MDS(n_components=2, n_init=4, max_iter=300, metric=True, random_state=0)
        data = small
    else:
        raise SystemExit(f"unknown method {method}")
    with threadpool_limits(limits=1) if one_thread else contextlib.nullcontext():
        start, cpu_start = time.perf_counter(), time.process_time()
        y = model.fit_transform(data)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    np.save(f"{out_dir}/sklearn_{method}.npy", y.astype(np.float64))
    print(json.dumps({"method": method, "seconds": seconds, "cpu": cpu, "rows": len(data),
                      "iterations": int(getattr(model, "n_iter_", 0) or 0),
                      "kl": getattr(model, "kl_divergence_", None),
                      "stress": getattr(model, "stress_", None)}, default=float), flush=True)
