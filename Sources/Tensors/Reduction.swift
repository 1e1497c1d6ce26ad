/// A reduction of a tensor along some of its axes.
public enum ReductionFunction: String, Sendable, Equatable {
    case sum
    case mean
    case max
    case min
}

extension Tensor {
    /// `f` over `axes` (negative axes count from the end); all axes when `axes` is nil.
    ///
    /// Reduced axes are removed from the shape, or kept with extent 1 when
    /// `keepingDimensions` is true. Sums accumulate in SIMD registers in a fixed order, so the
    /// result is the same on every run.
    public func reduced(_ function: ReductionFunction, alongAxes axes: [Int]? = nil,
                        keepingDimensions: Bool = false) -> Tensor {
        let op = function.rawValue
        let reducedAxes = validated { () throws(ShapeError) in
            try Set((axes ?? Array(0..<rank)).map { axis throws(ShapeError) in
                try Tensor.normalizedAxis(axis, rank: rank, op: op)
            }).sorted()
        }
        var resultShape: [Int] = []
        for axis in 0..<rank {
            if !reducedAxes.contains(axis) { resultShape.append(shape[axis]) }
            else if keepingDimensions { resultShape.append(1) }
        }
        let reducedCount = reducedAxes.reduce(1) { $0 * shape[$1] }
        if (function == .max || function == .min) && reducedCount == 0 {
            ShapeError(op: op, detail: "cannot reduce shape \(shape) over empty axes \(reducedAxes)").stop()
        }
        // Bring the reduced axes together: a contiguous block of axes already is, otherwise move
        // them behind the kept axes.
        let source: Tensor, rows: Int, columns: Int
        if let first = reducedAxes.first, reducedAxes.last! - first + 1 == reducedAxes.count {
            (source, rows, columns) = (self, shape[..<first].reduce(1, *), shape[(reducedAxes.last! + 1)...].reduce(1, *))
        } else {
            let kept = (0..<rank).filter { !reducedAxes.contains($0) }
            (source, rows, columns) = (permuted(kept + reducedAxes), kept.reduce(1) { $0 * shape[$1] }, 1)
        }
        func fill(_ result: Tensor) {
            switch source.dtype {
            case .float32: reduce(function, source.pointer(as: Float.self), result.mutablePointer(as: Float.self),
                                  outer: rows, reduced: reducedCount, inner: columns)
            case .float64: reduce(function, source.pointer(as: Double.self), result.mutablePointer(as: Double.self),
                                  outer: rows, reduced: reducedCount, inner: columns)
            }
        }
        return Tensor.computed(resultShape, dtype: dtype, fill, replaying: fill, reading: [source])
    }

    /// The sum over `axes` (all axes when nil).
    public func sum(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        reduced(.sum, alongAxes: axes, keepingDimensions: keepingDimensions)
    }

    /// The mean over `axes` (all axes when nil).
    public func mean(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        reduced(.mean, alongAxes: axes, keepingDimensions: keepingDimensions)
    }

    /// The maximum over `axes` (all axes when nil); NaN if any element reduced is NaN.
    public func max(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        reduced(.max, alongAxes: axes, keepingDimensions: keepingDimensions)
    }

    /// The minimum over `axes` (all axes when nil); NaN if any element reduced is NaN.
    public func min(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        reduced(.min, alongAxes: axes, keepingDimensions: keepingDimensions)
    }
}

/// Reduces a contiguous `[outer, reduced, inner]` array over its middle axis.
private func reduce<S: TensorScalar>(
    _ function: ReductionFunction, _ input: UnsafePointer<S>, _ output: UnsafeMutablePointer<S>,
    outer: Int, reduced: Int, inner: Int
) {
    let extreme = function == .max || function == .min
    let largest = function == .max
    for o in 0..<outer {
        let block = input + o * reduced * inner
        let target = output + o * inner
        if inner == 1 {
            target.pointee = extreme ? extremeContiguous(block, count: reduced, largest: largest)
                : sumContiguous(block, count: reduced)
        } else if extreme {
            // NaN in a column wins; otherwise the larger (smaller) element.
            target.update(from: block, count: inner)
            for r in 1..<Swift.max(reduced, 1) {
                if largest {
                    combineRows(target, block + r * inner, inner) { $0 != $0 || $0 > $1 ? $0 : $1 }
                } else {
                    combineRows(target, block + r * inner, inner) { $0 != $0 || $0 < $1 ? $0 : $1 }
                }
            }
        } else {
            sumRows(block, into: target, rows: reduced, columns: inner)
        }
    }
    if function == .mean {
        let scale = 1 / S(reduced)
        mapElements(output, output, count: outer * inner) { $0 * scale }
    }
}

/// Column sums of a row-major `rows`×`columns` block, a SIMD vector of columns at a time held in
/// a register across all rows (the same order of additions as row-by-row accumulation).
@inline(__always)
private func sumRows<S: TensorScalar>(_ block: UnsafePointer<S>, into target: UnsafeMutablePointer<S>, rows: Int,
                                      columns: Int) {
    let width = S.Vector.scalarCount
    var column = 0
    while column + width <= columns {
        var sum = S.Vector()
        for r in 0..<rows { sum += loadVector(block + r * columns + column) }
        storeVector(sum, target + column)
        column += width
    }
    // The last columns one at a time, each summed in a register (a sum kept in memory waits on
    // its own store at every row: 1.7 µs for the 512 × 2 bias gradient of the MoG generator).
    for c in column..<columns {
        var sum = S.zero
        for r in 0..<rows { sum += block[r * columns + c] }
        target[c] = sum
    }
}

/// `target[i] = f(target[i], row[i])`.
@inline(__always)
private func combineRows<S: TensorScalar>(
    _ target: UnsafeMutablePointer<S>, _ row: UnsafePointer<S>, _ count: Int, _ f: (S, S) -> S
) {
    zipElements(UnsafePointer(target), row, target, count: count, f)
}

extension Tensor {
    /// Σ xᵢ², accumulated in Double.
    public func squaredNorm() -> Double {
        switch dtype {
        case .float32:
            return withUnsafeBufferPointer(as: Float.self) { values in
                var sum = SIMD16<Double>()
                var index = 0
                while index + 16 <= values.count {
                    let vector = SIMD16<Double>(UnsafeRawPointer(values.baseAddress! + index).loadUnaligned(as: SIMD16<Float>.self))
                    sum += vector * vector  // not fused: a library call per lane on the baseline x86-64
                    index += 16
                }
                var total = sum.sum()
                while index < values.count {
                    total += Double(values[index]) * Double(values[index])
                    index += 1
                }
                return total
            }
        case .float64:
            return withUnsafeBufferPointer(as: Double.self) { values in
                values.reduce(0) { $0 + $1 * $1 }
            }
        }
    }
}
