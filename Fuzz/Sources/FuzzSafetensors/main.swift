import FuzzSupport
import GANNumerics

/// Any bytes given as a safetensors file: a clear error or a valid result, never a crash.
fuzz { bytes in
    _ = try? Safetensors.decode(bytes)
}
