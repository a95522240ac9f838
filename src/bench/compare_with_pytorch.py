"""Loads a model XnorSpec exported (`xnor-spec export`) into the question's TemplateEvaluator in
PyTorch, strictly (every key matched, none left over), and writes the outputs PyTorch computes for
fixed inputs: the four colour pairs and four Fashion-MNIST pairs from fixtures/fashion-mnist, in eval mode and in
training mode. `xnor-spec-tools compare` then sets XnorSpec's outputs for the same file against them.

Usage: python3 compare_with_pytorch.py MODEL.pt concat|product resnet18|smallcnn|tinycnn IMAGE_SIZE OUTPUTS.pt
"""
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
from torchvision.models import resnet18

from question_model import TemplateEvaluator, outputs, test_inputs, tiny_cnn

path, fusion, encoder, size, target = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]


def small_cnn():
    """XnorSpec's SmallCnn (src/XnorSpec/Model/Encoders.cs), module for module."""
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False)), ("bn1", nn.BatchNorm2d(16)), ("relu1", nn.ReLU()),
        ("conv2", nn.Conv2d(16, 32, 3, stride=2, padding=1, bias=False)), ("bn2", nn.BatchNorm2d(32)), ("relu2", nn.ReLU()),
        ("conv3", nn.Conv2d(32, 64, 3, stride=2, padding=1, bias=False)), ("bn3", nn.BatchNorm2d(64)), ("relu3", nn.ReLU()),
        ("pool", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten()), ("fc", nn.Linear(64, 1000))]))


# The question's encoders are torchvision's resnet18() with its 1000-way output layer.
make, features = {"resnet18": (resnet18, 1000), "smallcnn": (small_cnn, 1000), "tinycnn": (tiny_cnn, 16)}[encoder]
model = TemplateEvaluator(make(), make(), features, fusion)
state = torch.load(path)
result = model.load_state_dict(state, strict=True)  # raises on any missing, unexpected or mis-shaped key
print(f"PyTorch {torch.__version__}: loaded {path} into TemplateEvaluator({encoder} encoders, {fusion} head): "
      f"{len(state)} of {len(model.state_dict())} keys matched, missing {result.missing_keys}, unexpected {result.unexpected_keys}")
query, template = test_inputs(size, seed=21)
computed = outputs(model, query, template)
with torch.no_grad():
    print("PyTorch eval-mode outputs BB BW WB WW:", [round(x, 6) for x in computed["eval_output"][:4].tolist()])
    print("PyTorch training-mode outputs BB BW WB WW:", [round(x, 6) for x in computed["train_output"][:4].tolist()])
torch.save(computed, target)
