#!/bin/sh
# Installs the pinned frameworks for crosscheck.py into the current python3 environment (CPU only).
# torch 2.13.0+cpu must be resolvable by pip (a wheel directory configured as find-links, or a
# package index that serves the CPU build).
set -eu
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
"$PY" -m pip install --quiet --disable-pip-version-check -c constraints.txt torch==2.13.0+cpu nir==1.0.8 nirtorch==2.6 snntorch==1.0.0 \
    norse==1.1.0 spikingjelly==2.0.0 h5py numpy
# sinabs 3.1.3 declares nir<=1.0.4; with its dependencies pip would downgrade nir and nirtorch.
"$PY" -m pip install --quiet --disable-pip-version-check -c constraints.txt --no-deps sinabs==3.1.3 pbr
"$PY" -c "import torch, nir, nirtorch, snntorch, sinabs, norse, spikingjelly, h5py; print('crosscheck deps ok: torch', torch.__version__, 'nir', nir.__version__)"
