import Testing
import Autodiff
import Tensors

/// Every differentiable operation: gradient and Hessian-vector product against finite differences.
@Suite struct OperationGradientTests {
    @Test func arithmeticWithBroadcasting() {
        FiniteDifferenceCheck([[3, 4], [4]]) { $0[0] + $0[1] }.run()
        FiniteDifferenceCheck([[3, 1], [1, 4]]) { $0[0] - $0[1] }.run()
        FiniteDifferenceCheck([[2, 3, 4], [3, 1]]) { $0[0] * $0[1] }.run()
        FiniteDifferenceCheck([[3, 4], [3, 4]], low: 0.5, high: 2) { $0[0] / $0[1] }.run()
        FiniteDifferenceCheck([[5]]) { -$0[0] * 3 + 1 }.run()
        FiniteDifferenceCheck([[5]], low: 0.5, high: 2) { 2 / $0[0] - 1 }.run()
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matrixProduct(transposeA: Bool, transposeB: Bool) {
        let a = transposeA ? [4, 3] : [3, 4]
        let b = transposeB ? [5, 4] : [4, 5]
        FiniteDifferenceCheck([a, b]) {
            $0[0].matmul($0[1], transposingSelf: transposeA, transposingOther: transposeB)
        }.run()
    }

    @Test func linearLayer() {
        FiniteDifferenceCheck([[5, 3], [4, 3], [4]]) { $0[0].linear(weight: $0[1], bias: $0[2]) }.run()
    }

    @Test(arguments: [0, 0.2])
    func rectifiedLinearLayer(negativeSlope: Double) {
        FiniteDifferenceCheck([[5, 3], [4, 3], [4]]) {
            $0[0].rectifiedLinear(weight: $0[1], bias: $0[2], negativeSlope: negativeSlope)
        }.run()
    }

    /// A negative slope would make the output's sign differ from the pre-activation's, which the
    /// fused layer's gate relies on: it stops with the slope named.
    @Test func rectifiedLinearRefusesANegativeSlope() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let v = [[2, 3], [4, 3], [4]].map { Variable(Tensor.zeros($0)) }
            _ = v[0].rectifiedLinear(weight: v[1], bias: v[2], negativeSlope: -0.5)
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self)
                .contains("rectifiedLinear: the negative slope -0.5 is below 0"))
        }
    }

    /// The fused layer is the two operations it replaces, bit for bit: its value, gradient,
    /// Hessian-vector product, Jacobian-vector product and a block of them, in float32.
    @Test(arguments: [0, 0.2])
    func rectifiedLinearIsTheLinearLayerThenItsRectifier(negativeSlope: Double) {
        var generator = RandomGenerator(seed: 3)
        let values = [[40, 16], [16, 16], [16]].map { Tensor.uniform($0, low: -1, high: 1, dtype: .float32, using: &generator) }
        let direction = values.map { Tensor.uniform($0.shape, low: -1, high: 1, dtype: .float32, using: &generator) }
        let block = values.map { Tensor.uniform([3] + $0.shape, low: -1, high: 1, dtype: .float32, using: &generator) }
        func results(fused: Bool) -> [Tensor] {
            let v = values.map { Variable(differentiable: $0) }
            let output = fused ? v[0].rectifiedLinear(weight: v[1], bias: v[2], negativeSlope: negativeSlope)
                : negativeSlope == 0 ? v[0].linear(weight: v[1], bias: v[2]).relu()
                : v[0].linear(weight: v[1], bias: v[2]).leakyReLU(slope: negativeSlope)
            let loss = (output * output).sum()
            return [output.value] + gradients(of: loss, wrt: v).map(\.value)
                + hessianVectorProduct(of: loss, wrt: v, vectors: direction).map(\.value)
                + jacobianVectorProduct(of: [output], wrt: v, tangents: direction).map(\.value)
                + jacobianVectorProducts(of: [output], wrt: v, tangents: block)
        }
        let (fused, separate) = (results(fused: true), results(fused: false))
        #expect(fused.count == separate.count)
        for (index, (a, b)) in zip(fused, separate).enumerated() {
            #expect(a.shape == b.shape && a.floats == b.floats, "result \(index)")
        }
    }

    @Test func gate() {
        let reference = Tensor([1.0, -2, 3, -0.5, 0, 2])
        FiniteDifferenceCheck([[6]]) { $0[0].gated(by: reference, negativeSlope: 0.3) }.run()
    }

    @Test func batchedMatrixProduct() {
        FiniteDifferenceCheck([[2, 3, 4], [2, 4, 2]]) { $0[0].matmul($0[1]) }.run()
        FiniteDifferenceCheck([[2, 3, 4], [2, 4]]) { $0[0].matmul($0[1], transposingOther: true) }.run()
    }

    @Test func elementwiseFunctions() {
        FiniteDifferenceCheck([[2, 7]]) { $0[0].relu() }.run()
        FiniteDifferenceCheck([[2, 7]]) { $0[0].leakyReLU(slope: 0.2) }.run()
        FiniteDifferenceCheck([[2, 7]]) { $0[0].tanh() }.run()
        FiniteDifferenceCheck([[2, 7]]) { $0[0].sigmoid() }.run()
        FiniteDifferenceCheck([[2, 7]]) { $0[0].softplus() }.run()
        FiniteDifferenceCheck([[2, 7]]) { $0[0].exp() }.run()
        FiniteDifferenceCheck([[2, 7]], low: 0.5, high: 3) { $0[0].log() }.run()
        FiniteDifferenceCheck([[2, 7]]) { $0[0].squared() }.run()
        FiniteDifferenceCheck([[2, 7]], low: 0.5, high: 3) { $0[0].squareRoot() }.run()
        FiniteDifferenceCheck([[2, 7]]) { $0[0].abs() }.run()
    }

    @Test func reductions() {
        FiniteDifferenceCheck([[3, 4, 5]]) { $0[0].sum() }.run()
        FiniteDifferenceCheck([[3, 4, 5]]) { $0[0].sum(alongAxes: [0, 2]) }.run()
        FiniteDifferenceCheck([[3, 4, 5]]) { $0[0].mean(alongAxes: [1], keepingDimensions: true) }.run()
        FiniteDifferenceCheck([[3, 4, 5]]) { $0[0].mean() }.run()
        FiniteDifferenceCheck([[3, 4, 5]]) { $0[0].max(alongAxes: [-1]) }.run()
        FiniteDifferenceCheck([[3, 4]]) { $0[0].max() }.run()
    }

    @Test func shapeOperations() {
        FiniteDifferenceCheck([[3, 4]]) { $0[0].reshaped([2, 6]) }.run()
        FiniteDifferenceCheck([[2, 3, 4]]) { $0[0].permuted([2, 0, 1]) }.run()
        FiniteDifferenceCheck([[3, 4]]) { $0[0].transposed() }.run()
        FiniteDifferenceCheck([[4, 5]]) { $0[0].slice(alongAxis: 1, range: 1..<4) }.run()
        FiniteDifferenceCheck([[2, 3]]) { $0[0].padded(before: [1, 0], after: [0, 2]) }.run()
        FiniteDifferenceCheck([[2, 3], [2, 2]]) { Variable.concatenate($0, alongAxis: 1) }.run()
        FiniteDifferenceCheck([[2, 3], [2, 3]]) { Variable.stack($0, alongAxis: 1) }.run()
        FiniteDifferenceCheck([[3, 1]]) { $0[0].broadcast(to: [2, 3, 4]) }.run()
        FiniteDifferenceCheck([[2, 3, 4]]) { $0[0].summed(toShape: [3, 1]) }.run()
    }

    @Test func sigmoidCrossEntropy() {
        FiniteDifferenceCheck([[4, 3], [4, 3]], low: 0, high: 1) { v in
            (v[0] * 6 - 3).sigmoidCrossEntropy(targets: v[1])
        }.run()
        FiniteDifferenceCheck([[6]]) { $0[0].sigmoidCrossEntropy(target: 1) }.run()
        FiniteDifferenceCheck([[6]]) { $0[0].sigmoidCrossEntropy(target: 0) }.run()
    }

    @Test func crossEntropyIsFiniteForHugeLogits() {
        let logits = Variable(differentiable: Tensor([Float(-1e4), 1e4, 0]))
        let loss = logits.sigmoidCrossEntropy(target: 1)
        #expect(loss.value.floats == [1e4, 0, Float.log(2)])
        let gradient = gradients(of: loss.sum(), wrt: [logits])[0].value.floats
        #expect(gradient == [-1, 0, -0.5])
    }

    /// A chain of operations, as in a network: first and second order through all of them.
    @Test func compositeNetwork() {
        FiniteDifferenceCheck([[5, 3], [4, 3], [4], [1, 4]]) { v in
            let hidden = (v[0].matmul(v[1], transposingOther: true) + v[2]).tanh()
            return hidden.matmul(v[3], transposingOther: true).softplus().mean(alongAxes: [0])
        }.run()
    }
}
