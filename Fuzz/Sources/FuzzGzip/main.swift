import FuzzSupport
import GANNumerics

/// Any bytes given as a gzip file (members, header flags, CRC and length trailers).
fuzz { bytes in
    _ = try? Inflate.gunzip(bytes)
}
