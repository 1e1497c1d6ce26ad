import Foundation
import Formats
import Games

/// The paper's image comparison (its §4 and Figure 6; ../shared/SPEC.md §3 "Images"): SimGD,
/// AltGD, ConOpt and the discriminator-smoothing baseline on the DCGAN with batch norm, without
/// it, and with constant filters, under the standard and JS losses. Every run is scored by the
/// bundled digit classifier at fixed iterations; `table.md` and `results.json` give the
/// classifier score, Fréchet distance and digit classes covered, mean ± standard deviation over
/// seeds, and `figure.png` puts the final sample grids side by side, one row per method.
///
/// The default is sized for a 2-core laptop (about an hour): f = 16, batch 64, 2,000
/// iterations at lr 1e-3 on the bundled MNIST digits. The paper's scale is f = 64, lr 1e-4 and
/// 150,000 iterations.
public struct ImageReproduction: Sendable {
    /// The settings every run shares (method, network, loss and seed are set per run).
    public var base: TrainingConfiguration
    public var architectures: [ImageArchitecture] = [.dcgan4, .dcgan4NoBN, .dcgan4ConstantFilters]
    public var losses: [GANObjective] = [.standard, .js]
    public var methods: [TrainingConfiguration.Method] = [.simgd, .altgd, .conopt, .smooth]
    public var seeds = 1
    /// Runs trained at once (they share the cores: each run's kernels use all of them).
    public var jobs = 2
    /// Where the runs, the table and the figure go.
    public var directory = "reproduce/images"

    /// The laptop-sized default: the reference's settings (RMSProp, γ = 10, z 256, batch 64)
    /// with f = 16, 2,000 iterations and lr 1e-3, ten times the paper's: measured on dcgan4_nobn
    /// with ConOpt, lr 1e-4 still draws blobs after 1,500 iterations (classifier score 3.4),
    /// lr 1e-3 draws digits by 1,000 (7.4). Scored on 5,000 samples 4 times.
    public init() {
        base = TrainingConfiguration.defaults(for: .mnist)
        base.width = 16
        base.learningRate = 1e-3
        base.iterations = 2000
        base.scoreEvery = 500
        base.snapshotEvery = 500
        base.checkpointEvery = 500
    }

    /// One (network, loss, method) at one scored iteration, over seeds. A seed's run that
    /// diverged before the iteration has no value there and is counted in `diverged`.
    public struct Cell: Codable, Sendable {
        public let architecture: String
        public let loss: String
        public let method: String
        public let iteration: Int
        public let classifierScore: [Double]
        public let frechetDistance: [Double]
        public let classesCovered: [Int]
        public let diverged: Int
    }

    /// A run of the grid.
    struct Run {
        let architecture: ImageArchitecture
        let loss: GANObjective
        let method: TrainingConfiguration.Method
        let seed: UInt64
    }

    /// Where training of a run that blew up stopped (`diverged.json`), so that reusing the
    /// reproduction does not train it again: resuming it would blow up the same way.
    struct Divergence: Codable {
        let iteration: Int
        let lastCheckpoint: Int?
    }
    static let divergenceFile = "diverged.json"

    /// The number of runs: networks × losses × methods × seeds.
    public var runCount: Int { runs.count }

    var runs: [Run] {
        architectures.flatMap { architecture in
            losses.flatMap { loss in
                methods.flatMap { method in (0..<seeds).map { Run(architecture: architecture, loss: loss, method: method, seed: UInt64($0)) } }
            }
        }
    }

    /// Trains every run not already finished or diverged (resuming interrupted ones), then
    /// writes `table.md`, `results.json` and `figure.png`. `progress` gets (iterations done,
    /// iterations in all). A run that diverges is a result; any other failure is rethrown once
    /// every run has stopped.
    @discardableResult
    public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [Cell] {
        try checkSettings()
        try FileIO.makeDirectory(directory)
        let pending = runs.filter { divergence(of: $0) == nil }
        let outcomes = RunQueue(runs: pending.map { (configuration(for: $0), runDirectory($0)) }, jobs: jobs)
            .train(progress: progress)
        for (run, outcome) in zip(pending, outcomes) {
            guard case .failure(let error) = outcome else { continue }
            guard case TrainingError.diverged(let iteration, let lastCheckpoint, _) = error else { throw error }
            try JSON.write(Divergence(iteration: iteration, lastCheckpoint: lastCheckpoint),
                           to: runDirectory(run) + "/" + ImageReproduction.divergenceFile)
        }
        let cells = try collect()
        try FileIO.write(text: table(cells), to: directory + "/table.md")
        try JSON.write(cells, to: directory + "/results.json")
        try FileIO.write(figure().png(), to: directory + "/figure.png")
        return cells
    }

    /// Reads the data and builds each network once before anything is written, so a bad data
    /// path, or a network the data or the scorer cannot serve, is one error rather than one per run.
    private func checkSettings() throws {
        guard let loss = losses.first, let method = methods.first else { return }
        for architecture in architectures {
            let experiment = try configuration(for: Run(architecture: architecture, loss: loss, method: method, seed: 0)).makeExperiment()
            guard let data = (experiment as? ImageExperiment)?.dataset else { continue }
            try ImageScorer.check(imageShape: [data.count, data.height, data.width, data.channels], of: architecture.rawValue)
        }
    }

    func configuration(for run: Run) -> TrainingConfiguration {
        var configuration = base
        configuration.architecture = run.architecture
        configuration.loss = run.loss
        configuration.method = run.method
        configuration.seed = run.seed
        return configuration
    }

    func runDirectory(_ run: Run) -> String {
        "\(directory)/runs/\(run.architecture.rawValue)-\(run.loss.rawValue)-\(run.method.rawValue)-seed\(run.seed)"
    }

    private func divergence(of run: Run) -> Divergence? {
        try? JSON.read(Divergence.self, from: runDirectory(run) + "/" + ImageReproduction.divergenceFile)
    }

    /// The scored iterations: every `scoreEvery` and the last.
    private var scoredIterations: [Int] {
        let every = stride(from: base.scoreEvery, through: base.iterations, by: max(base.scoreEvery, 1)).map { $0 }
        return every.last == base.iterations ? every : every + [base.iterations]
    }

    /// Every group's scores at the scored iterations, from the runs' metrics logs.
    private func collect() throws -> [Cell] {
        var cells: [Cell] = []
        for group in runs.filter({ $0.seed == 0 }) {
            let seedRuns = (0..<seeds).map { Run(architecture: group.architecture, loss: group.loss, method: group.method, seed: UInt64($0)) }
            let logs = try seedRuns.map { try MetricsLog.rows(at: runDirectory($0) + "/metrics.jsonl") }
            let stops = seedRuns.map { divergence(of: $0)?.iteration }
            for iteration in scoredIterations {
                let rows = logs.compactMap { log in log.first { $0.iteration == iteration && $0.classifierScore != nil } }
                cells.append(Cell(architecture: group.architecture.rawValue, loss: group.loss.rawValue, method: group.method.rawValue,
                                  iteration: iteration, classifierScore: rows.compactMap(\.classifierScore),
                                  frechetDistance: rows.compactMap(\.frechetDistance),
                                  classesCovered: rows.compactMap(\.classesCovered),
                                  diverged: stops.filter { $0.map { $0 <= iteration } ?? false }.count))
            }
        }
        return cells
    }

    /// The Markdown table: one row per (network, loss, method), the classifier score at each
    /// scored iteration, and the final Fréchet distance and classes covered.
    func table(_ cells: [Cell]) -> String {
        let iterations = scoredIterations
        var lines = [
            "| network | loss | method | " + iterations.map { "score @ \($0)" }.joined(separator: " | ")
                + " | Fréchet distance | classes covered |",
            "|---|---|---|" + String(repeating: "---:|", count: iterations.count + 2),
        ]
        func value(_ cell: Cell, _ values: [Double], digits: Int) -> String {
            if values.isEmpty && cell.diverged > 0 { return "diverged" }
            return values.count == 1 ? String(format: "%.\(digits)f", values[0]) : spread(values, digits: digits)
        }
        for start in stride(from: 0, to: cells.count, by: iterations.count) {
            let group = cells[start..<start + iterations.count]
            guard let last = group.last else { continue }
            let scores = group.map { value($0, $0.classifierScore, digits: 2) }
            lines.append("| \(last.architecture) | \(last.loss) | \(last.method) | " + scores.joined(separator: " | ")
                         + " | \(value(last, last.frechetDistance, digits: 1)) | \(value(last, last.classesCovered.map(Double.init), digits: seeds > 1 ? 1 : 0)) |")
        }
        let spreadNote = seeds > 1 ? "mean ± standard deviation over \(seeds) seeds" : "one seed (--seeds N gives mean ± standard deviation)"
        lines.append("")
        lines.append("f = \(base.width), z = \(base.latentSize), batch \(base.batchSize), \(base.stepRule.rawValue) lr \(base.learningRate), "
                     + "γ = \(base.gamma); \(spreadNote). Classifier score exp(E KL(p(y|x) ‖ p(y))) of \(base.scoreSamples) samples "
                     + "(at most 10: every digit, each recognised with certainty); Fréchet distance of the "
                     + "classifier's features to 2,000 held-out real digits; classes covered: digits given at least 1% of the samples.")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The first seed's final sample grids: one row per method, one column per (network, loss).
    func figure() throws -> RGBImage {
        let columns = architectures.flatMap { architecture in losses.map { (architecture, $0) } }
        let figure = TileFigure(rowLabels: methods.map(\.rawValue),
                                columnLabels: columns.map { [$0.0.rawValue, $0.1.rawValue] }, tile: 200)
        return try figure.render { row, column in
            let run = Run(architecture: columns[column].0, loss: columns[column].1, method: methods[row], seed: 0)
            let samples = runDirectory(run) + "/samples/"
            if let stop = divergence(of: run) {
                return .note(["diverged at", "iteration \(stop.iteration)"])
            }
            let grid = try PNG.decode(FileIO.read(samples + TrainingRun.snapshotName(base.iterations)))
            return .picture(RGBImage(width: grid.width, height: grid.height, rgb: grid.rgb))
        }
    }
}
