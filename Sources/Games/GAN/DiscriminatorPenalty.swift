import Autodiff
import Tensors

/// A penalty on the discriminator's gradient with respect to its input, added to its loss.
///
/// - `r1`: (γ/2)·E_x‖∇_x D(x)‖² on real data (Mescheder, Geiger & Nowozin 2018, "Which training
///   methods for GANs do actually converge?", eq. 9): locally convergent for the Dirac-GAN and
///   beyond.
/// - `r2`: the same on generated samples, held constant with respect to the generator.
/// - `wganGP`: λ·E_x̂(‖∇_x̂ D(x̂)‖ − 1)² at x̂ = εx + (1 − ε)G(z), ε ~ U[0, 1] per sample
///   (Gulrajani et al. 2017, "Improved training of Wasserstein GANs"), with the `indicator`
///   objective this is WGAN-GP.
public enum DiscriminatorPenalty: Sendable, Equatable {
    case none
    case r1(weight: Double)
    case r2(weight: Double)
    case wganGP(weight: Double)

    /// Whether batches need the interpolation coefficients ε.
    public var needsInterpolation: Bool {
        if case .wganGP = self { return true }
        return false
    }

    /// The penalty for a batch: `real` and `fake` samples (fake held constant), and ε per sample
    /// for WGAN-GP; nil for `none`.
    func value(discriminator: (Variable) -> Variable, real: Tensor, fake: Tensor, interpolation: Tensor?) -> Variable? {
        switch self {
        case .none:
            return nil
        case .r1(let weight):
            return Self.meanSquaredGradientNorm(discriminator, at: real) * (weight / 2)
        case .r2(let weight):
            return Self.meanSquaredGradientNorm(discriminator, at: fake) * (weight / 2)
        case .wganGP(let weight):
            guard let epsilon = interpolation else {
                preconditionFailure("DiscriminatorPenalty.wganGP: the batch has no interpolation coefficients")
            }
            let mixed = real * epsilon + fake * (1 - epsilon)
            let input = Variable(differentiable: mixed)
            let gradient = gradients(of: discriminator(input).sum(), wrt: [input], createGraph: true)[0]
            let norms = (gradient.squared().sum(alongAxes: Array(1..<gradient.rank)) + 1e-12).squareRoot()
            return (norms - 1).squared().mean() * weight
        }
    }

    /// E‖∇_x D(x)‖² over the batch, recorded (each sample's logit depends on its own input only,
    /// so the gradient of their sum holds every per-sample gradient).
    private static func meanSquaredGradientNorm(_ discriminator: (Variable) -> Variable, at samples: Tensor) -> Variable {
        let input = Variable(differentiable: samples)
        let gradient = gradients(of: discriminator(input).sum(), wrt: [input], createGraph: true)[0]
        return gradient.squared().sum() * (1 / Double(samples.shape[0]))
    }
}
