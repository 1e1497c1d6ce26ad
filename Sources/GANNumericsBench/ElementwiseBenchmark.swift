import ArgumentParser
import GANNumerics

struct ElementwiseBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "elementwise",
        abstract: "Nanoseconds per call of elementwise ops and reductions on the paper's [512, 16] activations.")

    @Option(help: "Rows of the operand.")
    var rows = 512

    @Option(help: "Columns of the operand.")
    var columns = 16

    func figures() -> [Figure] {
        var generator = RandomGenerator(seed: 2)
        let x = Tensor.normal([rows, columns], using: &generator)
        let y = Tensor.normal([rows, columns], using: &generator)
        let bias = Tensor.normal([columns], using: &generator)
        let cases: [(String, () -> Tensor)] = [
            ("relu", { x.relu() }), ("positiveIndicator", { x.positiveIndicator() }),
            ("leakyReLU", { x.leakyReLU(slope: 0.2) }), ("tanh", { x.tanh() }), ("exp", { x.exp() }), ("log", { x.abs().log() }), ("abs", { x.abs() }),
            ("sigmoid", { x.sigmoid() }), ("softplus", { x.softplus() }), ("add", { x + y }),
            ("multiply", { x * y }), ("addRowBroadcast", { x + bias }), ("scale", { x * 0.5 }),
            ("sumAxis0", { x.sum(alongAxes: [0]) }), ("sumAll", { x.sum() }), ("max", { x.max() }),
            ("copy", { x.converted(to: .float64) }), ("zeros", { Tensor.zeros([512, 16]) }), ("scalarTensor", { Tensor.scalar(2) }),
        ]
        return cases.map { name, body in
            let seconds = secondsPerCall(minimumSeconds: 0.2) { consume(body()) }
            return reported(Figure(name: "elementwise \(name) [\(rows), \(columns)]", value: seconds * 1e9, unit: "ns", digits: 0))
        }
    }
}
