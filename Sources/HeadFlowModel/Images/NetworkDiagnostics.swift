import HeadFlowNumerics

/// Summaries of the encoder `W` and the head `E` that the real-data study reports (issue 20).
public enum NetworkDiagnostics {
    /// `max_{j≠r} |cos(w_j, w_r)|` over the columns of `W` (`d × m`): 1 when two neurons point the same
    /// way (duplicated). A zero column has no direction and is left out; NaN when fewer than two columns
    /// are nonzero.
    public static func maxNeuronCosine(_ w: Matrix) -> Double {
        let m = w.cols
        let norms = (0..<m).map { j in (0..<w.rows).reduce(0.0) { $0 + w[$1, j] * w[$1, j] }.squareRoot() }
        var best = -Double.infinity
        for j in 0..<m where norms[j] > 0 {
            for r in (j + 1)..<m where norms[r] > 0 {
                var dot = 0.0
                for k in 0..<w.rows { dot += w[k, j] * w[k, r] }
                best = max(best, abs(dot) / (norms[j] * norms[r]))
            }
        }
        return best == -.infinity ? .nan : best
    }

    /// `max_{j≠r} |E_jr|`: the largest off-diagonal entry of the head (0 for `m = 1`).
    public static func headOffDiagonalMax(_ e: Matrix) -> Double {
        var best = 0.0
        for j in 0..<e.rows { for r in 0..<e.cols where r != j { best = max(best, abs(e[j, r])) } }
        return best
    }

    /// `‖E − I‖_F`: how far the head is from the identity.
    public static func headDeviation(_ e: Matrix) -> Double {
        precondition(e.rows == e.cols, "headDeviation: E must be square")
        return (e - .identity(e.rows)).frobeniusNorm
    }
}
