import Dispatch
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
        // The part of each slab's outside updates that the next slab's window does not touch runs
        // on a second thread, overlapping the next chase.
        let deferred = DispatchGroup()
        let worker = DispatchQueue(label: "multishift-sweep")
        h.elements.withUnsafeMutableBufferPointer { buffer in
            let a = buffer.baseAddress!
            var windowEnd = lo - 1
            while position.contains(where: { $0 < gone }) {
                let waiting = position.contains { $0 < lo - 1 }
                let active = position.filter { $0 >= lo - 1 && $0 < gone }
                let windowStart = waiting ? lo : max(lo, active.min()! + 1)
                windowEnd = min(hi, (active.max() ?? lo - 1) + slabSteps + 4)
                let size = windowEnd - windowStart + 1
                // U's transpose, row-major: the reflectors update it row by row.
                let u = UnsafeMutablePointer<Double>.allocate(capacity: size * size)
                u.initialize(repeating: 0, count: size * size)
                for i in 0..<size { u[i * size + i] = 1 }
                // The rows where each column of U can be nonzero: a reflector on columns l…l+2
                // mixes their row ranges, and only those rows need updating.
                var rows = UnitaryRows(size: size)
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
                              u: u, size: size, rows: &rows)
                        position[b] = next
                        moved = true
                    }
                    if !moved { break }
                }
                // The previous slab's deferred updates touch the regions these will.
                deferred.wait()
                let remaining = position.filter { $0 >= lo - 1 && $0 < gone }
                let nextWindowEnd = remaining.isEmpty ? windowEnd : min(hi, remaining.max()! + slabSteps + 4)
                let slab = Slab(a: a, n: n, lo: lo, hi: hi, window: windowStart...windowEnd, u: u, size: size, rows: rows)
                slab.applyRight(columns: (windowEnd + 1)..<(nextWindowEnd + 1))
                worker.async(group: deferred) {
                    slab.applyRight(columns: (nextWindowEnd + 1)..<(hi + 1))
                    slab.applyAbove()
                    slab.u.deallocate()
                }
            }
            deferred.wait()
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
        // U ← U·P is Uᵀ ← P·Uᵀ (P is symmetric): rows of the transpose, which vectorise.
        let local = j + 1 - window.lowerBound
        reflector.applyFromLeft(u, stride: size, firstRow: local, columns: rows.merge(local..<(local + reflector.size)))
    }
}

/// One slab's accumulated U and the parts of the active block outside its window that U updates:
/// H[window, right] ← Uᵀ·H[window, right] and H[lo..<window, window] ← H[…]·U. U is banded
/// (reflectors only mix nearby indices), so it is applied a block of columns at a time over only
/// the rows where that block has nonzeros.
private struct Slab: @unchecked Sendable {
    let a: UnsafeMutablePointer<Double>
    let n: Int
    let lo: Int
    let hi: Int
    let window: ClosedRange<Int>
    /// Uᵀ, row-major with row stride `size`.
    let u: UnsafeMutablePointer<Double>
    let size: Int
    let rows: UnitaryRows

    /// Columns `columns` (right of the window) of the window's rows.
    func applyRight(columns: Range<Int>) {
        let width = columns.count
        guard width > 0 else { return }
        let block = a + window.lowerBound * n + columns.lowerBound
        let product = UnsafeMutablePointer<Double>.allocate(capacity: size * width)
        defer { product.deallocate() }
        for (uColumns, uRows) in rows.blocks(width: 32) {
            // product[uColumns, :] = U[uRows, uColumns]ᵀ · H[window.lowerBound + uRows, columns]
            RawMatrixProduct.multiply(m: uColumns.count, n: width, k: uRows.count,
                                      a: u + uColumns.lowerBound * size + uRows.lowerBound, aRowStride: size,
                                      aColumnStride: 1, b: block + uRows.lowerBound * n, bRowStride: n,
                                      bColumnStride: 1, c: product + uColumns.lowerBound * width, ldc: width)
        }
        for r in 0..<size { (block + r * n).update(from: product + r * width, count: width) }
    }

    /// The rows of the block above the window, in the window's columns.
    func applyAbove() {
        let above = window.lowerBound - lo
        guard above > 0 else { return }
        let block = a + lo * n + window.lowerBound
        let product = UnsafeMutablePointer<Double>.allocate(capacity: above * size)
        defer { product.deallocate() }
        for (uColumns, uRows) in rows.blocks(width: 32) {
            // product[:, uColumns] = H[above, uRows] · U[uRows, uColumns]
            RawMatrixProduct.multiply(m: above, n: uColumns.count, k: uRows.count, a: block + uRows.lowerBound,
                                      aRowStride: n, aColumnStride: 1, b: u + uColumns.lowerBound * size + uRows.lowerBound,
                                      bRowStride: 1, bColumnStride: size, c: product + uColumns.lowerBound, ldc: size)
        }
        for r in 0..<above { (block + r * n).update(from: product + r * size, count: size) }
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
