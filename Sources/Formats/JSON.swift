import Foundation

/// JSON as the project writes it: keys sorted (so identical values give identical bytes),
/// non-finite numbers as `null` (JSON has no NaN or infinity; see ``FiniteOrNull``), and reading
/// that names the file and the problem.
public enum JSON {
    /// The UTF-8 text of `value`, keys sorted; `pretty` for files people read, one line otherwise
    /// (JSON lines). Fails on a NaN or infinite number not wrapped in ``FiniteOrNull``.
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws(FormatError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch let EncodingError.invalidValue(value, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw FormatError("\(T.self) cannot be written as JSON: \(path) is \(value)")
        } catch {
            throw FormatError("\(T.self) cannot be written as JSON: \(error)")
        }
    }

    /// `value` as one line of text.
    public static func line<T: Encodable>(_ value: T) throws(FormatError) -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    /// Decodes `bytes`, describing what is wrong (the key path and the reason) on failure.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Sequence<UInt8>) throws(FormatError) -> T {
        let decoder = JSONDecoder()
        // Rows written by earlier versions spelled non-finite numbers as strings.
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity",
                                                                        negativeInfinity: "-Infinity", nan: "NaN")
        do {
            return try decoder.decode(type, from: Data(bytes))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
                let DecodingError.keyNotFound(_, context), let DecodingError.dataCorrupted(context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw FormatError(path.isEmpty ? "is not valid JSON: \(context.debugDescription)"
                              : "\(path): \(context.debugDescription)")
        } catch {
            throw FormatError("is not valid JSON: \(error)")
        }
    }

    /// Reads and decodes the JSON file at `path`.
    public static func read<T: Decodable>(_ type: T.Type, from path: String) throws(FormatError) -> T {
        do {
            return try decode(type, from: FileIO.read(path))
        } catch {
            throw error.path == nil ? error.at(path) : error
        }
    }

    /// Every line of the JSON-lines file at `path`, decoded as `T`; a line that is not one is an
    /// error naming its number and `what` it should be ("a metrics row").
    public static func readLines<T: Decodable>(_ type: T.Type, from path: String, each what: String) throws(FormatError) -> [T] {
        var values: [T] = []
        for (number, line) in try FileIO.read(path).split(separator: UInt8(ascii: "\n")).enumerated() {
            guard let value = try? decode(type, from: line) else {
                throw FormatError("line \(number + 1) is not \(what)", path: path)
            }
            values.append(value)
        }
        return values
    }

    /// Writes `value` to `path` atomically, pretty-printed with a final newline.
    public static func write<T: Encodable>(_ value: T, to path: String) throws(FormatError) {
        do {
            try FileIO.write(try encode(value, pretty: true) + Array("\n".utf8), to: path)
        } catch {
            throw error.path == nil ? error.at(path) : error
        }
    }
}

/// A `Double` that JSON holds as a number when it is finite and as `null` when it is NaN or
/// infinite (a loss before the first step, a diverged norm); `null` reads back as NaN.
@propertyWrapper
public struct FiniteOrNull: Codable, Sendable, Hashable {
    public var wrappedValue: Double

    public init(wrappedValue: Double) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? .nan : try container.decode(Double.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if wrappedValue.isFinite {
            try container.encode(wrappedValue)
        } else {
            try container.encodeNil()
        }
    }
}
