#!/usr/bin/env python3
"""Writes the bundled 8x8 digits data set: Datasets/digits/digits-train.h5 and digits-test.h5.

Source: scikit-learn's `load_digits` (the test part of the UCI ML "Optical Recognition of Handwritten Digits"
data set, 1,797 images of 8x8 pixels with values 0..16). Pixels are divided by 16 so that they lie in
[0, 1] (float32), and the images are split 1,347 / 450 (train / test), stratified by label, with a fixed
seed. The output is byte-for-byte deterministic for the pinned versions in Datasets/requirements.txt.

Usage: python3 Datasets/digits/make_digits.py [OUTPUT_DIR]     (default: Datasets/digits)

Layout of each file:
  images  float32 (N, 1, 8, 8)   values in [0, 1]  (channel, row, column; row 0 is the top of the image)
  labels  int64   (N,)           0..9
  root attributes (UTF-8 strings): source, license, preprocessing, split_seed, created_by, ...
"""
import os
import sys

import h5py
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

SPLIT_SEED = 0
TEST_SIZE = 450
SCRIPT = "Datasets/digits/make_digits.py"

SOURCE = "scikit-learn load_digits (UCI ML hand-written digits, Alpaydin & Kaynak 1998)"
LICENSE = ("Data: UCI Machine Learning Repository, 'Optical Recognition of Handwritten Digits' "
           "(E. Alpaydin, C. Kaynak, 1998), licensed CC BY 4.0 according to the UCI repository "
           "(dataset 80, archive.ics.uci.edu/dataset/80); scikit-learn ships its 1,797-image test part. "
           "The loader (scikit-learn) is BSD-3-Clause.")
PREPROCESSING = ("sklearn.datasets.load_digits().images (float64, integer values 0..16) divided by 16.0, "
                 "cast to float32, reshaped to (N, 1, 8, 8); labels = load_digits().target cast to int64; "
                 f"split with sklearn.model_selection.train_test_split(test_size={TEST_SIZE}, "
                 f"random_state={SPLIT_SEED}, shuffle=True, stratify=labels); "
                 "within each split, samples keep the order train_test_split returns")


def write(path, images, labels, split):
    string = h5py.string_dtype(encoding="utf-8")
    with h5py.File(path, "w", track_order=False) as f:
        f.create_dataset("images", data=images, dtype=np.float32, chunks=images.shape,
                         compression="gzip", compression_opts=9, shuffle=True)
        f.create_dataset("labels", data=labels, dtype=np.int64, chunks=labels.shape,
                         compression="gzip", compression_opts=9, shuffle=True)
        attrs = {
            "source": SOURCE,
            "license": LICENSE,
            "preprocessing": PREPROCESSING,
            "split": f"{split}: {len(labels)} of 1797 images",
            "split_seed": str(SPLIT_SEED),
            "created_by": SCRIPT,
        }
        for key, value in attrs.items():
            f.attrs.create(key, value, dtype=string)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "Datasets/digits"
    os.makedirs(out_dir, exist_ok=True)
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    labels = digits.target.astype(np.int64)
    assert images.shape == (1797, 1, 8, 8) and images.min() == 0.0 and images.max() == 1.0
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=TEST_SIZE, random_state=SPLIT_SEED, shuffle=True, stratify=labels)
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        path = os.path.join(out_dir, f"digits-{split}.h5")
        write(path, np.ascontiguousarray(x), np.ascontiguousarray(y), split)
        counts = np.bincount(y, minlength=10)
        print(f"wrote {path}: {len(y)} images, per class {counts.tolist()}")


if __name__ == "__main__":
    main()
