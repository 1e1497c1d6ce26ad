import Foundation

/// A file that cannot be read or written, with what is wrong and where.
public struct FormatError: Error, CustomStringConvertible, Equatable {
    /// The file concerned, when there is one.
    public var path: String?
    public let reason: String

    public init(_ reason: String, path: String? = nil) {
        self.reason = reason
        self.path = path
    }

    public var description: String { path.map { "\($0): \(reason)" } ?? reason }

    /// This error, naming `path`.
    func at(_ path: String) -> FormatError {
        var copy = self
        copy.path = path
        return copy
    }
}

/// Reading and writing whole files, writes atomically.
public enum FileIO {
    /// The bytes of the file at `path`.
    public static func read(_ path: String) throws(FormatError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw FormatError(exists ? "cannot be read" : "no such file", path: path)
        }
        return [UInt8](data)
    }

    /// Writes `bytes` to `path` atomically: to a temporary file in the same directory, then
    /// renamed over the destination, so a reader (or a crash) never sees a half-written file.
    public static func write(_ bytes: [UInt8], to path: String) throws(FormatError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(bytes)) else {
            throw FormatError("cannot be written (is the directory there and writable?)", path: path)
        }
        guard rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw FormatError("cannot be replaced", path: path)
        }
    }

    /// Writes UTF-8 text atomically.
    public static func write(text: String, to path: String) throws(FormatError) {
        try write(Array(text.utf8), to: path)
    }

    /// Creates `path` and its parents if needed, checking that it is a writable directory.
    public static func makeDirectory(_ path: String) throws(FormatError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw FormatError("exists and is not a directory", path: path) }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw FormatError("cannot create directory", path: path)
            }
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw FormatError("directory is not writable", path: path)
        }
    }
}
