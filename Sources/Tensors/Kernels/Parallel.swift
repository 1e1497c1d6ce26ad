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
    ///
    /// The parts go to the calling thread and the ``WorkerTeam``'s spinning workers, which take
    /// a loop up within a microsecond; while another thread holds the team, to Dispatch.
    ///
    /// A loop inside another one's body (a matrix product inside one of the Jacobian's blocks)
    /// runs serially on its thread: the outer loop already keeps every core busy, and splitting
    /// again would only add hand-offs. Results never depend on this, since every part writes
    /// its own output.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count == 1 || pthread_getspecific(nestingKey) != nil {
            for index in 0..<count { body(index) }
            return
        }
        withoutActuallyEscaping(body) { body in
            if WorkerTeam.shared.run(count, body) { return }
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { index in
                pthread_setspecific(nestingKey, UnsafeRawPointer(bitPattern: 1))
                shared.value(index)
                pthread_setspecific(nestingKey, nil)
            }
        }
    }
}

extension Parallel {
    /// Runs `body` with the parallel loops it starts on this thread running serially, as inside
    /// a part of a parallel loop (for threads that already share the cores between them).
    public static func serially<Result>(_ body: () throws -> Result) rethrows -> Result {
        let outer = pthread_getspecific(nestingKey)
        pthread_setspecific(nestingKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(nestingKey, outer) }
        return try body()
    }
}

/// The thread-specific slot that holds a non-nil pointer while a thread runs a part of a parallel loop.
private let nestingKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// A closure the caller promises is safe to call from several threads at once.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
