#!/usr/bin/env python3
"""Converts Fashion-MNIST from Debian's `dataset-fashion-mnist` package to NeuroCost's HDF5 layout.

    apt-get install -y dataset-fashion-mnist && python3 Datasets/fashion-mnist/make_fashion_mnist.py [OUTPUT_DIR]

Reads the four IDX files (gzip) that the package installs in /usr/share/datasets/fashion-mnist
(override with the environment variable FASHION_MNIST_DIR) and writes, into OUTPUT_DIR
(default: Datasets/fashion-mnist), fashion-mnist-train.h5 (60,000 images) and fashion-mnist-test.h5
(10,000 images), in the original order of the IDX files:

  images  float32 (N, 1, 28, 28)  values in [0, 1]  (uint8 pixel / 255)
  labels  int64   (N,)            0..9: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt,
                                  Sneaker, Bag, Ankle boot
  root attributes (UTF-8 strings): source, license, preprocessing, classes, created_by, ...

The files are about 78 MB (train) and 13 MB (test) and are not committed (see .gitignore). Output is deterministic.
"""
import gzip
import os
import sys

import h5py
import numpy as np

PACKAGE_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
SCRIPT = "Datasets/fashion-mnist/make_fashion_mnist.py"
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
           "Ankle boot"]
SOURCE = ("Fashion-MNIST by Zalando Research (Xiao, Rasul & Vollgraf 2017, arXiv:1708.07747), "
          "github.com/zalandoresearch/fashion-mnist; read from the Debian package dataset-fashion-mnist")
LICENSE = "MIT (Expat), Copyright 2017 Zalando SE; see /usr/share/doc/dataset-fashion-mnist/copyright"
PREPROCESSING = ("IDX uint8 images (N, 28, 28) divided by 255.0 in float32 and reshaped to (N, 1, 28, 28); "
                 "IDX uint8 labels cast to int64; original order and original train/test split kept")


def read_idx(path):
    """Reads a gzip-compressed IDX file (big-endian header; data type 0x08 = unsigned byte)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = data[0] * 256 + data[1], data[2], data[3]
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if array.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {array.size} bytes of data for shape {shape}")
    return array.reshape(shape)


def write(path, images, labels, split, files):
    string = h5py.string_dtype(encoding="utf-8")
    n = len(labels)
    with h5py.File(path, "w") as f:
        f.create_dataset("images", data=images, dtype=np.float32, chunks=(min(n, 1000), 1, 28, 28),
                         compression="gzip", compression_opts=6, shuffle=True)
        f.create_dataset("labels", data=labels, dtype=np.int64, chunks=labels.shape,
                         compression="gzip", compression_opts=9, shuffle=True)
        attrs = {
            "source": SOURCE,
            "license": LICENSE,
            "preprocessing": PREPROCESSING,
            "split": f"{split}: {n} images ({files[0]}, {files[1]})",
            "classes": ", ".join(f"{i}={name}" for i, name in enumerate(CLASSES)),
            "created_by": SCRIPT,
        }
        for key, value in attrs.items():
            f.attrs.create(key, value, dtype=string)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "Datasets/fashion-mnist"
    os.makedirs(out_dir, exist_ok=True)
    for split, prefix, count in (("train", "train", 60000), ("test", "t10k", 10000)):
        files = (f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz")
        paths = [os.path.join(PACKAGE_DIR, name) for name in files]
        missing = [p for p in paths if not os.path.exists(p)]
        if missing:
            sys.exit(f"missing {missing[0]}: run `apt-get install -y dataset-fashion-mnist` "
                     "(or set FASHION_MNIST_DIR)")
        raw_images, raw_labels = read_idx(paths[0]), read_idx(paths[1])
        assert raw_images.shape == (count, 28, 28) and raw_labels.shape == (count,), raw_images.shape
        images = (raw_images.astype(np.float32) / np.float32(255.0)).reshape(count, 1, 28, 28)
        labels = raw_labels.astype(np.int64)
        assert labels.max() == 9
        path = os.path.join(out_dir, f"fashion-mnist-{split}.h5")
        write(path, images, labels, split, files)
        print(f"wrote {path}: {count} images, per class {np.bincount(labels, minlength=10).tolist()}")


if __name__ == "__main__":
    main()
