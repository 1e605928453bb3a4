import HeadFlowNumerics
import HeadFlowDynamics

/// `boundary-curve` (docs/MODEL.md §5.2–5.3; `headflow boundary`): the critical head rate `η_E*/η` — where collapse
/// ends along `η_E/η ∈ [10⁻⁴, 1]` — located by bisection (`SwitchSearch`: a 9-point log scan, then every change
/// bisected to 0.5%) at five weak-feature magnitudes `α₂/α₁`. Each line must switch exactly once, collapse → diverse,
/// inside a bracket no wider than asked; `η_E*` must fall as `α₂/α₁ → 1` (a weaker head suffices for a stronger weak
/// feature) and agree with `eta-threshold`'s grid bracket at the canonical `α₂/α₁ = 2/3`.
public struct BoundaryCurve: Claim {
    /// `α_2` of each line (`α_1 = 1.5`): `α₂/α₁ = 0.5, 0.6, 2/3, 0.8, 0.9`.
    public let weak: [Double] = [0.75, 0.9, 1.0, 1.2, 1.35]
    /// The line `η_E/η ∈ [lo, hi]`, its scan points and the precision asked.
    public let between = (low: 1e-4, high: 1.0), scan = 9, precision = 0.005

    /// The claim at its preset.
    public init() {}

    /// Stable id (a contract; see `Claim.id`).
    public let id = "boundary-curve"
    /// The statement in the paper's notation.
    public let statement = "the critical head rate η_E*/η (where collapse ends along η_E/η ∈ [1e-4, 1]) is one collapse → diverse switch per α₂/α₁ ∈ {0.5, 0.6, 2/3, 0.8, 0.9}, located to 0.5%, and it falls as α₂/α₁ → 1"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Canonical start A(0) = [[0.1, 0.05], [0.05, 0.05]], B(0) = I, E(0) = I; offdiag head; η = 1, α_1 = 1.5, α_2 = (α₂/α₁)·α_1; outcome read at t_end = 2·10⁴.",
        "Search (SwitchSearch, as headflow boundary): 9 log-spaced η_E/η from 1e-4 to 1, then each neighbouring pair with different outcomes bisected in log until (high − low) ≤ 0.005·high; both ends of a bracket are solved, never interpolated.",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("lines", "values of α₂/α₁ searched"),
        Quantity("c_to_d_lines", "lines whose only switch is collapse → diverse"),
        Quantity("decreasing", "1 when η_E* strictly decreases from α₂/α₁ = 0.5 to 0.9"),
        Quantity("widest_bracket", "largest (high − low)/high over the switches"),
        Quantity("eta_star_half", "η_E*/η at α₂/α₁ = 0.5 (geometric midpoint of its bracket)"),
        Quantity("eta_star_canonical", "η_E*/η at α₂/α₁ = 2/3, the canonical α = (1.5, 1)"),
        Quantity("eta_star_09", "η_E*/η at α₂/α₁ = 0.9"),
        Quantity("slope", "least-squares slope of log η_E* on log(α₂/α₁) over the five lines"),
        Quantity("runs", "flows solved"),
    ]
    /// What decides it, for the short table.
    public let headline = ["eta_star_canonical", "widest_bracket"]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .equals("c_to_d_lines", 5),
        .equals("decreasing", 1),
        .atMost("widest_bracket", 0.005),
        .within("eta_star_canonical", of: 0.0037, by: 0.0005),
    ]
    /// Why a threshold or a preset is what it is.
    public let remarks = [
        "The canonical bound [0.0032, 0.0042] is eta-threshold's grid bracket (17 log-spaced points over two decades): the bisected η_E* must fall inside it.",
        "Below α₂/α₁ ≈ 0.45 the line switches collapse → undecided → diverse (and diverse → undecided near η_E/η = 1): a horizon effect that headflow boundary reports as several switches; the claim's lines avoid it.",
        "The slope is measured, not judged: over the full range α₂/α₁ ∈ [0.3, 0.9] the local exponent runs from −1.2 to −0.53 and back, so η_E* is not a power law of α₂/α₁ (README, boundary laws).",
    ]
    /// Where the paper states it.
    public let reference = "arXiv:2205.06226, the role of the head's learning rate η_E ≪ η in the substitution and acceleration effects; docs/MODEL.md §5.2–5.3"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "the boundary is a curve, not a cell: bisection locates the critical head rate in brackets of relative width ≤ «widest_bracket» — `η_E*/η = «eta_star_half»` at `α₂/α₁ = 0.5`, «eta_star_canonical» at 2/3 (inside `eta-threshold`'s grid bracket), «eta_star_09» at 0.9 — one collapse → diverse switch per line, falling as the weak feature strengthens (log-log slope «slope»)."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { .canonical }

    /// Settings beyond the preset: the lines and the search.
    public func settings(for preset: RunSpec) -> [ClaimSetting] {
        [.numbers("alpha_2 (alpha_1 = 1.5)", weak), .numbers("eta-e/eta between", [between.low, between.high]),
         .integers("scan points", [scan]), .numbers("relative precision", [precision])]
    }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("head none", expectation: "no head: every η_E/η collapses, no line has a switch",
                            modify: { $0.with { $0.head = .none } }),
        ]
    }

    /// The preset with `α_2 = weak[line]` and `η_E = x·η`.
    func spec(_ preset: RunSpec, line: Int, _ x: Double) -> RunSpec {
        preset.with { $0.alpha = [1.5, weak[line]]; $0.etaE = x * preset.eta }
    }

    /// The outcome at `t_end` as a probe (its letter the class), or the failure.
    static func probe(_ t: Trajectory) -> LineProbe<Outcome> {
        if case .failed(let f) = t.status { return .failed("\(f)") }
        return .result(t.outcome, key: String(t.outcome.symbol))
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let search = SwitchSearch(scale: .log, integral: false, relativePrecision: precision)
        let xs = search.scanPoints(between.low, between.high, count: scan)
        let n = xs.count
        let scans = try ClaimFlow.solveAll((0..<weak.count).flatMap { l in xs.map { spec(preset, line: l, $0) } }).map(Self.probe)
        let lines = WorkerPool.map(Array(weak.indices)) { l in
            search.search(scan: (0..<n).map { (xs[$0], scans[l * n + $0]) }) { x in
                (try? ClaimFlow.solve(spec(preset, line: l, x))).map(Self.probe) ?? .failed("rejected")
            }
        }
        var failures: [String] = [], stars: [Double?] = [], widest = 0.0, clean = 0, runs = 0
        for (l, r) in lines.enumerated() {
            runs += r.points.count
            for f in r.failures { failures.append("α₂ = \(weak[l]), η_E/η = \(f.x): \(f.message)") }
            for s in r.switches { widest = max(widest, (s.high - s.low) / s.high) }
            let only = r.switches.count == 1 && r.unresolved.isEmpty ? r.switches.first : nil
            let cd = only.flatMap { $0.below == .collapse && $0.above == .diverse ? $0 : nil }
            if cd != nil { clean += 1 }
            stars.append(cd.map { ($0.low * $0.high).squareRoot() })
        }
        let found = stars.compactMap { $0 }
        let decreasing = found.count == weak.count && zip(found, found.dropFirst()).allSatisfy { $0 > $1 }
        let ratios = weak.map { $0 / 1.5 }
        let pairs = zip(ratios, stars).compactMap { r, s in s.map { (r, $0) } }
        let fit = LeastSquaresFit.powerLaw(x: pairs.map(\.0), y: pairs.map(\.1))
        let text = zip(ratios, lines).map { r, line in
            "\(NumberFormat.short(r)): " + (line.switches.map { "\($0.below.symbol)→\($0.above.symbol) [\(NumberFormat.short($0.low)), \(NumberFormat.short($0.high))]" }.joined(separator: " ") as String)
        }
        return ClaimMeasurement(values: [
            MeasuredValue("lines", Double(weak.count)),
            MeasuredValue("c_to_d_lines", Double(clean)),
            MeasuredValue("decreasing", found.isEmpty ? nil : decreasing ? 1 : 0),
            MeasuredValue("widest_bracket", lines.contains { !$0.switches.isEmpty } ? widest : nil),
            MeasuredValue("eta_star_half", stars[0]),
            MeasuredValue("eta_star_canonical", stars[2]),
            MeasuredValue("eta_star_09", stars[4]),
            MeasuredValue("slope", fit?.slope),
            MeasuredValue("runs", Double(runs)),
        ], notes: ["switches by α₂/α₁ (η_E/η brackets): " + text.joined(separator: "; ")], failures: failures)
    }
}
