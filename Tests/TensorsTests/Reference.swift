import Tensors

/// Naive reference implementations in Double, written as plainly as possible.
enum Reference {
    static func matmul(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += a[i * k + p] * b[p * n + j] }
                c[i * n + j] = sum
            }
        }
        return c
    }

    static func transpose(_ a: [Double], rows: Int, columns: Int) -> [Double] {
        var t = [Double](repeating: 0, count: rows * columns)
        for i in 0..<rows {
            for j in 0..<columns { t[j * rows + i] = a[i * columns + j] }
        }
        return t
    }

    /// The multi-index of a flat row-major position.
    static func index(of flat: Int, in shape: [Int]) -> [Int] {
        var remainder = flat
        var result = [Int](repeating: 0, count: shape.count)
        for axis in shape.indices.reversed() {
            result[axis] = remainder % shape[axis]
            remainder /= shape[axis]
        }
        return result
    }

    static func flat(_ index: [Int], in shape: [Int]) -> Int {
        zip(index, shape).reduce(0) { $0 * $1.1 + $1.0 }
    }
}

/// A deterministic test tensor with distinct, non-round values.
func sample(_ shape: [Int], seed: UInt64 = 7, dtype: DType = .float64) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.uniform(shape, low: -2, high: 2, dtype: dtype, using: &generator)
}

/// Whether two arrays agree elementwise within `tolerance` relative to max(1, |expected|).
func close(_ actual: [Double], _ expected: [Double], tolerance: Double = 1e-12) -> Bool {
    actual.count == expected.count && zip(actual, expected).allSatisfy { a, e in
        (a.isNaN && e.isNaN) || Swift.abs(a - e) <= tolerance * Swift.max(1, Swift.abs(e))
    }
}
