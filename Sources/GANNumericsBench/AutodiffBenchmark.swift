import ArgumentParser
import GANNumerics

struct AutodiffBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autodiff",
        abstract: "Overhead of the autodiff engine per recorded op, and first-order steps/s on the paper's MoG GAN.")

    @Option(help: "Operations per measured chain.")
    var chain = 1000

    func run() {
        // A chain of additions on one-element tensors: the kernel costs almost nothing, so the
        // time is the engine's bookkeeping.
        let one = Tensor([Float(1)])
        let plain = secondsPerCall {
            var x = one
            for _ in 0..<chain { x = x + one }
            consume(x)
        } / Double(chain)
        let recorded = secondsPerCall {
            var x = Variable(differentiable: one)
            let c = Variable(one)
            for _ in 0..<chain { x = x + c }
            consume(x)
        } / Double(chain)
        let leaf = Variable(differentiable: one)
        var output = leaf
        for _ in 0..<chain { output = output + Variable(one) }
        let backward = secondsPerCall { consume(gradients(of: output, wrt: [leaf])) } / Double(chain)
        let higher = secondsPerCall { consume(gradients(of: output, wrt: [leaf], createGraph: true)) } / Double(chain)
        print("autodiff tensor_op_ns=\(formatted(plain * 1e9, digits: 0)) recorded_op_ns=\(formatted(recorded * 1e9, digits: 0)) overhead_ns_per_op=\(formatted((recorded - plain) * 1e9, digits: 0))")
        print("autodiff backward_ns_per_op=\(formatted(backward * 1e9, digits: 0)) backward_create_graph_ns_per_op=\(formatted(higher * 1e9, digits: 0))")
        print("gan-numerics simgd steps_per_s=\(formatted(stepsPerSecond(method: "simgd", batchSize: 512)))")
    }
}
