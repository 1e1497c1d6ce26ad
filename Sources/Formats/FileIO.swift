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

/// Reading and writing whole files with POSIX calls; writes are atomic.
public enum FileIO {
    /// The bytes of the file at `path`.
    public static func read(_ path: String) throws(FormatError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
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
        let temporary = temporaryPath(for: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw FormatError("cannot be written (is the directory there and writable?)", path: path)
        }
        let complete = writeAll(bytes, to: descriptor)
        let flushed = fsync(descriptor) == 0
        close(descriptor)
        guard complete && flushed, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw FormatError("cannot be written (disk full?)", path: path)
        }
    }

    /// Writes every byte to an open file; false on an error (disk full).
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var written = 0
        return bytes.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let count = posixWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
                guard count > 0 else { return false }
                written += count
            }
            return true
        }
    }

    /// The suffix of every temporary file or directory this library makes before a rename.
    public static let temporarySuffix = ".tmp"

    /// `.<name>.<process id>.tmp` beside `path`: where an atomic write stages its file.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid())\(temporarySuffix)").path
    }

    /// Removes the temporaries an interrupted write left in `directory` (not recursively);
    /// returns their names.
    @discardableResult
    public static func removeTemporaries(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let stray = names.filter { $0.hasPrefix(".") && $0.hasSuffix(temporarySuffix) }
        for name in stray { try? FileManager.default.removeItem(atPath: directory + "/" + name) }
        return stray
    }

    /// Flushes a directory's entries (new names, renames) to disk.
    public static func synchronizeDirectory(_ path: String) throws(FormatError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FormatError("cannot be opened", path: path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FormatError("cannot be flushed to disk", path: path) }
    }

    /// Points the symbolic link at `path` to `target` atomically: a new link beside it, renamed
    /// over the old one, so the link is always either the old or the new one.
    public static func replaceSymbolicLink(at path: String, target: String) throws(FormatError) {
        let temporary = temporaryPath(for: path)
        unlink(temporary)
        guard symlink(target, temporary) == 0 else { throw FormatError("cannot make a symbolic link", path: temporary) }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw FormatError("cannot be replaced", path: path)
        }
    }

    /// Whether something exists at `path` (following links).
    public static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    /// The size in bytes of the file at `path` (0 if there is none).
    public static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// Whether `path` exists and is a directory (following links).
    public static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
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

/// A file written by appending lines or records (a log such as `metrics.jsonl` or a TensorBoard
/// event file), which a resumed run first
/// cuts back to the length its checkpoint recorded, so rows written after that checkpoint by an
/// interrupted process disappear.
public final class AppendOnlyFile {
    public let path: String
    private let descriptor: Int32
    /// The bytes written so far.
    public private(set) var length: Int

    /// Opens (creating) `path` and cuts it to `length` bytes (0: a new, empty log).
    public init(path: String, length: Int) throws(FormatError) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FormatError("cannot be opened for writing", path: path) }
        guard ftruncate(descriptor, off_t(length)) == 0, lseek(descriptor, off_t(length), SEEK_SET) >= 0 else {
            close(descriptor)
            throw FormatError("cannot be cut back to \(length) bytes", path: path)
        }
        self.length = length
    }

    /// Appends `text` (a line should end in a newline).
    public func append(_ text: String) throws(FormatError) {
        try append(bytes: Array(text.utf8))
    }

    /// Appends `bytes` (a record of a binary log).
    public func append(bytes: [UInt8]) throws(FormatError) {
        guard FileIO.writeAll(bytes, to: descriptor) else { throw FormatError("cannot be written (disk full?)", path: path) }
        length += bytes.count
    }

    /// Flushes what was appended to disk; returns the length, which a checkpoint records.
    public func synchronize() throws(FormatError) -> Int {
        guard fsync(descriptor) == 0 else { throw FormatError("cannot be flushed to disk", path: path) }
        return length
    }

    deinit { close(descriptor) }
}

/// An exclusive lock on a directory (`flock` on a hidden file in it), so two processes never
/// train in one run directory at once. The operating system releases it when the process ends,
/// however it ends. The descriptor is close-on-exec, so a child process started meanwhile (a
/// test that runs the CLI, a shell-out) does not keep the lock; between its fork and its exec a
/// child still shares every descriptor for a moment, so a held lock is retried for up to
/// ``patience`` seconds before it counts as another process's.
public final class DirectoryLock {
    public static let fileName = ".gan-numerics.lock"
    /// How long a held lock is retried (a training run holds it for minutes, a fork for microseconds).
    public static let patience = 1.0
    private let descriptor: Int32

    /// Takes the lock, or throws if another process holds it.
    public init(_ directory: String) throws(FormatError) {
        let path = directory + "/" + DirectoryLock.fileName
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FormatError("cannot be opened", path: path) }
        let deadline = Date().addingTimeInterval(DirectoryLock.patience)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard Date() < deadline else {
                close(descriptor)
                throw FormatError("is in use by another gan-numerics process", path: directory)
            }
            usleep(10_000)
        }
    }

    deinit { close(descriptor) }
}
