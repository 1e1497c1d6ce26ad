import ArgumentParser
import GANNumerics
import Dispatch

/// Seconds per call of `body`: after one warm-up call, ten rounds of repeated calls, each at least
/// a tenth of `minimumSeconds`; the mean of the fastest round. On a shared machine the fastest
/// round is the figure least disturbed by other work.
func secondsPerCall(minimumSeconds: Double = 0.5, rounds: Int = 10, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<rounds {
        var calls = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            body()
            calls += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < minimumSeconds / Double(rounds)
        best = min(best, elapsed / Double(calls))
    }
    return best
}

/// Keeps the optimiser from removing a computation whose result is otherwise unused.
@inline(never)
func consume<T>(_ value: T) {}

/// One measured figure: what was measured, the number, and its unit.
struct Figure: Sendable {
    let name: String
    let value: Double
    let unit: String
    /// Decimals when printed.
    var digits = 1

    /// `name: value unit`, as the benchmarks print it.
    var line: String { "\(name): \(formatted(value, digits: digits)) \(unit)" }
    /// The key under which `bench all --json` stores it: the name with its unit.
    var key: String { "\(name) [\(unit)]" }
}

/// Which matrix-product kernels the figures that follow come from.
func printKernelLevel() {
    print("kernels: \(CPUKernels.level) (this CPU supports \(CPUKernels.supportedLevel))")
}

/// A benchmark whose figures can be printed one per line or collected by `bench all`.
protocol FigureBenchmark: ParsableCommand {
    /// Measures and returns the figures, printing each as it comes.
    func figures() throws -> [Figure]
}

extension FigureBenchmark {
    func run() throws {
        printKernelLevel()
        _ = try figures()
    }

    /// `figure`, printed as it is measured.
    func reported(_ figure: Figure) -> Figure {
        print(figure.line)
        return figure
    }
}
