import Formats
import Testing
import Tensors

@Suite struct CompressionTests {
    @Test func checksumsMatchKnownValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        var adler = Adler32()
        adler.update(Array("Wikipedia".utf8))
        #expect(adler.value == 0x11E6_0398)
    }

    @Test func readsFilesWrittenByPython() throws {
        #expect(try Inflate.gunzip(Fixtures.gzip) == Array("hello hello hello gzip world".utf8))
        #expect(try Inflate.zlibDecompress(Fixtures.zlib) == (0..<3).flatMap { _ in (0..<50).map(UInt8.init) })
    }

    @Test(arguments: [0, 1, 100, 70_000])
    func roundTrip(size: Int) throws {
        var generator = RandomGenerator(seed: UInt64(size))
        let random = (0..<size).map { _ in UInt8(truncatingIfNeeded: generator.nextUInt32()) }
        let repetitive = (0..<size).map { UInt8(($0 / 7) % 5) }
        for input in [random, repetitive] {
            let compressed = Deflate.zlibCompress(input)
            #expect(try Inflate.zlibDecompress(compressed) == input)
        }
        if size == 70_000 { #expect(Deflate.zlibCompress(repetitive).count < size / 50) }
    }

    @Test func corruptDataIsReported() {
        #expect(throws: Inflate.DataError(description: "not a gzip file (bad magic bytes at offset 0)")) {
            try Inflate.gunzip(Array(repeating: 0, count: 40))
        }
        var badChecksum = Fixtures.gzip
        badChecksum[badChecksum.count - 8] ^= 1
        #expect(throws: Inflate.DataError(description: "gzip CRC-32 mismatch")) { try Inflate.gunzip(badChecksum) }
        #expect(throws: Inflate.DataError.self) { try Inflate.gunzip(Array(Fixtures.gzip.prefix(25))) }
        var badAdler = Fixtures.zlib
        badAdler[badAdler.count - 1] ^= 1
        #expect(throws: Inflate.DataError(description: "zlib checksum mismatch")) { try Inflate.zlibDecompress(badAdler) }
    }
}
