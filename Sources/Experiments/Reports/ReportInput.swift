import Foundation
import Formats

/// What a run directory holds, read for a report: its settings, metrics rows, snapshots,
/// summary and spectra.
public struct RunRecord: Sendable {
    public let name: String
    public let directory: String
    /// The settings of `config.json` as the command line names them, with their values.
    public let settings: [(key: String, value: String)]
    public let configuration: TrainingConfiguration
    public let rows: [MetricsRow]
    /// The pictures under `samples/`, by iteration.
    public let snapshots: [(iteration: Int, path: String)]
    /// `summary.json` of a finished run.
    public let summary: TrainingSummary?
    /// `spectrum/summary.json` and `spectrum/spectrum.svg`, from `gan-numerics spectrum`.
    public let spectrum: (report: SpectrumAnalysis.Report, figure: String)?
    /// `spectrum-trajectory.svg` and the records of `spectrum.jsonl`, from `train --spectrum-every`.
    public let spectrumTrajectory: String?
    public let spectrumRecords: [SpectrumTracker.Record]

    /// Reads the run in `directory`; a missing or malformed `config.json` or `metrics.jsonl`
    /// is an error naming the file.
    public init(directory: String) throws(FormatError) {
        self.directory = directory
        name = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        let configurationPath = directory + "/" + TrainingRun.configurationFile
        guard FileIO.exists(configurationPath) else {
            throw FormatError("not a run directory (no \(TrainingRun.configurationFile)) and not a reproduction or comparison (no runs/ or table.md)", path: directory)
        }
        configuration = try JSON.read(TrainingConfiguration.self, from: configurationPath)
        settings = TrainingConfiguration.settings.map { [configuration] in ($0.option, $0.text(in: configuration)) }
        let metricsPath = directory + "/metrics.jsonl"
        rows = FileIO.exists(metricsPath) ? try MetricsLog.rows(at: metricsPath) : []
        let samples = directory + "/samples"
        snapshots = ((try? FileManager.default.contentsOfDirectory(atPath: samples)) ?? []).compactMap { name in
            guard name.hasPrefix("iteration-") && name.hasSuffix(".png"),
                  let iteration = Int(name.dropFirst("iteration-".count).dropLast(".png".count)) else { return nil }
            return (iteration, samples + "/" + name)
        }.sorted { $0.iteration < $1.iteration }
        let summaryPath = directory + "/" + TrainingRun.summaryFile
        summary = FileIO.exists(summaryPath) ? try JSON.read(TrainingSummary.self, from: summaryPath) : nil
        let spectrumPath = directory + "/spectrum/summary.json"
        spectrum = FileIO.exists(spectrumPath) && FileIO.exists(directory + "/spectrum/spectrum.svg")
            ? (try JSON.read(SpectrumAnalysis.Report.self, from: spectrumPath), directory + "/spectrum/spectrum.svg") : nil
        let trajectory = directory + "/spectrum-trajectory.svg"
        spectrumTrajectory = FileIO.exists(trajectory) ? trajectory : nil
        let recordsPath = directory + "/spectrum.jsonl"
        spectrumRecords = FileIO.exists(recordsPath)
            ? try JSON.readLines(SpectrumTracker.Record.self, from: recordsPath, each: "a spectrum record") : []
    }
}

/// A directory with a table and figures, and its runs under `runs/` when it trained any: what
/// `reproduce mog|images` and `compare` write.
public struct RunCollection: Sendable {
    public let name: String
    public let directory: String
    /// `table.md`, when there is one.
    public let table: String?
    /// The figures beside the table: every SVG, and every PNG without an SVG of the same name.
    public let figures: [String]
    public let runs: [RunRecord]

    /// Whether `directory` is laid out as a collection.
    public static func isCollection(_ directory: String) -> Bool {
        !FileIO.exists(directory + "/" + TrainingRun.configurationFile)
            && (FileIO.isDirectory(directory + "/runs") || FileIO.exists(directory + "/table.md"))
    }

    public init(directory: String) throws(FormatError) {
        self.directory = directory
        name = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        let tablePath = directory + "/table.md"
        table = FileIO.exists(tablePath) ? String(decoding: try FileIO.read(tablePath), as: UTF8.self) : nil
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        figures = files.filter { name in
            name.hasSuffix(".svg") || (name.hasSuffix(".png") && !files.contains(String(name.dropLast(4)) + ".svg"))
        }.map { directory + "/" + $0 }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/runs")) ?? []).sorted()
        var runs: [RunRecord] = []
        for name in names where FileIO.exists(directory + "/runs/" + name + "/" + TrainingRun.configurationFile) {
            runs.append(try RunRecord(directory: directory + "/runs/" + name))
        }
        self.runs = runs
    }
}

/// What `gan-numerics report` was given: single runs and collections, in order.
public struct ReportInput: Sendable {
    public let runs: [RunRecord]
    public let collections: [RunCollection]

    /// Every run of `paths`: a run directory is one run, a collection contributes its runs.
    public init(paths: [String]) throws(FormatError) {
        var runs: [RunRecord] = []
        var collections: [RunCollection] = []
        for path in paths {
            guard FileIO.isDirectory(path) else { throw FormatError("no such directory", path: path) }
            if RunCollection.isCollection(path) {
                let collection = try RunCollection(directory: path)
                collections.append(collection)
                runs += collection.runs
            } else {
                runs.append(try RunRecord(directory: path))
            }
        }
        self.runs = runs
        self.collections = collections
    }
}
