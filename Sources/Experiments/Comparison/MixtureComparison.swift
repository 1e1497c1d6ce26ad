import Foundation
import Formats

/// Every method on the paper's mixture of Gaussians (its networks, RMSProp 1e-4, batch 512, one
/// seed), trained side by side: modes recovered, high-quality samples and KL from uniform at the
/// end, ‖v‖, and milliseconds per step. Finished runs are reused, interrupted ones resumed.
struct MixtureComparison {
    let comparison: MethodComparison

    /// One method's row of `results.json`.
    struct Row: Codable {
        let method: String
        /// The method's γ (null for methods without one).
        let weight: Double?
        let iterations: Int
        let modesRecovered: Int
        let highQualityPercent: Double
        let klFromUniform: Double?
        @FiniteOrNull var fieldNorm: Double
        @FiniteOrNull var millisecondsPerStep: Double
    }

    func runDirectory(_ method: TrainingConfiguration.Method) -> String {
        comparison.directory + "/runs/" + method.rawValue
    }

    func run(progress: (@Sendable (Int, Int) -> Void)?) throws -> String {
        let runs = comparison.methods.map { (comparison.configuration(for: $0), runDirectory($0)) }
        try RunQueue(runs: runs, jobs: comparison.jobs).trainAll(progress: progress)
        let rows = try comparison.methods.map { method -> Row in
            let summary = try JSON.read(TrainingSummary.self, from: runDirectory(method) + "/" + TrainingRun.summaryFile)
            let speed = summary.seconds > 0 ? 1000 * summary.seconds / Double(summary.iterations) : .nan
            guard let modes = summary.finalMetrics.modes else {
                throw FormatError("has no mode metrics", path: runDirectory(method) + "/" + TrainingRun.summaryFile)
            }
            return Row(method: method.rawValue, weight: method.weightName.map { _ in comparison.weight(for: method) },
                       iterations: summary.iterations,
                       modesRecovered: modes.modesRecovered, highQualityPercent: modes.highQualityPercent,
                       klFromUniform: modes.klFromUniform, fieldNorm: summary.finalFieldNorm,
                       millisecondsPerStep: speed)
        }
        try JSON.write(rows, to: comparison.directory + "/results.json")
        var lines = [
            "| method | weight | modes recovered (of 8) | high-quality samples (%) | KL(modes ‖ uniform) | ‖v‖ at the end | ms per step |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for (method, row) in zip(comparison.methods, rows) {
            let kl = row.klFromUniform.map { String(format: "%.3f", $0) } ?? "—"
            lines.append("| \(row.method) | \(comparison.weightLabel(for: method)) | \(row.modesRecovered) | \(String(format: "%.1f", row.highQualityPercent)) | \(kl) | \(String(format: "%.3g", row.fieldNorm)) | \(String(format: "%.2f", row.millisecondsPerStep)) |")
        }
        lines.append("")
        lines.append("mog8 with the paper's networks, RMSProp lr 1e-4 (SGD for acgd), batch 512, seed 0, \(rows.first?.iterations ?? 0) iterations per method. Modes and samples from the 2,560 fixed-z samples at the end; ms per step is wall time over the whole run, two runs at a time on this machine.")
        let table = lines.joined(separator: "\n") + "\n"
        try FileIO.write(text: table, to: comparison.directory + "/table.md")
        return table
    }
}
