import Experiments
import Formats
import Foundation
import Testing
import Tensors

/// The files of a run that must come out byte for byte the same from identical runs, and the
/// JSON fields that hold wall-clock time (removed before comparing).
func deterministicContents(of directory: String) throws -> [String: [UInt8]] {
    var contents: [String: [UInt8]] = [:]
    // Wall-clock fields, and the log lengths a checkpoint records (they follow the length of the
    // wall-time numbers written in the log).
    let timeFields: Set<String> = ["wall_time", "elapsed", "seconds", "stepsPerSecond", "peakMemoryBytes",
                                   "metricsLength", "spectrumLength", "eventFile", "eventLength"]
    func withoutTime(_ json: Substring) throws -> String {
        var object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        for field in timeFields { object.removeValue(forKey: field) }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
    func comparable(_ name: String, _ bytes: [UInt8]) throws -> [UInt8] {
        if name.hasPrefix(EventFile.namePrefix) { return try withoutTime(events: name) }
        let text = Substring(String(decoding: bytes, as: UTF8.self))
        if name.hasSuffix(".jsonl") {
            return Array(try text.split(separator: "\n").map(withoutTime).joined(separator: "\n").utf8)
        }
        return name.hasSuffix(".json") ? Array(try withoutTime(text).utf8) : bytes
    }
    /// The events of an event file without their wall times and the steps per second.
    func withoutTime(events name: String) throws -> [UInt8] {
        try EventFile.events(at: directory + "/" + name).flatMap { event -> [UInt8] in
            var event = event
            event.wallTime = 0
            if case .summary(let values) = event.content {
                event.content = .summary(values.filter { $0.tag != "train/steps_per_second" })
            }
            return event.encoded()
        }
    }
    let enumerator = FileManager.default.enumerator(atPath: directory)
    while let name = enumerator?.nextObject() as? String {
        let path = directory + "/" + name
        guard !FileIO.isDirectory(path), !name.hasPrefix(Checkpoint.generationsDirectory),
              !URL(fileURLWithPath: name).lastPathComponent.hasPrefix(".") else { continue }
        contents[name.hasPrefix(EventFile.namePrefix) ? EventFile.namePrefix : name] = try comparable(name, FileIO.read(path))
    }
    for name in [Checkpoint.modelFile, Checkpoint.optimizerFile, Checkpoint.stateFile] {
        contents[Checkpoint.link + "/" + name] = try comparable(name, FileIO.read(directory + "/" + Checkpoint.link + "/" + name))
    }
    return contents
}

/// The path of a fixture file.
func fixture(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/" + name).path
}

/// `--resume` does what it says, and nothing else: each case here lost or crashed a run before.
@Suite struct ResumeTests {
    /// The options of a small run from the command line.
    let smallOptions = ["--batch-size", "8", "--width", "4", "--depth", "1", "--latent-size", "2", "--plot-size", "16",
                        "--snapshot-every", "5", "--log-every", "5", "--checkpoint-every", "5"]

    @Test func identicalRunsWriteIdenticalBytes() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for name in ["a", "b"] {
            try TrainingRun(configuration: smallConfiguration(iterations: 10), directory: root + "/" + name).run()
        }
        let (a, b) = (try deterministicContents(of: root + "/a"), try deterministicContents(of: root + "/b"))
        #expect(a.keys.sorted() == b.keys.sorted() && a.count > 8)
        for (name, bytes) in a { #expect(b[name] == bytes, "\(name) differs") }
        // The checkpoint's tensor files and config.json are byte-identical as written.
        for name in ["checkpoint/model.safetensors", "checkpoint/optimizer.safetensors", "config.json"] {
            #expect(try FileIO.read(root + "/a/" + name) == FileIO.read(root + "/b/" + name), "\(name) differs")
        }
    }

    /// JSON has no NaN: iteration 0 has no losses, and a 0-iteration run no final ‖v‖.
    @Test func missingNumbersAreNull() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try TrainingRun(configuration: smallConfiguration(iterations: 0), directory: root).run()
        let first = try String(contentsOfFile: root + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")[0]
        #expect(first.contains(#""generator_loss":null"#) && first.contains(#""field_norm":null"#) && !first.contains("NaN"))
        let summary = try String(contentsOfFile: root + "/summary.json", encoding: .utf8)
        #expect(summary.contains(#""finalFieldNorm" : null"#) && !summary.contains("NaN"))
        let rows = try MetricsLog.rows(at: root + "/metrics.jsonl")
        #expect(rows.count == 1 && rows[0].generatorLoss.isNaN)
        // … and a 0-iteration run can be resumed and extended.
        let outcome = try TrainingRun(configuration: smallConfiguration(iterations: 5), directory: root).run(.resume)
        #expect(outcome.startIteration == 0 && outcome.summary.iterations == 5)
    }

    @Test func nothingToResumeIsAnErrorThatWritesNothing() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let missing = runCommand(["train", "--resume", "--out", root + "/missing"])
        #expect(missing.code != 0 && missing.message.contains("nothing to resume (no such directory)"))
        #expect(!FileManager.default.fileExists(atPath: root + "/missing"))
        try FileManager.default.createDirectory(atPath: root + "/empty", withIntermediateDirectories: true)
        let empty = runCommand(["train", "--resume", "--out", root + "/empty"])
        #expect(empty.code != 0 && empty.message.contains("nothing to resume (it holds no checkpoint)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/empty").isEmpty)
        // A run whose checkpoint was deleted keeps its metrics.
        try TrainingRun(configuration: smallConfiguration(iterations: 10), directory: root + "/run").run()
        try FileManager.default.removeItem(atPath: root + "/run/checkpoint")
        let metrics = try FileIO.read(root + "/run/metrics.jsonl")
        let deleted = runCommand(["train", "--resume", "--out", root + "/run"])
        #expect(deleted.code != 0 && deleted.message.contains("nothing to resume"))
        #expect(try FileIO.read(root + "/run/metrics.jsonl") == metrics)
    }

    /// --resume takes every setting from config.json: only --iterations needs typing again.
    @Test func resumeContinuesWithTheSavedSettings() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = root + "/run"
        #expect(runCommand(["train", "--iterations", "10", "--out", run] + smallOptions).code == 0)
        #expect(runCommand(["train", "--resume", "--out", run, "--iterations", "20"]).code == 0)
        let saved = try JSON.read(TrainingConfiguration.self, from: run + "/config.json")
        #expect(saved.width == 4 && saved.iterations == 20)
        let (model, metadata) = try Safetensors.read(run + "/checkpoint/model.safetensors")
        #expect(metadata["iteration"] == "20" && model["generator.layers.0.weight"]?.shape == [4, 2])
        // The same options again are fine; a contradicting one is named with both values.
        #expect(runCommand(["train", "--resume", "--out", run, "--iterations", "25", "--width", "4"]).code == 0)
        let conflict = runCommand(["train", "--resume", "--out", run, "--iterations", "30", "--width", "8", "--lr", "0.5"])
        #expect(conflict.code != 0 && conflict.message.contains("--width 8 (the run has 4)")
                && conflict.message.contains("--lr 0.5 (the run has 0.0001)"))
        // Choices and optional paths are said as they are typed.
        let choices = runCommand(["train", "--resume", "--out", run, "--iterations", "30", "--method", "simgd",
                                  "--data", root + "/points.npy"])
        #expect(choices.code != 0 && choices.message.contains("--method simgd (the run has conopt)")
                && choices.message.contains("--data \(root)/points.npy (the run has none)"), "\(choices.message)")
    }

    /// Asking for fewer iterations than the run has done is refused before anything is written.
    @Test func iterationsBelowTheCheckpointAreRefused() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = root + "/run"
        #expect(runCommand(["train", "--iterations", "20", "--out", run] + smallOptions).code == 0)
        let before = try deterministicContents(of: run)
        let config = try FileIO.read(run + "/config.json")
        let result = runCommand(["train", "--resume", "--out", run, "--iterations", "10"])
        #expect(result.code != 0 && result.message.contains("already at iteration 20, past --iterations 10"))
        #expect(try FileIO.read(run + "/config.json") == config)
        #expect(try deterministicContents(of: run) == before, "the run was changed")
    }

    /// A finished run says so, exits 0, and writes whatever final outputs are missing.
    @Test func aFinishedRunWritesItsMissingOutputs() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = root + "/run"
        try TrainingRun(configuration: smallConfiguration(iterations: 10), directory: run).run()
        let finalPlot = try FileIO.read(run + "/samples/final.png")
        for name in ["summary.json", "samples/final.png", "samples/final.npy"] { try FileManager.default.removeItem(atPath: run + "/" + name) }
        let outcome = try TrainingRun.resuming(run).run(.resume)
        #expect(outcome.wasFinished && outcome.summary.iterations == 10 && outcome.summary.finalFieldNorm.isFinite)
        #expect(try FileIO.read(run + "/samples/final.png") == finalPlot)
        #expect(FileManager.default.fileExists(atPath: run + "/summary.json"))
        #expect(runCommand(["train", "--resume", "--out", run]).code == 0)
    }

    /// A checkpoint with NaN in it is not called good: resuming names the file and the tensor.
    @Test func aNaNCheckpointIsRefused() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = root + "/run"
        try TrainingRun(configuration: smallConfiguration(iterations: 10), directory: run).run()
        let path = run + "/checkpoint/" + Checkpoint.modelFile
        var (tensors, metadata) = try Safetensors.read(path)
        tensors["generator.layers.0.bias"] = Tensor(shape: [16], scalars: [Float](repeating: .nan, count: 16))
        try Safetensors.write(tensors, metadata: metadata, to: path)
        do {
            try TrainingRun.resuming(run, given: [TrainingConfiguration.setting(\.iterations)],
                                     values: smallConfiguration(iterations: 20)).run(.resume)
            Issue.record("a NaN checkpoint was resumed")
        } catch {
            #expect(error.description.contains("model.safetensors: generator.layers.0.bias holds NaN or infinite values"))
        }
    }

    /// Temporaries of interrupted writes and generations never published are removed on the next
    /// start; the published checkpoint is kept.
    @Test func leftoversAreRemovedOnTheNextStart() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = root + "/run"
        try TrainingRun(configuration: smallConfiguration(iterations: 10), directory: run).run()
        let strays = [run + "/.metrics.jsonl.123.tmp", run + "/samples/.final.png.123.tmp",
                      run + "/checkpoints/.iteration-000015.123.tmp/model.safetensors",
                      run + "/checkpoints/iteration-000015/model.safetensors"]
        for stray in strays {
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: stray).deletingLastPathComponent().path,
                                                    withIntermediateDirectories: true)
            try FileIO.write(text: "partial", to: stray)
        }
        try TrainingRun(configuration: smallConfiguration(iterations: 20), directory: run).run(.resume)
        for stray in strays { #expect(!FileManager.default.fileExists(atPath: stray), "\(stray)") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: run + "/checkpoints") == ["iteration-000020"])
    }

    /// Runs written before checkpoint generations load, continue by parameter name, and finish
    /// bit-identically to a run trained straight by today's code.
    @Test(arguments: [("legacy-conopt-rmsprop", 10, 20), ("legacy-altgd-adam", 3, 6)])
    func legacyRunsContinue(name: String, saved: Int, total: Int) throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let legacy = root + "/legacy"
        try FileManager.default.copyItem(atPath: fixture(name), toPath: legacy)
        let checkpoint = try Checkpoint.load(from: legacy)
        #expect(checkpoint.iteration == saved && !checkpoint.optimizer.isEmpty)
        let run = try TrainingRun.resuming(legacy, given: [TrainingConfiguration.setting(\.iterations)],
                                           values: { var c = TrainingConfiguration(); c.iterations = total; return c }())
        try run.run(.resume)
        #expect(!FileManager.default.fileExists(atPath: legacy + "/checkpoint.safetensors"))
        try TrainingRun(configuration: run.configuration, directory: root + "/straight").run()
        for file in [Checkpoint.modelFile, Checkpoint.optimizerFile] {
            #expect(try FileIO.read(legacy + "/checkpoint/" + file) == FileIO.read(root + "/straight/checkpoint/" + file), "\(file) differs")
        }
        let rows = try MetricsLog.rows(at: legacy + "/metrics.jsonl").map(\.iteration)
        #expect(rows == (try MetricsLog.rows(at: root + "/straight/metrics.jsonl").map(\.iteration)))
    }

    /// Settings that cannot fit in memory are refused with the estimate, before any allocation,
    /// from the command line and from a saved run alike.
    @Test func absurdSettingsAreRefusedWithAnEstimate() throws {
        let width = runCommand(["train", "--width", "100000", "--iterations", "1", "--out", "/nonexistent/x"])
        #expect(width.code != 0 && width.message.contains("GiB of memory") && width.message.contains("this machine has"))
        let batch = runCommand(["train", "--batch-size", "1000000000000", "--out", "/nonexistent/x"])
        #expect(batch.code != 0 && batch.message.contains("GiB of memory"))
        let negative = runCommand(["train", "--iterations", "-5"])
        #expect(negative.message.contains("--iterations must be non-negative, got -5"))
        // The same check on a configuration read from disk.
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try TrainingRun(configuration: smallConfiguration(iterations: 5), directory: root + "/run").run()
        var saved = try JSON.read(TrainingConfiguration.self, from: root + "/run/config.json")
        saved.width = 100_000
        try JSON.write(saved, to: root + "/run/config.json")
        let resumed = runCommand(["train", "--resume", "--out", root + "/run", "--iterations", "10"])
        #expect(resumed.code != 0 && resumed.message.contains("GiB of memory"))
    }
}
