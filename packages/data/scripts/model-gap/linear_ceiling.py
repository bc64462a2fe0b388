"""What a ridge logistic regression reaches on the same tensors the model trains on: a yardstick for the
fused model (docs/results.md, "Where the gap is"). Every test patient is scored: absent modalities are
zeros (the pooled mean) and the presence flags are features. Images enter as 8x8 block means.

Usage: /usr/bin/python3 linear_ceiling.py DUMP_DIR
"""
import sys

import numpy as np
import torch

from federation_data import auc, load, tasks

MODALITIES = ("ehr", "imaging", "genomics")


def features(d, modalities):
    cols = []
    for m in modalities:
        if m == "imaging":
            n, side = len(d["image"]), int(np.sqrt(d["image"].shape[1]))
            cols.append(d["image"].reshape(n, 8, side // 8, 8, side // 8).mean((2, 4)).reshape(n, 64))
        else:
            cols.append(d[m])
    cols.append(d["present"].astype(np.float32))
    return np.concatenate(cols, 1)


def ridge_logistic(x, y, l2):
    x, y = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=500, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ w + b, y) + l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach().numpy(), b.item()


def main(folder):
    train, test = load(folder, "train"), load(folder, "test")
    names = tasks(folder)
    subsets = [(m,) for m in MODALITIES] + [("ehr", "genomics"), MODALITIES]
    for subset in subsets:
        for l2 in (3e-3, 1e-2, 3e-2):
            cells = []
            for t, task in enumerate(names):
                a, b = ~np.isnan(train["labels"][:, t]), ~np.isnan(test["labels"][:, t])
                xa, xb = features(train, subset)[a], features(test, subset)[b]
                mean, std = xa.mean(0), xa.std(0) + 1e-6
                w, c = ridge_logistic((xa - mean) / std, train["labels"][a, t], l2)
                cells.append(f"{task} {auc(((xb - mean) / std) @ w + c, test['labels'][b, t]):.3f}")
            print(f"{'+'.join(subset):22s} l2={l2:<6} " + "  ".join(cells))


main(sys.argv[1])
