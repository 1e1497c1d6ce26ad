import ArgumentParser
import Foundation
import GANNumerics

/// Every figure the project tracks, in one run and, with `--json`, one file: a regression is
/// then one diff between two files.
struct AllBenchmarks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Every benchmark with its defaults (a few minutes); --json writes every figure to one file.")

    @Option(help: "A JSON file to write: the machine, and every figure under its name and unit, one per line.")
    var json: String?

    @Flag(help: "Leave out the DCGAN steps (the slowest part, about a minute).")
    var skipDCGAN = false

    func run() throws {
        printKernelLevel()
        let started = Date()
        var figures: [Figure] = []
        figures += try GEMMBenchmark.parse(["--double"]).figures()
        figures += try ElementwiseBenchmark.parse([]).figures()
        figures += try AutodiffBenchmark.parse([]).figures()
        figures += try MixtureStepBenchmark.parse([]).figures()
        figures += try EigenvalueBenchmark.parse([]).figures()
        if !skipDCGAN {
            for arch in [ImageArchitecture.dcgan4NoBN, .dcgan4] {
                for method in [TrainingConfiguration.Method.simgd, .conopt] {
                    figures += try ConvolutionalStepBenchmark.parse(["--arch", arch.rawValue, "--method", method.rawValue,
                                                                     "--seconds", "5"]).figures()
                }
            }
        }
        guard let json else { return }
        let document: [String: Any] = [
            "machine": ["cpu": cpuModel(), "cores": ProcessInfo.processInfo.activeProcessorCount,
                        "memory_gib": Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30),
                        "kernels": CPUKernels.level, "kernels_supported": CPUKernels.supportedLevel],
            "date": ISO8601DateFormatter().string(from: started),
            "seconds": Date().timeIntervalSince(started),
            "figures": Dictionary(figures.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first }),
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try FileIO.write(Array(data) + [10], to: json)
        print("\(json): \(figures.count) figures")
    }

    /// The processor's name from /proc/cpuinfo (Linux), or "unknown".
    private func cpuModel() -> String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let name = line.split(separator: ":", maxSplits: 1).last else { return "unknown" }
        return name.trimmingCharacters(in: .whitespaces)
    }
}
