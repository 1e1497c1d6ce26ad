import Tensors

/// Reduction to upper Hessenberg form by Householder similarity transformations:
/// H = Qᵀ A Q with H[i, j] = 0 for i > j + 1.
///
/// Blocked as LAPACK's `dgehrd`/`dlahr2` (Quintana-Ortí & van de Geijn 2006): the reflectors of a
/// panel of `panelWidth` columns are accumulated as Q = I − V T Vᵀ while the panel's columns are
/// transformed on the fly, with Y = A V T built alongside; then the rest of the matrix is updated
/// by matrix products, A ← (I − V Tᵀ Vᵀ)(A − Y Vᵀ), both sides in one product of depth 2·nb below
/// the panel. About four fifths of the work is then in GEMM. The last columns are reduced one at
/// a time.
struct HessenbergReduction {
    /// The Householder vectors (v[0] = 1) and factors τ of each column, to form Q; kept only
    /// when asked for (copying them out is a few milliseconds at n = 2003).
    private var reflectors: [(vector: [Double], tau: Double)] = []
    private let keepsReflectors: Bool
    /// Columns per panel. Each panel passes over the trailing matrix a few times (VᵀA and the
    /// update), so wider panels stream it fewer times until the panel's own
    /// O(n·nb²) work takes over: on the 2003×2003 benchmark (2-core AVX-512) the reduction took
    /// 0.93–1.01 s at 64 against 1.03–1.28 s at 32 (LAPACK's default), 1.4–1.6 s at 16,
    /// 1.03–1.26 s at 96 and 1.26–1.43 s at 128.
    static let panelWidth = 64
    static let unblockedSize = 96

    /// Reduces `matrix` in place; `keepingReflectors: false` when Q will not be wanted.
    init(_ matrix: inout Matrix, keepingReflectors: Bool = true) {
        keepsReflectors = keepingReflectors
        let n = matrix.rows
        guard n > 2 else { return }
        var k = 0
        matrix.elements.withUnsafeMutableBufferPointer { buffer in
            let a = buffer.baseAddress!
            if n > HessenbergReduction.unblockedSize {
                let storage = PanelStorage(n: n, width: HessenbergReduction.panelWidth)
                defer { storage.deallocate() }
                while n - k > HessenbergReduction.unblockedSize {
                    reducePanel(a, n: n, k: k, width: HessenbergReduction.panelWidth, storage: storage)
                    k += HessenbergReduction.panelWidth
                }
                // The panels leave what lies below the subdiagonal of their columns as it was (no
                // later step reads it); zeroed here a row at a time, where a column at a time it
                // was a write per row, each in a row of its own, 16 KB apart at n = 2003.
                let blocked = k
                CoreParts.forEach(of: 2..<n, elementsPerItem: blocked) { rows in
                    for r in rows { (a + r * n).update(repeating: 0, count: min(r - 1, blocked)) }
                }
            }
            reduceUnblocked(a, n: n, from: k)
        }
    }

    /// The working storage of the panels, allocated once at its largest for all of them: per
    /// panel, its megabytes came back from the allocator as fresh pages for most panels of a
    /// first eigendecomposition (20,000 page faults, and the kernel zeroing the pages, at n = 2003).
    private struct PanelStorage {
        /// Y, V and M, column-major with leading dimension n (n × 3·nb): Y's and V's column q at
        /// q·n and (nb + q)·n, indexed by the row of A; M's row p at (2·nb + p)·n, indexed by the
        /// column of A. Then [Y V] below the panel and [Vᵀ; M] right of it are each one strided
        /// operand of the merged update. Also the next column as the matrix-vector product read
        /// it, the vectors of the panel's loops, a row of V, the cores' partial sums, Y's rows
        /// above the panel (n × nb) and W (nb × (n − nb)).
        let panel, nextColumn, work, product, rowOfV, partials, upper, w: UnsafeMutablePointer<Double>

        init(n: Int, width nb: Int) {
            (panel, nextColumn) = (.allocate(capacity: n * 3 * nb), .allocate(capacity: n))
            (work, product, rowOfV) = (.allocate(capacity: max(nb, n)), .allocate(capacity: n), .allocate(capacity: nb))
            (partials, upper) = (.allocate(capacity: HessenbergReduction.rowParts * nb), .allocate(capacity: n * nb))
            w = .allocate(capacity: nb * (n - nb))
        }

        func deallocate() {
            for buffer in [panel, nextColumn, work, product, rowOfV, partials, upper, w] { buffer.deallocate() }
        }
    }

    /// The reflector of column `column` (zeroing A[column+2..., column]), applied to both sides of
    /// the trailing matrix one rank-one update at a time.
    private mutating func reduceUnblocked(_ a: UnsafeMutablePointer<Double>, n: Int, from start: Int) {
        let v = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { v.deallocate() }
        for k in start..<(n - 2) {
            let m = n - k - 1
            for i in 0..<m { v[i] = a[(k + 1 + i) * n + k] }
            let tau = Householder.makeReflector(v, count: m)
            a[(k + 1) * n + k] = v[0]
            v[0] = 1
            for i in (k + 2)..<n { a[i * n + k] = 0 }
            guard tau != 0 else {
                if keepsReflectors { reflectors.append(([], 0)) }
                continue
            }
            Householder.reflectRows(a, stride: n, firstRow: k + 1, columns: (k + 1)..<n, vector: v, count: m, tau: tau)
            CoreParts.forEach(of: 0..<n, elementsPerItem: m) { rows in
                Householder.reflectColumns(a, stride: n, firstColumn: k + 1, rows: rows, vector: v, count: m, tau: tau)
            }
            if keepsReflectors { reflectors.append((Array(UnsafeBufferPointer(start: v, count: m)), tau)) }
        }
    }

    /// Reduces columns k ..< k + width as one panel (LAPACK's `dlahr2`), then updates the rest of
    /// the matrix as `dgehrd` does, with the two one-sided updates of the rows below the panel
    /// merged into one product of twice the depth:
    /// Qᵀ(A − Y Vᵀ) = A − Y Vᵀ − V Tᵀ(VᵀA − (VᵀY) Vᵀ) = A − [Y V]·[Vᵀ; M], M = Tᵀ(VᵀA − (VᵀY)Vᵀ).
    private mutating func reducePanel(_ a: UnsafeMutablePointer<Double>, n: Int, k: Int, width nb: Int,
                                      storage: PanelStorage) {
        // Y = A V T and V are kept by columns (V's column i is the vector of reflector k + i, zero
        // above row k + i + 1): the panel's loops over the rows then run down contiguous columns,
        // eight rows to a vector, rather than forming a short dot product for each row, each
        // ending in a sum across a vector's lanes. T: nb × nb upper triangular.
        let (work, product, partials) = (storage.work, storage.product, storage.partials)
        let (y, v) = (storage.panel, storage.panel + nb * n)
        var t = [Double](repeating: 0, count: nb * nb)
        for i in 0..<nb {
            let j = k + i
            // The column is reduced in V's column i, which then holds v_i.
            let column = v + i * n
            // Column j of A Q_i: A[:, j] − Y[:, 0..<i] · V[j, 0..<i]ᵀ (rows k+1... only), and in
            // the same pass over the rows Vᵀ·column for the left update.
            // Column j of A itself: a cache line (and a page) per row, but for the panel's first
            // column gathered by the previous column's matrix-vector product as it read each row.
            let original = i == 0 ? UnsafePointer(a + j) : UnsafePointer(storage.nextColumn)
            let originalStride = i == 0 ? n : 1
            for q in 0..<i { storage.rowOfV[q] = v[q * n + j] }
            sumOverRows((k + 1)..<n, count: i, partials: partials, into: work) { rows, sums in
                for r in rows { column[r] = original[r * originalStride] }
                subtractProduct(of: y, leadingDimension: n, columns: i, with: storage.rowOfV, rows: rows, from: column)
                accumulateProducts(of: v, leadingDimension: n, columns: i, with: column, rows: rows, into: sums)
            }
            // Then Q_iᵀ from the left: column −= V Tᵀ Vᵀ column.
            if i > 0 {
                for p in stride(from: i - 1, through: 0, by: -1) {  // work = Tᵀ work (Tᵀ is lower triangular)
                    var sum = 0.0
                    for q in 0...p { sum += t[q * nb + p] * work[q] }
                    work[p] = sum
                }
                CoreParts.forEach(of: (k + 1)..<n, elementsPerItem: i) { rows in
                    subtractProduct(of: v, leadingDimension: n, columns: i, with: work, rows: rows, from: column)
                }
            }
            // The reflector of column j, from rows j+1...
            let count = n - j - 1
            let tau = Householder.makeReflector(column + j + 1, count: count)
            for r in (k + 1)...(j + 1) { a[r * n + j] = column[r] }
            // V's column i is v_i: zero above its first entry, which is 1.
            (column + k + 1).update(repeating: 0, count: i)
            column[j + 1] = 1
            if keepsReflectors { reflectors.append((Array(UnsafeBufferPointer(start: column + j + 1, count: count)), tau)) }
            // V_iᵀ v_i, by the cores a part of the rows each.
            // Then y_i = τ (A v_i − Y_i (V_iᵀ v_i)); T[0..<i, i] = −τ T_i (V_iᵀ v_i); T[i, i] = τ.
            sumOverRows((j + 1)..<n, count: i, partials: partials, into: work) { rows, sums in
                accumulateProducts(of: v, leadingDimension: n, columns: i, with: column, rows: rows, into: sums)
            }
            // Rows k+1... (rows 0...k of Y follow after the panel by matrix products), each finished
            // by the core that formed its A v_i.
            matrixVectorProduct(a, n: n, rows: (k + 1)..<n, columns: (j + 1)..<n, vector: column + j + 1,
                                into: product, firstColumn: storage.nextColumn) { rows in
                subtractProduct(of: y, leadingDimension: n, columns: i, with: work, rows: rows, from: product)
                for r in rows { y[i * n + r] = tau * product[r] }
            }
            for p in 0..<i {
                var sum = 0.0
                for q in p..<i { sum += t[p * nb + q] * work[q] }
                t[p * nb + i] = -tau * sum
            }
            t[i * nb + i] = tau
        }
        t.withUnsafeBufferPointer { tBuffer in
            updateAroundPanel(a, n: n, k: k, width: nb, t: tBuffer.baseAddress!, storage: storage)
        }
    }

    /// The rest of the matrix after the panel at k: the rows above it from the right, the rows
    /// below it from both sides in one product.
    private func updateAroundPanel(_ a: UnsafeMutablePointer<Double>, n: Int, k: Int, width nb: Int,
                                   t: UnsafePointer<Double>, storage: PanelStorage) {
        let (y, v, m, upper, w) = (storage.panel, storage.panel + nb * n, storage.panel + 2 * nb * n, storage.upper,
                                   storage.w)
        // Y[0...k] = A[0...k, k+1..<n] · V[k+1..<n] · T, formed transposed (Y is stored by columns):
        // Y[0...k]ᵀ = Tᵀ · (A[0...k, k+1..<n] · V[k+1..<n])ᵀ.
        RawMatrixProduct.multiply(m: k + 1, n: nb, k: n - k - 1, a: a + k + 1, aRowStride: n, aColumnStride: 1,
                                  b: v + k + 1, bRowStride: 1, bColumnStride: n, c: upper, ldc: nb)
        RawMatrixProduct.multiply(m: nb, n: k + 1, k: nb, a: t, aRowStride: 1, aColumnStride: nb,
                                  b: upper, bRowStride: 1, bColumnStride: nb, c: y, ldc: n)
        // Right, rows 0...k of the panel's own columns k+1 ..< k+nb: A −= Y[0...k] · V[k+1..<k+nb]ᵀ.
        if nb > 1 {
            RawMatrixProduct.subtract(m: k + 1, n: nb - 1, k: nb, a: y, aRowStride: 1, aColumnStride: n,
                                      b: v + k + 1, bRowStride: n, bColumnStride: 1, from: a + k + 1, ldc: n)
        }
        let trailing = n - k - nb  // columns k + nb ..< n
        guard trailing > 0 else { return }
        // Vᵀ right of the panel is V's columns from row k + nb on, M's rows below them: the right
        // operand [Vᵀ; M] of the merged update, rows n apart.
        let rightOperand = v + k + nb
        let rows = n - k - 1
        // W = V[k+1...]ᵀ A[k+1..., k+nb...], of the matrix before this panel's updates; S = VᵀY.
        RawMatrixProduct.multiply(m: nb, n: trailing, k: rows, a: v + k + 1, aRowStride: n, aColumnStride: 1,
                                  b: a + (k + 1) * n + k + nb, bRowStride: n, bColumnStride: 1, c: w, ldc: trailing)
        var s = [Double](repeating: 0, count: nb * nb)
        s.withUnsafeMutableBufferPointer { sBuffer in
            RawMatrixProduct.multiply(m: nb, n: nb, k: rows, a: v + k + 1, aRowStride: n, aColumnStride: 1,
                                      b: y + k + 1, bRowStride: 1, bColumnStride: n, c: sBuffer.baseAddress!, ldc: nb)
            // W −= S · V[k+nb...]ᵀ: Vᵀ(A − Y Vᵀ).
            RawMatrixProduct.subtract(m: nb, n: trailing, k: nb, a: sBuffer.baseAddress!, aRowStride: nb, aColumnStride: 1,
                                      b: rightOperand, bRowStride: n, bColumnStride: 1, from: w, ldc: trailing)
        }
        // M = Tᵀ W.
        RawMatrixProduct.multiply(m: nb, n: trailing, k: nb, a: t, aRowStride: 1, aColumnStride: nb,
                                  b: w, bRowStride: trailing, bColumnStride: 1, c: m + k + nb, ldc: n)
        // Rows 0...k, only the right update: A[0...k, k+nb...] −= Y[0...k] · V[k+nb...]ᵀ.
        RawMatrixProduct.subtract(m: k + 1, n: trailing, k: nb, a: y, aRowStride: 1, aColumnStride: n,
                                  b: rightOperand, bRowStride: n, bColumnStride: 1, from: a + k + nb, ldc: n)
        // Rows k+1...: A −= [Y V] · [Vᵀ; M].
        RawMatrixProduct.subtract(m: rows, n: trailing, k: 2 * nb, a: y + k + 1, aRowStride: 1, aColumnStride: n,
                                  b: rightOperand, bRowStride: n, bColumnStride: 1, from: a + (k + 1) * n + k + nb, ldc: n)
    }

    /// product[r] = Σ_{c ∈ columns} A[r, c] · dense[c − columns.lowerBound] for r in `rows`, split
    /// over the cores, with each row's first element A[r, columns.lowerBound] copied to
    /// `firstColumn[r]` as the product reads it; each core then runs `finish` on its share of the rows.
    private func matrixVectorProduct(_ a: UnsafeMutablePointer<Double>, n: Int, rows: Range<Int>, columns: Range<Int>,
                                     vector dense: UnsafePointer<Double>, into product: UnsafeMutablePointer<Double>,
                                     firstColumn: UnsafeMutablePointer<Double>, then finish: (Range<Int>) -> Void) {
        let parts = rows.count * columns.count > 200_000 ? Parallel.processorCount : 1
        Parallel.forEach(parts) { part in
            let share = rows.part(part, of: parts)
            // Four rows at a time share each load of the vector.
            var r = share.lowerBound
            while r + 4 <= share.upperBound {
                let row = a + r * n + columns.lowerBound
                (product[r], product[r + 1], product[r + 2], product[r + 3])
                    = dots(row, row + n, row + 2 * n, row + 3 * n, dense, count: columns.count)
                (firstColumn[r], firstColumn[r + 1], firstColumn[r + 2], firstColumn[r + 3]) = (row[0], row[n], row[2 * n], row[3 * n])
                r += 4
            }
            for r in r..<share.upperBound {
                product[r] = dot(a + r * n + columns.lowerBound, dense, count: columns.count)
                firstColumn[r] = a[r * n + columns.lowerBound]
            }
            finish(share)
        }
    }

    /// Parts the panel's loops that sum over the rows (Vᵀx) are split into, one per core on this
    /// machine. Fixed rather than the core count: they add the parts' sums in order, so the
    /// reduction gives the same bits on any machine.
    static let rowParts = 2

    /// sums[0..<count] = the sum over the parts of `rows` of what `body` accumulates for each into
    /// its own zeroed `count` values (in `partials`), added in the order of the parts.
    private func sumOverRows(_ rows: Range<Int>, count: Int, partials: UnsafeMutablePointer<Double>,
                             into sums: UnsafeMutablePointer<Double>,
                             _ body: (Range<Int>, UnsafeMutablePointer<Double>) -> Void) {
        let parts = HessenbergReduction.rowParts
        partials.initialize(repeating: 0, count: parts * count)
        let concurrent = rows.count * count >= CoreParts.parallelElements
        Parallel.forEach(concurrent ? parts : 1) { index in
            for part in concurrent ? index..<(index + 1) : 0..<parts {
                body(rows.part(part, of: parts), partials + part * count)
            }
        }
        for p in 0..<count {
            var sum = partials[p]
            for part in 1..<parts { sum += partials[part * count + p] }
            sums[p] = sum
        }
    }


    /// Q = P₀P₁⋯P_{n−3}, accumulated backwards.
    func orthogonalFactor(size n: Int) -> Matrix {
        precondition(keepsReflectors, "HessenbergReduction.orthogonalFactor: the reduction did not keep its reflectors")
        var q = Matrix.identity(n)
        for (k, reflector) in reflectors.enumerated().reversed() where reflector.tau != 0 {
            q.reflectRows(from: k + 1, columns: (k + 1)..<n, vector: reflector.vector, tau: reflector.tau)
        }
        return q
    }
}

/// ``dot(_:_:count:)`` of four rows with one `y`, each row's sum the same operations in the same
/// order (so the same bits), with `y` loaded once for the four: a matrix-vector product row by
/// row loads `y` as often as the matrix, twice the loads its memory traffic needs.
@inline(__always)
func dots(_ x0: UnsafePointer<Double>, _ x1: UnsafePointer<Double>, _ x2: UnsafePointer<Double>, _ x3: UnsafePointer<Double>,
          _ y: UnsafePointer<Double>, count: Int) -> (Double, Double, Double, Double) {
    typealias V = SIMD8<Double>
    var (a0, a1, a2, a3) = (V(), V(), V(), V())
    var (b0, b1, b2, b3) = (V(), V(), V(), V())
    var (c0, c1, c2, c3) = (V(), V(), V(), V())
    var (d0, d1, d2, d3) = (V(), V(), V(), V())
    let (p0, p1, p2, p3, py) = (UnsafeRawPointer(x0), UnsafeRawPointer(x1), UnsafeRawPointer(x2), UnsafeRawPointer(x3),
                                UnsafeRawPointer(y))
    var index = 0
    while index + 32 <= count {
        let offset = index * 8
        let (y0, y1, y2, y3) = (py.loadUnaligned(fromByteOffset: offset, as: V.self),
                                py.loadUnaligned(fromByteOffset: offset + 64, as: V.self),
                                py.loadUnaligned(fromByteOffset: offset + 128, as: V.self),
                                py.loadUnaligned(fromByteOffset: offset + 192, as: V.self))
        a0 += p0.loadUnaligned(fromByteOffset: offset, as: V.self) * y0
        a1 += p0.loadUnaligned(fromByteOffset: offset + 64, as: V.self) * y1
        a2 += p0.loadUnaligned(fromByteOffset: offset + 128, as: V.self) * y2
        a3 += p0.loadUnaligned(fromByteOffset: offset + 192, as: V.self) * y3
        b0 += p1.loadUnaligned(fromByteOffset: offset, as: V.self) * y0
        b1 += p1.loadUnaligned(fromByteOffset: offset + 64, as: V.self) * y1
        b2 += p1.loadUnaligned(fromByteOffset: offset + 128, as: V.self) * y2
        b3 += p1.loadUnaligned(fromByteOffset: offset + 192, as: V.self) * y3
        c0 += p2.loadUnaligned(fromByteOffset: offset, as: V.self) * y0
        c1 += p2.loadUnaligned(fromByteOffset: offset + 64, as: V.self) * y1
        c2 += p2.loadUnaligned(fromByteOffset: offset + 128, as: V.self) * y2
        c3 += p2.loadUnaligned(fromByteOffset: offset + 192, as: V.self) * y3
        d0 += p3.loadUnaligned(fromByteOffset: offset, as: V.self) * y0
        d1 += p3.loadUnaligned(fromByteOffset: offset + 64, as: V.self) * y1
        d2 += p3.loadUnaligned(fromByteOffset: offset + 128, as: V.self) * y2
        d3 += p3.loadUnaligned(fromByteOffset: offset + 192, as: V.self) * y3
        index += 32
    }
    while index + 8 <= count {
        let (offset, y0) = (index * 8, py.loadUnaligned(fromByteOffset: index * 8, as: V.self))
        a0 += p0.loadUnaligned(fromByteOffset: offset, as: V.self) * y0
        b0 += p1.loadUnaligned(fromByteOffset: offset, as: V.self) * y0
        c0 += p2.loadUnaligned(fromByteOffset: offset, as: V.self) * y0
        d0 += p3.loadUnaligned(fromByteOffset: offset, as: V.self) * y0
        index += 8
    }
    var sums = (((a0 + a1) + (a2 + a3)).sum(), ((b0 + b1) + (b2 + b3)).sum(), ((c0 + c1) + (c2 + c3)).sum(),
                ((d0 + d1) + (d2 + d3)).sum())
    while index < count {
        sums.0 += x0[index] * y[index]
        sums.1 += x1[index] * y[index]
        sums.2 += x2[index] * y[index]
        sums.3 += x3[index] * y[index]
        index += 1
    }
    return sums
}

/// Σ x[i]·y[i] with four SIMD accumulators (Swift does not reassociate a scalar sum, which would
/// leave the loop waiting on one floating-point addition per element). Multiply and add are
/// separate: the loop is bound by memory, and a fused multiply-add would be a library call per
/// lane in a build for the baseline x86-64.
@inline(__always)
func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, count: Int) -> Double {
    typealias V = SIMD8<Double>
    var (s0, s1, s2, s3) = (V(), V(), V(), V())
    var index = 0
    let (px, py) = (UnsafeRawPointer(x), UnsafeRawPointer(y))
    while index + 32 <= count {
        s0 += px.loadUnaligned(fromByteOffset: index * 8, as: V.self) * py.loadUnaligned(fromByteOffset: index * 8, as: V.self)
        s1 += px.loadUnaligned(fromByteOffset: index * 8 + 64, as: V.self) * py.loadUnaligned(fromByteOffset: index * 8 + 64, as: V.self)
        s2 += px.loadUnaligned(fromByteOffset: index * 8 + 128, as: V.self) * py.loadUnaligned(fromByteOffset: index * 8 + 128, as: V.self)
        s3 += px.loadUnaligned(fromByteOffset: index * 8 + 192, as: V.self) * py.loadUnaligned(fromByteOffset: index * 8 + 192, as: V.self)
        index += 32
    }
    while index + 8 <= count {
        s0 += px.loadUnaligned(fromByteOffset: index * 8, as: V.self) * py.loadUnaligned(fromByteOffset: index * 8, as: V.self)
        index += 8
    }
    var sum = ((s0 + s1) + (s2 + s3)).sum()
    while index < count {
        sum += x[index] * y[index]
        index += 1
    }
    return sum
}

/// x[r] −= Σ_{q < columns} c[q·ld + r] · coefficients[q] for r in `rows`: a column-major
/// matrix times a vector, subtracted. Eight rows to a vector and four columns per pass over x
/// (which stays in the first-level cache); each element by the same operations wherever its
/// row falls, so the result does not depend on how the rows are split.
@inline(__always)
func subtractProduct(of c: UnsafePointer<Double>, leadingDimension ld: Int, columns: Int,
                     with coefficients: UnsafePointer<Double>, rows: Range<Int>, from x: UnsafeMutablePointer<Double>) {
    typealias V = SIMD8<Double>
    let vectorEnd = rows.lowerBound + rows.count / 8 * 8
    var q = 0
    while q < columns {
        let group = min(4, columns - q)
        let (c0, s0) = (c + q * ld, coefficients[q])
        let (c1, s1) = group > 1 ? (c0 + ld, coefficients[q + 1]) : (c0, 0)
        let (c2, s2) = group > 2 ? (c0 + 2 * ld, coefficients[q + 2]) : (c0, 0)
        let (c3, s3) = group > 3 ? (c0 + 3 * ld, coefficients[q + 3]) : (c0, 0)
        let (r0, r1, r2, r3, rx) = (UnsafeRawPointer(c0), UnsafeRawPointer(c1), UnsafeRawPointer(c2),
                                    UnsafeRawPointer(c3), UnsafeMutableRawPointer(x))
        var r = rows.lowerBound
        while r < vectorEnd {
            let offset = r * 8
            let sum = (r0.loadUnaligned(fromByteOffset: offset, as: V.self) * s0
                       + r1.loadUnaligned(fromByteOffset: offset, as: V.self) * s1)
                + (r2.loadUnaligned(fromByteOffset: offset, as: V.self) * s2
                   + r3.loadUnaligned(fromByteOffset: offset, as: V.self) * s3)
            rx.storeBytes(of: rx.loadUnaligned(fromByteOffset: offset, as: V.self) - sum, toByteOffset: offset, as: V.self)
            r += 8
        }
        while r < rows.upperBound {
            x[r] -= (c0[r] * s0 + c1[r] * s1) + (c2[r] * s2 + c3[r] * s3)
            r += 1
        }
        q += group
    }
}

/// sums[q] += Σ_{r ∈ rows} c[q·ld + r] · x[r] for q < columns: a column-major matrix transposed
/// times a vector, four columns per pass over x, eight rows to a vector in two accumulators each,
/// the rows past the last sixteen added after the lanes, in order.
@inline(__always)
func accumulateProducts(of c: UnsafePointer<Double>, leadingDimension ld: Int, columns: Int,
                        with x: UnsafePointer<Double>, rows: Range<Int>, into sums: UnsafeMutablePointer<Double>) {
    typealias V = SIMD8<Double>
    let vectorEnd = rows.lowerBound + rows.count / 16 * 16
    let rx = UnsafeRawPointer(x)
    var q = 0
    while q < columns {
        let group = min(4, columns - q)
        let c0 = c + q * ld
        let (c1, c2, c3) = (group > 1 ? c0 + ld : c0, group > 2 ? c0 + 2 * ld : c0, group > 3 ? c0 + 3 * ld : c0)
        let (r0, r1, r2, r3) = (UnsafeRawPointer(c0), UnsafeRawPointer(c1), UnsafeRawPointer(c2), UnsafeRawPointer(c3))
        var (a0, a1, a2, a3) = (V(), V(), V(), V())
        var (b0, b1, b2, b3) = (V(), V(), V(), V())
        var r = rows.lowerBound
        while r < vectorEnd {
            let offset = r * 8
            let (x0, x1) = (rx.loadUnaligned(fromByteOffset: offset, as: V.self), rx.loadUnaligned(fromByteOffset: offset + 64, as: V.self))
            a0 += r0.loadUnaligned(fromByteOffset: offset, as: V.self) * x0
            b0 += r0.loadUnaligned(fromByteOffset: offset + 64, as: V.self) * x1
            a1 += r1.loadUnaligned(fromByteOffset: offset, as: V.self) * x0
            b1 += r1.loadUnaligned(fromByteOffset: offset + 64, as: V.self) * x1
            a2 += r2.loadUnaligned(fromByteOffset: offset, as: V.self) * x0
            b2 += r2.loadUnaligned(fromByteOffset: offset + 64, as: V.self) * x1
            a3 += r3.loadUnaligned(fromByteOffset: offset, as: V.self) * x0
            b3 += r3.loadUnaligned(fromByteOffset: offset + 64, as: V.self) * x1
            r += 16
        }
        var totals = ((a0 + b0).sum(), (a1 + b1).sum(), (a2 + b2).sum(), (a3 + b3).sum())
        while r < rows.upperBound {
            totals.0 += c0[r] * x[r]
            totals.1 += c1[r] * x[r]
            totals.2 += c2[r] * x[r]
            totals.3 += c3[r] * x[r]
            r += 1
        }
        sums[q] += totals.0
        if group > 1 { sums[q + 1] += totals.1 }
        if group > 2 { sums[q + 2] += totals.2 }
        if group > 3 { sums[q + 3] += totals.3 }
        q += group
    }
}
