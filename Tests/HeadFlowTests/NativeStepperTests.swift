import RealModule
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowDynamics

/// What one engine did over a sequence of `ODEIntegrator.step` calls: after every
/// step the time, the state and the next step size as bit patterns, then the
/// counts, and the failure if one ended it.
private struct StepLog: Equatable {
    var rows: [[UInt64]] = []
    var steps = 0, evaluations = 0
    var failure: IntegrationFailure? = nil
}

/// Steps `field` from `y0` with `engine`, stopping at each of `stops` in turn (the
/// solver's recording times: the last step to each is shortened to land on it), at
/// most `maxSteps` steps in all.
/// A negative `initialStep` integrates backwards (stops below 0, decreasing).
/// After a failure the last row is the state the caller is left with.
private func log(_ engine: ODEEngine, dimension: Int, _ y0: [Double], stops: [Double], maxSteps: Int,
                 rtol: Double = 1e-8, atol: Double = 1e-12, initialStep: Double = 1e-3, minStep: Double = 1e-14,
                 field: @escaping VectorField) -> StepLog {
    var settings = IntegratorSettings(stepper: .rk8pd, rtol: rtol, atol: atol, initialStep: initialStep, minStep: minStep)
    settings.engine = engine
    let integrator = ODEIntegrator(dimension: dimension, settings: settings, field: field)
    var out = StepLog()
    var y = y0, t = 0.0
    let forward = initialStep > 0
    do throws(IntegrationFailure) {
        for stop in stops {
            while forward ? t < stop : t > stop, integrator.steps < maxSteps {
                try integrator.step(t: &t, to: stop, y: &y)
                out.rows.append([t.bitPattern, integrator.stepSize.bitPattern] + y.map(\.bitPattern))
            }
        }
    } catch {
        out.failure = error
        out.rows.append([t.bitPattern] + y.map(\.bitPattern))
    }
    out.steps = integrator.steps
    out.evaluations = integrator.evaluations
    return out
}

/// The population flow's field and start for `spec`.
private func population(_ spec: RunSpec) throws -> (Int, [Double], VectorField) {
    let problem = try spec.problem()
    let evaluator = problem.field.makeEvaluator(neurons: problem.neurons)
    return (evaluator.layout.count, problem.field.initialState(problem.start), evaluator.vectorField)
}

/// Lorenz's system (σ = 10, ρ = 28, β = 8/3) in the first three entries, each further
/// entry relaxing to the first at its own rate: any dimension, chaotic, many rejected steps.
/// With `forced`, `dy_0/dt` gains `5 sin(3t)`: the field depends on time, so each stage's time counts.
private func lorenz(_ n: Int, forced: Bool = false) -> VectorField {
    { t, y, dy in
        dy[0] = 10 * (y[1] - y[0]) + (forced ? 5 * Double.sin(3 * t) : 0)
        dy[1] = y[0] * (28 - y[2]) - y[1]; dy[2] = y[0] * y[1] - 8.0 / 3.0 * y[2]
        for i in 3..<n { dy[i] = Double(i) * (y[0] - y[i]) }
        return true
    }
}

@Suite("native rk8pd = GSL's rk8pd, evolve and y_new control, bit for bit")
struct NativeStepperTests {
    // The random-start ensemble's case (k = m = 2, a 12-value state), with recording stops
    // that shorten steps: every step's time, next step size and state have GSL's bits.
    @Test("population flow, k = m = 2, random starts: every step bit for bit")
    func smallFlow() throws {
        for seed in [1, 7, 42, 99] as [UInt64] {
            var spec = RunSpec(); spec.seed = seed
            let (n, y0, field) = try population(spec)
            let stops = [0.5, 3, 40, 700, 2e4]
            let native = log(.native, dimension: n, y0, stops: stops, maxSteps: 1500, field: field)
            let gsl = log(.gsl, dimension: n, y0, stops: stops, maxSteps: 1500, field: field)
            #expect(native.rows.count > 200, "seed \(seed): \(native.rows.count) steps")
            #expect(native == gsl, "seed \(seed)")
        }
    }

    // Odd dimensions exercise the padded lane: k = m = 3 (27 values), the EMA target (20),
    // a head of every kind, looser and tighter tolerances.
    @Test("population flows of other sizes, targets and tolerances: bit for bit")
    func otherFlows() throws {
        var cases: [RunSpec] = []
        var k3 = RunSpec(); k3.alpha = [1.5, 1.2, 1.0]; k3.neurons = 3; k3.d = 50; k3.seed = 3; cases.append(k3)
        var ema = RunSpec(); ema.target = .ema; ema.emaTau = 10; ema.seed = 5; cases.append(ema)
        var full = RunSpec(); full.head = .full; full.rtol = 1e-5; full.atol = 1e-9; full.seed = 11; cases.append(full)
        var none = RunSpec(); none.head = .none; none.rtol = 1e-11; none.atol = 1e-14; none.seed = 13; cases.append(none)
        for spec in cases {
            let (n, y0, field) = try population(spec)
            let a = log(.native, dimension: n, y0, stops: [1, 2e4], maxSteps: 800, rtol: spec.rtol, atol: spec.atol, field: field)
            let b = log(.gsl, dimension: n, y0, stops: [1, 2e4], maxSteps: 800, rtol: spec.rtol, atol: spec.atol, field: field)
            #expect(a.rows.count > 100)
            #expect(a == b, "n = \(n), head \(spec.head), target \(spec.target)")
        }
    }

    // A chaotic system takes many rejected steps: the retries, their shrinking steps and
    // the evaluation counts are GSL's too, for even and odd sizes.
    @Test("Lorenz system of sizes 3 to 6, autonomous or forced: steps, rejections and evaluations bit for bit")
    func lorenzSystem() {
        for n in 3...6 { for forced in [false, true] {
            let y0 = (0..<n).map { Double($0 + 1) }
            let f = lorenz(n, forced: forced)
            let a = log(.native, dimension: n, y0, stops: [5, 30], maxSteps: 3000, rtol: 1e-9, atol: 1e-12, field: f)
            let b = log(.gsl, dimension: n, y0, stops: [5, 30], maxSteps: 3000, rtol: 1e-9, atol: 1e-12, field: f)
            // More evaluations than 13 per accepted step: some steps were retried.
            #expect(a.evaluations > 13 * a.steps + 50, "n = \(n): \(a.evaluations) evaluations, \(a.steps) steps")
            #expect(a == b, "n = \(n), forced \(forced)")
        } }
    }

    // Backwards in time (a negative step; the recording stops below 0): the final-step and
    // direction logic of GSL's evolve for dt < 0, bit for bit; a step against the direction of
    // the interval is GSL's GSL_EINVAL with either engine.
    @Test("backwards in time, and a step against the interval's direction: as GSL")
    func backwards() {
        for n in [3, 4] {
            let y0 = (0..<n).map { 0.5 * Double($0 + 1) }
            let a = log(.native, dimension: n, y0, stops: [-0.3, -1.5], maxSteps: 2000, initialStep: -1e-3, field: lorenz(n))
            let b = log(.gsl, dimension: n, y0, stops: [-0.3, -1.5], maxSteps: 2000, initialStep: -1e-3, field: lorenz(n))
            #expect(a.rows.count > 100 && a.failure == nil, "n = \(n): \(a.rows.count) steps, \(String(describing: a.failure))")
            #expect(a == b, "n = \(n)")
            // A step against the interval (negative towards a later time, positive towards an
            // earlier one): the same GSL status (GSL_EINVAL) from both engines.
            for (h, t1) in [(-1e-3, 1.0), (1e-3, -1.0)] {
                let errors = ODEEngine.allCases.map { engine -> IntegrationFailure? in
                    var settings = IntegratorSettings(stepper: .rk8pd, initialStep: h)
                    settings.engine = engine
                    let integrator = ODEIntegrator(dimension: n, settings: settings, field: lorenz(n))
                    var t = 0.0, y = y0
                    do throws(IntegrationFailure) { try integrator.step(t: &t, to: t1, y: &y) } catch { return error }
                    return nil
                }
                guard case .gsl(let time, _, let message)? = errors[0] else {
                    Issue.record("h \(h) to \(t1): expected a GSL status, got \(String(describing: errors[0]))"); continue
                }
                #expect(time == 0 && message.contains("invalid"), "\(message)")
                #expect(errors[0] == errors[1])
            }
        }
    }

    // The tableau's consistency and order conditions, in double precision: each stage's weights
    // sum to its time c_i; the 8th-order weights integrate t^(q−1) exactly for q ≤ 8 and the
    // 7th-order ones for q ≤ 7 but not q = 8 (the pair differs at order 8: the error estimate).
    @Test("Prince-Dormand 8(7) tableau: row sums and order conditions")
    func tableau() {
        typealias C = PrinceDormand8Tableau
        func values<let n: Int>(_ x: InlineArray<n, Double>) -> [Double] { (0..<n).map { x[$0] } }
        let c = [0.0] + values(C.ah) + [1, 1]  // c_1 … c_13
        let rows: [[Double]] = [[C.b21], values(C.b3), values(C.b4), values(C.b5), values(C.b6), values(C.b7), values(C.b8),
                                values(C.b9), values(C.b10), values(C.b11), values(C.b12), values(C.b13)]
        for (i, row) in rows.enumerated() {
            #expect(row.count == i + 1)
            #expect(abs(row.reduce(0, +) - c[i + 1]) < 1e-14, "stage \(i + 2): Σ b = \(row.reduce(0, +)), c = \(c[i + 1])")
        }
        func moment(_ w: [Double], _ q: Int) -> Double {
            zip(w, c).map { $0 * Double.pow($1, q - 1) }.reduce(0, +) - 1 / Double(q)
        }
        let abar = values(C.abar), a = values(C.a)
        #expect(abar.count == 13 && a.count == 12)
        for q in 1...8 { #expect(abs(moment(abar, q)) < 1e-14, "Abar, q = \(q): \(moment(abar, q))") }
        for q in 1...7 { #expect(abs(moment(a, q)) < 1e-14, "A, q = \(q): \(moment(a, q))") }
        #expect(abs(moment(a, 8)) > 1e-5)
    }

    // A field that fails (a non-finite value) stops both at the same time with the same error
    // and leaves the caller the same state: failing on a state, or on the k-th call (the first
    // derivative, a stage, the derivative at the new state that ends a step: 1 + 13j).
    @Test("a failing right-hand side: the same error, time and state")
    func failingField() {
        let base = lorenz(4)
        // A fresh field for each engine (the call counter starts at 0).
        func failing(_ k: Int?) -> VectorField {
            guard let k else { return { t, y, dy in y[0] > 15 ? false : base(t, y, dy) } }
            var calls = 0
            return { t, y, dy in calls += 1; return calls == k ? false : base(t, y, dy) }
        }
        for k in [nil, 1, 2, 13, 14, 27, 40, 53] as [Int?] {
            let a = log(.native, dimension: 4, [1, 2, 3, 4], stops: [30], maxSteps: 5000, field: failing(k))
            let b = log(.gsl, dimension: 4, [1, 2, 3, 4], stops: [30], maxSteps: 5000, field: failing(k))
            guard case .nonFinite = a.failure else {
                Issue.record("call \(String(describing: k)): expected a non-finite failure, got \(String(describing: a.failure))"); continue
            }
            #expect(a == b, "call \(String(describing: k))")
        }
    }

    // With the step-size floor at 0, GSL's own failure (a step that cannot shrink: t + h = t)
    // ends the run instead, with either engine.
    @Test("a finite-time blow-up: the same failure on the same step")
    func blowUp() {
        let field: VectorField = { _, y, dy in dy[0] = y[0] * y[0]; return true }
        for minStep in [1e-14, 0] {
            let a = log(.native, dimension: 1, [1], stops: [2], maxSteps: 100_000, minStep: minStep, field: field)
            let b = log(.gsl, dimension: 1, [1], stops: [2], maxSteps: 100_000, minStep: minStep, field: field)
            #expect(a.failure != nil, "min step \(minStep)")
            #expect(a == b, "min step \(minStep): \(String(describing: a.failure)) vs \(String(describing: b.failure))")
        }
    }

    // The whole solve (recording, events located by bisection, the switch to msbdf after
    // `stiffAfter` steps): the same trajectory with either engine.
    @Test("PopulationSolver.solve: samples, events, peaks and counts equal")
    func wholeSolve() throws {
        for seed in [2, 8] as [UInt64] {
            var spec = RunSpec(); spec.seed = seed; spec.tEnd = 1e5
            let problem = try spec.problem()
            var settings = spec.settings
            settings.stiffAfter = 400  // reach the msbdf tail within the test
            settings.engine = .native
            let a = PopulationSolver(settings: settings).solve(problem)
            settings.engine = .gsl
            let b = PopulationSolver(settings: settings).solve(problem)
            #expect(a.samples.count == b.samples.count)
            #expect(zip(a.samples, b.samples).allSatisfy { $0.time == $1.time && $0.state.flat == $1.state.flat })
            #expect(a.events.map(\.time) == b.events.map(\.time))
            #expect(a.events.contains { $0.time != nil })
            #expect(a.steps == b.steps && a.evaluations == b.evaluations && a.steps > 400)
        }
    }
}
