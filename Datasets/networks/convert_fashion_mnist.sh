#!/usr/bin/env bash
# Converts the three Fashion-MNIST ANNs to SNNs with `neurocost convert` (data-based thresholds at the 99.9th
# percentile on the first 5,000 training images). Needs the Fashion-MNIST files first:
#   apt-get install -y dataset-fashion-mnist && python3 Datasets/fashion-mnist/make_fashion_mnist.py
# Usage: bash Datasets/networks/convert_fashion_mnist.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release >/dev/null
for variant in dense sparse90 sparse99; do
    .build/release/neurocost convert "Datasets/networks/fashion-mnist-ann-$variant.nir" \
        --data Datasets/fashion-mnist/fashion-mnist-train.h5 --limit 5000 \
        --out "Datasets/networks/fashion-mnist-snn-$variant.nir" --percentile 99.9 --timesteps 32 --force
done
