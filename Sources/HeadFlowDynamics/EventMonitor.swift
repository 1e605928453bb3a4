import RealModule
import HeadFlowNumerics
import HeadFlowModel

/// The events of docs/MODEL.md §5, watched at every accepted step:
///
/// - `learn_w{j}_v{ℓ}`: first time `|cos_{ℓj}| ≥ threshold` (0.9);
/// - `substitution_w{j}_by_w{i}_v{ℓ}`: once neuron `i` is the first to learn
///   `v_ℓ`, the first later time with `|E_ji|·|a_{ℓi}|³ > 10·|a_{ℓj}|³` (strict);
/// - `substitution` (m = 2): the one for `ℓ = 1`, `i` the first to learn `v_1`.
///
/// Conditions are located by bisection to the relative time tolerance.
package struct EventMonitor {
    let k: Int, m: Int
    let layout: StateLayout
    let learnThreshold: Double
    let substitutionFactor: Double
    /// Conditions a caller added (`EventSet.custom`), and when each first held.
    let custom: [FlowEvent]
    var customTimes: [Double?]
    /// When `v_ℓ` was first learned by neuron `j`, at `l·m + j` (flat: read at every step).
    var learn: [Double?]
    /// Time at which `v_ℓ` was first learned, and by which neuron.
    var firstLearner: [(time: Double, neuron: Int)?]
    /// When neuron `i` substituted for neuron `j` on `v_ℓ`, at `(l·m + j)·m + i`.
    var substitution: [Double?]
    /// The peaks of `|E_jr|`, at `j·m + r` (nil on the diagonal).
    var peakStore: [PeakRecord?]
    /// The peaks of `|E_jr|`, row `j`, column `r` (nil on the diagonal).
    var peaks: [[PeakRecord?]] { (0..<m).map { j in Array(peakStore[(j * m)..<(j * m + m)]) } }
    /// The last `substituted` test per `(ℓ, j, i)` made while watching steps: its inputs
    /// `(E_ji, a_ℓi, a_ℓj)` and verdict. A step starts where the last one ended, so its start
    /// state repeats the last test's inputs; the verdict is reused instead of recomputed
    /// (the test is a function of those three values only).
    private var lastTest: [(inputs: (Double, Double, Double), verdict: Bool)?]

    /// A monitor of the standard events (`EventSet` with these thresholds) for `k` features and `m` neurons.
    package init(features k: Int, neurons m: Int, learnThreshold: Double = 0.9, substitutionFactor: Double = 10) {
        self.init(layout: StateLayout(features: k, neurons: m),
                  events: EventSet(learnThreshold: learnThreshold, substitutionFactor: substitutionFactor))
    }

    init(layout: StateLayout, events: EventSet) {
        k = layout.features; m = layout.neurons
        self.layout = layout
        learnThreshold = events.learnThreshold
        substitutionFactor = events.substitutionFactor
        custom = events.custom
        customTimes = Array(repeating: nil, count: events.custom.count)
        learn = Array(repeating: nil, count: k * m)
        firstLearner = Array(repeating: nil, count: k)
        substitution = Array(repeating: nil, count: k * m * m)
        lastTest = Array(repeating: nil, count: k * m * m)
        let n = layout.neurons
        peakStore = (0..<(n * n)).map { $0 / n == $0 % n ? nil : PeakRecord(value: 0, time: 0) }
    }

    // MARK: - Conditions on a flat state [A, R, E]

    func cosine(_ y: [Double], feature l: Int, neuron j: Int) -> Double {
        let n2 = y.withUnsafeBufferPointer { layout.normSquared($0, neuron: j) }
        return y[layout.a + l * m + j] / n2.squareRoot()
    }

    func holds(_ event: FlowEvent, _ y: [Double]) -> Bool { event.condition(ReducedState(flat: y, layout: layout)) }

    func learned(_ y: [Double], feature l: Int, neuron j: Int) -> Bool {
        abs(cosine(y, feature: l, neuron: j)) >= learnThreshold
    }

    func substituted(_ y: [Double], feature l: Int, neuron j: Int, by i: Int) -> Bool {
        let supplied = abs(y[layout.e + j * m + i]) * Double.pow(abs(y[layout.a + l * m + i]), 3)
        return supplied > substitutionFactor * Double.pow(abs(y[layout.a + l * m + j]), 3)
    }

    /// `substituted(y, feature: l, neuron: j, by: i)`, reusing the last verdict for the same inputs.
    private mutating func substitutedReusing(_ y: [Double], feature l: Int, neuron j: Int, by i: Int) -> Bool {
        let inputs = (y[layout.e + j * m + i], y[layout.a + l * m + i], y[layout.a + l * m + j])
        let slot = (l * m + j) * m + i
        if let last = lastTest[slot], last.inputs == inputs { return last.verdict }
        let verdict = Self.clearSubstitution(inputs.0, inputs.1, inputs.2, factor: substitutionFactor)
            ?? substituted(y, feature: l, neuron: j, by: i)
        lastTest[slot] = (inputs, verdict)
        return verdict
    }

    /// The verdict of `|E_ji|·|a_ℓi|³ > factor·|a_ℓj|³` when cubes by multiplication decide it
    /// beyond doubt, else nil (then `substituted` decides with `pow`). Each side by
    /// multiplication is within a few ulps of the side with `pow` (every input zero or in
    /// [1e-60, 1e60]: no overflow, no underflow), so a relative gap above 1e-12 between the
    /// sides is the same verdict either way.
    static func clearSubstitution(_ eji: Double, _ ali: Double, _ alj: Double, factor: Double) -> Bool? {
        let e = abs(eji), xi = abs(ali), xj = abs(alj), f = abs(factor)
        func plain(_ x: Double) -> Bool { x == 0 || (x >= 1e-60 && x <= 1e60) }
        guard factor >= 0, plain(e), plain(xi), plain(xj), plain(f) else { return nil }
        let supplied = e * (xi * xi * xi), own = f * (xj * xj * xj)
        if supplied > own * (1 + 1e-12) { return true }
        if supplied < own * (1 - 1e-12) { return false }
        return nil
    }

    // MARK: - Names and records

    /// Every watched event, in a fixed order, with its time or nil.
    package var records: [EventRecord] {
        var out: [EventRecord] = []
        for j in 0..<m { for l in 0..<k { out.append(EventRecord(name: "learn_w\(j + 1)_v\(l + 1)", time: learn[l * m + j])) } }
        if m == 2 {
            let t: Double? = firstLearner[0].flatMap { fl in substitution[(1 - fl.neuron) * m + fl.neuron] }
            out.append(EventRecord(name: "substitution", time: t))
        }
        for l in 0..<k { for j in 0..<m { for i in 0..<m where i != j {
            out.append(EventRecord(name: "substitution_w\(j + 1)_by_w\(i + 1)_v\(l + 1)", time: substitution[(l * m + j) * m + i]))
        } } }
        for (event, t) in zip(custom, customTimes) { out.append(EventRecord(name: event.name, time: t)) }
        return out
    }

    mutating func updatePeaks(_ y: [Double], time t: Double) {
        for j in 0..<m { for r in 0..<m where r != j {
            let v = abs(y[layout.e + j * m + r])
            if v > peakStore[j * m + r]!.value { peakStore[j * m + r] = PeakRecord(value: v, time: t) }
        } }
    }

    // MARK: - Watching a step

    /// Checks the state at the start (events already true at `t = 0` fire at 0).
    mutating func start(_ y: [Double], time t: Double) throws(IntegrationFailure) {
        updatePeaks(y, time: t)
        for l in 0..<k { for j in 0..<m where learned(y, feature: l, neuron: j) { learn[l * m + j] = t } }
        for (c, event) in custom.enumerated() where holds(event, y) { customTimes[c] = t }
        settleLearners()
        for l in 0..<k {
            try checkSubstitutions(feature: l, lower: nil, upper: (t, y), tolerance: 0, stateAt: { _ throws(IntegrationFailure) in y })
        }
    }

    /// Watches the accepted step `(t0, y0) → (t1, y1)`; `stateAt(τ)` gives the
    /// state at any `τ` in `[t0, t1]` (by re-integration from `y0`).
    mutating func step(from t0: Double, _ y0: [Double], to t1: Double, _ y1: [Double], tolerance: Double,
                       stateAt: (Double) throws(IntegrationFailure) -> [Double]) throws(IntegrationFailure) {
        updatePeaks(y1, time: t1)
        for l in 0..<k { for j in 0..<m where learn[l * m + j] == nil && learned(y1, feature: l, neuron: j) {
            learn[l * m + j] = try locate(t0, t1, tolerance: tolerance, stateAt: stateAt) { learned($0, feature: l, neuron: j) }
        } }
        for (c, event) in custom.enumerated() where customTimes[c] == nil && holds(event, y1) {
            customTimes[c] = try locate(t0, t1, tolerance: tolerance, stateAt: stateAt) { holds(event, $0) }
        }
        settleLearners()
        for l in 0..<k {
            try checkSubstitutions(feature: l, lower: (t0, y0), upper: (t1, y1), tolerance: tolerance, stateAt: stateAt)
        }
    }

    /// Watches a discrete trajectory (SGD): every condition that holds at time
    /// `t` for the first time is recorded at `t` itself — the step time, no
    /// bisection (the state between two steps is not defined).
    mutating func observe(_ y: [Double], time t: Double) {
        updatePeaks(y, time: t)
        for l in 0..<k { for j in 0..<m where learn[l * m + j] == nil && learned(y, feature: l, neuron: j) { learn[l * m + j] = t } }
        for (c, event) in custom.enumerated() where customTimes[c] == nil && holds(event, y) { customTimes[c] = t }
        settleLearners()
        for l in 0..<k {
            guard let fl = firstLearner[l] else { continue }
            let i = fl.neuron
            for j in 0..<m where j != i && substitution[(l * m + j) * m + i] == nil && substituted(y, feature: l, neuron: j, by: i) {
                substitution[(l * m + j) * m + i] = t
            }
        }
    }

    private mutating func settleLearners() {
        for l in 0..<k where firstLearner[l] == nil {
            var best: (time: Double, neuron: Int)? = nil
            for j in 0..<m { if let t = learn[l * m + j], best == nil || t < best!.time { best = (t, j) } }
            firstLearner[l] = best
        }
    }

    private mutating func checkSubstitutions(feature l: Int, lower: (Double, [Double])?, upper: (Double, [Double]),
                                             tolerance: Double,
                                             stateAt: (Double) throws(IntegrationFailure) -> [Double]) throws(IntegrationFailure) {
        guard let fl = firstLearner[l] else { return }
        let i = fl.neuron
        let (t1, y1) = upper
        for j in 0..<m where j != i && substitution[(l * m + j) * m + i] == nil {
            // The watch starts when neuron i learned v_ℓ (possibly inside this step).
            let start = max(fl.time, lower?.0 ?? fl.time)
            let yStart = start == lower?.0 ? (lower?.1 ?? y1) : (start == t1 ? y1 : try stateAt(start))
            if substitutedReusing(yStart, feature: l, neuron: j, by: i) { substitution[(l * m + j) * m + i] = start; continue }
            guard start < t1, substitutedReusing(y1, feature: l, neuron: j, by: i) else { continue }
            substitution[(l * m + j) * m + i] = try locate(start, t1, tolerance: tolerance, stateAt: stateAt) {
                substituted($0, feature: l, neuron: j, by: i)
            }
        }
    }

    /// Bisection for the first time in `(lo, hi]` where `condition` holds,
    /// given it fails at `lo` and holds at `hi`; to relative width `tolerance`.
    private func locate(_ lo0: Double, _ hi0: Double, tolerance: Double,
                        stateAt: (Double) throws(IntegrationFailure) -> [Double],
                        condition: ([Double]) -> Bool) throws(IntegrationFailure) -> Double {
        var lo = lo0, hi = hi0
        while hi - lo > tolerance * max(abs(hi), .leastNormalMagnitude) {
            let mid = 0.5 * (lo + hi)
            if condition(try stateAt(mid)) { hi = mid } else { lo = mid }
        }
        return hi
    }
}
