import Dispatch

/// Seconds per call of `body`: after one warm-up call, ten rounds of repeated calls, each at least
/// a tenth of `minimumSeconds`; the mean of the fastest round. On a shared machine the fastest
/// round is the figure least disturbed by other work.
func secondsPerCall(minimumSeconds: Double = 0.5, rounds: Int = 10, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<rounds {
        var calls = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            body()
            calls += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < minimumSeconds / Double(rounds)
        best = min(best, elapsed / Double(calls))
    }
    return best
}

/// Keeps the optimiser from removing a computation whose result is otherwise unused.
@inline(never)
func consume<T>(_ value: T) {}
