"""Shared pipeline of train_digits.py and train_fashion_mnist.py: PGD adversarial training, global magnitude
pruning with a fixed mask, NIR export (ReLU sites as IF nodes), PGD test sets and the independent numpy check.

A small-scale version of the seed paper's ANN stages (robust dense ANN -> robust pruning -> sparse adversarial
fine-tuning with the mask fixed). Works on an nn.Sequential of Conv2d, ReLU, AvgPool2d, Flatten and Linear.
"""
import os
import sys
from dataclasses import dataclass

import h5py
import nir
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nir_numpy  # noqa: E402  (h5py + numpy only: the independent check)


@dataclass
class Recipe:
    eps: float = 0.1               # l-inf budget on [0, 1] pixels (training and evaluation)
    train_steps: int = 7
    train_alpha: float = 0.025
    eval_steps: int = 10
    eval_alpha: float = 0.025      # 2.5 eps / eval_steps, as the paper evaluates ANNs
    batch: int = 64
    momentum: float = 0.9
    weight_decay: float = 1e-4

    def describe_eval(self, test_set):
        return (f"PGD-{self.eval_steps} l-inf eps={self.eps:g}, step {self.eval_alpha:g}, one uniform random "
                f"start, untargeted cross-entropy, clipped to [0,1], on {test_set}")


def prunable(model):
    return [m for m in model if isinstance(m, (nn.Conv2d, nn.Linear))]


def pgd(model, x, y, eps, steps, alpha, generator):
    """l-inf PGD with a uniform random start in the eps-ball; images stay in [0, 1]."""
    start = (torch.rand(x.shape, generator=generator) * 2 - 1) * eps
    x_adv = (x + start).clamp(0.0, 1.0)
    for _ in range(steps):
        x_adv.requires_grad_(True)
        loss = F.cross_entropy(model(x_adv), y)
        (grad,) = torch.autograd.grad(loss, x_adv)
        x_adv = x_adv.detach() + alpha * grad.sign()
        x_adv = torch.minimum(torch.maximum(x_adv, x - eps), x + eps).clamp(0.0, 1.0)
    return x_adv.detach()


def apply_mask(model, masks):
    if masks is None:
        return
    with torch.no_grad():
        for layer, mask in zip(prunable(model), masks):
            layer.weight.masked_fill_(~mask, 0.0)


def train(model, data, epochs, lr, generator, recipe, masks=None, log=None):
    """Pure PGD adversarial training (cross-entropy on the PGD examples only), SGD with momentum and weight
    decay, cosine schedule over the stage. With masks, pruned weights get no gradient and are reset to exactly
    0.0 after every step (weight decay and momentum cannot revive them)."""
    x_train, y_train = data
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=recipe.momentum, weight_decay=recipe.weight_decay)
    steps_per_epoch = (len(y_train) + recipe.batch - 1) // recipe.batch
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch)
    apply_mask(model, masks)
    for epoch in range(epochs):
        order = torch.randperm(len(y_train), generator=generator)
        for i in range(0, len(order), recipe.batch):
            idx = order[i:i + recipe.batch]
            x, y = x_train[idx], y_train[idx]
            x_adv = pgd(model, x, y, recipe.eps, recipe.train_steps, recipe.train_alpha, generator)
            loss = F.cross_entropy(model(x_adv), y)
            opt.zero_grad()
            loss.backward()
            if masks is not None:
                for layer, mask in zip(prunable(model), masks):
                    layer.weight.grad.masked_fill_(~mask, 0.0)
            opt.step()
            sched.step()
            apply_mask(model, masks)
        if log is not None:
            log(f"epoch {epoch + 1}/{epochs}, last batch adversarial loss {loss.item():.4f}")


def lamp_scores(w):
    """LAMP score (Lee et al., ICLR 2021) of every weight of one layer: w_u^2 / sum of w_v^2 over the weights of
    the same layer with |w_v| >= |w_u|. Within a layer it orders weights exactly as |w| does; across layers it
    puts them on one scale, so that global ranking does not empty a layer whose weights are small (wide fan-in)."""
    sq = w.flatten().double() ** 2
    order = torch.sort(sq, stable=True).indices
    sorted_sq = sq[order]
    suffix = torch.flip(torch.cumsum(torch.flip(sorted_sq, [0]), 0), [0])
    scores = torch.zeros_like(sq)
    scores[order] = torch.where(suffix > 0, sorted_sq / suffix.clamp_min(1e-300), torch.zeros_like(suffix))
    return scores.reshape(w.shape)


def global_magnitude_masks(model, sparsity, previous=None, score="magnitude"):
    """Boolean keep-masks that zero the `sparsity` fraction of all prunable weights (conv and linear, biases
    excluded) with the smallest score, ranked globally over the layers: score "magnitude" is |w| (plain global
    magnitude pruning), "lamp" is the layer-normalised magnitude of lamp_scores. Already-pruned weights
    (previous masks) stay pruned. The kept count is floor(n * (1 - sparsity)); ties are broken by position
    (stable sort)."""
    weights = [layer.weight.detach() for layer in prunable(model)]
    if score == "magnitude":
        flat = torch.cat([w.abs().flatten() for w in weights])
    elif score == "lamp":
        flat = torch.cat([lamp_scores(w).flatten() for w in weights])
    else:
        raise ValueError(score)
    if previous is not None:
        keep_prev = torch.cat([m.flatten() for m in previous])
        flat = torch.where(keep_prev, flat, torch.full_like(flat, -1.0))
    keep_count = int(len(flat) * (1.0 - sparsity) + 1e-9)
    order = torch.sort(flat, descending=True, stable=True).indices
    keep = torch.zeros(len(flat), dtype=torch.bool)
    keep[order[:keep_count]] = True
    masks, offset = [], 0
    for w in weights:
        masks.append(keep[offset:offset + w.numel()].reshape(w.shape))
        offset += w.numel()
    return masks


@torch.no_grad()
def logits_of(model, x, batch=2000):
    return torch.cat([model(x[i:i + batch]) for i in range(0, len(x), batch)])


def correct(logits, labels):
    return int((logits.argmax(1) == labels).sum())


def evaluate(model, x_test, y_test, recipe, seed, batch=2000):
    """Clean accuracy, PGD robust accuracy and the adversarial images (attack start seeded)."""
    generator = torch.Generator().manual_seed(seed)
    clean = correct(logits_of(model, x_test), y_test) / len(y_test)
    x_adv = torch.cat([pgd(model, x_test[i:i + batch], y_test[i:i + batch], recipe.eps, recipe.eval_steps,
                           recipe.eval_alpha, generator) for i in range(0, len(y_test), batch)])
    robust = correct(logits_of(model, x_adv), y_test) / len(y_test)
    return clean, robust, x_adv


def weight_counts(model):
    total = sum(layer.weight.numel() for layer in prunable(model))
    nonzero = sum(int((layer.weight != 0).sum()) for layer in prunable(model))
    return total, nonzero


def layer_nonzeros(model, names):
    return ", ".join(f"{n}: {int((l.weight != 0).sum())}/{l.weight.numel()}" for n, l in zip(names, prunable(model)))


@torch.no_grad()
def relu_percentiles(model, x, q=99.7):
    """The q-th percentile of each ReLU's output over the samples x (the classic data-based threshold hint)."""
    out, values = x, []
    for module in model:
        out = module(out)
        if isinstance(module, nn.ReLU):
            values.append(float(np.percentile(out.numpy().astype(np.float64), q)))
    return values


def to_nir(model, input_shape, metadata):
    """NIR graph of an nn.Sequential: Conv2d -> Conv2d (with input_shape), ReLU -> IF (r=1, v_threshold=1
    placeholder, v_reset=0, full activation shape), AvgPool2d -> AvgPool2d, Flatten -> Flatten(start_dim 0,
    end_dim -1, input_type), Linear -> Affine; Input and Output around it. Names: conv<i>, if<i>, pool<i>,
    flatten, fc<i>, in order."""
    def arr(t):
        return t.detach().numpy().astype(np.float32).copy()

    nodes = {"input": nir.Input(input_type=np.array(input_shape))}
    count = {"conv": 0, "if": 0, "pool": 0, "fc": 0}
    shape = tuple(input_shape)
    probe = torch.zeros((1, *input_shape))
    for module in model:
        probe = module(probe)
        out_shape = tuple(probe.shape[1:])
        if isinstance(module, nn.Conv2d):
            count["conv"] += 1
            nodes[f"conv{count['conv']}"] = nir.Conv2d(
                input_shape=shape[1:], weight=arr(module.weight), stride=np.array(module.stride),
                padding=np.array(module.padding), dilation=np.array(module.dilation), groups=module.groups,
                bias=arr(module.bias))
        elif isinstance(module, nn.ReLU):
            count["if"] += 1
            nodes[f"if{count['if']}"] = nir.IF(r=np.ones(out_shape, np.float32),
                                               v_threshold=np.ones(out_shape, np.float32),
                                               v_reset=np.zeros(out_shape, np.float32))
        elif isinstance(module, nn.AvgPool2d):
            assert module.padding == 0 and not module.ceil_mode
            count["pool"] += 1
            k = module.kernel_size if isinstance(module.kernel_size, tuple) else (module.kernel_size,) * 2
            s = module.stride if isinstance(module.stride, tuple) else (module.stride,) * 2
            nodes[f"pool{count['pool']}"] = nir.AvgPool2d(kernel_size=np.array(k), stride=np.array(s),
                                                          padding=np.array([0, 0]))
        elif isinstance(module, nn.Flatten):
            assert module.start_dim == 1 and module.end_dim == -1
            nodes["flatten"] = nir.Flatten(input_type={"input": np.array(shape)}, start_dim=0, end_dim=-1)
        elif isinstance(module, nn.Linear):
            count["fc"] += 1
            nodes[f"fc{count['fc']}"] = nir.Affine(weight=arr(module.weight), bias=arr(module.bias))
        else:
            raise TypeError(f"no NIR export for {module}")
        shape = out_shape
    nodes["output"] = nir.Output(output_type=np.array(shape))
    names = list(nodes)
    return nir.NIRGraph(nodes=nodes, edges=list(zip(names, names[1:])), metadata=metadata)


def write_adversarial_set(path, x_adv, labels, attrs):
    string = h5py.string_dtype(encoding="utf-8")
    images = x_adv.numpy().astype(np.float32)
    n = len(images)
    with h5py.File(path, "w") as f:
        f.create_dataset("images", data=images, chunks=(min(n, 1000), *images.shape[1:]), compression="gzip",
                         compression_opts=9, shuffle=True)
        f.create_dataset("labels", data=labels.numpy().astype(np.int64), chunks=labels.shape,
                         compression="gzip", compression_opts=9, shuffle=True)
        for key, value in attrs.items():
            f.attrs.create(key, value, dtype=string)


def numpy_logits(nodes, edges, x, batch=1000):
    return np.concatenate([nir_numpy.forward(nodes, edges, x[i:i + batch]) for i in range(0, len(x), batch)])


def verify(nir_path, model, x_test, y_test, x_adv, clean, robust, recipe):
    """Independent check of a written NIR file: a numpy forward pass (h5py only, IF as ReLU) must reproduce
    the torch logits (max abs diff < 1e-4), the clean accuracy, the weight counts and, on the adversarial
    images, the robust accuracy. Returns (max diff clean, max diff adversarial, numpy robust accuracy)."""
    nodes, edges, _ = nir_numpy.load(nir_path)
    np_logits = numpy_logits(nodes, edges, x_test.numpy())
    diff = float(np.abs(np_logits - logits_of(model, x_test).double().numpy()).max())
    np_clean = float(np.mean(np_logits.argmax(1) == y_test.numpy()))
    adv_logits = numpy_logits(nodes, edges, x_adv.numpy())
    adv_diff = float(np.abs(adv_logits - logits_of(model, x_adv).double().numpy()).max())
    np_robust = float(np.mean(adv_logits.argmax(1) == y_test.numpy()))
    assert diff < 1e-4 and adv_diff < 1e-4, (nir_path, diff, adv_diff)
    assert abs(np_clean - clean) < 1e-12, (nir_path, np_clean, clean)
    assert abs(np_robust - robust) < 1e-12, (nir_path, np_robust, robust)
    assert nir_numpy.weight_counts(nodes) == weight_counts(model)
    assert float((x_adv - x_test).abs().max()) <= recipe.eps + 1e-6
    assert float(x_adv.min()) >= 0.0 and float(x_adv.max()) <= 1.0
    return diff, adv_diff, np_robust
