import Testing
import Autodiff
import Tensors

@Suite struct ClosedFormTests {
    /// The Hessian of xᵀAx is A + Aᵀ, whatever x.
    @Test func hessianOfQuadraticForm() {
        var generator = RandomGenerator(seed: 1)
        let a = Tensor.normal([5, 5], dtype: .float64, using: &generator)
        let x = Tensor.normal([5, 1], dtype: .float64, using: &generator)
        let h = hessian(at: x) { x in x.matmul(Variable(a).matmul(x), transposingSelf: true).sum() }
        #expect(close(h.doubles, (a + a.transposed()).doubles, tolerance: 1e-12))
    }

    /// For f(x) = ¼Σx⁴ + xᵀAx: ∇f = x³ + (A + Aᵀ)x and H = diag(3x²) + A + Aᵀ, so
    /// ∇(½‖∇f‖²) = H·∇f: the regulariser of consensus optimization, by double backprop.
    @Test func gradientOfHalfSquaredGradientNorm() {
        var generator = RandomGenerator(seed: 2)
        let a = Tensor.normal([4, 4], dtype: .float64, using: &generator)
        let x = Tensor.normal([4, 1], dtype: .float64, using: &generator)
        let symmetric = a + a.transposed()
        let input = Variable(differentiable: x)
        let f = (input.squared().squared() * 0.25).sum() + input.matmul(Variable(a).matmul(input), transposingSelf: true).sum()
        let g = gradients(of: f, wrt: [input], createGraph: true)[0]
        let regulariser = gradients(of: g.halfSquaredNorm(), wrt: [input])[0].value
        let gradient = x.squared() * x + symmetric.matmul(x)
        let hessian = symmetric + Tensor.identity(4, dtype: .float64) * (x.squared() * 3).broadcast(to: [4, 4])
        #expect(close(g.value.doubles, gradient.doubles, tolerance: 1e-12))
        #expect(close(regulariser.doubles, hessian.matmul(gradient).doubles, tolerance: 1e-12))
    }

    /// The bilinear game f(φ, θ) = φθ = −g: v = (∂f/∂φ, ∂g/∂θ) = (θ, −φ), v′ = [[0, 1], [−1, 0]].
    @Test func jacobianOfBilinearGameField() {
        let phi = Variable(differentiable: Tensor([0.3]))
        let theta = Variable(differentiable: Tensor([-1.7]))
        let f = (phi * theta).sum()
        let fieldPhi = gradients(of: f, wrt: [phi], createGraph: true)[0]
        let fieldTheta = gradients(of: -f, wrt: [theta], createGraph: true)[0]
        let field = Variable.concatenate([fieldPhi, fieldTheta])
        #expect(field.value.doubles == [-1.7, -0.3])
        #expect(jacobian(of: field, wrt: [phi, theta]).doubles == [0, 1, -1, 0])
    }

    /// J·v by the double-VJP trick and uᵀJ agree with the dense Jacobian.
    @Test func jacobianProductsAgreeWithDenseJacobian() {
        var generator = RandomGenerator(seed: 3)
        let w = Tensor.normal([3, 4], dtype: .float64, using: &generator)
        let x = Tensor.normal([4], dtype: .float64, using: &generator)
        let f = { (x: Variable) in Variable(w).matmul(x.reshaped([4, 1]).tanh()).reshaped([3]).exp() }
        let dense = jacobian(at: x, of: f)
        let v = Tensor.normal([4], dtype: .float64, using: &generator)
        let u = Tensor.normal([3], dtype: .float64, using: &generator)
        let input = Variable(differentiable: x)
        let output = f(input)
        let jv = jacobianVectorProduct(of: [output], wrt: [input], tangents: [v])[0].value
        let uj = vectorJacobianProduct(of: [output], wrt: [input], cotangents: [u])[0].value
        #expect(close(jv.doubles, dense.matmul(v.reshaped([4, 1])).doubles, tolerance: 1e-12))
        #expect(close(uj.doubles, dense.matmul(u.reshaped([3, 1]), transposingSelf: true).doubles, tolerance: 1e-12))
    }

    @Test func unusedTargetsGetZeroAndConstantsPassNoGradient() {
        let x = Variable(differentiable: Tensor([1.0, 2]))
        let unused = Variable(differentiable: Tensor([5.0]))
        let constant = Variable(Tensor([3.0, 4]))
        let grads = gradients(of: (x * constant).sum(), wrt: [x, unused, constant])
        #expect(grads[0].value.doubles == [3, 4])
        #expect(grads[1].value.doubles == [0])
        #expect(grads[2].value.doubles == [0, 0])
        #expect(!grads[0].requiresGradient)
    }

    /// A variable used many times accumulates every path's contribution.
    @Test func sharedSubexpressionsAccumulate() {
        let x = Variable(differentiable: Tensor([2.0]))
        let y = x * x
        let z = (y * x + y).sum()  // x³ + x², derivative 3x² + 2x = 16
        #expect(gradient(at: Tensor([2.0])) { x in ((x * x) * x + x * x).sum() }.doubles == [16])
        #expect(gradients(of: z, wrt: [x])[0].value.doubles == [16])
    }
}

func close(_ a: [Double], _ b: [Double], tolerance: Double) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) }
}
