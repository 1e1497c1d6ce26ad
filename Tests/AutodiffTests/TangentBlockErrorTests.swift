import Autodiff
import Testing
import Tensors

/// Careless calls of the block forward mode stop with a message naming the shapes.
@Suite struct TangentBlockErrorTests {
    @Test func blockOfTheWrongShapeIsNamed() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Variable(differentiable: Tensor.ones([2, 3]))
            _ = jacobianVectorProducts(of: [x.tanh()], wrt: [x], tangents: [Tensor.ones([4, 3, 2])])
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self)
                .contains("jacobianVectorProducts: block of shape [4, 3, 2] for target of shape [2, 3]; expected [4, 2, 3]"))
        }
    }

    @Test func missingOrScalarBlocksAreNamed() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Variable(differentiable: Tensor.ones([2]))
            _ = jacobianVectorProducts(of: [x.tanh()], wrt: [x], tangents: [])
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self)
                .contains("jacobianVectorProducts: no tangent blocks, or a block of rank 0"))
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Variable(differentiable: Tensor.ones([2]))
            let y = Variable(differentiable: Tensor.ones([2]))
            _ = jacobianVectorProducts(of: [x * y], wrt: [x, y], tangents: [Tensor.ones([3, 2])])
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self)
                .contains("jacobianVectorProducts: 2 targets but 1 blocks"))
        }
    }

    @Test func differentiableMatrixTimesBatchIsRefused() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Variable(differentiable: Tensor.ones([2, 3]))
            _ = x.matmul(Variable(Tensor.ones([4, 3, 5])))
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self)
                .contains("matmul: a differentiable product of a matrix [2, 3] and a batch [4, 3, 5] is not supported"))
        }
    }
}
