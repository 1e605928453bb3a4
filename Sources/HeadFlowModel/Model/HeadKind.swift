import HeadFlowNumerics

/// The prediction-head variants of docs/MODEL.md §2.
public enum HeadKind: String, CaseIterable, Sendable, Codable {
    /// No head: `E = I`, frozen.
    case none
    /// The paper's head: `E(0) = I`, diagonal frozen at 1, off-diagonal trainable.
    case offdiag
    /// `E(0) = I`, every entry trainable.
    case full
    /// `E(0) = I`, only the diagonal trainable.
    case diag
    /// Every entry trainable, random start `E_jr(0) ~ N(0, 1/m)` **(choice)**.
    case random
    /// Not trained: set at every time from the outputs' second moment, `E = U diag(sqrt(λ_i/λ_max) + ε) Uᵀ`
    /// (DirectPred, Tian, Chen & Ganguli 2021; see `DirectPredHead`).
    case directpred
    /// As `directpred` with exponent 1: `E = U diag(λ_i/λ_max + ε) Uᵀ` (DirectCopy, Wang et al. 2022).
    case directcopy

    /// The exponent `γ` of a head set from the outputs' spectrum (`directpred` 1/2, `directcopy` 1); nil for a trained or frozen head.
    public var spectralExponent: Double? {
        switch self {
        case .directpred: return 0.5
        case .directcopy: return 1
        default: return nil
        }
    }

    /// Which entries of the m×m head are trainable (1) or frozen (0).
    public func trainableMask(neurons m: Int) -> Matrix {
        var mask = Matrix(rows: m, cols: m)
        for j in 0..<m {
            for r in 0..<m {
                switch self {
                case .none, .directpred, .directcopy: mask[j, r] = 0
                case .offdiag: mask[j, r] = j == r ? 0 : 1
                case .full, .random: mask[j, r] = 1
                case .diag: mask[j, r] = j == r ? 1 : 0
                }
            }
        }
        return mask
    }

    /// `E(0)`: the identity, except for `.random` (entries `N(0, scale²)` from `source`).
    public func initialHead(neurons m: Int, source: RandomSource?, scale: Double? = nil) -> Matrix {
        guard self == .random else { return .identity(m) }
        let s = scale ?? 1 / Double(m).squareRoot()
        let rng = source ?? RandomSource(seed: 1)
        return rng.gaussianMatrix(rows: m, cols: m, sigma: s)
    }
}
