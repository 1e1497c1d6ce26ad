import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The number of threads the kernels split large problems over: the online processors.
let kernelThreadCount = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

/// Runs `body(0) … body(count − 1)` concurrently, returning when all are done.
func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    if count == 1 {
        body(0)
        return
    }
    withoutActuallyEscaping(body) { body in
        let box = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
    }
}

/// A value the caller promises is safe to share between the kernel threads (each writes a
/// disjoint part of the output).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
