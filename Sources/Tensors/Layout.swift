extension Tensor {
    /// The same elements viewed with a new shape; one extent may be −1 (inferred). No copy.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        let known = newShape.filter { $0 != -1 }.reduce(1, *)
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        if inferred.count == 1, known > 0, count % known == 0 {
            resolved[inferred[0]] = count / known
        }
        guard inferred.count <= 1, resolved.allSatisfy({ $0 >= 0 }), resolved.reduce(1, *) == count else {
            ShapeError(op: "reshape", detail: "cannot reshape \(shape) (\(count) elements) to \(newShape)").stop()
        }
        return Tensor(storage: storage, shape: resolved, dtype: dtype)
    }

    /// The axes rearranged: axis `i` of the result is axis `axes[i]` of `self`.
    public func permuted(_ axes: [Int]) -> Tensor {
        guard axes.sorted() == Array(0..<rank) else {
            ShapeError(op: "permute", detail: "axes \(axes) are not a permutation of the axes of shape \(shape)").stop()
        }
        if axes == Array(0..<rank) { return self }
        let resultShape = axes.map { shape[$0] }
        let sourceStrides = contiguousStrides(shape)
        return gathered(into: resultShape, strides: axes.map { sourceStrides[$0] })
    }

    /// The last two axes swapped (the matrix transpose for rank 2).
    public func transposed() -> Tensor {
        guard rank >= 2 else {
            ShapeError(op: "transpose", detail: "shape \(shape) has fewer than two axes").stop()
        }
        return permuted(Array(0..<rank - 2) + [rank - 1, rank - 2])
    }

    /// The elements at `range` along `axis`, all of every other axis.
    public func slice(alongAxis axis: Int, range: Range<Int>) -> Tensor {
        let axis = validated { () throws(ShapeError) in try Tensor.normalizedAxis(axis, rank: rank, op: "slice") }
        guard range.lowerBound >= 0 && range.upperBound <= shape[axis] else {
            ShapeError(op: "slice", detail: "range \(range) is out of bounds for axis \(axis) of shape \(shape)").stop()
        }
        var resultShape = shape
        resultShape[axis] = range.count
        let inner = shape[(axis + 1)...].reduce(1, *)
        let outer = shape[..<axis].reduce(1, *)
        let (width, extent) = (dtype.byteWidth, shape[axis])
        func fill(_ result: Tensor) {
            for o in 0..<outer {
                let source = self.storage.base + ((o * extent + range.lowerBound) * inner) * width
                let target = result.storage.base + (o * range.count * inner) * width
                target.copyMemory(from: source, byteCount: range.count * inner * width)
            }
        }
        return Tensor.computed(resultShape, dtype: dtype, fill, replaying: fill, reading: [self])
    }

    /// The elements at `ranges` along the leading axes, all of the remaining axes.
    public func slice(_ ranges: [Range<Int>]) -> Tensor {
        guard ranges.count <= rank else {
            ShapeError(op: "slice", detail: "\(ranges.count) ranges given for shape \(shape)").stop()
        }
        var result = self
        for (axis, range) in ranges.enumerated() where range != 0..<shape[axis] {
            result = result.slice(alongAxis: axis, range: range)
        }
        return result
    }

    /// The sub-tensors at `indices` along axis 0, in that order (indices may repeat).
    public func rows(_ indices: [Int]) -> Tensor {
        guard rank >= 1 else { ShapeError(op: "rows", detail: "shape \(shape) has no rows").stop() }
        let rowBytes = (count / Swift.max(shape[0], 1)) * dtype.byteWidth
        if let index = indices.first(where: { !(0..<shape[0]).contains($0) }) {
            ShapeError(op: "rows", detail: "row \(index) is out of range for shape \(shape)").stop()
        }
        func fill(_ result: Tensor) {
            for (position, index) in indices.enumerated() {
                (result.storage.base + position * rowBytes).copyMemory(from: self.storage.base + index * rowBytes,
                                                                       byteCount: rowBytes)
            }
        }
        return Tensor.computed([indices.count] + shape.dropFirst(), dtype: dtype, fill, replaying: fill, reading: [self])
    }

    /// The tensors joined along `axis`; every other extent must agree.
    public static func concatenate(_ tensors: [Tensor], alongAxis axis: Int = 0) -> Tensor {
        guard let first = tensors.first else { ShapeError(op: "concatenate", detail: "no tensors given").stop() }
        let axis = validated { () throws(ShapeError) in
            try Tensor.normalizedAxis(axis, rank: first.rank, op: "concatenate")
        }
        for tensor in tensors {
            var expected = first.shape
            if tensor.rank == first.rank { expected[axis] = tensor.shape[axis] }
            guard tensor.shape == expected, tensor.dtype == first.dtype else {
                ShapeError(op: "concatenate",
                           detail: "shapes \(first.shape) (\(first.dtype)) and \(tensor.shape) (\(tensor.dtype)) differ off axis \(axis)").stop()
            }
        }
        var resultShape = first.shape
        resultShape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        let outer = first.shape[..<axis].reduce(1, *)
        let width = first.dtype.byteWidth
        func fill(_ result: Tensor) {
            var target = result.storage.base
            for o in 0..<outer {
                for tensor in tensors {
                    let chunk = tensor.count / Swift.max(outer, 1) * width
                    target.copyMemory(from: tensor.storage.base + o * chunk, byteCount: chunk)
                    target += chunk
                }
            }
        }
        return Tensor.computed(resultShape, dtype: first.dtype, fill, replaying: fill, reading: tensors)
    }

    /// The tensors, all of one shape, stacked along a new axis.
    public static func stack(_ tensors: [Tensor], alongAxis axis: Int = 0) -> Tensor {
        guard let first = tensors.first else { ShapeError(op: "stack", detail: "no tensors given").stop() }
        let axis = validated { () throws(ShapeError) in
            try Tensor.normalizedAxis(axis, rank: first.rank + 1, op: "stack")
        }
        var expanded = first.shape
        expanded.insert(1, at: axis)
        return concatenate(tensors.map { tensor in
            guard tensor.shape == first.shape else {
                ShapeError(op: "stack", detail: "shapes \(first.shape) and \(tensor.shape) differ").stop()
            }
            return tensor.reshaped(expanded)
        }, alongAxis: axis)
    }

    /// This tensor repeated along broadcast axes to `newShape` (NumPy's `broadcast_to`).
    public func broadcast(to newShape: [Int]) -> Tensor {
        let joint = validated { () throws(ShapeError) in try Tensor.broadcastShape(shape, newShape, op: "broadcast") }
        guard joint == newShape else {
            ShapeError(op: "broadcast", detail: "shape \(shape) cannot be broadcast to \(newShape)").stop()
        }
        if shape == newShape { return self }
        return gathered(into: newShape, strides: broadcastStrides(shape, to: newShape.count))
    }

    /// The sum over the axes along which a tensor of `targetShape` was broadcast to this shape,
    /// giving back `targetShape`: the adjoint of ``broadcast(to:)``.
    public func summed(toShape targetShape: [Int]) -> Tensor {
        if shape == targetShape { return self }
        let leading = rank - targetShape.count
        guard leading >= 0 else {
            ShapeError(op: "sum(toShape:)", detail: "shape \(shape) cannot be summed to \(targetShape)").stop()
        }
        var axes = Array(0..<leading)
        for (index, extent) in targetShape.enumerated() where extent != shape[leading + index] {
            guard extent == 1 else {
                ShapeError(op: "sum(toShape:)", detail: "shape \(shape) cannot be summed to \(targetShape)").stop()
            }
            axes.append(leading + index)
        }
        return sum(alongAxes: axes, keepingDimensions: true).reshaped(targetShape)
    }

    /// This tensor with `before[i]` and `after[i]` zeros added on each side of axis `i`.
    public func padded(before: [Int], after: [Int]) -> Tensor {
        guard before.count == rank, after.count == rank, (before + after).allSatisfy({ $0 >= 0 }) else {
            ShapeError(op: "pad", detail: "padding \(before)/\(after) does not fit shape \(shape)").stop()
        }
        let resultShape = (0..<rank).map { shape[$0] + before[$0] + after[$0] }
        let resultStrides = contiguousStrides(resultShape)
        let start = zip(before, resultStrides).reduce(0) { $0 + $1.0 * $1.1 }
        let width = dtype.byteWidth
        let inner = shape.last ?? 1
        let rowStrides = contiguousStrides(Array(shape.dropLast()))
        func fill(_ result: Tensor) {
            result.storage.base.initializeMemory(as: UInt8.self, repeating: 0, count: result.count * width)
            guard self.count > 0 else { return }
            for row in 0..<(self.count / Swift.max(inner, 1)) {
                var offset = start
                var remainder = row
                for axis in rowStrides.indices {
                    offset += (remainder / rowStrides[axis]) * resultStrides[axis]
                    remainder %= rowStrides[axis]
                }
                (result.storage.base + offset * width).copyMemory(from: self.storage.base + row * inner * width,
                                                                  byteCount: inner * width)
            }
        }
        return Tensor.computed(resultShape, dtype: dtype, fill, replaying: fill, reading: [self])
    }
}

extension Tensor {
    /// A tensor of `shape` whose element at (i₀, …, iₙ) is this one's at Σ iₖ·strides[k].
    private func gathered(into shape: [Int], strides: [Int]) -> Tensor {
        func fill(_ result: Tensor) {
            switch self.dtype {
            case .float32: gather(self.pointer(as: Float.self), result.mutablePointer(as: Float.self), shape, strides)
            case .float64: gather(self.pointer(as: Double.self), result.mutablePointer(as: Double.self), shape, strides)
            }
        }
        return Tensor.computed(shape, dtype: dtype, fill, replaying: fill, reading: [self])
    }
}

/// `output[i₀, …, iₙ] = input[Σ iₖ·strides[k]]` over `shape`, the output written in order.
private func gather<S: TensorScalar>(
    _ input: UnsafePointer<S>, _ output: UnsafeMutablePointer<S>, _ shape: [Int], _ strides: [Int]
) {
    let total = shape.reduce(1, *)
    guard total > 0 else { return }
    // Axes that stay adjacent and in order move as one: a convolution weight's [out, in, kh, kw]
    // → [out, kh, kw, in] is a batch of matrix transposes [in, kh·kw] → [kh·kw, in].
    var (shape, strides) = (shape, strides)
    for axis in stride(from: shape.count - 2, through: 0, by: -1) where strides[axis] == strides[axis + 1] * shape[axis + 1] {
        shape[axis] *= shape[axis + 1]
        strides[axis] = strides[axis + 1]
        shape.remove(at: axis + 1)
        strides.remove(at: axis + 1)
    }
    if (shape.count == 2 || shape.count == 3) && strides[shape.count - 1] != 1 && strides[shape.count - 1] != 0 {
        let batch = shape.count == 3 ? shape[0] : 1
        let (rows, columns) = (shape[shape.count - 2], shape[shape.count - 1])
        let (rowStride, columnStride) = (strides[shape.count - 2], strides[shape.count - 1])
        // Large transposes (a DCGAN's weights, each step) in row bands on all cores.
        let bands = total >= 1 << 18 ? Parallel.processorCount : 1
        Parallel.forEach(bands) { band in
            let (first, last) = (rows * band / bands, rows * (band + 1) / bands)
            for index in 0..<batch {
                transposeBlocked(input + (shape.count == 3 ? index * strides[0] : 0) + first * rowStride,
                                 output + index * rows * columns + first * columns,
                                 rows: last - first, columns: columns, rowStride: rowStride, columnStride: columnStride)
            }
        }
        return
    }
    let inner = shape.last ?? 1
    let innerStride = strides.last ?? 0
    let outerShape = Array(shape.dropLast())
    var index = [Int](repeating: 0, count: outerShape.count)
    var offset = 0
    var target = output
    for _ in 0..<(total / inner) {
        if innerStride == 1 {
            target.update(from: input + offset, count: inner)
        } else if innerStride == 0 {
            target.initialize(repeating: input[offset], count: inner)
        } else {
            for i in 0..<inner { target[i] = input[offset + i * innerStride] }
        }
        target += inner
        var axis = outerShape.count - 1
        while axis >= 0 {
            index[axis] += 1
            offset += strides[axis]
            if index[axis] < outerShape[axis] { break }
            offset -= strides[axis] * outerShape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}

/// A 2-D strided gather in 32×32 tiles, so reads and writes both stay in cache.
private func transposeBlocked<S: TensorScalar>(
    _ input: UnsafePointer<S>, _ output: UnsafeMutablePointer<S>, rows: Int, columns: Int,
    rowStride: Int, columnStride: Int
) {
    let tile = 32
    for rowStart in stride(from: 0, to: rows, by: tile) {
        for columnStart in stride(from: 0, to: columns, by: tile) {
            for row in rowStart..<Swift.min(rowStart + tile, rows) {
                let target = output + row * columns
                let source = input + row * rowStride
                for column in columnStart..<Swift.min(columnStart + tile, columns) {
                    target[column] = source[column * columnStride]
                }
            }
        }
    }
}
