import Tensors

/// A dense row-major matrix of `Double`, the working storage of the eigenvalue algorithms.
public struct Matrix: Sendable, Equatable {
    public private(set) var rows: Int
    public private(set) var columns: Int
    /// Row-major elements.
    public var elements: [Double]

    public init(rows: Int, columns: Int, elements: [Double]) {
        precondition(elements.count == rows * columns, "Matrix: \(elements.count) elements for \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// The zero matrix.
    public init(rows: Int, columns: Int) {
        self.init(rows: rows, columns: columns, elements: [Double](repeating: 0, count: rows * columns))
    }

    /// The `n`×`n` identity.
    public static func identity(_ n: Int) -> Matrix {
        var result = Matrix(rows: n, columns: n)
        for i in 0..<n { result[i, i] = 1 }
        return result
    }

    /// A rank-2 tensor's elements, in Double.
    public init(_ tensor: Tensor) {
        precondition(tensor.rank == 2, "Matrix: tensor of shape \(tensor.shape) is not a matrix")
        self.init(rows: tensor.shape[0], columns: tensor.shape[1], elements: tensor.doubles)
    }

    public subscript(row: Int, column: Int) -> Double {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// The elements in `rows` × `columns`, as a new matrix.
    public func submatrix(rows: Range<Int>, columns: Range<Int>) -> Matrix {
        precondition(rows.clamped(to: 0..<self.rows) == rows && columns.clamped(to: 0..<self.columns) == columns,
                     "Matrix.submatrix: \(rows) × \(columns) outside \(self.rows)×\(self.columns)")
        var result = [Double]()
        result.reserveCapacity(rows.count * columns.count)
        for r in rows { result += elements[(r * self.columns + columns.lowerBound)..<(r * self.columns + columns.upperBound)] }
        return Matrix(rows: rows.count, columns: columns.count, elements: result)
    }

    /// A copy with storage of its own, written a part by each core: most of a large copy's time is
    /// the kernel's page faults for its fresh memory (the 32 MB of a 2003×2003 matrix took 17 ms on
    /// one core, 9 ms on two).
    func copiedByAllCores() -> Matrix {
        let count = elements.count
        guard count > 0 else { return self }
        let copy = [Double](unsafeUninitializedCapacity: count) { destination, initialized in
            elements.withUnsafeBufferPointer { source in
                CoreParts.forEach(of: 0..<count, elementsPerItem: 1) { range in
                    (destination.baseAddress! + range.lowerBound).initialize(from: source.baseAddress! + range.lowerBound,
                                                                             count: range.count)
                }
            }
            initialized = count
        }
        return Matrix(rows: rows, columns: columns, elements: copy)
    }

    /// Replaces this square matrix by its principal submatrix on `range`, moved a row at a time
    /// to the front of its own storage: a copy would take fresh memory, and the kernel's page
    /// faults and zeroing for the 26 MB middle block of a 2003×2003 Jacobian took 15 ms.
    mutating func formPrincipalSubmatrix(_ range: Range<Int>) {
        precondition(rows == columns && range.clamped(to: 0..<rows) == range,
                     "Matrix.formPrincipalSubmatrix: \(range) of a \(rows)×\(columns) matrix")
        let (n, m) = (columns, range.count)
        elements.withUnsafeMutableBytes { bytes in
            guard let a = bytes.baseAddress else { return }
            let size = MemoryLayout<Double>.stride
            // Row r moves to r·m from (lo + r)·n + lo, never later: rows in order never overwrite
            // one not yet moved (copyMemory allows the overlap within a row).
            for r in 0..<m {
                (a + r * m * size).copyMemory(from: a + ((range.lowerBound + r) * n + range.lowerBound) * size,
                                              byteCount: m * size)
            }
        }
        elements.removeLast(n * n - m * m)
        (rows, columns) = (m, m)
    }

    /// This matrix as a float64 tensor.
    public var tensor: Tensor { Tensor(shape: [rows, columns], scalars: elements) }

    public var transposed: Matrix {
        var result = Matrix(rows: columns, columns: rows)
        for i in 0..<rows {
            for j in 0..<columns { result[j, i] = self[i, j] }
        }
        return result
    }

    /// The matrix product (with the library's GEMM).
    public static func * (a: Matrix, b: Matrix) -> Matrix {
        Matrix(a.tensor.matmul(b.tensor))
    }

    /// The Frobenius norm.
    public var frobeniusNorm: Double { elements.reduce(0) { $0 + $1 * $1 }.squareRoot() }
}
