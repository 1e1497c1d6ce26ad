import ArgumentParser
import Foundation
import GANNumerics

struct ClassifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier",
        abstract: "Train the digit classifier that scores MNIST samples, as the package's bundled one was trained.",
        discussion: """
            Trains a small CNN on the first 8,000 bundled MNIST test images (the last \(DigitClassifier.heldOutCount) \
            are held out), prints its held-out accuracy after each epoch, and writes its weights with \
            the accuracy as metadata. The defaults reproduce \
            Sources/Experiments/Resources/MNIST/\(DigitClassifier.resourceName).safetensors bit for bit.
            """)

    @Option(parsing: .unconditional, help: "Passes over the training images.")
    var epochs = DigitClassifier.defaultEpochs

    @Option(parsing: .unconditional, help: "The random seed of the weights and the shuffling.")
    var seed: UInt64 = 0

    @Option(help: "The output .safetensors file.")
    var out = "\(DigitClassifier.resourceName).safetensors"

    func validate() throws {
        guard epochs > 0 else { throw ValidationError("--epochs must be positive, got \(epochs)") }
    }

    func run() throws {
        do {
            let data = try ImageDataset.bundledMNIST()
            let start = Date()
            var accuracy = 0.0
            let classifier = try DigitClassifier.train(on: data, epochs: epochs, seed: seed) { epoch, heldOut in
                accuracy = heldOut
                print("epoch \(epoch): held-out accuracy \(String(format: "%.2f", 100 * heldOut))% (\(Int(Date().timeIntervalSince(start))) s)")
            }
            try classifier.save(to: out, accuracy: accuracy)
            print("\(out): held-out accuracy \(String(format: "%.2f", 100 * accuracy))% on \(DigitClassifier.heldOutCount) images")
        } catch {
            throw CommandFailure(error)
        }
    }
}
