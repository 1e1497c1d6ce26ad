import ArgumentParser
import GANNumerics

struct AutodiffBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "autodiff",
        abstract: "Overhead of the autodiff engine per recorded op, and first-order steps/s on the paper's MoG GAN.")

    @Option(help: "Operations per measured chain.")
    var chain = 1000

    func figures() -> [Figure] {
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
        let engine = [("tensor op, unrecorded", plain), ("op recorded", recorded), ("recording overhead per op", recorded - plain),
                      ("backward per op", backward), ("backward per op, createGraph", higher)]
        return engine.map { reported(Figure(name: "autodiff \($0)", value: $1 * 1e9, unit: "ns", digits: 0)) } + productCosts()
    }

    /// The Jacobian of the paper's MoG field applied to a vector: forward mode (J·u) against
    /// reverse mode (Jᵀw), on the field recorded once, and the recording itself.
    private func productCosts() -> [Figure] {
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
        return [("record the field", record), ("J·u, forward mode (JVP)", forward), ("Jᵀw, reverse mode (VJP)", reverse),
                ("J·u as a VJP of a VJP", doubleReverse)].map {
            reported(Figure(name: "mog8 field \($0)", value: $1 * 1e6, unit: "µs", digits: 0))
        }
    }
}
