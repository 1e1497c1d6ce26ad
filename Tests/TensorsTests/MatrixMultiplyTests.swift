import Testing
import Tensors

@Suite struct MatrixMultiplyTests {
    /// Around the kernels' widths: one and two vectors of float64 (8, 16) and float32 (16, 32),
    /// partial and whole, and past them.
    static let extents = [1, 7, 12, 16, 17, 32, 33, 129]

    @Test(arguments: extents, extents)
    func matchesReferenceForEveryTransposition(m: Int, n: Int) {
        for k in [1, 17, 129] {
            let a = sample([m, k], seed: 1)
            let b = sample([k, n], seed: 2)
            let expected = Reference.matmul(a.doubles, b.doubles, m: m, n: n, k: k)
            let aT = a.transposed()
            let bT = b.transposed()
            #expect(close(a.matmul(b).doubles, expected), "\(m)×\(k)·\(k)×\(n)")
            #expect(close(aT.matmul(b, transposingSelf: true).doubles, expected))
            #expect(close(a.matmul(bT, transposingOther: true).doubles, expected))
            #expect(close(aT.matmul(bT, transposingSelf: true, transposingOther: true).doubles, expected))
            let single = a.converted(to: .float32).matmul(b.converted(to: .float32))
            #expect(close(single.doubles, expected, tolerance: 1e-5 * Double(k)))
        }
    }

    /// Large enough to run on every core and cross the cache blocks.
    @Test func largeProductSplitAcrossThreads() {
        let (m, n, k) = (300, 290, 520)
        let a = sample([m, k], seed: 3, dtype: .float32)
        let b = sample([k, n], seed: 4, dtype: .float32)
        let expected = Reference.matmul(a.doubles, b.doubles, m: m, n: n, k: k)
        #expect(close(a.matmul(b).doubles, expected, tolerance: 1e-4))
        #expect(close(a.matmul(b.transposed(), transposingOther: true).doubles, expected, tolerance: 1e-4))
        let tall = sample([2000, 16], seed: 5, dtype: .float32)
        let weight = sample([16, 16], seed: 6, dtype: .float32)
        #expect(close(tall.matmul(weight).doubles, Reference.matmul(tall.doubles, weight.doubles, m: 2000, n: 16, k: 16),
                      tolerance: 1e-5))
    }

    /// C −= A·B in place, on the narrow and the packed paths, on one core and split over both.
    @Test(arguments: [(7, 5, 9), (33, 40, 17), (300, 290, 64), (600, 12, 400)])
    func subtractingAProduct(m: Int, n: Int, k: Int) {
        let a = sample([m, k], seed: 1)
        let b = sample([k, n], seed: 2)
        var c = sample([m, n], seed: 3)
        let expected = zip(c.doubles, Reference.matmul(a.doubles, b.doubles, m: m, n: n, k: k)).map { $0 - $1 }
        a.withUnsafeBufferPointer(as: Double.self) { pa in
            b.withUnsafeBufferPointer(as: Double.self) { pb in
                c.withUnsafeMutableBufferPointer(as: Double.self) { pc in
                    RawMatrixProduct.subtract(m: m, n: n, k: k, a: pa.baseAddress!, aRowStride: k, aColumnStride: 1,
                                              b: pb.baseAddress!, bRowStride: n, bColumnStride: 1,
                                              from: pc.baseAddress!, ldc: n)
                }
            }
        }
        #expect(close(c.doubles, expected, tolerance: 1e-12))
    }

    /// A banded product multiplies each tile of C over only the k its rows of A and columns of B
    /// can share, and gives bit for bit the same kernel's dense product (leaving out products that
    /// are exactly zero does not change a sum); a band cut one short would change it. Bands of
    /// many widths, some empty; sizes cross the tile edges.
    @Test(arguments: [(21, 37, 45), (8, 16, 9), (130, 130, 130), (3, 40, 1)])
    func bandedProductSkipsOnlyZeros(m: Int, n: Int, k: Int) {
        let rowsOfA = (0..<m).map { i in i % 7 == 3 ? 0..<0 : (i * k / (2 * m))..<min(k, i * k / (2 * m) + i % 5 + 1) }
        let columnsOfB = (0..<n).map { j in j % 11 == 5 ? 0..<0 : max(0, j * k / n - j % 4)..<min(k, j * k / n + 6) }
        var a = sample([m, k], seed: 7).doubles
        var b = sample([k, n], seed: 8).doubles
        for i in 0..<m {
            for p in 0..<k where !rowsOfA[i].contains(p) { a[i * k + p] = 0 }
        }
        for j in 0..<n {
            for p in 0..<k where !columnsOfB[j].contains(p) { b[p * n + j] = 0 }
        }
        /// A·B with A given transposed (column-major: the other packing path), with the bands or without.
        func product(banded: Bool) -> [Double] {
            var c = [Double](repeating: .nan, count: m * n)
            let aColumnMajor = (0..<(m * k)).map { a[($0 % m) * k + $0 / m] }
            aColumnMajor.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        RawMatrixProduct.multiplyBanded(m: m, n: n, k: k, a: pa.baseAddress!, aRowStride: 1, aColumnStride: m,
                                                        nonzeroColumnsOfA: banded ? rowsOfA : nil, b: pb.baseAddress!,
                                                        bRowStride: n, bColumnStride: 1,
                                                        nonzeroRowsOfB: banded ? columnsOfB : nil, c: pc.baseAddress!, ldc: n)
                    }
                }
            }
            return c
        }
        let dense = product(banded: false)
        #expect(close(dense, Reference.matmul(a, b, m: m, n: n, k: k)), "\(m)×\(k)·\(k)×\(n)")
        let identical = product(banded: true) == dense
        #expect(identical, "\(m)×\(k)·\(k)×\(n)")
    }

    @Test func zeroSizedOperands() {
        #expect(Tensor.zeros([0, 3]).matmul(Tensor.ones([3, 4])).shape == [0, 4])
        #expect(Tensor.ones([2, 0]).matmul(Tensor.ones([0, 4])).doubles == [Double](repeating: 0, count: 8))
        #expect(Tensor.ones([2, 3]).matmul(Tensor.ones([3, 0])).count == 0)
    }

    @Test func batchedProducts() {
        let a = sample([3, 5, 7], seed: 1)
        let b = sample([3, 7, 2], seed: 2)
        let shared = sample([7, 2], seed: 3)
        let c = a.matmul(b)
        let d = a.matmul(shared)
        #expect(c.shape == [3, 5, 2])
        for batch in 0..<3 {
            let ab = a.slice(alongAxis: 0, range: batch..<batch + 1).reshaped([5, 7])
            let bb = b.slice(alongAxis: 0, range: batch..<batch + 1).reshaped([7, 2])
            #expect(close(c.slice(alongAxis: 0, range: batch..<batch + 1).doubles, ab.matmul(bb).doubles))
            // One product with the batch's rows stacked: bit for bit the product of each matrix.
            #expect(d.slice(alongAxis: 0, range: batch..<batch + 1).doubles == ab.matmul(shared).doubles)
        }
    }

    /// A matrix shared by every member of a batch on the left, with each transposition.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func sharedLeftOperand(transposeA: Bool, transposeB: Bool) {
        let shared = sample(transposeA ? [7, 5] : [5, 7], seed: 4)
        let batch = sample(transposeB ? [3, 2, 7] : [3, 7, 2], seed: 5)
        let product = shared.matmul(batch, transposingSelf: transposeA, transposingOther: transposeB)
        #expect(product.shape == [3, 5, 2])
        for member in 0..<3 {
            let right = batch.slice(alongAxis: 0, range: member..<member + 1).reshaped(Array(batch.shape.dropFirst()))
            let expected = shared.matmul(right, transposingSelf: transposeA, transposingOther: transposeB)
            #expect(close(product.slice(alongAxis: 0, range: member..<member + 1).doubles, expected.doubles))
        }
    }

    @Test func mismatchStopsNamingBothShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self)
                .contains("matmul: shapes [2, 3] and [4, 5] do not fit"))
        }
    }

    /// A layer's bias and rectifier, or a gate, applied as the product stores its result give the
    /// bits of the separate passes (add, then ReLU or leaky ReLU, other activations after; the
    /// gate of ``Tensor/gated(by:negativeSlope:)``), on every path:
    /// the narrow kernels with one and two vectors, whole and partial, with a tail of rows; the
    /// transposed narrow path; the packed path; products split by rows and by columns across
    /// the cores. A NaN passes through as `relu` lets it.
    @Test(arguments: [DType.float32, .float64])
    func fusedBiasAndActivationMatchSeparatePasses(dtype: DType) {
        let shapes = [(37, 5, 16), (33, 16, 7), (21, 4, 20), (9, 3, 40), (5, 16, 2), (8192, 16, 16), (600, 70, 90), (40, 200, 300)]
        let activations: [UnaryFunction?] = [nil, .relu, .leakyReLU(slope: 0.2), .tanh]
        for (rows, inputs, outputs) in shapes {
            var scalars = sample([rows, inputs], seed: 8).doubles
            scalars[inputs] = .nan
            let x = Tensor(shape: [rows, inputs], scalars: scalars).converted(to: dtype)
            let weight = sample([outputs, inputs], seed: 9, dtype: dtype)
            let bias = sample([outputs], seed: 10, dtype: dtype)
            let affine = x.matmul(weight, transposingOther: true) + bias
            for activation in activations {
                let fused = x.linear(weight: weight, bias: bias, activation: activation)
                let separate = activation.map { affine.applying($0) } ?? affine
                #expect(fused.shape == separate.shape && fused.doubles.map(\.bitPattern) == separate.doubles.map(\.bitPattern),
                        "\(rows)×\(inputs) → \(outputs), \(dtype), \(activation.map { "\($0)" } ?? "no activation")")
            }
            let reference = sample([rows, outputs], seed: 11, dtype: dtype)
            for slope in [0, 0.3] {
                let gated = x.matmul(weight, transposingOther: true, gatedBy: reference, negativeSlope: slope)
                let separate = x.matmul(weight, transposingOther: true).gated(by: reference, negativeSlope: slope)
                #expect(gated.doubles.map(\.bitPattern) == separate.doubles.map(\.bitPattern),
                        "\(rows)×\(inputs) → \(outputs), \(dtype), gated with slope \(slope)")
            }
        }
    }

    /// A batch's product gated by a reference of one member's shape (the Jacobian's blocks of
    /// tangents through a rectifier) gates every member, bit for bit as `gated(by:)` after the
    /// product: a batch times a shared matrix (one-vector and two-vector narrow kernels, the
    /// packed path) and a shared matrix times a batch.
    @Test(arguments: [DType.float32, .float64])
    func aMemberShapedGateGatesEveryMember(dtype: DType) {
        for (rows, inner, columns) in [(37, 5, 7), (64, 16, 16), (21, 4, 40)] {
            var scalars = sample([3, rows, inner], seed: 12).doubles
            scalars[inner + 1] = .nan
            let batch = Tensor(shape: [3, rows, inner], scalars: scalars).converted(to: dtype)
            let shared = sample([inner, columns], seed: 13, dtype: dtype)
            let reference = sample([rows, columns], seed: 14, dtype: dtype)
            let sharedLeft = sample([rows, inner], seed: 15, dtype: dtype)
            let batchRight = sample([3, inner, columns], seed: 16, dtype: dtype)
            for slope in [0, 0.3] {
                let pairs = [(batch.matmul(shared, gatedBy: reference, negativeSlope: slope),
                              batch.matmul(shared).gated(by: reference, negativeSlope: slope)),
                             (sharedLeft.matmul(batchRight, gatedBy: reference, negativeSlope: slope),
                              sharedLeft.matmul(batchRight).gated(by: reference, negativeSlope: slope))]
                for (fused, separate) in pairs {
                    #expect(fused.shape == [3, rows, columns]
                            && fused.doubles.map(\.bitPattern) == separate.doubles.map(\.bitPattern),
                            "\(rows)×\(inner)·\(inner)×\(columns), \(dtype), slope \(slope)")
                }
            }
        }
    }

    /// A product of at most four columns (the thin kernel: a vector per column of C) has the bits
    /// of the same columns of a product five wide (the one-vector kernel): the same chain of
    /// multiply-adds per element, and the same bias, rectifier and gate, for A read by rows (a
    /// transposed block at a time, whole and partial, with a tail of rows) and by columns.
    @Test(arguments: [DType.float32, .float64])
    func thinProductsHaveTheWideKernelsBits(dtype: DType) {
        for (rows, depth) in [(37, 16), (512, 16), (40, 17), (33, 1), (64, 40), (3, 8)] {
            var scalars = sample([rows, depth], seed: 21).doubles
            scalars[depth] = .nan
            let x = Tensor(shape: [rows, depth], scalars: scalars).converted(to: dtype)
            let byColumns = x.transposed()
            let wide = sample([5, depth], seed: 22, dtype: dtype)
            let wideBias = sample([5], seed: 23, dtype: dtype)
            let wideReference = sample([rows, 5], seed: 24, dtype: dtype)
            for columns in 1...4 {
                let weight = wide.slice(alongAxis: 0, range: 0..<columns)
                let bias = wideBias.slice(alongAxis: 0, range: 0..<columns)
                let reference = wideReference.slice(alongAxis: 1, range: 0..<columns)
                let pairs = [
                    (x.matmul(weight, transposingOther: true), x.matmul(wide, transposingOther: true)),
                    (byColumns.matmul(weight, transposingSelf: true, transposingOther: true),
                     byColumns.matmul(wide, transposingSelf: true, transposingOther: true)),
                    (x.linear(weight: weight, bias: bias, activation: .leakyReLU(slope: 0.2)),
                     x.linear(weight: wide, bias: wideBias, activation: .leakyReLU(slope: 0.2))),
                    (x.matmul(weight, transposingOther: true, gatedBy: reference, negativeSlope: 0.3),
                     x.matmul(wide, transposingOther: true, gatedBy: wideReference, negativeSlope: 0.3)),
                ]
                for (thin, wide) in pairs {
                    let expected = wide.slice(alongAxis: 1, range: 0..<columns)
                    let differing = zip(thin.doubles, expected.doubles).filter { $0.bitPattern != $1.bitPattern }
                    #expect(thin.shape == [rows, columns] && differing.isEmpty,
                            "\(rows)×\(depth) → \(columns), \(dtype): \(differing.count) entries differ")
                }
            }
        }
    }

    @Test func aGateOfAnotherShapeStops() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([3, 4]), gatedBy: Tensor.zeros([4, 2]))
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self).contains("gated: shapes [2, 4] and [4, 2] differ"))
        }
        // A batch takes a gate of its shape or of one member's, nothing else (not another batch's).
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([5, 2, 3]).matmul(Tensor.zeros([3, 4]), gatedBy: Tensor.zeros([3, 2, 4]))
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self).contains("gated: shapes [5, 2, 4] and [3, 2, 4] differ"))
        }
    }

    @Test func linearWithAMisfittingBiasStops() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).linear(weight: Tensor.zeros([4, 3]), bias: Tensor.zeros([3]), activation: .relu)
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self)
                .contains("linear: input [2, 3], weight [4, 3] and bias [3] do not fit"))
        }
    }
}
