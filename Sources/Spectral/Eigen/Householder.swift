/// Householder reflectors P = I − τvvᵀ with v[0] = 1 on row-major storage given by a pointer and
/// a row stride: how the Hessenberg reduction, its orthogonal factor and aggressive early
/// deflation make and apply them. (The QR sweeps' 2- and 3-element ones are ``SmallReflector``.)
enum Householder {
    /// Turns x[0..<count] into a reflector in place (LAPACK's `dlarfg`): on return x[0] = β and
    /// x[1...] = v[1...] with (I − τvvᵀ)x_original = βe₁. Returns τ (0 when there is nothing to
    /// annihilate; x is then unchanged).
    static func makeReflector(_ x: UnsafeMutablePointer<Double>, count: Int) -> Double {
        var tail = 0.0
        for i in 1..<max(count, 1) { tail += x[i] * x[i] }
        guard count > 1, tail > 0 else { return 0 }
        let alpha = x[0]
        let beta = -(alpha >= 0 ? 1.0 : -1.0) * (alpha * alpha + tail).squareRoot()
        let scale = 1 / (alpha - beta)
        for i in 1..<count { x[i] *= scale }
        x[0] = beta
        return (beta - alpha) / beta
    }

    /// A[firstRow ..< firstRow + count, columns] ← P·A[…]: w = vᵀA, then A −= τ·v·wᵀ.
    static func reflectRows(_ a: UnsafeMutablePointer<Double>, stride: Int, firstRow: Int, columns: Range<Int>,
                            vector v: UnsafePointer<Double>, count: Int, tau: Double) {
        let width = columns.count
        withUnsafeTemporaryAllocation(of: Double.self, capacity: width) { buffer in
            let w = buffer.baseAddress!
            w.initialize(repeating: 0, count: width)
            for i in 0..<count {
                let row = a + (firstRow + i) * stride + columns.lowerBound
                let vi = v[i]
                for j in 0..<width { w[j] += vi * row[j] }
            }
            for i in 0..<count {
                let row = a + (firstRow + i) * stride + columns.lowerBound
                let factor = tau * v[i]
                for j in 0..<width { row[j] -= factor * w[j] }
            }
        }
    }

    /// A[rows, firstColumn ..< firstColumn + count] ← A[…]·P: s = A·v per row, then A −= τ·s·vᵀ.
    static func reflectColumns(_ a: UnsafeMutablePointer<Double>, stride: Int, firstColumn: Int, rows: Range<Int>,
                               vector v: UnsafePointer<Double>, count: Int, tau: Double) {
        for i in rows {
            let row = a + i * stride + firstColumn
            let factor = tau * dot(row, v, count: count)
            for j in 0..<count { row[j] -= factor * v[j] }
        }
    }
}

extension Matrix {
    /// M ← P·M for P = I − τvvᵀ acting on rows `firstRow ..< firstRow + vector.count`, over `columns`.
    mutating func reflectRows(from firstRow: Int, columns: Range<Int>, vector: [Double], tau: Double) {
        let stride = self.columns
        elements.withUnsafeMutableBufferPointer { a in
            Householder.reflectRows(a.baseAddress!, stride: stride, firstRow: firstRow, columns: columns,
                                    vector: vector, count: vector.count, tau: tau)
        }
    }

    /// M ← M·P for P = I − τvvᵀ acting on columns `firstColumn ..< firstColumn + vector.count`, in
    /// `rows` (every row by default).
    mutating func reflectColumns(from firstColumn: Int, rows: Range<Int>? = nil, vector: [Double], tau: Double) {
        let (stride, rows) = (columns, rows ?? 0..<self.rows)
        elements.withUnsafeMutableBufferPointer { a in
            Householder.reflectColumns(a.baseAddress!, stride: stride, firstColumn: firstColumn, rows: rows,
                                       vector: vector, count: vector.count, tau: tau)
        }
    }
}
