#!/usr/bin/python3
"""The peer of `videovcreg bench images`: torchvision's ImageFolder + DataLoader through the ImageNet training transform.

    torchvision_images.py DIR WORKERS BATCH EPOCHS [WARMUP_EPOCHS]

RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor + Normalize (ImageNet), shuffled, WORKERS loader processes;
WARMUP_EPOCHS untimed epochs (1 by default, as many as the .NET side), then EPOCHS timed ones. Prints one JSON object: images, seconds, images_per_s.
"""
import json
import sys
import time

import torch
from torchvision import datasets, transforms as T


def main():
    root, workers, batch, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    warmup = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    torch.set_num_threads(1)
    tf = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(),
                    T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    loader = torch.utils.data.DataLoader(datasets.ImageFolder(root, tf), batch_size=batch, shuffle=True, num_workers=workers,
                                         persistent_workers=workers > 0)
    for _ in range(warmup):
        for _ in loader:
            pass
    n = 0
    start = time.perf_counter()
    for _ in range(epochs):
        for x, _ in loader:
            n += x.shape[0]
    seconds = time.perf_counter() - start
    print(json.dumps({"images": n, "seconds": seconds, "images_per_s": n / seconds}))


if __name__ == "__main__":
    main()
