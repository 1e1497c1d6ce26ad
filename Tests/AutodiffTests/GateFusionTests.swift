import Testing
@testable import Autodiff
import Tensors

/// Reverse mode gates a rectifier's seed as the product computing it is stored, and only where
/// that seed has no other contribution: the derivatives are the bits of the unfused operations.
@Suite struct GateFusionTests {
    /// Parameters of a three-layer network on a batch of 24 (float32, as in training).
    static func parameters() -> [Tensor] {
        var generator = RandomGenerator(seed: 21)
        return [[24, 5], [16, 5], [16], [16, 16], [16], [3, 16], [3]].map {
            Tensor.uniform($0, low: -1, high: 1, dtype: .float32, using: &generator)
        }
    }

    /// The network's loss; with `fusable` false each rectifier's output goes through `× 1` (the same
    /// bits), which no product can fuse into. `shared` also feeds the first hidden layer into the
    /// output (a second contribution to its seed, which must stay unfused either way).
    static func loss(_ v: [Variable], fusable: Bool, shared: Bool) -> (loss: Variable, hidden: Variable) {
        func barrier(_ x: Variable) -> Variable { fusable ? x : x * 1 }
        let first = barrier(v[0].rectifiedLinear(weight: v[1], bias: v[2]))
        let leaky: Variable = v[0].linear(weight: v[1], bias: v[2]).leakyReLU(slope: 0.2)
        let gated: Variable = leaky.matmul(v[3], transposingOther: true).gated(by: first.value, negativeSlope: 0.1)
        let second = barrier(gated + first)
        let third = barrier(second.rectifiedLinear(weight: v[3], bias: v[4], negativeSlope: 0.3))
        var output: Variable = third.linear(weight: v[5], bias: v[6])
        if shared { output = output + first.sum(alongAxes: [1], keepingDimensions: true) }
        return ((output * output).sum(), third)
    }

    /// Gradients, the last hidden layer's gradient (a target, which its consumer's product must
    /// not gate),
    /// Hessian-vector products (reverse over reverse, fused again in the second pass) and the
    /// gradient's Jacobian-vector products, one by one and in blocks (forward over reverse).
    static func derivatives(fusable: Bool, shared: Bool) -> [Tensor] {
        var generator = RandomGenerator(seed: 22)
        let values = parameters()
        let direction = values.map { Tensor.uniform($0.shape, low: -1, high: 1, dtype: .float32, using: &generator) }
        let block = values.map { Tensor.uniform([2] + $0.shape, low: -1, high: 1, dtype: .float32, using: &generator) }
        let v = values.map { Variable(differentiable: $0) }
        let (loss, hidden) = loss(v, fusable: fusable, shared: shared)
        let gradient = gradients(of: loss, wrt: v, createGraph: true)
        return gradient.map(\.value) + gradients(of: loss, wrt: [hidden]).map(\.value)
            + hessianVectorProduct(of: loss, wrt: v, vectors: direction).map(\.value)
            + jacobianVectorProduct(of: gradient, wrt: v, tangents: direction).map(\.value)
            + jacobianVectorProducts(of: gradient, wrt: v, tangents: block)
    }

    @Test(arguments: [false, true])
    func fusedDerivativesAreTheUnfusedBits(shared: Bool) {
        let (fused, unfused) = (GateFusionTests.derivatives(fusable: true, shared: shared),
                                GateFusionTests.derivatives(fusable: false, shared: shared))
        #expect(fused.count == unfused.count)
        for (index, (a, b)) in zip(fused, unfused).enumerated() {
            #expect(a.shape == b.shape && a.floats.map(\.bitPattern) == b.floats.map(\.bitPattern), "derivative \(index)")
        }
    }

    /// The fusion happens: in a chain of layers the middle layer's weight gradient is a product
    /// of the seed the last layer's product gated (a GatedProduct node), unless the middle
    /// layer's output has a second use, whose gradient must be added before the gate.
    @Test func theGateMovesIntoTheConsumersProduct() {
        for shared in [false, true] {
            let v = GateFusionTests.parameters().map { Variable(differentiable: $0) }
            let hidden = v[0].rectifiedLinear(weight: v[1], bias: v[2]).rectifiedLinear(weight: v[3], bias: v[4])
            var output = hidden.linear(weight: v[5], bias: v[6])
            if shared { output = output + hidden.sum(alongAxes: [1], keepingDimensions: true) }
            let weightGradient = gradients(of: (output * output).sum(), wrt: [v[3]], createGraph: true)[0]
            let operands = (0..<weightGradient.node!.inputCount).compactMap { weightGradient.node!.input($0).node?.operation }
            #expect(operands.contains { $0 is GatedProduct } == !shared, "shared: \(shared)")
        }
    }
}
