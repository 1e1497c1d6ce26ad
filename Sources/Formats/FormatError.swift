import Foundation
#if canImport(Glibc)
import Glibc
private let posixRead = Glibc.read
private let posixWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let posixRead = Darwin.read
private let posixWrite = Darwin.write
#endif

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

/// Reading and writing whole files with POSIX calls; writes are atomic.
public enum FileIO {
    /// The bytes of the file at `path`.
    public static func read(_ path: String) throws(FormatError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw FormatError(errno == ENOENT ? "no such file" : "cannot be read", path: path)
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { posixRead(descriptor, $0.baseAddress, $0.count) }
            guard count >= 0 else { throw FormatError("cannot be read", path: path) }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }

    /// Writes `bytes` to `path` atomically: to a temporary file in the same directory, flushed to
    /// disk, then renamed over the destination, so a reader (or a crash) never sees a half-written
    /// file.
    public static func write(_ bytes: [UInt8], to path: String) throws(FormatError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw FormatError("cannot be written (is the directory there and writable?)", path: path)
        }
        var written = 0
        let complete = bytes.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let count = posixWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
                guard count > 0 else { return false }
                written += count
            }
            return true
        }
        let flushed = fsync(descriptor) == 0
        close(descriptor)
        guard complete && flushed, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw FormatError("cannot be written (disk full?)", path: path)
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
        guard access(path, W_OK) == 0 else {
            throw FormatError("directory is not writable", path: path)
        }
    }
}
