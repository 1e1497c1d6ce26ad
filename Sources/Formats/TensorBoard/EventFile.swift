import Foundation

/// A TensorBoard event file (`events.out.tfevents.<seconds>.<host>`): TFRecord-framed `Event`
/// messages, the first giving the file version. It is appended to as training goes; a
/// checkpoint records its length, and a resumed run cuts it back, as it does `metrics.jsonl`.
public final class EventFile {
    private let file: AppendOnlyFile

    /// The prefix TensorBoard looks for.
    public static let namePrefix = "events.out.tfevents."

    /// The name TensorBoard's writers give a file started at `time` on `host`.
    public static func name(time: Date = Date(), host: String = ProcessInfo.processInfo.hostName) -> String {
        namePrefix + String(Int(time.timeIntervalSince1970)) + "." + host.replacingOccurrences(of: "/", with: "_")
    }

    /// Opens `path` cut back to `length` bytes; a new (or emptied) file starts with the
    /// file-version event.
    public init(path: String, length: Int) throws(FormatError) {
        file = try AppendOnlyFile(path: path, length: length)
        if length == 0 {
            try append(TensorBoardEvent(wallTime: Date().timeIntervalSince1970, step: 0,
                                        content: .fileVersion(TensorBoardEvent.fileVersion)))
        }
    }

    public var path: String { file.path }

    public func append(_ event: TensorBoardEvent) throws(FormatError) {
        try file.append(bytes: TFRecord.record(event.encoded()))
    }

    /// Appends the summary `values` at `step`, stamped with the current time.
    public func append(step: Int, _ values: [SummaryValue]) throws(FormatError) {
        guard !values.isEmpty else { return }
        try append(TensorBoardEvent(wallTime: Date().timeIntervalSince1970, step: Int64(step), content: .summary(values)))
    }

    /// Flushes the events to disk; returns the length to record in a checkpoint.
    public func synchronize() throws(FormatError) -> Int {
        try file.synchronize()
    }

    /// Every event of the file at `path`, each record's checksums checked.
    public static func events(at path: String) throws(FormatError) -> [TensorBoardEvent] {
        do {
            return try TFRecord.records(in: try FileIO.read(path)).map { record throws(FormatError) in
                try TensorBoardEvent(decoding: record)
            }
        } catch {
            throw error.path == nil ? error.at(path) : error
        }
    }
}
