import Tensors

/// A dense row-major matrix of `Double`, the working storage of the eigenvalue algorithms.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
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

extension Range<Int> {
    /// Part `index` of `parts` nearly equal consecutive parts of this range (how the solver's
    /// loops split rows or columns between the cores).
    func part(_ index: Int, of parts: Int) -> Range<Int> {
        (lowerBound + count * index / parts)..<(lowerBound + count * (index + 1) / parts)
    }
}
