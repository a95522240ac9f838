"""XnorSpec's quick real-image setting written in PyTorch, timed per epoch: two SmallCnn encoders (three
stride-2 3x3 convolutions of 16, 32 and 64 channels without bias, each with BatchNorm and ReLU, global
average pooling, Linear(64, 1000)), the product head (q * t, Linear(1000, 1), Sigmoid), MSE, SGD(lr 0.1,
momentum 0.9), batch 32, 640 pairs an epoch of 28x28 Fashion-MNIST images, the grey value copied into
three channels. The images are the training split of the four gzipped IDX files in DIR (default: the
checked-in subset, fixtures/fashion-mnist), read with gzip and struct. Pairs: the same category with
probability one half, the query's category uniform, the two images distinct, drawn afresh each epoch.
Each step builds its batch as XnorSpec's LabelledImages.Batch does (index_select of the uint8 images,
to float32, over 255, expanded to three channels) and reads the loss (loss.item()), as XnorSpec's loop
does. Prints one line per epoch and, last, `pairs_per_second <pairs of the epochs after the first over
their seconds>`. Standard library and torch only.

Usage: python3 real_images_timed.py [epochs] [threads] [DIR]
       (defaults: 11 epochs, the first a warm-up; threads: PyTorch's default; DIR: fixtures/fashion-mnist)
"""
import gzip
import os
import random
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 11
threads = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] != "default" else None
folder = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "fashion-mnist")
pairs_per_epoch, batch_size, lr, momentum = 640, 32, 0.1, 0.9
if epochs < 2:
    sys.exit("epochs must be 2 or more: the first epoch (warm-up) is not timed")
if threads is not None:
    torch.set_num_threads(threads)


def read_idx(path, rank):
    """An IDX file's uint8 values and dimensions: magic 0x0000 08 <rank>, then rank big-endian int32 sizes."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, kind, dims = struct.unpack_from(">HBB", data, 0)
    if zero != 0 or kind != 0x08 or dims != rank:
        sys.exit(f"{path}: not a rank-{rank} uint8 IDX file")
    shape = struct.unpack_from(f">{rank}I", data, 4)
    return data[4 + 4 * rank:], shape


start = time.perf_counter()
pixel_bytes, (count, rows, columns) = read_idx(os.path.join(folder, "train-images-idx3-ubyte.gz"), 3)
label_bytes, _ = read_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz"), 1)
pixels = torch.frombuffer(bytearray(pixel_bytes), dtype=torch.uint8).reshape(count, rows, columns)
labels = list(label_bytes)
by_category = [[i for i, c in enumerate(labels) if c == k] for k in range(10)]
load_seconds = time.perf_counter() - start


def small_cnn():
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
    return nn.Sequential(*block(3, 16), *block(16, 32), *block(32, 64), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 1000))


class PairModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.q_encoder = small_cnn()
        self.t_encoder = small_cnn()
        self.fc = nn.Linear(1000, 1)

    def forward(self, q, t):
        return torch.sigmoid(self.fc(self.q_encoder(q) * self.t_encoder(t)).flatten())


def draw(rng):
    """(query, template, same): same category with p = 1/2, categories uniform, images distinct."""
    qc = rng.randrange(10)
    tc = qc if rng.random() < 0.5 else (qc + 1 + rng.randrange(9)) % 10
    q = rng.choice(by_category[qc])
    t = rng.choice(by_category[tc])
    while t == q:
        t = rng.choice(by_category[tc])
    return q, t, float(qc == tc)


def images(indices):
    picked = pixels.index_select(0, torch.tensor(indices, dtype=torch.long))
    return picked.to(torch.float32).div_(255).unsqueeze(1).expand(-1, 3, -1, -1).contiguous()


torch.manual_seed(1)
rng = random.Random(1)
model = PairModel()
optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); {count} images read from {os.path.normpath(folder)} in {load_seconds:.2f} s; "
      f"{pairs_per_epoch} pairs an epoch, batch {batch_size}", flush=True)
seconds = []
for epoch in range(epochs):
    model.train()
    clock = time.perf_counter()
    pairs = [draw(rng) for _ in range(pairs_per_epoch)]
    total = 0.0
    for b in range(0, pairs_per_epoch, batch_size):
        chunk = pairs[b:b + batch_size]
        query = images([p[0] for p in chunk])
        template = images([p[1] for p in chunk])
        target = torch.tensor([p[2] for p in chunk])
        optimizer.zero_grad()
        loss = F.mse_loss(model(query, template), target)
        loss.backward()
        optimizer.step()
        total += loss.item()
    seconds.append(time.perf_counter() - clock)
    steps = (pairs_per_epoch + batch_size - 1) // batch_size
    print(f"epoch {epoch + 1}/{epochs}: {seconds[-1]:.3f} s, {pairs_per_epoch / seconds[-1]:.0f} pairs/s, mean loss {total / steps:.4f}", flush=True)
print(f"pairs_per_second {pairs_per_epoch * (epochs - 1) / sum(seconds[1:]):.1f}")
