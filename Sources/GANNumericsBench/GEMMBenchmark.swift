import ArgumentParser
import GANNumerics

struct GEMMBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "GFLOP/s of Float32 matrix multiply: square sizes and the paper's skinny shapes.")

    @Option(help: "Square sizes to measure.")
    var sizes: [Int] = [64, 128, 256, 512, 1024]

    @Flag(help: "Also measure float64 (the eigenvalue solver's products).")
    var double = false

    func figures() -> [Figure] {
        var figures: [Figure] = []
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
            let flag = shape.transposeB ? ", B transposed" : ""
            figures.append(reported(Figure(name: "gemm float32 m=\(shape.m) n=\(shape.n) k=\(shape.k)\(flag)", value: gflops, unit: "GFLOP/s")))
        }
        if double {
            // Shapes of the multishift QR's window updates, of a 2003×2003 Hessenberg reduction's
            // first panel updates (rank nb = 64, and the merged rank 2·nb), of square float64
            // products, and of the MoG layers in the float64 Jacobian's backward passes.
            for (m, n, k) in [(224, 1900, 224), (1900, 224, 224), (2003, 1939, 64), (2003, 1939, 128), (512, 512, 512),
                              (1024, 1024, 1024), (512, 16, 16), (16, 16, 512)] {
                let a = Tensor.normal([m, k], dtype: .float64, using: &generator)
                let b = Tensor.normal([k, n], dtype: .float64, using: &generator)
                let seconds = secondsPerCall { consume(a.matmul(b)) }
                figures.append(reported(Figure(name: "gemm float64 m=\(m) n=\(n) k=\(k)", value: 2 * Double(m * n * k) / seconds / 1e9,
                                               unit: "GFLOP/s")))
            }
        }
        // The weight gradient of the same layers: Δᵀ·x, a transposed A with k = batch.
        let delta = Tensor.normal([512, 16], using: &generator)
        let x = Tensor.normal([512, 16], using: &generator)
        let seconds = secondsPerCall { consume(delta.matmul(x, transposingSelf: true)) }
        figures.append(reported(Figure(name: "gemm float32 m=16 n=16 k=512, A transposed", value: 2 * 16 * 16 * 512 / seconds / 1e9,
                                       unit: "GFLOP/s")))
        return figures
    }
}

/// A number rounded to `digits` decimals (an integer for 0).
func formatted(_ value: Double, digits: Int = 1) -> String {
    guard digits > 0 else { return value.isFinite ? String(Int(value.rounded())) : "\(value)" }
    let scale = Double.pow(10, Double(digits))
    return String((value * scale).rounded() / scale)
}
