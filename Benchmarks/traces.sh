#!/usr/bin/env bash
# Spike tracing cost and memory: the dense VGG-16 (about 115,000 spikes per image at T = 8) over IMAGES images,
# with tracing off and on, reporting time, events recorded, events per second and peak resident memory.
# Usage: bash Benchmarks/traces.sh [IMAGES] [THREADS]     (defaults: 440 images ≈ 50 million events, all cores)
set -euo pipefail
cd "$(dirname "$0")/.."
images=${1:-440}
threads=${2:-$(nproc)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

swift build -c release >/dev/null
python3 Tests/Fixtures/make_fixtures.py "$work" --only vgg16_dense >/dev/null
python3 Benchmarks/make_natural_images.py "$work/calibration.h5" --count 32
python3 Benchmarks/make_natural_images.py "$work/images.h5" --count "$images" --seed 7
.build/release/neurocost convert "$work/vgg16_dense.nir" --data "$work/calibration.h5" --out "$work/snn.nir" \
    --timesteps 8 --threads "$threads" >/dev/null
for mode in off on; do
    flags=()
    [ "$mode" = on ] && flags=(--trace spikes)
    /usr/bin/time -f "peak resident memory: %M KB" -o "$work/time_$mode.txt" \
        .build/release/neurocost run "$work/snn.nir" --data "$work/images.h5" --timesteps 8 --threads "$threads" \
        --out "$work/run_$mode.h5" --quiet "${flags[@]}" > "$work/out_$mode.txt"
    echo "== tracing $mode: $(grep 'simulated in' "$work/out_$mode.txt")"
    cat "$work/time_$mode.txt"
done
python3 - "$work/run_on.h5" <<'PY'
import sys, h5py, os
with h5py.File(sys.argv[1], "r") as f:
    events = sum(f["traces/spikes"][node]["neuron"].shape[0] for node in f["traces/spikes"])
    print(f"events recorded: {events:,}; results file {os.path.getsize(sys.argv[1]) / 1e6:.1f} MB "
          f"({os.path.getsize(sys.argv[1]) / events:.2f} bytes per event)")
PY
