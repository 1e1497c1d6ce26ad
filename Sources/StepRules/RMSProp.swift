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
            // A vector of elements at a time, the last few in a vector padded with zeros: the same
            // operations on each element as one at a time (the compiler does not vectorise the
            // scalar loop, whose three pointers might overlap).
            let ms = state[0]
            /// (p, ms) after one step on a vector of elements.
            func updated(_ p: S.Vector, _ g: S.Vector, _ ms: S.Vector) -> (S.Vector, S.Vector) {
                if insideRoot {
                    let meanSquare = ms + (g * g - ms) * (1 - rho)
                    return (p - lr * g / (meanSquare + eps).squareRoot(), meanSquare)
                }
                let meanSquare = rho * ms + (1 - rho) * (g * g)
                return (p - lr * g / (meanSquare.squareRoot() + eps), meanSquare)
            }
            let width = S.Vector.scalarCount
            var i = 0
            while i + width <= count {
                let (parameter, meanSquare) = updated(loadVector(UnsafePointer(p + i)), loadVector(g + i),
                                                      loadVector(UnsafePointer(ms + i)))
                storeVector(meanSquare, ms + i)
                storeVector(parameter, p + i)
                i += width
            }
            guard i < count else { return }
            var (pv, gv, mv) = (S.Vector(), S.Vector(), S.Vector())
            for lane in 0..<(count - i) { (pv[lane], gv[lane], mv[lane]) = (p[i + lane], g[i + lane], ms[i + lane]) }
            let (parameter, meanSquare) = updated(pv, gv, mv)
            for lane in 0..<(count - i) { (p[i + lane], ms[i + lane]) = (parameter[lane], meanSquare[lane]) }
        }
    }

    public var stateNames: [String] { ["square_avg"] }

    public func validate(_ state: ParameterState, for value: Tensor) throws(StepRuleStateError) {
        try validate(state, for: value, rule: "RMSProp")
    }
}
