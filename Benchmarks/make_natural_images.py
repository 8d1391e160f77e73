#!/usr/bin/env python3
"""Writes N synthetic "natural-ish" images (smoothed noise, fixed seed) as a NeuroCost data file.

Usage: python3 Benchmarks/make_natural_images.py OUT.h5 [--count N] [--shape C H W] [--seed S]
Smoothing makes neighbouring pixels correlated like photographs, so a CNN's spike statistics look less
like white noise. Values are k/256 for k in 0..255 (8-bit pixels): exact in float32, so that sums of their
products with power-of-two-scaled 8-bit weights are exact in any order (see make_workloads.py).
"""
import argparse

import h5py
import numpy as np


def smoothed_noise(count, shape=(3, 32, 32), seed=2025):
    """(count, C, H, W) float32 images with values k/256, k in 0..255."""
    rng = np.random.default_rng(seed)
    channels, height, width = shape
    images = rng.random((count, channels, height, width))
    for _ in range(3):  # three passes of a 3x3 box blur (edges wrap), then rescale each image to [0, 1]
        images = sum(np.roll(np.roll(images, dy, axis=2), dx, axis=3) for dy in (-1, 0, 1) for dx in (-1, 0, 1)) / 9
    low = images.min(axis=(1, 2, 3), keepdims=True)
    high = images.max(axis=(1, 2, 3), keepdims=True)
    return (np.round((images - low) / (high - low) * 255) / 256).astype(np.float32)


def write_images(path, images, seed):
    with h5py.File(path, "w") as f:
        f.create_dataset("images", data=images, compression="gzip")
        f.create_dataset("labels", data=np.zeros(len(images), dtype=np.int64))
        f.attrs["source"] = f"synthetic smoothed noise, seed {seed}"
        f.attrs["preprocessing"] = ("uniform noise, three 3x3 box blurs with wrap-around, per-image min-max, "
                                    "8-bit levels k/256")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=64)
    parser.add_argument("--shape", type=int, nargs=3, default=[3, 32, 32], metavar=("C", "H", "W"))
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    write_images(args.out, smoothed_noise(args.count, tuple(args.shape), args.seed), args.seed)
