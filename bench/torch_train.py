#!/usr/bin/python3
"""One training step of an image network in plain PyTorch, without a regularizer and with fast VCReg after every block,
timed the way `videovcreg bench train` times ours. Prints one JSON object on stdout.

The networks follow ours: ResNet-32 in LDAM-DRW's CIFAR layout (option-A shortcuts), ConvNeXt-Atto as torchvision's
ConvNeXt class at depths 2-2-6-2 and widths 40-80-160-320, the others torchvision's own. The fast VCReg is the paper's
Algorithm 1 as an autograd Function on each block's output (covariance gradient 4β/(d(d−1)), demeaned inside the
backward as ours is), channels moved last for maps, as its flatten(0, -2) needs.

    /usr/bin/python3 bench/torch_train.py --arch resnet32 --size 32 --batch 256 --rounds 5
"""
import argparse
import json
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.convnext import CNBlock, CNBlockConfig, ConvNeXt


class CifarBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.pad = planes // 4 if (stride != 1 or cin != planes) else None

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        short = x if self.pad is None else F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), "constant", 0)
        return F.relu(out + short)


class ResNet32(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        blocks, cin = [], 16
        for planes, stride in [(16, 1), (32, 2), (64, 2)]:
            for i in range(5):
                blocks.append(CifarBlock(cin, planes, stride if i == 0 else 1))
                cin = planes
        self.blocks = nn.Sequential(*blocks)
        self.linear = nn.Linear(64, classes)

    def forward(self, x):
        out = self.blocks(F.relu(self.bn1(self.conv1(x))))
        return self.linear(F.adaptive_avg_pool2d(out, 1).flatten(1))


def build(arch, classes):
    if arch == "resnet32":
        m = ResNet32(classes)
        return m, list(m.blocks)
    if arch == "convnext-atto":
        setting = [CNBlockConfig(40, 80, 2), CNBlockConfig(80, 160, 2), CNBlockConfig(160, 320, 6), CNBlockConfig(320, None, 2)]
        m = ConvNeXt(setting, stochastic_depth_prob=0.1, num_classes=classes)   # ours: torchvision's default 0.1
    elif arch == "convnext-t":
        m = torchvision.models.convnext_tiny(num_classes=classes)
    elif arch in ("resnet18", "resnet50"):
        m = getattr(torchvision.models, arch)(num_classes=classes)
    elif arch == "vit-b32":
        m = torchvision.models.vit_b_32(num_classes=classes)
        return m, list(m.encoder.layers)
    else:
        raise SystemExit(f"unknown arch {arch}")
    blocks = [b for b in m.modules() if isinstance(b, (CNBlock, torchvision.models.resnet.BasicBlock, torchvision.models.resnet.Bottleneck))]
    return m, blocks


class FastVCReg(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, alpha, beta, eps, channels_first, paper):
        ctx.save_for_backward(x)
        ctx.hyper = (alpha, beta, eps, channels_first, paper)
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        alpha, beta, eps, channels_first, paper = ctx.hyper
        rows = (x.movedim(1, -1) if channels_first else x).flatten(0, -2)
        n, d = rows.shape
        xc = rows - rows.mean(0, keepdim=True)
        c = xc.t().mm(xc) / (n - 1)
        r = F.threshold(torch.rsqrt(c.diagonal() + eps), 1.0, 0.0)
        m = c.fill_diagonal_(0).mul_(4 * beta / (d * (d - 1)) / (1 if paper else n - 1))
        m.diagonal().copy_(-alpha / (d * (n - 1)) * r)
        added = xc.mm(m)
        if channels_first:
            added = added.view(*x.movedim(1, -1).shape).movedim(-1, 1)
        return grad_output + added.view_as(grad_output), None, None, None, None, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--alpha", type=float, default=0.64)
    ap.add_argument("--beta", type=float, default=0.04)
    ap.add_argument("--scaling", choices=["paper", "loss"], default="paper")
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads or os.cpu_count())
    torch.manual_seed(0)
    model, blocks = build(a.arch, 10)
    model.train()
    x = torch.randn(a.batch, 3, a.size, a.size)
    y = torch.randint(0, 10, (a.batch,))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    hooks = []

    def attach():
        for b in blocks:
            hooks.append(b.register_forward_hook(lambda _m, _i, out: FastVCReg.apply(out, a.alpha, a.beta, 1e-4, out.dim() == 4, a.scaling == "paper")))

    def detach():
        while hooks:
            hooks.pop().remove()

    def step():
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()
        return time.perf_counter() - t

    times = {"identity": [], "fast": []}
    variants = ["identity", "fast"]
    for rnd in range(a.warmup + a.rounds):
        for k in range(2):
            v = variants[(k + rnd) % 2]
            if v == "fast":
                attach()
            s = step()
            detach()
            if rnd >= a.warmup:
                times[v].append(s)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "sites": len(blocks),
                      "median_s": {v: statistics.median(t) for v, t in times.items()}}))


if __name__ == "__main__":
    main()
