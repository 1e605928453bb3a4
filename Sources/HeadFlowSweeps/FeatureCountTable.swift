import Synchronization
import HeadFlowNumerics
import HeadFlowModel
import HeadFlowDynamics

/// The multi-feature version of the paper's message: for `k`
/// features of decreasing strength and each head variant, the number of
/// distinct features learned (some neuron with `|cos(w_j, v_ℓ)| ≥ 0.9` at
/// `t_end`), averaged over random starts.
public struct FeatureCountTable: Sendable {
    /// Feature counts `k` (rows).
    public var featureCounts: [Int] = [2, 3, 4]
    /// Head variants (columns).
    public var heads: [HeadKind] = [.none, .offdiag, .full]
    /// Magnitudes; `k` features use the first `k` (`α_1 > α_2 ≥ …`).
    public var alpha: [Double] = [1.5, 1.0, 0.8, 0.7]
    /// Neurons per run; nil = `m = k`.
    public var neurons: Int? = nil
    /// Seeds of the random starts (the same for every cell).
    public var seeds: [UInt64] = Array(1...20)
    /// Every other parameter of a run (`d`, `η_E`, `t_end`, …); `alpha`, `neurons`,
    /// `head`, `seed` are set per run, and the start is random.
    public var base: RunSpec = RunSpec().with { $0.etaE = 0.03; $0.tEnd = 2e5; $0.points = 2 }

    /// The defaults: `k ∈ {2, 3, 4}`, heads none/offdiag/full, `α = (1.5, 1.0, 0.8, 0.7)`,
    /// `m = k`, seeds 1…20, `η_E/η = 0.03`, `t_end = 2·10⁵`.
    public init() {}

    /// The run of one cell and seed.
    public func spec(features k: Int, head: HeadKind, seed: UInt64) -> RunSpec {
        base.with {
            $0.alpha = Array(alpha.prefix(k)); $0.prob = nil; $0.neurons = neurons ?? k
            $0.head = head; $0.seed = seed; $0.initA = nil; $0.initB = nil
        }
    }

    /// Throws a `ParameterError` for `--seeds` when `ks × heads × seeds` runs
    /// overflow or their specs and results would not fit in memory (checked
    /// before the seed list is built).
    public static func checkSize(features: Int, heads: Int, seeds: Int) throws(ParameterError) {
        guard seeds >= 1 else { throw ParameterError("seeds", must: "an integer ≥ 1", got: "\(seeds)") }
        let runs = CheckedArithmetic.product(features, heads, seeds).map(Double.init) ?? .infinity
        try MemoryBudget.machine.check(ResourceEstimate([
            .init("seeds", "\(seeds)", bytes: runs * 640 + Double(seeds) * 8, what: "one run spec and result per (k, head, seed)"),
        ]))
    }

    /// Validates every run of the table (throws the first invalid parameter).
    public func validate() throws(ParameterError) {
        guard let kMax = featureCounts.max(), kMax <= alpha.count, (featureCounts.min() ?? 0) >= 1 else {
            throw ParameterError("ks", must: "feature counts in 1…\(alpha.count) (the length of --alpha)", got: "\(featureCounts)")
        }
        guard !seeds.isEmpty else { throw ParameterError("seeds", must: "at least 1 seed", got: "0") }
        guard !heads.isEmpty else { throw ParameterError("heads", must: "at least one head", got: "none") }
        for k in featureCounts { for h in heads { _ = try spec(features: k, head: h, seed: seeds[0]).problem() } }
    }

    /// One cell: `k`, head, the count of features learned per seed, failures.
    public struct Cell: Sendable {
        /// Features `k`.
        public let features: Int
        /// Head variant.
        public let head: HeadKind
        /// Neurons `m`.
        public let neurons: Int
        /// Features learned per seed (nil where the run failed).
        public let counts: [Int?]
        /// Failed runs, one line each, with the time reached.
        public let failures: [String]

        /// Mean over the seeds that succeeded (NaN when none did).
        public var mean: Double {
            let ok = counts.compactMap { $0 }
            return ok.isEmpty ? .nan : Double(ok.reduce(0, +)) / Double(ok.count)
        }
        /// Sample standard deviation over the seeds that succeeded.
        public var standardDeviation: Double { Statistics.standardDeviation(counts.compactMap { $0 }.map(Double.init)) }
    }

    /// Runs every (k, head, seed) on `jobs` threads; cells in row-major order
    /// (k, then head), so the result does not depend on `jobs`.
    /// `progress(done, total)` is called as runs finish.
    public func compute(jobs: Int = WorkerPool.coreCount,
                        progress: (@Sendable (Int, Int) -> Void)? = nil) throws(ParameterError) -> [Cell] {
        try validate()
        var specs: [RunSpec] = []
        for k in featureCounts { for h in heads { for s in seeds { specs.append(spec(features: k, head: h, seed: s)) } } }
        let results: [Result<Int, IntegrationFailure>] = try Ensemble.solve(specs, jobs: jobs, keep: .endpoints, progress: progress).map { t in
            if case .failed(let f) = t.status { return .failure(f) }
            return .success(t.featuresLearned)
        }
        var cells: [Cell] = []
        var i = 0
        for k in featureCounts { for h in heads {
            let slice = results[i..<(i + seeds.count)]
            var failures: [String] = []
            for (s, r) in zip(seeds, slice) { if case .failure(let f) = r { failures.append("k = \(k), head \(h.rawValue), seed \(s): \(f)") } }
            cells.append(Cell(features: k, head: h, neurons: neurons ?? k,
                              counts: slice.map { try? $0.get() }, failures: failures))
            i += seeds.count
        } }
        return cells
    }
}
