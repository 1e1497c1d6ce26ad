import Foundation
import Formats

/// The paper's mixture-of-Gaussians comparison: simultaneous gradient descent against consensus
/// optimization on several seeds, with mode coverage at fixed iterations, a Markdown table of
/// mean ± standard deviation over seeds, and a figure of both methods' density plots side by side.
public struct MixtureReproduction: Sendable {
    /// The settings every run shares (the paper's by default; method and seed are set per run).
    public var base = TrainingConfiguration()
    public var seeds = 5
    public var methods: [TrainingConfiguration.Method] = [.simgd, .conopt]
    /// Iterations at which the table reports coverage (those beyond the run's end are dropped).
    public var reportedIterations = [10_000, 20_000, 50_000]
    /// Runs trained at once (each run uses one core).
    public var jobs = 2
    /// Where the runs, the table and the figure go.
    public var directory = "reproduce/mog"

    public init() {}

    /// One method's coverage at one iteration, over seeds.
    public struct Cell: Codable, Sendable {
        public let method: String
        public let iteration: Int
        public let modesRecovered: [Int]
        public let highQualityPercent: [Double]
        public let klFromUniform: [Double?]
    }

    /// Trains every (method, seed) run not already finished (resuming interrupted ones), then writes `table.md`,
    /// `results.json` and `figure.png`. `progress` gets (iterations done, iterations in all).
    @discardableResult
    public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [Cell] {
        guard !base.experiment.isImage else {
            throw ConfigurationError("the mixture-of-Gaussians reproduction runs mog8 or mog25, not \(base.experiment.rawValue); use `reproduce images` for image experiments")
        }
        try FileIO.makeDirectory(directory)
        let runs = methods.flatMap { method in (0..<seeds).map { (method, UInt64($0)) } }
        try RunQueue(runs: runs.map { (configuration($0, $1), runDirectory($0, $1)) }, jobs: jobs).trainAll(progress: progress)
        let cells = try collect()
        try FileIO.write(text: table(cells), to: directory + "/table.md")
        try JSON.write(cells, to: directory + "/results.json")
        try FileIO.write(figure().png(), to: directory + "/figure.png")
        return cells
    }

    func configuration(_ method: TrainingConfiguration.Method, _ seed: UInt64) -> TrainingConfiguration {
        var configuration = base
        configuration.method = method
        configuration.seed = seed
        return configuration
    }

    func runDirectory(_ method: TrainingConfiguration.Method, _ seed: UInt64) -> String {
        "\(directory)/runs/\(base.experiment.rawValue)-\(method.rawValue)-seed\(seed)"
    }

    /// The reported iterations within the run, and always its last.
    private var tableIterations: [Int] {
        let within = reportedIterations.filter { $0 <= base.iterations }
        return within.last == base.iterations ? within : within + [base.iterations]
    }

    /// The mode metrics of every run at the reported iterations, from their metrics logs.
    private func collect() throws -> [Cell] {
        var cells: [Cell] = []
        for method in methods {
            let logs = try (0..<seeds).map { seed in
                try MetricsLog.rows(at: runDirectory(method, UInt64(seed)) + "/metrics.jsonl")
            }
            for iteration in tableIterations {
                let rows = logs.compactMap { log in log.first { $0.iteration == iteration && $0.modesRecovered != nil } }
                cells.append(Cell(method: method.rawValue, iteration: iteration,
                                  modesRecovered: rows.compactMap(\.modesRecovered),
                                  highQualityPercent: rows.compactMap(\.highQualityPercent),
                                  klFromUniform: rows.map(\.klFromUniform)))
            }
        }
        return cells
    }

    /// The Markdown table: mean ± sample standard deviation over seeds.
    func table(_ cells: [Cell]) -> String {
        let modes = base.experiment == .mog8 ? 8 : 25
        var lines = [
            "| method | iteration | modes recovered (of \(modes)) | high-quality samples (%) | KL(modes ‖ uniform) |",
            "|---|---:|---:|---:|---:|",
        ]
        for cell in cells {
            let kl = cell.klFromUniform.compactMap { $0 }
            lines.append("| \(cell.method) | \(cell.iteration) | \(spread(cell.modesRecovered.map(Double.init), digits: 1)) | "
                         + "\(spread(cell.highQualityPercent, digits: 1)) | \(kl.isEmpty ? "—" : spread(kl, digits: 3)) |")
        }
        lines.append("")
        lines.append("\(seeds) seeds per method; mean ± standard deviation over seeds. A sample is high-quality within 3σ of a mode; a mode is recovered with at least a quarter of a uniform share of the 2,560 samples drawn from a fixed z.")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The first seed's density plots, one row per method, at evenly chosen iterations.
    func figure() throws -> RGBImage {
        let columns = figureIterations
        let figure = TileFigure(rowLabels: methods.map(\.rawValue), columnLabels: columns.map { ["it \($0)"] })
        return try figure.render { row, column in
            let path = runDirectory(methods[row], 0) + "/samples/" + TrainingRun.snapshotName(columns[column])
            let snapshot = try PNG.decode(FileIO.read(path))
            return .picture(RGBImage(width: snapshot.width, height: snapshot.height, rgb: snapshot.rgb))
        }
    }

    /// Six snapshot iterations from 0 to the end, on the snapshot grid.
    private var figureIterations: [Int] {
        let grid = base.snapshotEvery
        return [0, 0.05, 0.1, 0.2, 0.5, 1].map { Int((Double(base.iterations) * $0 / Double(grid)).rounded()) * grid }
            .reduce(into: [Int]()) { if !$0.contains($1) && $1 <= base.iterations { $0.append($1) } }
    }
}

/// "mean ± std" of the values.
func spread(_ values: [Double], digits: Int) -> String {
    guard !values.isEmpty else { return "—" }
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.count > 1
        ? values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1) : 0
    return String(format: "%.\(digits)f ± %.\(digits)f", mean, variance.squareRoot())
}
