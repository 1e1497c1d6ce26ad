import Experiments
import Formats
import Foundation
import Testing
import Tensors

/// A run killed at any instant (SIGKILL: no handler, no flush) resumes and finishes with the
/// same files as a run that was never interrupted.
@Suite struct KillAndResumeTests {
    /// The `gan-numerics` executable built beside the test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gan-numerics")
    }

    /// A small run that commits often, so kills land before, during and after commits.
    static let options = ["train", "--iterations", "60", "--batch-size", "8", "--width", "4", "--depth", "1",
                          "--latent-size", "2", "--plot-size", "16", "--snapshot-every", "10", "--log-every", "1",
                          "--checkpoint-every", "3"]

    /// Starts `gan-numerics` with `arguments`.
    static func launch(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs `gan-numerics` to completion; its exit status.
    static func complete(_ arguments: [String]) throws -> Int32 {
        let process = try launch(arguments)
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func killedAnywhereResumesToTheSameFiles() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            Issue.record("\(Self.executable.path) was not built; `swift test` builds it with the tests")
            return
        }
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let start = Date()
        #expect(try Self.complete(Self.options + ["--out", root + "/straight"]) == 0)
        let duration = Date().timeIntervalSince(start)
        let expected = try deterministicContents(of: root + "/straight")
        var random = RandomGenerator(seed: 8)
        var killedMidway = 0
        for trial in 0..<12 {
            let directory = root + "/killed-\(trial)"
            // One or two kills per trial, at uniformly random instants of a run's duration.
            var process = try Self.launch(Self.options + ["--out", directory])
            for kill in 0..<(1 + trial % 2) {
                Thread.sleep(forTimeInterval: duration * 1.1 * random.nextUnitDouble())
                if process.isRunning {
                    Foundation.kill(process.processIdentifier, SIGKILL)
                    killedMidway += 1
                }
                process.waitUntilExit()
                if kill == 0 && trial % 2 == 1 {
                    process = try Self.launch(Self.options + ["--out", directory, "--resume"])
                }
            }
            // Resume to the end: a run killed before its first commit has nothing to resume and starts over.
            var status = try Self.complete(Self.options + ["--out", directory, "--resume"])
            if status != 0 { status = try Self.complete(Self.options + ["--out", directory]) }
            #expect(status == 0, "trial \(trial)")
            let contents = try deterministicContents(of: directory)
            #expect(contents.keys.sorted() == expected.keys.sorted(), "trial \(trial)")
            let differing = expected.keys.filter { contents[$0] != expected[$0] }.sorted()
            #expect(differing.isEmpty, "trial \(trial): \(differing) differ")
            let names = try FileManager.default.subpathsOfDirectory(atPath: directory)
            #expect(!names.contains { $0.hasSuffix(FileIO.temporarySuffix) }, "trial \(trial): temporaries left")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/checkpoints").count == 1)
        }
        #expect(killedMidway >= 6, "most kills should land while the run is going")
    }
}
