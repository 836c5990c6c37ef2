#!/usr/bin/python3
"""The peer of `videovcreg bench probe`: scikit-learn's side of the 45-lambda linear-probe sweep.

    sklearn_probe.py DIR LAMBDA [LAMBDA ...]

Reads DIR/{fit,val}_{x,y}.npy, fits LogisticRegression(C=1/(lambda*n), multinomial, lbfgs, max_iter=1000, as
Kornblith et al. and most probe code run it) on the fit share for every lambda, scores the validation share, and
prints one JSON object: seconds for the sweep (imports and loading excluded), and per lambda the validation
accuracy and iterations.
"""
import json
import os
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression


def main():
    folder = sys.argv[1]
    lambdas = [float(v) for v in sys.argv[2:]]
    fx, fy = np.load(os.path.join(folder, "fit_x.npy")).astype(np.float64), np.load(os.path.join(folder, "fit_y.npy"))
    vx, vy = np.load(os.path.join(folder, "val_x.npy")).astype(np.float64), np.load(os.path.join(folder, "val_y.npy"))
    warnings.simplefilter("ignore", ConvergenceWarning)
    points = []
    start = time.perf_counter()
    for lam in lambdas:
        clf = LogisticRegression(C=1.0 / (lam * len(fy)), multi_class="multinomial", solver="lbfgs", max_iter=1000)
        clf.fit(fx, fy)
        points.append({"lambda": lam, "validation_top1": float((clf.predict(vx) == vy).mean()), "iterations": int(clf.n_iter_[0])})
    print(json.dumps({"seconds": time.perf_counter() - start, "sweep": points}))


if __name__ == "__main__":
    main()
