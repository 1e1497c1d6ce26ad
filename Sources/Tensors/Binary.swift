/// An elementwise function of two tensors, broadcast as in NumPy.
public enum BinaryFunction: Sendable, Equatable {
    case add
    case subtract
    case multiply
    case divide
    case maximum
    case minimum
    /// 1 where a > b, else 0.
    case greater

    /// The operation's name in messages.
    var name: String {
        switch self {
        case .add: return "add"
        case .subtract: return "subtract"
        case .multiply: return "multiply"
        case .divide: return "divide"
        case .maximum: return "maximum"
        case .minimum: return "minimum"
        case .greater: return "greater"
        }
    }
}

extension Tensor {
    /// `f(self, other)` elementwise, with NumPy broadcasting.
    public func combining(_ other: Tensor, with function: BinaryFunction) -> Tensor {
        guard dtype == other.dtype else {
            ShapeError(op: function.name, detail: "operands of shapes \(shape) and \(other.shape) hold \(dtype) and \(other.dtype)").stop()
        }
        let resultShape = shape == other.shape ? shape : validated { () throws(ShapeError) in
            try Tensor.broadcastShape(shape, other.shape, op: function.name)
        }
        func fill(_ result: Tensor) {
            switch self.dtype {
            case .float32: applyBinary(function, self, other, result, Float.self)
            case .float64: applyBinary(function, self, other, result, Double.self)
            }
        }
        return Tensor.computed(resultShape, dtype: dtype, fill, replaying: fill, reading: [self, other])
    }

    /// `f(self, value)` elementwise.
    func combining(scalar value: Double, with function: BinaryFunction) -> Tensor {
        combining(.scalar(value, dtype: dtype), with: function)
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { a.combining(b, with: .add) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.combining(b, with: .subtract) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.combining(b, with: .multiply) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { a.combining(b, with: .divide) }
    public static func + (a: Tensor, b: Double) -> Tensor { a.combining(scalar: b, with: .add) }
    public static func - (a: Tensor, b: Double) -> Tensor { a.combining(scalar: b, with: .subtract) }
    public static func * (a: Tensor, b: Double) -> Tensor { a.combining(scalar: b, with: .multiply) }
    public static func / (a: Tensor, b: Double) -> Tensor { a.combining(scalar: b, with: .divide) }
    public static func + (a: Double, b: Tensor) -> Tensor { Tensor.scalar(a, dtype: b.dtype) + b }
    public static func - (a: Double, b: Tensor) -> Tensor { Tensor.scalar(a, dtype: b.dtype) - b }
    public static func * (a: Double, b: Tensor) -> Tensor { b * a }
    public static func / (a: Double, b: Tensor) -> Tensor { Tensor.scalar(a, dtype: b.dtype) / b }

    /// The larger of the two operands, elementwise.
    public func maximum(_ other: Tensor) -> Tensor { combining(other, with: .maximum) }
    /// The smaller of the two operands, elementwise.
    public func minimum(_ other: Tensor) -> Tensor { combining(other, with: .minimum) }
    /// 1 where `self > other`, else 0.
    public func greater(than other: Tensor) -> Tensor { combining(other, with: .greater) }
}

private func applyBinary<S: TensorScalar>(
    _ function: BinaryFunction, _ a: Tensor, _ b: Tensor, _ result: Tensor, _: S.Type
) {
    switch function {
    case .add: broadcast(a, b, result, S.self) { $0 + $1 }
    case .subtract: broadcast(a, b, result, S.self) { $0 - $1 }
    case .multiply: broadcast(a, b, result, S.self) { $0 * $1 }
    case .divide: broadcast(a, b, result, S.self) { $0 / $1 }
    // NaN in either operand gives NaN.
    case .maximum: broadcast(a, b, result, S.self) { $0 != $0 || $0 > $1 ? $0 : $1 }
    case .minimum: broadcast(a, b, result, S.self) { $0 != $0 || $0 < $1 ? $0 : $1 }
    case .greater: broadcast(a, b, result, S.self) { $0 > $1 ? 1 : 0 }
    }
}

/// Walks the broadcast result row by row: dimensions that can be merged are merged first, so the
/// inner loop runs over the longest contiguous stretch.
@inline(__always)
private func broadcast<S: TensorScalar>(
    _ a: Tensor, _ b: Tensor, _ result: Tensor, _: S.Type, _ f: (S, S) -> S
) {
    let (pa, pb, out) = (a.pointer(as: S.self), b.pointer(as: S.self), result.mutablePointer(as: S.self))
    if a.shape == b.shape {
        zipElements(pa, pb, out, count: result.count, f)
        return
    }
    if b.count == 1 {
        let y = pb[0]
        mapElements(pa, out, count: result.count) { f($0, y) }
        return
    }
    if a.count == 1 {
        let x = pa[0]
        mapElements(pb, out, count: result.count) { f(x, $0) }
        return
    }
    let layout = BroadcastLayout(result.shape, a.shape, b.shape)
    if layout.extents.count == 2 && layout.stridesA == [layout.extents[1], 1] && layout.stridesB == [0, 1] {
        broadcastRows(pa, pb, out, rows: layout.extents[0], columns: layout.extents[1], f)
        return
    }
    if layout.extents.count == 2 && layout.stridesA == [0, 1] && layout.stridesB == [layout.extents[1], 1] {
        broadcastRows(pb, pa, out, rows: layout.extents[0], columns: layout.extents[1]) { f($1, $0) }
        return
    }
    let inner = layout.extents.last!
    let (innerA, innerB) = (layout.stridesA.last!, layout.stridesB.last!)
    var row = 0
    layout.forEachRow { offsetA, offsetB in
        let target = out + row * inner
        switch (innerA, innerB) {
        case (1, 1):
            zipElements(pa + offsetA, pb + offsetB, target, count: inner, f)
        case (1, _):
            let y = pb[offsetB]
            mapElements(pa + offsetA, target, count: inner) { f($0, y) }
        case (_, 1):
            let x = pa[offsetA]
            mapElements(pb + offsetB, target, count: inner) { f(x, $0) }
        default:
            target.initialize(repeating: f(pa[offsetA], pb[offsetB]), count: inner)
        }
        row += 1
    }
}

/// `out[i, j] = f(matrix[i, j], row[j])`. A short row is tiled into a buffer of several rows
/// first, so the loop runs over long stretches instead of one short loop per row. Rows of 256
/// elements or more are long stretches already and are combined with `row` in place.
@inline(__always)
private func broadcastRows<S: TensorScalar>(
    _ matrix: UnsafePointer<S>, _ row: UnsafePointer<S>, _ out: UnsafeMutablePointer<S>, rows: Int, columns: Int,
    _ f: (S, S) -> S
) {
    if columns >= 256 {
        for start in 0..<rows { zipElements(matrix + start * columns, row, out + start * columns, count: columns, f) }
        return
    }
    let rowsPerTile = Swift.max(1, Swift.min(rows, 256 / Swift.max(columns, 1)))
    let tileCount = rowsPerTile * columns
    let tile = UnsafeMutablePointer<S>.allocate(capacity: tileCount)
    defer { tile.deallocate() }
    for r in 0..<rowsPerTile { (tile + r * columns).initialize(from: row, count: columns) }
    var start = 0
    while start + rowsPerTile <= rows {
        let offset = start * columns
        zipElements(matrix + offset, tile, out + offset, count: tileCount, f)
        start += rowsPerTile
    }
    let offset = start * columns
    zipElements(matrix + offset, tile, out + offset, count: (rows - start) * columns, f)
}

/// Two operands' strides (0 along broadcast axes) over the result's shape, with adjacent axes
/// merged wherever both operands are contiguous across them.
struct BroadcastLayout {
    var extents: [Int] = []
    var stridesA: [Int] = []
    var stridesB: [Int] = []

    init(_ shape: [Int], _ shapeA: [Int], _ shapeB: [Int]) {
        let fullA = broadcastStrides(shapeA, to: shape.count)
        let fullB = broadcastStrides(shapeB, to: shape.count)
        for axis in shape.indices where shape[axis] != 1 {
            let (extent, a, b) = (shape[axis], fullA[axis], fullB[axis])
            if let last = extents.indices.last, stridesA[last] == a * extent, stridesB[last] == b * extent {
                extents[last] *= extent
                stridesA[last] = a
                stridesB[last] = b
            } else {
                extents.append(extent)
                stridesA.append(a)
                stridesB.append(b)
            }
        }
        if extents.isEmpty { (extents, stridesA, stridesB) = ([1], [0], [0]) }
    }

    /// Calls `body` with both operands' offsets at the start of each row of the last axis.
    @inline(__always)
    func forEachRow(_ body: (Int, Int) -> Void) {
        let outerRank = extents.count - 1
        var index = [Int](repeating: 0, count: outerRank)
        var (offsetA, offsetB) = (0, 0)
        let rows = extents.dropLast().reduce(1, *)
        for _ in 0..<rows {
            body(offsetA, offsetB)
            var axis = outerRank - 1
            while axis >= 0 {
                index[axis] += 1
                offsetA += stridesA[axis]
                offsetB += stridesB[axis]
                if index[axis] < extents[axis] { break }
                offsetA -= stridesA[axis] * extents[axis]
                offsetB -= stridesB[axis] * extents[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

/// Strides of a contiguous tensor of `shape` seen from a result of rank `rank`: leading missing
/// axes and axes of extent 1 get stride 0.
func broadcastStrides(_ shape: [Int], to rank: Int) -> [Int] {
    let own = contiguousStrides(shape)
    return (0..<rank).map { axis in
        let source = axis - (rank - shape.count)
        return source >= 0 && shape[source] != 1 ? own[source] : 0
    }
}

extension Tensor {
    /// `self` where `reference > 0`, `slope · self` elsewhere: the backward of (leaky) ReLU,
    /// d/dx leakyReLU(x) ⊙ seed, in one pass. The reference has this tensor's shape, or its
    /// trailing axes' (one reference for each slice along the leading axes, as for a block of
    /// tangents).
    public func gated(by reference: Tensor, negativeSlope slope: Double = 0) -> Tensor {
        checkGate(reference)
        func fill(_ result: Tensor) { gateElements(of: self, into: result, by: reference, slope: slope) }
        return Tensor.computed(shape, dtype: dtype, fill, replaying: fill, reading: [self, reference])
    }

    /// ``gated(by:negativeSlope:)`` in place: the elements are overwritten in this tensor's
    /// buffer when no other tensor shares it (one memory pass instead of a pass into a new
    /// buffer); a shared buffer is left alone and the result goes to a new one.
    public mutating func gate(by reference: Tensor, negativeSlope slope: Double = 0) {
        guard isKnownUniquelyReferenced(&storage) else {
            self = gated(by: reference, negativeSlope: slope)
            return
        }
        checkGate(reference)
        let target = self
        func update() { gateElements(of: target, into: target, by: reference, slope: slope) }
        KernelTrace.run(update, replaying: update, reading: [target, reference], writing: [target])
    }

    /// Stops unless `reference` can gate this tensor: its shape is this one's trailing axes'.
    private func checkGate(_ reference: Tensor) {
        guard shape.count >= reference.rank, Array(shape.suffix(reference.rank)) == reference.shape,
              dtype == reference.dtype else {
            ShapeError(op: "gated", detail: "shapes \(shape) and \(reference.shape) differ").stop()
        }
    }
}

/// `target` = `source` where `reference > 0`, `slope · source` elsewhere, one slice of
/// `reference.count` elements at a time; `target` may be `source` (then written in place).
private func gateElements(of source: Tensor, into target: Tensor, by reference: Tensor, slope: Double) {
    switch source.dtype {
    case .float32: gateElements(source, target, reference, Float(slope))
    case .float64: gateElements(source, target, reference, slope)
    }
}

private func gateElements<S: TensorScalar>(_ source: Tensor, _ target: Tensor, _ reference: Tensor, _ slope: S) {
    let (input, output, gate) = (source.pointer(as: S.self), target.mutablePointer(as: S.self), reference.pointer(as: S.self))
    let slice = reference.count
    for start in stride(from: 0, to: source.count, by: Swift.max(slice, 1)) {
        gateElements(input + start, by: gate, into: output + start, count: slice, slope: slope)
    }
}

/// `target[i]` = `source[i]` where `reference[i] > 0`, `slope · source[i]` elsewhere, for
/// `count` elements; `target` may be `source` (then written in place). The gate's one formula,
/// for ``Tensor/gated(by:negativeSlope:)`` and a product's epilogue.
@inline(__always)
func gateElements<S: TensorScalar>(_ source: UnsafePointer<S>, by reference: UnsafePointer<S>,
                                   into target: UnsafeMutablePointer<S>, count: Int, slope: S) {
    if UnsafePointer(target) == source {
        updateElements(target, reference, count: count) { $1 > 0 ? $0 : slope * $0 }
    } else {
        zipElements(source, reference, target, count: count) { $1 > 0 ? $0 : slope * $0 }
    }
}
