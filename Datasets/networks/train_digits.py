#!/usr/bin/env python3
"""Trains, prunes and exports the bundled digits example ANNs (NIR), and PGD test sets against them.

A small-scale version of the seed paper's ANN stages (robust dense ANN -> robust magnitude pruning ->
sparse adversarial fine-tuning with a fixed mask), on the 8x8 scikit-learn digits:

    python3 Datasets/digits/make_digits.py          # only if Datasets/digits/digits-{train,test}.h5 are missing
    python3 Datasets/networks/train_digits.py       # 80-105 s on one CPU core

Writes
    Datasets/networks/digits-ann-{dense,sparse90,sparse99}.nir
    Datasets/digits/digits-test-pgd-eps0.1-{dense,sparse90,sparse99}.h5
and prints the accuracy table recorded in Datasets/networks/README.md.

Architecture (the SNN tooling relies on it; keep it exactly):
    Input[1,8,8] -> Conv2d(1->16, 3x3, pad 1) -> ReLU -> AvgPool2d(2) -> Conv2d(16->32, 3x3, pad 1) -> ReLU
    -> AvgPool2d(2) -> Flatten -> Linear(128->64) -> ReLU -> Linear(64->10)
In the NIR files every ReLU site is an IF population (r = 1, v_threshold = 1 as a placeholder until the
thresholds are calibrated, v_reset = 0) of the full activation shape.

Recipe: pure PGD adversarial training (Madry et al.: every training batch is replaced by its PGD examples,
no clean term), l-inf eps = 0.1 on [0, 1] pixels, 7 steps of 0.025, uniform random start; SGD with momentum.
Pruning is unstructured and global by magnitude over all conv and linear weights (biases are not pruned):
one shot from the dense network to 90 %, then iterative from the 90 % network to 99 % (SPARSE99_SCHEDULE),
each step followed by adversarial fine-tuning with the mask fixed (pruned weights are reset to exactly 0.0
after every update). Robust accuracy: PGD-10, step 2.5 eps / 10 = 0.025, one random start (the paper's ANN
evaluation), on the 450 digits test images.

Deterministic: torch.manual_seed, one thread, torch.use_deterministic_algorithms(True), seeded generators
for shuffling and attack starts. Output files are byte-identical between runs on one machine; another CPU
or torch build may differ in the last bits of float32 arithmetic.
"""
import os
import sys
import time

import h5py
import nir
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import robust_ann as ra  # noqa: E402

SCRIPT = "Datasets/networks/train_digits.py"
DATA_DIR = "Datasets/digits"
NET_DIR = "Datasets/networks"
SEED = 7
ATTACK_SEED = SEED + 1000
RECIPE = ra.Recipe(eps=0.1, train_steps=7, train_alpha=0.025, eval_steps=10, eval_alpha=0.025, batch=64,
                   momentum=0.9, weight_decay=1e-4)
DENSE_EPOCHS, DENSE_LR = 100, 0.05
FT_LR = 0.02
SPARSE90_EPOCHS = 40
SPARSE99_SCHEDULE = [(0.93, 10), (0.95, 10), (0.97, 10), (0.98, 10), (0.985, 10), (0.99, 50)]  # from sparse90
PRUNING_SCORE = "magnitude"   # "magnitude": plain global |w|; "lamp": layer-normalised (see robust_ann)
LAYERS = ["conv1", "conv2", "fc1", "fc2"]
IF_NODES = ["if1", "if2", "if3"]

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
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(128, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )


def load_split(name):
    with h5py.File(os.path.join(DATA_DIR, f"digits-{name}.h5"), "r") as f:
        return torch.from_numpy(f["images"][()]), torch.from_numpy(f["labels"][()])


def snapshot(model):
    copy = build_model()
    copy.load_state_dict(model.state_dict())
    return copy


def main():
    t0 = time.time()
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    for name in ("train", "test"):
        if not os.path.exists(os.path.join(DATA_DIR, f"digits-{name}.h5")):
            sys.exit(f"missing {DATA_DIR}/digits-{name}.h5: run python3 Datasets/digits/make_digits.py")
    x_train, y_train = load_split("train")
    x_test, y_test = load_split("test")
    data = (x_train, y_train)
    generator = torch.Generator().manual_seed(SEED)

    model = build_model()
    ra.train(model, data, DENSE_EPOCHS, DENSE_LR, generator, RECIPE)
    stages = {"dense": (snapshot(model), None, 0.0)}
    print(f"[{time.time() - t0:5.1f}s] dense trained")

    masks90 = ra.global_magnitude_masks(model, 0.90, score=PRUNING_SCORE)
    ra.train(model, data, SPARSE90_EPOCHS, FT_LR, generator, RECIPE, masks90)
    stages["sparse90"] = (snapshot(model), masks90, 0.90)
    print(f"[{time.time() - t0:5.1f}s] sparse90 fine-tuned")

    masks = masks90
    for sparsity, epochs in SPARSE99_SCHEDULE:
        masks = ra.global_magnitude_masks(model, sparsity, masks, score=PRUNING_SCORE)
        ra.train(model, data, epochs, FT_LR, generator, RECIPE, masks)
    stages["sparse99"] = (model, masks, 0.99)
    print(f"[{time.time() - t0:5.1f}s] sparse99 fine-tuned")

    rows = []
    for name, (net, net_masks, target) in stages.items():
        total, nonzero = ra.weight_counts(net)
        if net_masks is not None:   # every non-zero weight lies inside the mask
            assert all(bool(((layer.weight != 0) <= m).all()) for layer, m in zip(ra.prunable(net), net_masks))
        clean, robust, x_adv = ra.evaluate(net, x_test, y_test, RECIPE, ATTACK_SEED)
        nir_path = f"{NET_DIR}/digits-ann-{name}.nir"
        adv_path = f"{DATA_DIR}/digits-test-pgd-eps{RECIPE.eps:g}-{name}.h5"
        per_layer = ra.layer_nonzeros(net, LAYERS)
        metadata = {
            "description": f"digits example ANN for ANN-to-SNN conversion ({name}); IF nodes mark the ReLU "
                           "sites (r=1, v_threshold=1 placeholder to be calibrated, v_reset=0); the ANN is "
                           "this graph with every IF replaced by ReLU",
            "dataset": "Datasets/digits (scikit-learn 8x8 digits, pixels in [0,1], 1347 train / 450 test)",
            "clean_accuracy": float(clean),
            "pgd_robust_accuracy": float(robust),
            "pgd_epsilon": float(RECIPE.eps),
            "pgd_steps": int(RECIPE.eval_steps),
            "pgd_step_size": float(RECIPE.eval_alpha),
            "robust_evaluation": RECIPE.describe_eval("the 450 digits test images"),
            "sparsity": float(1.0 - nonzero / total),
            "target_sparsity": float(target),
            "weights": int(total),
            "nonzero_weights": int(nonzero),
            "nonzero_per_layer": per_layer,
            "pruning": "none" if target == 0 else "unstructured global magnitude over conv and linear weights",
            "training_recipe": RECIPE_TEXT,
            "relu_p99_7_train": ra.np.array(ra.relu_percentiles(net, x_train), dtype=ra.np.float64),
            "relu_p99_7_train_nodes": ", ".join(IF_NODES) + ": 99.7th percentile of the ANN's ReLU output on "
                                      "the clean training images (a data-based threshold hint; not used here)",
            "script": SCRIPT,
            "seed": int(SEED),
            "attack_seed": int(ATTACK_SEED),
            "torch_version": torch.__version__,
            "adversarial_test_set": adv_path,
        }
        nir.write(nir_path, ra.to_nir(net, (1, 8, 8), metadata))
        ra.write_adversarial_set(adv_path, x_adv, y_test, {
            "source": "Datasets/digits/digits-test.h5 (scikit-learn load_digits, UCI ML hand-written digits, "
                      "Alpaydin & Kaynak 1998), perturbed by PGD",
            "license": "derived from Datasets/digits/digits-test.h5: UCI data, CC BY 4.0",
            "attack": f"PGD l-inf, {RECIPE.eval_steps} steps, step size {RECIPE.eval_alpha:g}, one uniform "
                      f"random start, untargeted cross-entropy, clipped to [0,1]; white-box against the ANN "
                      f"view (ReLU at every IF site) of the target network",
            "epsilon": f"{RECIPE.eps:g}",
            "steps": str(RECIPE.eval_steps),
            "step_size": f"{RECIPE.eval_alpha:g}",
            "target_network": nir_path,
            "robust_accuracy": f"{robust:.6f}",
            "preprocessing": "pixels in [0,1] as in digits-test.h5; same order and labels as digits-test.h5",
            "created_by": SCRIPT,
            "seed": str(ATTACK_SEED),
        })
        diff, adv_diff, np_robust = ra.verify(nir_path, net, x_test, y_test, x_adv, clean, robust, RECIPE)
        rows.append((name, nonzero, total, clean, robust, np_robust, diff, adv_diff, per_layer))

    print(f"\nnetwork | non-zero weights | sparsity | clean acc | PGD-{RECIPE.eval_steps} acc (eps "
          f"{RECIPE.eps:g}) | numpy robust acc | max |logit diff| clean / adv")
    for name, nonzero, total, clean, robust, np_robust, diff, adv_diff, per_layer in rows:
        print(f"{name} | {nonzero} / {total} | {1 - nonzero / total:.4f} | {clean:.4f} | {robust:.4f} | "
              f"{np_robust:.4f} | {diff:.2e} / {adv_diff:.2e}   [{per_layer}]")
    print(f"\ntotal time {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
