"""The question's program on the CPU, timed per epoch: two torchvision ResNet18 encoders, concatenated
1000-d outputs, Linear(2000, 1) and Sigmoid, MSE, SGD(lr 0.001, momentum 0.01), 100 pairs of solid
3x128x128 images per epoch through a shuffling DataLoader, as the question wrote it (two fresh
encoders instead of its shared default arguments; no progress bar or plot). Prints one line per epoch
and, last, `seconds_per_epoch <median of the epochs after the first>`.

Usage: python3 question_timed.py [batch_size] [epochs]
"""
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.dataloader import default_collate
from torchvision import transforms
from torchvision.models import resnet18

batch_size = int(sys.argv[1]) if len(sys.argv) > 1 else 10
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 4
img_width = 128
device = "cpu"


class TemplateEvaluator(nn.Module):
    def __init__(self):
        super().__init__()
        self.q_encoder = resnet18()
        self.t_encoder = resnet18()
        self.fc = nn.Sequential(nn.Linear(2000, 1), nn.Sigmoid())

    def forward(self, data):
        q, t = data[0], data[1]
        return self.fc(torch.cat([self.q_encoder(q), self.t_encoder(t)], -1)).flatten()


class BlackOrWhiteDataset(Dataset):
    def __init__(self):
        self.tf = transforms.ToTensor()

    def __getitem__(self, i):
        white, black = (255, 255, 255), (0, 0, 0)
        c1 = white if np.random.random() > 0.5 else black
        c2 = white if np.random.random() > 0.5 else black
        y = torch.tensor(c1 == c2, dtype=torch.float)
        return self.tf(Image.new("RGB", (img_width, img_width), c1)), self.tf(Image.new("RGB", (img_width, img_width), c2)), y

    def __len__(self):
        return 100


torch.manual_seed(1)
np.random.seed(1)
loader = DataLoader(BlackOrWhiteDataset(), batch_size=batch_size, shuffle=True,
                    collate_fn=lambda x: tuple(x_.to(device) for x_ in default_collate(x)))
model = TemplateEvaluator().to(device)
opt = optim.SGD(model.parameters(), lr=0.001, momentum=0.01)
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch size {batch_size}", flush=True)
seconds = []
for epoch in range(epochs):
    model.train()
    start = time.perf_counter()
    for x1, x2, y in loader:
        loss = F.mse_loss(model(torch.stack([x1, x2])), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds.append(time.perf_counter() - start)
    print(f"epoch {epoch + 1}: {seconds[-1]:.2f} s, last loss {loss.item():.6f}", flush=True)
print(f"seconds_per_epoch {statistics.median(seconds[1:]):.3f}")
