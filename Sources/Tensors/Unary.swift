/// An elementwise function of one tensor.
public enum UnaryFunction: Sendable, Equatable {
    case negate
    case exp
    case log
    case squareRoot
    case tanh
    /// 1 / (1 + e^−x), evaluated without overflow for either sign of x.
    case sigmoid
    /// log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|), stable for large |x|.
    case softplus
    /// max(x, 0).
    case relu
    /// x for x > 0, slope·x otherwise.
    case leakyReLU(slope: Double)
    case abs
    case square
    case reciprocal
    /// −1, 0 or 1.
    case sign
    /// 1 where x > 0, else 0: the derivative of `relu`.
    case positiveIndicator
}

extension UnaryFunction {
    /// Whether this is ReLU or leaky ReLU, which a product's kernel can apply as it stores.
    public var isRectifier: Bool {
        switch self {
        case .relu, .leakyReLU: true
        default: false
        }
    }
}

extension Tensor {
    /// `f` applied to every element.
    public func applying(_ function: UnaryFunction) -> Tensor {
        func fill(_ result: Tensor) {
            switch self.dtype {
            case .float32: applyUnary(function, self.pointer(as: Float.self), result.mutablePointer(as: Float.self), self.count)
            case .float64: applyUnary(function, self.pointer(as: Double.self), result.mutablePointer(as: Double.self), self.count)
            }
        }
        return Tensor.computed(shape, dtype: dtype, fill, replaying: fill, reading: [self])
    }

    public static prefix func - (x: Tensor) -> Tensor { x.applying(.negate) }
    public func exp() -> Tensor { applying(.exp) }
    public func log() -> Tensor { applying(.log) }
    public func squareRoot() -> Tensor { applying(.squareRoot) }
    public func tanh() -> Tensor { applying(.tanh) }
    public func sigmoid() -> Tensor { applying(.sigmoid) }
    public func softplus() -> Tensor { applying(.softplus) }
    public func relu() -> Tensor { applying(.relu) }
    public func leakyReLU(slope: Double) -> Tensor { applying(.leakyReLU(slope: slope)) }
    public func abs() -> Tensor { applying(.abs) }
    public func squared() -> Tensor { applying(.square) }
    public func reciprocal() -> Tensor { applying(.reciprocal) }
    public func sign() -> Tensor { applying(.sign) }
    public func positiveIndicator() -> Tensor { applying(.positiveIndicator) }
}

func applyUnary<S: TensorScalar>(
    _ function: UnaryFunction, _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int
) {
    switch function {
    case .negate: mapElements(x, y, count: n) { -$0 }
    case .exp: mapTranscendental(.exp, x, y, n) { S.exp($0) }
    case .log: mapTranscendental(.log, x, y, n) { S.log($0) }
    case .squareRoot: mapElements(x, y, count: n) { $0.squareRoot() }
    case .tanh: mapTranscendental(.tanh, x, y, n) { S.tanh($0) }
    case .sigmoid:
        mapTranscendental(.sigmoid, x, y, n) { value in
            value >= 0 ? 1 / (1 + S.exp(-value)) : S.exp(value) / (1 + S.exp(value))
        }
    case .softplus:
        mapTranscendental(.softplus, x, y, n) { value in
            Swift.max(value, 0) + S.log(onePlus: S.exp(-Swift.abs(value)))
        }
    // `x < 0 ? … : x` lets NaN through, so a blow-up stays visible downstream.
    case .relu: mapElements(x, y, count: n) { $0 < 0 ? 0 : $0 }
    case .leakyReLU(let slope):
        let a = S(slope)
        mapElements(x, y, count: n) { $0 < 0 ? a * $0 : $0 }
    case .abs: mapElements(x, y, count: n) { Swift.abs($0) }
    case .square: mapElements(x, y, count: n) { $0 * $0 }
    case .reciprocal: mapElements(x, y, count: n) { 1 / $0 }
    case .sign: mapElements(x, y, count: n) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
    case .positiveIndicator: mapElements(x, y, count: n) { $0 > 0 ? 1 : 0 }
    }
}

/// A transcendental function: the vectorisable approximation for `Float`, the C library's
/// function for `Double` (the type for checking numbers, where the last bits matter). Each
/// `Float` case is its own loop so that the approximation is inlined and vectorised.
@inline(__always)
private func mapTranscendental<S: TensorScalar>(
    _ function: FastFloatMath.Function, _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int,
    _ generic: (S) -> S
) {
    guard S.self == Float.self else {
        mapElements(x, y, count: n, generic)
        return
    }
    let (x, y) = (UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                  UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self))
    switch function {
    case .exp: for i in 0..<n { y[i] = FastFloatMath.exp(x[i]) }
    case .log: for i in 0..<n { y[i] = FastFloatMath.log(x[i]) }
    case .tanh: for i in 0..<n { y[i] = FastFloatMath.tanh(x[i]) }
    case .sigmoid: for i in 0..<n { y[i] = FastFloatMath.sigmoid(x[i]) }
    case .softplus: for i in 0..<n { y[i] = FastFloatMath.softplus(x[i]) }
    }
}
