import Foundation
import Formats
import Testing

/// The run-directory lock: exclusive, and released when its holder is gone even if a child
/// process started meanwhile is still running. (Foundation's `Process` closes the descriptors it
/// sees, but one opened by another thread while it spawns slipped through in CI; a plain
/// `posix_spawn`, used here, closes nothing, so only close-on-exec keeps the lock out: the child
/// sleeps 5 s, longer than the lock's patience.)
@Suite struct DirectoryLockTests {
    @Test func lockIsExclusiveAndNotInherited() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var first: DirectoryLock? = try DirectoryLock(directory)
        #expect(throws: FormatError.self) { try DirectoryLock(directory) }
        var child = pid_t()
        let arguments = ["sleep", "5"].map { (word: String) -> UnsafeMutablePointer<CChar>? in strdup(word) } + [nil]
        defer { arguments.forEach { free($0) } }
        #expect(posix_spawn(&child, "/bin/sleep", nil, nil, arguments, environ) == 0)
        defer { kill(child, SIGKILL); waitpid(child, nil, 0) }
        withExtendedLifetime(first) {}
        first = nil
        #expect(kill(child, 0) == 0, "the child is still running")
        _ = try DirectoryLock(directory)
    }
}
