import StepRules
import Testing
import Tensors

@Suite struct StepRuleTests {
    let value = Tensor([1.0, -2, 0.5])
    let gradients = [Tensor([0.3, -0.1, 2.0]), Tensor([-0.2, 0.4, 1.0]), Tensor([0.05, 0.0, -3.0])]

    /// TF1: ms starts at 1, ms ← ms + (1 − 0.9)(g² − ms), p ← p − lr g / √(ms + 1e-10).
    @Test func rmspropTensorFlowForm() {
        let rule = RMSProp(learningRate: 0.01)
        var (p, state) = (value, ParameterState())
        var (reference, meanSquare) = (value.doubles, [1.0, 1, 1])
        for g in gradients {
            p = rule.step(p, gradient: g, state: &state)
            for i in 0..<3 {
                meanSquare[i] += (g.doubles[i] * g.doubles[i] - meanSquare[i]) * (1 - 0.9)
                reference[i] -= 0.01 * g.doubles[i] / (meanSquare[i] + 1e-10).squareRoot()
            }
        }
        #expect(p.doubles == reference)
        #expect(state["square_avg"]?.doubles == meanSquare && state.count == 1)
    }

    /// PyTorch: ms starts at 0, ρ = 0.99, p ← p − lr g / (√ms + 1e-8).
    @Test func rmspropPyTorchForm() {
        let rule = RMSProp(learningRate: 0.01, form: .pytorch)
        var (p, state) = (value, ParameterState())
        var (reference, meanSquare) = (value.doubles, [0.0, 0, 0])
        for g in gradients {
            p = rule.step(p, gradient: g, state: &state)
            for i in 0..<3 {
                meanSquare[i] = 0.99 * meanSquare[i] + (1 - 0.99) * (g.doubles[i] * g.doubles[i])
                reference[i] -= 0.01 * g.doubles[i] / (meanSquare[i].squareRoot() + 1e-8)
            }
        }
        #expect(zip(p.doubles, reference).allSatisfy { Swift.abs($0 - $1) < 1e-15 })
    }

    /// Both forms on 37 elements (vectors of 16 or 8, then a tail) in both dtypes: each element
    /// gets exactly the scalar formula's operations.
    @Test(arguments: RMSProp.Form.allCases)
    func rmspropVectorsAndTailFollowTheFormula(form: RMSProp.Form) {
        func run<S: BinaryFloatingPoint>(_: S.Type, dtype: DType) {
            var generator = RandomGenerator(seed: 7)
            let start = Tensor.normal([37], dtype: dtype, using: &generator)
            let steps = (0..<3).map { _ in Tensor.normal([37], dtype: dtype, using: &generator) }
            let rule = RMSProp(learningRate: 0.01, form: form)
            let (rho, eps, lr) = (S(rule.decay), S(rule.epsilon), S(rule.learningRate))
            var (p, state) = (start, ParameterState())
            var reference = start.doubles.map { S($0) }
            var meanSquare = [S](repeating: form == .tensorflow1 ? 1 : 0, count: 37)
            for g in steps {
                p = rule.step(p, gradient: g, state: &state)
                for (i, gradient) in g.doubles.map({ S($0) }).enumerated() {
                    if form == .tensorflow1 {
                        meanSquare[i] += (gradient * gradient - meanSquare[i]) * (1 - rho)
                        reference[i] -= lr * gradient / (meanSquare[i] + eps).squareRoot()
                    } else {
                        meanSquare[i] = rho * meanSquare[i] + (1 - rho) * (gradient * gradient)
                        reference[i] -= lr * gradient / (meanSquare[i].squareRoot() + eps)
                    }
                }
            }
            #expect(p.doubles == reference.map { Double($0) }, "\(form), \(dtype)")
            #expect(state["square_avg"]?.doubles == meanSquare.map { Double($0) }, "\(form), \(dtype)")
        }
        run(Float.self, dtype: .float32)
        run(Double.self, dtype: .float64)
    }

    @Test func adamWithBiasCorrection() {
        let rule = Adam(learningRate: 0.1)
        var (p, state) = (value, ParameterState())
        var (reference, m, v) = (value.doubles, [0.0, 0, 0], [0.0, 0, 0])
        for (step, g) in gradients.enumerated() {
            p = rule.step(p, gradient: g, state: &state)
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
        #expect(state["step"]?.item == 3 && Set(state.keys) == Set(rule.stateNames))
        #expect(zip(state["exp_avg"]!.doubles, m).allSatisfy { Swift.abs($0 - $1) < 1e-15 })
    }

    @Test func sgdWithMomentum() {
        let rule = StochasticGradientDescent(learningRate: 0.1, momentum: 0.9)
        var (p, state) = (value, ParameterState())
        var (reference, buffer) = (value.doubles, [0.0, 0, 0])
        for g in gradients {
            p = rule.step(p, gradient: g, state: &state)
            for i in 0..<3 {
                buffer[i] = 0.9 * buffer[i] + g.doubles[i]
                reference[i] -= 0.1 * buffer[i]
            }
        }
        #expect(zip(p.doubles, reference).allSatisfy { Swift.abs($0 - $1) < 1e-15 })
    }

    /// The state is a value: a copy taken after a step continues exactly as the original, and a
    /// state that does not fit the rule is refused with what is wrong.
    @Test func stateIsAValueTheCallerOwns() throws {
        let rules: [any StepRule] = [RMSProp(learningRate: 0.01), Adam(learningRate: 0.01),
                                     StochasticGradientDescent(learningRate: 0.01, momentum: 0.5)]
        for rule in rules {
            var state = ParameterState()
            let first = rule.step(value, gradient: gradients[0], state: &state)
            try rule.validate(state, for: first)
            var copy = state
            #expect(rule.step(first, gradient: gradients[1], state: &copy)
                .isEqual(to: rule.step(first, gradient: gradients[1], state: &state)))
            #expect(copy.keys.sorted() == state.keys.sorted() && copy.keys.allSatisfy { copy[$0]!.isEqual(to: state[$0]!) })
        }
        #expect(throws: StepRuleStateError("Adam state needs exp_avg, exp_avg_sq, step, found only exp_avg")) {
            try Adam(learningRate: 1).validate(["exp_avg": value], for: value)
        }
        #expect(throws: StepRuleStateError("RMSProp state square_avg is float64 [2], the parameter float64 [3]")) {
            try RMSProp(learningRate: 1).validate(["square_avg": Tensor([1.0, 2])], for: value)
        }
        try RMSProp(learningRate: 1).validate(["previous_direction": value], for: value)  // the method's, not the rule's
    }

    /// Flattened as `<parameter>.<state>` and back, split at the last dot.
    @Test func optimizerStateRoundTripsThroughItsFileForm() throws {
        var state = OptimizerState()
        state["generator.layers.0.weight"]["square_avg"] = value
        state["discriminator.layers.2.bias"]["step"] = Tensor.scalar(3, dtype: .float64)
        let flat = state.flattened
        #expect(Set(flat.keys) == ["generator.layers.0.weight.square_avg", "discriminator.layers.2.bias.step"])
        let restored = try OptimizerState(flattened: flat)
        #expect(restored["generator.layers.0.weight"]["square_avg"]?.isEqual(to: value) == true)
        #expect(restored["discriminator.layers.2.bias"]["step"]?.item == 3)
        #expect(throws: StepRuleStateError("'nodot' is not of the form <parameter>.<state>")) {
            try OptimizerState(flattened: ["nodot": value])
        }
    }

    @Test func wrongGradientShapeStops() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var state = ParameterState()
            _ = RMSProp(learningRate: 1).step(Tensor([1.0, 2]), gradient: Tensor([1.0]), state: &state)
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self)
                .contains("RMSProp: gradient of shape [1] (float64) for parameter of shape [2] (float64)"))
        }
    }
}
