/// Files written by the reference tools (NumPy 2.4, safetensors 0.7, Python's gzip and zlib),
/// kept as bytes so the tests need no Python.
enum Fixtures {
    /// `np.save(np.arange(6, dtype='<f4').reshape(2, 3) / 4)`.
    static let npyFloat32: [UInt8] = [147, 78, 85, 77, 80, 89, 1, 0, 118, 0, 123, 39, 100, 101, 115, 99, 114, 39, 58, 32, 39, 60, 102, 52, 39, 44, 32, 39, 102, 111, 114, 116, 114, 97, 110, 95, 111, 114, 100, 101, 114, 39, 58, 32, 70, 97, 108, 115, 101, 44, 32, 39, 115, 104, 97, 112, 101, 39, 58, 32, 40, 50, 44, 32, 51, 41, 44, 32, 125] + [UInt8](repeating: 32, count: 58) + [10, 0, 0, 0, 0, 0, 0, 128, 62, 0, 0, 0, 63, 0, 0, 64, 63, 0, 0, 128, 63, 0, 0, 160, 63]

    /// `safetensors.numpy.save({"generator.layers.0.weight": float32 [[1.5, -2], [0.25, 4]],
    /// "b": float64 [1]}, metadata={"step": "7"})`.
    static let safetensors: [UInt8] = [168, 0, 0, 0, 0, 0, 0, 0] + Array(#"{"__metadata__":{"step":"7"},"b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"generator.layers.0.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]}}"#.utf8) + [32, 32, 32, 32, 32, 32, 0, 0, 0, 0, 0, 0, 240, 63, 0, 0, 192, 63, 0, 0, 0, 192, 0, 0, 128, 62, 0, 0, 128, 64]

    /// `gzip.compress(b"hello hello hello gzip world", mtime=0)`.
    static let gzip: [UInt8] = [31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 203, 72, 205, 201, 201, 87, 200, 64, 34, 211, 171, 50, 11, 20, 202, 243, 139, 114, 82, 0, 4, 194, 206, 16, 28, 0, 0, 0]

    /// `zlib.compress(bytes(range(50)) * 3, 9)` (dynamic Huffman codes).
    static let zlib: [UInt8] = [120, 218, 99, 96, 100, 98, 102, 97, 101, 99, 231, 224, 228, 226, 230, 225, 229, 227, 23, 16, 20, 18, 22, 17, 21, 19, 151, 144, 148, 146, 150, 145, 149, 147, 87, 80, 84, 82, 86, 81, 85, 83, 215, 208, 212, 210, 214, 209, 213, 211, 55, 48, 100, 160, 131, 14, 0, 194, 148, 14, 92]
}
