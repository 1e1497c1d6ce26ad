import Foundation
import Tensors

/// NumPy's `.npy` format (versions 1–3): the magic string `\x93NUMPY`, a version, a header
/// length, a Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`
/// padded to a multiple of 64 bytes, then the data. Reads little-endian f4/f8 (also big-endian,
/// and Fortran order); writes version 1.0, C order.
public enum NumPyArray {
    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The `.npy` file of `tensor`.
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        let descr = tensor.dtype == .float32 ? "<f4" : "<f8"
        let shape = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)"
            : "(\(tensor.shape.map(String.init).joined(separator: ", ")))"
        var header = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }".utf8)
        while (magic.count + 4 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        var file = magic + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header
        tensor.withUnsafeBytes { file += $0 }
        return file
    }

    /// The tensor in a `.npy` file.
    public static func decode(_ bytes: [UInt8]) throws(FormatError) -> Tensor {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw FormatError("not a .npy file (bad magic string)") }
        let major = bytes[6]
        let (lengthBytes, headerStart): (Int, Int) = major == 1 ? (2, 10) : (4, 12)
        guard major >= 1 && major <= 3, bytes.count >= headerStart else {
            throw FormatError(".npy version \(major).\(bytes[7]) is not supported")
        }
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        guard headerStart + headerLength <= bytes.count else { throw FormatError(".npy header is truncated") }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        guard let descr = field("descr", in: header)?.trimmingQuotes,
              let order = field("fortran_order", in: header), let shapeText = field("shape", in: header) else {
            throw FormatError(".npy header lacks descr, fortran_order or shape: \(header)")
        }
        let dtype: DType
        switch descr.dropFirst() {
        case "f4": dtype = .float32
        case "f8": dtype = .float64
        default: throw FormatError(".npy dtype '\(descr)' is not supported (only float32 and float64)")
        }
        let bigEndian = descr.first == ">"
        let shape = shapeText.filter { $0.isNumber || $0 == "," }.split(separator: ",").compactMap { Int($0) }
        let count = shape.reduce(1, *)
        let dataStart = headerStart + headerLength
        guard bytes.count - dataStart == count * dtype.byteWidth else {
            throw FormatError(".npy data has \(bytes.count - dataStart) bytes but shape \(shape) of \(descr) needs \(count * dtype.byteWidth)")
        }
        var data = Array(bytes[dataStart...])
        if bigEndian {
            for start in stride(from: 0, to: data.count, by: dtype.byteWidth) { data[start..<start + dtype.byteWidth].reverse() }
        }
        if order.hasPrefix("True") {
            let reversed = Tensor(shape: shape.reversed(), dtype: dtype, bytes: data)
            return reversed.permuted(Array((0..<shape.count).reversed()))
        }
        return Tensor(shape: shape, dtype: dtype, bytes: data)
    }

    /// Writes `tensor` to `path` atomically.
    public static func write(_ tensor: Tensor, to path: String) throws(FormatError) {
        try FileIO.write(encode(tensor), to: path)
    }

    /// Reads the `.npy` file at `path`.
    public static func read(_ path: String) throws(FormatError) -> Tensor {
        do {
            return try decode(FileIO.read(path))
        } catch {
            throw error.path == nil ? error.at(path) : error
        }
    }

    /// The text after `'key':` up to the next top-level comma.
    private static func field(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        var depth = 0
        var value = ""
        for character in header[range.upperBound...] {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if (character == "," && depth == 0) || character == "}" { break }
            value.append(character)
        }
        return value.trimmingCharacters(in: .whitespaces)
    }
}

private extension String {
    var trimmingQuotes: String { trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }
}
