"""The hybrid-fusion model of @fedfuse/model in PyTorch, trained on dumped federation tensors: centrally or
by FedAvg over the sites, in about a minute instead of a simulation's several. It mirrors the tfjs model
(He-normal kernels, zero biases and attention, masked attention softmax, the embeddings beside each
task's attention summary, auxiliary
per-modality heads, alignment, reconstruction, L2 with the genomics factor, modality dropout, Adam) closely
enough to reproduce the simulator's per-task AUCs within ~0.02 (docs/results.md, "Where the gap is").
It prints, per round, the pooled test AUC per task with all modalities, with ehr+genomics, and of each
auxiliary head on its own modality's patients: whether the imaging encoder learned a task shows there.

Usage: /usr/bin/python3 replica.py DUMP_DIR [--rounds 5] [--epochs 2] [--central] [--aux 0.3] ...
"""
import argparse
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from federation_data import auc, load, sites, tasks

p = argparse.ArgumentParser()
p.add_argument("dump")
p.add_argument("--rounds", type=int, default=5)
p.add_argument("--epochs", type=int, default=2, help="local epochs per round")
p.add_argument("--central", action="store_true", help="pooled training, rounds x epochs epochs")
p.add_argument("--keep", type=float, default=0.85, help="modality keep probability")
p.add_argument("--aux", type=float, default=0.3)
p.add_argument("--align", type=float, default=0.001)
p.add_argument("--l2", type=float, default=3e-4)
p.add_argument("--genomics-noise", type=float, default=0.3)
p.add_argument("--genomics-decay", type=float, default=10)
p.add_argument("--recon", type=float, default=0.1)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--standardize-images", action="store_true", help="zero mean, unit variance intensities")
p.add_argument("--fusion", choices=("hybrid", "gated", "concat"), default="hybrid",
               help="gated: the attention-gated concatenation the hybrid fusion used before")
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
torch.set_num_threads(1)
torch.manual_seed(a.seed)
rng = np.random.default_rng(a.seed)

test = load(a.dump, "test")
local = [load(a.dump, "train", s) for s in sites(a.dump)]
TASKS = tasks(a.dump)
SIDE = int(np.sqrt(test["image"].shape[1]))
if a.standardize_images:
    seen = np.concatenate([d["image"][d["present"][:, 1] == 1] for d in local])
    mean, std = seen.mean(), seen.std()
    for d in local + [test]:
        d["image"] = np.where(d["present"][:, 1:2] == 1, (d["image"] - mean) / std, 0).astype(np.float32)


def he_normal(layer):
    if isinstance(layer, (nn.Linear, nn.Conv2d)):
        nn.init.normal_(layer.weight, 0, np.sqrt(2 / layer.weight[0].numel()))
        nn.init.zeros_(layer.bias)


class Hybrid(nn.Module):
    def __init__(self, ehr_dim, genes, d=64):
        super().__init__()
        self.ehr = nn.Sequential(nn.Linear(ehr_dim, 64), nn.ReLU(), nn.Linear(64, d), nn.ReLU())
        self.gen = nn.Sequential(nn.Linear(genes, 256), nn.ReLU(), nn.Linear(256, d), nn.ReLU())
        self.dec = nn.Sequential(nn.Linear(d, 256), nn.ReLU(), nn.Linear(256, genes))
        convs, c = [], 1
        for f in (16, 32, 64):
            convs += [nn.Conv2d(c, f, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            c = f
        self.cnn = nn.Sequential(*convs, nn.Flatten(), nn.Linear(c * (SIDE // 8) ** 2, d), nn.ReLU())
        self.attention = nn.Parameter(torch.zeros(len(TASKS), d))
        width = 4 * d if a.fusion == "hybrid" else 3 * d
        self.heads = nn.ModuleList(nn.Sequential(nn.Linear(width, 32), nn.ReLU(), nn.Linear(32, 1))
                                   for _ in TASKS)
        self.aux = nn.ModuleList(nn.Linear(d, len(TASKS)) for _ in range(3))
        self.apply(he_normal)

    def forward(self, ehr, image, genomics, present, training):
        noisy = genomics + a.genomics_noise * torch.randn_like(genomics) if training else genomics
        zg = self.gen(noisy)
        z = torch.stack([self.ehr(ehr), self.cnn(image.reshape(-1, 1, SIDE, SIDE)), zg], 1) * present[:, :, None]
        scores = torch.einsum("bmd,td->btm", torch.tanh(z), self.attention)
        alpha = torch.softmax(scores.masked_fill(present[:, None, :] == 0, -1e9), -1) * present[:, None, :]
        if a.fusion == "gated":
            inputs = (3 * alpha[..., None] * z[:, None]).flatten(2)
        elif a.fusion == "concat":
            inputs = z.flatten(1)[:, None].expand(-1, len(TASKS), -1)
        else:
            summary = torch.einsum("btm,bmd->btd", alpha, z)
            inputs = torch.cat([z.flatten(1)[:, None].expand(-1, len(TASKS), -1), summary], 2)
        logits = torch.cat([h(inputs[:, t]) for t, h in enumerate(self.heads)], 1)
        aux = torch.stack([h(z[:, i]) for i, h in enumerate(self.aux)], 1)
        return logits, aux, z, self.dec(zg)


def tensors(d, rows=None):
    pick = (lambda k: d[k][rows]) if rows is not None else (lambda k: d[k])
    return [torch.tensor(pick(k)).float() for k in ("ehr", "image", "genomics", "present", "labels")]


def loss(model, batch, present):
    ehr, image, genomics, _, y = batch
    logits, aux, z, recon = model(ehr, image, genomics, present, True)
    mask, y0 = ~torch.isnan(y), torch.nan_to_num(y)
    bce = (F.binary_cross_entropy_with_logits(logits, y0, reduction="none") * mask).sum() / mask.sum().clamp(min=1)
    aux_mask = mask[:, None, :] * present[:, :, None]
    aux_bce = F.binary_cross_entropy_with_logits(aux, y0[:, None, :].expand_as(aux), reduction="none")
    total = bce + a.aux * (aux_bce * aux_mask).sum() / aux_mask.sum().clamp(min=1)
    for i in range(3):
        for j in range(i + 1, 3):
            total = total + a.align * (present[:, i] * present[:, j] * ((z[:, i] - z[:, j]) ** 2).sum(1)).mean()
    total = total + a.recon * (present[:, 2:3] * (recon - genomics) ** 2).mean()
    for name, w in model.named_parameters():
        if w.dim() > 1 and name != "attention":
            total = total + a.l2 * (a.genomics_decay if name.startswith(("gen", "dec")) else 1) * (w ** 2).sum()
    return total


def dropout(present):
    keep = (rng.random(present.shape) < a.keep) & (present == 1)
    for row in np.where(keep.sum(1) == 0)[0]:
        options = np.where(present[row] == 1)[0]
        if len(options):
            keep[row, rng.choice(options)] = True
    return torch.tensor(keep, dtype=torch.float32)


def train(model, d, epochs):
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    for _ in range(epochs):
        order = rng.permutation(len(d["labels"]))
        for start in range(0, len(order), 32):
            rows = order[start:start + 32]
            opt.zero_grad()
            loss(model, tensors(d, rows), dropout(d["present"][rows])).backward()
            opt.step()


def report(model, label):
    ehr, image, genomics, present, _ = tensors(test)
    y = test["labels"]
    with torch.no_grad():
        full = model(ehr, image, genomics, present, False)
        no_imaging = model(ehr, image, genomics, present * torch.tensor([1.0, 0, 1]), False)[0].numpy()
    cols = {"all": full[0].numpy(), "ehr+genomics": no_imaging}
    line = [f"{k} " + "/".join(f"{auc(v[:, t], y[:, t]):.3f}" for t in range(len(TASKS))) for k, v in cols.items()]
    aux = full[1].numpy()
    for i, m in enumerate(("ehr", "imaging", "genomics")):
        on = test["present"][:, i] == 1
        line.append(f"aux.{m} " + "/".join(f"{auc(aux[on, i, t], y[on, t]):.3f}" for t in range(len(TASKS))))
    print(label, "  ".join(line), flush=True)


model = Hybrid(test["ehr"].shape[1], test["genomics"].shape[1])
print("tasks", "/".join(TASKS))
for r in range(1, a.rounds + 1):
    if a.central:
        pooled = {k: np.concatenate([d[k] for d in local]) for k in local[0]}
        train(model, pooled, a.epochs)
    else:
        states, sizes = [], []
        for d in local:
            site_model = copy.deepcopy(model)
            train(site_model, d, a.epochs)
            states.append(site_model.state_dict())
            sizes.append(len(d["labels"]))
        model.load_state_dict({k: sum(s[k] * n for s, n in zip(states, sizes)) / sum(sizes) for k in states[0]})
    report(model, f"round {r}")
