import Foundation
import Formats
import Games
import Tensors

/// Why a run stopped early or could not start; each says what happened and what was kept.
public enum TrainingError: Error, CustomStringConvertible {
    case configuration(ConfigurationError)
    case file(FormatError)
    /// The run directory already holds a run and resuming was not asked for.
    case existingRun(directory: String)
    /// Resuming was asked for, but there is nothing to resume.
    case nothingToResume(directory: String, reason: String)
    /// Settings given for a resumed run contradict its saved configuration.
    case configurationMismatch(directory: String, settings: [(option: String, saved: String, given: String)])
    /// The run has gone further than the iterations asked for.
    case pastIterations(directory: String, committed: Int, requested: Int)
    /// Losses, the field norm or the parameters became NaN or infinite.
    case diverged(iteration: Int, lastCheckpoint: Int?, directory: String)

    public var description: String {
        switch self {
        case .configuration(let error): return error.description
        case .file(let error): return error.description
        case .existingRun(let directory):
            return "\(directory) already holds a run; pass --resume to continue it or choose another --out"
        case .nothingToResume(let directory, let reason):
            return "\(directory): nothing to resume (\(reason)); start a new run without --resume"
        case .configurationMismatch(let directory, let settings):
            let listed = settings.map { "\($0.option) \($0.given) (the run has \($0.saved))" }.joined(separator: ", ")
            return "\(directory) was trained with other settings: \(listed); resume without them or choose another --out"
        case .pastIterations(let directory, let committed, let requested):
            return "\(directory) is already at iteration \(committed), past --iterations \(requested); nothing was changed"
        case .diverged(let iteration, let checkpoint, let directory):
            let kept = checkpoint.map { "the last good checkpoint (iteration \($0)) is kept in \(directory)" }
                ?? "no checkpoint had been written yet"
            return "training diverged at iteration \(iteration): a loss, ‖v‖ or a parameter became NaN or infinite; \(kept)"
        }
    }
}

/// What a finished run reports (`summary.json`).
public struct TrainingSummary: Codable, Sendable {
    public let iterations: Int
    /// Seconds of training across resumes.
    @FiniteOrNull public var seconds: Double
    /// Iterations per second of this process's share of the training (null when it trained none).
    @FiniteOrNull public var stepsPerSecond: Double
    public let finalMetrics: SampleMetrics
    /// ‖v‖ at the last iteration (null for a run of 0 iterations).
    @FiniteOrNull public var finalFieldNorm: Double
    /// The process's peak resident memory in bytes.
    public let peakMemoryBytes: Int
}

/// A training run in a directory: `config.json`, `metrics.jsonl`, density plots under
/// `samples/`, `spectrum.jsonl` when tracked, a TensorBoard event file, the checkpoint (see ``Checkpoint``) and, at the
/// end, `summary.json`.
///
/// A new run refuses a directory that holds one. A resumed run continues from the last committed
/// checkpoint with the configuration saved in it — only the iteration count may be raised — cuts
/// the logs back to what that checkpoint recorded, and finishes bit-identically to a run that was
/// never interrupted. One process at a time trains in a directory (``DirectoryLock``).
public final class TrainingRun {
    public let configuration: TrainingConfiguration
    public let directory: String
    /// Called once training is about to start, with the iteration it starts after.
    public var onStart: ((Int) -> Void)?
    /// Called after every iteration with the iteration and its report.
    public var onIteration: ((Int, StepReport) -> Void)?
    /// Whether iterations are replayed from a recorded one (``ReplayedStep``) where the method
    /// allows; the numbers are the same either way.
    public var replaysSteps = true

    /// How a run treats what its directory already holds.
    public enum Mode: Sendable {
        /// Start from iteration 0 in a directory that holds no run.
        case new
        /// Continue from the committed checkpoint; there must be one.
        case resume
        /// Continue from the committed checkpoint if there is one, otherwise start over (for
        /// directories a reproduction owns).
        case resumeOrStart
    }

    /// What ``run(_:)`` did.
    public struct Outcome: Sendable {
        public let summary: TrainingSummary
        /// The iteration training started after (0 for a new run).
        public let startIteration: Int
        /// Whether the resumed run had already finished, so only its final outputs were written.
        public let wasFinished: Bool
    }

    public init(configuration: TrainingConfiguration, directory: String) {
        self.configuration = configuration
        self.directory = directory
    }

    /// The run in `directory` to resume, with the configuration saved in its `config.json`.
    /// `given` are settings stated again (on the command line) with their values in `values`:
    /// `--iterations` may differ from the saved value, any other difference is an error naming
    /// each contradicting option.
    public static func resuming(_ directory: String, given: [TrainingConfiguration.Setting] = [],
                                values: TrainingConfiguration = TrainingConfiguration()) throws(TrainingError) -> TrainingRun {
        guard FileIO.isDirectory(directory) else { throw .nothingToResume(directory: directory, reason: "no such directory") }
        guard Checkpoint.exists(in: directory) else {
            throw .nothingToResume(directory: directory, reason: "it holds no checkpoint")
        }
        var saved: TrainingConfiguration
        do {
            saved = try JSON.read(TrainingConfiguration.self, from: directory + "/" + TrainingRun.configurationFile)
        } catch {
            throw .file(error)
        }
        let iterations = TrainingConfiguration.setting(\.iterations)
        let contradicting = saved.differences(from: values, among: given.filter { $0 != iterations })
        guard contradicting.isEmpty else {
            throw .configurationMismatch(directory: directory, settings: contradicting.map {
                (option: $0.option, saved: $0.text(in: saved), given: $0.text(in: values))
            })
        }
        if given.contains(iterations) { saved.iterations = values.iterations }
        return TrainingRun(configuration: saved, directory: directory)
    }

    static let configurationFile = "config.json"
    static let summaryFile = "summary.json"

    /// Trains to `configuration.iterations`. Everything is checked before anything is written:
    /// the settings (including the memory they need), what the directory holds, and the
    /// checkpoint to continue from.
    @discardableResult
    public func run(_ mode: Mode = .new) throws(TrainingError) -> Outcome {
        do {
            try configuration.validate()
        } catch {
            throw .configuration(error)
        }
        // A directory without a committed checkpoint holds at most the start of a run killed
        // before its first commit (iteration 0): nothing to lose by starting over.
        let hasCheckpoint = FileIO.isDirectory(directory) && Checkpoint.exists(in: directory)
        switch mode {
        case .new where hasCheckpoint: throw .existingRun(directory: directory)
        case .resume where !FileIO.isDirectory(directory): throw .nothingToResume(directory: directory, reason: "no such directory")
        case .resume where !hasCheckpoint: throw .nothingToResume(directory: directory, reason: "it holds no checkpoint")
        default: break
        }
        do {
            let checkpoint = mode != .new && hasCheckpoint ? try Checkpoint.load(from: directory) : nil
            if let checkpoint { try check(checkpoint) }
            try FileIO.makeDirectory(directory)
            let lock = try DirectoryLock(directory)
            defer { withExtendedLifetime(lock) {} }
            Checkpoint.removeUnpublished(in: directory)
            try FileIO.makeDirectory(directory + "/samples")
            return try train(from: checkpoint)
        } catch let error as TrainingError {
            throw error
        } catch let error as FormatError {
            throw .file(error)
        } catch {
            throw .file(FormatError("\(error)", path: directory))
        }
    }

    /// A checkpoint to continue from must be of this configuration and not past its end.
    private func check(_ checkpoint: Checkpoint) throws(TrainingError) {
        let saved = checkpoint.state.configuration
        let contradicting = saved.differences(from: configuration).filter { $0 != TrainingConfiguration.setting(\.iterations) }
        guard contradicting.isEmpty else {
            throw .configurationMismatch(directory: directory, settings: contradicting.map {
                (option: $0.option, saved: $0.text(in: saved), given: $0.text(in: configuration))
            })
        }
        guard checkpoint.iteration <= configuration.iterations else {
            throw .pastIterations(directory: directory, committed: checkpoint.iteration, requested: configuration.iterations)
        }
    }

    private func train(from checkpoint: Checkpoint?) throws -> Outcome {
        let experiment = try configuration.makeExperiment()
        let start = checkpoint?.iteration ?? 0
        var state = checkpoint?.state
            ?? RunState(iteration: 0, configuration: configuration, random: experiment.random, elapsed: 0)
        if let checkpoint { try experiment.restore(checkpoint) }
        state.configuration = configuration
        try JSON.write(configuration, to: directory + "/" + TrainingRun.configurationFile)
        let log = try MetricsLog(path: directory + "/metrics.jsonl",
                                 length: try committedLength(of: "metrics.jsonl", recorded: state.metricsLength, checkpoint: checkpoint))
        let tracker = configuration.spectrumEvery > 0
            ? try SpectrumTracker(directory: directory,
                                  random: state.spectrumRandom ?? SpectrumTracker.initialRandom(seed: configuration.seed),
                                  length: checkpoint == nil ? 0 : min(state.spectrumLength ?? 0, FileIO.size(directory + "/spectrum.jsonl"))) : nil
        let events = configuration.tensorboard
            ? try TensorBoardLog(directory: directory,
                                 committed: checkpoint == nil ? nil : state.eventFile.map { ($0, state.eventLength ?? 0) },
                                 learningRate: configuration.learningRate) : nil
        let logs = RunLogs(metrics: log, events: events)
        let score = try scoreEvaluator(for: experiment)
        let clockStart = Date()
        let elapsedBefore = state.elapsed
        let elapsed = { elapsedBefore + Date().timeIntervalSince(clockStart) }
        onStart?(start)
        var lastCommitted = checkpoint?.iteration
        /// A step can leave the losses finite and the parameters not: checked before anything
        /// is scored, pictured or committed from them.
        func checkParameters(after iteration: Int) throws {
            guard experiment.game.allParameters.allSatisfy({ $0.parameter.value.doubles.allSatisfy(\.isFinite) }) else {
                throw TrainingError.diverged(iteration: iteration, lastCheckpoint: lastCommitted, directory: directory)
            }
        }
        func commit(after iteration: Int, report: StepReport?) throws {
            try checkParameters(after: iteration)
            state.iteration = iteration
            state.random = experiment.random
            state.dataPosition = experiment.dataPosition
            state.spectrumRandom = tracker?.random
            state.elapsed = elapsed()
            state.metricsLength = try log.synchronize()
            state.spectrumLength = try tracker?.synchronize()
            state.eventFile = events?.name
            state.eventLength = try events?.synchronize()
            if let report {
                state.losses = report.losses.map(FiniteOrNull.init(wrappedValue:))
                state.fieldNorm = report.fieldNorm
            }
            try Checkpoint(model: experiment.modelState, modelCounts: experiment.modelCounts,
                           optimizer: experiment.optimizerState.flattened, state: state)
                .commit(in: directory)
            lastCommitted = iteration
        }
        if checkpoint == nil {
            // A new run is resumable from the start.
            try snapshot(experiment, iteration: 0, report: nil, score: score?(), logs: logs, elapsed: 0)
            try commit(after: 0, report: nil)
        }
        let processStart = Date()
        let replay = replaysSteps ? ReplayedStep(optimizer: experiment.optimizer, game: experiment.game) : nil
        if start < configuration.iterations {
            for iteration in (start + 1)...configuration.iterations {
                let report = experiment.step(replaying: replay)
                guard report.losses.allSatisfy(\.isFinite) && report.fieldNorm.isFinite else {
                    throw TrainingError.diverged(iteration: iteration, lastCheckpoint: lastCommitted, directory: directory)
                }
                let scoring = configuration.scoreEvery > 0 && iteration % configuration.scoreEvery == 0
                let committing = iteration % configuration.checkpointEvery == 0 || iteration == configuration.iterations
                if scoring || committing || iteration % configuration.snapshotEvery == 0 {
                    try checkParameters(after: iteration)
                }
                let scored = scoring ? score?() : nil
                if iteration % configuration.snapshotEvery == 0 {
                    try snapshot(experiment, iteration: iteration, report: report, score: scored, logs: logs, elapsed: elapsed())
                } else if iteration % configuration.logEvery == 0 || scored != nil {
                    var entry = row(iteration, report, elapsed())
                    entry.record(SampleMetrics(score: scored))
                    try logs.append(entry)
                }
                if let tracker, iteration % configuration.spectrumEvery == 0 {
                    try events?.record(try tracker.record(experiment, iteration: iteration))
                }
                if committing {
                    try commit(after: iteration, report: report)
                }
                onIteration?(iteration, report)
            }
        }
        let trainedSeconds = Date().timeIntervalSince(processStart)
        try tracker?.finish()
        let final = try experiment.snapshot()
        try FileIO.write(final.picture.png(), to: directory + "/samples/final.png")
        try NumPyArray.write(final.samples, to: directory + "/samples/final.npy")
        var finalMetrics = final.metrics
        finalMetrics.score = score?()
        let summary = TrainingSummary(
            iterations: configuration.iterations, seconds: state.elapsed,
            stepsPerSecond: start < configuration.iterations ? Double(configuration.iterations - start) / trainedSeconds : .nan,
            finalMetrics: finalMetrics, finalFieldNorm: state.fieldNorm, peakMemoryBytes: peakResidentBytes())
        try JSON.write(summary, to: directory + "/" + TrainingRun.summaryFile)
        return Outcome(summary: summary, startIteration: start,
                       wasFinished: checkpoint != nil && start == configuration.iterations)
    }

    /// The length a log is cut back to: the length the checkpoint recorded, or — for a run
    /// from before recorded lengths, or a log cut shorter since — the rows up to the
    /// checkpoint's iteration.
    private func committedLength(of name: String, recorded: Int?, checkpoint: Checkpoint?) throws(FormatError) -> Int {
        guard let checkpoint else { return 0 }
        if let recorded, recorded <= FileIO.size(directory + "/" + name) { return recorded }
        return try MetricsLog.keepRows(at: directory + "/" + name, through: checkpoint.iteration)
    }

    /// Writes the picture of the fixed samples and a metrics row with what they measure (and
    /// the sample-quality `score`, when one was taken).
    private func snapshot(_ experiment: any TrainingExperiment, iteration: Int, report: StepReport?, score: ImageScore?,
                          logs: RunLogs, elapsed: Double) throws {
        let snapshot = try experiment.snapshot()
        let picture = EncodedImage(snapshot.picture)
        try FileIO.write(picture.encoded, to: directory + "/samples/" + TrainingRun.snapshotName(iteration))
        try logs.events?.record(picture: picture, iteration: iteration)
        var entry = row(iteration, report ?? StepReport(losses: [.nan, .nan], fieldNorm: .nan), elapsed)
        var metrics = snapshot.metrics
        metrics.score = score
        entry.record(metrics)
        try logs.append(entry)
    }

    /// With `--score-every`, the scoring of `experiment`'s samples (a fixed set of latent codes of
    /// the run's seed, so scores are comparable across iterations and leave the training
    /// stream alone); nil otherwise.
    private func scoreEvaluator(for experiment: any TrainingExperiment) throws -> (() -> ImageScore)? {
        guard configuration.scoreEvery > 0 else { return nil }
        guard let images = experiment as? ImageExperiment else {
            throw ConfigurationError("--score-every scores generated digits; \(configuration.experiment.rawValue) is not an image experiment")
        }
        let data = images.dataset
        try ImageScorer.check(imageShape: [data.count, data.height, data.width, data.channels], of: configuration.architecture.rawValue)
        let scorer = try ImageScorer.bundled()
        let (count, seed) = (configuration.scoreSamples, configuration.seed)
        return { scorer.score(images.samples(count: count, seed: seed)) }
    }

    /// The file name of the snapshot after `iteration` iterations.
    public static func snapshotName(_ iteration: Int) -> String {
        let digits = String(iteration)
        return "iteration-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".png"
    }

    private func row(_ iteration: Int, _ report: StepReport, _ elapsed: Double) -> MetricsRow {
        var row = MetricsRow(iteration: iteration, generatorLoss: report.losses[0], discriminatorLoss: report.losses[1],
                             fieldNorm: report.fieldNorm, wallTime: elapsed)
        row.consensusGradientNorm = report.consensusGradientNorm.flatMap { $0.isFinite ? $0 : nil }
        return row
    }
}

/// Where a run's rows go: `metrics.jsonl` and, with `--tensorboard`, the event file.
private struct RunLogs {
    let metrics: MetricsLog
    let events: TensorBoardLog?

    func append(_ row: MetricsRow) throws(FormatError) {
        try metrics.append(row)
        try events?.record(row)
    }
}

/// The peak resident set size of this program: VmHWM from /proc/self/status on Linux (which,
/// unlike getrusage, starts afresh at exec, so `swift run` does not add its own footprint),
/// getrusage elsewhere.
func peakResidentBytes() -> Int {
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
       let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
       let kilobytes = Int(line.split(separator: " ").dropFirst().first { !$0.isEmpty } ?? "") {
        return kilobytes * 1024
    }
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
    #else
    getrusage(RUSAGE_SELF, &usage)
    return usage.ru_maxrss
    #endif
}
