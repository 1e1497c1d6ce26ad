import Experiments
import Formats
import Foundation
import Games
import Testing
import Tensors

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("gan-numerics-\(UUID())").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Trains `configuration` (with method-state settings every method can use) straight in
/// `root`/straight and, in `root`/split, to half its iterations and then resumed: the run ends
/// finite and both leave the same model and optimizer files, byte for byte.
func expectResumedHalfwayMatchesStraight(_ configuration: TrainingConfiguration, in root: String) throws {
    var configuration = configuration
    (configuration.lookaheadPeriod, configuration.averageDecay) = (2, 0.9)
    if configuration.method == .acgd { configuration.stepRule = .sgd }
    let summary = try TrainingRun(configuration: configuration, directory: root + "/straight").run().summary
    #expect(summary.finalFieldNorm.isFinite)
    var half = configuration
    half.iterations = configuration.iterations / 2
    try TrainingRun(configuration: half, directory: root + "/split").run()
    try TrainingRun(configuration: configuration, directory: root + "/split").run(.resume)
    for file in [Checkpoint.modelFile, Checkpoint.optimizerFile] {
        #expect(try FileIO.read(root + "/straight/checkpoint/" + file) == FileIO.read(root + "/split/checkpoint/" + file),
                "\(configuration.method): \(file) differs")
    }
}

/// A small, fast configuration (debug builds are slow).
func smallConfiguration(method: TrainingConfiguration.Method = .conopt, iterations: Int = 20) -> TrainingConfiguration {
    var configuration = TrainingConfiguration()
    configuration.method = method
    configuration.iterations = iterations
    configuration.batchSize = 32
    configuration.snapshotEvery = 10
    configuration.logEvery = 5
    configuration.checkpointEvery = 10
    configuration.plotSize = 32
    return configuration
}

@Suite struct TrainingRunTests {
    /// Training 20 iterations straight and 10 + resume 10 give byte-identical checkpoints and
    /// the same metrics rows.
    @Test(arguments: [TrainingConfiguration.Method.conopt, .altgd])
    func resumeIsBitIdentical(method: TrainingConfiguration.Method) throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try TrainingRun(configuration: smallConfiguration(method: method), directory: root + "/straight").run()
        try TrainingRun(configuration: smallConfiguration(method: method, iterations: 10), directory: root + "/split").run()
        try TrainingRun(configuration: smallConfiguration(method: method), directory: root + "/split").run(.resume)
        for file in [Checkpoint.modelFile, Checkpoint.optimizerFile] {
            let straight = try FileIO.read(root + "/straight/checkpoint/" + file)
            #expect(try FileIO.read(root + "/split/checkpoint/" + file) == straight, "\(file) differs")
        }
        let (tensors, _) = try Safetensors.read(root + "/split/checkpoint/" + Checkpoint.optimizerFile)
        #expect(tensors.count == 20)  // square_avg of each of 20 parameter tensors
        let rows = try MetricsLog.rows(at: root + "/split/metrics.jsonl")
        #expect(rows.map(\.iteration) == [0, 5, 10, 15, 20])
        let straightRows = try MetricsLog.rows(at: root + "/straight/metrics.jsonl")
        #expect(rows.dropFirst().map(\.fieldNorm) == straightRows.dropFirst().map(\.fieldNorm))
    }

    /// Every method, as `--method` runs it: finite losses, its state saved by parameter name, and
    /// a run resumed halfway identical to one trained straight (the state a method keeps between
    /// iterations — previous directions, slow weights, ACGD's averages — round-trips).
    @Test(arguments: TrainingConfiguration.Method.allCases)
    func everyMethodTrainsAndResumes(method: TrainingConfiguration.Method) throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var configuration = smallConfiguration(method: method, iterations: 6)
        (configuration.width, configuration.depth, configuration.checkpointEvery) = (4, 1, 3)
        try expectResumedHalfwayMatchesStraight(configuration, in: root)
        let state = try Safetensors.read(root + "/straight/checkpoint/" + Checkpoint.optimizerFile).tensors
        #expect(state.keys.contains("generator.layers.0.weight.average"))
    }

    @Test func runDirectoryHoldsEverything() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let summary = try TrainingRun(configuration: smallConfiguration(), directory: root).run().summary
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: root))
        #expect(files.isSuperset(of: ["config.json", "metrics.jsonl", "checkpoint", "checkpoints", "summary.json", "samples"]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/checkpoints") == ["iteration-000020"])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: root + "/checkpoint"))
                == [Checkpoint.modelFile, Checkpoint.optimizerFile, Checkpoint.stateFile])
        let samples = Set(try FileManager.default.contentsOfDirectory(atPath: root + "/samples"))
        #expect(samples == ["iteration-000000.png", "iteration-000010.png", "iteration-000020.png", "final.png", "final.npy"])
        let plot = try PNG.decode(FileIO.read(root + "/samples/final.png"))
        #expect(plot.width == 32 && plot.height == 32)
        #expect(try NumPyArray.read(root + "/samples/final.npy").shape == [2560, 2])
        #expect(summary.peakMemoryBytes > 0 && summary.iterations == 20)
        let (parameters, metadata) = try Safetensors.read(root + "/checkpoint/" + Checkpoint.modelFile)
        #expect(parameters["generator.layers.0.weight"]?.shape == [16, 16])
        #expect(parameters["discriminator.layers.8.weight"]?.shape == [1, 16])
        #expect(metadata["iteration"] == "20")
    }

    @Test func anExistingRunIsNotOverwritten() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try TrainingRun(configuration: smallConfiguration(iterations: 10), directory: root).run()
        #expect(throws: TrainingError.self) { try TrainingRun(configuration: smallConfiguration(), directory: root).run() }
        var different = smallConfiguration()
        different.gamma = 1
        do {
            try TrainingRun(configuration: different, directory: root).run(.resume)
            Issue.record("a resume with another γ was accepted")
        } catch {
            #expect(error.description.contains("--gamma 1.0 (the run has 10.0)"))
        }
    }

    /// A blow-up stops at once, names the iteration, and leaves the last good checkpoint alone.
    @Test func divergenceKeepsTheLastGoodCheckpoint() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var configuration = smallConfiguration(method: .simgd, iterations: 200)
        configuration.stepRule = .sgd
        configuration.learningRate = 1e3
        configuration.loss = .indicator
        do {
            try TrainingRun(configuration: configuration, directory: root).run()
            Issue.record("training with lr 1e3 did not diverge")
        } catch {
            guard case .diverged(let iteration, let checkpoint, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(iteration > 1)
            #expect(error.description.contains("training diverged at iteration \(iteration)"))
            if let checkpoint {
                let (parameters, metadata) = try Safetensors.read(root + "/checkpoint/" + Checkpoint.modelFile)
                #expect(metadata["iteration"] == "\(checkpoint)")
                #expect(parameters.values.allSatisfy { $0.doubles.allSatisfy(\.isFinite) })
            }
        }
    }

    @Test func checkpointOfAnotherArchitectureIsRejected() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/other.safetensors"
        let experiment = MixtureExperiment(configuration: smallConfiguration())
        var tensors = Dictionary(uniqueKeysWithValues: experiment.game.allParameters.map { ($0.name, $0.parameter.value) })
        tensors["generator.layers.0.weight"] = Tensor.zeros([16, 8])
        try Safetensors.write(tensors, to: path)
        #expect(throws: FormatError("generator.layers.0.weight has shape [16, 8] but the network expects [16, 16]", path: path)) {
            try Checkpoint.loadParameters(from: path, into: experiment.game)
        }
        tensors["generator.layers.0.weight"] = nil
        try Safetensors.write(tensors, to: path)
        #expect(throws: FormatError("lacks generator.layers.0.weight; it was not written for this architecture", path: path)) {
            try Checkpoint.loadParameters(from: path, into: experiment.game)
        }
    }

    @Test func olderConfigurationsKeepDefaults() throws {
        let saved = #"{"experiment": "mog25", "method": "simgd", "gamma": 3}"#
        let configuration = try JSONDecoder().decode(TrainingConfiguration.self, from: Data(saved.utf8))
        #expect(configuration.experiment == .mog25 && configuration.method == .simgd && configuration.gamma == 3)
        #expect(configuration.iterations == 50_000 && configuration.width == 16 && configuration.discriminatorSteps == 1)
        let roundTrip = try JSONDecoder().decode(TrainingConfiguration.self, from: JSONEncoder().encode(smallConfiguration()))
        #expect(roundTrip == smallConfiguration())
    }

    @Test func badSettingsAreRejected() {
        var configuration = TrainingConfiguration()
        configuration.gamma = -1
        #expect(throws: ConfigurationError("--gamma must be non-negative, got -1.0")) { try configuration.validate() }
        configuration = TrainingConfiguration()
        configuration.learningRate = 0
        #expect(throws: ConfigurationError("--lr must be positive, got 0.0")) { try configuration.validate() }
        configuration = TrainingConfiguration()
        configuration.batchSize = 0
        #expect(throws: ConfigurationError("--batch-size must be positive, got 0")) { try configuration.validate() }
        #expect(throws: TrainingError.self) {
            try TrainingRun(configuration: smallConfiguration(), directory: "/proc/gan-numerics-cannot-write").run()
        }
    }
}
