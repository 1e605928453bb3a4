/// A small dense real matrix, stored row-major.
///
/// Used for the paper's small matrices: `A = Vᵀ W` (k×m), `B = Wᵀ Π W` (m×m),
/// the head `E` (m×m), and for the finite-sample data (`N·P × d`). Entry `(i, j)`
/// is `self[i, j]`; indices are 0-based in code and 1-based in the paper and in
/// every output (`a_{ℓj}` is `A[ℓ-1, j-1]`).
public struct Matrix: Equatable, Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let cols: Int
    /// Entries, row-major: entry `(i, j)` is `storage[i * cols + j]`.
    public var storage: [Double]

    /// A `rows × cols` matrix with every entry equal to `value` (zero by default).
    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix: negative size")
        self.rows = rows
        self.cols = cols
        self.storage = Array(repeating: value, count: rows * cols)
    }

    /// A matrix from its rows; every row must have the same length.
    public init(_ rowArrays: [[Double]]) {
        let c = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == c }, "Matrix: ragged rows")
        self.rows = rowArrays.count
        self.cols = c
        self.storage = rowArrays.flatMap { $0 }
    }

    /// A matrix over existing row-major storage (`storage.count == rows * cols`).
    public init(rows: Int, cols: Int, storage: [Double]) {
        precondition(storage.count == rows * cols, "Matrix: storage size mismatch")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// The `n × n` identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// Entry `(i, j)` (0-based).
    @inlinable
    public subscript(i: Int, j: Int) -> Double {
        get { storage[i * cols + j] }
        set { storage[i * cols + j] = newValue }
    }

    /// The rows as nested arrays (the JSON layout: row `i`, column `j`).
    public var rowArrays: [[Double]] {
        (0..<rows).map { i in Array(storage[(i * cols)..<((i + 1) * cols)]) }
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] { (0..<rows).map { self[$0, j] } }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: cols, cols: rows)
        for i in 0..<rows { for j in 0..<cols { t[j, i] = self[i, j] } }
        return t
    }

    /// Matrix product `self · other` (naive; for the small k×m, m×m matrices).
    /// Large products go through `BLAS.gemm`.
    public static func * (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.cols == rhs.rows, "Matrix: shape mismatch in product")
        var p = Matrix(rows: lhs.rows, cols: rhs.cols)
        for i in 0..<lhs.rows {
            for l in 0..<lhs.cols {
                let x = lhs[i, l]
                if x == 0 { continue }
                for j in 0..<rhs.cols { p[i, j] += x * rhs[l, j] }
            }
        }
        return p
    }

    /// Entrywise difference.
    public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.cols == rhs.cols, "Matrix: shape mismatch")
        return Matrix(rows: lhs.rows, cols: lhs.cols, storage: zip(lhs.storage, rhs.storage).map { $0 - $1 })
    }

    /// Entrywise sum.
    public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.cols == rhs.cols, "Matrix: shape mismatch")
        return Matrix(rows: lhs.rows, cols: lhs.cols, storage: zip(lhs.storage, rhs.storage).map { $0 + $1 })
    }

    /// Scalar multiple.
    public static func * (lhs: Double, rhs: Matrix) -> Matrix {
        Matrix(rows: rhs.rows, cols: rhs.cols, storage: rhs.storage.map { lhs * $0 })
    }

    /// Frobenius norm `‖M‖_F`.
    public var frobeniusNorm: Double { storage.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// Largest absolute entry `max |M_ij|` (0 for an empty matrix; NaN if any entry is NaN, so that a
    /// comparison `(X − Y).maxAbs < tol` cannot pass on an undefined result).
    public var maxAbs: Double { storage.reduce(0) { $0.isNaN || $1.isNaN ? .nan : max($0, abs($1)) } }

    /// True when every entry is finite (no NaN, no ±Inf).
    public var isFinite: Bool { storage.allSatisfy { $0.isFinite } }
}
