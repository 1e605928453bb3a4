import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel
@testable import HeadFlowDynamics

/// `dy/dt` of the generic `PopulationObjective.velocity` at flat state `y` (k = m = 2).
private func genericVelocity(_ model: DataModel, _ y: [Double], eta: Double, etaE: Double, mask: [Double]) -> (Bool, [Double]) {
    let objective = PopulationObjective(model: model, neurons: 2)
    var dy = Array(repeating: Double.nan, count: y.count)
    let ok = y.withUnsafeBufferPointer { yp in
        dy.withUnsafeMutableBufferPointer { dp in
            mask.withUnsafeBufferPointer { objective.velocity(yp, into: dp, eta: eta, etaE: etaE, mask: $0, layout: PopulationObjectiveSmall.layout) }
        }
    }
    return (ok, dy)
}

/// `dy/dt` of the k = m = 2 path at flat state `y`.
private func smallVelocity(_ model: DataModel, _ y: [Double], eta: Double, etaE: Double, mask: [Double]) -> (Bool, [Double]) {
    let small = PopulationObjectiveSmall(model: model, eta: eta, etaE: etaE, mask: mask)!
    var dy = Array(repeating: Double.nan, count: y.count)
    let ok = y.withUnsafeBufferPointer { yp in dy.withUnsafeMutableBufferPointer { small.velocity(yp.baseAddress!, into: $0.baseAddress!) } }
    return (ok, dy)
}

/// `dy/dt` of the generic path with BYOL's EMA target: `PopulationObjective.velocity(…, target:)` for
/// `[A, R, E]` and `EMATarget.velocity` for the target block `[A_tg, R_tg]` after `E` (k = m = 2).
private func genericEMAVelocity(_ model: DataModel, _ y: [Double], eta: Double, etaE: Double, mask: [Double], tau: Double) -> (Bool, [Double]) {
    let objective = PopulationObjective(model: model, neurons: 2)
    let layout = PopulationObjectiveSmall.emaLayout
    var dy = Array(repeating: Double.nan, count: y.count)
    let ok = y.withUnsafeBufferPointer { yp in
        dy.withUnsafeMutableBufferPointer { dp in
            mask.withUnsafeBufferPointer { mp in
                guard objective.velocity(yp, into: dp, eta: eta, etaE: etaE, mask: mp, layout: layout,
                                         target: yp.baseAddress! + layout.extraOffset) else { return false }
                EMATarget.velocity(online: yp.baseAddress!, target: yp.baseAddress! + layout.extraOffset,
                                   into: dp.baseAddress! + layout.extraOffset, count: layout.e, tau: tau)
                return true
            }
        }
    }
    return (ok, dy)
}

/// The bit patterns of `x` (so that −0 ≠ +0 and NaN = NaN of the same payload).
private func bits(_ x: [Double]) -> [UInt64] { x.map(\.bitPattern) }

@Suite("k = m = 2 right-hand side = the generic one, bit for bit")
struct SmallObjectiveTests {
    static let seeds: [UInt64] = Array(1...40)

    // Random models, states, rates and masks (every head's mask, and random 0/1 masks):
    // every component of dy/dt has the generic path's bits, and both return true.
    @Test("random states: dy/dt bit for bit")
    func randomStates() {
        let heads: [HeadKind] = [.offdiag, .full, .diag, .none]
        for seed in Self.seeds {
            let c = AgreementCase(features: 2, neurons: 2, seed: seed)
            let rng = RandomSource(seed: 1000 + seed)
            let eta = 0.2 + 2 * rng.uniform(), etaE = 0.001 + 0.1 * rng.uniform()
            let mask = seed % 5 == 4 ? (0..<4).map { _ in rng.uniform() < 0.5 ? 0.0 : 1.0 }
                                     : heads[Int(seed % 4)].trainableMask(neurons: 2).storage
            let y = c.online.flat
            let (okGeneric, generic) = genericVelocity(c.model, y, eta: eta, etaE: etaE, mask: mask)
            let (okSmall, small) = smallVelocity(c.model, y, eta: eta, etaE: etaE, mask: mask)
            #expect(okGeneric && okSmall, "seed \(seed): both finite")
            #expect(bits(small) == bits(generic), "seed \(seed): \(small) vs \(generic)")
            // Not all zero: the comparison is of real derivatives.
            #expect(generic.contains { $0 != 0 }, "seed \(seed)")
        }
    }

    // E with zero entries (the identity, a single-neuron row): the skipped `e_a = 0` terms of ∂L/∂B
    // and the signs of zeros agree too.
    // The EMA target (a separate [A_tg, R_tg] after E) at random τ: the path = the generic objective with
    // the target factors + the EMA block, bit for bit, through the flow's evaluator.
    @Test("EMA target: dy/dt bit for bit, through the evaluator")
    func emaTarget() {
        for seed in Self.seeds {
            let c = AgreementCase(features: 2, neurons: 2, seed: seed)
            let rng = RandomSource(seed: 2000 + seed)
            let tau = Double.pow(10, 3 * rng.uniform() - 0.5)
            let head: HeadKind = [.offdiag, .full, .none][Int(seed % 3)]
            var field = PopulationField(model: c.model, head: head, eta: 0.3 + rng.uniform(), etaE: 0.001 + 0.1 * rng.uniform())
            field.model.target = .ema; field.model.emaTau = tau
            let evaluator = field.makeEvaluator(neurons: 2)
            #expect(evaluator.layout == PopulationObjectiveSmall.emaLayout)
            let y = c.online.flat + c.target.a.storage + c.target.r.storage
            var dy = Array(repeating: Double.nan, count: y.count)
            let ok = y.withUnsafeBufferPointer { yp in dy.withUnsafeMutableBufferPointer { evaluator.velocity(yp, into: $0) } }
            let (okGeneric, generic) = genericEMAVelocity(c.model, y, eta: field.eta, etaE: field.etaE,
                                                          mask: head.trainableMask(neurons: 2).storage, tau: tau)
            #expect(ok && okGeneric, "seed \(seed): both finite")
            #expect(bits(dy) == bits(generic), "seed \(seed): \(dy) vs \(generic)")
            // The target matters: the same state with the target at the online state gives another dy/dt.
            let (_, sameTarget) = genericVelocity(c.model, c.online.flat, eta: field.eta, etaE: field.etaE,
                                                  mask: head.trainableMask(neurons: 2).storage)
            #expect(zip(dy.prefix(12), sameTarget).contains { $0 != $1 }, "seed \(seed)")
        }
    }

    @Test("heads with zero entries: dy/dt bit for bit")
    func zeroEntries() {
        for seed in Self.seeds.prefix(12) {
            let c = AgreementCase(features: 2, neurons: 2, seed: seed)
            for e in [[1.0, 0, 0, 1], [0.0, 1.3, 0.7, 0], [0.0, 0.9, 0.4, 1.1], [-0.6, 0, 0.2, 0.8]] {
                let y = c.online.a.storage + c.online.r.storage + e
                let mask = HeadKind.full.trainableMask(neurons: 2).storage
                let (okGeneric, generic) = genericVelocity(c.model, y, eta: 1, etaE: 0.01, mask: mask)
                let (okSmall, small) = smallVelocity(c.model, y, eta: 1, etaE: 0.01, mask: mask)
                #expect(okGeneric == okSmall, "seed \(seed), E \(e)")
                #expect(bits(small) == bits(generic), "seed \(seed), E \(e): \(small) vs \(generic)")
            }
        }
    }

    // A zero row of E (an output with zero variance): both paths report a non-finite loss.
    @Test("a zero row of E: both return false")
    func degenerate() {
        let c = AgreementCase(features: 2, neurons: 2, seed: 7)
        let y = c.online.a.storage + c.online.r.storage + [0, 0, 0.5, 1]
        let mask = HeadKind.full.trainableMask(neurons: 2).storage
        #expect(genericVelocity(c.model, y, eta: 1, etaE: 0.01, mask: mask).0 == false)
        #expect(smallVelocity(c.model, y, eta: 1, etaE: 0.01, mask: mask).0 == false)
    }

    // The flow's evaluator gives the generic dy/dt for the paper's k = m = 2 field (it takes the
    // path); the path declines k = 3.
    @Test("the evaluator at k = m = 2 = the generic objective; k = 3 is not covered")
    func evaluatorDispatch() {
        let c = AgreementCase(features: 2, neurons: 2, seed: 3)
        let field = PopulationField(model: c.model, head: .offdiag, eta: 1, etaE: 0.01)
        let evaluator = field.makeEvaluator(neurons: 2)
        let y = c.online.flat
        var dy = Array(repeating: Double.nan, count: y.count)
        let ok = y.withUnsafeBufferPointer { yp in dy.withUnsafeMutableBufferPointer { evaluator.velocity(yp, into: $0) } }
        let (_, generic) = genericVelocity(c.model, y, eta: 1, etaE: 0.01, mask: HeadKind.offdiag.trainableMask(neurons: 2).storage)
        #expect(ok)
        #expect(bits(dy) == bits(generic))
        #expect(PopulationObjectiveSmall(model: AgreementCase(features: 3, neurons: 2, seed: 1).model, eta: 1, etaE: 0.01,
                                         mask: [0, 1, 1, 0]) == nil, "k = 3 is not covered")
    }
}

@Suite("Substitution test without pow = with pow")
struct SubstitutionShortcutTests {
    // Random inputs over many decades, and near-ties |E|·|a_i|³ ≈ 10·|a_j|³ to 1e-9 … 1e-16:
    // whenever the shortcut decides, its verdict is `substituted`'s (with pow); it decides most
    // random cases and leaves the closest ties to pow.
    @Test("clearSubstitution agrees with substituted")
    func agrees() {
        let monitor = EventMonitor(features: 2, neurons: 2)
        let layout = StateLayout(features: 2, neurons: 2)
        let rng = RandomSource(seed: 99)
        var decided = 0, undecidedTies = 0
        let total = 4000
        for n in 0..<total {
            let ai = (rng.uniform() - 0.5) * Double.pow(10, Double(rng.uniformInt(7)) - 4)
            let aj = (rng.uniform() - 0.5) * Double.pow(10, Double(rng.uniformInt(7)) - 4)
            var e = (rng.uniform() - 0.5) * Double.pow(10, Double(rng.uniformInt(5)) - 2)
            if n % 2 == 1, ai != 0 {
                // A near-tie: E = 10 |a_j|³ / |a_i|³ · (1 + δ), δ from ±1e-16 to ±1e-9.
                let delta = (rng.uniform() < 0.5 ? -1.0 : 1.0) * Double.pow(10, -9 - Double(rng.uniformInt(8)))
                e = 10 * Double.pow(abs(aj), 3) / Double.pow(abs(ai), 3) * (1 + delta)
            }
            var y = Array(repeating: 0.5, count: layout.count)
            y[layout.a + 0 * 2 + 1] = ai   // a_{ℓ=1, i=2}
            y[layout.a + 0 * 2 + 0] = aj   // a_{ℓ=1, j=1}
            y[layout.e + 0 * 2 + 1] = e    // E_{j=1, i=2}
            let exact = monitor.substituted(y, feature: 0, neuron: 0, by: 1)
            if let fast = EventMonitor.clearSubstitution(e, ai, aj, factor: 10) {
                decided += 1
                #expect(fast == exact, "E \(e), a_i \(ai), a_j \(aj): shortcut \(fast), pow \(exact)")
            } else if n % 2 == 1 {
                undecidedTies += 1
            }
        }
        #expect(decided > total / 2, "the shortcut decides most cases (\(decided) of \(total))")
        #expect(undecidedTies > 0, "the closest ties are left to pow")
        // Out of the plain range (overflowing cubes, subnormals, NaN): left to pow.
        #expect(EventMonitor.clearSubstitution(1, 1e100, 1, factor: 10) == nil)
        #expect(EventMonitor.clearSubstitution(1, 1e-200, 1e-200, factor: 10) == nil)
        #expect(EventMonitor.clearSubstitution(.nan, 1, 1, factor: 10) == nil)
        #expect(EventMonitor.clearSubstitution(2, 1, 0, factor: 10) == true)
        #expect(EventMonitor.clearSubstitution(0, 1, 0.5, factor: 10) == false)
    }
}

/// The `k = m = 2` path is chosen by an allow-list (each rule's `coveredBySmallPath`, `SiameseModel.coveredBySmallPath`): every combination of head,
/// target and stop-gradient runs through the evaluator with and without the fast path; where it is covered the two
/// agree bit for bit, elsewhere the evaluator runs the generic path.
@Suite("k = m = 2 path: chosen by an allow-list, checked for every rule combination")
struct SmallPathCoverageTests {
    @Test("every (head, target, stop-grad): the fast path where covered, bit for bit; the generic path elsewhere")
    func everyCombination() throws {
        var covered = 0, generic = 0
        for head in HeadKind.allCases {
            for target in TargetRule.allCases {
                for stopGrad in StopGradientRule.allCases where !(stopGrad == .off && target == .ema) {
                    let c = AgreementCase(features: 2, neurons: 2, seed: UInt64(covered + generic + 7))
                    var field = PopulationField(model: c.model, head: head, eta: 0.7, etaE: 0.05)
                    field.model.target = target; field.model.stopGradient = stopGrad; field.model.emaTau = 30
                    let layout = field.layout(neurons: 2)
                    var y = field.initialState(c.online)
                    if target == .ema {  // a target block away from the online state
                        let t = c.target.a.storage + c.target.r.storage
                        for i in 0..<t.count { y[layout.extraOffset + i] = t[i] }
                    }
                    let fast = PopulationFieldEvaluator(field: field, layout: layout)
                    let slow = PopulationFieldEvaluator(field: field, layout: layout, fastPath: false)
                    // Independent statement of what the path covers: the heads E moves for by the masked gradient,
                    // either target, stop-gradient on.
                    let expected = head.spectralExponent == nil && stopGrad == .on
                    #expect(fast.usesFastPath == expected, "\(head) \(target) \(stopGrad)")
                    #expect(!slow.usesFastPath)
                    var d1 = Array(repeating: Double.nan, count: y.count), d2 = d1
                    let ok1 = y.withUnsafeBufferPointer { yp in d1.withUnsafeMutableBufferPointer { fast.velocity(yp, into: $0) } }
                    let ok2 = y.withUnsafeBufferPointer { yp in d2.withUnsafeMutableBufferPointer { slow.velocity(yp, into: $0) } }
                    #expect(ok1 && ok2)
                    #expect(bits(d1) == bits(d2), "\(head) \(target) \(stopGrad)")
                    #expect(d1.allSatisfy(\.isFinite) && d1.contains { $0 != 0 })
                    if expected { covered += 1 } else { generic += 1 }
                }
            }
        }
        #expect(covered == 10 && generic == 11)  // 5 heads × 2 targets; 2 spectral × 3 + 5 with stop-grad off
    }
}
