import HeadFlowNumerics

// MARK: - The global optima of docs/MODEL.md §3

extension ReducedState {
    /// Every neuron exactly on one feature, `w_j = v_{ℓ(j)}` (`a_{ℓ(j) j} = 1`,
    /// no noise part: `B = 0`), head `E = I`. `assignment[j]` is the 0-based
    /// feature of neuron `j`. Each such neuron attains `ρ_j = (s−1)/(s+1)`.
    public static func onFeatures(_ assignment: [Int], features k: Int) -> ReducedState {
        let m = assignment.count
        var a = Matrix(rows: k, cols: m)
        for (j, l) in assignment.enumerated() { a[l, j] = 1 }
        return ReducedState(a: a, r: Matrix(rows: m, cols: m), e: .identity(m))
    }

    /// The diverse optimum: neuron `j` on `v_{j mod k}` (every feature learned when `m ≥ k`).
    public static func diverseOptimum(features k: Int, neurons m: Int) -> ReducedState {
        onFeatures((0..<m).map { $0 % k }, features: k)
    }

    /// The collapsed optimum: every neuron on the strong feature `v_1` (dimensional collapse).
    public static func collapsedOptimum(features k: Int, neurons m: Int) -> ReducedState {
        onFeatures(Array(repeating: 0, count: m), features: k)
    }
}
