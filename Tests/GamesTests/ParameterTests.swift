import Autodiff
import Dispatch
import Layers
import Testing
import Tensors

/// A parameter's graph leaf: one per value, made on first use, from any thread.
@Suite struct ParameterTests {
    /// ∂(2·Σp)/∂p = 2 only if both uses of `variable` are the same leaf; a new value makes a new
    /// leaf, and writing elements in place drops the old one too.
    @Test func oneLeafPerValue() {
        let parameter = Parameter(Tensor([1.0, -2, 3]))
        func gradient() -> [Double] {
            gradients(of: (parameter.variable * 2).sum(), wrt: [parameter.variable])[0].value.doubles
        }
        #expect(gradient() == [2, 2, 2])
        let before = parameter.variable
        parameter.value = Tensor([4.0, 5, 6])
        #expect(parameter.variable.value.doubles == [4, 5, 6] && before.value.doubles == [1, -2, 3])
        #expect(gradient() == [2, 2, 2])
        parameter.assignElements(of: Tensor([7.0, 8, 9]))
        #expect(parameter.variable.value.doubles == [7, 8, 9] && gradient() == [2, 2, 2])
    }

    /// Threads that take a fresh parameter's leaf at once all get the one leaf (the bundled
    /// scorer's network is shared by runs trained together).
    @Test func threadsShareTheLeaf() {
        for _ in 0..<50 {
            let threads = 8
            let results = UnsafeMutableBufferPointer<Double>.allocate(capacity: threads)
            defer { results.deallocate() }
            let shared = UncheckedBox((parameter: Parameter(Tensor([1.0, 2])), results: results))
            DispatchQueue.concurrentPerform(iterations: threads) { index in
                let parameter = shared.value.parameter
                let loss = (parameter.variable * 3).sum()
                shared.value.results[index] = gradients(of: loss, wrt: [parameter.variable])[0].value.doubles[0]
            }
            #expect(Array(results) == Array(repeating: 3.0, count: threads))
        }
    }
}

private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
