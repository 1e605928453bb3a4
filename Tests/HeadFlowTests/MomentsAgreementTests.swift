import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel

/// One random case of the agreement tests: a data model, an online state and a
/// separate target state, all drawn from `seed`.
struct AgreementCase: Sendable {
    let model: DataModel
    let online: ReducedState
    let target: ReducedState

    /// `k` features, `m` neurons; `P`, `s`, `α`, `p`, `σ_ξ`, the mask probability
    /// and both states random. `R` is scaled by `1/sqrt(m)` so that the noise
    /// and feature parts of `S` are of comparable size.
    init(features k: Int, neurons m: Int, seed: UInt64) {
        let rng = RandomSource(seed: seed)
        let patches = 4 + rng.uniformInt(29)
        let s = 2 + rng.uniformInt(patches - 1)
        let alpha = (0..<k).map { _ in 0.6 + 1.2 * rng.uniform() }.sorted(by: >)
        let raw = (0..<k).map { _ in 0.2 + rng.uniform() }
        let total = raw.reduce(0, +)
        model = DataModel(dimension: 50, patches: patches, featurePatches: s, alpha: alpha,
                          probabilities: raw.map { $0 / total }, noise: 0.6 + 0.6 * rng.uniform(),
                          maskProbability: 0.25 + 0.5 * rng.uniform())
        func state() -> ReducedState {
            ReducedState(a: rng.gaussianMatrix(rows: k, cols: m, sigma: 0.7),
                         r: rng.gaussianMatrix(rows: m, cols: m, sigma: 0.8 / Double(m).squareRoot()),
                         e: .identity(m) + rng.gaussianMatrix(rows: m, cols: m, sigma: 0.6))
        }
        online = state()
        target = state()
    }

    /// The readable moments with the target at `target` (or at the online state).
    func readable(_ s: ReducedState, target t: ReducedState) -> PopulationMoments {
        PopulationMoments(model: model, a: s.a, b: s.b, targetA: t.a, targetB: t.b)
    }
}

/// `f′(x_i)` for every coordinate of `x` by the five-point stencil
/// `(8(f(x+h) − f(x−h)) − (f(x+2h) − f(x−2h))) / 12h` (error `O(h⁴)`).
func fivePointGradient(_ x: [Double], step h: Double = 2e-4, _ f: ([Double]) -> Double) -> [Double] {
    var y = x
    return (0..<x.count).map { i in
        func at(_ d: Double) -> Double { y[i] = x[i] + d; defer { y[i] = x[i] }; return f(y) }
        return (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h)
    }
}

@Suite("Hot path = readable population moments")
struct MomentsAgreementTests {
    /// `(k, m)`: features and neurons.
    static let shapes: [(Int, Int)] = [(2, 1), (2, 2), (3, 2), (2, 3), (4, 3), (3, 4), (4, 5), (2, 5)]
    static let seeds: [UInt64] = Array(1...12)

    // For every state, target = online or not: ρ_j and L of the hot path equal the readable forms to 1e-12.
    @Test("ρ_j and L: PopulationObjective = PopulationMoments", arguments: shapes)
    func correlationsAndLoss(k: Int, m: Int) {
        for seed in Self.seeds {
            let c = AgreementCase(features: k, neurons: m, seed: seed)
            let hot = PopulationObjective(model: c.model, neurons: m)
            for (label, target) in [("target = online", c.online), ("target ≠ online", c.target)] {
                let fast = label == "target = online" ? hot.evaluate(online: c.online) : hot.evaluate(online: c.online, target: target)
                let slow = c.readable(c.online, target: target)
                let rho = slow.correlations(head: c.online.e)
                for j in 0..<m {
                    #expect(abs(fast.correlations[j] - rho[j]) <= 1e-12, "seed \(seed), \(label): ρ_\(j + 1) \(fast.correlations[j]) vs \(rho[j])")
                }
                let loss = slow.loss(head: c.online.e)
                #expect(abs(fast.loss - loss) <= 1e-12 * max(1, abs(loss)), "seed \(seed), \(label): L \(fast.loss) vs \(loss)")
            }
        }
    }

    // K, S, T one entry at a time: with row j of E = e_r, ρ_j = K_rj / sqrt(S_rr T_j); with
    // e_r + 2e_c (r ≠ c) the off-diagonal S_rc enters. Equal ρ under every probe means equal
    // (K, S, T) up to a positive factor per target column j (K_·j and sqrt T_j together),
    // which no output of the objective depends on.
    @Test("K, S, T through probe heads: PopulationObjective = PopulationMoments", arguments: shapes)
    func momentsUnderProbeHeads(k: Int, m: Int) {
        for seed in Self.seeds.prefix(6) {
            let c = AgreementCase(features: k, neurons: m, seed: seed)
            let hot = PopulationObjective(model: c.model, neurons: m)
            let slow = c.readable(c.online, target: c.target)
            var probes: [(String, Matrix)] = []
            for shift in 0..<m {
                var e = Matrix(rows: m, cols: m)
                for j in 0..<m { e[j, (j + shift) % m] = 1 }
                probes.append(("row j = e_{j+\(shift)}", e))
                for other in 0..<m where other != shift {
                    var pair = e
                    for j in 0..<m { pair[j, (j + other) % m] += 2 }
                    probes.append(("row j = e_{j+\(shift)} + 2e_{j+\(other)}", pair))
                }
            }
            for (name, e) in probes {
                var online = c.online
                online.e = e
                let fast = hot.evaluate(online: online, target: c.target).correlations
                let rho = slow.correlations(head: e)
                for j in 0..<m {
                    #expect(abs(fast[j] - rho[j]) <= 1e-12, "seed \(seed), \(name): ρ_\(j + 1) \(fast[j]) vs \(rho[j])")
                }
            }
            // The unit probe E = I spelled out: ρ_j = K_jj / sqrt(S_jj T_j).
            var identity = c.online
            identity.e = .identity(m)
            let fast = hot.evaluate(online: identity, target: c.target).correlations
            for j in 0..<m {
                let byHand = slow.cross[j, j] / (slow.same[j, j] * slow.targetVariance[j]).squareRoot()
                #expect(abs(fast[j] - byHand) <= 1e-12, "seed \(seed): ρ_\(j + 1) at E = I")
            }
        }
    }

    // The hot path's gradients (A, R, B, E) equal derivatives of the READABLE loss, target held fixed.
    @Test("∂L/∂A, ∂L/∂R, ∂L/∂B, ∂L/∂E = five-point differences of the readable loss", arguments: shapes)
    func gradientsMatchReadableLoss(k: Int, m: Int) {
        for seed in Self.seeds.prefix(6) {
            let c = AgreementCase(features: k, neurons: m, seed: seed)
            let hot = PopulationObjective(model: c.model, neurons: m)
            for target in [c.online, c.target] {
                let ev = hot.evaluate(online: c.online, target: target)
                let readable = { (y: [Double]) -> Double in
                    let s = ReducedState(flat: y, features: k, neurons: m)
                    return c.readable(s, target: target).loss(head: s.e)
                }
                let numeric = fivePointGradient(c.online.flat, readable)
                let analytic = ev.gradA.storage + ev.gradR.storage + ev.gradE.storage
                let scale = max(1, numeric.map(abs).max()!)
                for i in 0..<numeric.count {
                    #expect(abs(analytic[i] - numeric[i]) <= 1e-8 * scale, "seed \(seed), coordinate \(i): \(analytic[i]) vs \(numeric[i])")
                }
                // ∂L/∂B in the symmetric parametrization: a step in B_ab moves B_ba too.
                let bFlat = c.online.b.storage
                let numericB = fivePointGradient(bFlat) { y in
                    var b = Matrix(rows: m, cols: m, storage: y)
                    b = 0.5 * (b + b.transposed)
                    return PopulationMoments(model: c.model, a: c.online.a, b: b, targetA: target.a, targetB: target.b)
                        .loss(head: c.online.e)
                }
                let scaleB = max(1, numericB.map(abs).max()!)
                for i in 0..<(m * m) {
                    #expect(abs(ev.gradB.storage[i] - numericB[i]) <= 1e-8 * scaleB, "seed \(seed), B entry \(i): \(ev.gradB.storage[i]) vs \(numericB[i])")
                }
            }
        }
    }

    // The flow's right-hand side is −η ∇_{A,R} L and −η_E (mask ∘ ∇_E L) of the READABLE loss.
    @Test("velocity = −η ∇L of the readable loss, the head masked and scaled by η_E", arguments: shapes)
    func velocityMatchesReadableLoss(k: Int, m: Int) {
        for seed in Self.seeds.prefix(4) {
            let c = AgreementCase(features: k, neurons: m, seed: seed)
            let hot = PopulationObjective(model: c.model, neurons: m)
            let rng = RandomSource(seed: 1000 + seed)
            let eta = 0.5 + rng.uniform(), etaE = 0.01 + 0.3 * rng.uniform()
            let mask = (0..<(m * m)).map { _ in rng.coin() ? 1.0 : 0.0 }
            // A layout with two extra values after E (as a variant adds): velocity writes [A, R, E] only.
            let layout = StateLayout(features: k, neurons: m, extra: 2)
            let y = c.online.flat + [0.3, -0.2]
            #expect(layout.count == y.count && layout.extraOffset == y.count - 2)
            var dy = [Double](repeating: .nan, count: y.count)
            let ok = y.withUnsafeBufferPointer { py in
                mask.withUnsafeBufferPointer { pm in
                    dy.withUnsafeMutableBufferPointer { hot.velocity(py, into: $0, eta: eta, etaE: etaE, mask: pm, layout: layout) }
                }
            }
            #expect(ok)
            #expect(dy[y.count - 2].isNaN && dy[y.count - 1].isNaN, "the extra values are not the objective's")
            // The flow's target is the online state itself, held fixed for the derivative.
            let grad = fivePointGradient(c.online.flat) { z in
                let s = ReducedState(flat: z, features: k, neurons: m)
                return c.readable(s, target: c.online).loss(head: s.e)
            }
            let scale = max(1, grad.map(abs).max()!)
            let headStart = k * m + m * m
            for i in 0..<grad.count {
                let expected = i < headStart ? -eta * grad[i] : -etaE * mask[i - headStart] * grad[i]
                #expect(abs(dy[i] - expected) <= 1e-8 * scale, "seed \(seed), coordinate \(i): \(dy[i]) vs \(expected)")
            }
        }
    }
}
