#!/usr/bin/python3
"""VideoMAE ViT-S/16 in plain PyTorch, timed the same way `videovcreg bench model` times the TorchSharp model.

Same architecture as modeling_finetune.py (and as tests/.../make_model_fixtures.py, which proves the logits
equal): qkv without bias + q_bias/v_bias, explicit softmax attention (PyTorch 1.13 has no fused kernel),
GELU MLP, mean pooling, fc_norm, head. Prints one JSON object on stdout.

    /usr/bin/python3 bench/torch_model.py --frames 16 --size 224 --batch 2 --iters 1 --warmup 1
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.q_bias, self.v_bias = nn.Parameter(torch.zeros(dim)), nn.Parameter(torch.zeros(dim))
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        bias = torch.cat((self.q_bias, torch.zeros_like(self.v_bias, requires_grad=False), self.v_bias))
        q, k, v = F.linear(x, self.qkv.weight, bias).reshape(B, N, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim, eps=1e-6), Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VideoMAE(nn.Module):
    def __init__(self, frames, size, dim=384, depth=12, heads=6, classes=400):
        super().__init__()
        self.proj = nn.Conv3d(3, dim, (2, 16, 16), (2, 16, 16))
        n = (frames // 2) * (size // 16) ** 2
        self.register_buffer("pos", torch.randn(1, n, dim) * 0.02)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.fc_norm, self.head = nn.LayerNorm(dim, eps=1e-6), nn.Linear(dim, classes)

    def forward(self, x):
        x = self.proj(x).flatten(2).transpose(1, 2) + self.pos
        for b in self.blocks:
            x = b(x)
        return self.head(self.fc_norm(x.mean(1)))


def timed(fn, warmup, iters):
    for _ in range(warmup):
        fn()
    t = time.perf_counter()
    for _ in range(iters):
        fn()
    return (time.perf_counter() - t) / iters


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--iters", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads (0 = all cores)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads or os.cpu_count())
    torch.manual_seed(0)
    model = VideoMAE(a.frames, a.size)
    x = torch.randn(a.batch, 3, a.frames, a.size, a.size)
    y = torch.randint(0, 400, (a.batch,))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def forward():
        with torch.no_grad():
            model.eval()
            model(x)

    def train_step():
        model.train()
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    fwd = timed(forward, a.warmup, a.iters)
    trn = timed(train_step, a.warmup, a.iters)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "forward_clips_per_s": a.batch / fwd, "train_clips_per_s": a.batch / trn}))


if __name__ == "__main__":
    main()
