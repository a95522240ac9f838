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
#
# With --real-images, the quick real-image setting instead (SmallCnn encoders, product head, batch 32,
# 640 pairs an epoch of 28x28 Fashion-MNIST from fixtures/fashion-mnist, SGD lr 0.1 momentum 0.9, 11
# epochs, the first not timed), both on one thread, as XnorSpec's trainer runs SmallCnn: PyTorch runs
# src/bench/real_images_timed.py, XnorSpec `xnor-spec-tools bench --real-images-only`. Rounds alternate the
# two, each printing the load average; a third run per round is XnorSpec with glibc's heap thresholds
# fixed (MALLOC_TRIM_THRESHOLD_, MALLOC_MMAP_THRESHOLD_), a diagnosis of the page faults that limit it.
# Prints pairs per second and the ratio ours / theirs (above 1 when XnorSpec is faster).
#        bash src/bench/side-by-side.sh --real-images [rounds]       (default: 3 rounds; about 40 s each)
set -euo pipefail
cd "$(dirname "$0")/../.."
export LC_ALL=C DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1   # decimal points, whatever the locale
real_images=false
if [ "${1:-}" = "--real-images" ]; then real_images=true; shift; fi
batch=${1:-10}
epochs=${2:-4}
rounds=${1:-3}
if $real_images && ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then echo "rounds must be a whole number of 1 or more, not '$rounds'" >&2; exit 2; fi
if ! $real_images && [ "$epochs" -lt 2 ]; then echo "epochs must be 2 or more: the first epoch (warm-up) is not timed" >&2; exit 2; fi
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

echo "== building XnorSpec's command line and tools"
if ! build_log=$(dotnet build src/XnorSpec.Tools -v q -nologo 2>&1); then echo "$build_log" >&2; exit 1; fi   # builds src/XnorSpec.Cli too

# Passes a program's output through, each line also copied to stderr as it comes (`tee /dev/stderr`
# would reopen, and so truncate, a log file both streams are redirected to).
relay() { local line; while IFS= read -r line || [ -n "$line" ]; do printf '%s\n' "$line" >&2; printf '%s\n' "$line"; done; }

# A figure that is not a positive number means a log's format changed: stop rather than print a wrong ratio.
require_seconds() {
  if ! [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || ! awk -v x="$2" 'BEGIN { exit !(x > 0) }'; then
    echo "could not read the seconds per epoch of $1 (read '$2')" >&2; exit 1
  fi
}

# The quick real-image setting, rounds of PyTorch and XnorSpec alternated; ratios ours / theirs.
real_image_rounds() {
  local out round theirs ours ours_faults kept kept_faults version
  out=$(mktemp -d)
  trap "rm -rf '$out'" EXIT
  # XnorSpec's figure and page faults a step from bench.json (read by Debian's python3; "NaN" is a string there).
  figure() { "$python" -c 'import json, sys; t = json.load(open(sys.argv[1]))["realImages"]["training"]; print(t["pairsPerSecond"], t["pageFaultsPerStep"])' "$1"; }
  ours_run() {
    dotnet src/XnorSpec.Tools/bin/Debug/net10.0/xnor-spec-tools.dll bench --real-images-only --out "$out/$1" | grep --line-buffered -E "real-image epoch|training, quick" >&2 || true
    figure "$out/$1/bench.json"
  }
  median() { sort -n | awk '{ d[++n] = $1 } END { if (n) printf "%.2f", (n % 2) ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2 }'; }
  version=$("$python" -c 'import torch; print(torch.__version__)')
  echo "== $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; PyTorch $version (Debian's), XnorSpec on TorchSharp; both on 1 thread"
  for round in $(seq 1 "$rounds"); do
    echo "== round $round of $rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    theirs=$("$python" src/bench/real_images_timed.py 11 1 | relay | sed -n 's/^pairs_per_second //p')
    require_positive "PyTorch's pairs per second" "$theirs"
    read -r ours ours_faults < <(ours_run "ours-$round")
    require_positive "XnorSpec's pairs per second" "$ours"
    echo "== XnorSpec again, glibc's heap thresholds fixed (MALLOC_TRIM_THRESHOLD_, MALLOC_MMAP_THRESHOLD_): a diagnosis, not what train does"
    read -r kept kept_faults < <(MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_MMAP_THRESHOLD_=33554432 ours_run "kept-$round")
    require_positive "XnorSpec's pairs per second with the heap kept" "$kept"
    echo "$theirs $ours $ours_faults $kept $kept_faults $(cut -d' ' -f1 /proc/loadavg)" >> "$out/rounds"
  done
  echo
  echo "quick real-image setting, pairs per second over epochs 2 to 11; ratio: ours / theirs, above 1 when XnorSpec is faster"
  printf '  %5s %9s %9s %6s %12s   %s\n' round PyTorch XnorSpec ratio faults/step "XnorSpec, heap kept: pairs/s ratio faults/step"
  awk '{ printf "  %5d %9.0f %9.0f %6.2f %12s   %9.0f %6.2f %12s   (load %s after)\n", NR, $1, $2, $2 / $1, $3, $4, $4 / $1, $5, $6 }' "$out/rounds"
  echo "  median ratio $(awk '{ print $2 / $1 }' "$out/rounds" | median); heap kept $(awk '{ print $4 / $1 }' "$out/rounds" | median)"
}

require_positive() {
  if ! [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || ! awk -v x="$2" 'BEGIN { exit !(x > 0) }'; then
    echo "could not read $1 (read '$2')" >&2; exit 1
  fi
}

if $real_images; then real_image_rounds; exit 0; fi

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
