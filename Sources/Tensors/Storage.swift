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
/// Buffers come from ``BufferPool``: training allocates and frees the same few sizes thousands of
/// times a second, and reusing them avoids the allocator's bookkeeping and the page faults of
/// memory returned to the system and taken back (for a DCGAN's 26 MB patch matrices, the
/// kernel's zeroing of fresh pages cost 9% of a step).
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

/// Free lists of aligned buffers, shared by all threads: small buffers by power-of-two size
/// class, large ones by their exact size in pages (a network's large temporaries recur with the
/// same sizes every step), up to a total.
final class BufferPool: Sendable {
    static let shared = BufferPool()

    /// Sizes up to this are pooled by power-of-two class; larger ones by page count.
    static let largestPooledSize = 1 << 20
    /// Bytes kept per size class (at least 32 buffers); more are returned to the system, so the
    /// pool holds at most 32 MiB per size in use. The Jacobian's blocks of tangents free dozens of
    /// 512 KiB buffers at once per core: at 8 MiB per class the page faults of taking them back
    /// cost 4% of `jacobian`.
    static let bytesPerClass = 32 << 20
    /// Bytes of large free buffers kept in all: an eighth of the machine's memory, between
    /// 256 MiB and 4 GiB — on a 24 GiB machine 3 GiB, more than the 1.45 GB of temporaries of a
    /// DCGAN ConOpt step at f = 64, batch 64 (at 768 MiB the kernel's zeroing of pages given
    /// back and taken again still cost 6.6% of a SimGD step). Beyond it, large buffers go back
    /// to the system.
    static let largeBytesKept: Int = {
        let physical = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        return min(max(physical / 8, 256 << 20), 4 << 30)
    }()
    /// Large sizes are rounded up to whole pages of this size.
    static let largePage = 1 << 16
    private static let smallestClassShift = 6

    /// Addresses of free buffers (as integers, which are `Sendable`), one list per size class.
    private let freeLists: Mutex<[[UInt]]>
    /// Free large buffers by rounded size, and their total bytes.
    private let largeFreeLists = Mutex<(lists: [Int: [UInt]], bytes: Int)>(([:], 0))

    private init() {
        let classes = Int.bitWidth - BufferPool.largestPooledSize.leadingZeroBitCount - BufferPool.smallestClassShift
        freeLists = Mutex([[UInt]](repeating: [], count: classes))
    }

    /// A large request rounded up to whole pages.
    private static func largeSize(_ byteCount: Int) -> Int {
        (byteCount + largePage - 1) / largePage * largePage
    }

    /// The size class of a request: buffers of class c hold 2^(c + 6) bytes.
    private static func sizeClass(_ byteCount: Int) -> Int? {
        guard byteCount <= largestPooledSize else { return nil }
        let rounded = Swift.max(byteCount, 1 << smallestClassShift) - 1
        return (Int.bitWidth - rounded.leadingZeroBitCount) - smallestClassShift
    }

    func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        guard let sizeClass = BufferPool.sizeClass(byteCount) else {
            let size = BufferPool.largeSize(byteCount)
            let reused = largeFreeLists.withLock { pool -> UInt? in
                guard let address = pool.lists[size]?.popLast() else { return nil }
                pool.bytes -= size
                return address
            }
            return reused.flatMap(UnsafeMutableRawPointer.init(bitPattern:)) ?? BufferPool.systemAllocate(size)
        }
        if let reused = freeLists.withLock({ $0[sizeClass].popLast() }), let pointer = UnsafeMutableRawPointer(bitPattern: reused) {
            return pointer
        }
        return BufferPool.systemAllocate(1 << (sizeClass + BufferPool.smallestClassShift))
    }

    func deallocate(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        guard let sizeClass = BufferPool.sizeClass(byteCount) else {
            let size = BufferPool.largeSize(byteCount)
            let kept = largeFreeLists.withLock { pool in
                guard pool.bytes + size <= BufferPool.largeBytesKept else { return false }
                pool.lists[size, default: []].append(UInt(bitPattern: pointer))
                pool.bytes += size
                return true
            }
            if !kept { free(pointer) }
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

    /// `byteCount` bytes, 64-byte aligned, from the system (released with `free`).
    static func systemAllocate(_ byteCount: Int) -> UnsafeMutableRawPointer {
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, 64, Swift.max(byteCount, 64)) == 0, let pointer else {
            fatalError("Tensor: cannot allocate \(byteCount) bytes")
        }
        return pointer
    }
}
