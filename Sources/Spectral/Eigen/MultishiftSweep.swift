import Numerics
import Tensors

/// One sweep of the small-bulge multishift QR algorithm (Braman, Byers & Mathias 2002) on the
/// active block H[lo...hi], eigenvalues only: a chain of double-shift bulges, introduced one after
/// another at the top and chased to the bottom together.
///
/// Bulges move in lockstep, each four rows behind the one below it, so that every reflector is
/// the one a sequence of separate double-shift sweeps would compute. The chase runs in slabs:
/// within a diagonal window holding the whole chain, reflectors are applied to the window and
/// accumulated into an orthogonal U; the rest of the block's rows and columns are then updated
/// with two matrix products (Uᵀ from the left on the right of the window, U from the right above
/// it), so most of the arithmetic is in GEMM and the matrix is streamed once per slab rather than
/// once per bulge.
struct MultishiftSweep {
    /// Bulges introduced per sweep are `shifts.count / 2`; steps per slab.
    static let slabSteps = 96

    /// Chases one bulge per pair of `shifts` (complex pairs together, reals paired) through H[lo...hi].
    static func run(_ h: inout Matrix, lo: Int, hi: Int, shifts: [Complex<Double>]) {
        let n = h.rows
        let pairs = shiftPairs(shifts)
        let bulges = pairs.count
        guard bulges > 0, hi - lo >= 3 else { return }
        // position[b]: the index j of the last reflector bulge b applied (lo − 2: not yet
        // introduced; hi − 2, the final 2×2 reflector: gone).
        var position = [Int](repeating: lo - 2, count: bulges)
        let gone = hi - 2
        h.elements.withUnsafeMutableBufferPointer { buffer in
            let a = buffer.baseAddress!
            while position.contains(where: { $0 < gone }) {
                let waiting = position.contains { $0 < lo - 1 }
                let active = position.filter { $0 >= lo - 1 && $0 < gone }
                let windowStart = waiting ? lo : max(lo, active.min()! + 1)
                let windowEnd = min(hi, (active.max() ?? lo - 1) + slabSteps + 4)
                let size = windowEnd - windowStart + 1
                var u = [Double](repeating: 0, count: size * size)
                for i in 0..<size { u[i * size + i] = 1 }
                // The rows where each column of U can be nonzero: a reflector on columns l…l+2
                // mixes their row ranges, and only those rows need updating.
                var rows = UnitaryRows(size: size)
                u.withUnsafeMutableBufferPointer { uBuffer in
                    let q = uBuffer.baseAddress!
                    for _ in 0..<slabSteps {
                        var moved = false
                        for b in 0..<bulges {
                            let next = position[b] + 1
                            guard next <= gone else { continue }
                            // Stay four rows behind the bulge below while it is in the block.
                            if b > 0 && position[b - 1] < gone && next > position[b - 1] - 4 { continue }
                            // Rows next+1...next+3, column next and rows down to next+4 in the window.
                            guard next >= windowStart || next == lo - 1 else { continue }
                            guard next + 4 <= windowEnd || windowEnd == hi else { continue }
                            chase(a, n: n, lo: lo, hi: hi, j: next, pair: pairs[b], window: windowStart...windowEnd,
                                  u: q, size: size, rows: &rows)
                            position[b] = next
                            moved = true
                        }
                        if !moved { break }
                    }
                    applyOutsideWindow(a, n: n, lo: lo, hi: hi, window: windowStart...windowEnd, u: q, size: size,
                                       rows: rows)
                }
            }
        }
    }

    /// Pairs the shifts for double-shift bulges: (trace, determinant) of each pair.
    static func shiftPairs(_ shifts: [Complex<Double>]) -> [(trace: Double, determinant: Double)] {
        var pairs: [(Double, Double)] = []
        var reals: [Double] = []
        var index = 0
        while index < shifts.count {
            let value = shifts[index]
            if value.imaginary != 0, index + 1 < shifts.count, shifts[index + 1] == value.conjugate {
                pairs.append((2 * value.real, value.lengthSquared))
                index += 2
            } else {
                reals.append(value.real)
                index += 1
            }
        }
        reals.sort()
        for start in stride(from: 0, to: reals.count - 1, by: 2) {
            pairs.append((reals[start] + reals[start + 1], reals[start] * reals[start + 1]))
        }
        return pairs
    }

    /// Applies the reflector of one bulge at position j within the window, accumulating it in U.
    private static func chase(_ a: UnsafeMutablePointer<Double>, n: Int, lo: Int, hi: Int, j: Int,
                              pair: (trace: Double, determinant: Double), window: ClosedRange<Int>,
                              u: UnsafeMutablePointer<Double>, size: Int, rows: inout UnitaryRows) {
        let (x, y, z): (Double, Double, Double)
        if j == lo - 1 {
            let (s, t) = pair
            let (h00, h01, h10, h11) = (a[lo * n + lo], a[lo * n + lo + 1], a[(lo + 1) * n + lo], a[(lo + 1) * n + lo + 1])
            x = h00 * h00 + h01 * h10 - s * h00 + t
            y = h10 * (h00 + h11 - s)
            z = h10 * a[(lo + 2) * n + lo + 1]
        } else {
            x = a[(j + 1) * n + j]
            y = a[(j + 2) * n + j]
            z = j + 3 <= hi ? a[(j + 3) * n + j] : 0
        }
        guard let reflector = SmallReflector(x, y, z, size: j + 3 <= hi ? 3 : 2) else { return }
        if j >= lo {
            a[(j + 1) * n + j] = reflector.beta
            a[(j + 2) * n + j] = 0
            if reflector.size == 3 { a[(j + 3) * n + j] = 0 }
        }
        // Rows j+1… through the window's end; columns j+1… from the window's start to row j+4;
        // and U ← U·P on the window's local columns.
        reflector.applyFromLeft(a, stride: n, firstRow: j + 1, columns: max(j + 1, lo)...window.upperBound)
        reflector.applyFromRight(a, stride: n, firstColumn: j + 1, rows: window.lowerBound...min(j + 4, hi))
        let local = j + 1 - window.lowerBound
        reflector.applyFromRight(u, stride: size, firstColumn: local,
                                 rows: rows.merge(local..<(local + reflector.size)))
    }

    /// H[window, after window] ← Uᵀ·H[window, after window] and H[lo..<window, window] ← H[…]·U.
    private static func applyOutsideWindow(_ a: UnsafeMutablePointer<Double>, n: Int, lo: Int, hi: Int,
                                           window: ClosedRange<Int>, u: UnsafeMutablePointer<Double>, size: Int,
                                           rows: UnitaryRows) {
        // U is banded (reflectors only mix nearby indices): multiply it a block of columns at a
        // time, over only the rows where that block has nonzeros.
        let blocks = rows.blocks(width: 32)
        let right = hi - window.upperBound
        if right > 0 {
            let block = a + window.lowerBound * n + window.upperBound + 1
            let product = UnsafeMutablePointer<Double>.allocate(capacity: size * right)
            defer { product.deallocate() }
            for (columns, rows) in blocks {
                // product[columns, :] = U[rows, columns]ᵀ · H[window.lowerBound + rows, right part]
                RawMatrixProduct.multiply(m: columns.count, n: right, k: rows.count, a: u + rows.lowerBound * size + columns.lowerBound,
                                          aRowStride: 1, aColumnStride: size, b: block + rows.lowerBound * n,
                                          bRowStride: n, bColumnStride: 1, c: product + columns.lowerBound * right, ldc: right)
            }
            for r in 0..<size { (block + r * n).update(from: product + r * right, count: right) }
        }
        let above = window.lowerBound - lo
        if above > 0 {
            let block = a + lo * n + window.lowerBound
            let product = UnsafeMutablePointer<Double>.allocate(capacity: above * size)
            defer { product.deallocate() }
            for (columns, rows) in blocks {
                // product[:, columns] = H[above, rows] · U[rows, columns]
                RawMatrixProduct.multiply(m: above, n: columns.count, k: rows.count, a: block + rows.lowerBound,
                                          aRowStride: n, aColumnStride: 1, b: u + rows.lowerBound * size + columns.lowerBound,
                                          bRowStride: size, bColumnStride: 1, c: product + columns.lowerBound, ldc: size)
            }
            for r in 0..<above { (block + r * n).update(from: product + r * size, count: size) }
        }
    }
}

/// The rows that can be nonzero in each column of the accumulated orthogonal U of a slab.
struct UnitaryRows {
    private var first: [Int]
    private var last: [Int]

    /// U = I: column c is nonzero in row c only.
    init(size: Int) {
        first = Array(0..<size)
        last = Array(0..<size)
    }

    /// Right-multiplying by a reflector on `columns` mixes them: all get the union of their rows,
    /// which is returned.
    mutating func merge(_ columns: Range<Int>) -> ClosedRange<Int> {
        var (low, high) = (first[columns.lowerBound], last[columns.lowerBound])
        for column in columns {
            low = min(low, first[column])
            high = max(high, last[column])
        }
        for column in columns { (first[column], last[column]) = (low, high) }
        return low...high
    }

    /// Blocks of `width` columns with the rows where any of them is nonzero.
    func blocks(width: Int) -> [(columns: Range<Int>, rows: Range<Int>)] {
        stride(from: 0, to: first.count, by: width).map { start in
            let columns = start..<min(start + width, first.count)
            return (columns, columns.map { first[$0] }.min()!..<(columns.map { last[$0] }.max()! + 1))
        }
    }
}
