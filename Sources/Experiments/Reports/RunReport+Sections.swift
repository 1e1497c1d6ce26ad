import Foundation
import Formats

/// The sections of ``RunReport``, top to bottom.
extension RunReport {
    /// One row per run: what it is, how far it got, how fast, and where it ended.
    func overview() -> String {
        guard !input.runs.isEmpty else { return "" }
        let rows = input.runs.enumerated().map { index, run -> [String] in
            let configuration = run.configuration
            let reached = run.summary?.iterations ?? run.rows.last?.iteration ?? 0
            let progress = run.summary != nil ? "\(reached)" : "\(reached) of \(configuration.iterations) (unfinished)"
            let last = run.rows.last
            let metrics = run.summary?.finalMetrics
            var result: [String] = []
            if let modes = metrics?.modes {
                result.append("\(modes.modesRecovered) modes, \(number(modes.highQualityPercent))% high quality")
            } else if let recovered = run.rows.last(where: { $0.modesRecovered != nil }), let modes = recovered.modesRecovered {
                result.append("\(modes) modes at \(recovered.iteration)")
            }
            if let score = metrics?.score ?? run.rows.last(where: { $0.classifierScore != nil }).map(Self.score) {
                result.append("score \(number(score.classifierScore)) ± \(number(score.classifierScoreSpread)), "
                              + "Fréchet \(number(score.frechetDistance)), \(score.classesCovered) classes")
            }
            return [swatch(index) + HTML.escaped(run.name), configuration.experiment.rawValue, configuration.method.rawValue,
                    configuration.loss.rawValue, progress,
                    number(run.summary?.seconds ?? last?.wallTime ?? .nan) + "&#160;s",
                    run.summary.map { number($0.stepsPerSecond) } ?? "–",
                    number(run.summary?.finalFieldNorm ?? last?.fieldNorm ?? .nan),
                    HTML.escaped(result.joined(separator: "; ")),
                    run.summary.map { "\($0.peakMemoryBytes >> 20)&#160;MiB" } ?? "–"]
        }
        return """
            <section id="runs"><h2>Runs</h2>
            \(HTML.table(header: ["run", "experiment", "method", "loss", "iterations", "time", "it/s", "final ‖v‖", "result", "peak memory"],
                         rows: rows, numeric: [4, 5, 6, 7, 9]))
            </section>
            """
    }

    /// A reproduction's or comparison's table and figures.
    func section(for collection: RunCollection, index: Int) throws(FormatError) -> String {
        var parts = ["<section id=\"collection-\(index)\"><h2>\(HTML.escaped(collection.name))</h2>"]
        if !collection.runs.isEmpty {
            parts.append("<p class=\"note\">\(collection.runs.count) runs in \(HTML.escaped(collection.directory))/runs</p>")
        }
        if let table = collection.table { parts.append(HTML.markdown(table)) }
        for (number, figure) in collection.figures.enumerated() {
            let name = HTML.escaped(URL(fileURLWithPath: figure).lastPathComponent)
            let content = figure.hasSuffix(".svg")
                ? HTML.inline(svg: String(decoding: try FileIO.read(figure), as: UTF8.self), prefix: "collection-\(index)-\(number)")
                : "<img class=\"figure\" src=\"\(HTML.pngSource(try PNG.read(figure).bytes))\" alt=\"\(name)\"/>"
            parts.append("<figure>\(content)<figcaption>\(name)</figcaption></figure>")
        }
        parts.append("</section>")
        return parts.joined(separator: "\n")
    }

    /// Every metric any run logged, and the tracked spectrum, over iterations, one line per run.
    func curves() -> String {
        var plots: [String] = []
        for (index, series) in MetricSeries.all.enumerated() {
            let lines = input.runs.map { run in
                run.rows.compactMap { row -> (x: Double, y: Double)? in
                    guard let value = series.value(row), value.isFinite, !series.logarithmic || value > 0 else { return nil }
                    return (Double(row.iteration), value)
                }
            }
            plots += curve(series.title, lines, logarithmic: series.logarithmic, identifier: "curve-\(index)").map { [$0] } ?? []
        }
        for (index, series) in SpectrumTracker.Record.series.enumerated() {
            let lines = input.runs.map { run in
                run.spectrumRecords.map { (x: Double($0.iteration), y: series.value($0)) }.filter { $0.y.isFinite }
            }
            plots += curve(series.title, lines, logarithmic: false, identifier: "spectrum-curve-\(index)").map { [$0] } ?? []
        }
        guard !plots.isEmpty else { return "" }
        return """
            <section id="curves"><h2>Over iterations</h2>
            \(legend())
            <div class="plots">
            \(plots.joined(separator: "\n"))
            </div>
            </section>
            """
    }

    /// One plot of `lines` (one per run, in run order; nil when every line is empty): a
    /// logarithmic axis over whole decades, or a linear one padded by 5% that stays at or above
    /// 0 for quantities that do.
    private func curve(_ title: String, _ lines: [[(x: Double, y: Double)]], logarithmic: Bool, identifier: String) -> String? {
        let all = lines.flatMap { $0 }
        guard let low = all.map(\.y).min(), let high = all.map(\.y).max() else { return nil }
        let yRange: ClosedRange<Double>
        if logarithmic {
            yRange = pow(10, log10(low).rounded(.down))...pow(10, max(log10(high).rounded(.up), log10(low).rounded(.down) + 1))
        } else {
            let pad = high > low ? 0.05 * (high - low) : max(abs(high) * 0.1, 1)
            yRange = (low >= 0 ? max(low - pad, 0) : low - pad)...(high + pad)
        }
        var plot = Plot(title: title, xLabel: "iteration", yLabel: "", xRange: 0...max(all.map(\.x).max()!, 1), yRange: yRange)
        plot.width = 560
        plot.height = 320
        plot.logarithmicY = logarithmic
        plot.identifier = identifier
        for (run, points) in lines.enumerated() where !points.isEmpty {
            let color = RunReport.color(run)
            plot.series.append(Plot.Series(name: "", color: color, points: points, style: .line))
            if points.count <= 30 { plot.series.append(Plot.Series(name: "", color: color, points: points, style: .dots(radius: 2.5))) }
        }
        return "<figure>\(plot.svg())</figure>"
    }

    /// The snapshots of every run under one slider.
    func timeline() throws(FormatError) -> String {
        let chosen = input.runs.map { evenlySpaced($0.snapshots) }
        let iterations = Set(chosen.flatMap { $0.map(\.iteration) }).sorted()
        guard let last = iterations.last else { return "" }
        var runs: [String] = []
        for (index, (run, frames)) in zip(input.runs, chosen).enumerated() where !frames.isEmpty {
            var images: [String] = []
            for frame in frames {
                let shown = frame.iteration == frames.last!.iteration
                images.append("<img class=\"frame\" src=\"\(HTML.pngSource(try PNG.read(frame.path).bytes))\" data-iteration=\"\(frame.iteration)\" "
                              + "alt=\"samples of \(HTML.escaped(run.name)) at iteration \(frame.iteration)\"\(shown ? "" : " hidden=\"hidden\"")/>")
            }
            runs.append("""
                <figure class="timeline">\(images.joined())<figcaption>\(swatch(index))\(HTML.escaped(run.name)), iteration \
                <span class="frame-iteration">\(frames.last!.iteration)</span></figcaption></figure>
                """)
        }
        let controls = iterations.count > 1 ? """
            <div class="timeline-controls"><label for="timeline-slider">Snapshot</label> \
            <input type="range" id="timeline-slider" min="0" max="\(iterations.count - 1)" value="\(iterations.count - 1)" step="1" \
            data-iterations="[\(iterations.map(String.init).joined(separator: ","))]"/> \
            <output id="timeline-label" for="timeline-slider">iteration \(last)</output></div>
            """ : ""
        return """
            <section id="snapshots"><h2>Samples</h2>
            <p class="note">The fixed latent codes' samples (density plots of mixtures, sample grids of images) as training went; \
            the slider moves every run at once.</p>
            \(controls)
            <div class="frames">
            \(runs.joined(separator: "\n"))
            </div>
            </section>
            """
    }

    /// The spectra of `gan-numerics spectrum` and `train --spectrum-every`, with the stability
    /// summary of the Jacobian and of the consensus matrix.
    func spectra() throws(FormatError) -> String {
        var parts: [String] = []
        for (index, run) in input.runs.enumerated() where run.spectrum != nil || run.spectrumTrajectory != nil {
            parts.append("<h3>\(swatch(index))\(HTML.escaped(run.name))</h3>")
            if let (report, figure) = run.spectrum {
                let at = report.iteration.map { "iteration \($0), " } ?? ""
                let how = report.matrixFree.map { "found matrix-free (\(HTML.escaped($0.reason)))" } ?? "all eigenvalues, dense"
                parts.append("<p class=\"note\">\(at)\(report.parameterCount) parameters, \(report.batches) minibatches of \(report.batchSize), \(how); γ = \(number(report.gamma)).</p>")
                let rows = [("v′ (the Jacobian)", report.jacobian), ("v′ − γ v′ᵀv′ (consensus)", report.consensus)].map { name, summary in
                    [name, "\(summary.eigenvalueCount)", "\(summary.positiveRealParts)", number(summary.maximumRealPart),
                     number(summary.maximumImaginaryPart), number(summary.spectralRadius),
                     summary.largestStableStepSize.map(number) ?? "none", summary.worstAmplification.map(number) ?? "–"]
                }
                let step = report.jacobian.stepSize.map { " at h = " + number($0) } ?? ""
                parts.append(HTML.table(header: ["matrix", "eigenvalues", "Re λ > 0", "max Re λ", "max |Im λ|", "spectral radius",
                                                 "largest stable h", "max |1 + hλ|" + step], rows: rows, numeric: Set(1...7)))
                parts.append("<figure>\(HTML.inline(svg: String(decoding: try FileIO.read(figure), as: UTF8.self), prefix: "spectrum-\(index)"))</figure>")
            }
            if let trajectory = run.spectrumTrajectory {
                parts.append("<figure>\(HTML.inline(svg: String(decoding: try FileIO.read(trajectory), as: UTF8.self), prefix: "trajectory-\(index)"))"
                             + "<figcaption>Eigenvalues found during training (train --spectrum-every), dark early, bright late.</figcaption></figure>")
            }
        }
        guard !parts.isEmpty else { return "" }
        return "<section id=\"spectra\"><h2>Spectra</h2>\n\(parts.joined(separator: "\n"))\n</section>"
    }

    /// Every setting: those all runs share in one table, those that differ with a column per run.
    func settings() -> String {
        guard let first = input.runs.first else { return "" }
        let keys = first.settings.map(\.key)
        let values = input.runs.map { run in Dictionary(run.settings, uniquingKeysWith: { a, _ in a }) }
        let differing = keys.filter { key in Set(values.map { $0[key] ?? "" }).count > 1 }
        var parts = ["<section id=\"settings\"><h2>Settings</h2>"]
        if !differing.isEmpty {
            parts.append("<h3>Settings that differ</h3>")
            parts.append(HTML.table(header: ["setting"] + input.runs.enumerated().map { swatch($0) + HTML.escaped($1.name) },
                                    rows: differing.map { key in [key] + values.map { HTML.escaped($0[key] ?? "") } }))
        }
        let shared = keys.filter { !differing.contains($0) }
        parts.append(input.runs.count > 1 ? "<h3>Settings all runs share</h3>" : "")
        parts.append(HTML.table(header: ["setting", "value"], rows: shared.map { [$0, HTML.escaped(values[0][$0] ?? "")] }))
        parts.append("</section>")
        return parts.joined(separator: "\n")
    }

    // MARK: Pieces

    /// Which run each colour is.
    private func legend() -> String {
        let items = input.runs.enumerated().map { "<li>\(swatch($0))\(HTML.escaped($1.name))</li>" }
        return "<ul class=\"legend\">\(items.joined())</ul>"
    }

    private func swatch(_ index: Int) -> String {
        "<span class=\"swatch\" style=\"background: \(RunReport.color(index).hex)\"></span>"
    }

    /// At most ``snapshotLimit`` of `snapshots`, evenly spaced, the first and last kept.
    private func evenlySpaced(_ snapshots: [(iteration: Int, path: String)]) -> [(iteration: Int, path: String)] {
        guard snapshots.count > snapshotLimit else { return snapshots }
        let picks = (0..<snapshotLimit).map { Int((Double($0) * Double(snapshots.count - 1) / Double(snapshotLimit - 1)).rounded()) }
        return Array(Set(picks)).sorted().map { snapshots[$0] }
    }

    private func number(_ value: Double) -> String {
        value.isFinite ? String(format: "%.4g", value) : "–"
    }

    private static func score(_ row: MetricsRow) -> ImageScore {
        ImageScore(samples: 0, classifierScore: row.classifierScore ?? .nan, classifierScoreSpread: row.classifierScoreSpread ?? .nan,
                   frechetDistance: row.frechetDistance ?? .nan, classesCovered: row.classesCovered ?? 0)
    }
}
