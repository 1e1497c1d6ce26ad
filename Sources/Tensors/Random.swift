/// A seedable random number generator that gives the same numbers on every run and machine.
///
/// The bits come from Philox4x32-10 (Salmon, Moraes, Dror, Shaw: *Parallel random numbers: as easy
/// as 1, 2, 3*, SC 2011), a counter-based generator: block `i` of a stream is a fixed function of
/// `(counter: i, key: seed)`, so the state is two integers and can be saved in a checkpoint.
/// Uniform floats take the top 24 (Float) or 53 (Double) bits; normals use the Box–Muller
/// transform evaluated in `Double`.
public struct RandomGenerator: RandomNumberGenerator, Codable, Sendable, Equatable {
    /// The Philox key, derived from the seed.
    public private(set) var key: SIMD2<UInt32>
    /// The index of the next 128-bit block (words 0–1 of the Philox counter).
    public private(set) var blockIndex: UInt64
    /// The stream number (words 2–3 of the Philox counter).
    public let stream: UInt64
    private var buffer: SIMD4<UInt32> = .zero
    private var buffered = 0

    /// A generator for `seed`; distinct `stream`s of one seed are independent sequences.
    public init(seed: UInt64, stream: UInt64 = 0) {
        key = SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        blockIndex = 0
        self.stream = stream
    }

    /// One Philox4x32-10 block: ten rounds of the multiply–xor bijection on `counter` keyed by `key`.
    @inline(__always)
    public static func philoxBlock(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
        var (c0, c1, c2, c3) = (counter[0], counter[1], counter[2], counter[3])
        var (k0, k1) = (key[0], key[1])
        for round in 0..<10 {
            if round > 0 {
                k0 &+= 0x9E37_79B9
                k1 &+= 0xBB67_AE85
            }
            let product0 = UInt64(0xD251_1F53) &* UInt64(c0)
            let product1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
            (c0, c1, c2, c3) = (UInt32(truncatingIfNeeded: product1 >> 32) ^ c1 ^ k0, UInt32(truncatingIfNeeded: product1),
                                UInt32(truncatingIfNeeded: product0 >> 32) ^ c3 ^ k1, UInt32(truncatingIfNeeded: product0))
        }
        return SIMD4(c0, c1, c2, c3)
    }

    /// Reads a saved generator, refusing a state no generator can be in.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(SIMD2<UInt32>.self, forKey: .key)
        blockIndex = try container.decode(UInt64.self, forKey: .blockIndex)
        stream = try container.decode(UInt64.self, forKey: .stream)
        buffer = try container.decode(SIMD4<UInt32>.self, forKey: .buffer)
        buffered = try container.decode(Int.self, forKey: .buffered)
        guard (0...4).contains(buffered) else {
            throw DecodingError.dataCorruptedError(forKey: .buffered, in: container,
                                                   debugDescription: "\(buffered) buffered words (0...4 possible)")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case key, blockIndex, stream, buffer, buffered
    }

    /// The next 32 random bits.
    public mutating func nextUInt32() -> UInt32 {
        if buffered == 0 {
            let counter = SIMD4(UInt32(truncatingIfNeeded: blockIndex), UInt32(truncatingIfNeeded: blockIndex >> 32),
                                UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32))
            buffer = Self.philoxBlock(counter: counter, key: key)
            blockIndex &+= 1
            buffered = 4
        }
        buffered -= 1
        return buffer[3 - buffered]
    }

    /// Fills `words` with the next `words.count` values of ``nextUInt32()``, whole blocks at a
    /// time (the same numbers as calling it repeatedly, much faster).
    public mutating func fill(_ words: UnsafeMutableBufferPointer<UInt32>) {
        var index = 0
        while buffered > 0 && index < words.count {
            words[index] = nextUInt32()
            index += 1
        }
        let (k0, k1) = (key[0], key[1])
        let (stream0, stream1) = (UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32))
        let blocks = (words.count - index) / 4
        let start = blockIndex
        let target = words.baseAddress! + index
        for block in 0..<blocks {
            let counter = start &+ UInt64(block)
            let output = Self.philoxBlock(
                counter: SIMD4(UInt32(truncatingIfNeeded: counter), UInt32(truncatingIfNeeded: counter >> 32),
                               stream0, stream1),
                key: SIMD2(k0, k1))
            for lane in 0..<4 { target[4 * block + lane] = output[lane] }
        }
        blockIndex &+= UInt64(blocks)
        index += 4 * blocks
        while index < words.count {
            words[index] = nextUInt32()
            index += 1
        }
    }

    public mutating func next() -> UInt64 {
        let low = UInt64(nextUInt32())
        return UInt64(nextUInt32()) << 32 | low
    }

    /// A uniform number in [0, 1) with 53 random bits.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform number in [0, 1) with 24 random bits.
    public mutating func nextUnitFloat() -> Float {
        Float(nextUInt32() >> 8) * 0x1p-24
    }

    /// A pair of independent standard normal numbers (Box–Muller).
    public mutating func nextNormalPair() -> (Double, Double) {
        let u1 = 1 - nextUnitDouble()  // in (0, 1], so the logarithm is finite
        let u2 = nextUnitDouble()
        let radius = (-2 * Double.log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        return (radius * Double.cos(angle), radius * Double.sin(angle))
    }

    /// A random permutation of `0..<count` (Fisher–Yates).
    public mutating func permutation(_ count: Int) -> [Int] {
        var result = Array(0..<count)
        for index in stride(from: count - 1, to: 0, by: -1) {
            let other = Int(next() % UInt64(index + 1))
            result.swapAt(index, other)
        }
        return result
    }
}

extension Tensor {
    /// Independent draws from U[low, high).
    public static func uniform(
        _ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32,
        using generator: inout RandomGenerator
    ) -> Tensor {
        var result = Tensor(uninitializedShape: shape, dtype: dtype)
        switch dtype {
        case .float32:
            let pointer = result.mutablePointer(as: Float.self)
            let (a, b) = (Float(low), Float(high - low))
            for index in 0..<result.count { pointer[index] = a + b * generator.nextUnitFloat() }
        case .float64:
            result.withUnsafeMutableBufferPointer(as: Double.self) { buffer in
                for index in buffer.indices { buffer[index] = low + (high - low) * generator.nextUnitDouble() }
            }
        }
        return result
    }

    /// Independent draws from N(mean, std²) by the Box–Muller transform: in `Float` with the
    /// vectorised logarithm and sine/cosine for float32 (two 32-bit words per pair), by
    /// ``RandomGenerator/nextNormalPair()`` for float64.
    public static func normal(
        _ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32,
        using generator: inout RandomGenerator
    ) -> Tensor {
        let result = Tensor(uninitializedShape: shape, dtype: dtype)
        let count = result.count
        switch dtype {
        case .float32:
            let words = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: 2 * ((count + 1) / 2))
            defer { words.deallocate() }
            generator.fill(words)
            let (offset, scale) = (Float(mean), Float(std))
            let output = result.mutablePointer(as: Float.self)
            let pairsInside = count / 2
            // Sixteen pairs at a time, then one by one: the same numbers either way.
            var pair = 0
            while pair + 16 <= pairsInside {
                let words = UnsafeRawPointer(words.baseAddress! + 2 * pair).loadUnaligned(as: SIMD32<UInt32>.self)
                let (first, second) = FastFloatMath.boxMuller(words.evenHalf, words.oddHalf)
                let (firsts, seconds) = (offset + scale * first, offset + scale * second)
                for lane in 0..<16 {
                    output[2 * (pair + lane)] = firsts[lane]
                    output[2 * (pair + lane) + 1] = seconds[lane]
                }
                pair += 16
            }
            for pair in pair..<pairsInside {
                let (first, second) = FastFloatMath.boxMuller(words[2 * pair], words[2 * pair + 1])
                output[2 * pair] = offset + scale * first
                output[2 * pair + 1] = offset + scale * second
            }
            if count % 2 == 1 {
                output[count - 1] = offset + scale * FastFloatMath.boxMuller(words[2 * pairsInside], words[2 * pairsInside + 1]).0
            }
        case .float64:
            let output = result.mutablePointer(as: Double.self)
            for pair in 0..<(count + 1) / 2 {
                let (first, second) = generator.nextNormalPair()
                output[2 * pair] = mean + std * first
                if 2 * pair + 1 < count { output[2 * pair + 1] = mean + std * second }
            }
        }
        return result
    }
}
