import Testing
import PropertyBased
import RealModule
@testable import HeadFlowNumerics
@testable import HeadFlowModel

/// `Q(θ) diag(x, y) Q(θ)ᵀ` for the rotation `Q(θ)`.
func rotated(_ x: Double, _ y: Double, angle t: Double) -> Matrix {
    let q = Matrix([[Double.cos(t), -Double.sin(t)], [Double.sin(t), Double.cos(t)]])
    return q * Matrix([[x, 0], [0, y]]) * q.transposed
}

@Suite("DirectPred head: E = U diag((λ/λ_max)^γ + ε) Uᵀ")
struct NeighbourDirectPredTests {
    // S = Q diag(4, 1) Qᵀ: DirectPred gives Q diag(1 + ε, 1/2 + ε) Qᵀ, DirectCopy Q diag(1 + ε, 1/4 + ε) Qᵀ.
    @Test("closed form on a rotated spectrum", arguments: [(0.5, 0.5), (1.0, 0.25)])
    func closedForm(exponent: Double, second: Double) {
        let s = rotated(4, 1, angle: 0.7)
        let e = DirectPredHead(epsilon: 0.1, source: .raw, exponent: exponent).head(secondMoment: s)
        #expect((e - rotated(1.1, second + 0.1, angle: 0.7)).maxAbs < 1e-12, "\(e)")
    }

    // The defaults are DirectPred's (docs/MODEL.md §6: ε = 0.1, raw S, γ = 1/2), whatever the scale of S, also
    // when its largest eigenvalue is below 1.
    @Test("default rule: ε = 0.1, γ = 1/2, raw, at any scale of S", arguments: [1e-3, 0.3, 1.0, 1e3])
    func defaults(scale: Double) {
        let rule = DirectPredHead()
        #expect(rule.source == .raw)
        // Full rank (eigenvalues 4c, c) and rank one (diag(c, 0), exactly: a rounding error δ in the zero
        // eigenvalue would move the head by sqrt(δ)): the head is defined for both, on both paths.
        for (s, expected) in [(rotated(4 * scale, scale, angle: 0.7), rotated(1.1, 0.6, angle: 0.7)),
                              (Matrix([[scale, 0], [0, 0]]), Matrix([[1.1, 0], [0, 0.1]]))] {
            let e = rule.head(secondMoment: s), fast = hotPath(rule, s)
            #expect((e - expected).maxAbs < 1e-12, "\(e)")
            #expect(fast.isFinite && (fast - expected).maxAbs < 1e-12, "hot path \(fast)")
        }
    }

    // Symmetric, eigenvectors of S, eigenvalues (λ_i/λ_max)^γ + ε; scale- and ε-behaviour; hot path = readable.
    @Test("symmetric, shares S's eigenvectors, stated eigenvalues, ε shift, scale invariance")
    func properties() async {
        await propertyCheck(count: 40, input: Gen.double(in: -1...1).array(of: 9), Gen.double(in: 0...0.5),
                            Gen.double(in: 0.01...100)) { g, eps, c in
            let s = randomSecondMoment(g, m: 3)
            for exponent in [0.5, 1.0] {
                let rule = DirectPredHead(epsilon: eps, source: .raw, exponent: exponent)
                let e = rule.head(secondMoment: s)
                #expect((e - e.transposed).maxAbs < 1e-12)
                let (lambda, u) = LinearAlgebra.symmetricEigen(s)
                for i in 0..<3 {
                    let ui = Matrix(rows: 3, cols: 1, storage: u.column(i))
                    let mu = Double.pow(lambda[i] / lambda[2], exponent) + eps
                    #expect((e * ui - mu * ui).maxAbs < 1e-10, "eigenpair \(i)")
                }
                var noShift = rule; noShift.epsilon = 0
                #expect((e - noShift.head(secondMoment: s) - eps * .identity(3)).maxAbs < 1e-12)
                #expect((rule.head(secondMoment: c * s) - e).maxAbs < 1e-10)
                for source in DirectPredHead.Source.allCases {
                    var r = rule; r.source = source
                    #expect((hotPath(r, s) - r.head(secondMoment: s)).maxAbs < 1e-12)
                }
            }
        }
    }

    // normalized = raw applied to the correlation matrix; it ignores output scales, raw does not.
    @Test("normalized source: the head of C = D^{-1/2} S D^{-1/2}")
    func normalizedSource() {
        let s = Matrix([[4, 1.2, 0.3], [1.2, 1, 0.2], [0.3, 0.2, 0.25]])
        let norm = DirectPredHead(source: .normalized), raw = DirectPredHead(source: .raw)
        let c = RepresentationRank.correlation(s)!
        #expect((norm.head(secondMoment: s) - raw.head(secondMoment: c)).maxAbs < 1e-12)
        let d = Matrix([[3, 0, 0], [0, 0.5, 0], [0, 0, 2]])
        #expect((norm.head(secondMoment: d * s * d) - norm.head(secondMoment: s)).maxAbs < 1e-10)
        #expect((raw.head(secondMoment: d * s * d) - raw.head(secondMoment: s)).maxAbs > 1e-2)
    }

    // S = 0, a zero variance (normalized) or a non-finite S: the head is undefined (NaN), in both forms.
    @Test("undefined head is NaN")
    func undefined() {
        let cases: [(DirectPredHead.Source, Matrix)] = [(.raw, Matrix(rows: 2, cols: 2)), (.normalized, Matrix([[1, 0], [0, 0]])),
                                                         (.raw, Matrix([[1, .nan], [.nan, 1]]))]
        for (source, s) in cases {
            let rule = DirectPredHead(source: source)
            #expect(rule.head(secondMoment: s).storage.allSatisfy { $0.isNaN })
            #expect(hotPath(rule, s).storage.allSatisfy { $0.isNaN })
        }
    }

    /// `DirectPredHead.write` on raw buffers.
    func hotPath(_ rule: DirectPredHead, _ s: Matrix) -> Matrix {
        let m = s.rows
        var out = Matrix(rows: m, cols: m)
        // The m² + m scratch doubles, then a guard region of −1 that a correct write never reads.
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: m * m + m + 16)
        scratch.initialize(repeating: -1, count: m * m + m + 16)
        defer { scratch.deallocate() }
        let ws = SymmetricEigenWorkspace(order: m)
        s.storage.withUnsafeBufferPointer { sp in
            out.storage.withUnsafeMutableBufferPointer { op in
                _ = rule.write(secondMoment: sp.baseAddress!, into: op.baseAddress!, scratch: scratch, workspace: ws)
            }
        }
        return out
    }
}
