import FuzzSupport
import GANNumerics

/// Any bytes given as a `.npy` file, real or complex.
fuzz { bytes in
    _ = try? NumPyArray.decode(bytes)
    _ = try? NumPyArray.decodeComplex(bytes)
}
