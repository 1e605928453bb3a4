import HeadFlowData

// MARK: - Ranks of a population state

extension RepresentationRank {
    /// The ranks of the online outputs `f` and of the head's outputs `F = E f` at a
    /// reduced state: from `S(A, B)` and `E S Eᵀ` (docs/MODEL.md §3). NaN where an
    /// output has zero variance.
    public static func ofOutputs(model: DataModel, state: ReducedState) -> (f: RepresentationRank, headed: RepresentationRank) {
        let s = PopulationMoments(model: model, a: state.a, b: state.b).same
        return (RepresentationRank(secondMoment: s), RepresentationRank(secondMoment: secondMoment(of: s, head: state.e)))
    }
}
