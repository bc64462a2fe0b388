"""Loads the tensors dump-federation.ts wrote, and the tie-correct AUC the model package uses."""
import json

import numpy as np

KEYS = (("ehr", np.float32), ("image", np.float32), ("genomics", np.float32),
        ("present", np.uint8), ("labels", np.float32))


def load(folder, split, site=None):
    """One split pooled over sites (or one site's), as numpy arrays; images flattened per patient."""
    meta = json.load(open(f"{folder}/meta.json"))
    parts = {k: [] for k, _ in KEYS}
    for m in meta:
        if m["split"] != split or (site is not None and m["site"] != site):
            continue
        widths = {"ehr": m["ehr"], "image": int(np.prod(m["image"])), "genomics": m["genes"],
                  "present": 3, "labels": len(m["tasks"])}
        for key, dtype in KEYS:
            raw = np.fromfile(f"{folder}/s{m['site']}-{split}-{key}.bin", dtype=dtype)
            parts[key].append(raw.reshape(m["n"], widths[key]))
    return {k: np.concatenate(v) for k, v in parts.items()}


def sites(folder):
    return sorted({m["site"] for m in json.load(open(f"{folder}/meta.json"))})


def tasks(folder):
    return json.load(open(f"{folder}/meta.json"))[0]["tasks"]


def auc(scores, labels):
    """ROC AUC with midranks for ties; rows whose label is NaN are left out."""
    keep = ~np.isnan(labels)
    s, y = scores[keep], labels[keep]
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    for value in np.unique(s[np.diff(np.sort(s), prepend=np.nan) == 0]):
        ranks[s == value] = ranks[s == value].mean()
    pos = y.sum()
    return (ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * (len(y) - pos))
