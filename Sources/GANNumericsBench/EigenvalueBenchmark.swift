import ArgumentParser
import Dispatch
import GANNumerics

struct EigenvalueBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eig",
        abstract: "Seconds for the eigenvalues of a random dense matrix (the size of the paper's MoG game).")

    @Option(help: "Matrix size.")
    var n = 2003

    func run() throws {
        var generator = RandomGenerator(seed: 0)
        let matrix = Matrix(Tensor.normal([n, n], dtype: .float64, using: &generator))
        let start = DispatchTime.now().uptimeNanoseconds
        let values = try EigenDecomposition(matrix).eigenvalues
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("gan-numerics eigvals n=\(n) seconds=\(formatted(seconds, digits: 3)) (\(values.count) eigenvalues)")
    }
}
