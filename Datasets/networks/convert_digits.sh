#!/usr/bin/env bash
# Converts the three digits ANNs (dense, 90% and 99% sparse) to SNNs with `neurocost convert`:
# data-based thresholds at the 99.9th percentile of each IF's positive input currents on the digits
# training set, folded into the next layer's weights. Writes Datasets/networks/digits-snn-*.nir.
# Usage: bash Datasets/networks/convert_digits.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release >/dev/null
for variant in dense sparse90 sparse99; do
    .build/release/neurocost convert "Datasets/networks/digits-ann-$variant.nir" \
        --data Datasets/digits/digits-train.h5 --out "Datasets/networks/digits-snn-$variant.nir" \
        --percentile 99.9 --timesteps 32 --force
done
