import Foundation
import Formats
import Tensors

/// Images for a GAN, in their native formats, as one float32 tensor [n, height, width, channels]
/// (NHWC) scaled to [−1, 1], with class labels where the format has them.
///
/// - ``mnist(images:labels:)``: MNIST IDX files, gzip-compressed or not; without paths, the
///   MNIST test set bundled with the package (10,000 digits), padded from 28×28 to 32×32.
/// - ``cifar10(files:)``: CIFAR-10 binary batches (`data_batch_1.bin` …), 3,073-byte records.
/// - ``pngFolder(_:size:)``: every `.png` in a folder, centre-cropped to a square and resized.
/// - ``numPy(_:)``: an `.npy` array [n, h, w, c] of uint8 (0–255) or floats in [−1, 1].
///
/// Malformed or truncated files give one error naming the file and what is wrong.
public struct ImageDataset: Sendable {
    public let name: String
    /// [n, height, width, channels], float32 in [−1, 1].
    public let images: Tensor
    /// The class of each image, when the format has one.
    public let labels: [Int]?

    public init(name: String, images: Tensor, labels: [Int]?) {
        self.name = name
        self.images = images
        self.labels = labels
    }

    public var count: Int { images.shape[0] }
    public var height: Int { images.shape[1] }
    public var width: Int { images.shape[2] }
    public var channels: Int { images.shape[3] }

    /// Bytes 0…255 to [−1, 1].
    static func scaled(_ bytes: [UInt8]) -> [Float] {
        bytes.map { Float($0) / 127.5 - 1 }
    }

    // MARK: MNIST

    /// The MNIST test set shipped with the package.
    public static func bundledMNIST() throws(FormatError) -> ImageDataset {
        guard let images = Bundle.module.path(forResource: "t10k-images-idx3-ubyte", ofType: "gz", inDirectory: "MNIST"),
              let labels = Bundle.module.path(forResource: "t10k-labels-idx1-ubyte", ofType: "gz", inDirectory: "MNIST") else {
            throw FormatError("the bundled MNIST files are missing from the package's resources")
        }
        return try mnist(images: images, labels: labels)
    }

    /// MNIST images [n, 28, 28] (and labels [n]) from IDX files, padded with the background to
    /// 32×32 as the reference networks expect.
    public static func mnist(images path: String, labels labelPath: String? = nil) throws(FormatError) -> ImageDataset {
        let raw = try IDX.read(path)
        guard raw.rank == 3 else {
            throw FormatError("holds an IDX array of shape \(raw.shape); MNIST images are [n, 28, 28]", path: path)
        }
        var labels: [Int]?
        if let labelPath {
            let values = try IDX.read(labelPath)
            guard values.shape == [raw.shape[0]] else {
                throw FormatError("holds \(values.shape) labels for \(raw.shape[0]) images", path: labelPath)
            }
            labels = values.floats.map { Int($0) }
        }
        let (n, h, w) = (raw.shape[0], raw.shape[1], raw.shape[2])
        // Padded with black (0) before scaling, so the border is the background, −1.
        let (top, left) = (max((32 - h) / 2, 0), max((32 - w) / 2, 0))
        let images = raw.reshaped([n, h, w, 1])
            .padded(before: [0, top, left, 0], after: [0, max(32 - h - top, 0), max(32 - w - left, 0), 0]) / 127.5 - 1
        return ImageDataset(name: "mnist", images: images, labels: labels)
    }

    // MARK: CIFAR-10

    /// The images and labels of CIFAR-10 binary batch files: records of one label byte then
    /// 3,072 bytes (the red, green and blue planes of a 32×32 image, row by row).
    public static func cifar10(files: [String]) throws(FormatError) -> ImageDataset {
        let recordSize = 1 + 3 * 32 * 32
        var pixels: [Float] = []
        var labels: [Int] = []
        for path in files {
            let bytes = try FileIO.read(path)
            guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
                throw FormatError("has \(bytes.count) bytes, not a whole number of \(recordSize)-byte CIFAR-10 records", path: path)
            }
            for record in stride(from: 0, to: bytes.count, by: recordSize) {
                guard bytes[record] < 10 else {
                    throw FormatError("record \(record / recordSize) has label \(bytes[record]); CIFAR-10 labels are 0–9", path: path)
                }
                labels.append(Int(bytes[record]))
                for pixel in 0..<1024 {
                    for channel in 0..<3 { pixels.append(Float(bytes[record + 1 + channel * 1024 + pixel]) / 127.5 - 1) }
                }
            }
        }
        guard !labels.isEmpty else { throw FormatError("no CIFAR-10 batch files were given") }
        return ImageDataset(name: "cifar10", images: Tensor(shape: [labels.count, 32, 32, 3], scalars: pixels), labels: labels)
    }

    /// The CIFAR-10 batches in a directory (`data_batch_*.bin`, or every `.bin` file).
    public static func cifar10(directory: String) throws(FormatError) -> ImageDataset {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        let batches = names.filter { $0.hasPrefix("data_batch_") && $0.hasSuffix(".bin") }
        let chosen = batches.isEmpty ? names.filter { $0.hasSuffix(".bin") } : batches
        guard !chosen.isEmpty else { throw FormatError("holds no CIFAR-10 .bin batch files", path: directory) }
        return try cifar10(files: chosen.map { directory + "/" + $0 })
    }

    // MARK: PNG folders

    /// Every `.png` in `directory`, centre-cropped to a square and resized to `size`×`size`
    /// (box filter when shrinking, nearest pixel when enlarging), RGB.
    public static func pngFolder(_ directory: String, size: Int) throws(FormatError) -> ImageDataset {
        guard FileIO.isDirectory(directory) else { throw FormatError("no such directory", path: directory) }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.lowercased().hasSuffix(".png") }.sorted()
        guard !names.isEmpty else { throw FormatError("holds no .png images", path: directory) }
        var pixels: [Float] = []
        pixels.reserveCapacity(names.count * size * size * 3)
        for name in names {
            pixels += scaled(centreCropped(try PNG.read(directory + "/" + name).image, to: size))
        }
        return ImageDataset(name: URL(fileURLWithPath: directory).lastPathComponent,
                            images: Tensor(shape: [names.count, size, size, 3], scalars: pixels), labels: nil)
    }

    /// The central square of an RGB image, resized to `size`×`size`: each output pixel averages
    /// the source pixels its area covers.
    static func centreCropped(_ image: (width: Int, height: Int, rgb: [UInt8]), to size: Int) -> [UInt8] {
        let side = min(image.width, image.height)
        let (left, top) = ((image.width - side) / 2, (image.height - side) / 2)
        var result = [UInt8](repeating: 0, count: size * size * 3)
        for y in 0..<size {
            let (y0, y1) = (top + y * side / size, top + max((y + 1) * side / size, y * side / size + 1))
            for x in 0..<size {
                let (x0, x1) = (left + x * side / size, left + max((x + 1) * side / size, x * side / size + 1))
                for channel in 0..<3 {
                    var total = 0
                    for sy in y0..<y1 {
                        for sx in x0..<x1 { total += Int(image.rgb[(sy * image.width + sx) * 3 + channel]) }
                    }
                    result[(y * size + x) * 3 + channel] = UInt8((total + (y1 - y0) * (x1 - x0) / 2) / ((y1 - y0) * (x1 - x0)))
                }
            }
        }
        return result
    }

    // MARK: .npy

    /// An `.npy` array [n, h, w, c]: uint8 (scaled from 0–255) or float32/float64 already in
    /// [−1, 1].
    public static func numPy(_ path: String) throws(FormatError) -> ImageDataset {
        let bytes = try FileIO.read(path)
        let images: Tensor
        if let (shape, values) = try? NumPyArray.decodeUInt8(bytes) {
            guard shape.count == 4 else { throw FormatError("holds an array of shape \(shape), not [n, h, w, c]", path: path) }
            images = Tensor(shape: shape, scalars: scaled(values))
        } else {
            let array: Tensor
            do {
                array = try NumPyArray.decode(bytes)
            } catch {
                throw FormatError(error.reason, path: path)
            }
            guard array.rank == 4 else { throw FormatError("holds an array of shape \(array.shape), not [n, h, w, c]", path: path) }
            let (low, high) = (array.min().item, array.max().item)
            guard low >= -1 && high <= 1 else {
                throw FormatError("holds floats in [\(low), \(high)]; give uint8 images or floats scaled to [−1, 1]", path: path)
            }
            images = array.converted(to: .float32)
        }
        guard images.shape[3] == 1 || images.shape[3] == 3 else {
            throw FormatError("has \(images.shape[3]) channels; images have 1 or 3", path: path)
        }
        return ImageDataset(name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, images: images, labels: nil)
    }

    // MARK: Use

    /// Checks that the images are `size`×`size` with `channels` channels, as a network makes them.
    public func check(size: Int, channels expected: Int?, for network: String) throws(FormatError) {
        guard height == size && width == size else {
            throw FormatError("the data set \(name) has \(height)×\(width) images, but \(network) makes \(size)×\(size) images")
        }
        if let expected, channels != expected {
            throw FormatError("the data set \(name) has \(channels)-channel images, but \(expected) were asked for")
        }
    }

    /// The images at `indices`, [indices.count, h, w, c].
    public func images(at indices: [Int]) -> Tensor {
        let size = height * width * channels
        var result = [Float](repeating: 0, count: indices.count * size)
        images.withUnsafeBufferPointer(as: Float.self) { source in
            for (row, index) in indices.enumerated() {
                for element in 0..<size { result[row * size + element] = source[index * size + element] }
            }
        }
        return Tensor(shape: [indices.count, height, width, channels], scalars: result)
    }
}
