import Autodiff

/// The pair of losses of a GAN, from the discriminator's logits on real and generated data
/// (the reference implementation's `--gan-type`). All use means over the batch.
public enum GANObjective: String, CaseIterable, Sendable {
    /// D: CE(D(x), 1) + CE(D(G(z)), 0); G non-saturating: CE(D(G(z)), 1). The paper's default.
    case standard
    /// D as `standard`; G minimax (saturating): −CE(D(G(z)), 0).
    case js = "JS"
    /// D as `standard`; G: mean(−D(G(z))).
    case kl = "KL"
    /// D: mean(tanh D(G(z)) − tanh D(x)); G: −mean(tanh D(G(z))).
    case tv
    /// An IPM without clipping. D: mean(D(G(z)) − D(x)); G: −mean(D(G(z))). With the
    /// `wgan-gp` penalty this is WGAN-GP (Gulrajani et al. 2017).
    case indicator
    /// The hinge loss (Lim & Ye 2017; Miyato et al. 2018): D: mean(max(0, 1 − D(x))) +
    /// mean(max(0, 1 + D(G(z)))); G: −mean(D(G(z))).
    case hinge

    /// (generator loss, discriminator loss) from the logits on real and generated samples.
    public func losses(realLogits: Variable, fakeLogits: Variable) -> (generator: Variable, discriminator: Variable) {
        switch self {
        case .standard, .js, .kl:
            let realTerm = realLogits.sigmoidCrossEntropy(target: 1).mean()
            let fakeTerm = fakeLogits.sigmoidCrossEntropy(target: 0).mean()
            let generator: Variable
            switch self {
            case .standard: generator = fakeLogits.sigmoidCrossEntropy(target: 1).mean()
            case .js: generator = -fakeTerm
            default: generator = -fakeLogits.mean()
            }
            return (generator, realTerm + fakeTerm)
        case .tv:
            let fake = fakeLogits.tanh().mean()
            return (-fake, fake - realLogits.tanh().mean())
        case .indicator:
            let fake = fakeLogits.mean()
            return (-fake, fake - realLogits.mean())
        case .hinge:
            return (-fakeLogits.mean(), (1 - realLogits).relu().mean() + (1 + fakeLogits).relu().mean())
        }
    }
}
