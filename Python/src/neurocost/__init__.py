"""NeuroCost's Python side: read results files as xarray and pandas, and merge sharded runs exactly.

>>> import neurocost
>>> r = neurocost.open(run_path)
>>> r.counts["synops"].sum("timestep").sel(layer=r.layers[0]).item() >= 0
True
"""

from .results import Results, ResultsFileError, is_scale, open
from .traces import TraceError

__all__ = ["Results", "ResultsFileError", "TraceError", "is_scale", "open"]
__version__ = "0.1.0"
