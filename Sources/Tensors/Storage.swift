#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A 64-byte aligned heap buffer shared by tensors until one of them is written (copy-on-write).
@usableFromInline
final class TensorStorage: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let byteCount: Int

    /// Allocates `byteCount` bytes, uninitialised.
    @usableFromInline
    init(byteCount: Int) {
        self.byteCount = byteCount
        var pointer: UnsafeMutableRawPointer?
        let status = posix_memalign(&pointer, 64, max(byteCount, 64))
        guard status == 0, let pointer else {
            fatalError("Tensor: cannot allocate \(byteCount) bytes")
        }
        base = pointer
    }

    /// A new buffer holding a copy of this one.
    @usableFromInline
    func copy() -> TensorStorage {
        let result = TensorStorage(byteCount: byteCount)
        result.base.copyMemory(from: base, byteCount: byteCount)
        return result
    }

    deinit { free(base) }
}
