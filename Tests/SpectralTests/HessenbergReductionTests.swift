@testable import Spectral
import Testing
import Tensors

/// The Hessenberg reduction's matrix-vector products, four rows at a time.
@Suite struct HessenbergReductionTests {
    /// `dots` of four rows gives each row the bits `dot` gives it alone, for lengths that end
    /// in every part of the loop (whole blocks of 32, blocks of 8, a scalar tail), NaN included.
    @Test func fourRowsHaveTheBitsOfOneRowEach() {
        var generator = RandomGenerator(seed: 31)
        for count in [0, 1, 7, 8, 31, 32, 33, 77, 1000, 2003] {
            var rows = (0..<4).map { _ in Tensor.normal([count], dtype: .float64, using: &generator).doubles }
            let y = Tensor.normal([count], dtype: .float64, using: &generator).doubles
            if count > 5 { rows[2][5] = .nan }
            let together = rows[0].withUnsafeBufferPointer { r0 in
                rows[1].withUnsafeBufferPointer { r1 in
                    rows[2].withUnsafeBufferPointer { r2 in
                        rows[3].withUnsafeBufferPointer { r3 in
                            y.withUnsafeBufferPointer { y in
                                dots(r0.baseAddress!, r1.baseAddress!, r2.baseAddress!, r3.baseAddress!, y.baseAddress!, count: count)
                            }
                        }
                    }
                }
            }
            let alone = rows.map { row in
                row.withUnsafeBufferPointer { r in y.withUnsafeBufferPointer { y in dot(r.baseAddress!, y.baseAddress!, count: count) } }
            }
            #expect([together.0, together.1, together.2, together.3].map(\.bitPattern) == alone.map(\.bitPattern), "count \(count)")
        }
    }
}
