/// A shape or index that does not fit an operation.
///
/// Operations on tensors stop the program with this message (a programming error, like an
/// out-of-range array index); code that checks user input first can call the throwing
/// validators (for example ``Tensor/broadcastShape(_:_:op:)``) and report the error instead.
public struct ShapeError: Error, CustomStringConvertible, Equatable {
    /// The operation that was given the bad operands.
    public let op: String
    /// What was wrong, naming the shapes.
    public let detail: String

    public init(op: String, detail: String) {
        self.op = op
        self.detail = detail
    }

    public var description: String { "\(op): \(detail)" }

    /// Stops the program with this message.
    public func stop() -> Never {
        fatalError(description)
    }
}

/// The element count of `shape`, stopping on a negative extent or an overflow.
func checkedElementCount(_ shape: [Int], op: String) -> Int {
    var count = 1
    for extent in shape {
        guard extent >= 0 else { ShapeError(op: op, detail: "negative extent in shape \(shape)").stop() }
        let (product, overflow) = count.multipliedReportingOverflow(by: extent)
        guard !overflow else { ShapeError(op: op, detail: "shape \(shape) has too many elements").stop() }
        count = product
    }
    return count
}

/// Row-major strides (in elements) of a contiguous tensor of `shape`.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var stride = 1
    for axis in shape.indices.reversed() {
        strides[axis] = stride
        stride *= shape[axis]
    }
    return strides
}

extension Tensor {
    /// The axis `axis` counted from the end if negative, checked against `rank`.
    public static func normalizedAxis(_ axis: Int, rank: Int, op: String) throws(ShapeError) -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        guard normalized >= 0 && normalized < rank else {
            throw ShapeError(op: op, detail: "axis \(axis) is out of range for rank \(rank)")
        }
        return normalized
    }

    /// The NumPy broadcast of two shapes: trailing dimensions are aligned, and each pair must be
    /// equal or contain a 1.
    public static func broadcastShape(_ a: [Int], _ b: [Int], op: String) throws(ShapeError) -> [Int] {
        let rank = Swift.max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for axis in 0..<rank {
            let x = axis - (rank - a.count) >= 0 ? a[axis - (rank - a.count)] : 1
            let y = axis - (rank - b.count) >= 0 ? b[axis - (rank - b.count)] : 1
            guard x == y || x == 1 || y == 1 else {
                throw ShapeError(op: op, detail: "shapes \(a) and \(b) cannot be broadcast together")
            }
            result[axis] = x == 1 ? y : x
        }
        return result
    }
}

/// Runs a throwing shape check, stopping with its message on failure.
@inline(__always)
func validated<T>(_ check: () throws(ShapeError) -> T) -> T {
    do {
        return try check()
    } catch {
        error.stop()
    }
}
