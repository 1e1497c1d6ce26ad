import FuzzSupport
import GANNumerics

/// Any bytes given as an IDX file (MNIST), plain or gzip-compressed.
fuzz { bytes in
    _ = try? IDX.decode(bytes)
}
