"""k-means as ../shared/acceptance/README.md states it, with numpy, for comparing runs on
other data: k = 4, initial centroids = the k points with the smallest id, Lloyd updates
until no point changes cluster or max_rounds updates; an empty cluster keeps its centroid.

    /usr/bin/python3 test/support/kmeans_reference.py points.csv [k] [max_rounds]  -> JSON
"""
import json
import sys

import numpy as np

path = sys.argv[1]
k = int(sys.argv[2]) if len(sys.argv) > 2 else 4
max_rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 50
data = np.loadtxt(path, delimiter=",", skiprows=1)
data = data[np.argsort(data[:, 0], kind="stable")]
pts = data[:, 2:4]
centroids = pts[:k].copy()
assigned = np.full(len(pts), -1)
rounds = 0
while True:
    d = ((pts[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    best = d.argmin(axis=1)
    if np.array_equal(best, assigned) or rounds >= max_rounds:
        break
    assigned = best
    for j in range(k):
        members = pts[best == j]
        if len(members):
            centroids[j] = members.mean(axis=0)
    rounds += 1
print(json.dumps({"centroids": centroids.tolist(), "rounds_run": rounds, "shards": int(len(np.unique(data[:, 1])))}))
