import ArgumentParser
import GANNumerics

struct GEMMBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "GFLOP/s of Float32 matrix multiply: square sizes and the paper's skinny shapes.")

    @Option(help: "Square sizes to measure.")
    var sizes: [Int] = [64, 128, 256, 512, 1024]

    func run() {
        var generator = RandomGenerator(seed: 1)
        let square = sizes.map { (m: $0, n: $0, k: $0, transposeB: false) }
        // The mixture-of-Gaussians MLPs: forward x·Wᵀ (Linear weight [out, in]) and backward.
        let skinny = [(m: 512, n: 16, k: 16, transposeB: true), (m: 512, n: 16, k: 2, transposeB: true),
                      (m: 512, n: 1, k: 16, transposeB: true), (m: 512, n: 16, k: 16, transposeB: false)]
        for shape in square + skinny {
            let a = Tensor.normal([shape.m, shape.k], using: &generator)
            let b = Tensor.normal(shape.transposeB ? [shape.n, shape.k] : [shape.k, shape.n], using: &generator)
            let seconds = secondsPerCall { consume(a.matmul(b, transposingOther: shape.transposeB)) }
            let gflops = 2 * Double(shape.m * shape.n * shape.k) / seconds / 1e9
            let flag = shape.transposeB ? " (B transposed)" : ""
            print("gemm m=\(shape.m) n=\(shape.n) k=\(shape.k) gflops=\(formatted(gflops))\(flag)")
        }
        // The weight gradient of the same layers: Δᵀ·x, a transposed A with k = batch.
        let delta = Tensor.normal([512, 16], using: &generator)
        let x = Tensor.normal([512, 16], using: &generator)
        let seconds = secondsPerCall { consume(delta.matmul(x, transposingSelf: true)) }
        print("gemm m=16 n=16 k=512 gflops=\(formatted(2 * 16 * 16 * 512 / seconds / 1e9)) (A transposed)")
    }
}

/// A number with one decimal.
func formatted(_ value: Double, digits: Int = 1) -> String {
    let scale = Double.pow(10, Double(digits))
    return String((value * scale).rounded() / scale)
}
