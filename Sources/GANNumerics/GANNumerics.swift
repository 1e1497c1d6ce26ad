/// GANNumerics: one import for the whole library.
@_exported import Tensors
@_exported import Autodiff
