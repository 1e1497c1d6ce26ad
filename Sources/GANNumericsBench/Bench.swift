import ArgumentParser
import GANNumerics

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan-numerics-bench",
        abstract: "Speed figures for GANNumerics's kernels and training steps (build with -c release).",
        discussion: "The matrix-product kernels are chosen for the CPU at run time (GANNUMERICS_KERNELS=avx512|avx2|baseline caps the choice); every benchmark prints the level in use first.",
        subcommands: [GEMMBenchmark.self, ElementwiseBenchmark.self, AutodiffBenchmark.self, MixtureStepBenchmark.self,
                      ConvolutionalStepBenchmark.self, EigenvalueBenchmark.self, AllBenchmarks.self])
}
