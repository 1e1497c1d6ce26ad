import FuzzSupport
import GANNumerics

/// Any bytes given as a raw DEFLATE stream and as a zlib stream.
fuzz { bytes in
    _ = try? Inflate.decompress(bytes)
    _ = try? Inflate.zlibDecompress(bytes)
}
