#!/usr/bin/env bash
# The question's PyTorch program (Debian's python3-torch) and XnorSpec's trainer on the same settings
# (two ResNet18, 3x128x128, 100 pairs, SGD lr 0.001 momentum 0.01, CPU), one after the other on this
# machine; prints seconds per epoch of each and the ratios. The question's program runs as written,
# on PyTorch's default thread count (Debian's build defaults to one thread), and again with
# OMP_NUM_THREADS set to XnorSpec's count, so the second ratio compares the two libraries on equal
# cores (skipped when the two counts are already equal). Installs python3-torch and
# python3-torchvision with apt when missing (needs root): run it by hand, never in CI.
#
# Usage: bash src/bench/side-by-side.sh [batch_size] [epochs]     (defaults: 10 and 4; about 4 minutes)
#        XNORSPEC_THREADS=N sets XnorSpec's thread count (default: every core) and so the second run's.
set -euo pipefail
cd "$(dirname "$0")/../.."
export LC_ALL=C DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1   # decimal points, whatever the locale
batch=${1:-10}
epochs=${2:-4}
if [ "$epochs" -lt 2 ]; then echo "epochs must be 2 or more: the first epoch (warm-up) is not timed" >&2; exit 2; fi
python=/usr/bin/python3   # Debian's interpreter, the one python3-torch installs into

# Thread settings inherited from the shell would change the run "as written" (and nproc) unseen.
unset OMP_NUM_THREADS OMP_THREAD_LIMIT OPENBLAS_NUM_THREADS MKL_NUM_THREADS
threads=${XNORSPEC_THREADS:-$(nproc)}
if ! [[ $threads =~ ^[1-9][0-9]*$ ]]; then echo "XNORSPEC_THREADS must be a whole number of 1 or more, not '$threads'" >&2; exit 2; fi
export XNORSPEC_THREADS=$threads

if ! "$python" -c "import torch, torchvision" 2>/dev/null; then
  echo "== installing Debian's python3-torch and python3-torchvision"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-torchvision >/dev/null
fi

echo "== building XnorSpec's command line"
if ! build_log=$(dotnet build src/XnorSpec.Cli -v q -nologo 2>&1); then echo "$build_log" >&2; exit 1; fi

# Passes a program's output through, each line also copied to stderr as it comes (`tee /dev/stderr`
# would reopen, and so truncate, a log file both streams are redirected to).
relay() { local line; while IFS= read -r line || [ -n "$line" ]; do printf '%s\n' "$line" >&2; printf '%s\n' "$line"; done; }

# A figure that is not a positive number means a log's format changed: stop rather than print a wrong ratio.
require_seconds() {
  if ! [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || ! awk -v x="$2" 'BEGIN { exit !(x > 0) }'; then
    echo "could not read the seconds per epoch of $1 (read '$2')" >&2; exit 1
  fi
}

question() { "$python" src/bench/question_timed.py "$batch" "$epochs" | relay | sed -n 's/^seconds_per_epoch //p'; }

default_threads=$("$python" -c 'import torch; print(torch.get_num_threads())')
version=$("$python" -c 'import torch; print(torch.__version__)')
echo "== the question's program as written (PyTorch $version, its default: $default_threads thread(s))"
theirs_default=$(question)
require_seconds "the question's program" "$theirs_default"
if [ "$default_threads" != "$threads" ]; then
  echo "== the question's program on $threads thread(s), as XnorSpec (OMP_NUM_THREADS=$threads)"
  theirs_equal=$(OMP_NUM_THREADS=$threads question)
  require_seconds "the question's program on $threads threads" "$theirs_equal"
fi

echo "== XnorSpec's trainer (TorchSharp, $threads thread(s))"
# Plain output prints the cumulative time at each epoch's end: take the differences, median after the first.
ours=$(dotnet src/XnorSpec.Cli/bin/Debug/net10.0/xnor-spec.dll train --batch-size "$batch" --epochs "$epochs" | relay \
  | sed -nE 's/.*epoch [0-9]+\/[0-9]+: .*, ([0-9.]+) s$/\1/p' \
  | awk 'NR > 1 { print $1 - prev } { prev = $1 }' | sort -n \
  | awk '{ d[++n] = $1 } END { if (n) printf "%.3f", (n % 2) ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2 }')
require_seconds "XnorSpec's trainer" "$ours"

ratio() { awk -v a="$1" -v b="$ours" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "batch size $batch, seconds per epoch (median of epochs 2 to $epochs); ratio: theirs / ours, above 1 when XnorSpec is faster"
printf '  %-46s %8s s\n' "XnorSpec, $threads thread(s)" "$ours"
printf '  %-46s %8s s   ratio %s\n' "question's program, its default $default_threads thread(s)" "$theirs_default" "$(ratio "$theirs_default")"
if [ "$default_threads" != "$threads" ]; then
  printf '  %-46s %8s s   ratio %s\n' "question's program, $threads thread(s) like XnorSpec" "$theirs_equal" "$(ratio "$theirs_equal")"
fi
