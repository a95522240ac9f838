#!/usr/bin/env bash
# The cross-engine check by hand: exports an XnorSpec model file as a PyTorch state_dict, loads it
# into the question's TemplateEvaluator on Debian's python3-torch (strictly: every key matched),
# computes its outputs for the four colour pairs and four Fashion-MNIST pairs in eval and training
# mode, and has `xnor-spec-tools compare` print the largest difference from XnorSpec's own outputs.
# Installs python3-torch and python3-torchvision with apt when missing (needs root): run it by
# hand, never in CI. The spec PyTorch_equivalence checks the same with a committed fixture and no Python.
#
# Usage: bash src/bench/compare_with_pytorch.sh MODEL.model [tolerance]    (default tolerance 1e-4)
#   e.g. xnor-spec train --head Product --labels SameColour --lr 0.1 --save results/product.model
#        bash src/bench/compare_with_pytorch.sh results/product.model
set -euo pipefail
cd "$(dirname "$0")/../.."
export LC_ALL=C DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
model=${1:?usage: compare_with_pytorch.sh MODEL.model [tolerance]}
tolerance=${2:-1e-4}
python=/usr/bin/python3   # Debian's interpreter, the one python3-torch installs into

if ! "$python" -c "import torch, torchvision" 2>/dev/null; then
  echo "== installing Debian's python3-torch and python3-torchvision"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-torchvision >/dev/null
fi

echo "== building XnorSpec's command line and tools"
if ! build_log=$(dotnet build src/XnorSpec.Tools -v q -nologo 2>&1); then echo "$build_log" >&2; exit 1; fi   # builds src/XnorSpec.Cli too
xnor() { dotnet src/XnorSpec.Cli/bin/Debug/net10.0/xnor-spec.dll "$@"; }
xnor_tools() { dotnet src/XnorSpec.Tools/bin/Debug/net10.0/xnor-spec-tools.dll "$@"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== XnorSpec: check and export $model"
xnor check --model "$model" --out "$work/check.json" || true   # exit 1 only says the model cannot tell same from different
read -r head encoder size < <("$python" -c 'import json, sys; c = json.load(open(sys.argv[1]))["check"]; print(c["head"].lower(), c["encoder"].lower(), c["imageSize"])' "$work/check.json")
if [[ $head != concat && $head != product ]]; then echo "the question's class has the concat and product heads only; this model's is $head" >&2; exit 2; fi
xnor export --model "$model" --out "$work/model.pt"

echo "== PyTorch: the question's TemplateEvaluator on the exported weights"
(cd src/bench && "$python" compare_with_pytorch.py "$work/model.pt" "$head" "$encoder" "$size" "$work/outputs.pt")

echo "== XnorSpec against PyTorch, same weights, same inputs"
xnor_tools compare --model "$model" --outputs "$work/outputs.pt" --tolerance "$tolerance"
