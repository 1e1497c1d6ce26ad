extension Tensor {
    /// An in-place elementwise update, the form of every step rule: a copy of `value` and the
    /// `states` (each made uniquely referenced first, so updating it changes no other tensor) are
    /// handed to `kernel` as raw pointers with `input`'s elements, and the updated copy is
    /// returned. One kernel in a recording ``KernelTrace``: a replay copies `value` again and
    /// updates the same state buffers in place.
    public static func elementwiseUpdate<S: TensorScalar>(
        of value: Tensor, reading input: Tensor, states: inout [Tensor], as type: S.Type,
        _ kernel: @escaping (_ value: UnsafeMutablePointer<S>, _ input: UnsafePointer<S>,
                             _ states: [UnsafeMutablePointer<S>]) -> Void
    ) -> Tensor {
        if let tensor = ([value, input] + states).first(where: { $0.dtype != S.dtype || $0.count != value.count }) {
            ShapeError(op: "elementwiseUpdate",
                       detail: "tensor of shape \(tensor.shape) (\(tensor.dtype)) beside a value of shape \(value.shape) (\(S.dtype))").stop()
        }
        // A shared state is copied before it is updated — inside the kernel, so that a replay
        // copies what the shared buffer holds then.
        var sharedStates: [(source: Tensor, target: Tensor)] = []
        for index in states.indices where !isKnownUniquelyReferenced(&states[index].storage) {
            let copy = Tensor(uninitializedShape: value.shape, dtype: value.dtype)
            sharedStates.append((states[index], copy))
            states[index] = copy
        }
        let (copies, kept) = (sharedStates, states)
        let updated = Tensor(uninitializedShape: value.shape, dtype: value.dtype)
        let statePointers = states.map { $0.storage.base.assumingMemoryBound(to: S.self) }
        let byteCount = value.count * S.dtype.byteWidth
        func update() {
            updated.storage.base.copyMemory(from: value.storage.base, byteCount: byteCount)
            for (source, target) in copies { target.storage.base.copyMemory(from: source.storage.base, byteCount: byteCount) }
            withExtendedLifetime(kept) {
                kernel(updated.storage.base.assumingMemoryBound(to: S.self), input.pointer(as: S.self), statePointers)
            }
        }
        KernelTrace.run(update, replaying: update, reading: [value, input] + copies.map(\.source) + kept,
                        writing: [updated] + kept)
        return updated
    }

    /// Writes `source`'s elements into this tensor's buffer in place, *shared or not*: every
    /// tensor sharing the buffer sees them. For the buffers a recorded ``KernelTrace`` reads,
    /// which a replay's caller fills with new inputs; anywhere else, assign a new tensor instead.
    public func overwriteBuffer(with source: Tensor) {
        guard source.shape == shape, source.dtype == dtype else {
            ShapeError(op: "overwriteBuffer", detail: "source of shape \(source.shape) (\(source.dtype)) for a buffer of \(shape) (\(dtype))").stop()
        }
        if source.storage === storage { return }
        storage.base.copyMemory(from: source.storage.base, byteCount: count * dtype.byteWidth)
    }

    /// Makes this tensor hold `source`'s elements: written into its own buffer when no other
    /// tensor shares that buffer and the shapes and element types agree (no allocation: a
    /// replayed step handing its ~60 results back to their holders), otherwise a copy in a new
    /// buffer, so a tensor held elsewhere keeps its values. Always a new buffer while a
    /// ``KernelTrace`` records, so that the recording sees the copy.
    public mutating func assignElements(of source: Tensor) {
        guard source.shape == shape, source.dtype == dtype, source.storage !== storage, !KernelTrace.isRecordingAnywhere,
              isKnownUniquelyReferenced(&storage) else {
            self = source.copiedToNewBuffer()
            return
        }
        storage.base.copyMemory(from: source.storage.base, byteCount: count * dtype.byteWidth)
    }

    /// A copy of this tensor in a buffer of its own.
    public func copiedToNewBuffer() -> Tensor {
        func fill(_ result: Tensor) {
            result.storage.base.copyMemory(from: self.storage.base, byteCount: self.count * self.dtype.byteWidth)
        }
        return Tensor.computed(shape, dtype: dtype, fill, replaying: fill, reading: [self])
    }
}
