import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splitting work over the processor cores: the one mechanism every parallel loop of the library
/// (matrix products, matrix-vector products, Jacobian rows) goes through.
public enum Parallel {
    /// The number of online processors, the parts large problems are split into.
    public static let processorCount = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Runs `body(0) … body(count − 1)` concurrently, returning when all are done. Each call must
    /// write only its own part of any shared output.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count == 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
        }
    }
}

/// A closure the caller promises is safe to call from several threads at once.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
