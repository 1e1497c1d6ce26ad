extension Tensor {
    /// A tensor with every element equal to `value`.
    public init(repeating value: Double, shape: [Int], dtype: DType = .float32) {
        func fill(_ result: Tensor) {
            switch dtype {
            case .float32: result.mutablePointer(as: Float.self).initialize(repeating: Float(value), count: result.count)
            case .float64: result.mutablePointer(as: Double.self).initialize(repeating: value, count: result.count)
            }
        }
        self = Tensor.computed(shape, dtype: dtype, fill, replaying: fill, reading: [])
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        Tensor(repeating: 0, shape: shape, dtype: dtype)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        Tensor(repeating: 1, shape: shape, dtype: dtype)
    }

    /// A tensor of zeros with the shape and dtype of `other`.
    public static func zeros(like other: Tensor) -> Tensor {
        zeros(other.shape, dtype: other.dtype)
    }

    /// A tensor of ones with the shape and dtype of `other`.
    public static func ones(like other: Tensor) -> Tensor {
        ones(other.shape, dtype: other.dtype)
    }

    /// A scalar tensor of the given dtype.
    public static func scalar(_ value: Double, dtype: DType = .float32) -> Tensor {
        Tensor(repeating: value, shape: [], dtype: dtype)
    }

    /// The vector `start, start + step, …` of the numbers below `end` (NumPy's `arange`).
    public static func range(from start: Double = 0, to end: Double, by step: Double = 1,
                             dtype: DType = .float32) -> Tensor {
        guard step != 0 else { ShapeError(op: "range", detail: "step must not be zero").stop() }
        let count = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(shape: [count], scalars: (0..<count).map { start + Double($0) * step }).converted(to: dtype)
    }

    /// `count` evenly spaced numbers from `start` to `end` inclusive.
    public static func linearSpace(from start: Double, to end: Double, count: Int,
                                   dtype: DType = .float32) -> Tensor {
        let step = count > 1 ? (end - start) / Double(count - 1) : 0
        return Tensor(shape: [count], scalars: (0..<count).map { start + Double($0) * step }).converted(to: dtype)
    }

    /// The `n`×`n` identity matrix.
    public static func identity(_ n: Int, dtype: DType = .float32) -> Tensor {
        var values = [Double](repeating: 0, count: n * n)
        for index in 0..<n { values[index * n + index] = 1 }
        return Tensor(shape: [n, n], scalars: values).converted(to: dtype)
    }
}
