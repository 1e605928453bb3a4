import HeadFlowNumerics

/// A head trained by gradient on the entries its mask names (or frozen, with an empty mask): `none`,
/// `offdiag` (the paper's), `full`, `diag` and `random` (docs/MODEL.md §2).
public struct TrainedHead: HeadRule {
    /// Which entries of `E` train.
    public enum Entries: Sendable {
        /// None: `E` stays at `E(0)`.
        case none
        /// The off-diagonal `E_jr`, `j ≠ r` (the diagonal frozen at 1).
        case offDiagonal
        /// The diagonal only.
        case diagonal
        /// Every entry.
        case all
    }

    public let name: String
    public let summary: String
    /// The trainable entries.
    public let entries: Entries
    /// True for a random start `E_jr(0) ~ N(0, scale²)`, default `scale = 1/√m` **(choice)**; else `E(0) = I`.
    public let randomStart: Bool

    /// A trained head named `name`.
    public init(name: String, summary: String, entries: Entries, randomStart: Bool = false) {
        self.name = name; self.summary = summary; self.entries = entries; self.randomStart = randomStart
    }

    public func trainableMask(neurons m: Int) -> Matrix {
        var mask = Matrix(rows: m, cols: m)
        for j in 0..<m {
            for r in 0..<m {
                switch entries {
                case .none: mask[j, r] = 0
                case .offDiagonal: mask[j, r] = j == r ? 0 : 1
                case .diagonal: mask[j, r] = j == r ? 1 : 0
                case .all: mask[j, r] = 1
                }
            }
        }
        return mask
    }

    public func initialHead(neurons m: Int, source: RandomSource?, scale: Double?) -> Matrix {
        guard randomStart else { return .identity(m) }
        let s = scale ?? 1 / Double(m).squareRoot()
        let rng = source ?? RandomSource(seed: 1)
        return rng.gaussianMatrix(rows: m, cols: m, sigma: s)
    }

    public func spectralRule(_ parameters: DirectPredHead) -> DirectPredHead? { nil }

    /// The `k = m = 2` path moves `E` by `−η_E ∂L/∂E ∘ mask` for any mask.
    public var coveredBySmallPath: Bool { true }
}

extension TrainedHead {
    /// No head: `E = I`, frozen.
    public static let none = TrainedHead(name: "none", summary: "no head: E = I, frozen", entries: .none)
    /// The paper's head: `E(0) = I`, diagonal frozen at 1, off-diagonal trainable.
    public static let offdiag = TrainedHead(name: "offdiag", summary: "the paper's head: E(0) = I, off-diagonal trained, diagonal frozen at 1",
                                            entries: .offDiagonal)
    /// `E(0) = I`, every entry trainable.
    public static let full = TrainedHead(name: "full", summary: "E(0) = I, every entry trained", entries: .all)
    /// `E(0) = I`, only the diagonal trainable.
    public static let diag = TrainedHead(name: "diag", summary: "E(0) = I, only the diagonal trained", entries: .diagonal)
    /// Every entry trainable, random start `E_jr(0) ~ N(0, 1/m)` **(choice)**.
    public static let random = TrainedHead(name: "random", summary: "every entry trained from a random start E_jr(0) ~ N(0, 1/m)",
                                           entries: .all, randomStart: true)
}
