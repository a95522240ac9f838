#!/usr/bin/env bash
# The question's PyTorch program (Debian's python3-torch) and XnorSpec's trainer on the same settings
# (two ResNet18, 3x128x128, 100 pairs, SGD lr 0.001 momentum 0.01, CPU), one after the other on this
# machine; prints seconds per epoch of each and the ratio. Installs python3-torch and
# python3-torchvision with apt when missing (needs root): run it by hand, never in CI.
#
# Usage: bash src/bench/side-by-side.sh [batch_size] [epochs]     (defaults: 10 and 4; about 2 minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."
export LC_ALL=C DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1   # decimal points, whatever the locale
batch=${1:-10}
epochs=${2:-4}
if [ "$epochs" -lt 2 ]; then echo "epochs must be 2 or more: the first epoch (warm-up) is not timed" >&2; exit 2; fi
python=/usr/bin/python3   # Debian's interpreter, the one python3-torch installs into

if ! "$python" -c "import torch, torchvision" 2>/dev/null; then
  echo "== installing Debian's python3-torch and python3-torchvision"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-torchvision >/dev/null
fi

echo "== the question's program (PyTorch $("$python" -c 'import torch; print(torch.__version__)'))"
theirs=$("$python" src/bench/question_timed.py "$batch" "$epochs" | tee /dev/stderr | sed -n 's/^seconds_per_epoch //p')

echo "== XnorSpec's trainer (TorchSharp)"
dotnet build src/XnorSpec.Cli -v q -nologo | grep -E "error" && exit 1
# Plain output prints the cumulative time at each epoch's end: take the differences, median after the first.
ours=$(dotnet src/XnorSpec.Cli/bin/Debug/net10.0/xnor-spec.dll train --batch-size "$batch" --epochs "$epochs" | tee /dev/stderr \
  | sed -nE 's/.*epoch [0-9]+\/[0-9]+: .*, ([0-9.]+) s$/\1/p' \
  | awk 'NR > 1 { print $1 - prev } { prev = $1 }' | sort -n \
  | awk '{ d[++n] = $1 } END { printf "%.3f", (n % 2) ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2 }')

echo
echo "batch size $batch: question's program ${theirs} s/epoch, XnorSpec ${ours} s/epoch, XnorSpec is $(awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "%.2f", a / b }')x faster"
