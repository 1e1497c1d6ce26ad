import Autodiff
import Foundation
import Formats
import Layers
import StepRules
import Tensors

/// A small convolutional classifier of MNIST digits, trained by this library on the bundled
/// MNIST set, that scores generated digits the way the Inception network scores CIFAR-10 and
/// ImageNet samples (which cannot be downloaded here): its class probabilities give the
/// classifier score, its penultimate 128 features the Fréchet distance.
///
/// Network: conv 5×5 stride 2, 1 → 16, ReLU; conv 5×5 stride 2, 16 → 32, ReLU; flatten;
/// FC 2048 → 128, ReLU (the features); FC 128 → 10. Trained with Adam (lr 1e-3, batch 64) on
/// the first 8,000 of the 10,000 bundled images, in shuffled epochs; the last 2,000 are held out
/// for its accuracy and as the real images of the Fréchet distance.
public final class DigitClassifier {
    public let network: Sequential
    /// Layers up to and including the features.
    private var featureDepth: Int { 6 }

    /// Images held out from training (the last of the bundled set).
    public static let heldOutCount = 2000
    /// Where the trained weights ship with the package.
    public static let resourceName = "digit-classifier"
    /// Epochs the bundled classifier was trained for.
    public static let defaultEpochs = 20

    public init(seed: UInt64 = 0) {
        var random = RandomGenerator(seed: seed, stream: 7)
        network = Sequential([
            Conv2D(inputChannels: 1, outputChannels: 16, kernelSize: 5, stride: 2, using: &random), Activation(.relu),
            Conv2D(inputChannels: 16, outputChannels: 32, kernelSize: 5, stride: 2, using: &random), Activation(.relu),
            Flatten(), Linear(inputSize: 8 * 8 * 32, outputSize: 128, using: &random), Activation(.relu),
            Linear(inputSize: 128, outputSize: 10, using: &random),
        ])
    }

    /// The classifier trained as the package's was: `epochs` over the training part of `data`.
    /// `progress` gets (epoch, held-out accuracy) after each epoch.
    public static func train(on data: ImageDataset, epochs: Int = defaultEpochs, seed: UInt64 = 0,
                             progress: ((Int, Double) -> Void)? = nil) throws(FormatError) -> DigitClassifier {
        guard let labels = data.labels, data.count > heldOutCount, data.channels == 1 else {
            throw FormatError("the classifier trains on labelled single-channel digits; \(data.name) is not such a set")
        }
        let classifier = DigitClassifier(seed: seed)
        let training = data.count - heldOutCount
        let rule = Adam(learningRate: 1e-3)
        var state = OptimizerState()
        var random = RandomGenerator(seed: seed, stream: 8)
        let parameters = classifier.network.namedParameters
        for epoch in 0..<epochs {
            let order = random.permutation(training)
            for start in stride(from: 0, to: training - 63, by: 64) {
                let indices = Array(order[start..<(start + 64)])
                let loss = classifier.network(Variable(data.images(at: indices))).softmaxCrossEntropy(labels: indices.map { labels[$0] })
                let gradients = Autodiff.gradients(of: loss, wrt: parameters.map(\.parameter.variable))
                for (named, gradient) in zip(parameters, gradients) {
                    named.parameter.value = rule.step(named.parameter.value, gradient: gradient.value, state: &state[named.name])
                }
            }
            progress?(epoch + 1, classifier.heldOutAccuracy(data))
        }
        return classifier
    }

    /// The fraction of the held-out images of `data` classified correctly.
    public func heldOutAccuracy(_ data: ImageDataset) -> Double {
        let indices = Array((data.count - DigitClassifier.heldOutCount)..<data.count)
        let predicted = classes(data.images(at: indices))
        return Double(zip(predicted, indices).filter { $0 == data.labels![$1] }.count) / Double(indices.count)
    }

    /// Softmax class probabilities [n, 10] of images [n, 32, 32, 1] in [−1, 1].
    public func probabilities(_ images: Tensor) -> Tensor {
        inChunks(images) { network(Variable($0)).logSoftmax().exp().value }
    }

    /// The penultimate features [n, 128].
    public func features(_ images: Tensor) -> Tensor {
        inChunks(images) { chunk in
            network.layers.prefix(featureDepth).reduce(Variable(chunk)) { $1($0) }.value
        }
    }

    /// The most likely class of each image.
    public func classes(_ images: Tensor) -> [Int] {
        let p = probabilities(images).floats
        return (0..<images.shape[0]).map { row in (0..<10).max { p[row * 10 + $0] < p[row * 10 + $1] }! }
    }

    /// `body` over chunks of 500 images, the results stacked.
    private func inChunks(_ images: Tensor, _ body: (Tensor) -> Tensor) -> Tensor {
        let count = images.shape[0]
        let parts = stride(from: 0, to: count, by: 500).map { body(images.slice(alongAxis: 0, range: $0..<min($0 + 500, count))) }
        return Tensor.concatenate(parts, alongAxis: 0)
    }

    /// Writes the weights (PyTorch names) and the held-out accuracy as metadata.
    public func save(to path: String, accuracy: Double) throws(FormatError) {
        try Safetensors.write(Dictionary(uniqueKeysWithValues: network.namedParameters.map { ($0.name, $0.parameter.value) }),
                              metadata: ["held_out_accuracy": String(accuracy), "held_out_images": String(DigitClassifier.heldOutCount)],
                              to: path)
    }

    /// Weights written by ``save(to:accuracy:)``, and the accuracy stated with them.
    public static func load(from path: String) throws(FormatError) -> (classifier: DigitClassifier, accuracy: Double) {
        let (tensors, metadata) = try Safetensors.read(path)
        let classifier = DigitClassifier()
        for named in classifier.network.namedParameters {
            guard let tensor = tensors[named.name], tensor.shape == named.parameter.shape else {
                throw FormatError("lacks \(named.name) of shape \(named.parameter.shape); not a digit classifier", path: path)
            }
            named.parameter.value = tensor
        }
        guard let accuracy = metadata["held_out_accuracy"].flatMap(Double.init) else {
            throw FormatError("does not state its held-out accuracy", path: path)
        }
        return (classifier, accuracy)
    }

    /// The classifier shipped with the package.
    public static func bundled() throws(FormatError) -> (classifier: DigitClassifier, accuracy: Double) {
        guard let path = Bundle.module.path(forResource: resourceName, ofType: "safetensors", inDirectory: "MNIST") else {
            throw FormatError("the bundled digit classifier is missing from the package's resources")
        }
        return try load(from: path)
    }
}
