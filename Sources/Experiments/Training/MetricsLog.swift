import Foundation
import Formats

/// One line of `metrics.jsonl`. Mode metrics appear on snapshot iterations only, spectrum
/// fields on spectrum iterations only.
public struct MetricsRow: Codable, Sendable, Equatable {
    public var iteration: Int
    public var generatorLoss: Double
    public var discriminatorLoss: Double
    /// ‖v‖ on the iteration's minibatch.
    public var fieldNorm: Double
    /// Seconds since the run began (across resumes).
    public var wallTime: Double
    public var modesRecovered: Int?
    public var highQualityPercent: Double?
    public var klFromUniform: Double?

    enum CodingKeys: String, CodingKey {
        case iteration
        case generatorLoss = "generator_loss"
        case discriminatorLoss = "discriminator_loss"
        case fieldNorm = "field_norm"
        case wallTime = "wall_time"
        case modesRecovered = "modes_recovered"
        case highQualityPercent = "high_quality_percent"
        case klFromUniform = "kl_from_uniform"
    }
}

/// Appends JSON lines to a file; on resume, drops the lines past the restored iteration.
public final class MetricsLog {
    public let path: String
    private let handle: FileHandle
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                      negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }()

    /// Reads rows, including the strings written for non-finite numbers.
    static func decodeRow(_ line: Substring) -> MetricsRow? {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity",
                                                                        negativeInfinity: "-Infinity", nan: "NaN")
        return try? decoder.decode(MetricsRow.self, from: Data(line.utf8))
    }

    /// Opens `path` for appending, keeping the existing rows up to iteration `keepingThrough`
    /// (a resumed run) or none (nil: a new run).
    public init(path: String, keepingThrough iteration: Int?) throws(FormatError) {
        self.path = path
        var kept: [String] = []
        if let iteration, let existing = try? String(contentsOfFile: path, encoding: .utf8) {
            kept = existing.split(separator: "\n").filter { line in
                MetricsLog.decodeRow(line).map { $0.iteration <= iteration } ?? false
            }.map(String.init)
        }
        try FileIO.write(text: kept.map { $0 + "\n" }.joined(), to: path)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw FormatError("cannot be opened for writing", path: path) }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    public func append(_ row: MetricsRow) {
        guard let data = try? encoder.encode(row) else { return }
        handle.write(data + Data("\n".utf8))
    }

    /// Every row of a metrics file.
    public static func rows(at path: String) throws(FormatError) -> [MetricsRow] {
        let text = String(decoding: try FileIO.read(path), as: UTF8.self)
        var rows: [MetricsRow] = []
        for (number, line) in text.split(separator: "\n").enumerated() {
            guard let row = decodeRow(line) else {
                throw FormatError("line \(number + 1) is not a metrics row", path: path)
            }
            rows.append(row)
        }
        return rows
    }

    deinit { try? handle.close() }
}
