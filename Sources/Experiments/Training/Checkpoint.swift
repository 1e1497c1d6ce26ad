import Foundation
import Formats
import Games
import Layers
import StepRules
import Tensors

/// A run's state on disk, in two safetensors files:
///
/// - `checkpoint.safetensors`: the parameters under PyTorch's names (`generator.layers.0.weight`,
///   Linear weights [out, in]), loadable by `safetensors.torch.load_file` into an equivalent
///   `nn.Module`; metadata: iteration and configuration.
/// - `optimizer.safetensors`: each step rule's state (`<parameter>.square_avg`, …) and, in the
///   metadata, the iteration, the training random stream and the elapsed time, so that a resumed
///   run continues bit for bit.
///
/// Both files are written atomically; the optimizer file last, and loading checks that their
/// iterations agree.
public enum Checkpoint {
    public static let modelFile = "checkpoint.safetensors"
    public static let optimizerFile = "optimizer.safetensors"

    /// Saves the state of `experiment` after `iteration` iterations.
    public static func save(_ experiment: MixtureExperiment, iteration: Int, elapsed: Double,
                            in directory: String) throws(FormatError) {
        var parameters: [String: Tensor] = [:]
        var state: [String: Tensor] = [:]
        for (player, members) in experiment.game.players.enumerated() {
            let rule = experiment.optimizer.stepRule(forPlayer: player)
            let offset = experiment.game.firstSlot(ofPlayer: player)
            for (slot, named) in members.parameters.enumerated() {
                parameters[named.name] = named.parameter.value
                for (key, tensor) in rule.state(ofSlot: offset + slot) { state["\(named.name).\(key)"] = tensor }
            }
        }
        let configuration = String(decoding: (try? JSONEncoder().encode(experiment.configuration)) ?? Data(), as: UTF8.self)
        let random = String(decoding: (try? JSONEncoder().encode(experiment.random)) ?? Data(), as: UTF8.self)
        try Safetensors.write(parameters, metadata: ["iteration": "\(iteration)", "configuration": configuration,
                                                     "format": "gan-numerics checkpoint 1"],
                              to: directory + "/" + modelFile)
        try Safetensors.write(state, metadata: ["iteration": "\(iteration)", "random": random, "elapsed": "\(elapsed)"],
                              to: directory + "/" + optimizerFile)
    }

    /// Loads the parameters of a model checkpoint into `game`, checking every name and shape.
    public static func loadParameters(from path: String, into game: GenerativeAdversarialGame) throws(FormatError) -> [String: String] {
        let (tensors, metadata) = try Safetensors.read(path)
        let expected = game.allParameters
        for named in expected {
            guard let tensor = tensors[named.name] else {
                throw FormatError("lacks \(named.name); it was not written for this architecture", path: path)
            }
            guard tensor.shape == named.parameter.shape else {
                throw FormatError("\(named.name) has shape \(tensor.shape) but the network expects \(named.parameter.shape)",
                                  path: path)
            }
        }
        let names = Set(expected.map(\.name))
        if let extra = tensors.keys.sorted().first(where: { !names.contains($0) }) {
            throw FormatError("holds \(extra), which this network does not have (a different architecture?)", path: path)
        }
        for named in expected {
            named.parameter.value = tensors[named.name]!.converted(to: named.parameter.value.dtype)
        }
        return metadata
    }

    /// Restores a run saved by ``save(_:iteration:elapsed:in:)``; returns its iteration and elapsed seconds.
    public static func restore(_ experiment: MixtureExperiment, from directory: String) throws(FormatError) -> (Int, Double) {
        let modelPath = directory + "/" + modelFile
        let optimizerPath = directory + "/" + optimizerFile
        let metadata = try loadParameters(from: modelPath, into: experiment.game)
        let (state, optimizerMetadata) = try Safetensors.read(optimizerPath)
        guard let iteration = metadata["iteration"].flatMap(Int.init),
              optimizerMetadata["iteration"].flatMap(Int.init) == iteration else {
            throw FormatError("its iteration does not match \(modelFile) (an interrupted save?)", path: optimizerPath)
        }
        guard let randomText = optimizerMetadata["random"],
              let random = try? JSONDecoder().decode(RandomGenerator.self, from: Data(randomText.utf8)) else {
            throw FormatError("lacks the random generator state", path: optimizerPath)
        }
        experiment.random = random
        for (player, members) in experiment.game.players.enumerated() {
            let rule = experiment.optimizer.stepRule(forPlayer: player)
            let offset = experiment.game.firstSlot(ofPlayer: player)
            for (slot, named) in members.parameters.enumerated() {
                let prefix = named.name + "."
                var slotState: [String: Tensor] = [:]
                for (key, tensor) in state where key.hasPrefix(prefix) { slotState[String(key.dropFirst(prefix.count))] = tensor }
                do {
                    try rule.restoreState(slotState, ofSlot: offset + slot)
                } catch {
                    throw FormatError("state of \(named.name): \(error.description)", path: optimizerPath)
                }
            }
        }
        return (iteration, optimizerMetadata["elapsed"].flatMap(Double.init) ?? 0)
    }

    /// Whether `directory` holds a checkpoint.
    public static func exists(in directory: String) -> Bool {
        FileManager.default.fileExists(atPath: directory + "/" + modelFile)
    }
}
