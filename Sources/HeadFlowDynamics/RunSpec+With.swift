extension RunSpec {
    /// This spec with `transform` applied (for presets, negative controls and sweep bases).
    public func with(_ transform: (inout RunSpec) -> Void) -> RunSpec {
        var s = self
        transform(&s)
        return s
    }
}
