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
        print("gan-numerics simgd steps_per_s=\(formatted(stepsPerSecond(method: .simgd, batchSize: 512)))")
        productCosts()
    }

    /// The Jacobian of the paper's MoG field applied to a vector: forward mode (J·u) against
    /// reverse mode (Jᵀw), on the field recorded once, and the recording itself.
    private func productCosts() {
        let experiment = MixtureExperiment(configuration: TrainingConfiguration())
        var generator = RandomGenerator(seed: 1)
        let batch = experiment.batch(using: &generator)
        let targets = experiment.game.allParameters.map(\.parameter.variable)
        let field = experiment.game.recordedField(on: batch)
        let tangents = targets.map { Tensor.normal($0.shape, using: &generator) }
        let cotangent = Tensor.normal(field.shape, using: &generator)
        let record = secondsPerCall { consume(experiment.game.recordedField(on: batch)) }
        let forward = secondsPerCall { consume(jacobianVectorProduct(of: [field], wrt: targets, tangents: tangents)) }
        let reverse = secondsPerCall { consume(vectorJacobianProduct(of: [field], wrt: targets, cotangents: [cotangent])) }
        // What forward mode replaces: J·u as ∂⟨Jᵀw, u⟩/∂w, two reverse passes.
        let doubleReverse = secondsPerCall {
            let dummy = Variable(differentiable: Tensor.zeros(like: field.value))
            let transposed = gradients(of: [field], wrt: targets, seeds: [dummy], createGraph: true)
            let pairing = zip(transposed, tangents).map { ($0 * Variable($1)).sum() }.reduce(Variable(Tensor.scalar(0)), +)
            consume(gradients(of: pairing, wrt: [dummy]))
        }
        print("mog-field record_us=\(formatted(record * 1e6, digits: 0)) jvp_us=\(formatted(forward * 1e6, digits: 0)) vjp_us=\(formatted(reverse * 1e6, digits: 0)) double_vjp_us=\(formatted(doubleReverse * 1e6, digits: 0)) jvp_over_vjp=\(formatted(forward / reverse, digits: 2))")
    }
}
