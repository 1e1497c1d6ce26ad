/// GANNumerics: one import for the whole library.
@_exported import Tensors
@_exported import Autodiff
@_exported import Layers
@_exported import StepRules
@_exported import Games
@_exported import Experiments
@_exported import Formats
@_exported import Spectral
