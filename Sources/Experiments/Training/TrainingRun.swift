import Foundation
import Formats
import Games
import Tensors

/// Why a run stopped early or could not start; each says what happened and what was kept.
public enum TrainingError: Error, CustomStringConvertible {
    case configuration(ConfigurationError)
    case file(FormatError)
    /// The run directory already holds a run and `resume` was not asked for.
    case existingRun(directory: String)
    /// `resume` was asked for but the saved configuration differs.
    case configurationMismatch(directory: String, field: String)
    /// Losses or the field norm became NaN or infinite.
    case diverged(iteration: Int, lastCheckpoint: Int?, directory: String)

    public var description: String {
        switch self {
        case .configuration(let error): return error.description
        case .file(let error): return error.description
        case .existingRun(let directory):
            return "\(directory) already holds a run; pass --resume to continue it or choose another --out"
        case .configurationMismatch(let directory, let field):
            return "\(directory) was trained with a different \(field); resume with the same settings or choose another --out"
        case .diverged(let iteration, let checkpoint, let directory):
            let kept = checkpoint.map { "the last good checkpoint (iteration \($0)) is kept in \(directory)" }
                ?? "no checkpoint had been written yet"
            return "training diverged at iteration \(iteration): a loss or ‖v‖ became NaN or infinite; \(kept)"
        }
    }
}

/// What a finished run reports.
public struct TrainingSummary: Codable, Sendable {
    public let iterations: Int
    public let seconds: Double
    public let stepsPerSecond: Double
    public let finalMetrics: ModeMetrics
    public let finalFieldNorm: Double
    /// The process's peak resident memory in bytes.
    public let peakMemoryBytes: Int
}

/// A training run in a directory: `config.json`, `metrics.jsonl`, density plots under
/// `samples/`, and the checkpoint (see ``Checkpoint``).
public final class TrainingRun {
    public let configuration: TrainingConfiguration
    public let directory: String
    /// Called after every iteration with the iteration and its report.
    public var onIteration: ((Int, StepReport) -> Void)?

    public init(configuration: TrainingConfiguration, directory: String) {
        self.configuration = configuration
        self.directory = directory
    }

    /// The experiment is built, restored from the directory's checkpoint if `resume`, then trained
    /// to `configuration.iterations`.
    @discardableResult
    public func run(resume: Bool = false) throws(TrainingError) -> TrainingSummary {
        do {
            try configuration.validate()
        } catch {
            throw .configuration(error)
        }
        let experiment = MixtureExperiment(configuration: configuration)
        var (start, elapsedBefore) = (0, 0.0)
        do {
            try FileIO.makeDirectory(directory)
            try FileIO.makeDirectory(directory + "/samples")
            if resume && Checkpoint.exists(in: directory) {
                try checkSavedConfiguration()
                (start, elapsedBefore) = try Checkpoint.restore(experiment, from: directory)
            } else if Checkpoint.exists(in: directory) {
                throw TrainingError.existingRun(directory: directory)
            }
            try FileIO.write(text: String(decoding: try encoded(configuration), as: UTF8.self) + "\n",
                             to: directory + "/config.json")
        } catch let error as FormatError {
            throw .file(error)
        } catch let error as TrainingError {
            throw error
        } catch {
            throw .file(FormatError("\(error)", path: directory))
        }
        do {
            return try train(experiment, from: start, elapsedBefore: elapsedBefore)
        } catch let error as TrainingError {
            throw error
        } catch let error as FormatError {
            throw .file(error)
        } catch {
            throw .file(FormatError("\(error)", path: directory))
        }
    }

    private func train(_ experiment: MixtureExperiment, from start: Int, elapsedBefore: Double) throws -> TrainingSummary {
        let log = try MetricsLog(path: directory + "/metrics.jsonl", keepingThrough: start > 0 ? start : nil)
        let tracker = configuration.spectrumEvery > 0
            ? SpectrumTracker(directory: directory, seed: configuration.seed) : nil
        let clockStart = Date()
        var lastCheckpoint: Int? = start > 0 ? start : nil
        var lastReport = StepReport(losses: [.nan, .nan], fieldNorm: .nan)
        let elapsed = { elapsedBefore + Date().timeIntervalSince(clockStart) }
        if start == 0 { try snapshot(experiment, iteration: 0, report: nil, log: log, elapsed: 0) }
        for iteration in (start + 1)..<(configuration.iterations + 1) {
            let report = experiment.step()
            guard report.losses.allSatisfy(\.isFinite) && report.fieldNorm.isFinite else {
                throw TrainingError.diverged(iteration: iteration, lastCheckpoint: lastCheckpoint, directory: directory)
            }
            lastReport = report
            if iteration % configuration.snapshotEvery == 0 {
                try snapshot(experiment, iteration: iteration, report: report, log: log, elapsed: elapsed())
            } else if iteration % configuration.logEvery == 0 {
                log.append(row(iteration, report, elapsed()))
            }
            if let tracker, iteration % configuration.spectrumEvery == 0 {
                try tracker.record(experiment, iteration: iteration)
            }
            if iteration % configuration.checkpointEvery == 0 {
                try Checkpoint.save(experiment, iteration: iteration, elapsed: elapsed(), in: directory)
                lastCheckpoint = iteration
            }
            onIteration?(iteration, report)
        }
        try tracker?.finish()
        let final = experiment.fixedSamples()
        try FileIO.write(experiment.plot.render(final).png(), to: directory + "/samples/final.png")
        try NumPyArray.write(final, to: directory + "/samples/final.npy")
        if lastCheckpoint != configuration.iterations {
            try Checkpoint.save(experiment, iteration: configuration.iterations, elapsed: elapsed(), in: directory)
        }
        let seconds = Date().timeIntervalSince(clockStart)
        let summary = TrainingSummary(
            iterations: configuration.iterations, seconds: elapsed(),
            stepsPerSecond: seconds > 0 ? Double(configuration.iterations - start) / seconds : 0,
            finalMetrics: ModeMetrics(samples: final, mixture: experiment.mixture),
            finalFieldNorm: lastReport.fieldNorm, peakMemoryBytes: peakResidentBytes())
        try FileIO.write(encoded(summary) + Array("\n".utf8), to: directory + "/summary.json")
        return summary
    }

    /// Writes the density plot of the fixed samples and a metrics row with mode coverage.
    private func snapshot(_ experiment: MixtureExperiment, iteration: Int, report: StepReport?, log: MetricsLog,
                          elapsed: Double) throws {
        let samples = experiment.fixedSamples()
        try FileIO.write(experiment.plot.render(samples).png(),
                         to: directory + "/samples/" + TrainingRun.snapshotName(iteration))
        let metrics = ModeMetrics(samples: samples, mixture: experiment.mixture)
        var entry = row(iteration, report ?? StepReport(losses: [.nan, .nan], fieldNorm: .nan), elapsed)
        entry.modesRecovered = metrics.modesRecovered
        entry.highQualityPercent = metrics.highQualityPercent
        entry.klFromUniform = metrics.klFromUniform
        log.append(entry)
    }

    /// The file name of the snapshot after `iteration` iterations.
    public static func snapshotName(_ iteration: Int) -> String {
        let digits = String(iteration)
        return "iteration-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".png"
    }

    private func row(_ iteration: Int, _ report: StepReport, _ elapsed: Double) -> MetricsRow {
        MetricsRow(iteration: iteration, generatorLoss: report.losses[0], discriminatorLoss: report.losses[1],
                   fieldNorm: report.fieldNorm, wallTime: elapsed)
    }

    private func checkSavedConfiguration() throws {
        let path = directory + "/config.json"
        guard let saved = try? JSONDecoder().decode(TrainingConfiguration.self, from: Data(FileIO.read(path))) else {
            throw FormatError("is missing or unreadable, so the run cannot be resumed", path: path)
        }
        var comparable = saved
        comparable.iterations = configuration.iterations
        guard comparable == configuration else {
            let mirrorSaved = Mirror(reflecting: comparable).children
            let mirrorNew = Mirror(reflecting: configuration).children
            let field = zip(mirrorSaved, mirrorNew).first { "\($0.value)" != "\($1.value)" }?.0.label ?? "setting"
            throw TrainingError.configurationMismatch(directory: directory, field: field)
        }
    }
}

/// Pretty-printed, key-sorted JSON.
func encoded<T: Encodable>(_ value: T) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return Array(try encoder.encode(value))
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
