import Testing

extension Tag {
    /// A test that takes seconds even optimised (fuzzing, Monte Carlo with millions of draws, claims,
    /// Slurm, long CLI workloads): `scripts/test --fast` skips it, `scripts/test` runs it.
    @Tag static var slow: Self
}
