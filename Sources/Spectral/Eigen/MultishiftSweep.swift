import Synchronization
import Numerics
import Tensors

/// One sweep of the small-bulge multishift QR algorithm (Braman, Byers & Mathias 2002) on the
/// active block H[lo...hi], eigenvalues only: a chain of double-shift bulges, introduced one after
/// another at the top and chased to the bottom together.
///
/// Bulges move in lockstep, each ``spacing`` rows behind the one below it, in the order of a
/// sequence of separate double-shift sweeps (`dlaqr5`'s chain of tightly packed bulges). The chase runs in slabs:
/// within a diagonal window holding the whole chain, reflectors are applied to the window and
/// accumulated into an orthogonal U; the rest of the block's rows and columns are then updated
/// with two matrix products (Uᵀ from the left on the right of the window, U from the right above
/// it), so most of the arithmetic is in GEMM and the matrix is streamed once per slab rather than
/// once per bulge.
struct MultishiftSweep {
    /// Steps per slab. A slab's window holds the chain (`spacing` rows per bulge) and the rows it
    /// moves into, and its U updates the rest of the block, so the product work per step is
    /// about (chain + steps)²/steps: least when the steps equal the chain's length, 64 for the
    /// 32 bulges of a 2003×2003 matrix's 64 shifts (48 and 96 measured the same).
    static let slabSteps = 64
    /// Rows between consecutive bulges, as `dlaqr5` packs them. Bulge b at j reflects rows and
    /// columns j+1…j+3 and the bulge above, at j − 2, reflects j−1…j+1: they share an index, so
    /// the order of their updates must be that of separate sweeps, in which b passed long
    /// before. Within a step the bulges move bottom first, each reflector is applied from the
    /// right down to row j+3 and from the left to column j+1 only (`step`); the rest of the left
    /// updates follow, bottom first, once all have moved; and the right update of row j+4 waits
    /// for the bulge's next step, after the bulge below has read that row. Windows and their U
    /// are then a third smaller than at three rows apart (disjoint reflectors, no delays): random
    /// 2003×2003 sweeps took 0.39–0.45 s against 0.45–0.49 s, and 0.48–0.58 s at four.
    static let spacing = 2

    /// Chases one bulge per pair of `shifts` (complex pairs together, reals paired) through H[lo...hi].
    static func run(_ h: inout Matrix, lo: Int, hi: Int, shifts: [Complex<Double>]) {
        let n = h.rows
        let pairs = shiftPairs(shifts)
        let bulges = pairs.count
        guard bulges > 0, hi - lo >= 3 else { return }
        // position[b]: the index j of the last reflector bulge b applied (lo − 2: not yet
        // introduced; hi − 2, the final 2×2 reflector: gone).
        var position = [Int](repeating: lo - 2, count: bulges)
        // The reflector each bulge applied last: its right update of the row below it waits for
        // the bulge's next step (see `spacing`).
        var previous = [SmallReflector?](repeating: nil, count: bulges)
        let gone = hi - 2
        // The outside updates of each slab that the next slab's window does not touch are cut
        // into pieces, which the other core takes while one chases the next slab, and both once
        // the chase is done: the chase is serial, the updates are most of the arithmetic, and
        // this way neither core waits for the other's share. Both run as one loop of the
        // worker team, whose spinning thread takes it up at once (a Dispatch thread beside it
        // would take 20–50 µs to wake for each slab, and compete with the team's for the cores).
        var pending: OutsideUpdates?
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
                // Chase this slab while the other core takes the previous slab's outside updates
                // (which touch regions this slab's will), then help with what is left of them.
                Parallel.forEach(2) { part in
                    if part == 0 {
                        chase(a, n: n, lo: lo, hi: hi, window: windowStart...windowEnd, pairs: pairs,
                              position: &position, previous: &previous, u: u, rows: &rows)
                    }
                    pending?.takePieces()
                }
                let remaining = position.filter { $0 >= lo - 1 && $0 < gone }
                let nextWindowEnd = remaining.isEmpty ? windowEnd : min(hi, remaining.max()! + slabSteps + 4)
                // U itself, row-major, for the products: the operand layouts their packing copies fastest.
                let uMatrix = UnsafeMutablePointer<Double>.allocate(capacity: size * size)
                for r in 0..<size {
                    for c in 0..<size { uMatrix[r * size + c] = u[c * size + r] }
                }
                u.deallocate()
                let slab = Slab(a: a, n: n, lo: lo, window: windowStart...windowEnd, u: uMatrix, size: size,
                                bands: rows.bands)
                // The columns the next window reaches into, before it is chased: half on each core.
                let reached = (windowEnd + 1)..<(nextWindowEnd + 1)
                Parallel.forEach(2) { slab.applyRight(columns: reached.part($0, of: 2)) }
                pending = OutsideUpdates(slab, rightOf: nextWindowEnd, hi: hi)
            }
            Parallel.forEach(2) { _ in pending?.takePieces() }
        }
    }

    /// Moves the bulges through one slab's window, up to ``slabSteps`` steps, accumulating the
    /// reflectors into Uᵀ (row-major, the window's size square) and the rows each column of U
    /// can be nonzero in.
    private static func chase(_ a: UnsafeMutablePointer<Double>, n: Int, lo: Int, hi: Int, window: ClosedRange<Int>,
                              pairs: [(trace: Double, determinant: Double)], position: inout [Int],
                              previous: inout [SmallReflector?], u: UnsafeMutablePointer<Double>,
                              rows: inout UnitaryRows) {
        let (bulges, gone, size) = (pairs.count, hi - 2, window.count)
        var stepped: [(j: Int, reflector: SmallReflector)] = []
        stepped.reserveCapacity(bulges)
        for _ in 0..<slabSteps {
            var moved = false
            stepped.removeAll(keepingCapacity: true)
            for b in 0..<bulges {
                let next = position[b] + 1
                guard next <= gone else { continue }
                // Stay `spacing` rows behind the bulge below while it is in the block.
                if b > 0 && position[b - 1] < gone && next > position[b - 1] - spacing { continue }
                // Rows next+1...next+3, column next and rows down to next+4 in the window.
                guard next >= window.lowerBound || next == lo - 1 else { continue }
                guard next + 4 <= window.upperBound || window.upperBound == hi else { continue }
                previous[b] = step(a, n: n, lo: lo, hi: hi, j: next, pair: pairs[b], window: window, delayed: previous[b])
                if let reflector = previous[b] { stepped.append((next, reflector)) }
                position[b] = next
                moved = true
            }
            // The rest of each reflector's left update, and U ← U·P, bottom bulge first.
            for (j, reflector) in stepped {
                if j + 2 <= window.upperBound {
                    reflector.applyFromLeft(a, stride: n, firstRow: j + 1, columns: (j + 2)...window.upperBound)
                }
                // U ← U·P is Uᵀ ← P·Uᵀ (P is symmetric): rows of the transpose, which vectorise.
                let local = j + 1 - window.lowerBound
                reflector.applyFromLeft(u, stride: size, firstRow: local, columns: rows.merge(local..<(local + reflector.size)))
            }
            if !moved { break }
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

    /// Moves one bulge to position j within the window: first the right update of the row below
    /// its last position that `delayed` (its last reflector) still owes, which completes the bulge
    /// in column j; then the reflector that reduces column j, applied from the right to the
    /// window's rows above row j+4 and from the left to column j+1 only (what the next bulge
    /// above reads this step); the rest of the left update follows once the step's bulges have
    /// all moved. Returns the reflector (nil when column j had nothing to reduce).
    private static func step(_ a: UnsafeMutablePointer<Double>, n: Int, lo: Int, hi: Int, j: Int,
                             pair: (trace: Double, determinant: Double), window: ClosedRange<Int>,
                             delayed: SmallReflector?) -> SmallReflector? {
        if let delayed, j + 3 <= hi {
            delayed.applyFromRight(a, stride: n, firstColumn: j, rows: (j + 3)...(j + 3))
        }
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
        guard let reflector = SmallReflector(x, y, z, size: j + 3 <= hi ? 3 : 2) else { return nil }
        if j >= lo {
            a[(j + 1) * n + j] = reflector.beta
            a[(j + 2) * n + j] = 0
            if reflector.size == 3 { a[(j + 3) * n + j] = 0 }
        }
        reflector.applyFromRight(a, stride: n, firstColumn: j + 1, rows: window.lowerBound...min(j + 3, hi))
        reflector.applyFromLeft(a, stride: n, firstRow: j + 1, columns: (j + 1)...(j + 1))
        return reflector
    }
}

/// One slab's accumulated U and the parts of the active block outside its window that U updates:
/// H[window, right] ← Uᵀ·H[window, right] and H[lo..<window, window] ← H[…]·U. U is banded
/// (reflectors only mix nearby indices), so the products multiply each tile of eight or sixteen
/// of U's columns over only the rows where those can be nonzero, with H packed once: the outside
/// updates of a random 2003×2003's sweeps took 0.32–0.35 s against 0.39–0.43 s in blocks of 64
/// columns (each block packing the same rows of H again, and multiplying U's zeros).
private struct Slab: @unchecked Sendable {
    let a: UnsafeMutablePointer<Double>
    let n: Int
    let lo: Int
    let window: ClosedRange<Int>
    /// U, row-major with row stride `size`.
    let u: UnsafeMutablePointer<Double>
    let size: Int
    /// The rows where each column of U can be nonzero.
    let bands: [Range<Int>]

    /// Columns `columns` (right of the window) of the window's rows.
    func applyRight(columns: Range<Int>) {
        let width = columns.count
        guard width > 0 else { return }
        let block = a + window.lowerBound * n + columns.lowerBound
        let product = UnsafeMutablePointer<Double>.allocate(capacity: size * width)
        defer { product.deallocate() }
        // Uᵀ · H[window, columns]: row i of Uᵀ is column i of U.
        RawMatrixProduct.multiplyBanded(m: size, n: width, k: size, a: u, aRowStride: 1, aColumnStride: size,
                                        nonzeroColumnsOfA: bands, b: block, bRowStride: n, bColumnStride: 1,
                                        c: product, ldc: width)
        for r in 0..<size { (block + r * n).update(from: product + r * width, count: width) }
    }

    /// Rows `rows` of the block above the window, in the window's columns.
    func applyAbove(rows: Range<Int>) {
        guard !rows.isEmpty else { return }
        let block = a + rows.lowerBound * n + window.lowerBound
        let product = UnsafeMutablePointer<Double>.allocate(capacity: rows.count * size)
        defer { product.deallocate() }
        RawMatrixProduct.multiplyBanded(m: rows.count, n: size, k: size, a: block, aRowStride: n, aColumnStride: 1,
                                        b: u, bRowStride: size, bColumnStride: 1, nonzeroRowsOfB: bands,
                                        c: product, ldc: size)
        for r in 0..<rows.count { (block + r * n).update(from: product + r * size, count: size) }
    }
}

/// The outside updates of a slab that the next window does not reach, as pieces that write
/// disjoint parts of H (column blocks on the right of the window, row blocks above it), taken by
/// whichever thread is free. U is freed with the updates, once neither thread holds them.
private final class OutsideUpdates: @unchecked Sendable {
    /// Columns or rows per piece: enough that a piece's products run at GEMM speed, few enough
    /// that the thread done first with its chase or its pieces still finds work.
    static let pieceExtent = 128

    private let slab: Slab
    private let pieces: [(right: Bool, range: Range<Int>)]
    private let next = Atomic<Int>(0)

    /// The updates right of column `rightOf` up to column `hi`, and above the window.
    init(_ slab: Slab, rightOf column: Int, hi: Int) {
        self.slab = slab
        let extent = OutsideUpdates.pieceExtent
        pieces = stride(from: column + 1, to: hi + 1, by: extent).map { (true, $0..<min($0 + extent, hi + 1)) }
            + stride(from: slab.lo, to: slab.window.lowerBound, by: extent).map {
                (false, $0..<min($0 + extent, slab.window.lowerBound))
            }
    }

    deinit { slab.u.deallocate() }

    /// Runs pieces until none are left; their products stay on this thread (the other one is
    /// chasing or taking pieces too).
    func takePieces() {
        Parallel.serially {
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < pieces.count else { return }
                let piece = pieces[index]
                if piece.right { slab.applyRight(columns: piece.range) } else { slab.applyAbove(rows: piece.range) }
            }
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

    /// The rows where each column can be nonzero.
    var bands: [Range<Int>] { zip(first, last).map { $0..<($1 + 1) } }
}
