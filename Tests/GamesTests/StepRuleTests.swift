import StepRules
import Testing
import Tensors

@Suite struct StepRuleTests {
    let value = Tensor([1.0, -2, 0.5])
    let gradients = [Tensor([0.3, -0.1, 2.0]), Tensor([-0.2, 0.4, 1.0]), Tensor([0.05, 0.0, -3.0])]

    /// TF1: ms starts at 1, ms ← ms + (1 − 0.9)(g² − ms), p ← p − lr g / √(ms + 1e-10).
    @Test func rmspropTensorFlowForm() {
        let rule = RMSProp(learningRate: 0.01)
        var p = value
        var (reference, meanSquare) = (value.doubles, [1.0, 1, 1])
        for g in gradients {
            p = rule.updated(p, gradient: g, slot: 0)
            for i in 0..<3 {
                meanSquare[i] += (g.doubles[i] * g.doubles[i] - meanSquare[i]) * (1 - 0.9)
                reference[i] -= 0.01 * g.doubles[i] / (meanSquare[i] + 1e-10).squareRoot()
            }
        }
        #expect(p.doubles == reference)
        #expect(rule.state(ofSlot: 0)["square_avg"]?.doubles == meanSquare)
    }

    /// PyTorch: ms starts at 0, ρ = 0.99, p ← p − lr g / (√ms + 1e-8).
    @Test func rmspropPyTorchForm() {
        let rule = RMSProp(learningRate: 0.01, form: .pytorch)
        var p = value
        var (reference, meanSquare) = (value.doubles, [0.0, 0, 0])
        for g in gradients {
            p = rule.updated(p, gradient: g, slot: 0)
            for i in 0..<3 {
                meanSquare[i] = 0.99 * meanSquare[i] + (1 - 0.99) * (g.doubles[i] * g.doubles[i])
                reference[i] -= 0.01 * g.doubles[i] / (meanSquare[i].squareRoot() + 1e-8)
            }
        }
        #expect(zip(p.doubles, reference).allSatisfy { Swift.abs($0 - $1) < 1e-15 })
    }

    @Test func adamWithBiasCorrection() {
        let rule = Adam(learningRate: 0.1)
        var p = value
        var (reference, m, v) = (value.doubles, [0.0, 0, 0], [0.0, 0, 0])
        for (step, g) in gradients.enumerated() {
            p = rule.updated(p, gradient: g, slot: 3)
            let t = Double(step + 1)
            for i in 0..<3 {
                m[i] = 0.9 * m[i] + 0.1 * g.doubles[i]
                v[i] = 0.999 * v[i] + 0.001 * g.doubles[i] * g.doubles[i]
                let mHat = m[i] / (1 - Double.pow(0.9, t))
                let vHat = v[i] / (1 - Double.pow(0.999, t))
                reference[i] -= 0.1 * mHat / (vHat.squareRoot() + 1e-8)
            }
        }
        #expect(zip(p.doubles, reference).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        #expect(rule.state(ofSlot: 3)["step"]?.item == 3)
        #expect(rule.state(ofSlot: 0).isEmpty)
    }

    @Test func sgdWithMomentum() {
        let rule = StochasticGradientDescent(learningRate: 0.1, momentum: 0.9)
        var p = value
        var (reference, buffer) = (value.doubles, [0.0, 0, 0])
        for g in gradients {
            p = rule.updated(p, gradient: g, slot: 0)
            for i in 0..<3 {
                buffer[i] = 0.9 * buffer[i] + g.doubles[i]
                reference[i] -= 0.1 * buffer[i]
            }
        }
        #expect(zip(p.doubles, reference).allSatisfy { Swift.abs($0 - $1) < 1e-15 })
    }

    /// Restored state continues exactly where the saved one left off.
    @Test func stateRoundTrips() throws {
        let rules: [() -> any StepRule] = [{ RMSProp(learningRate: 0.01) }, { Adam(learningRate: 0.01) },
                                           { StochasticGradientDescent(learningRate: 0.01, momentum: 0.5) }]
        for make in rules {
            let original = make()
            let first = original.updated(value, gradient: gradients[0], slot: 0)
            let copy = make()
            try copy.restoreState(original.state(ofSlot: 0), ofSlot: 0)
            #expect(copy.updated(first, gradient: gradients[1], slot: 0)
                .isEqual(to: original.updated(first, gradient: gradients[1], slot: 0)))
        }
        #expect(throws: StepRuleStateError.self) { try Adam(learningRate: 1).restoreState(["exp_avg": value], ofSlot: 0) }
    }

    @Test func wrongGradientShapeStops() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = RMSProp(learningRate: 1).updated(Tensor([1.0, 2]), gradient: Tensor([1.0]), slot: 0)
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self)
                .contains("RMSProp: gradient of shape [1] (float64) for parameter of shape [2] (float64)"))
        }
    }
}
