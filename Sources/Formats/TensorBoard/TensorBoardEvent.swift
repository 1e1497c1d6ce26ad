/// One record of a TensorBoard event file: TensorFlow's `Event` message
/// (`tensorflow/core/util/event.proto`) with a `file_version` or a `Summary`
/// (`tensorflow/core/framework/summary.proto`) of scalars, PNG images and histograms.
public struct TensorBoardEvent: Equatable, Sendable {
    /// Seconds since 1970 when the event was written.
    public var wallTime: Double
    public var step: Int64
    public var content: Content

    public enum Content: Equatable, Sendable {
        /// The first event of a file: "brain.Event:2".
        case fileVersion(String)
        case summary([SummaryValue])
    }

    public init(wallTime: Double, step: Int64, content: Content) {
        self.wallTime = wallTime
        self.step = step
        self.content = content
    }

    /// The file version TensorBoard expects in the first event.
    public static let fileVersion = "brain.Event:2"

    /// The message's bytes: `wall_time` = 1 (double), `step` = 2 (int64), `file_version` = 3
    /// (string), `summary` = 5 (message).
    public func encoded() -> [UInt8] {
        var writer = ProtocolBuffer.Writer()
        writer.double(1, wallTime)
        writer.integer(2, step)
        switch content {
        case .fileVersion(let version): writer.string(3, version)
        case .summary(let values):
            writer.message(5) { summary in
                for value in values { summary.message(1) { value.encode(into: &$0) } }
            }
        }
        return writer.bytes
    }

    /// Reads an `Event` message; fields this project does not write are skipped, as protocol
    /// buffers allow, and an event with neither a version nor a summary is an empty summary.
    public init(decoding message: ArraySlice<UInt8>) throws(FormatError) {
        wallTime = 0
        step = 0
        content = .summary([])
        for (number, value) in try ProtocolBuffer.fields(of: message) {
            switch number {
            case 1: wallTime = try expect(value.double, "Event.wall_time")
            case 2: step = try expect(value.integer, "Event.step")
            case 3: content = .fileVersion(String(decoding: try expect(value.bytes, "Event.file_version"), as: UTF8.self))
            case 5:
                var values: [SummaryValue] = []
                for (field, entry) in try ProtocolBuffer.fields(of: try expect(value.bytes, "Event.summary")) where field == 1 {
                    values.append(try SummaryValue(decoding: try expect(entry.bytes, "Summary.value")))
                }
                content = .summary(values)
            default: continue
            }
        }
    }
}

/// One tagged value of a `Summary`.
public struct SummaryValue: Equatable, Sendable {
    /// The series' name; slashes group series in TensorBoard (`loss/generator`).
    public var tag: String
    public var kind: Kind

    public enum Kind: Equatable, Sendable {
        /// `simple_value` = 2 (float).
        case scalar(Float)
        /// `image` = 4.
        case image(EncodedImage)
        /// `histo` = 5.
        case histogram(Histogram)
    }

    public init(tag: String, kind: Kind) {
        self.tag = tag
        self.kind = kind
    }

    func encode(into writer: inout ProtocolBuffer.Writer) {
        writer.string(1, tag)
        switch kind {
        case .scalar(let value): writer.float(2, value)
        case .image(let image):
            writer.message(4) { message in
                message.integer(1, Int64(image.height))
                message.integer(2, Int64(image.width))
                message.integer(3, Int64(image.colorspace))
                message.bytes(4, image.encoded)
            }
        case .histogram(let histogram):
            writer.message(5) { message in
                message.double(1, histogram.minimum)
                message.double(2, histogram.maximum)
                message.double(3, histogram.count)
                message.double(4, histogram.sum)
                message.double(5, histogram.sumOfSquares)
                message.packedDoubles(6, histogram.bucketLimits)
                message.packedDoubles(7, histogram.bucketCounts)
            }
        }
    }

    init(decoding message: ArraySlice<UInt8>) throws(FormatError) {
        tag = ""
        kind = .scalar(.nan)
        for (number, value) in try ProtocolBuffer.fields(of: message) {
            switch number {
            case 1: tag = String(decoding: try expect(value.bytes, "Summary.Value.tag"), as: UTF8.self)
            case 2: kind = .scalar(try expect(value.float, "Summary.Value.simple_value"))
            case 4:
                var image = EncodedImage(height: 0, width: 0, colorspace: 0, encoded: [])
                for (field, entry) in try ProtocolBuffer.fields(of: try expect(value.bytes, "Summary.Value.image")) {
                    switch field {
                    case 1: image.height = Int(try expect(entry.integer, "Summary.Image.height"))
                    case 2: image.width = Int(try expect(entry.integer, "Summary.Image.width"))
                    case 3: image.colorspace = Int(try expect(entry.integer, "Summary.Image.colorspace"))
                    case 4: image.encoded = Array(try expect(entry.bytes, "Summary.Image.encoded_image_string"))
                    default: continue
                    }
                }
                kind = .image(image)
            case 5:
                var histogram = Histogram(minimum: 0, maximum: 0, count: 0, sum: 0, sumOfSquares: 0, bucketLimits: [], bucketCounts: [])
                for (field, entry) in try ProtocolBuffer.fields(of: try expect(value.bytes, "Summary.Value.histo")) {
                    switch field {
                    case 1: histogram.minimum = try expect(entry.double, "HistogramProto.min")
                    case 2: histogram.maximum = try expect(entry.double, "HistogramProto.max")
                    case 3: histogram.count = try expect(entry.double, "HistogramProto.num")
                    case 4: histogram.sum = try expect(entry.double, "HistogramProto.sum")
                    case 5: histogram.sumOfSquares = try expect(entry.double, "HistogramProto.sum_squares")
                    case 6: histogram.bucketLimits = try expect(entry.packedDoubles, "HistogramProto.bucket_limit")
                    case 7: histogram.bucketCounts = try expect(entry.packedDoubles, "HistogramProto.bucket")
                    default: continue
                    }
                }
                kind = .histogram(histogram)
            default: continue
            }
        }
    }
}

/// `Summary.Image`: an encoded (PNG) picture and its size.
public struct EncodedImage: Equatable, Sendable {
    public var height: Int
    public var width: Int
    /// 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA.
    public var colorspace: Int
    public var encoded: [UInt8]

    public init(height: Int, width: Int, colorspace: Int, encoded: [UInt8]) {
        self.height = height
        self.width = width
        self.colorspace = colorspace
        self.encoded = encoded
    }

    /// An RGB picture, PNG-encoded.
    public init(_ image: RGBImage) {
        self.init(height: image.height, width: image.width, colorspace: 3, encoded: image.png())
    }
}

/// `HistogramProto`: bucket `i` counts the values in (bucketLimits[i − 1], bucketLimits[i]],
/// the first from −∞.
public struct Histogram: Equatable, Sendable {
    public var minimum: Double
    public var maximum: Double
    public var count: Double
    public var sum: Double
    public var sumOfSquares: Double
    public var bucketLimits: [Double]
    public var bucketCounts: [Double]

    public init(minimum: Double, maximum: Double, count: Double, sum: Double, sumOfSquares: Double,
                bucketLimits: [Double], bucketCounts: [Double]) {
        self.minimum = minimum
        self.maximum = maximum
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
        self.bucketLimits = bucketLimits
        self.bucketCounts = bucketCounts
    }

    /// The histogram of the finite `values` in `bucketCount` equal buckets between their least
    /// and greatest (one bucket when they are all equal).
    public init(_ values: [Double], bucketCount: Int = 30) {
        let finite = values.filter(\.isFinite)
        let (low, high) = (finite.min() ?? 0, finite.max() ?? 0)
        let buckets = high > low ? max(bucketCount, 1) : 1
        let width = (high - low) / Double(buckets)
        let limits = (1...buckets).map { $0 == buckets ? high : low + Double($0) * width }
        var counts = [Double](repeating: 0, count: buckets)
        for value in finite {
            let index = width > 0 ? min(Int(((value - low) / width).rounded(.up)) - 1, buckets - 1) : 0
            counts[max(index, 0)] += 1
        }
        self.init(minimum: low, maximum: high, count: Double(finite.count), sum: finite.reduce(0, +),
                  sumOfSquares: finite.reduce(0) { $0 + $1 * $1 }, bucketLimits: limits, bucketCounts: counts)
    }
}

/// The value of a field, or an error naming the field when it has the wrong wire type.
private func expect<T>(_ value: T?, _ field: String) throws(FormatError) -> T {
    guard let value else { throw FormatError("protocol buffer: \(field) has the wrong wire type") }
    return value
}
