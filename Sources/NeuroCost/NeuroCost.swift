// The NeuroCost library: one import gives the network model, NIR input/output,
// static cost analysis and the HDF5 wrapper.
@_exported import NetworkModel
@_exported import NIRFormat
@_exported import CostAnalysis
@_exported import HDF5Kit
@_exported import SampleData
@_exported import Simulator
@_exported import ResultsFile
@_exported import Conversion
@_exported import HardwareProfiles
@_exported import EnergyLedger
@_exported import CoreMapping
@_exported import RunPricing
