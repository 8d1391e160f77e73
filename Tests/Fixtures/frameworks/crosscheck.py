#!/usr/bin/env python3
"""Cross-check NeuroCost's `--framework` modes against the real frameworks.

For every case a small network is built natively in snntorch, sinabs, norse or SpikingJelly (or, for
the `nir` control, by hand), exported with the framework's own NIR exporter, and run twice on the same
grid-valued inputs: by the framework's own forward pass (spikes recorded from its own spike tensors)
and by `neurocost run --framework NAME`. Spikes per spiking layer and step, synops and MACs per layer
and step, and every prediction must be exactly equal.

Weights are k/32, biases k/32, inputs k/8 (small k), so every float sum is exact in any order; the
neuron parameters are the frameworks' defaults or simple values (some deliberately not powers of two,
e.g. snntorch β = 0.9, SpikingJelly τ = 3), so the engine has to follow each framework's float32
operation order to agree.

Usage:
    python3 crosscheck.py [--neurocost PATH] [--only NAME ...] [--keep DIR] [--list]

The binary defaults to $NEUROCOST_BIN, else <repo>/.build/debug/neurocost. Exit status 0 when every
case agrees, 1 when any case mismatches or fails, 2 on a usage error.

`--legacy-options` (hidden) runs the cases that today's NeuroCost options can already express with
those options instead of `--framework` (the recipes of the research notes); it validates the
harness's own counting and name mapping and is not part of CI.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
warnings.filterwarnings("ignore")

import logging  # noqa: E402

logging.getLogger("torch._library.triton").setLevel(logging.ERROR)   # "Triton not available" on CPU

import h5py  # noqa: E402
import nir  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)
torch.set_grad_enabled(False)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
N_SAMPLES = 96
HAS_FRAMEWORK_OPTION = True
NAME_MAPPINGS: list[dict[str, str]] = []   # module name -> NIR node name, filled by resolve_names
MIN_SPIKE_FRACTION = 0.02                  # of neuron-steps, per spiking layer
SPIKING_TYPES = (nir.IF, nir.LIF, nir.CubaLIF, nir.Threshold)
WEIGHTED_TYPES = (nir.Affine, nir.Linear, nir.Conv1d, nir.Conv2d, nir.Scale)


# --------------------------------------------------------------------------------------------------
# Grid-valued data and weights
# --------------------------------------------------------------------------------------------------

def grid(rng: np.random.Generator, shape, lo: int, hi: int, denom: float = 32.0,
         zero_frac: float = 1 / 15) -> np.ndarray:
    """k/denom with integer k in [lo, hi], and about zero_frac exact zeros."""
    k = rng.integers(lo, hi + 1, size=shape)
    k[rng.random(shape) < zero_frac] = 0
    return (k / denom).astype(np.float32)


def grid_inputs(rng: np.random.Generator, n: int, shape) -> np.ndarray:
    """k/8 with k in 1…8, about 30% exact zeros."""
    x = rng.integers(1, 9, size=(n, *shape)) / 8.0
    x[rng.random(x.shape) < 0.3] = 0.0
    return x.astype(np.float32)


def set_grid(module: nn.Module, rng: np.random.Generator, lo: int, hi: int,
             blo: int = -2, bhi: int = 2) -> nn.Module:
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(grid(rng, tuple(module.weight.shape), lo, hi)))
        if getattr(module, "bias", None) is not None:
            module.bias.copy_(torch.from_numpy(grid(rng, tuple(module.bias.shape), blo, bhi, zero_frac=0.0)))
    return module


# --------------------------------------------------------------------------------------------------
# What a case produces
# --------------------------------------------------------------------------------------------------

@dataclass
class Prepared:
    graph: nir.NIRGraph
    images: np.ndarray                 # (N, *input shape without batch)
    timesteps: int
    spikes: dict[str, np.ndarray]      # NIR node name -> (N, T, *shape) spike counts from the framework
    predictions: np.ndarray            # (N,) argmax of the framework's output summed over steps
    options: list[str]                 # NeuroCost options under --framework (besides --framework itself)
    legacy: list[str] | None = None    # today's equivalent options (no --framework), if any
    legacy_input_shape: tuple | None = None  # data shape the legacy run needs (norse: batch dim kept)
    legacy_patch: Callable | None = None     # edits the graph for the legacy run (e.g. SpikingJelly r×dt)
    notes: list[str] = field(default_factory=list)


@dataclass
class Case:
    name: str
    framework: str
    build: Callable[[], Prepared]


CASES: list[Case] = []


def case(name: str, framework: str):
    def register(fn):
        CASES.append(Case(name, framework, fn))
        return fn
    return register


def labels_for(n: int) -> np.ndarray:
    return (np.arange(n) % 10).astype(np.int64)


def predictions_from(acc: np.ndarray) -> np.ndarray:
    """Argmax of the output accumulated over steps; ties go to the lowest index (np.argmax)."""
    return np.argmax(acc.reshape(acc.shape[0], -1), axis=1).astype(np.int64)


class SpikeRecorder:
    """Forward hooks that keep each spiking module's output of every call."""

    def __init__(self, modules: dict[str, nn.Module], pick=lambda out: out):
        self.records: dict[str, list[np.ndarray]] = {name: [] for name in modules}
        self.handles = [m.register_forward_hook(self._hook(name, pick)) for name, m in modules.items()]

    def _hook(self, name, pick):
        def hook(_module, _inputs, output):
            self.records[name].append(pick(output).detach().cpu().numpy().astype(np.float64).copy())
        return hook

    def close(self):
        for h in self.handles:
            h.remove()

    def stacked_steps(self) -> dict[str, np.ndarray]:
        """One call per step, each (N, *shape) -> (N, T, *shape)."""
        return {k: np.stack(v, axis=1) for k, v in self.records.items()}


def resolve_names(graph: nir.NIRGraph, module_names: list[str]) -> dict[str, str]:
    """Module name -> NIR node name (nirtorch names nodes after the modules; nested graphs are flattened
    as 'outer.inner' by NeuroCost)."""
    flat = set(flatten_graph(graph)[0].keys())
    out = {}
    for m in module_names:
        for cand in (m, m.replace(".", "_"), "_" + m.replace(".", "_"), f"{m}.lif"):
            if cand in flat:
                out[m] = cand
                break
        else:
            raise RuntimeError(f"no NIR node for module '{m}' among {sorted(flat)}")
    NAME_MAPPINGS.append(out)
    return out


# --------------------------------------------------------------------------------------------------
# snntorch
# --------------------------------------------------------------------------------------------------

def _snntorch_run(net: nn.Sequential, spiking: dict[str, nn.Module], images: np.ndarray, T: int,
                  sample_shape) -> tuple[nir.NIRGraph, dict, np.ndarray]:
    import snntorch.utils
    from snntorch.export_nir import export_to_nir
    # Workaround: the documented call export_to_nir(net, torch.randn(1, …)) fails with nir 1.0.8 +
    # nirtorch 2.6 (type mismatch [[1 48]] -> [[48]]); ignore_dims=[0] drops the batch dimension.
    graph = export_to_nir(net, torch.zeros(1, *sample_shape), ignore_dims=[0])
    snntorch.utils.reset(net)
    x = torch.from_numpy(images)
    rec = SpikeRecorder(spiking)
    acc = 0
    for _ in range(T):
        acc = acc + net(x).numpy().astype(np.float64)
    rec.close()
    names = resolve_names(graph, list(spiking))
    spikes = {names[k]: v for k, v in rec.stacked_steps().items()}
    return graph, spikes, predictions_from(acc)


def _snn_leaky(n, beta, thr=1.0, reset="subtract", shape=None):
    import snntorch as snn
    shape = shape or (n,)
    # Per-neuron β and θ: a scalar β fails the exporter's type inference, and 0-d arrays cannot be
    # written by nir.write's default compression.
    return snn.Leaky(beta=torch.full(shape, beta), threshold=torch.full(shape, thr),
                     init_hidden=True, reset_mechanism=reset)


def _snn_synaptic(n, alpha, beta, thr=1.0, reset="subtract"):
    import snntorch as snn
    return snn.Synaptic(alpha=torch.full((n,), alpha), beta=torch.full((n,), beta),
                        threshold=torch.full((n,), thr), init_hidden=True, reset_mechanism=reset)


def snntorch_mlp(seed: int, make_neuron, T=12, w1=(-8, 8), w2=(-8, 10)) -> tuple:
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    images = grid_inputs(rng, N_SAMPLES, (48,))
    net = nn.Sequential(set_grid(nn.Linear(48, 32), rng, *w1), make_neuron(32),
                        set_grid(nn.Linear(32, 10), rng, *w2), make_neuron(10))
    graph, spikes, preds = _snntorch_run(net, {"1": net[1], "3": net[3]}, images, T, (48,))
    return graph, images, T, spikes, preds


@case("snntorch_leaky_mlp", "snntorch")
def snntorch_leaky_mlp():
    g, x, T, s, p = snntorch_mlp(101, lambda n: _snn_leaky(n, 0.9))
    return Prepared(g, x, T, s, p, [], notes=["Leaky β=0.9 (not a power of two), subtract (default)"])


@case("snntorch_leaky_mlp_zero", "snntorch")
def snntorch_leaky_mlp_zero():
    g, x, T, s, p = snntorch_mlp(102, lambda n: _snn_leaky(n, 0.875, reset="zero"))
    return Prepared(g, x, T, s, p, ["--reset", "zero"], legacy=["--reset", "value", "--dt", "1e-4"],
                    notes=["Leaky β=0.875, reset_mechanism='zero'"])


@case("snntorch_leaky_cnn", "snntorch")
def snntorch_leaky_cnn():
    import snntorch as snn  # noqa: F401
    rng = np.random.default_rng(103)
    torch.manual_seed(103)
    T = 10
    images = grid_inputs(rng, N_SAMPLES, (1, 8, 8))
    net = nn.Sequential(set_grid(nn.Conv2d(1, 4, 3, padding=1), rng, -8, 10),
                        _snn_leaky(0, 0.875, shape=(4, 8, 8)),
                        nn.AvgPool2d(2), nn.Flatten(),
                        set_grid(nn.Linear(64, 10), rng, -8, 10),
                        _snn_leaky(10, 0.875))
    g, s, p = _snntorch_run(net, {"1": net[1], "5": net[5]}, images, T, (1, 8, 8))
    return Prepared(g, images, T, s, p, [], notes=["Conv2d, Leaky β=0.875 subtract, AvgPool2d(2), Flatten, Linear"])


@case("snntorch_leaky_beta1_mlp", "snntorch")
def snntorch_leaky_beta1_mlp():
    with np.errstate(divide="ignore"):
        g, x, T, s, p = snntorch_mlp(104, lambda n: _snn_leaky(n, 1.0))
    return Prepared(g, x, T, s, p, [], notes=["Leaky β=1 (exports τ = r = inf), subtract"])


@case("snntorch_synaptic_mlp", "snntorch")
def snntorch_synaptic_mlp():
    g, x, T, s, p = snntorch_mlp(105, lambda n: _snn_synaptic(n, 0.5, 0.75, thr=0.75))
    return Prepared(g, x, T, s, p, [], notes=["Synaptic α=0.5 β=0.75 θ=0.75, subtract (default)"])


@case("snntorch_synaptic_mlp_zero", "snntorch")
def snntorch_synaptic_mlp_zero():
    g, x, T, s, p = snntorch_mlp(106, lambda n: _snn_synaptic(n, 0.8, 0.9, reset="zero"))
    return Prepared(g, x, T, s, p, ["--reset", "zero"], notes=["Synaptic α=0.8 β=0.9, reset_mechanism='zero'"])


def _snntorch_recurrent_mlp(seed, kind, reset, beta=0.875, alpha=0.5, T=12):
    import snntorch as snn
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    images = grid_inputs(rng, N_SAMPLES, (48,))
    if kind == "RLeaky":
        rec = snn.RLeaky(beta=torch.full((32,), beta), threshold=torch.full((32,), 1.0), linear_features=32,
                         all_to_all=True, init_hidden=True, reset_mechanism=reset)
    else:
        rec = snn.RSynaptic(alpha=torch.full((32,), alpha), beta=torch.full((32,), beta),
                            threshold=torch.full((32,), 1.0), linear_features=32, all_to_all=True,
                            init_hidden=True, reset_mechanism=reset)
    set_grid(rec.recurrent, rng, -6, 6, 1, 3)   # non-zero recurrent bias: snntorch adds it from t = 0
    net = nn.Sequential(set_grid(nn.Linear(48, 32), rng, -8, 8), rec,
                        set_grid(nn.Linear(32, 10), rng, -8, 10), _snn_leaky(10, beta, reset=reset))
    g, s, p = _snntorch_run(net, {"1": net[1], "3": net[3]}, images, T, (48,))
    return g, images, T, s, p


@case("snntorch_rleaky_mlp", "snntorch")
def snntorch_rleaky_mlp():
    g, x, T, s, p = _snntorch_recurrent_mlp(107, "RLeaky", "subtract")
    return Prepared(g, x, T, s, p, [], notes=["RLeaky all_to_all (Linear 32→32 with bias) β=0.875, subtract"])


@case("snntorch_rleaky_mlp_zero", "snntorch")
def snntorch_rleaky_mlp_zero():
    g, x, T, s, p = _snntorch_recurrent_mlp(108, "RLeaky", "zero")
    return Prepared(g, x, T, s, p, ["--reset", "zero"], notes=["RLeaky all_to_all β=0.875, reset 'zero'"])


@case("snntorch_rsynaptic_mlp", "snntorch")
def snntorch_rsynaptic_mlp():
    g, x, T, s, p = _snntorch_recurrent_mlp(109, "RSynaptic", "subtract", beta=0.75, alpha=0.5)
    return Prepared(g, x, T, s, p, [], notes=["RSynaptic all_to_all α=0.5 β=0.75, subtract"])


# --------------------------------------------------------------------------------------------------
# sinabs
# --------------------------------------------------------------------------------------------------

def _sinabs_run(net: nn.Sequential, spiking: dict[str, nn.Module], images: np.ndarray, T: int,
                conv: bool) -> tuple[nir.NIRGraph, dict, np.ndarray]:
    import sinabs
    from sinabs.nir import to_nir
    n = images.shape[0]
    # Squeeze layers take (batch·T, …), batch-major; the analog input is presented at every step.
    x = torch.from_numpy(np.repeat(images, T, axis=0))
    graph = to_nir(net, x[:T])
    if conv:
        # Workaround: sinabs never sets Conv input_shape; nir.write fails ("One of data, shape or dtype
        # must be specified") until the types are inferred.
        graph.infer_types()
    sinabs.reset_states(net)
    rec = SpikeRecorder(spiking)
    out = net(x).numpy().astype(np.float64)
    rec.close()
    names = resolve_names(graph, list(spiking))
    spikes = {names[k]: v[0].reshape(n, T, *v[0].shape[1:]) for k, v in rec.records.items()}
    acc = out.reshape(n, T, -1).sum(axis=1)
    return graph, spikes, predictions_from(acc)


def _sinabs_mlp(seed, make_neuron, T=12, w1=(-8, 8), w2=(-8, 10)):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    images = grid_inputs(rng, N_SAMPLES, (48,))
    net = nn.Sequential(set_grid(nn.Linear(48, 32), rng, *w1), make_neuron(32),
                        set_grid(nn.Linear(32, 10), rng, *w2), make_neuron(10))
    g, s, p = _sinabs_run(net, {"1": net[1], "3": net[3]}, images, T, conv=False)
    return g, images, T, s, p


@case("sinabs_iaf_mlp", "sinabs")
def sinabs_iaf_mlp():
    import sinabs.layers as sl
    g, x, T, s, p = _sinabs_mlp(201, lambda n: sl.IAFSqueeze(num_timesteps=12), w1=(-8, 10), w2=(-8, 8))
    return Prepared(g, x, T, s, p, [], notes=["IAFSqueeze, default MultiSpike, MembraneSubtract"])


@case("sinabs_iaf_mlp_single", "sinabs")
def sinabs_iaf_mlp_single():
    import sinabs.layers as sl
    from sinabs.activation import SingleSpike
    g, x, T, s, p = _sinabs_mlp(202, lambda n: sl.IAFSqueeze(num_timesteps=12, spike_fn=SingleSpike))
    return Prepared(g, x, T, s, p, ["--spike-function", "single"],
                    legacy=["--reset", "subtract", "--threshold-compare", "ge"],
                    notes=["IAFSqueeze, spike_fn=SingleSpike"])


@case("sinabs_lif_mlp", "sinabs")
def sinabs_lif_mlp():
    import sinabs.layers as sl
    rng = np.random.default_rng(203)
    taus = np.array([2.0, 2.5, 3.0, 4.0, 5.5, 8.0], dtype=np.float32)

    def lif(n):
        # Per-neuron τ (steps) and threshold: a scalar threshold fails the exporter ("All parameters
        # must have the same shape").
        return sl.LIFSqueeze(tau_mem=torch.from_numpy(rng.choice(taus, n)),
                             spike_threshold=torch.full((n,), 0.5), num_timesteps=10)
    g, x, T, s, p = _sinabs_mlp(203, lif, T=10, w1=(-8, 10), w2=(-6, 18))
    return Prepared(g, x, T, s, p, [], notes=["LIFSqueeze per-neuron τ ∈ {2,2.5,3,4,5.5,8}, θ=0.5, "
                                              "norm_input=True, MultiSpike"])


@case("sinabs_iaf_cnn", "sinabs")
def sinabs_iaf_cnn():
    import sinabs.layers as sl
    rng = np.random.default_rng(204)
    torch.manual_seed(204)
    T = 10
    images = grid_inputs(rng, N_SAMPLES, (1, 8, 8))
    net = nn.Sequential(set_grid(nn.Conv2d(1, 4, 3, padding=1), rng, -4, 16), sl.IAFSqueeze(num_timesteps=T),
                        sl.SumPool2d(2), nn.Flatten(), set_grid(nn.Linear(64, 10), rng, -6, 6),
                        sl.IAFSqueeze(num_timesteps=T))
    g, s, p = _sinabs_run(net, {"1": net[1], "5": net[5]}, images, T, conv=True)
    return Prepared(g, images, T, s, p, [], notes=["Conv2d, IAFSqueeze (MultiSpike), SumPool2d(2), Flatten, Linear"])


@case("sinabs_iaf_cnn_single", "sinabs")
def sinabs_iaf_cnn_single():
    import sinabs.layers as sl
    from sinabs.activation import SingleSpike
    rng = np.random.default_rng(206)
    torch.manual_seed(206)
    T = 10
    images = grid_inputs(rng, N_SAMPLES, (1, 8, 8))
    net = nn.Sequential(set_grid(nn.Conv2d(1, 4, 3, padding=1), rng, -6, 12),
                        sl.IAFSqueeze(num_timesteps=T, spike_fn=SingleSpike), sl.SumPool2d(2), nn.Flatten(),
                        set_grid(nn.Linear(64, 10), rng, -8, 8), sl.IAFSqueeze(num_timesteps=T, spike_fn=SingleSpike))
    g, s, p = _sinabs_run(net, {"1": net[1], "5": net[5]}, images, T, conv=True)
    return Prepared(g, images, T, s, p, ["--spike-function", "single"],
                    legacy=["--reset", "subtract", "--threshold-compare", "ge"],
                    notes=["Conv2d, IAFSqueeze SingleSpike, SumPool2d(2), Flatten, Linear"])


@case("sinabs_iaf_conv1d", "sinabs")
def sinabs_iaf_conv1d():
    import sinabs.layers as sl
    rng = np.random.default_rng(205)
    torch.manual_seed(205)
    T = 10
    images = grid_inputs(rng, N_SAMPLES, (2, 16))
    # θ = 0.75: MultiSpike emits trunc(v/θ) spikes, a float32 division that is not exact.
    net = nn.Sequential(set_grid(nn.Conv1d(2, 4, 3, padding=1), rng, -4, 16),
                        sl.IAFSqueeze(num_timesteps=T, spike_threshold=0.75),
                        nn.Flatten(), set_grid(nn.Linear(64, 10), rng, -6, 8),
                        sl.IAFSqueeze(num_timesteps=T, spike_threshold=0.75))
    g, s, p = _sinabs_run(net, {"1": net[1], "4": net[4]}, images, T, conv=True)
    return Prepared(g, images, T, s, p, [], notes=["Conv1d, IAFSqueeze θ=0.75 (MultiSpike), Flatten, Linear"])


# --------------------------------------------------------------------------------------------------
# norse
# --------------------------------------------------------------------------------------------------

def _norse_run(net, spiking: dict[str, nn.Module], images: np.ndarray, T: int):
    from norse.torch.utils.export_nir import to_nir
    # Norse keeps the batch dimension in Input/Output: input_type (1, 48).
    graph = to_nir(net, torch.zeros(1, *images.shape[1:]))
    x = torch.from_numpy(images)
    rec = SpikeRecorder(spiking, pick=lambda out: out[0])
    state, acc = None, 0
    for _ in range(T):
        out, state = net(x, state)
        acc = acc + out.numpy().astype(np.float64)
    rec.close()
    names = resolve_names(graph, list(spiking))
    return graph, {names[k]: v for k, v in rec.stacked_steps().items()}, predictions_from(acc)


def _norse_mlp(seed, make_cell, T=12, w1=(-8, 8), w2=(-8, 10)):
    import norse.torch as norse
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    images = grid_inputs(rng, N_SAMPLES, (48,))
    net = norse.SequentialState(set_grid(nn.Linear(48, 32), rng, *w1), make_cell(32),
                                set_grid(nn.Linear(32, 10), rng, *w2), make_cell(10))
    g, s, p = _norse_run(net, {"1": net[1], "3": net[3]}, images, T)
    return g, images, T, s, p


@case("norse_iaf_mlp", "norse")
def norse_iaf_mlp():
    import norse.torch as norse
    # Per-neuron v_th (the default 0-d v_th cannot be written by nir.write's default compression).
    g, x, T, s, p = _norse_mlp(301, lambda n: norse.IAFCell(p=norse.IAFParameters(v_th=torch.ones(n))))
    return Prepared(g, x, T, s, p, [], legacy=["--reset", "value"], legacy_input_shape=(1, 48),
                    notes=["IAFCell, v_th=1"])


@case("norse_lifbox_mlp", "norse")
def norse_lifbox_mlp():
    import norse.torch as norse

    def cell(n):
        # Default parameters, made per-neuron (scalar v_leak fails the exporter: "All parameters must
        # have the same shape"); default dt = 1e-3.
        d = norse.LIFBoxParameters()
        return norse.LIFBoxCell(p=norse.LIFBoxParameters(
            tau_mem_inv=torch.full((n,), float(d.tau_mem_inv)), v_leak=torch.full((n,), float(d.v_leak)),
            v_th=torch.full((n,), float(d.v_th)), v_reset=torch.full((n,), float(d.v_reset))))
    g, x, T, s, p = _norse_mlp(302, cell, w1=(-8, 28), w2=(-8, 32))
    # Legacy: norse writes τ = dt/τ_inv but steps with dt, so today's NeuroCost needs --dt = dt².
    return Prepared(g, x, T, s, p, [], legacy=["--reset", "value", "--dt", "1e-6"], legacy_input_shape=(1, 48),
                    notes=["LIFBoxCell, default p (τ_mem_inv=100) per neuron, dt=1e-3"])


@case("norse_lif_mlp", "norse")
def norse_lif_mlp():
    import norse.torch as norse

    def cell(n):
        d = norse.LIFParameters()
        return norse.LIFCell(p=norse.LIFParameters(
            tau_syn_inv=torch.full((n,), float(d.tau_syn_inv)), tau_mem_inv=torch.full((n,), float(d.tau_mem_inv)),
            v_leak=torch.full((n,), float(d.v_leak)), v_th=torch.full((n,), float(d.v_th)),
            v_reset=torch.full((n,), float(d.v_reset))))
    g, x, T, s, p = _norse_mlp(303, cell, T=14, w1=(-8, 10), w2=(-6, 24))
    return Prepared(g, x, T, s, p, [], notes=["LIFCell (current-based, exports CubaLIF), default p per neuron, "
                                              "dt=1e-3"])


# --------------------------------------------------------------------------------------------------
# SpikingJelly
# --------------------------------------------------------------------------------------------------

def _sj_run(net, spiking: dict[str, nn.Module], images: np.ndarray, T: int):
    from spikingjelly.activation_based import functional
    from spikingjelly.activation_based.nir_exchange import export_to_nir
    graph = export_to_nir(net, torch.zeros(1, *images.shape[1:]))   # default dt = 1e-4
    functional.reset_net(net)
    x = torch.from_numpy(images)
    rec = SpikeRecorder(spiking)
    acc = 0
    for _ in range(T):
        acc = acc + net(x).numpy().astype(np.float64)
    rec.close()
    names = resolve_names(graph, list(spiking))
    return graph, {names[k]: v for k, v in rec.stacked_steps().items()}, predictions_from(acc)


def _sj_if_r_times_dt(graph: nir.NIRGraph) -> nir.NIRGraph:
    """Legacy check only: SpikingJelly writes IF r = 1/dt (NIR's ODE with an Euler step dt = 1e-4);
    today's NeuroCost IF ignores dt, so the legacy run gets r·dt = 1."""
    for node in graph.nodes.values():
        if isinstance(node, nir.IF):
            node.r = (np.asarray(node.r) * 1e-4).astype(np.float32)
    return graph


def _sj_mlp(seed, make_node, T=12, w1=(-8, 8), w2=(-8, 10)):
    from spikingjelly.activation_based import layer
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    images = grid_inputs(rng, N_SAMPLES, (48,))
    net = nn.Sequential(set_grid(layer.Linear(48, 32), rng, *w1), make_node(),
                        set_grid(layer.Linear(32, 10), rng, *w2), make_node())
    g, s, p = _sj_run(net, {"1": net[1], "3": net[3]}, images, T)
    return g, images, T, s, p


@case("spikingjelly_if_mlp", "spikingjelly")
def spikingjelly_if_mlp():
    from spikingjelly.activation_based import neuron
    g, x, T, s, p = _sj_mlp(401, lambda: neuron.IFNode())
    return Prepared(g, x, T, s, p, [], legacy=["--reset", "value", "--threshold-compare", "ge"],
                    legacy_patch=_sj_if_r_times_dt, notes=["IFNode, hard reset v_reset=0 (default)"])


@case("spikingjelly_if_cnn", "spikingjelly")
def spikingjelly_if_cnn():
    from spikingjelly.activation_based import layer, neuron
    rng = np.random.default_rng(402)
    torch.manual_seed(402)
    T = 10
    images = grid_inputs(rng, N_SAMPLES, (1, 8, 8))
    net = nn.Sequential(set_grid(layer.Conv2d(1, 4, 3, padding=1), rng, -8, 10), neuron.IFNode(),
                        layer.AvgPool2d(2), layer.Flatten(), set_grid(layer.Linear(64, 10), rng, -8, 10),
                        neuron.IFNode())
    g, s, p = _sj_run(net, {"1": net[1], "5": net[5]}, images, T)
    return Prepared(g, images, T, s, p, [], legacy=["--reset", "value", "--threshold-compare", "ge"],
                    legacy_patch=_sj_if_r_times_dt, notes=["Conv2d, IFNode, AvgPool2d(2), Flatten, Linear"])


@case("spikingjelly_lif_mlp_tau2", "spikingjelly")
def spikingjelly_lif_mlp_tau2():
    from spikingjelly.activation_based import neuron
    g, x, T, s, p = _sj_mlp(403, lambda: neuron.LIFNode(tau=2.0), w1=(-8, 12), w2=(-6, 20))
    return Prepared(g, x, T, s, p, [], legacy=["--reset", "value", "--threshold-compare", "ge", "--dt", "1e-4"],
                    notes=["LIFNode τ=2, decay_input=True, hard reset"])


@case("spikingjelly_lif_mlp_tau3", "spikingjelly")
def spikingjelly_lif_mlp_tau3():
    from spikingjelly.activation_based import neuron
    g, x, T, s, p = _sj_mlp(404, lambda: neuron.LIFNode(tau=3.0), w1=(-8, 12), w2=(-6, 20))
    return Prepared(g, x, T, s, p, [], legacy=["--reset", "value", "--threshold-compare", "ge", "--dt", "1e-4"],
                    notes=["LIFNode τ=3 (1/τ not a power of two), hard reset"])


@case("spikingjelly_lif_mlp_no_decay_input", "spikingjelly")
def spikingjelly_lif_mlp_no_decay_input():
    from spikingjelly.activation_based import neuron
    g, x, T, s, p = _sj_mlp(405, lambda: neuron.LIFNode(tau=3.0, decay_input=False), w1=(-4, 6), w2=(-4, 10))
    return Prepared(g, x, T, s, p, [], notes=["LIFNode τ=3, decay_input=False (written as r = τ), hard reset"])


# --------------------------------------------------------------------------------------------------
# nir control: a hand-built graph and a numpy reference of docs/execution-model.md
# --------------------------------------------------------------------------------------------------

@case("nir_if_mlp", "nir")
def nir_if_mlp():
    rng = np.random.default_rng(501)
    T = 12
    images = grid_inputs(rng, N_SAMPLES, (48,))
    w1, b1 = grid(rng, (32, 48), -8, 8), grid(rng, (32,), -2, 2, zero_frac=0)
    w2, b2 = grid(rng, (10, 32), -8, 8), grid(rng, (10,), -2, 2, zero_frac=0)
    r1 = np.where(rng.random(32) < 0.5, 1.0, 0.5).astype(np.float32)
    th1 = np.full(32, 1.0, np.float32)
    r2 = np.ones(10, np.float32)
    th2 = np.full(10, 0.75, np.float32)
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([48])),
               "fc1": nir.Affine(weight=w1, bias=b1),
               "if1": nir.IF(r=r1, v_threshold=th1, v_reset=np.zeros(32, np.float32)),
               "fc2": nir.Affine(weight=w2, bias=b2),
               "if2": nir.IF(r=r2, v_threshold=th2, v_reset=np.zeros(10, np.float32)),
               "output": nir.Output(output_type=np.array([10]))},
        edges=[("input", "fc1"), ("fc1", "if1"), ("if1", "fc2"), ("fc2", "if2"), ("if2", "output")])
    graph.infer_types()
    # Reference: IF v ← v + r⊙in; spike z = v > θ; reset subtract v ← v − θ (defaults), float32.
    v1 = np.zeros((N_SAMPLES, 32), np.float32)
    v2 = np.zeros((N_SAMPLES, 10), np.float32)
    s1, s2, acc = [], [], np.zeros((N_SAMPLES, 10))
    for _ in range(T):
        v1 = (v1 + r1 * (images @ w1.T + b1)).astype(np.float32)
        z1 = (v1 > th1).astype(np.float32)
        v1 = (v1 - z1 * th1).astype(np.float32)
        v2 = (v2 + r2 * (z1 @ w2.T + b2)).astype(np.float32)
        z2 = (v2 > th2).astype(np.float32)
        v2 = (v2 - z2 * th2).astype(np.float32)
        s1.append(z1)
        s2.append(z2)
        acc += z2
    spikes = {"if1": np.stack(s1, 1).astype(np.float64), "if2": np.stack(s2, 1).astype(np.float64)}
    return Prepared(graph, images, T, spikes, predictions_from(acc), [], legacy=[],
                    notes=["hand-built Affine→IF→Affine→IF, numpy reference of the nir semantics"])


@case("nir_recurrent_lif_mlp", "nir")
def nir_recurrent_lif_mlp():
    """Affine → nested graph {LIF with an Affine back edge} → Affine → IF, as snntorch's RLeaky export is
    shaped, under the documented nir semantics: the back edge carries the previous step's value (zeros at
    t = 0, so the recurrent bias first arrives at t = 1); LIF v ← v + α((v_leak − v) + r·in), α = dt/τ."""
    rng = np.random.default_rng(502)
    T, dt = 12, 1e-3
    images = grid_inputs(rng, N_SAMPLES, (48,))
    w1, b1 = grid(rng, (32, 48), -8, 10), grid(rng, (32,), -2, 2, zero_frac=0)
    wr, br = grid(rng, (32, 32), -6, 6), grid(rng, (32,), 1, 3, zero_frac=0)
    w2, b2 = grid(rng, (10, 32), -8, 10), grid(rng, (10,), -2, 2, zero_frac=0)
    tau = np.where(rng.random(32) < 0.5, 4e-3, 2e-3)          # α = 1/4 or 1/2: exact in float32
    r = np.where(rng.random(32) < 0.5, 1.0, 2.0).astype(np.float32)
    th = np.full(32, 1.0, np.float32)
    rec = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([32])),
               "lif": nir.LIF(tau=tau, r=r, v_leak=np.zeros(32), v_threshold=th, v_reset=np.zeros(32)),
               "w_rec": nir.Affine(weight=wr, bias=br),
               "output": nir.Output(output_type=np.array([32]))},
        edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")])
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([48])), "fc1": nir.Affine(weight=w1, bias=b1),
               "block": rec, "fc2": nir.Affine(weight=w2, bias=b2),
               "if2": nir.IF(r=np.ones(10, np.float32), v_threshold=np.full(10, 1.0, np.float32)),
               "output": nir.Output(output_type=np.array([10]))},
        edges=[("input", "fc1"), ("fc1", "block"), ("block", "fc2"), ("fc2", "if2"),
               ("if2", "output")])
    alpha = np.float32(dt / tau)
    v1 = np.zeros((N_SAMPLES, 32), np.float32)
    v2 = np.zeros((N_SAMPLES, 10), np.float32)
    back = np.zeros((N_SAMPLES, 32), np.float32)
    s1, s2, acc = [], [], np.zeros((N_SAMPLES, 10))
    for _ in range(T):
        inp = (images @ w1.T + b1 + back).astype(np.float32)
        v1 = (v1 + alpha * ((0 - v1) + r * inp)).astype(np.float32)
        z1 = (v1 > th).astype(np.float32)
        v1 = (v1 - z1 * th).astype(np.float32)
        back = (z1 @ wr.T + br).astype(np.float32)
        v2 = (v2 + (z1 @ w2.T + b2)).astype(np.float32)
        z2 = (v2 > 1.0).astype(np.float32)
        v2 = (v2 - z2).astype(np.float32)
        s1.append(z1)
        s2.append(z2)
        acc += z2
    spikes = {"block.lif": np.stack(s1, 1).astype(np.float64), "if2": np.stack(s2, 1).astype(np.float64)}
    return Prepared(graph, images, T, spikes, predictions_from(acc), [], legacy=[],
                    notes=["hand-built Affine→{LIF + Affine back edge}→Affine→IF, numpy reference"])


@case("nir_lif_cnn", "nir")
def nir_lif_cnn():
    """Conv2d → LIF → SumPool2d → Flatten → Affine → IF under the documented nir semantics (dt = 1e-3)."""
    rng = np.random.default_rng(503)
    T, dt = 10, 1e-3
    images = grid_inputs(rng, N_SAMPLES, (2, 8, 8))
    wc, bc = grid(rng, (4, 2, 3, 3), -4, 14), grid(rng, (4,), -2, 2, zero_frac=0)
    w2, b2 = grid(rng, (10, 64), -8, 8), grid(rng, (10,), -2, 2, zero_frac=0)
    tau = np.full((4, 8, 8), 2e-3)                                  # α = 1/2
    th = np.full((4, 8, 8), 1.0, np.float32)
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([2, 8, 8])),
               "conv": nir.Conv2d(input_shape=(8, 8), weight=wc, bias=bc, stride=1, padding=1, dilation=1,
                                  groups=1),
               "lif": nir.LIF(tau=tau, r=np.ones((4, 8, 8)), v_leak=np.zeros((4, 8, 8)), v_threshold=th),
               "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                                     padding=np.array([0, 0])),
               "flat": nir.Flatten(input_type={"input": np.array([4, 4, 4])}, start_dim=0, end_dim=-1),
               "fc": nir.Affine(weight=w2, bias=b2),
               "if": nir.IF(r=np.ones(10, np.float32), v_threshold=np.full(10, 1.0, np.float32)),
               "output": nir.Output(output_type=np.array([10]))},
        edges=[("input", "conv"), ("conv", "lif"), ("lif", "pool"), ("pool", "flat"), ("flat", "fc"),
               ("fc", "if"), ("if", "output")])
    graph.infer_types()
    alpha = np.float32(dt / 2e-3)
    x = torch.from_numpy(images)
    cur = F.conv2d(x, torch.from_numpy(wc), torch.from_numpy(bc), padding=1).numpy()
    v1 = np.zeros((N_SAMPLES, 4, 8, 8), np.float32)
    v2 = np.zeros((N_SAMPLES, 10), np.float32)
    s1, s2, acc = [], [], np.zeros((N_SAMPLES, 10))
    for _ in range(T):
        v1 = (v1 + alpha * ((0 - v1) + cur)).astype(np.float32)
        z1 = (v1 > th).astype(np.float32)
        v1 = (v1 - z1 * th).astype(np.float32)
        pooled = z1.reshape(N_SAMPLES, 4, 4, 2, 4, 2).sum(axis=(3, 5)).reshape(N_SAMPLES, 64)
        v2 = (v2 + (pooled @ w2.T + b2)).astype(np.float32)
        z2 = (v2 > 1.0).astype(np.float32)
        v2 = (v2 - z2).astype(np.float32)
        s1.append(z1)
        s2.append(z2)
        acc += z2
    spikes = {"lif": np.stack(s1, 1).astype(np.float64), "if": np.stack(s2, 1).astype(np.float64)}
    return Prepared(graph, images, T, spikes, predictions_from(acc), [], legacy=[],
                    notes=["hand-built Conv2d→LIF→SumPool2d→Flatten→Affine→IF, numpy reference"])


# --------------------------------------------------------------------------------------------------
# Framework-side synops and MACs by NeuroCost's definitions, from the (flattened) NIR graph
# --------------------------------------------------------------------------------------------------

def flatten_graph(g: nir.NIRGraph, prefix: str = "") -> tuple[dict, list]:
    """Nested graphs become 'outer.inner' nodes; their Input/Output nodes are passed through."""
    nodes, edges, passthrough = {}, [], set()
    for name, node in g.nodes.items():
        full = prefix + name
        if isinstance(node, nir.NIRGraph):
            sub_nodes, sub_edges = flatten_graph(node, full + ".")
            nodes.update(sub_nodes)
            edges += sub_edges
            for sname, snode in node.nodes.items():
                if isinstance(snode, (nir.Input, nir.Output)):
                    passthrough.add(full + "." + sname)
        else:
            nodes[full] = node

    def endpoint(name: str, is_source: bool) -> str:
        full = prefix + name
        if full in nodes:
            return full
        sub = g.nodes.get(name)
        if isinstance(sub, nir.NIRGraph):   # an edge to the subgraph itself: its Output / Input
            want = nir.Output if is_source else nir.Input
            inner = [k for k, v in sub.nodes.items() if isinstance(v, want)]
            return full + "." + inner[0]
        raise KeyError(f"edge endpoint {full} not found")

    edges += [(endpoint(a, True), endpoint(b, False)) for a, b in g.edges]
    for p in passthrough:   # contract pass-through nodes
        ins = [a for a, b in edges if b == p]
        outs = [b for a, b in edges if a == p]
        edges = [(a, b) for a, b in edges if p not in (a, b)] + [(a, b) for a in ins for b in outs]
        nodes.pop(p, None)
    return nodes, edges


def _pair(v) -> tuple[int, int]:
    v = [int(e) for e in np.atleast_1d(v)]
    return (v[0], v[0]) if len(v) == 1 else (v[0], v[1])


def _mask_apply(node, x: torch.Tensor) -> torch.Tensor:
    """One node of a path, with weights replaced by their non-zero indicator and pools by window sums
    (a spike is passed to every pooled position whose window holds it)."""
    if isinstance(node, (nir.Affine, nir.Linear)):
        w = torch.as_tensor(np.asarray(node.weight) != 0, dtype=torch.float64)
        return w @ x.reshape(-1)
    if isinstance(node, nir.Conv2d):
        w = torch.as_tensor(np.asarray(node.weight) != 0, dtype=torch.float64)
        pad = node.padding if isinstance(node.padding, str) else _pair(node.padding)
        return F.conv2d(x.reshape(1, w.shape[1] * int(node.groups), *x.shape[-2:]), w, None, _pair(node.stride),
                        pad, _pair(node.dilation), int(node.groups))[0]
    if isinstance(node, nir.Conv1d):
        w = torch.as_tensor(np.asarray(node.weight) != 0, dtype=torch.float64)
        pad = node.padding if isinstance(node.padding, str) else _pair(node.padding)[0]
        return F.conv1d(x.reshape(1, w.shape[1] * int(node.groups), x.shape[-1]), w, None, _pair(node.stride)[0],
                        pad, _pair(node.dilation)[0], int(node.groups))[0]
    if isinstance(node, nir.Scale):
        return x * torch.as_tensor(np.asarray(node.scale) != 0, dtype=torch.float64)
    if isinstance(node, (nir.SumPool2d, nir.AvgPool2d)):
        k, st, p = _pair(node.kernel_size), _pair(node.stride), _pair(node.padding)
        y = F.avg_pool2d(x.reshape(1, -1, *x.shape[-2:]), k, st, p, count_include_pad=True) * (k[0] * k[1])
        return y[0]
    if isinstance(node, nir.Flatten):
        return x.reshape(-1)
    raise TypeError(f"unexpected node on a path: {type(node).__name__}")


def framework_counts(graph: nir.NIRGraph, spikes: dict[str, np.ndarray], images: np.ndarray, T: int):
    """Per layer (NIR node name): spikes, synops and MACs per step (T,), by NeuroCost's definitions."""
    nodes, edges = flatten_graph(graph)
    preds: dict[str, list[str]] = {k: [] for k in nodes}
    for a, b in edges:
        preds[b].append(a)
    n = images.shape[0]
    counts: dict[str, dict[str, np.ndarray]] = {}

    def sources(name: str, path: list) -> list[tuple[str, list]]:
        """Walk back from a node through Flatten/pools to spiking nodes or Input: (source, path)."""
        out = []
        for p in preds[name]:
            node = nodes[p]
            if isinstance(node, (nir.Flatten, nir.SumPool2d, nir.AvgPool2d)):
                out += sources(p, [node] + path)
            else:
                out.append((p, path))
        return out

    for name, node in nodes.items():
        is_weighted = isinstance(node, WEIGHTED_TYPES)
        is_spiking = isinstance(node, SPIKING_TYPES)
        if not (is_weighted or is_spiking):
            continue
        # per step (T,) summed over samples, and per sample (N,) summed over steps
        c = {m: np.zeros(T, np.int64) for m in ("spikes", "synops", "macs")}
        c.update({f"per_sample/{m}": np.zeros(n, np.int64) for m in ("spikes", "synops", "macs")})
        if is_spiking:
            if name not in spikes:
                raise RuntimeError(f"framework recorded no spikes for spiking node '{name}'")
            c["spikes"] = np.rint(spikes[name].reshape(n, T, -1).sum(axis=(0, 2))).astype(np.int64)
            c["per_sample/spikes"] = np.rint(spikes[name].reshape(n, T, -1).sum(axis=(1, 2))).astype(np.int64)
        for src, path in sources(name, []):
            snode = nodes[src]
            if is_spiking and not isinstance(snode, SPIKING_TYPES):
                continue   # analog current into a population: no event to count
            if isinstance(snode, nir.Input):
                analog = True
                shape = tuple(images.shape[1:])
            elif isinstance(snode, SPIKING_TYPES):
                analog = False
                shape = spikes[src].shape[2:]
            else:
                raise RuntimeError(f"unsupported source {src} ({type(snode).__name__}) of {name}")
            if is_weighted:
                x = torch.ones(shape, dtype=torch.float64, requires_grad=True)
                with torch.enable_grad():
                    y = x
                    for p in path + [node]:
                        y = _mask_apply(p, y)
                    y.sum().backward()
                fan = x.grad.numpy().reshape(-1)
            else:
                fan = np.ones(int(np.prod(shape)))   # a spike reaching a population without weights: one
            if analog:
                per_sample = np.rint(((images.reshape(n, -1) != 0) * fan).sum(axis=1)).astype(np.int64)
                c["macs"] += int(per_sample.sum())
                c["per_sample/macs"] += per_sample * T
            else:
                s = spikes[src].reshape(n, T, -1)
                c["synops"] += np.rint(np.einsum("ntk,k->t", s, fan)).astype(np.int64)
                c["per_sample/synops"] += np.rint(np.einsum("ntk,k->n", s, fan)).astype(np.int64)
        counts[name] = c
    # Readout: the first Output node accumulates its input; the prediction after each step is the argmax.
    out_name = next(k for k, v in nodes.items() if isinstance(v, nir.Output))
    acc = 0
    for src in preds[out_name]:
        if src not in spikes:
            raise RuntimeError(f"Output '{out_name}' reads '{src}', which is not a spiking node")
        acc = acc + np.cumsum(spikes[src].reshape(n, T, -1), axis=1)
    counts["@predictions_by_timestep"] = np.argmax(acc, axis=2).astype(np.int64)
    return counts


# --------------------------------------------------------------------------------------------------
# Running NeuroCost and comparing
# --------------------------------------------------------------------------------------------------

def write_data(path: Path, images: np.ndarray, shape=None):
    with h5py.File(path, "w") as f:
        x = images if shape is None else images.reshape(images.shape[0], *shape)
        f.create_dataset("images", data=x.astype(np.float32))
        f.create_dataset("labels", data=labels_for(images.shape[0]))


def binary_ready(binary: str, timeout: float = 300.0) -> None:
    """The lead rebuilds the binary from time to time: wait until it exists and answers --help."""
    deadline = time.time() + timeout
    while True:
        if os.path.isfile(binary) and os.access(binary, os.X_OK):
            try:
                r = subprocess.run([binary, "run", "--help"], capture_output=True, text=True)
                if r.returncode == 0:
                    return
            except OSError:
                pass
        if time.time() > deadline:
            raise SystemExit(f"crosscheck: neurocost binary not usable: {binary}")
        time.sleep(20)


def run_binary(cmd: list[str], timeout: float = 600.0) -> subprocess.CompletedProcess:
    """Run neurocost; while the binary is being replaced (missing, 'Text file busy'), wait and retry."""
    deadline = time.time() + timeout
    while True:
        try:
            return subprocess.run(cmd, capture_output=True, text=True)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(15)


@dataclass
class Outcome:
    name: str
    ok: bool
    rows: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    seconds: float = 0.0


def run_case(c: Case, binary: str, workdir: Path, legacy: bool) -> Outcome:
    t0 = time.time()
    out = Outcome(c.name, False)
    try:
        torch.manual_seed(0)
        NAME_MAPPINGS.clear()
        prep = c.build()
    except Exception as e:  # noqa: BLE001
        out.messages.append(f"framework side failed: {type(e).__name__}: {e}")
        out.messages.append(traceback.format_exc(limit=4))
        return out
    if legacy and prep.legacy is None:
        out.ok = True
        out.messages.append("skipped (no equivalent options without --framework)")
        return out
    cdir = workdir / c.name
    cdir.mkdir(parents=True, exist_ok=True)
    nir_path, data_path, res_path = cdir / f"{c.name}.nir", cdir / "data.h5", cdir / "results.h5"
    nir.write(str(nir_path), prep.legacy_patch(prep.graph) if (legacy and prep.legacy_patch) else prep.graph)
    write_data(data_path, prep.images, prep.legacy_input_shape if legacy else None)
    T = prep.timesteps
    expected = framework_counts(prep.graph, prep.spikes, prep.images, T)
    by_step = expected.pop("@predictions_by_timestep")
    if not np.array_equal(by_step[:, -1], prep.predictions):
        raise RuntimeError("harness inconsistency: the framework's output does not equal its last layer's spikes")
    if legacy:
        # Today's reading, with today's options; binaries that detect the exporter need it said.
        opts = (["--framework", "nir"] if HAS_FRAMEWORK_OPTION else []) + list(prep.legacy)
    else:
        opts = ["--framework", c.framework] + prep.options
    cmd = [binary, "run", str(nir_path), "--data", str(data_path), "--timesteps", str(T),
           *opts, "--out", str(res_path), "--force", "--quiet"]
    out.messages.append("$ " + " ".join(cmd[1:2] + [nir_path.name] + cmd[3:4] + ["data.h5"] + cmd[5:]))
    for note in prep.notes:
        out.messages.append("  " + note)
    for mapping in NAME_MAPPINGS:
        out.messages.append("  framework module -> NIR node: " + ", ".join(f"{k} -> {v}" for k, v in mapping.items()))
    # A case where nothing spikes proves nothing.
    for name, arr in prep.spikes.items():
        total = int(np.rint(arr.sum()))
        floor = max(20, int(MIN_SPIKE_FRACTION * arr.size))
        if total < floor:
            out.messages.append(f"framework layer {name} spikes only {total} times (< {floor}, "
                                f"{MIN_SPIKE_FRACTION:.0%} of neuron-steps): the case proves nothing")
            out.rows.append((name, total, None, None, None, None))
            return out
    r = run_binary(cmd)
    if r.returncode != 0:
        out.messages.append(f"neurocost failed (exit {r.returncode}): {r.stderr.strip()[:600]}")
        for name in sorted(expected):
            out.rows.append((name, int(expected[name]["spikes"].sum()), None, None, None, None))
        return out
    if r.stderr.strip():
        out.messages.append("neurocost stderr: " + r.stderr.strip()[:400])
    with h5py.File(res_path, "r") as f:
        names = list(f["layers/names"].asstr()[...])
        kinds = list(f["layers/kinds"].asstr()[...])
        got = {m: f[f"counts/{m}"][...] for m in ("spikes", "synops", "macs")}
        preds = f["results/predictions"][...]
        preds_by_step = f["results/predictions_by_timestep"][...]
        per_sample = {m: f[f"counts/per_sample/{m}"][...] for m in ("spikes", "synops", "macs")}
    ok = True
    pred_eq = preds.shape == prep.predictions.shape and bool(np.all(preds == prep.predictions))
    if not pred_eq:
        ok = False
        if preds.shape == prep.predictions.shape:
            out.messages.append(f"predictions: {int((preds == prep.predictions).sum())}/{len(preds)} equal")
        else:
            out.messages.append(f"predictions: shape {preds.shape} vs {prep.predictions.shape}")
    if pred_eq and not np.array_equal(preds_by_step, by_step):
        pred_eq = ok = False
        t = int(np.argmax((preds_by_step != by_step).any(axis=0)))
        out.messages.append(f"predictions_by_timestep: first difference after step {t}: "
                            f"{int((preds_by_step[:, t] == by_step[:, t]).sum())}/{len(preds)} equal")
    if sorted(names) != sorted(expected):
        ok = False
        out.messages.append(f"layer names differ: neurocost {names} vs expected {sorted(expected)}")
    for li, name in enumerate(names):
        if name not in expected:
            continue
        e = expected[name]
        eq = {}
        for m in ("spikes", "synops", "macs"):
            g = got[m][:, li]
            eq[m] = bool(np.array_equal(g, e[m]))
            if not eq[m]:
                ok = False
                t = int(np.argmax(g != e[m])) if g.shape == e[m].shape else -1
                out.messages.append(f"{name} ({kinds[li]}) {m}: first difference at step {t}: "
                                    f"neurocost {g[t] if t >= 0 else g.shape} vs framework {e[m][t] if t >= 0 else e[m].shape}; "
                                    f"totals {int(g.sum())} vs {int(e[m].sum())}")
        for m in ("spikes", "synops", "macs"):
            if eq[m] and not np.array_equal(per_sample[m][:, li], e[f"per_sample/{m}"]):
                eq[m] = ok = False
                i = int(np.argmax(per_sample[m][:, li] != e[f"per_sample/{m}"]))
                out.messages.append(f"{name} ({kinds[li]}) per_sample/{m}: first difference at sample {i}: "
                                    f"neurocost {per_sample[m][i, li]} vs framework {e[f'per_sample/{m}'][i]}")
        out.rows.append((f"{name} ({kinds[li]})", int(e["spikes"].sum()), int(got["spikes"][:, li].sum()),
                         eq["synops"], eq["macs"], pred_eq))
    out.ok = ok
    out.seconds = time.time() - t0
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--neurocost", default=os.environ.get("NEUROCOST_BIN", str(REPO / ".build/debug/neurocost")),
                    help="neurocost binary (default: $NEUROCOST_BIN or <repo>/.build/debug/neurocost)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="run only these cases (or framework names)")
    ap.add_argument("--keep", metavar="DIR", help="keep the .nir, data and results files in DIR")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--legacy-options", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.list:
        for c in CASES:
            print(f"{c.name}\t{c.framework}")
        return 0
    selected = CASES
    if args.only:
        unknown = [n for n in args.only if n not in {c.name for c in CASES} | {c.framework for c in CASES}]
        if unknown:
            print(f"crosscheck: unknown case(s): {', '.join(unknown)}", file=sys.stderr)
            return 2
        selected = [c for c in CASES if c.name in args.only or c.framework in args.only]

    binary = os.path.abspath(args.neurocost)
    binary_ready(binary)
    help_text = run_binary([binary, "run", "--help"]).stdout
    global HAS_FRAMEWORK_OPTION
    HAS_FRAMEWORK_OPTION = "--framework" in help_text
    if not args.legacy_options and "--framework" not in help_text:
        print(f"crosscheck: {binary} has no `run --framework` option yet: every case will fail",
              file=sys.stderr)

    start = time.time()
    cpu0 = time.process_time()
    if args.keep:
        workdir = Path(args.keep).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        cleanup = None
    else:
        cleanup = tempfile.mkdtemp(prefix="neurocost-crosscheck-")
        workdir = Path(cleanup)
    outcomes = []
    try:
        for c in selected:
            try:
                o = run_case(c, binary, workdir, args.legacy_options)
            except Exception as e:  # noqa: BLE001
                o = Outcome(c.name, False, messages=[f"harness error: {type(e).__name__}: {e}",
                                                     traceback.format_exc(limit=6)])
            outcomes.append(o)
            status = "ok" if o.ok else "MISMATCH"
            print(f"== {c.name} [{c.framework}] {status}", flush=True)
            for m in o.messages:
                print("   " + m, flush=True)
    finally:
        if cleanup:
            shutil.rmtree(cleanup, ignore_errors=True)

    print()
    header = ("case", "layer", "fw spikes", "nc spikes", "synops =", "macs =", "preds =")
    rows = []
    for o in outcomes:
        for r in o.rows or [("-", None, None, None, None, None)]:
            rows.append((o.name, *(("-" if v is None else ("yes" if v is True else "NO" if v is False else str(v)))
                                   for v in r)))
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(r, widths)))
    failed = [o.name for o in outcomes if not o.ok]
    print(f"\n{len(outcomes) - len(failed)}/{len(outcomes)} cases agree"
          + (f"; mismatching: {', '.join(failed)}" if failed else "")
          + f" ({time.time() - start:.1f} s wall, {time.process_time() - cpu0:.1f} s harness CPU)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
