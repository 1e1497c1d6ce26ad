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

    /// Over 2,000 steps of gradient descent with a second-order penalty, no node of any step's
    /// graph (loss, recorded gradient, penalty gradient) outlives the step. Checked by identity
    /// rather than by resident memory, which other suites running in parallel make noisy.
    @Test func noStepLeavesItsGraphBehind() {
        var w = Tensor.ones([4, 4]) * 0.1
        let x = Tensor.ones([8, 4])
        var survivors: [WeakNode] = []
        for _ in 0..<2000 {
            let parameter = Variable(differentiable: w)
            let loss = Variable(x).matmul(parameter).tanh().halfSquaredNorm()
            let g = gradients(of: loss, wrt: [parameter], createGraph: true)[0]
            let update = gradients(of: loss + g.halfSquaredNorm(), wrt: [parameter])[0]
            w = w - update.value * 0.01
            survivors += [loss.node, g.node, update.node].map(WeakNode.init)
        }
        #expect(survivors.count == 6000)
        #expect(survivors.allSatisfy { $0.node == nil }, "\(survivors.filter { $0.node != nil }.count) nodes survived")
        #expect(w.scalars(as: Float.self).allSatisfy { $0.isFinite && $0 < 0.1 })
    }
}

private final class WeakNode {
    weak var node: GraphNode?
    init(_ node: GraphNode?) { self.node = node }
}
