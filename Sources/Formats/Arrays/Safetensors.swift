import Foundation
import Tensors

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
/// mapping each name to `{"dtype", "shape", "data_offsets"}` (plus optional string
/// `"__metadata__"`), then the raw little-endian data. Names and layouts follow PyTorch's state
/// dict, so `safetensors.torch.load_file` reads these files directly.
public enum Safetensors {
    /// The file contents for `tensors` (written in name order); those named in `integers` hold
    /// whole numbers and are written as I64, as PyTorch writes its counters.
    public static func encode(_ tensors: [String: Tensor], integers: Set<String> = [], metadata: [String: String] = [:]) -> [UInt8] {
        var entries: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            entries.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
        }
        var data: [UInt8] = []
        for (name, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
            let start = data.count
            let code: String
            if integers.contains(name) {
                for value in tensor.doubles {
                    let integer = Int64(exactly: value.rounded()) ?? 0
                    data += (0..<8).map { UInt8(truncatingIfNeeded: integer >> (8 * $0)) }
                }
                code = "I64"
            } else {
                tensor.withUnsafeBytes { data += $0 }
                code = tensor.dtype == .float32 ? "F32" : "F64"
            }
            entries.append("\(jsonString(name)):{\"dtype\":\"\(code)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(start),\(data.count)]}")
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }  // pad with spaces so data is aligned
        return LittleEndian.bytes(UInt64(header.count)) + header + data
    }

    /// The largest header read (the format's own limit), so a corrupt length cannot make the
    /// reader allocate or parse gigabytes.
    static let maximumHeaderLength = 100_000_000

    /// The tensors and metadata of a safetensors file, every entry checked against the data
    /// (extents, byte counts and offsets with overflow checks) before any tensor is allocated.
    public static func decode(_ bytes: [UInt8]) throws(FormatError) -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard bytes.count >= 8 else { throw FormatError("too short for a safetensors file (\(bytes.count) bytes)") }
        let headerLength = LittleEndian.integer(bytes[0..<8])
        guard headerLength <= UInt64(bytes.count - 8), headerLength <= UInt64(maximumHeaderLength) else {
            throw FormatError("header length \(headerLength) exceeds the file size \(bytes.count)")
        }
        let dataStart = 8 + Int(headerLength)
        let dataLength = bytes.count - dataStart
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])),
              let header = json as? [String: Any] else {
            throw FormatError("header is not a JSON object")
        }
        var entries: [(name: String, shape: [Int], dtype: DType, isInteger: Bool, start: Int, end: Int)] = []
        var metadata: [String: String] = [:]
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
            let isInteger = code == "I64"
            switch code {
            case "F32": dtype = .float32
            case "F64", "I64": dtype = .float64  // counters are read as (exact) doubles
            default: throw FormatError("entry '\(name)' has dtype \(code); only F32, F64 and I64 are read")
            }
            guard let byteCount = byteCount(shape, width: dtype.byteWidth) else {
                throw FormatError("entry '\(name)' has shape \(shape), which is negative or too large")
            }
            let (start, end) = (offsets[0], offsets[1])
            guard start >= 0, end >= start, end <= dataLength, end - start == byteCount else {
                throw FormatError("entry '\(name)' of shape \(shape) has data offsets [\(start), \(end)] that do not fit its \(byteCount) bytes in the \(dataLength)-byte data section")
            }
            entries.append((name, shape, dtype, isInteger, start, end))
        }
        let ordered = entries.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
        var next = 0
        for entry in ordered {
            guard entry.start == next else { throw FormatError("data section has a gap or overlap at byte \(next)") }
            next = entry.end
        }
        guard next == dataLength else { throw FormatError("data section has \(dataLength - next) stray bytes") }
        var tensors: [String: Tensor] = [:]
        for entry in entries {
            let data = bytes[(dataStart + entry.start)..<(dataStart + entry.end)]
            guard entry.isInteger else {
                tensors[entry.name] = Tensor(shape: entry.shape, dtype: entry.dtype, bytes: data)
                continue
            }
            let values = stride(from: data.startIndex, to: data.endIndex, by: 8).map { offset -> Double in
                var integer: Int64 = 0
                for byte in 0..<8 { integer |= Int64(data[offset + byte]) << Int64(8 * byte) }
                return Double(integer)
            }
            tensors[entry.name] = Tensor(shape: entry.shape, scalars: values)
        }
        return (tensors, metadata)
    }

    /// Writes `tensors` to `path` atomically.
    public static func write(_ tensors: [String: Tensor], integers: Set<String> = [], metadata: [String: String] = [:],
                             to path: String) throws(FormatError) {
        try FileIO.write(encode(tensors, integers: integers, metadata: metadata), to: path)
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

/// The bytes of a tensor of `shape` with elements of `width` bytes, or nil when an extent is
/// negative or the count overflows.
func byteCount(_ shape: [Int], width: Int) -> Int? {
    var count = width
    for extent in shape {
        guard extent >= 0 else { return nil }
        let (product, overflow) = count.multipliedReportingOverflow(by: extent)
        guard !overflow else { return nil }
        count = product
    }
    return count
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
