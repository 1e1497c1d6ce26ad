import Foundation
import Tensors

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
/// mapping each name to `{"dtype", "shape", "data_offsets"}` (plus optional string
/// `"__metadata__"`), then the raw little-endian data. Names and layouts follow PyTorch's state
/// dict, so `safetensors.torch.load_file` reads these files directly.
public enum Safetensors {
    /// The file contents for `tensors` (written in name order).
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> [UInt8] {
        var entries: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            entries.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
        }
        var data: [UInt8] = []
        for (name, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
            let start = data.count
            tensor.withUnsafeBytes { data += $0 }
            let code = tensor.dtype == .float32 ? "F32" : "F64"
            entries.append("\(jsonString(name)):{\"dtype\":\"\(code)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(start),\(data.count)]}")
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }  // pad with spaces so data is aligned
        let length = UInt64(header.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + header + data
    }

    /// The tensors and metadata of a safetensors file, every entry checked against the data.
    public static func decode(_ bytes: [UInt8]) throws(FormatError) -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard bytes.count >= 8 else { throw FormatError("too short for a safetensors file (\(bytes.count) bytes)") }
        let headerLength = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw FormatError("header length \(headerLength) exceeds the file size \(bytes.count)")
        }
        let dataStart = 8 + Int(headerLength)
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])),
              let header = json as? [String: Any] else {
            throw FormatError("header is not a JSON object")
        }
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        var covered: [(Int, Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let fields = value as? [String: String] else { throw FormatError("__metadata__ must map strings to strings") }
                metadata = fields
                continue
            }
            guard let entry = value as? [String: Any], let code = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw FormatError("entry '\(name)' lacks dtype, shape or data_offsets")
            }
            let dtype: DType
            switch code {
            case "F32": dtype = .float32
            case "F64": dtype = .float64
            default: throw FormatError("entry '\(name)' has dtype \(code); only F32 and F64 are read")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw FormatError("entry '\(name)' has a negative extent in \(shape)") }
            let expected = shape.reduce(1, *) * dtype.byteWidth
            let (start, end) = (offsets[0], offsets[1])
            guard start >= 0, end >= start, end - start == expected, dataStart + end <= bytes.count else {
                throw FormatError("entry '\(name)' of shape \(shape) has data offsets [\(start), \(end)] that do not fit its \(expected) bytes in the \(bytes.count - dataStart)-byte data section")
            }
            covered.append((start, end))
            tensors[name] = Tensor(shape: shape, dtype: dtype, bytes: bytes[(dataStart + start)..<(dataStart + end)])
        }
        covered.sort { $0.0 < $1.0 }
        var next = 0
        for (start, end) in covered {
            guard start == next else { throw FormatError("data section has a gap or overlap at byte \(next)") }
            next = end
        }
        guard next == bytes.count - dataStart else { throw FormatError("data section has \(bytes.count - dataStart - next) stray bytes") }
        return (tensors, metadata)
    }

    /// Writes `tensors` to `path` atomically.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String) throws(FormatError) {
        try FileIO.write(encode(tensors, metadata: metadata), to: path)
    }

    /// Reads the safetensors file at `path`.
    public static func read(_ path: String) throws(FormatError) -> (tensors: [String: Tensor], metadata: [String: String]) {
        do {
            return try decode(FileIO.read(path))
        } catch {
            throw error.path == nil ? error.at(path) : error
        }
    }
}

/// `value` as a JSON string literal.
func jsonString(_ value: String) -> String {
    var result = "\""
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        default:
            if scalar.value < 0x20 {
                result += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}
