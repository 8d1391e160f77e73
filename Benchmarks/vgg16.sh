#!/usr/bin/env bash
# Throughput of the reference paper's VGG-16 (CIFAR-10, HYDRA variant) at T = 8, dense and 99% sparse.
# Usage: bash Benchmarks/vgg16.sh [IMAGES] [THREADS]     (defaults: 32 images, all cores)
# Builds release, writes both networks with random weights (Tests/Fixtures/make_fixtures.py), converts them on
# synthetic smoothed-noise images (data-based thresholds, 99.9th percentile), then times `neurocost run`.
set -euo pipefail
cd "$(dirname "$0")/.."
images=${1:-32}
threads=${2:-$(nproc)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

swift build -c release >/dev/null
python3 Tests/Fixtures/make_fixtures.py "$work" --only vgg16_sparse vgg16_dense >/dev/null
python3 Benchmarks/make_natural_images.py "$work/images.h5" --count "$images"
for variant in dense sparse; do
    .build/release/neurocost convert "$work/vgg16_$variant.nir" --data "$work/images.h5" --out "$work/snn_$variant.nir" \
        --timesteps 8 --threads "$threads" >/dev/null
    echo "== VGG-16 $variant, T = 8, $images images, $threads threads"
    .build/release/neurocost run "$work/snn_$variant.nir" --data "$work/images.h5" --timesteps 8 --threads "$threads" \
        --out "$work/run_$variant.h5" --quiet | grep -E "^total|simulated in"
done
