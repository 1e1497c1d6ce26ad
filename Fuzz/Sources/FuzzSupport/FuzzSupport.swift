import Foundation
import LibFuzzerDriver

/// The input handler libFuzzer's C callback forwards to (set once, before fuzzing starts).
nonisolated(unsafe) private var handler: ([UInt8]) -> Void = { _ in }

/// Hands the process to libFuzzer with this program's command-line flags; `body` gets each input
/// and must return (an error thrown and ignored is fine) for any bytes. Never returns.
public func fuzz(_ body: @escaping ([UInt8]) -> Void) -> Never {
    handler = body
    var argumentCount = CommandLine.argc
    var arguments = Optional(CommandLine.unsafeArgv)
    exit(LLVMFuzzerRunDriver(&argumentCount, &arguments) { data, size in
        handler(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    })
}
