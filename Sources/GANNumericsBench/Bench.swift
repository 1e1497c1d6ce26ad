import ArgumentParser
import GANNumerics

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan-numerics-bench",
        abstract: "Speed figures for GANNumerics's kernels and training steps (build with -c release).",
        subcommands: [GEMMBenchmark.self, ElementwiseBenchmark.self, AutodiffBenchmark.self, MixtureStepBenchmark.self,
                      ConvolutionalStepBenchmark.self, EigenvalueBenchmark.self])
}
