import Games
import Numerics
import Spectral
import Testing
import Tensors

/// The small games where methods are understood, against their closed-form Jacobians.
@Suite struct SmallGameTests {
    /// ξ = (αφ − βθ, αθ + βφ): the field v = −ξ has Jacobian −[[α, −β], [β, α]], eigenvalues −α ∓ iβ.
    @Test(arguments: [(0.0, 1.0), (0.3, 2.0), (-0.5, 0.7)])
    func quadraticGameHasTheEigenvaluesItIsBuiltFrom(curvature: Double, interaction: Double) throws {
        let game = QuadraticGame(curvature: curvature, interaction: interaction, start: (0.4, -1.3))
        let jacobian = GameJacobian(game: game, batches: [()]).matrix
        #expect(jacobian.elements == [-curvature, interaction, -interaction, -curvature])
        let values = try EigenDecomposition(jacobian).eigenvalues
        #expect(agree(values, [Complex(-curvature, interaction), Complex(-curvature, -interaction)], tolerance: 1e-14))
    }

    /// Mescheder et al. (2018), §2: with the standard loss, at the equilibrium (0, 0) the field of
    /// the Dirac-GAN is v′ = [[0, −f′(0)], [f′(0), 0]] with f′(0) = ½ (purely imaginary
    /// eigenvalues ±i/2); R1 with weight γ adds −γ to the discriminator's diagonal, giving
    /// −γ/2 ± √(γ²/4 − ¼).
    @Test(arguments: [0.0, 0.3, 2.0])
    func diracGANAtTheEquilibrium(gamma: Double) throws {
        let game = DiracGAN(objective: .standard, penalty: gamma == 0 ? .none : .r1(weight: gamma), start: (0, 0))
        let field = FieldEvaluation(game, on: (), record: false).field.joined().map(\.item)
        #expect(field.allSatisfy { abs($0) < 1e-15 })
        let jacobian = GameJacobian(game: game, batches: [()]).matrix
        let expected = [0, 0.5, -0.5, -gamma]
        #expect(zip(jacobian.elements, expected).allSatisfy { abs($0 - $1) < 1e-12 }, "\(jacobian.elements)")
        let values = try EigenDecomposition(jacobian).eigenvalues
        let discriminant = Complex.sqrt(Complex(gamma * gamma / 4 - 0.25))
        let closedForm = [Complex(-gamma / 2) + discriminant, Complex(-gamma / 2) - discriminant]
        #expect(agree(values, closedForm, tolerance: 1e-12))
    }
}
