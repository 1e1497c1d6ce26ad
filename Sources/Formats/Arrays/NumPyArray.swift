import Foundation
import Tensors

/// NumPy's `.npy` format (versions 1–3): the magic string `\x93NUMPY`, a version, a header
/// length, a Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`
/// padded to a multiple of 64 bytes, then the data. Reads little- and big-endian f4/f8 in C or
/// Fortran order, uint8 arrays and complex128 vectors; writes version 1.0, C order.
public enum NumPyArray {
    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The `.npy` file of `tensor`.
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        var file = header(descr: tensor.dtype == .float32 ? "<f4" : "<f8", shape: tensor.shape)
        tensor.withUnsafeBytes { file += $0 }
        return file
    }

    /// The `.npy` file of a complex128 vector (NumPy's `<c16`), from real and imaginary parts.
    public static func encodeComplex(real: [Double], imaginary: [Double]) -> [UInt8] {
        precondition(real.count == imaginary.count, "encodeComplex: \(real.count) real and \(imaginary.count) imaginary parts")
        var file = header(descr: "<c16", shape: [real.count])
        for (re, im) in zip(real, imaginary) {
            for value in [re, im] { file += LittleEndian.bytes(value.bitPattern) }
        }
        return file
    }

    /// The tensor in a `.npy` file of float32 or float64.
    public static func decode(_ bytes: [UInt8]) throws(FormatError) -> Tensor {
        let header = try parseHeader(bytes)
        let dtype: DType
        switch header.descr.dropFirst() {
        case "f4": dtype = .float32
        case "f8": dtype = .float64
        default: throw FormatError(".npy dtype '\(header.descr)' is not supported (only float32 and float64)")
        }
        let data = try payload(bytes, header, width: dtype.byteWidth)
        if header.fortranOrder {
            let reversed = Tensor(shape: header.shape.reversed(), dtype: dtype, bytes: data)
            return reversed.permuted(Array((0..<header.shape.count).reversed()))
        }
        return Tensor(shape: header.shape, dtype: dtype, bytes: data)
    }

    /// The bytes and shape of a uint8 (`|u1`) `.npy` array (images as NumPy and PIL hold them).
    public static func decodeUInt8(_ bytes: [UInt8]) throws(FormatError) -> (shape: [Int], values: [UInt8]) {
        let header = try parseHeader(bytes)
        guard header.descr.dropFirst() == "u1" else {
            throw FormatError(".npy dtype '\(header.descr)' is not uint8")
        }
        let data = try payload(bytes, header, width: 1)
        guard header.fortranOrder else { return (header.shape, data) }
        let reversed = Tensor(shape: header.shape.reversed(), scalars: data.map(Float.init))
            .permuted(Array((0..<header.shape.count).reversed()))
        return (header.shape, reversed.floats.map { UInt8($0) })
    }

    /// The real and imaginary parts of a complex128 (`<c16`) `.npy` vector.
    public static func decodeComplex(_ bytes: [UInt8]) throws(FormatError) -> (real: [Double], imaginary: [Double]) {
        let header = try parseHeader(bytes)
        guard header.descr.dropFirst() == "c16", header.shape.count == 1 else {
            throw FormatError(".npy file holds '\(header.descr)' of shape \(header.shape), not a complex128 vector")
        }
        let data = try payload(bytes, header, width: 16)
        let interleaved = Tensor(shape: [2 * header.shape[0]], dtype: .float64, bytes: data).doubles
        return (stride(from: 0, to: interleaved.count, by: 2).map { interleaved[$0] },
                stride(from: 1, to: interleaved.count, by: 2).map { interleaved[$0] })
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

    private struct Header {
        let descr: String
        let fortranOrder: Bool
        let shape: [Int]
        let dataStart: Int
    }

    private static func parseHeader(_ bytes: [UInt8]) throws(FormatError) -> Header {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw FormatError("not a .npy file (bad magic string)") }
        let major = bytes[6]
        let (lengthBytes, headerStart): (Int, Int) = major == 1 ? (2, 10) : (4, 12)
        guard major >= 1 && major <= 3, bytes.count >= headerStart else {
            throw FormatError(".npy version \(major).\(bytes[7]) is not supported")
        }
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        guard headerStart + headerLength <= bytes.count else { throw FormatError(".npy header is truncated") }
        let text = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        guard let descr = field("descr", in: text)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")),
              let order = field("fortran_order", in: text), let shapeText = field("shape", in: text) else {
            throw FormatError(".npy header lacks descr, fortran_order or shape: \(text)")
        }
        let shape = try parseShape(shapeText)
        return Header(descr: descr, fortranOrder: order.hasPrefix("True"), shape: shape,
                      dataStart: headerStart + headerLength)
    }

    /// A shape tuple, `()`, `(3,)` or `(2, 3)`: non-negative integers only.
    private static func parseShape(_ text: String) throws(FormatError) -> [Int] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("("), trimmed.hasSuffix(")"), trimmed.count >= 2 else {
            throw FormatError(".npy shape \(text) is not a tuple")
        }
        let inside = trimmed.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var extents = inside
        if extents.last == "" { extents.removeLast() }  // (3,) and ()
        var shape: [Int] = []
        for extent in extents {
            guard let value = Int(extent), value >= 0 else { throw FormatError(".npy shape \(text) has an extent that is not a non-negative integer") }
            shape.append(value)
        }
        return shape
    }

    /// The data bytes, checked against the shape and put in little-endian order.
    private static func payload(_ bytes: [UInt8], _ header: Header, width: Int) throws(FormatError) -> [UInt8] {
        guard let expected = byteCount(header.shape, width: width) else {
            throw FormatError(".npy shape \(header.shape) is too large")
        }
        guard bytes.count - header.dataStart == expected else {
            throw FormatError(".npy data has \(bytes.count - header.dataStart) bytes but shape \(header.shape) of \(header.descr) needs \(expected)")
        }
        var data = Array(bytes[header.dataStart...])
        if header.descr.first == ">" {
            let scalarWidth = width == 16 ? 8 : width
            for start in stride(from: 0, to: data.count, by: scalarWidth) { data[start..<start + scalarWidth].reverse() }
        }
        return data
    }

    private static func header(descr: String, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(\(shape.map(String.init).joined(separator: ", ")))"
        var header = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }".utf8)
        while (magic.count + 4 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        return magic + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header
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
