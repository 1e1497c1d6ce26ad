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
    public func at(_ path: String) -> FormatError {
        var copy = self
        copy.path = path
        return copy
    }
}
