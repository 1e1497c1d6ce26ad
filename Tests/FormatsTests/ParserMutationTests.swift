import Experiments
import Formats
import Foundation
import Testing
import Tensors

/// A quick, deterministic stand-in for the libFuzzer runs (`Fuzz/run.sh`): every seed of the fuzz
/// corpus, mutated a few hundred ways (bit flips, boundary bytes, truncation, duplication,
/// insertion), goes through its parser. Each must return or throw; a crash fails the suite.
@Suite struct ParserMutationTests {
    /// The seed files of one fuzz target.
    static func corpus(_ target: String) throws -> [[UInt8]] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Fuzz/corpus/\(target)").standardized.path
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        return try names.map { try FileIO.read(directory + "/" + $0) }
    }

    /// `count` mutants of `seed`, the same on every run.
    static func mutants(of seed: [UInt8], count: Int, stream: UInt64) -> [[UInt8]] {
        var random = RandomGenerator(seed: 2026, stream: stream)
        func index(_ bound: Int) -> Int { Int(random.next() % UInt64(max(bound, 1))) }
        return (0..<count).map { _ in
            var bytes = seed
            for _ in 0...index(3) {
                switch index(6) {
                case 0 where !bytes.isEmpty: bytes[index(bytes.count)] ^= 1 << UInt8(index(8))
                case 1 where !bytes.isEmpty: bytes[index(bytes.count)] = [0, 0xFF, 0x7F, 0x80, 0x01, 0x20][index(6)]
                case 2: bytes = Array(bytes.prefix(index(bytes.count + 1)))
                case 3 where !bytes.isEmpty:
                    let start = index(bytes.count)
                    bytes.insert(contentsOf: bytes[start..<min(bytes.count, start + 1 + index(16))], at: index(bytes.count))
                case 4: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: index(bytes.count + 1))
                default:
                    // A large little- or big-endian integer where a length or extent may be.
                    guard bytes.count >= 8 else { break }
                    let position = index(bytes.count - 7)
                    for offset in 0..<8 { bytes[position + offset] = offset < 5 ? 0xFF : 0x7F }
                }
            }
            return bytes
        }
    }

    /// Runs `parse` on every mutant of every seed of `target`.
    static func check(_ target: String, stream: UInt64, parse: ([UInt8]) -> Void) throws {
        let seeds = try corpus(target)
        #expect(!seeds.isEmpty, "no seeds for \(target)")
        for seed in seeds {
            parse(seed)
            for mutant in mutants(of: seed, count: 300, stream: stream) { parse(mutant) }
        }
    }

    @Test func tensorBoard() throws {
        try Self.check("TensorBoard", stream: 8) { bytes in
            _ = try? TFRecord.records(in: bytes).map { record throws(FormatError) in try TensorBoardEvent(decoding: record) }
        }
    }

    @Test func safetensors() throws {
        try Self.check("Safetensors", stream: 1) { _ = try? Safetensors.decode($0) }
    }

    @Test func numPy() throws {
        try Self.check("NumPy", stream: 2) { bytes in
            _ = try? NumPyArray.decode(bytes)
            _ = try? NumPyArray.decodeComplex(bytes)
        }
    }

    @Test func idx() throws {
        try Self.check("IDX", stream: 3) { _ = try? IDX.decode($0) }
    }

    @Test func png() throws {
        try Self.check("PNG", stream: 4) { _ = try? PNG.decode($0) }
    }

    @Test func inflate() throws {
        try Self.check("Inflate", stream: 5) { bytes in
            _ = try? Inflate.decompress(bytes)
            _ = try? Inflate.zlibDecompress(bytes)
        }
    }

    @Test func gzip() throws {
        try Self.check("Gzip", stream: 6) { _ = try? Inflate.gunzip($0) }
    }

    @Test func configuration() throws {
        try Self.check("Configuration", stream: 7) { bytes in
            if let configuration = try? JSON.decode(TrainingConfiguration.self, from: bytes) {
                try? configuration.validate()
            }
            if let state = try? JSON.decode(RunState.self, from: bytes) { try? state.configuration.validate() }
        }
    }
}
