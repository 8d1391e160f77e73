#!/usr/bin/env python3
"""The digits pipeline (train_digits.py) on Fashion-MNIST with a LeNet-size network.

    apt-get install -y dataset-fashion-mnist && python3 Datasets/fashion-mnist/make_fashion_mnist.py
    python3 Datasets/networks/train_fashion_mnist.py        # about 30 minutes on one CPU core

Writes
    Datasets/networks/fashion-mnist-ann-{dense,sparse90,sparse99}.nir           (< 1 MB each, committed)
    Datasets/fashion-mnist/fashion-mnist-test-pgd-eps0.1-{dense,...}.h5          (about 20 MB each, not committed)

Architecture (LeNet-5 with average pooling, no BatchNorm):
    Input[1,28,28] -> Conv2d(1->6, 5x5, pad 2) -> ReLU -> AvgPool2d(2) -> Conv2d(6->16, 5x5) -> ReLU
    -> AvgPool2d(2) -> Flatten -> Linear(400->120) -> ReLU -> Linear(120->84) -> ReLU -> Linear(84->10)

Same recipe as the digits networks (pure PGD adversarial training, l-inf eps 0.1, 7 steps of 0.025, random
start; global magnitude pruning of all conv and linear weights, one shot to 90 %, iterative to 99 %, adversarial
fine-tuning with the mask fixed; PGD-10 evaluation on the 10,000 test images) with fewer epochs, because each
PGD-7 epoch over 60,000 images takes about two minutes on one core.

Options: --threads N (default 1; results are only guaranteed bit-identical with one thread),
         --limit-train N (use the first N training images: a quick smoke test, outputs go to /tmp).
"""
import argparse
import os
import sys
import time

import h5py
import nir
import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import robust_ann as ra  # noqa: E402

SCRIPT = "Datasets/networks/train_fashion_mnist.py"
SEED = 11
ATTACK_SEED = SEED + 1000
RECIPE = ra.Recipe(eps=0.1, train_steps=7, train_alpha=0.025, eval_steps=10, eval_alpha=0.025, batch=128,
                   momentum=0.9, weight_decay=1e-4)
DENSE_EPOCHS, DENSE_LR = 6, 0.05
FT_LR = 0.01
SPARSE90_EPOCHS = 2
SPARSE99_SCHEDULE = [(0.95, 1), (0.98, 1), (0.99, 2)]      # from sparse90
PRUNING_SCORE = "lamp"   # "magnitude": plain global |w|; "lamp": layer-normalised (see robust_ann)
LAYERS = ["conv1", "conv2", "fc1", "fc2", "fc3"]
IF_NODES = ["if1", "if2", "if3", "if4"]

RECIPE_TEXT = (
    f"pure PGD adversarial training (l-inf, eps={RECIPE.eps:g} on [0,1] pixels, {RECIPE.train_steps} steps of "
    f"{RECIPE.train_alpha:g}, uniform random start; cross-entropy on adversarial examples only); SGD momentum "
    f"{RECIPE.momentum:g}, weight decay {RECIPE.weight_decay:g} on weights and biases, batch {RECIPE.batch}, "
    f"cosine learning-rate schedule per stage; dense: {DENSE_EPOCHS} epochs at lr {DENSE_LR:g}; pruning: "
    f"unstructured global magnitude over all conv and linear weights (biases kept); sparse90: one-shot from "
    f"dense to 90% + {SPARSE90_EPOCHS} epochs adversarial fine-tuning at lr {FT_LR:g}; sparse99: iterative from "
    f"sparse90, " + ", ".join(f"{s * 100:g}% + {e} epochs" for s, e in SPARSE99_SCHEDULE)
    + f" at lr {FT_LR:g}; mask fixed during fine-tuning (pruned weights reset to exactly 0.0 after every step)"
)


def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def load_split(data_dir, name):
    path = os.path.join(data_dir, f"fashion-mnist-{name}.h5")
    if not os.path.exists(path):
        sys.exit(f"missing {path}: run apt-get install -y dataset-fashion-mnist && "
                 "python3 Datasets/fashion-mnist/make_fashion_mnist.py")
    with h5py.File(path, "r") as f:
        return torch.from_numpy(f["images"][()]), torch.from_numpy(f["labels"][()])


def snapshot(model):
    copy = build_model()
    copy.load_state_dict(model.state_dict())
    return copy


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default="Datasets/fashion-mnist")
    parser.add_argument("--net-dir", default="Datasets/networks")
    parser.add_argument("--adv-dir", default="Datasets/fashion-mnist")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit-train", type=int, default=0)
    args = parser.parse_args()
    if args.limit_train:
        args.net_dir = args.adv_dir = "/tmp/fashion-mnist-smoke"
        os.makedirs(args.net_dir, exist_ok=True)

    t0 = time.time()

    def log(message):
        print(f"[{time.time() - t0:7.1f}s] {message}", flush=True)

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    x_train, y_train = load_split(args.data_dir, "train")
    x_test, y_test = load_split(args.data_dir, "test")
    if args.limit_train:
        x_train, y_train = x_train[:args.limit_train], y_train[:args.limit_train]
        x_test, y_test = x_test[:1000], y_test[:1000]
    data = (x_train, y_train)
    generator = torch.Generator().manual_seed(SEED)

    model = build_model()
    ra.train(model, data, DENSE_EPOCHS, DENSE_LR, generator, RECIPE, log=log)
    stages = {"dense": (snapshot(model), None, 0.0)}
    log("dense trained")

    masks90 = ra.global_magnitude_masks(model, 0.90, score=PRUNING_SCORE)
    ra.train(model, data, SPARSE90_EPOCHS, FT_LR, generator, RECIPE, masks90, log=log)
    stages["sparse90"] = (snapshot(model), masks90, 0.90)
    log("sparse90 fine-tuned")

    masks = masks90
    for sparsity, epochs in SPARSE99_SCHEDULE:
        masks = ra.global_magnitude_masks(model, sparsity, masks, score=PRUNING_SCORE)
        ra.train(model, data, epochs, FT_LR, generator, RECIPE, masks, log=log)
        log(f"{sparsity:.1%} fine-tuned")
    stages["sparse99"] = (model, masks, 0.99)

    n_test = len(y_test)
    rows = []
    for name, (net, net_masks, target) in stages.items():
        total, nonzero = ra.weight_counts(net)
        if net_masks is not None:
            assert all(bool(((layer.weight != 0) <= m).all()) for layer, m in zip(ra.prunable(net), net_masks))
        clean, robust, x_adv = ra.evaluate(net, x_test, y_test, RECIPE, ATTACK_SEED)
        nir_path = f"{args.net_dir}/fashion-mnist-ann-{name}.nir"
        adv_path = f"{args.adv_dir}/fashion-mnist-test-pgd-eps{RECIPE.eps:g}-{name}.h5"
        per_layer = ra.layer_nonzeros(net, LAYERS)
        metadata = {
            "description": f"Fashion-MNIST example ANN (LeNet-5 size, average pooling) for ANN-to-SNN conversion "
                           f"({name}); IF nodes mark the ReLU sites (r=1, v_threshold=1 placeholder to be "
                           "calibrated, v_reset=0); the ANN is this graph with every IF replaced by ReLU",
            "dataset": f"Datasets/fashion-mnist (Zalando Fashion-MNIST, pixels in [0,1], {len(y_train)} train / "
                       f"{n_test} test)",
            "clean_accuracy": float(clean),
            "pgd_robust_accuracy": float(robust),
            "pgd_epsilon": float(RECIPE.eps),
            "pgd_steps": int(RECIPE.eval_steps),
            "pgd_step_size": float(RECIPE.eval_alpha),
            "robust_evaluation": RECIPE.describe_eval(f"the {n_test} Fashion-MNIST test images"),
            "sparsity": float(1.0 - nonzero / total),
            "target_sparsity": float(target),
            "weights": int(total),
            "nonzero_weights": int(nonzero),
            "nonzero_per_layer": per_layer,
            "pruning": "none" if target == 0 else "unstructured global magnitude over conv and linear weights",
            "training_recipe": RECIPE_TEXT,
            "relu_p99_7_train": np.array(ra.relu_percentiles(net, x_train[:10000]), dtype=np.float64),
            "relu_p99_7_train_nodes": ", ".join(IF_NODES) + ": 99.7th percentile of the ANN's ReLU output on "
                                      "the first 10,000 clean training images (a data-based threshold hint; "
                                      "not used here)",
            "script": SCRIPT,
            "seed": int(SEED),
            "attack_seed": int(ATTACK_SEED),
            "torch_version": torch.__version__,
            "adversarial_test_set": adv_path,
        }
        nir.write(nir_path, ra.to_nir(net, (1, 28, 28), metadata))
        ra.write_adversarial_set(adv_path, x_adv, y_test, {
            "source": "Datasets/fashion-mnist/fashion-mnist-test.h5 (Fashion-MNIST, Zalando Research), "
                      "perturbed by PGD",
            "license": "derived from Fashion-MNIST: MIT (Expat), Copyright 2017 Zalando SE",
            "attack": f"PGD l-inf, {RECIPE.eval_steps} steps, step size {RECIPE.eval_alpha:g}, one uniform "
                      f"random start, untargeted cross-entropy, clipped to [0,1]; white-box against the ANN "
                      f"view (ReLU at every IF site) of the target network",
            "epsilon": f"{RECIPE.eps:g}",
            "steps": str(RECIPE.eval_steps),
            "step_size": f"{RECIPE.eval_alpha:g}",
            "target_network": nir_path,
            "robust_accuracy": f"{robust:.6f}",
            "preprocessing": "pixels in [0,1] as in fashion-mnist-test.h5; same order and labels",
            "created_by": SCRIPT,
            "seed": str(ATTACK_SEED),
        })
        diff, adv_diff, np_robust = ra.verify(nir_path, net, x_test, y_test, x_adv, clean, robust, RECIPE)
        rows.append((name, nonzero, total, clean, robust, np_robust, diff, adv_diff, per_layer))
        log(f"{name} exported and verified")

    print(f"\nnetwork | non-zero weights | sparsity | clean acc | PGD-{RECIPE.eval_steps} acc (eps "
          f"{RECIPE.eps:g}) | numpy robust acc | max |logit diff| clean / adv")
    for name, nonzero, total, clean, robust, np_robust, diff, adv_diff, per_layer in rows:
        print(f"{name} | {nonzero} / {total} | {1 - nonzero / total:.4f} | {clean:.4f} | {robust:.4f} | "
              f"{np_robust:.4f} | {diff:.2e} / {adv_diff:.2e}   [{per_layer}]")
    print(f"\ntotal time {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
