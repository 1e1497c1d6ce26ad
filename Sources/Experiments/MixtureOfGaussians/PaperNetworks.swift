import Layers
import Tensors

/// The networks of the paper's mixture-of-Gaussians experiment (2,003 parameters in all).
public enum PaperNetworks {
    /// G: z ∈ R^latent → `depth` fully connected ReLU layers of `width` → R² (linear).
    public static func generator(latentSize: Int = 16, width: Int = 16, depth: Int = 4,
                                 initializer: Initializer = .xavierUniform,
                                 using generator: inout RandomGenerator) -> MultilayerPerceptron {
        MultilayerPerceptron(sizes: [latentSize] + Array(repeating: width, count: depth) + [2],
                             initializer: initializer, using: &generator)
    }

    /// D: R² → `depth` fully connected ReLU layers of `width` → one logit.
    public static func discriminator(width: Int = 16, depth: Int = 4, initializer: Initializer = .xavierUniform,
                                     using generator: inout RandomGenerator) -> MultilayerPerceptron {
        MultilayerPerceptron(sizes: [2] + Array(repeating: width, count: depth) + [1],
                             initializer: initializer, using: &generator)
    }
}
