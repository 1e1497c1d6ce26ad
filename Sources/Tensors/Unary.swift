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

extension Tensor {
    /// `f` applied to every element.
    public func applying(_ function: UnaryFunction) -> Tensor {
        var result = Tensor(uninitializedShape: shape, dtype: dtype)
        switch dtype {
        case .float32: applyUnary(function, pointer(as: Float.self), result.mutablePointer(as: Float.self), count)
        case .float64: applyUnary(function, pointer(as: Double.self), result.mutablePointer(as: Double.self), count)
        }
        return result
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

private func applyUnary<S: TensorScalar>(
    _ function: UnaryFunction, _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int
) {
    switch function {
    case .negate:
        mapContiguous(x, y, count: n, vector: { -$0 }, scalar: { -$0 })
    case .exp:
        mapScalars(x, y, n) { S.exp($0) }
    case .log:
        mapScalars(x, y, n) { S.log($0) }
    case .squareRoot:
        mapContiguous(x, y, count: n, vector: { $0.squareRoot() }, scalar: { $0.squareRoot() })
    case .tanh:
        mapScalars(x, y, n) { S.tanh($0) }
    case .sigmoid:
        mapScalars(x, y, n) { value in
            if value >= 0 { return 1 / (1 + S.exp(-value)) }
            let e = S.exp(value)
            return e / (1 + e)
        }
    case .softplus:
        mapScalars(x, y, n) { value in Swift.max(value, 0) + S.log(onePlus: S.exp(-Swift.abs(value))) }
    case .relu:
        let zero = S.Vector()
        mapContiguous(x, y, count: n, vector: { pointwiseMax($0, zero) }, scalar: { $0 > 0 ? $0 : 0 })
    case .leakyReLU(let slope):
        let a = S(slope)
        mapContiguous(x, y, count: n, vector: { $0.replacing(with: $0 * a, where: $0 .<= 0) },
                      scalar: { $0 > 0 ? $0 : a * $0 })
    case .abs:
        mapContiguous(x, y, count: n, vector: { $0.replacing(with: -$0, where: $0 .< 0) }, scalar: { Swift.abs($0) })
    case .square:
        mapContiguous(x, y, count: n, vector: { $0 * $0 }, scalar: { $0 * $0 })
    case .reciprocal:
        mapContiguous(x, y, count: n, vector: { 1 / $0 }, scalar: { 1 / $0 })
    case .sign:
        mapScalars(x, y, n) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
    case .positiveIndicator:
        let (zero, one) = (S.Vector(), S.Vector(repeating: 1))
        mapContiguous(x, y, count: n, vector: { zero.replacing(with: one, where: $0 .> 0) },
                      scalar: { $0 > 0 ? 1 : 0 })
    }
}

@inline(__always)
private func mapScalars<S: TensorScalar>(
    _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int, _ f: (S) -> S
) {
    for index in 0..<n { y[index] = f(x[index]) }
}
