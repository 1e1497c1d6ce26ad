import Foundation
import Formats
import Games
import Tensors

/// A run's committed state: everything needed to continue it bit for bit, written together and
/// published by one rename, so a process killed at any instant leaves either the previous
/// checkpoint or the new one — never a mixture.
///
/// On disk, in the run directory:
///
/// - `checkpoints/iteration-NNNNNN/` — one *generation*, a directory holding
///   - `model.safetensors`: the networks' parameters and buffers under PyTorch's names
///     (`generator.layers.0.weight`, Linear weights [out, in]), loadable by
///     `safetensors.torch.load_file` into an equivalent `nn.Module`; metadata: iteration,
///     configuration;
///   - `optimizer.safetensors`: the step rules' state by parameter name
///     (`generator.layers.0.weight.square_avg`, PyTorch's state names);
///   - `state.json`: the rest of ``RunState`` (random streams, log lengths, elapsed time).
/// - `checkpoint` — a symbolic link to the current generation. A commit writes and flushes a new
///   generation under a temporary name, renames it into place, then replaces the link by
///   renaming a new link over it (atomic), and only then deletes older generations.
///
/// Runs written before this layout (`checkpoint.safetensors` and `optimizer.safetensors` beside
/// `config.json`) are read as well; their next commit moves them to this layout.
public struct Checkpoint {
    /// The iteration the state is after.
    public var iteration: Int { state.iteration }
    /// Parameters and buffers by name.
    public var model: [String: Tensor]
    /// Step-rule state by `<parameter name>.<state name>`.
    public var optimizer: [String: Tensor]
    public var state: RunState
    /// Where a loaded checkpoint's model and optimizer files are, for messages.
    public private(set) var files = Files(model: Checkpoint.modelFile, optimizer: Checkpoint.optimizerFile)

    /// The paths of the two tensor files.
    public struct Files: Sendable {
        public let model: String
        public let optimizer: String
    }

    /// The model entries that are counters, written as integers (PyTorch's `num_batches_tracked`).
    public var modelCounts: Set<String> = []

    public init(model: [String: Tensor], modelCounts: Set<String> = [], optimizer: [String: Tensor], state: RunState) {
        self.model = model
        self.modelCounts = modelCounts
        self.optimizer = optimizer
        self.state = state
    }

    public static let link = "checkpoint"
    public static let generationsDirectory = "checkpoints"
    public static let modelFile = "model.safetensors"
    public static let optimizerFile = "optimizer.safetensors"
    public static let stateFile = "state.json"
    /// The file names of the layout before generations.
    static let legacyModelFile = "checkpoint.safetensors"
    static let legacyOptimizerFile = "optimizer.safetensors"

    /// The directory name of the generation after `iteration` iterations.
    static func generationName(_ iteration: Int) -> String {
        let digits = String(iteration)
        return "iteration-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    // MARK: Committing

    /// Writes this checkpoint as a new generation in the run `directory` and publishes it.
    public func commit(in directory: String) throws(FormatError) {
        let generations = directory + "/" + Checkpoint.generationsDirectory
        try FileIO.makeDirectory(generations)
        let name = Checkpoint.generationName(iteration)
        let final = generations + "/" + name
        let staging = FileIO.temporaryPath(for: final)
        try? FileManager.default.removeItem(atPath: staging)
        try FileIO.makeDirectory(staging)
        let metadata = ["iteration": "\(iteration)", "format": RunState.format]
        try Safetensors.write(model, integers: modelCounts,
                              metadata: metadata.merging(["configuration": try JSON.line(state.configuration)]) { $1 },
                              to: staging + "/" + Checkpoint.modelFile)
        try Safetensors.write(optimizer, metadata: metadata, to: staging + "/" + Checkpoint.optimizerFile)
        try JSON.write(state, to: staging + "/" + Checkpoint.stateFile)
        try FileIO.synchronizeDirectory(staging)
        if Checkpoint.publishedGeneration(in: directory) == name {
            // The same iteration again (a finished run's outputs rewritten): the published files
            // already hold this state, since training is deterministic.
            try? FileManager.default.removeItem(atPath: staging)
            return
        }
        try? FileManager.default.removeItem(atPath: final)
        guard rename(staging, final) == 0 else { throw FormatError("cannot be renamed into place", path: staging) }
        try FileIO.synchronizeDirectory(generations)
        try FileIO.replaceSymbolicLink(at: directory + "/" + Checkpoint.link,
                                       target: Checkpoint.generationsDirectory + "/" + name)
        try FileIO.synchronizeDirectory(directory)
        Checkpoint.removeUnpublished(in: directory)
        for legacy in [Checkpoint.legacyModelFile, Checkpoint.legacyOptimizerFile] {
            try? FileManager.default.removeItem(atPath: directory + "/" + legacy)
        }
    }

    /// The name of the generation the link points to, if any.
    static func publishedGeneration(in directory: String) -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + link) else {
            return nil
        }
        return URL(fileURLWithPath: target).lastPathComponent
    }

    /// Deletes generations the link does not point to (older ones, and one an interrupted commit
    /// renamed but did not publish) and every temporary an interrupted write left.
    public static func removeUnpublished(in directory: String) {
        FileIO.removeTemporaries(in: directory)
        FileIO.removeTemporaries(in: directory + "/samples")
        let generations = directory + "/" + generationsDirectory
        let published = publishedGeneration(in: directory)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: generations)) ?? [] where name != published {
            try? FileManager.default.removeItem(atPath: generations + "/" + name)
        }
    }

    // MARK: Loading

    /// Whether `directory` holds a committed checkpoint (in either layout).
    public static func exists(in directory: String) -> Bool {
        publishedGeneration(in: directory) != nil
            || FileManager.default.fileExists(atPath: directory + "/" + legacyModelFile)
    }

    /// The committed checkpoint of the run `directory`, every file checked against the others.
    public static func load(from directory: String) throws(FormatError) -> Checkpoint {
        guard publishedGeneration(in: directory) != nil else { return try loadLegacy(from: directory) }
        let generation = directory + "/" + link
        let state = try JSON.read(RunState.self, from: generation + "/" + stateFile)
        let (model, modelMetadata) = try Safetensors.read(generation + "/" + modelFile)
        let (optimizer, optimizerMetadata) = try Safetensors.read(generation + "/" + optimizerFile)
        for (file, metadata) in [(modelFile, modelMetadata), (optimizerFile, optimizerMetadata)]
        where metadata["iteration"] != "\(state.iteration)" {
            throw FormatError("is for iteration \(metadata["iteration"] ?? "?"), but \(stateFile) is for \(state.iteration)",
                              path: generation + "/" + file)
        }
        var checkpoint = Checkpoint(model: model, optimizer: optimizer, state: state)
        checkpoint.files = Files(model: generation + "/" + modelFile, optimizer: generation + "/" + optimizerFile)
        try checkpoint.checkFinite()
        return checkpoint
    }

    /// A run saved before generations: two files whose metadata carry the rest of the state.
    private static func loadLegacy(from directory: String) throws(FormatError) -> Checkpoint {
        let modelPath = directory + "/" + legacyModelFile
        let optimizerPath = directory + "/" + legacyOptimizerFile
        guard FileManager.default.fileExists(atPath: modelPath) else {
            throw FormatError("holds no checkpoint (no \(link)/ and no \(legacyModelFile))", path: directory)
        }
        let (model, modelMetadata) = try Safetensors.read(modelPath)
        let (optimizer, optimizerMetadata) = try Safetensors.read(optimizerPath)
        guard let iteration = modelMetadata["iteration"].flatMap(Int.init), iteration >= 0,
              optimizerMetadata["iteration"].flatMap(Int.init) == iteration else {
            throw FormatError("its iteration does not match \(legacyModelFile) (an interrupted save?)", path: optimizerPath)
        }
        guard let randomText = optimizerMetadata["random"],
              let random = try? JSON.decode(RandomGenerator.self, from: Array(randomText.utf8)) else {
            throw FormatError("lacks the random generator state", path: optimizerPath)
        }
        guard let configurationText = modelMetadata["configuration"] else {
            throw FormatError("lacks the configuration", path: modelPath)
        }
        var configuration: TrainingConfiguration
        do {
            configuration = try JSON.decode(TrainingConfiguration.self, from: Array(configurationText.utf8))
        } catch {
            throw FormatError("configuration: \(error.reason)", path: modelPath)
        }
        let state = RunState(iteration: iteration, configuration: configuration, random: random,
                             elapsed: optimizerMetadata["elapsed"].flatMap(Double.init) ?? 0)
        var checkpoint = Checkpoint(model: model, optimizer: optimizer, state: state)
        checkpoint.files = Files(model: modelPath, optimizer: optimizerPath)
        try checkpoint.checkFinite()
        return checkpoint
    }

    /// Refuses a checkpoint holding NaN or infinite values: it is not a state worth continuing.
    private func checkFinite() throws(FormatError) {
        for (file, tensors) in [(files.model, model), (files.optimizer, optimizer)] {
            if let name = tensors.keys.sorted().first(where: { !tensors[$0]!.doubles.allSatisfy(\.isFinite) }) {
                throw FormatError("\(name) holds NaN or infinite values; this is not a good checkpoint", path: file)
            }
        }
    }

    /// The model file of `source`: a run directory (either layout), a generation directory, or a
    /// model file itself.
    public static func modelPath(for source: String) throws(FormatError) -> String {
        guard FileIO.isDirectory(source) else {
            guard FileManager.default.fileExists(atPath: source) else {
                throw FormatError("no such run directory or checkpoint", path: source)
            }
            return source
        }
        for candidate in [link + "/" + modelFile, modelFile, legacyModelFile]
        where FileManager.default.fileExists(atPath: source + "/" + candidate) {
            return source + "/" + candidate
        }
        throw FormatError("holds no checkpoint (no \(link)/\(modelFile), \(modelFile) or \(legacyModelFile))", path: source)
    }

    /// Where the analysis of `source` (as ``modelPath(for:)`` takes it) goes by default: beside
    /// the run's files for a run, a generation or a model file inside a run (generations are
    /// deleted by later commits), beside the file otherwise.
    public static func analysisDirectory(for source: String, named name: String) -> String {
        let resolved = URL(fileURLWithPath: source).resolvingSymlinksInPath()
        var folder = FileIO.isDirectory(resolved.path) ? resolved : resolved.deletingLastPathComponent()
        if folder.deletingLastPathComponent().lastPathComponent == generationsDirectory {
            folder = folder.deletingLastPathComponent().deletingLastPathComponent()
        }
        return folder.appendingPathComponent(name).path
    }

    /// Loads the parameters of a model file into `game`, checking every name and shape, and that
    /// every value is finite.
    public static func loadParameters(from path: String, into game: GenerativeAdversarialGame) throws(FormatError) -> [String: String] {
        let (tensors, metadata) = try Safetensors.read(path)
        try loadParameters(tensors, into: game, path: path)
        return metadata
    }

    /// Sets `game`'s parameters and buffers from `tensors` (read from `path`): every name must be
    /// there with its shape and finite values, and nothing else.
    static func loadParameters(_ tensors: [String: Tensor], into game: GenerativeAdversarialGame, path: String) throws(FormatError) {
        let expected = game.allParameters.map { ($0.name, $0.parameter.shape) } + game.buffers.map { ($0.name, $0.buffer.value.shape) }
        for (name, shape) in expected {
            guard let tensor = tensors[name] else {
                throw FormatError("lacks \(name); it was not written for this architecture", path: path)
            }
            guard tensor.shape == shape else {
                throw FormatError("\(name) has shape \(tensor.shape) but the network expects \(shape)", path: path)
            }
            guard tensor.doubles.allSatisfy(\.isFinite) else {
                throw FormatError("\(name) holds NaN or infinite values; this is not a good checkpoint", path: path)
            }
        }
        let names = Set(expected.map(\.0))
        if let extra = tensors.keys.sorted().first(where: { !names.contains($0) }) {
            throw FormatError("holds \(extra), which this network does not have (a different architecture?)", path: path)
        }
        for named in game.allParameters {
            named.parameter.value = tensors[named.name]!.converted(to: named.parameter.value.dtype)
        }
        for named in game.buffers {
            named.buffer.value = tensors[named.name]!.converted(to: named.buffer.value.dtype)
        }
    }
}

/// What a checkpoint holds besides tensors (`state.json`).
public struct RunState: Codable, Sendable, Equatable {
    public static let format = "gan-numerics run state 2"
    public var format = RunState.format
    public var iteration: Int
    public var configuration: TrainingConfiguration
    /// The training stream (minibatches and latent codes).
    public var random: RandomGenerator
    /// The stream of the spectrum records, when tracked.
    public var spectrumRandom: RandomGenerator?
    /// Where the image sampler stands (nil for mixtures).
    public var dataPosition: DataPosition?
    /// Seconds of training before this state, across resumes (wall-clock: the one value that
    /// differs between identical runs).
    @FiniteOrNull public var elapsed: Double
    /// Bytes of `metrics.jsonl` written up to this state (nil for older runs, whose rows are cut
    /// by iteration instead).
    public var metricsLength: Int?
    /// Bytes of `spectrum.jsonl` written up to this state.
    public var spectrumLength: Int?
    /// The TensorBoard event file's name and the bytes of it written up to this state.
    public var eventFile: String?
    public var eventLength: Int?
    /// The losses of the last iteration, in player order (null before the first).
    public var losses: [FiniteOrNull] = []
    /// ‖v‖ of the last iteration.
    @FiniteOrNull public var fieldNorm: Double = .nan

    public init(iteration: Int, configuration: TrainingConfiguration, random: RandomGenerator, elapsed: Double) {
        self.iteration = iteration
        self.configuration = configuration
        self.random = random
        self.elapsed = elapsed
    }

    /// Reads a state, checking its format and its configuration.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(String.self, forKey: .format)
        guard format == RunState.format else {
            throw DecodingError.dataCorruptedError(forKey: .format, in: container,
                                                   debugDescription: "unknown format '\(format)'")
        }
        iteration = try container.decode(Int.self, forKey: .iteration)
        guard iteration >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .iteration, in: container, debugDescription: "negative iteration")
        }
        configuration = try container.decode(TrainingConfiguration.self, forKey: .configuration)
        random = try container.decode(RandomGenerator.self, forKey: .random)
        spectrumRandom = try container.decodeIfPresent(RandomGenerator.self, forKey: .spectrumRandom)
        dataPosition = try container.decodeIfPresent(DataPosition.self, forKey: .dataPosition)
        if let position = dataPosition, position.epoch < 0 || position.index < 0 {
            throw DecodingError.dataCorruptedError(forKey: .dataPosition, in: container, debugDescription: "negative data position")
        }
        _elapsed = try container.decode(FiniteOrNull.self, forKey: .elapsed)
        metricsLength = try container.decodeIfPresent(Int.self, forKey: .metricsLength)
        spectrumLength = try container.decodeIfPresent(Int.self, forKey: .spectrumLength)
        eventFile = try container.decodeIfPresent(String.self, forKey: .eventFile)
        if let eventFile, !eventFile.hasPrefix(EventFile.namePrefix) || eventFile.contains("/") {
            throw DecodingError.dataCorruptedError(forKey: .eventFile, in: container,
                                                   debugDescription: "'\(eventFile)' is not an event file's name")
        }
        eventLength = try container.decodeIfPresent(Int.self, forKey: .eventLength)
        for (key, length) in [(CodingKeys.metricsLength, metricsLength), (.spectrumLength, spectrumLength), (.eventLength, eventLength)]
        where (length ?? 0) < 0 {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "negative length")
        }
        losses = try container.decodeIfPresent([FiniteOrNull].self, forKey: .losses) ?? []
        _fieldNorm = try container.decodeIfPresent(FiniteOrNull.self, forKey: .fieldNorm) ?? FiniteOrNull(wrappedValue: .nan)
    }

    private enum CodingKeys: String, CodingKey {
        case format, iteration, configuration, random, spectrumRandom, dataPosition, elapsed, metricsLength, spectrumLength, losses
        case fieldNorm, eventFile, eventLength
    }
}

extension Checkpoint {
    /// The experiment of a run directory, a checkpoint directory or a model file (whose
    /// `configuration` metadata says how to build the networks, checked like command-line
    /// settings), with the checkpoint's parameters.
    public static func experiment(from source: String) throws -> (experiment: any TrainingExperiment, iteration: Int?) {
        let path = try modelPath(for: source)
        let (tensors, metadata) = try Safetensors.read(path)
        var configuration = TrainingConfiguration()
        if let text = metadata["configuration"] {
            do {
                configuration = try JSON.decode(TrainingConfiguration.self, from: Array(text.utf8))
                try configuration.validate()
            } catch let error as FormatError {
                throw FormatError("its configuration metadata is unreadable: \(error.reason)", path: path)
            } catch {
                throw FormatError("its configuration metadata is not usable: \(error)", path: path)
            }
        }
        let experiment = try configuration.makeExperiment()
        try loadParameters(tensors, into: experiment.game, path: path)
        return (experiment, metadata["iteration"].flatMap(Int.init))
    }
}
