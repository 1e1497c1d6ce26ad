import Experiments
import Formats
import Foundation
import Testing
import Tensors

/// Every image format on small generated files, each malformed case, and the bundled MNIST.
@Suite struct ImageDatasetTests {
    @Test func bundledMNISTIsThereAndPadded() throws {
        let mnist = try ImageDataset.bundledMNIST()
        #expect(mnist.images.shape == [10_000, 32, 32, 1])
        #expect(mnist.labels?.count == 10_000 && Set(mnist.labels!) == Set(0..<10))
        #expect(mnist.images.min().item == -1 && mnist.images.max().item == 1)
        let first = mnist.images(at: [0])
        #expect((0..<32).allSatisfy { first[0, 0, $0, 0] == -1 && first[0, $0, 1, 0] == -1 })  // the padding
        #expect(mnist.labels![0] == 7)  // the first test digit is a 7
    }

    @Test func cifarBinaryRecords() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var record = [UInt8](repeating: 0, count: 3073)
        record[0] = 3
        record[1] = 255           // red of pixel (0, 0)
        record[1 + 1024 + 33] = 0  // green of pixel (1, 1) stays 0
        record[1 + 2048 + 1023] = 128
        try FileIO.write(record + record, to: root + "/data_batch_1.bin")
        let data = try ImageDataset.cifar10(directory: root)
        #expect(data.images.shape == [2, 32, 32, 3] && data.labels == [3, 3])
        #expect(data.images[0, 0, 0, 0] == 1 && data.images[0, 1, 1, 1] == -1)
        #expect(abs(data.images[1, 31, 31, 2] - (128 / 127.5 - 1)) < 1e-6)
        try FileIO.write(Array(record.dropLast()), to: root + "/data_batch_2.bin")
        #expect(throws: FormatError("has 3072 bytes, not a whole number of 3073-byte CIFAR-10 records", path: root + "/data_batch_2.bin")) {
            try ImageDataset.cifar10(directory: root)
        }
        #expect(throws: FormatError("holds no CIFAR-10 .bin batch files", path: root + "/none")) {
            try ImageDataset.cifar10(directory: root + "/none")
        }
    }

    @Test func pngFolderIsCroppedAndResized() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // 6×4: the central 4×4 square is columns 1…4; its left half white, right half black.
        var pixels = [UInt8](repeating: 0, count: 6 * 4 * 3)
        for y in 0..<4 { for x in 1...2 { for c in 0..<3 { pixels[(y * 6 + x) * 3 + c] = 255 } } }
        try FileIO.write(PNG.encode(rgb: pixels, width: 6, height: 4), to: root + "/a.png")
        try FileIO.write(text: "not an image", to: root + "/notes.txt")
        let data = try ImageDataset.pngFolder(root, size: 2)
        #expect(data.images.shape == [1, 2, 2, 3])
        #expect(data.images.floats == [1, 1, 1, -1, -1, -1, 1, 1, 1, -1, -1, -1])
        try FileIO.write(text: "broken", to: root + "/b.png")
        #expect(throws: FormatError.self) { try ImageDataset.pngFolder(root, size: 2) }
        do {
            _ = try ImageDataset.pngFolder(root, size: 2)
        } catch {
            #expect(error.description.contains("b.png"))
        }
    }

    @Test func numPyArraysOfBytesAndFloats() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let floats = Tensor(shape: [2, 3, 3, 1], scalars: (0..<18).map { Float($0) / 17 * 2 - 1 })
        try NumPyArray.write(floats, to: root + "/images.npy")
        #expect(try ImageDataset.numPy(root + "/images.npy").images.isEqual(to: floats))
        try NumPyArray.write(floats * 255, to: root + "/raw.npy")
        #expect(throws: FormatError.self) { try ImageDataset.numPy(root + "/raw.npy") }
        try NumPyArray.write(Tensor.zeros([4, 4]), to: root + "/flat.npy")
        #expect(throws: FormatError("holds an array of shape [4, 4], not [n, h, w, c]", path: root + "/flat.npy")) {
            try ImageDataset.numPy(root + "/flat.npy")
        }
    }

    @Test func aDataSetOfTheWrongSizeSaysSo() throws {
        let mnist = try ImageDataset.bundledMNIST()
        #expect(throws: FormatError("the data set mnist has 32×32 images, but resnet makes 64×64 images")) {
            try mnist.check(size: 64, channels: nil, for: "resnet")
        }
        try mnist.check(size: 32, channels: 1, for: "dcgan4")
    }
}
