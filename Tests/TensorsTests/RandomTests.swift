import Foundation
import Testing
@testable import Tensors

@Suite struct RandomTests {
    /// Known-answer vectors of Random123's kat_vectors file.
    @Test func philoxMatchesPublishedVectors() {
        #expect(RandomGenerator.philoxBlock(counter: .zero, key: .zero)
                == SIMD4(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8))
        #expect(RandomGenerator.philoxBlock(counter: SIMD4(repeating: .max), key: SIMD2(repeating: .max))
                == SIMD4(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd))
        #expect(RandomGenerator.philoxBlock(counter: SIMD4(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344),
                                            key: SIMD2(0xa409_3822, 0x299f_31d0))
                == SIMD4(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1))
    }

    /// Seed 0 is key (0, 0) and the first block is counter 0, so the first floats follow from the
    /// published vector: the top 24 bits of each word scaled by 2⁻²⁴.
    @Test func seedZeroGivesFixedFloats() {
        var generator = RandomGenerator(seed: 0)
        let values = Tensor.uniform([4], using: &generator).floats
        let words: [UInt32] = [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]
        #expect(values == words.map { Float($0 >> 8) * 0x1p-24 })
        // The next block is counter 1.
        let next = RandomGenerator.philoxBlock(counter: SIMD4(1, 0, 0, 0), key: .zero)
        #expect(generator.nextUInt32() == next[0])
    }

    @Test func sameSeedSameNumbersDifferentSeedDifferent() {
        var a = RandomGenerator(seed: 42)
        var b = RandomGenerator(seed: 42)
        var c = RandomGenerator(seed: 43)
        let x = Tensor.normal([1000], using: &a)
        #expect(x.isEqual(to: Tensor.normal([1000], using: &b)))
        #expect(!x.isEqual(to: Tensor.normal([1000], using: &c)))
        var stream = RandomGenerator(seed: 42, stream: 1)
        #expect(!x.isEqual(to: Tensor.normal([1000], using: &stream)))
    }

    /// The float32 normals, sixteen pairs at a time, are bit for bit the one-pair Box–Muller
    /// transform of the same words (and of the same words drawn one by one).
    @Test func vectorisedNormalsMatchTheScalarTransform() {
        for count in [1, 31, 32, 33, 1001] {
            var (drawn, words) = (RandomGenerator(seed: 9, stream: 2), RandomGenerator(seed: 9, stream: 2))
            let normals = Tensor.normal([count], mean: 0.5, std: 3, using: &drawn).floats
            let expected = (0..<(count + 1) / 2).flatMap { _ -> [Float] in
                let (x, y) = FastFloatMath.boxMuller(words.nextUInt32(), words.nextUInt32())
                return [0.5 + 3 * x, 0.5 + 3 * y]
            }
            #expect(normals.map(\.bitPattern) == expected.prefix(count).map(\.bitPattern), "\(count) normals")
        }
    }

    @Test func normalAndUniformMoments() {
        var generator = RandomGenerator(seed: 9)
        let n = 200_000.0
        let normal = Tensor.normal([200_000], mean: 1, std: 2, dtype: .float64, using: &generator)
        let mean = normal.mean().item
        let variance = (normal - mean).squared().mean().item
        #expect(Swift.abs(mean - 1) < 4 * 2 / n.squareRoot())
        #expect(Swift.abs(variance - 4) < 0.05)
        // The float32 path (vectorised Box–Muller): moments, tails and the even/odd pairing.
        let single = Tensor.normal([200_001], dtype: .float32, using: &generator).doubles
        let singleMean = single.reduce(0, +) / Double(single.count)
        let singleVariance = single.reduce(0) { $0 + ($1 - singleMean) * ($1 - singleMean) } / Double(single.count)
        #expect(Swift.abs(singleMean) < 0.01 && Swift.abs(singleVariance - 1) < 0.02)
        let tail = Double(single.filter { Swift.abs($0) > 2 }.count) / Double(single.count)
        #expect(Swift.abs(tail - 0.0455) < 0.003)
        let lag = zip(single.dropFirst(), single).reduce(0) { $0 + $1.0 * $1.1 } / Double(single.count)
        #expect(Swift.abs(lag) < 0.01)
        let allFinite = single.allSatisfy { $0.isFinite }
        #expect(allFinite)
        let uniform = Tensor.uniform([200_000], low: -1, high: 3, dtype: .float64, using: &generator)
        #expect(Swift.abs(uniform.mean().item - 1) < 0.02)
        #expect(uniform.min().item >= -1 && uniform.max().item < 3)
    }

    @Test func permutationIsAPermutation() {
        var generator = RandomGenerator(seed: 3)
        let p = generator.permutation(100)
        #expect(p.sorted() == Array(0..<100))
        #expect(p != Array(0..<100))
    }

    @Test func stateRoundTripsThroughCodable() throws {
        var generator = RandomGenerator(seed: 5)
        _ = generator.nextUInt32()
        let saved = generator
        let expected = (0..<10).map { _ in generator.nextUInt32() }
        var restored = try JSONDecoder().decode(RandomGenerator.self, from: JSONEncoder().encode(saved))
        #expect((0..<10).map { _ in restored.nextUInt32() } == expected)
    }
}
