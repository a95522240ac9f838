"""The question's TemplateEvaluator, with its two fusions (the question's torch.cat and the answer's
q * t) and any encoder, plus the outputs file XnorSpec's `compare` command and equivalence spec read.
Its module names are the question's, so its state_dict keys are too: q_encoder.*, t_encoder.*,
fc.0.weight, fc.0.bias. Shared by fixtures/pytorch/make_twin.py and src/bench/compare_with_pytorch.py.
"""
import copy
import gzip
import os
import struct
from collections import OrderedDict

import torch
import torch.nn as nn


class TemplateEvaluator(nn.Module):
    """The question's class (torch.cat) or the answer's (q * t), as they wrote them, with the encoders passed in."""

    def __init__(self, q_encoder, t_encoder, features, fusion):
        super().__init__()
        assert fusion in ("concat", "product")
        self.fusion = fusion
        self.q_encoder = q_encoder
        self.t_encoder = t_encoder
        self.fc = nn.Sequential(nn.Linear(2 * features if fusion == "concat" else features, 1), nn.Sigmoid())

    def combined(self, data):
        q, t = data[0], data[1]
        if q.ndim == 3: q = q.unsqueeze(0)
        if t.ndim == 3: t = t.unsqueeze(0)
        q, t = self.q_encoder(q), self.t_encoder(t)
        return torch.cat([q, t], -1) if self.fusion == "concat" else q * t

    def forward(self, data):
        return self.fc(self.combined(data)).flatten()

    def logit(self, data):
        return self.fc[0](self.combined(data)).flatten()


def tiny_cnn():
    """XnorSpec's TinyCnn encoder (src/XnorSpec/Model/Encoders.cs), module for module, so the keys match."""
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)), ("bn1", nn.BatchNorm2d(8)), ("relu1", nn.ReLU()),
        ("conv2", nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False)), ("bn2", nn.BatchNorm2d(16)), ("relu2", nn.ReLU()),
        ("pool", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten()),
        ("fc", nn.Linear(16, 16)),
    ]))


def solid(value, size):
    return torch.full((3, size, size), float(value))


def fashion_pairs(size):
    """Four real-image pairs from the checked-in Fashion-MNIST subset (fixtures/fashion-mnist, test split):
    two of the same category and two of different ones, each image its pixels over 255 (ToTensor) in all
    three channels, resized bilinearly to size x size."""
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "fashion-mnist")
    with gzip.open(os.path.join(folder, "t10k-images-idx3-ubyte.gz")) as f:
        raw = f.read()
    with gzip.open(os.path.join(folder, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = f.read()[8:]
    count, rows, cols = struct.unpack(">III", raw[4:16])
    images = torch.tensor(list(raw[16:]), dtype=torch.float32).view(count, 1, rows, cols) / 255
    first = {c: [i for i in range(count) if labels[i] == c] for c in range(10)}
    # query, template: a T-shirt and another T-shirt, a trouser and another trouser, a sneaker and a bag, a coat and a sandal
    picks = [(first[0][0], first[0][1]), (first[1][0], first[1][1]), (first[7][0], first[8][0]), (first[4][0], first[5][0])]
    def prepare(index):
        image = torch.nn.functional.interpolate(images[index:index + 1], size=(size, size), mode="bilinear", align_corners=False)
        return image[0].expand(3, size, size).contiguous()
    return [prepare(q) for q, _ in picks], [prepare(t) for _, t in picks]


def test_inputs(size, seed):
    """Rows 0-3: the four colour pairs BB, BW, WB, WW (black 0.0, white 1.0). Rows 4-7: four real-image
    pairs (fashion_pairs), inputs unlike any training image, so every weight matters. The seed is kept
    for callers; the inputs no longer draw random numbers."""
    black, white = solid(0, size), solid(1, size)
    query = [black, black, white, white]
    template = [black, white, black, white]
    real_queries, real_templates = fashion_pairs(size)
    return torch.stack(query + real_queries), torch.stack(template + real_templates)


def outputs(model, query, template):
    """The model's outputs on the test inputs: eval mode (running statistics) for all eight rows, and
    training mode (BatchNorm on the batch) for the colour rows 0-3 as one batch and the image rows 4-7
    as another, each on a copy so the model's running statistics are left as they were."""
    with torch.no_grad():
        model.eval()
        result = {"query": query, "template": template,
                  "eval_logit": model.logit(torch.stack([query, template])),
                  "eval_output": model(torch.stack([query, template]))}
        rows = []
        for part in (slice(0, 4), slice(4, 8)):
            trained = copy.deepcopy(model).train()
            rows.append(trained.logit(torch.stack([query[part], template[part]])))
        result["train_logit"] = torch.cat(rows)
        result["train_output"] = torch.sigmoid(result["train_logit"])
    return result
