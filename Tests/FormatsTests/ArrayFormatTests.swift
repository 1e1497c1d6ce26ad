import Foundation
import Formats
import Testing
import Tensors

@Suite struct ArrayFormatTests {
    @Test func npyMatchesNumPy() throws {
        let expected = Tensor(shape: [2, 3], scalars: (0..<6).map { Float($0) / 4 })
        #expect(try NumPyArray.decode(Fixtures.npyFloat32).isEqual(to: expected))
        #expect(NumPyArray.encode(expected) == Fixtures.npyFloat32)
    }

    @Test func npyRoundTripsEveryShape() throws {
        for shape in [[], [0], [7], [2, 3, 4]] {
            let tensor = Tensor.range(to: Double(shape.reduce(1, *)), dtype: .float64).reshaped(shape)
            let decoded = try NumPyArray.decode(NumPyArray.encode(tensor))
            #expect(decoded.isEqual(to: tensor))
            #expect(NumPyArray.encode(tensor).count % 64 == (tensor.count * 8) % 64)
        }
    }

    /// `np.save(np.asfortranarray(np.arange(6, dtype='>f8').reshape(2, 3)))`, rebuilt here.
    @Test func npyReadsFortranOrderAndBigEndian() throws {
        var header = Array("{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3), }".utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(32) }
        header.append(10)
        var file: [UInt8] = [147, 78, 85, 77, 80, 89, 1, 0, UInt8(header.count), 0] + header
        for value in [0.0, 3, 1, 4, 2, 5] { file += withUnsafeBytes(of: value.bitPattern.bigEndian) { Array($0) } }
        #expect(try NumPyArray.decode(file).doubles == [0, 1, 2, 3, 4, 5])
    }

    @Test func npyErrorsSayWhatIsWrong() {
        #expect(throws: FormatError("not a .npy file (bad magic string)")) { try NumPyArray.decode(Array(repeating: 0, count: 20)) }
        #expect(throws: FormatError(".npy data has 20 bytes but shape [2, 3] of <f4 needs 24")) {
            try NumPyArray.decode(Array(Fixtures.npyFloat32.dropLast(4)))
        }
        var integer = Fixtures.npyFloat32
        integer[22] = UInt8(ascii: "i")
        #expect(throws: FormatError(".npy dtype '<i4' is not supported (only float32 and float64)")) {
            try NumPyArray.decode(integer)
        }
    }

    /// `np.save(np.array([1 + 2j, -0.5 - 0.25j]))` writes complex128 as interleaved (re, im).
    @Test func complexVectorsRoundTrip() throws {
        let file = NumPyArray.encodeComplex(real: [1, -0.5], imaginary: [2, -0.25])
        #expect(String(decoding: file[10..<40], as: UTF8.self).contains("'descr': '<c16'"))
        #expect(file.count % 64 == 32)
        let (real, imaginary) = try NumPyArray.decodeComplex(file)
        #expect(real == [1, -0.5] && imaginary == [2, -0.25])
        #expect(throws: FormatError.self) { try NumPyArray.decodeComplex(Fixtures.npyFloat32) }
    }

    @Test func safetensorsMatchesTheReferenceLibrary() throws {
        let (tensors, metadata) = try Safetensors.decode(Fixtures.safetensors)
        #expect(metadata == ["step": "7"])
        #expect(tensors["generator.layers.0.weight"]?.floats == [1.5, -2, 0.25, 4])
        #expect(tensors["generator.layers.0.weight"]?.shape == [2, 2])
        #expect(tensors["b"]?.dtype == .float64)
        #expect(Safetensors.encode(tensors, metadata: metadata) == Fixtures.safetensors)
    }

    /// Counters (BatchNorm's `num_batches_tracked`) are I64 in PyTorch's files: written as I64,
    /// read back as exact doubles; the bytes are checked against the layout worked out by hand.
    @Test func safetensorsCountersAreIntegers() throws {
        let tensors = ["count": Tensor.scalar(300, dtype: .float64)]
        let bytes = Safetensors.encode(tensors, integers: ["count"])
        let header = #"{"count":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}"#
        let padded = Array(header.utf8) + [UInt8](repeating: 0x20, count: (8 - header.utf8.count % 8) % 8)
        #expect(bytes == [UInt8(padded.count), 0, 0, 0, 0, 0, 0, 0] + padded + [44, 1, 0, 0, 0, 0, 0, 0])  // 300 = 0x012C
        let read = try Safetensors.decode(bytes).tensors
        #expect(read["count"]?.dtype == .float64 && read["count"]?.doubles == [300])
    }

    @Test func safetensorsErrorsSayWhatIsWrong() {
        #expect(throws: FormatError("too short for a safetensors file (3 bytes)")) { try Safetensors.decode([1, 2, 3]) }
        var tooLong = Fixtures.safetensors
        tooLong[0] = 0xFF
        tooLong[1] = 0xFF
        #expect(throws: FormatError("header length 65535 exceeds the file size 200")) { try Safetensors.decode(tooLong) }
        #expect(throws: FormatError("data section has 1 stray bytes")) { try Safetensors.decode(Fixtures.safetensors + [0]) }
        #expect(throws: FormatError.self) { try Safetensors.decode(Array(Fixtures.safetensors.dropLast(4))) }
        let garbage: [UInt8] = [4, 0, 0, 0, 0, 0, 0, 0] + Array("nope".utf8)
        #expect(throws: FormatError("header is not a JSON object")) { try Safetensors.decode(garbage) }
    }

    /// Extents whose product overflows (they crashed the readers) are errors.
    @Test func overflowingShapesAreErrors() throws {
        var header = Array(#"{"w":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}}"#.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        let file = (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) } + header + [0, 0, 0, 0]
        #expect(throws: FormatError("entry 'w' has shape [1099511627776, 1099511627776], which is negative or too large")) {
            try Safetensors.decode(file)
        }
        /// A version 1.0 `.npy` file with this header text and data.
        func npy(_ header: String, data: [UInt8]) -> [UInt8] {
            var text = Array(header.utf8)
            while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
            text.append(0x0A)
            return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text + data
        }
        let huge = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", data: [UInt8](repeating: 0, count: 8))
        #expect(throws: FormatError(".npy shape [4294967296, 4294967296] is too large")) { try NumPyArray.decode(huge) }
        // (−1,) is refused, not read as (1,).
        let negative = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", data: [UInt8](repeating: 0, count: 8))
        #expect(throws: FormatError(".npy shape (-1,) has an extent that is not a non-negative integer")) {
            try NumPyArray.decode(negative)
        }
        let scalar = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", data: [0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        #expect(try NumPyArray.decode(scalar).item == 1)
    }

    @Test func filesAreWrittenAtomicallyAndMissingFilesNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gan-numerics-\(UUID())").path
        try FileIO.makeDirectory(directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/weights.safetensors"
        try Safetensors.write(["w": Tensor([Float(1), 2])], to: path)
        try Safetensors.write(["w": Tensor([Float(3), 4])], to: path)
        #expect(try Safetensors.read(path).tensors["w"]?.floats == [3, 4])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["weights.safetensors"])
        #expect(throws: FormatError("no such file", path: directory + "/missing.npy")) {
            try NumPyArray.read(directory + "/missing.npy")
        }
        #expect(throws: FormatError("cannot be written (is the directory there and writable?)", path: "/nonexistent/x.npy")) {
            try NumPyArray.write(Tensor([1.0]), to: "/nonexistent/x.npy")
        }
    }
}
