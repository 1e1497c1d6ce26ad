import Testing
@testable import Autodiff
import Tensors

/// Checks an operation's derivatives against central finite differences, everything in float64:
/// the gradient and a Hessian-vector product (reverse mode, and reverse over reverse), the
/// Jacobian-vector product (forward mode, each operation's tangent rule) with the adjoint
/// identity ⟨Ju, w⟩ = ⟨u, Jᵀw⟩ against the vector-Jacobian product, and forward over reverse
/// (the tangent of the recorded gradient, which runs the tangent rules of the backward
/// operations) against the Hessian-vector product.
///
/// The objective is L(x) = Σ w ⊙ f(x) + ½ Σ c ⊙ f(x)² with fixed random w and c, so that its
/// Hessian involves both the first and the second derivative of f even when f is linear.
struct FiniteDifferenceCheck {
    let inputs: [Tensor]
    let function: ([Variable]) -> Variable
    var step = 1e-6
    var tolerance = 1e-6

    init(_ shapes: [[Int]], seed: UInt64 = 11, low: Double = -2, high: Double = 2,
         _ function: @escaping ([Variable]) -> Variable) {
        var generator = RandomGenerator(seed: seed)
        inputs = shapes.map { Tensor.uniform($0, low: low, high: high, dtype: .float64, using: &generator) }
        self.function = function
    }

    func objective(_ variables: [Variable]) -> Variable {
        let y = function(variables)
        var generator = RandomGenerator(seed: 99)
        let w = Variable(Tensor.uniform(y.shape, low: -1, high: 1, dtype: .float64, using: &generator))
        let c = Variable(Tensor.uniform(y.shape, low: 0.5, high: 1.5, dtype: .float64, using: &generator))
        return (w * y).sum() + (c * y.squared()).sum() * 0.5
    }

    func value(_ tensors: [Tensor]) -> Double {
        objective(tensors.map { Variable($0) }).value.item
    }

    func gradient(_ tensors: [Tensor]) -> [Tensor] {
        let variables = tensors.map { Variable(differentiable: $0) }
        return gradients(of: objective(variables), wrt: variables).map(\.value)
    }

    /// Runs both checks, recording failures at the caller.
    func run(sourceLocation: SourceLocation = #_sourceLocation) {
        let analytic = gradient(inputs)
        for (index, input) in inputs.enumerated() {
            var numeric = [Double](repeating: 0, count: input.count)
            for element in 0..<input.count {
                numeric[element] = (value(perturbed(index, element, by: step))
                                    - value(perturbed(index, element, by: -step))) / (2 * step)
            }
            #expect(agree(analytic[index].doubles, numeric), "gradient of input \(index)",
                    sourceLocation: sourceLocation)
        }
        var generator = RandomGenerator(seed: 5)
        let direction = inputs.map { Tensor.uniform($0.shape, low: -1, high: 1, dtype: .float64, using: &generator) }
        let variables = inputs.map { Variable(differentiable: $0) }
        let product = hessianVectorProduct(of: objective(variables), wrt: variables, vectors: direction)
        let h = 1e-5
        let plus = gradient(zip(inputs, direction).map { $0 + $1 * h })
        let minus = gradient(zip(inputs, direction).map { $0 - $1 * h })
        for index in inputs.indices {
            let numeric = ((plus[index] - minus[index]) / (2 * h)).doubles
            #expect(agree(product[index].value.doubles, numeric), "Hessian-vector product of input \(index)",
                    sourceLocation: sourceLocation)
        }
        checkForwardMode(direction: direction, reverseProduct: product.map(\.value), sourceLocation: sourceLocation)
    }

    /// J·u by forward mode against finite differences and against reverse mode.
    private func checkForwardMode(direction: [Tensor], reverseProduct: [Tensor], sourceLocation: SourceLocation) {
        let variables = inputs.map { Variable(differentiable: $0) }
        let output = function(variables)
        let forward = jacobianVectorProduct(of: [output], wrt: variables, tangents: direction)[0].value
        let h = 1e-6
        let shifted = { (sign: Double) in self.function(zip(self.inputs, direction).map { Variable($0 + $1 * (sign * h)) }).value }
        let numeric = ((shifted(1) - shifted(-1)) / (2 * h)).doubles
        #expect(forward.shape == output.shape && agree(forward.doubles, numeric), "Jacobian-vector product",
                sourceLocation: sourceLocation)
        var generator = RandomGenerator(seed: 17)
        let cotangent = Tensor.uniform(output.shape, low: -1, high: 1, dtype: .float64, using: &generator)
        let transposed = vectorJacobianProduct(of: [output], wrt: variables, cotangents: [cotangent])
        let left = (forward * cotangent).sum().item
        let right = zip(direction, transposed).reduce(0.0) { $0 + ($1.0 * $1.1.value).sum().item }
        #expect(Swift.abs(left - right) <= 1e-12 * Swift.max(1, Swift.abs(left)), "⟨Ju, w⟩ = ⟨u, Jᵀw⟩: \(left) vs \(right)",
                sourceLocation: sourceLocation)
        let recorded = gradients(of: objective(variables), wrt: variables, createGraph: true)
        let forwardOverReverse = jacobianVectorProduct(of: recorded, wrt: variables, tangents: direction)
        for index in inputs.indices {
            #expect(agree(forwardOverReverse[index].value.doubles, reverseProduct[index].doubles),
                    "forward-over-reverse Hessian-vector product of input \(index)", sourceLocation: sourceLocation)
        }
        checkTangentBlocks(of: [output], wrt: variables, what: "J·U", sourceLocation: sourceLocation)
        checkTangentBlocks(of: recorded, wrt: variables, what: "forward over reverse H·U", sourceLocation: sourceLocation)
    }

    /// A block of three tangents pushed through at once (each operation's block rule) against
    /// the three pushed through one by one (its tangent rule).
    private func checkTangentBlocks(of outputs: [Variable], wrt variables: [Variable], what: String,
                                    sourceLocation: SourceLocation) {
        var generator = RandomGenerator(seed: 23)
        let count = 3
        let blocks = variables.map { Tensor.uniform([count] + $0.shape, low: -1, high: 1, dtype: .float64, using: &generator) }
        let together = jacobianVectorProducts(of: outputs, wrt: variables, tangents: blocks)
        for member in 0..<count {
            let tangents = blocks.map { $0.slice(alongAxis: 0, range: member..<member + 1).reshaped(Array($0.shape.dropFirst())) }
            let alone = jacobianVectorProduct(of: outputs, wrt: variables, tangents: tangents)
            for (block, single) in zip(together, alone) {
                let slice = block.slice(alongAxis: 0, range: member..<member + 1)
                #expect(block.shape == [count] + single.shape
                        && zip(slice.doubles, single.value.doubles).allSatisfy { Swift.abs($0 - $1) <= 1e-12 * Swift.max(1, Swift.abs($1)) },
                        "\(what), member \(member) of a block", sourceLocation: sourceLocation)
            }
        }
    }

    private func perturbed(_ index: Int, _ element: Int, by delta: Double) -> [Tensor] {
        var copy = inputs
        copy[index].withUnsafeMutableBufferPointer(as: Double.self) { $0[element] += delta }
        return copy
    }

    private func agree(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) }
    }
}
