"""The FedFuse default model in PyTorch, for the same-run throughput baseline.

Reads the architecture as JSON from argv[1] and prints one JSON line with samples/s.
Mirrors packages/model: EHR MLP, denoising genomics autoencoder, the imaging encoder (per-image
standardisation, Conv-ReLU-MaxPool blocks each followed by GroupNorm (the last only with
imageLastGroupNorm), global mean + max pooling,
texture energies of the standardised image),
hybrid fusion (the embeddings concatenated beside each task's attention-weighted summary), masked BCE, alignment, L2,
reconstruction and auxiliary per-modality losses, Adam.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def texture_features(img):
    """packages/model textureFeatures: log gradient energy over 4×4 windows at scales 1 and 2, mean/max/min."""
    parts = []
    for scale in (1, 2):
        x = F.avg_pool2d(img, scale) if scale > 1 else img
        h, w = x.shape[2], x.shape[3]
        dx = x[:, :, :, 1:] - x[:, :, :, :-1]
        dy = x[:, :, 1:, :] - x[:, :, :-1, :]
        energy = dx[:, :, : h - 1, :] ** 2 + dy[:, :, :, : w - 1] ** 2
        window = min(4, h - 1, w - 1)
        local = torch.log(F.avg_pool2d(energy, window) + 1e-5)
        parts += [local.mean((2, 3)), local.amax((2, 3)), local.amin((2, 3))]
    return torch.cat(parts, 1)


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, t = c["d"], len(c["tasks"])
        h, w, ch = c["imageShape"]
        self.ehr = nn.Sequential(nn.Linear(c["ehrDim"], c["ehrHidden"]), nn.ReLU(),
                                 nn.Linear(c["ehrHidden"], d), nn.ReLU())
        self.gen_enc = nn.Sequential(nn.Linear(c["genomicsDim"], c["genomicsHidden"]), nn.ReLU(),
                                     nn.Linear(c["genomicsHidden"], d), nn.ReLU())
        self.gen_dec = nn.Sequential(nn.Linear(d, c["genomicsHidden"]), nn.ReLU(),
                                     nn.Linear(c["genomicsHidden"], c["genomicsDim"]))
        convs, cin = [], ch
        groups = c.get("imageGroupNorm", 0)
        last = len(c["convFilters"]) - 1
        for i, f in enumerate(c["convFilters"]):
            convs += [nn.Conv2d(cin, f, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            if groups > 0 and (i < last or c.get("imageLastGroupNorm", True)):
                g = min(groups, f)
                while f % g:
                    g -= 1
                convs.append(nn.GroupNorm(g, f))
            cin = f
        self.cnn = nn.Sequential(*convs)
        self.standardize = c.get("imageStandardize", False)
        self.global_pool = c.get("imagePooling", "flatten") == "global"
        hw = (h // 2 ** len(c["convFilters"])) * (w // 2 ** len(c["convFilters"]))
        self.texture = c.get("imageTexture", False)
        texture = 6 * ch if self.texture else 0
        self.img_proj = nn.Linear((2 * cin if self.global_pool else hw * cin) + texture, d)
        self.att = nn.Parameter(torch.zeros(t, d))
        self.heads = nn.ModuleList(nn.Sequential(nn.Linear(4 * d, c["headHidden"]), nn.ReLU(),
                                                 nn.Linear(c["headHidden"], 1)) for _ in range(t))
        self.aux = nn.ModuleList(nn.Linear(d, t) for _ in range(3))
        self.noise = c["genomicsNoise"]

    def forward(self, ehr, img, gen, present):
        z_ehr = self.ehr(ehr)
        if self.standardize:
            mean = img.mean((1, 2, 3), keepdim=True)
            img = (img - mean) / torch.sqrt(img.var((1, 2, 3), unbiased=False, keepdim=True) + 1e-5)
        maps = self.cnn(img)
        pooled = torch.cat([maps.mean((2, 3)), maps.amax((2, 3))], 1) if self.global_pool else maps.flatten(1)
        if self.texture:
            pooled = torch.cat([pooled, texture_features(img)], 1)
        z_img = F.relu(self.img_proj(pooled))
        z_gen = self.gen_enc(gen + self.noise * torch.randn_like(gen))
        recon = self.gen_dec(z_gen)
        z = torch.stack([z_ehr, z_img, z_gen], 1)                   # b,3,d
        scores = torch.einsum("bmd,td->btm", torch.tanh(z), self.att)  # b,t,3
        scores = scores.masked_fill(present[:, None, :] == 0, float("-inf"))
        alpha = torch.softmax(scores, -1)                          # b,t,3
        summary = torch.einsum("btm,bmd->btd", alpha, z)            # b,t,d
        joined = z.flatten(1)                                        # b,3d
        logits = torch.cat([head(torch.cat([joined, summary[:, i]], 1)) for i, head in enumerate(self.heads)], 1)
        aux = [head(z[:, i]) for i, head in enumerate(self.aux)]
        return logits, aux, z, recon


def step(model, opt, batch, c):
    ehr, img, gen, present, labels = batch
    logits, aux, z, recon = model(ehr, img, gen, present)
    mask = ~torch.isnan(labels)
    y = torch.nan_to_num(labels)
    bce = (F.binary_cross_entropy_with_logits(logits, y, reduction="none") * mask).sum() / mask.sum()
    aux_loss = sum((F.binary_cross_entropy_with_logits(a, y, reduction="none") * mask
                    * present[:, i:i + 1]).sum() / mask.sum() for i, a in enumerate(aux))
    align = 0
    for i in range(3):
        for j in range(i + 1, 3):
            pair = present[:, i] * present[:, j]
            align = align + (pair * ((z[:, i] - z[:, j]) ** 2).sum(1)).mean()
    rec = (present[:, 2:3] * (recon - gen) ** 2).mean()
    l2 = sum((p ** 2).sum() for n, p in model.named_parameters() if p.dim() > 1)
    loss = bce + c["auxWeight"] * aux_loss + c["alignWeight"] * align + c["reconWeight"] * rec + c["l2"] * l2
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def main():
    c = json.loads(sys.argv[1])
    torch.set_num_threads(c.get("threads", 1))
    torch.manual_seed(0)
    b = c["batchSize"]
    h, w, ch = c["imageShape"]
    model = Model(c)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch = (torch.randn(b, c["ehrDim"]), torch.rand(b, ch, h, w), torch.randn(b, c["genomicsDim"]),
             torch.ones(b, 3), torch.randint(0, 2, (b, len(c["tasks"]))).float())
    for _ in range(c["warmupSteps"]):
        step(model, opt, batch, c)
    start = time.perf_counter()
    for _ in range(c["steps"]):
        step(model, opt, batch, c)
    seconds = time.perf_counter() - start
    print(json.dumps({"samplesPerSecond": c["steps"] * b / seconds, "torch": torch.__version__,
                      "threads": torch.get_num_threads()}))


main()
