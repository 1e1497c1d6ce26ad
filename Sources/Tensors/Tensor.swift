/// A dense N-dimensional array of `Float` or `Double`, stored contiguously in row-major order.
///
/// `Tensor` has value semantics: copies share one buffer until one of them is written
/// (copy-on-write). Every operation returns a new tensor; views are never exposed, so a tensor
/// is always contiguous and its strides follow from its shape.
///
/// Shape errors (mismatched operands, out-of-range axes or indices) stop the program with a
/// message naming the operation and the shapes involved; see ``ShapeError``.
public struct Tensor: @unchecked Sendable {
    /// The element type.
    public let dtype: DType
    /// The extent of each dimension; `[]` for a scalar.
    public private(set) var shape: [Int]
    /// The number of elements (the product of `shape`).
    public let count: Int
    @usableFromInline var storage: TensorStorage

    /// A tensor of the given shape whose elements are not yet written.
    @usableFromInline
    init(uninitializedShape shape: [Int], dtype: DType) {
        let count = checkedElementCount(shape, op: "Tensor")
        self.dtype = dtype
        self.shape = shape
        self.count = count
        storage = TensorStorage(byteCount: count * dtype.byteWidth)
    }

    /// A tensor sharing `storage`, viewed with a new shape of the same element count.
    init(storage: TensorStorage, shape: [Int], dtype: DType) {
        self.storage = storage
        self.shape = shape
        self.dtype = dtype
        count = shape.reduce(1, *)
    }

    /// A tensor holding `scalars` in row-major order.
    public init<S: TensorScalar>(shape: [Int], scalars: [S]) {
        let count = checkedElementCount(shape, op: "Tensor(shape:scalars:)")
        guard scalars.count == count else {
            ShapeError(op: "Tensor(shape:scalars:)",
                       detail: "shape \(shape) holds \(count) elements but \(scalars.count) were given").stop()
        }
        func fill(_ result: Tensor) {
            scalars.withUnsafeBufferPointer { source in
                result.storage.base.copyMemory(from: source.baseAddress!, byteCount: count * S.dtype.byteWidth)
            }
        }
        self = Tensor.computed(shape, dtype: S.dtype, fill, replaying: fill, reading: [])
    }

    /// A vector (rank 1) holding `scalars`.
    public init<S: TensorScalar>(_ scalars: [S]) {
        self.init(shape: [scalars.count], scalars: scalars)
    }

    /// A scalar (rank 0) tensor.
    public init<S: TensorScalar>(scalar: S) {
        self.init(shape: [], scalars: [scalar])
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The elements converted to `S`, in row-major order.
    public func scalars<S: TensorScalar>(as type: S.Type = S.self) -> [S] {
        switch dtype {
        case .float32: return withUnsafeBufferPointer(as: Float.self) { $0.map { S($0) } }
        case .float64: return withUnsafeBufferPointer(as: Double.self) { $0.map { S($0) } }
        }
    }

    /// The elements as `Float`.
    public var floats: [Float] { scalars(as: Float.self) }

    /// The elements as `Double`.
    public var doubles: [Double] { scalars(as: Double.self) }

    /// The single element of a one-element tensor, as `Double`.
    public var item: Double {
        guard count == 1 else {
            ShapeError(op: "item", detail: "tensor of shape \(shape) has \(count) elements, not 1").stop()
        }
        return self[flat: 0]
    }

    /// The element at a row-major flat position, as `Double`.
    public subscript(flat index: Int) -> Double {
        KernelTrace.noteElementAccess("subscript")
        guard index >= 0 && index < count else {
            ShapeError(op: "subscript", detail: "flat index \(index) is out of range for shape \(shape)").stop()
        }
        switch dtype {
        case .float32: return Double(storage.base.load(fromByteOffset: index * 4, as: Float.self))
        case .float64: return storage.base.load(fromByteOffset: index * 8, as: Double.self)
        }
    }

    /// The element at a multi-dimensional index, as `Double`.
    public subscript(_ indices: Int...) -> Double {
        self[flat: flatIndex(indices, op: "subscript")]
    }

    /// The row-major position of a multi-dimensional index, checked against the shape.
    func flatIndex(_ indices: [Int], op: String) -> Int {
        guard indices.count == rank else {
            ShapeError(op: op, detail: "index \(indices) has \(indices.count) components for shape \(shape)").stop()
        }
        var flat = 0
        for (index, extent) in zip(indices, shape) {
            guard index >= 0 && index < extent else {
                ShapeError(op: op, detail: "index \(indices) is out of range for shape \(shape)").stop()
            }
            flat = flat * extent + index
        }
        return flat
    }

    /// This tensor with elements of type `dtype` (a copy only if the type changes).
    public func converted(to dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        func fill(_ result: Tensor) {
            switch (self.dtype, dtype) {
            case (.float32, .float64): convert(self.pointer(as: Float.self), result.mutablePointer(as: Double.self), self.count)
            case (.float64, .float32): convert(self.pointer(as: Double.self), result.mutablePointer(as: Float.self), self.count)
            default: break
            }
        }
        return Tensor.computed(shape, dtype: dtype, fill, replaying: fill, reading: [self])
    }

    /// Calls `body` with the elements, which must be of type `S`.
    @inlinable
    public func withUnsafeBufferPointer<S: TensorScalar, R>(
        as type: S.Type, _ body: (UnsafeBufferPointer<S>) throws -> R
    ) rethrows -> R {
        guard S.dtype == dtype else {
            ShapeError(op: "withUnsafeBufferPointer", detail: "tensor holds \(dtype), not \(S.dtype)").stop()
        }
        KernelTrace.noteElementAccess("withUnsafeBufferPointer")
        let pointer = storage.base.assumingMemoryBound(to: S.self)
        return try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// Calls `body` with the elements for writing, first copying a shared buffer.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<S: TensorScalar, R>(
        as type: S.Type, _ body: (UnsafeMutableBufferPointer<S>) throws -> R
    ) rethrows -> R {
        guard S.dtype == dtype else {
            ShapeError(op: "withUnsafeMutableBufferPointer", detail: "tensor holds \(dtype), not \(S.dtype)").stop()
        }
        KernelTrace.noteElementAccess("withUnsafeMutableBufferPointer")
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        let pointer = storage.base.assumingMemoryBound(to: S.self)
        return try body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    /// The element pointer of a tensor this code has just created (no uniqueness check).
    @usableFromInline
    func mutablePointer<S: TensorScalar>(as type: S.Type) -> UnsafeMutablePointer<S> {
        KernelTrace.noteElementAccess("a tensor written")
        return storage.base.assumingMemoryBound(to: S.self)
    }

    /// The element pointer for reading.
    @usableFromInline
    func pointer<S: TensorScalar>(as type: S.Type) -> UnsafePointer<S> {
        UnsafePointer(storage.base.assumingMemoryBound(to: S.self))
    }

    /// Whether two tensors have the same dtype, shape and elements (NaN equals nothing).
    public func isEqual(to other: Tensor) -> Bool {
        dtype == other.dtype && shape == other.shape && doubles == other.doubles
    }
}

/// `target[i] = To(source[i])` for `count` elements.
private func convert<From: TensorScalar, To: TensorScalar>(_ source: UnsafePointer<From>, _ target: UnsafeMutablePointer<To>,
                                                           _ count: Int) {
    for index in 0..<count { target[index] = To(source[index]) }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = doubles
        let shown = values.prefix(8).map { dtype == .float32 ? "\(Float($0))" : "\($0)" }
        let more = values.count > 8 ? ", … (\(values.count) elements)" : ""
        return "Tensor<\(dtype)>\(shape)[\(shown.joined(separator: ", "))\(more)]"
    }
}
