import ArgumentParser
import Foundation
import GANNumerics

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "One self-contained HTML page of runs and reproductions, to open offline or send.",
        discussion: """
            Reads run directories (from `train`) and reproductions or comparisons (directories \
            with runs/, from `reproduce` and `compare`) and writes report.html: the runs at a glance, \
            a reproduction's table and figures, losses, ‖v‖ (log scale) and metrics over iterations \
            with several runs overlaid (one colour each), the snapshot timeline under a slider, \
            spectra with their stability summaries, and every setting. Plots are inline SVG and \
            pictures embedded PNG: the page needs no network and no file beside it.
            """)

    @Argument(help: "Run directories, reproductions or comparisons; several are overlaid.")
    var sources: [String]

    @Option(help: "The page to write (default: <source>/report.html for one source, report.html for several).")
    var out: String?

    @Option(parsing: .unconditional, help: "The most snapshots per run in the timeline, evenly spaced (default: 40).")
    var snapshots = 40

    func validate() throws {
        guard !sources.isEmpty else { throw ValidationError("give at least one run directory or reproduction") }
        guard snapshots >= 2 else { throw ValidationError("--snapshots must be at least 2, got \(snapshots)") }
    }

    func run() throws {
        let path = out ?? (sources.count == 1 ? sources[0] + "/report.html" : "report.html")
        do {
            let report = RunReport(input: try ReportInput(paths: sources), snapshotLimit: snapshots)
            try report.write(to: path)
            let bytes = FileIO.size(path)
            print("\(path): \(report.input.runs.count) run\(report.input.runs.count == 1 ? "" : "s"), \(bytes >> 10) KiB, self-contained")
        } catch {
            throw CommandFailure(error)
        }
    }
}
