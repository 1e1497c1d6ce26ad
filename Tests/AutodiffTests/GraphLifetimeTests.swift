import Foundation
import Testing
@testable import Autodiff
import Tensors

@Suite struct GraphLifetimeTests {
    /// The graph, including the graph of a gradient recorded for second order, is freed as soon
    /// as the variables referring to it go away: there are no reference cycles.
    @Test func graphsAreFreedAfterUse() {
        weak var lossNode: GraphNode?
        weak var gradientNode: GraphNode?
        do {
            let w = Variable(differentiable: Tensor.ones([3, 3]))
            let x = Variable(Tensor.ones([4, 3]))
            let loss = x.matmul(w).tanh().halfSquaredNorm()
            let g = gradients(of: loss, wrt: [w], createGraph: true)[0]
            let penalty = g.halfSquaredNorm()
            _ = gradients(of: penalty, wrt: [w])
            lossNode = loss.node
            gradientNode = penalty.node
            #expect(lossNode != nil && gradientNode != nil)
        }
        #expect(lossNode == nil)
        #expect(gradientNode == nil)
    }

    /// 10,000 steps of gradient descent with a second-order penalty leave the resident memory flat.
    @Test func noGrowthOverTenThousandSteps() {
        var w = Tensor.ones([4, 4]) * 0.1
        let x = Tensor.ones([8, 4])
        func step() {
            let parameter = Variable(differentiable: w)
            let loss = Variable(x).matmul(parameter).tanh().halfSquaredNorm()
            let g = gradients(of: loss, wrt: [parameter], createGraph: true)[0]
            let update = gradients(of: loss + g.halfSquaredNorm(), wrt: [parameter])[0]
            w = w - update.value * 0.01
        }
        for _ in 0..<1000 { step() }
        let before = residentBytes()
        for _ in 0..<10_000 { step() }
        let growth = residentBytes() - before
        #expect(growth < 4 << 20, "resident memory grew by \(growth) bytes")
    }
}

/// Resident set size from /proc/self/statm (Linux); 0 elsewhere.
private func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * 4096 : 0
}
