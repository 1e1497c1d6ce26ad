import Experiments
import Formats
import Foundation
import Testing
import Tensors

/// A configuration of a tiny image GAN (dcgan4 at f = 2) on 16 random 32×32 digits-like images
/// written to `root`/tiny.npy: fast enough for debug builds.
func tinyImageConfiguration(in root: String, method: TrainingConfiguration.Method = .conopt,
                            architecture: ImageArchitecture = .dcgan4, iterations: Int = 2) throws -> TrainingConfiguration {
    var random = RandomGenerator(seed: 11)
    try NumPyArray.write(Tensor.uniform([16, 32, 32, 1], low: -1, high: 1, using: &random), to: root + "/tiny.npy")
    var configuration = TrainingConfiguration.defaults(for: .images)
    configuration.data = root + "/tiny.npy"
    configuration.architecture = architecture
    configuration.method = method
    (configuration.width, configuration.latentSize, configuration.batchSize) = (2, 4, 4)
    (configuration.iterations, configuration.snapshotEvery, configuration.checkpointEvery, configuration.logEvery) = (iterations, 1, 1, 1)
    return configuration
}

/// A tiny image run of 2 iterations in `root`/image-run.
func tinyImageRun(in root: String) throws -> String {
    try TrainingRun(configuration: tinyImageConfiguration(in: root), directory: root + "/image-run").run()
    return root + "/image-run"
}

@Suite struct ImageTrainingTests {
    /// Every method trains the batch-normalised conv GAN, and a run resumed halfway equals one
    /// trained straight, bit for bit: parameters, BN running statistics, step-rule and method
    /// state, and the epoch sampler's position.
    @Test(arguments: TrainingConfiguration.Method.allCases)
    func everyMethodTrainsAndResumes(method: TrainingConfiguration.Method) throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var configuration = try tinyImageConfiguration(in: root, method: method, iterations: 6)
        (configuration.snapshotEvery, configuration.checkpointEvery) = (6, 3)
        try expectResumedHalfwayMatchesStraight(configuration, in: root)
        let positions = try ["straight", "split"].map { try Checkpoint.load(from: root + "/\($0)").state.dataPosition }
        #expect(positions[0] == positions[1] && positions[0] != nil)
        let model = try Safetensors.read(root + "/straight/checkpoint/" + Checkpoint.modelFile).tensors
        let runningMeans = model.filter { $0.key.hasSuffix("running_mean") }
        #expect(!runningMeans.isEmpty && runningMeans.values.allSatisfy { $0.doubles.contains { $0 != 0 } })
    }

    /// The sample grid is 8×8 images enlarged twice with one-pixel gaps, and the fixed samples
    /// are saved.
    @Test func sampleGridsHaveTheExpectedSize() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = try tinyImageRun(in: root)
        let grid = try PNG.decode(FileIO.read(run + "/samples/iteration-000002.png"))
        #expect(grid.width == 8 * (2 * 32 + 1) + 1 && grid.height == grid.width)
        #expect(try NumPyArray.read(run + "/samples/final.npy").shape == [64, 32, 32, 1])
    }

    /// Bad data paths and data sets of the wrong shape give one line naming the file.
    @Test func badDataIsOneLine() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var random = RandomGenerator(seed: 1)
        try NumPyArray.write(Tensor.uniform([4, 28, 28, 1], low: -1, high: 1, using: &random), to: root + "/small.npy")
        try FileIO.write([UInt8](repeating: 7, count: 100), to: root + "/garbage.npy")
        for (arguments, expected) in [
            (["--experiment", "mnist", "--data", root + "/missing"], "\(root)/missing: "),
            (["--experiment", "images", "--data", root + "/garbage.npy"], "\(root)/garbage.npy: "),
            (["--experiment", "images", "--data", root + "/small.npy"], "has 28×28 images, but dcgan4 makes 32×32 images"),
            (["--experiment", "cifar10"], "cifar10 needs --data"),
            (["--experiment", "images", "--data", root + "/small.npy", "--architecture", "resnet"], "resnet makes 64×64"),
        ] {
            let (message, code) = runCommand(["train", "--out", root + "/run"] + arguments)
            #expect(code != 0 && message.contains(expected) && !message.contains("\n"), "\(message)")
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/run/config.json"))
    }
}
