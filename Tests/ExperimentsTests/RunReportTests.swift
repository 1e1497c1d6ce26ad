import Experiments
import Formats
import Foundation
import Testing

/// A strict reader of the report's markup: every element closed in order (void elements and
/// `/>` aside), every attribute quoted, only the five XML entities and numeric references;
/// `script` and `style` bodies are raw text. Returns the start tags with their attributes.
func wellFormedElements(_ html: String) throws -> [(name: String, attributes: [String: String])] {
    struct Malformed: Error, CustomStringConvertible { let description: String }
    let text = Array(html.utf8)
    let voids: Set<String> = ["meta", "img", "input", "br", "hr", "link"]
    var stack: [String] = []
    var elements: [(name: String, attributes: [String: String])] = []
    var position = 0
    func find(_ needle: String, from start: Int) throws -> Int {
        let bytes = Array(needle.utf8)
        var index = start
        while index + bytes.count <= text.count {
            if Array(text[index..<index + bytes.count]) == bytes { return index }
            index += 1
        }
        throw Malformed(description: "'\(needle)' never comes after byte \(start)")
    }
    func checkEntities(_ range: Range<Int>) throws {
        let part = String(decoding: text[range], as: UTF8.self)
        var rest = Substring(part)
        while let ampersand = rest.firstIndex(of: "&") {
            let after = rest[rest.index(after: ampersand)...]
            guard let semicolon = after.firstIndex(of: ";") else { throw Malformed(description: "bare & in '\(part.prefix(80))'") }
            let name = after[..<semicolon]
            let numeric = name.hasPrefix("#") && (Int(name.dropFirst()) != nil || (name.hasPrefix("#x") && Int(name.dropFirst(2), radix: 16) != nil))
            guard ["amp", "lt", "gt", "quot", "apos"].contains(name) || numeric else { throw Malformed(description: "unknown entity &\(name);") }
            rest = after[after.index(after: semicolon)...]
        }
    }
    let letters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:_".utf8)
    while position < text.count {
        let open = (try? find("<", from: position)) ?? text.count
        try checkEntities(position..<open)
        guard open < text.count else { break }
        if html.utf8.count > open + 3, Array(text[open..<open + 4]) == Array("<!--".utf8) {
            position = try find("-->", from: open) + 3
        } else if text[open + 1] == UInt8(ascii: "!") {
            position = try find(">", from: open) + 1
        } else if text[open + 1] == UInt8(ascii: "/") {
            let close = try find(">", from: open)
            let name = String(decoding: text[open + 2..<close], as: UTF8.self)
            guard stack.popLast() == name else { throw Malformed(description: "</\(name)> closes \(stack.last ?? "nothing") at byte \(open)") }
            position = close + 1
        } else {
            var index = open + 1
            while index < text.count && letters.contains(text[index]) { index += 1 }
            let name = String(decoding: text[open + 1..<index], as: UTF8.self)
            guard !name.isEmpty else { throw Malformed(description: "a bare < at byte \(open)") }
            var attributes: [String: String] = [:]
            var selfClosing = false
            while true {
                while text[index] == UInt8(ascii: " ") || text[index] == UInt8(ascii: "\n") { index += 1 }
                if text[index] == UInt8(ascii: ">") { index += 1; break }
                if text[index] == UInt8(ascii: "/") && text[index + 1] == UInt8(ascii: ">") { selfClosing = true; index += 2; break }
                let start = index
                while letters.contains(text[index]) { index += 1 }
                let attribute = String(decoding: text[start..<index], as: UTF8.self)
                guard !attribute.isEmpty, text[index] == UInt8(ascii: "="), text[index + 1] == UInt8(ascii: "\"") else {
                    throw Malformed(description: "<\(name)>: attribute '\(attribute)' is not name=\"value\" at byte \(index)")
                }
                let end = try find("\"", from: index + 2)
                try checkEntities(index + 2..<end)
                attributes[attribute] = String(decoding: text[index + 2..<end], as: UTF8.self)
                index = end + 1
            }
            elements.append((name, attributes))
            if name == "script" || name == "style" {
                index = try find("</\(name)>", from: index) + name.count + 3
            } else if !selfClosing && !voids.contains(name) {
                stack.append(name)
            }
            position = index
        }
    }
    guard stack.isEmpty else { throw Malformed(description: "unclosed: \(stack)") }
    return elements
}

@Suite struct RunReportTests {
    @Test func theMarkupCheckerCatchesMistakes() throws {
        for bad in ["<div><p></div></p>", "<div>", "<img src=x/>", "<p>a & b</p>", "<p>&nbsp;</p>"] {
            #expect(throws: (any Error).self, "\(bad)") { try wellFormedElements(bad) }
        }
        #expect(try wellFormedElements("<div a=\"1\"><img src=\"&amp;\"/><br/>&#955;</div>").map(\.name) == ["div", "img", "br"])
    }

    /// A run with snapshots, a tracked spectrum and a spectrum analysis: the page is well-formed,
    /// embeds every snapshot as a PNG that decodes, refers to nothing outside itself, and shows
    /// every metric the run logged, the timeline and the stability summary.
    @Test func aRunsReportIsSelfContained() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = try tinyRun(in: root, spectrumEvery: 5)
        var analysis = SpectrumAnalysis()
        (analysis.batches, analysis.batchSize) = (1, 8)
        _ = try analysis.run(source: run, directory: run + "/spectrum")
        let html = try RunReport(input: ReportInput(paths: [run])).html()
        let elements = try wellFormedElements(html)
        let pictures = elements.filter { $0.name == "img" }
        let snapshots = try FileManager.default.contentsOfDirectory(atPath: run + "/samples").filter { $0.hasPrefix("iteration-") }.sorted()
        #expect(pictures.map { $0.attributes["data-iteration"] ?? "" } == snapshots.map { String(Int($0.dropFirst(10).dropLast(4))!) })
        for picture in pictures {
            let source = picture.attributes["src"] ?? ""
            #expect(source.hasPrefix("data:image/png;base64,"))
            let bytes = [UInt8](Data(base64Encoded: String(source.dropFirst("data:image/png;base64,".count))) ?? Data())
            #expect(throws: Never.self) { try PNG.decode(bytes) }
        }
        let references = elements.flatMap { element in ["src", "href"].compactMap { element.attributes[$0] } }
        #expect(references.allSatisfy { $0.hasPrefix("data:") || $0.hasPrefix("#") }, "\(references.filter { !$0.hasPrefix("data:") })")
        #expect(!elements.contains { $0.name == "link" || ($0.name == "script" && $0.attributes["src"] != nil) })
        let rows = try MetricsLog.rows(at: run + "/metrics.jsonl")
        for series in MetricSeries.all where rows.contains(where: { series.value($0).map(\.isFinite) ?? false }) {
            #expect(html.contains(escapedForHTML(series.title)), "\(series.title)")
        }
        // Six metrics and the tracked spectrum's two numbers; the spectrum and its trajectory.
        #expect(elements.filter { $0.name == "svg" }.count == 6 + 2 + 2)
        #expect(SpectrumTracker.Record.series.allSatisfy { html.contains(escapedForHTML($0.title)) })
        let slider = elements.first { $0.attributes["id"] == "timeline-slider" }
        #expect(slider?.attributes["data-iterations"] == "[0,10]")
        #expect(html.contains("v′ − γ v′ᵀv′ (consensus)") && html.contains("--method"))
        // Element ids are unique though several SVG figures are inlined.
        let ids = elements.compactMap { $0.attributes["id"] }
        #expect(Set(ids).count == ids.count)
    }

    /// A reproduction's table and figure, and its runs overlaid one colour each, with the
    /// setting that differs between them.
    @Test func aReproductionOverlaysItsRuns() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for method in [TrainingConfiguration.Method.simgd, .conopt] {
            try TrainingRun(configuration: smallConfiguration(method: method, iterations: 10), directory: root + "/runs/mog8-\(method.rawValue)").run()
        }
        try FileIO.write(text: "| method | modes |\n|---|---:|\n| simgd | 1 |\n| conopt | 8 |\n\nOne seed each.\n", to: root + "/table.md")
        try FileIO.write(RGBImage(width: 4, height: 4).png(), to: root + "/figure.png")
        let report = RunReport(input: try ReportInput(paths: [root]))
        #expect(report.input.runs.map(\.name) == ["mog8-conopt", "mog8-simgd"])
        let html = try report.html()
        let elements = try wellFormedElements(html)
        #expect(html.contains("<td>conopt</td><td class=\"number\">8</td>") && html.contains("<p>One seed each.</p>"))
        #expect(elements.filter { $0.name == "img" }.count == 1 + 2 * 2)  // the figure; two snapshots per run
        let lossPlot = html.components(separatedBy: "<svg").first { $0.contains("generator loss") } ?? ""
        let colours = Set(lossPlot.components(separatedBy: "<polyline").dropFirst().compactMap { $0.components(separatedBy: "stroke=\"").dropFirst().first?.prefix(7) })
        #expect(colours == [Plot.palette[0].hex, Plot.palette[1].hex].reduce(into: Set<Substring>()) { $0.insert(Substring($1)) })
        #expect(html.contains("<h3>Settings that differ</h3>"))
        let differing = html.components(separatedBy: "<h3>Settings that differ</h3>")[1].components(separatedBy: "</table>")[0]
        #expect(differing.contains("<td>--method</td>") && !differing.contains("<td>--lr</td>"))
    }

    /// A comparison of small games trains no runs: its table and its SVG figures (ids made unique
    /// on the page) are the report.
    @Test func aComparisonWithoutRunsShowsItsTableAndFigures() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileIO.write(text: "| method | radius |\n|---|---:|\n| simgd | 1.0012 |\n", to: root + "/table.md")
        var plot = Plot(title: "trajectories", xLabel: "φ", yLabel: "θ", xRange: -1...1, yRange: -1...1)
        plot.series = [Plot.Series(name: "simgd", color: Plot.palette[0], points: [(0, 0), (0.5, 0.5)], style: .line)]
        for name in ["trajectories", "eigenvalues"] { try FileIO.write(text: plot.svg(), to: root + "/\(name).svg") }
        let html = try RunReport(input: ReportInput(paths: [root])).html()
        let elements = try wellFormedElements(html)
        #expect(html.contains("<td>simgd</td><td class=\"number\">1.0012</td>"))
        #expect(elements.filter { $0.name == "svg" }.count == 2)
        let ids = elements.compactMap { $0.attributes["id"] }
        #expect(Set(ids).count == ids.count && ids.contains("collection-0-1-clip-plot"))
        #expect(!html.contains("<section id=\"runs\">") && !html.contains("<section id=\"settings\">"))
    }

    @Test func badSourcesAreOneLine() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var (message, code) = runCommand(["report", root + "/missing"])
        #expect(code != 0 && message == "\(root)/missing: no such directory")
        (message, code) = runCommand(["report", root])
        #expect(code != 0 && message.contains("not a run directory (no config.json) and not a reproduction or comparison (no runs/ or table.md)"))
        let run = try tinyRun(in: root)
        let rows = try FileIO.read(run + "/metrics.jsonl")
        try FileIO.write(rows + Array("not json\n".utf8), to: run + "/metrics.jsonl")
        let lines = rows.filter { $0 == UInt8(ascii: "\n") }.count
        (message, code) = runCommand(["report", run])
        #expect(code != 0 && message == "\(run)/metrics.jsonl: line \(lines + 1) is not a metrics row", "\(message)")
        try FileIO.write(rows, to: run + "/metrics.jsonl")
        try FileIO.write(text: "{\"iteration\": 5}\n", to: run + "/spectrum.jsonl")
        (message, code) = runCommand(["report", run])
        #expect(code != 0 && message == "\(run)/spectrum.jsonl: line 1 is not a spectrum record", "\(message)")
        try FileIO.write(text: "", to: run + "/spectrum.jsonl")
        let snapshot = run + "/samples/" + TrainingRun.snapshotName(10)
        try FileIO.write(Array(try FileIO.read(snapshot).dropLast(20)), to: snapshot)
        (message, code) = runCommand(["report", run])
        #expect(code != 0 && message.hasPrefix("\(snapshot): is not a readable PNG") && !message.contains("\n"), "\(message)")
        (message, code) = runCommand(["report", run, "--snapshots", "1"])
        #expect(code != 0 && message.contains("--snapshots must be at least 2"))
        #expect(!FileIO.exists(run + "/report.html"))
    }

    @Test func theCommandWritesThePageBesideTheRun() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = try tinyRun(in: root)
        let (message, code) = runCommand(["report", run])
        #expect(code == 0, "\(message)")
        #expect(try wellFormedElements(String(decoding: FileIO.read(run + "/report.html"), as: UTF8.self)).contains { $0.name == "svg" })
    }
}

private func escapedForHTML(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
}
