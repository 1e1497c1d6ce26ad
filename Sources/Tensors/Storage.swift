#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A 64-byte aligned heap buffer shared by tensors until one of them is written (copy-on-write).
///
/// Buffers up to 1 MiB come from ``BufferPool``: training allocates and frees the same few sizes
/// thousands of times a second, and reusing them avoids the allocator's bookkeeping and the
/// page faults of memory returned to the system and taken back.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let byteCount: Int

    /// Allocates `byteCount` bytes, uninitialised.
    @usableFromInline
    init(byteCount: Int) {
        self.byteCount = byteCount
        base = BufferPool.shared.allocate(byteCount: byteCount)
    }

    /// A new buffer holding a copy of this one.
    @usableFromInline
    func copy() -> TensorStorage {
        let result = TensorStorage(byteCount: byteCount)
        result.base.copyMemory(from: base, byteCount: byteCount)
        return result
    }

    deinit { BufferPool.shared.deallocate(base, byteCount: byteCount) }
}

/// Free lists of aligned buffers by power-of-two size class, shared by all threads.
final class BufferPool: Sendable {
    static let shared = BufferPool()

    /// Sizes above this go straight to the system allocator.
    static let largestPooledSize = 1 << 20
    /// Bytes kept per size class (at least four buffers); more are returned to the system, so the
    /// pool holds at most a few MiB per size in use.
    static let bytesPerClass = 8 << 20
    private static let smallestClassShift = 6

    /// Addresses of free buffers (as integers, which are `Sendable`), one list per size class.
    private let freeLists: Mutex<[[UInt]]>

    private init() {
        let classes = Int.bitWidth - BufferPool.largestPooledSize.leadingZeroBitCount - BufferPool.smallestClassShift
        freeLists = Mutex([[UInt]](repeating: [], count: classes))
    }

    /// The size class of a request: buffers of class c hold 2^(c + 6) bytes.
    private static func sizeClass(_ byteCount: Int) -> Int? {
        guard byteCount <= largestPooledSize else { return nil }
        let rounded = Swift.max(byteCount, 1 << smallestClassShift) - 1
        return (Int.bitWidth - rounded.leadingZeroBitCount) - smallestClassShift
    }

    func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        guard let sizeClass = BufferPool.sizeClass(byteCount) else { return BufferPool.systemAllocate(byteCount) }
        if let reused = freeLists.withLock({ $0[sizeClass].popLast() }), let pointer = UnsafeMutableRawPointer(bitPattern: reused) {
            return pointer
        }
        return BufferPool.systemAllocate(1 << (sizeClass + BufferPool.smallestClassShift))
    }

    func deallocate(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        guard let sizeClass = BufferPool.sizeClass(byteCount) else {
            free(pointer)
            return
        }
        let address = UInt(bitPattern: pointer)
        let kept = freeLists.withLock { lists in
            let capacity = max(4, BufferPool.bytesPerClass >> (sizeClass + BufferPool.smallestClassShift))
            guard lists[sizeClass].count < capacity else { return false }
            lists[sizeClass].append(address)
            return true
        }
        if !kept { free(pointer) }
    }

    private static func systemAllocate(_ byteCount: Int) -> UnsafeMutableRawPointer {
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, 64, Swift.max(byteCount, 64)) == 0, let pointer else {
            fatalError("Tensor: cannot allocate \(byteCount) bytes")
        }
        return pointer
    }
}
