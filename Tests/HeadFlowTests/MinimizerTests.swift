import Foundation
import Testing
import PropertyBased
@testable import HeadFlowNumerics

@Suite("GSL Brent minimiser (gsl_min_fminimizer_brent)")
struct MinimizerTests {
    // For f(x) = (x − c)² + k on any bracket around c, the minimiser is c to the asked absolute tolerance.
    @Test("a parabola's minimum to the asked tolerance")
    func parabola() async {
        await propertyCheck(count: 60, input: Gen.double(in: -5...5), Gen.double(in: 0.05...3), Gen.double(in: 0.05...3),
                            Gen.double(in: -0.9...0.9)) { c, left, right, s in
            let k = c / 5, tol = 1e-5
            let minimizer = BrentMinimizer(absoluteTolerance: tol)
            let guess = c + s * 0.5 * min(left, right)
            let found = try #require(try? minimizer.minimize(lower: c - left, guess: guess, upper: c + right) { ($0 - c) * ($0 - c) + k })
            #expect(abs(found.x - c) <= tol, "c = \(c): x = \(found.x)")
            // c is in the final interval up to ties (here < 1e-8): points whose f rounds to the same double cannot be told apart.
            #expect(found.lower <= c + 1e-8 && c - 1e-8 <= found.upper && found.upper - found.lower < tol)
            #expect(abs(found.value - k) <= tol * tol)
        }
    }

    // For the log-shaped f(x) = x − c·ln x (x > 0; minimum at x = c, f(c) = c − c·ln c), the minimiser is c to the asked relative tolerance.
    @Test("a log-shaped function's minimum to the asked relative tolerance")
    func logShaped() async {
        await propertyCheck(count: 60, input: Gen.double(in: -4.6...4.6), Gen.double(in: 1.2...1.9)) { logc, g in
            let c = Foundation.exp(logc), rel = 1e-7
            let minimizer = BrentMinimizer(absoluteTolerance: 0, relativeTolerance: rel)
            let found = try #require(try? minimizer.minimize(lower: c / 4, guess: g * c, upper: 3 * c) { $0 - c * Foundation.log($0) })
            #expect(abs(found.x / c - 1) <= 2 * rel, "c = \(c): x = \(found.x)")
            #expect(found.iterations > 0 && found.iterations < 100)
        }
    }

    // The same minimiser in u = ln x (how fastest-head searches η_E/η): f(e^u) = e^u − c·u has its minimum at u = ln c.
    @Test("in log coordinates, an absolute tolerance ln(1 + r) is a relative precision r in x")
    func logCoordinates() throws {
        let c = 0.2466, r = 0.01
        let found = try BrentMinimizer(absoluteTolerance: Foundation.log(1 + r))
            .minimize(lower: Foundation.log(1e-2), guess: Foundation.log(0.1), upper: 0) { u in Foundation.exp(u) - c * u }
        #expect(abs(Foundation.exp(found.x) / c - 1) <= r)
        #expect(Foundation.exp(found.upper) / Foundation.exp(found.lower) < 1 + r)
    }

    // A monotone function has no bracket: Brent needs f(m) < f(a) and f(m) < f(b); the error says so with the three values.
    @Test("a bracketing failure is a clear error, not a crash")
    func notBracketed() async throws {
        await propertyCheck(count: 30, input: Gen.double(in: -3...3), Gen.double(in: 0.1...2)) { a, w in
            #expect(throws: MinimizationFailure.notBracketed(lower: a, guess: a + w, upper: a + 2 * w,
                                                             valueLower: Foundation.exp(a), valueGuess: Foundation.exp(a + w),
                                                             valueUpper: Foundation.exp(a + 2 * w))) {
                try BrentMinimizer().minimize(lower: a, guess: a + w, upper: a + 2 * w) { Foundation.exp($0) }
            }
        }
        let error = try #require(throws: MinimizationFailure.self) {
            try BrentMinimizer().minimize(lower: 0, guess: 1, upper: 2) { $0 }
        }
        #expect(error.description == "not a bracket: Brent needs f(m) < f(a) and f(m) < f(b), got f(a) = 0.0 at a = 0.0, "
            + "f(m) = 1.0 at m = 1.0, f(b) = 2.0 at b = 2.0")
        // A tie with an end is not a bracket either (GSL: "endpoints do not enclose a minimum").
        #expect(throws: MinimizationFailure.self) { try BrentMinimizer().minimize(lower: -1, guess: 0, upper: 1) { $0 < 0 ? 0 : $0 } }
    }

    @Test("invalid points, non-finite values and too few iterations are errors")
    func otherFailures() throws {
        let m = BrentMinimizer()
        #expect(throws: MinimizationFailure.invalidInterval(lower: 0, guess: 3, upper: 2)) { try m.minimize(lower: 0, guess: 3, upper: 2) { $0 * $0 } }
        #expect(throws: MinimizationFailure.invalidInterval(lower: -.infinity, guess: 0, upper: 1)) {
            try m.minimize(lower: -.infinity, guess: 0, upper: 1) { $0 * $0 }
        }
        #expect(throws: MinimizationFailure.nonFinite(x: -1, value: .infinity)) {
            try m.minimize(lower: -1, guess: 0.1, upper: 1) { $0 < -0.5 ? .infinity : $0 * $0 }
        }
        // GSL sees a NaN inside its iteration (its error handler is off: a status, not an abort).
        let inside = try #require(throws: MinimizationFailure.self) {
            try m.minimize(lower: -1, guess: 0.1, upper: 1, values: (1, 0.01, 1)) { _ in .nan }
        }
        guard case .nonFinite(let x, let y) = inside else { Issue.record("got \(inside)"); return }
        #expect(x > -1 && x < 1 && y.isNaN)
        let slow = BrentMinimizer(absoluteTolerance: 1e-14, maxIterations: 2)
        let unfinished = try #require(throws: MinimizationFailure.self) {
            try slow.minimize(lower: -1, guess: 0.3, upper: 1) { Foundation.cosh($0) }
        }
        guard case .noConvergence(let n, let a, let b) = unfinished else { Issue.record("got \(unfinished)"); return }
        #expect(n == 2 && a < 0 && 0 < b)
    }

    @Test("values given for the bracket are not evaluated again")
    func givenValues() throws {
        var calls: [Double] = []
        let found = try BrentMinimizer(absoluteTolerance: 1e-6).minimize(lower: -1, guess: 0.2, upper: 2, values: (1, 0.04, 4)) { x in
            calls.append(x)
            return x * x
        }
        #expect(!calls.contains(-1) && !calls.contains(0.2) && !calls.contains(2))
        #expect(found.evaluations == calls.count)
        #expect(abs(found.x) <= 1e-6)
    }
}
