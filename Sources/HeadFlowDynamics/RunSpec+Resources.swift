import HeadFlowNumerics

// MARK: - Memory estimates of a run, before anything is allocated

/// Bytes of the recorded trajectory per sample and of its JSON rendering, for
/// `k` features and `m` neurons (`Double`, so any `m` is safe).
enum TrajectoryMemory {
    /// One `TrajectorySample` (`A, R, E`, `ρ`, its arrays' headers) plus the
    /// JSON of it (`t, a, cos, B, E, rho, loss, norms`: about 100 bytes per
    /// number as a `JSONValue` tree and its text).
    static func perSample(k: Double, m: Double) -> Double {
        let stored = (k * m + 2 * m * m + m) * 8 + 320
        let rendered = (2 * k * m + 2 * m * m + 2 * m + 2) * 100
        return stored + rendered
    }

    /// `points` recorded samples, charged to `option` (`--points`, `--log-every`)
    /// or to `--neurons` when the size of one sample is the larger factor.
    static func samplesTerm(points: Double, option: (String, String), k: Double, m: Double, neurons: Int) -> ResourceEstimate.Term {
        let one = perSample(k: k, m: m) + 24
        let owner = one > points ? ("neurons", "\(neurons)") : option
        return .init(owner.0, owner.1, bytes: points * one, what: "the recorded samples and their output")
    }
}

extension RunSpec {
    /// What one population run needs: the integrator on the state `[A; R; E]`
    /// of `n = k·m + 2m²` numbers (with an implicit stepper — `auto` may switch
    /// to `msbdf` — its dense `n × n` Jacobian and iteration matrix), the start,
    /// and `--points` recorded samples with their JSON. `integrator: false`
    /// leaves the integrator out (SGD records the same samples but does not integrate).
    public func memoryEstimate(integrator: Bool = true) -> ResourceEstimate {
        let k = Double(alpha.count), m = Double(neurons), n = k * m + 2 * m * m
        var terms = [ResourceEstimate.Term("neurons", "\(neurons)", bytes: 16 * m * m * 8 + 8 * k * m * 8, what: "the start and the moments")]
        if integrator {
            terms.append(.init("neurons", "\(neurons)", bytes: 40 * n * 8, what: "the integrator's state vectors"))
            if stepper == .auto || stepper.isImplicit {
                terms.append(.init("neurons", "\(neurons)", bytes: 2 * n * n * 8,
                                   what: "the implicit stepper's (k·m + 2m²)² Jacobian (--stepper rk8pd needs none)"))
            }
        }
        terms.append(TrajectoryMemory.samplesTerm(points: Double(points), option: ("points", "\(points)"), k: k, m: m, neurons: neurons))
        return ResourceEstimate(terms)
    }
}

extension TrainingProblem {
    /// What SGD needs besides the start: the batch buffers of the sampler
    /// (`N·(P−s)` noise rows of `m` pre-activations; with `full`, also of
    /// `d − k` coordinates, and `W ∈ R^{d×m}`), a fixed data set, and the
    /// recorded samples (every `every` steps when given, else the problem's times).
    public func memoryEstimate(sampler: SGDSampler, every: Int? = nil) -> ResourceEstimate {
        let model = self.model.data, rules = self.model
        let k = Double(model.featureCount), m = Double(neurons), n = Double(batch), d = Double(model.dimension)
        let noise = Double(model.patches) - Double(model.featurePatches), rows = n * noise
        let rowOption = noise > n ? ("patches", "\(model.patches)") : ("batch", "\(batch)")
        var terms: [ResourceEstimate.Term] = [
            .init(rowOption.0, rowOption.1, bytes: (3 * rows * m + 12 * n * m + 8 * n) * 8, what: "the batch buffers"),
        ]
        if sampler == .full {
            terms.append(.init(rowOption.0, rowOption.1, bytes: rows * (d - k) * 8, what: "the batch's noise patches (the projected sampler stores none)"))
            terms.append(.init("d", "\(model.dimension)", bytes: 2 * d * m * 8, what: "the network W (d×m)"))
        }
        if sampler == .full, rules.stopGradient == .off {
            terms.append(.init("batch", "\(batch)", bytes: n * m * (d - k) * 8, what: "view 2's backward buffers (--stop-grad off)"))
        }
        if sampler == .full, rules.target == .ema { terms.append(.init("d", "\(model.dimension)", bytes: d * m * 8, what: "the EMA target W_tg (d×m)")) }
        if sampler == .projected, rules.hasNeighbours {
            let b = rules.target == .ema ? 2 * m : m
            terms.append(.init("batch", "\(batch)", bytes: n * 2 * (b * m + m * m) * 8, what: "the per-sample statistics of both views"))
        }
        if case .fixed(let count) = data {
            let s = Double(count)
            terms.append(.init("samples", "\(count)", bytes: s * noise * (d - k) * 8 + s * 32, what: "the fixed data set"))
        }
        var points: Double
        switch sampling {
        case .logarithmic(let p, _), .linear(let p): points = Double(p)
        case .explicit(let ts): points = Double(ts.count + 2)
        case .endpoints: points = 2
        }
        var option = ("points", "\(points)")
        if let every, every >= 1 { points = Double(steps) / Double(every) + 2; option = ("log-every", "\(every)") }
        terms.append(TrajectoryMemory.samplesTerm(points: points, option: option, k: k, m: m, neurons: neurons))
        return ResourceEstimate(terms)
    }
}
