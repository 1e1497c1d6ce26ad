import Tensors

/// RMSProp (Tieleman & Hinton 2012) with no momentum, in one of two published forms.
///
/// - `.tensorflow1` (the reference implementation's `tf.train.RMSPropOptimizer`): the mean square
///   starts at **1**, ms ← ms + (1 − ρ)(g² − ms) (TF's kernel, = ρ·ms + (1 − ρ)·g²),
///   p ← p − lr·g / √(ms + ε), ρ = 0.9, ε = 1e-10.
/// - `.pytorch` (`torch.optim.RMSprop`): the mean square starts at 0,
///   p ← p − lr·g / (√ms + ε), ρ = 0.99, ε = 1e-8.
///
/// State: `square_avg`, the mean square.
public struct RMSProp: StepRule {
    public enum Form: String, Sendable, CaseIterable {
        case tensorflow1
        case pytorch
    }

    public let learningRate: Double
    public let decay: Double
    public let epsilon: Double
    public let form: Form

    /// An RMSProp with the defaults of `form` unless `decay` or `epsilon` are given.
    public init(learningRate: Double, form: Form = .tensorflow1, decay: Double? = nil, epsilon: Double? = nil) {
        self.learningRate = learningRate
        self.form = form
        self.decay = decay ?? (form == .tensorflow1 ? 0.9 : 0.99)
        self.epsilon = epsilon ?? (form == .tensorflow1 ? 1e-10 : 1e-8)
    }

    public func step(_ value: Tensor, gradient: Tensor, state: inout ParameterState) -> Tensor {
        checkGradient(value, gradient, rule: "RMSProp")
        return value.dtype == .float32
            ? step(value, gradient, &state, Float.self) : step(value, gradient, &state, Double.self)
    }

    private func step<S: TensorScalar>(_ value: Tensor, _ gradient: Tensor, _ state: inout ParameterState,
                                       _: S.Type) -> Tensor {
        let (lr, rho, eps) = (S(learningRate), S(decay), S(epsilon))
        let insideRoot = form == .tensorflow1
        return withElements(value, gradient, &state, ["square_avg"], as: S.self, initial: { _ in
            insideRoot ? Tensor.ones(like: value) : Tensor.zeros(like: value)
        }) { p, g, state, count in
            // A vector of elements at a time, then the rest one by one: the same operations on
            // each element (the compiler does not vectorise the scalar loop itself, whose three
            // pointers might overlap).
            let ms = state[0]
            let width = S.Vector.scalarCount
            var i = 0
            if insideRoot {
                while i + width <= count {
                    let (gradient, previous) = (loadVector(g + i), loadVector(UnsafePointer(ms + i)))
                    let meanSquare = previous + (gradient * gradient - previous) * (1 - rho)
                    storeVector(meanSquare, ms + i)
                    storeVector(loadVector(UnsafePointer(p + i)) - lr * gradient / (meanSquare + eps).squareRoot(), p + i)
                    i += width
                }
                for i in i..<count {
                    ms[i] += (g[i] * g[i] - ms[i]) * (1 - rho)
                    p[i] -= lr * g[i] / (ms[i] + eps).squareRoot()
                }
            } else {
                while i + width <= count {
                    let (gradient, previous) = (loadVector(g + i), loadVector(UnsafePointer(ms + i)))
                    let meanSquare = rho * previous + (1 - rho) * (gradient * gradient)
                    storeVector(meanSquare, ms + i)
                    storeVector(loadVector(UnsafePointer(p + i)) - lr * gradient / (meanSquare.squareRoot() + eps), p + i)
                    i += width
                }
                for i in i..<count {
                    ms[i] = rho * ms[i] + (1 - rho) * (g[i] * g[i])
                    p[i] -= lr * g[i] / (ms[i].squareRoot() + eps)
                }
            }
        }
    }

    public var stateNames: [String] { ["square_avg"] }

    public func validate(_ state: ParameterState, for value: Tensor) throws(StepRuleStateError) {
        try validate(state, for: value, rule: "RMSProp")
    }
}
