#!/usr/bin/python3
"""PyTorch DDP over gloo on the VideoMAE ViT of torch_model.py, timed as `videovcreg bench ddp` times its own ranks.

Each of --ranks processes (one intra-op thread each) trains the same model on its own random batch of --batch clips;
DDP averages the gradients in 25 MB buckets, overlapped with the backward. The exposed all-reduce time is the step
time minus that of the same step under no_sync() (no reduction). Prints one JSON object on stdout (rank 0).

    /usr/bin/python3 bench/torch_ddp.py --ranks 2 --frames 8 --size 112 --batch 2 --steps 3
"""
import argparse
import json
import os
import socket
import sys
import time

# One thread per rank means one BLAS thread too: torch.set_num_threads does not reach Debian's OpenBLAS pool, which
# otherwise runs every GEMM on all cores (measured: 1-rank step 0.65-0.74 s with it, 0.91 s without, ours 0.98-1.16 s on
# one thread), and 2 ranks then oversubscribe the machine. Set before torch loads; the spawned ranks inherit it.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_model import VideoMAE  # noqa: E402


def worker(rank, a, port, out):
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=a.ranks)
    torch.manual_seed(0)
    model = torch.nn.parallel.DistributedDataParallel(VideoMAE(a.frames, a.size))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    torch.manual_seed(rank + 1)
    x = torch.randn(a.batch, 3, a.frames, a.size, a.size)
    y = torch.randint(0, 400, (a.batch,))

    def step(sync):
        opt.zero_grad(set_to_none=True)
        if sync:
            F.cross_entropy(model(x), y).backward()
        else:
            with model.no_sync():
                F.cross_entropy(model(x), y).backward()
        opt.step()

    def timed(sync):
        step(sync)
        dist.barrier()
        t = time.perf_counter()
        for _ in range(a.steps):
            step(sync)
        dist.barrier()
        return (time.perf_counter() - t) / a.steps

    with_sync, without = timed(True), timed(False)
    if rank == 0:
        params = sum(p.numel() for p in model.parameters())
        out.put({"ranks": a.ranks, "step_s": with_sync, "step_no_sync_s": without,
                 "exposed_allreduce_share": max(0.0, with_sync - without) / with_sync, "parameters": params})
    dist.destroy_process_group()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--size", type=int, default=112)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3)
    a = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    mp.spawn(worker, args=(a, port, out), nprocs=a.ranks, join=True)
    result = out.get()
    result["torch"] = torch.__version__
    print(json.dumps(result))


if __name__ == "__main__":
    main()
