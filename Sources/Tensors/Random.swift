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
    public static func philoxBlock(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
        var c = counter
        var k = key
        for round in 0..<10 {
            if round > 0 { k &+= SIMD2(0x9E37_79B9, 0xBB67_AE85) }
            let product0 = UInt64(0xD251_1F53) &* UInt64(c[0])
            let product1 = UInt64(0xCD9E_8D57) &* UInt64(c[2])
            c = SIMD4(UInt32(truncatingIfNeeded: product1 >> 32) ^ c[1] ^ k[0],
                      UInt32(truncatingIfNeeded: product1),
                      UInt32(truncatingIfNeeded: product0 >> 32) ^ c[3] ^ k[1],
                      UInt32(truncatingIfNeeded: product0))
        }
        return c
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

    /// Independent draws from N(mean, std²).
    public static func normal(
        _ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32,
        using generator: inout RandomGenerator
    ) -> Tensor {
        var values = [Double](repeating: 0, count: checkedElementCount(shape, op: "normal"))
        var index = 0
        while index < values.count {
            let (first, second) = generator.nextNormalPair()
            values[index] = mean + std * first
            if index + 1 < values.count { values[index + 1] = mean + std * second }
            index += 2
        }
        return Tensor(shape: shape, scalars: values).converted(to: dtype)
    }
}
