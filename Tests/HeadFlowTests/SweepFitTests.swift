import Testing
import RealModule
@testable import HeadFlowNumerics
@testable import HeadFlowSweeps

/// Scaling fits: slope of log y on log x by GSL least squares.
@Suite("Sweep fits: log-log slopes with standard errors")
struct SweepFitTests {
    /// A sweep result over `d` (and seeds) whose `learn_w1_v1` is `c · d^p · (1 + noise)`.
    static func synthetic(exponent p: Double, noise: Double, missing: Set<Int> = []) throws -> SweepResult {
        let ds = [50, 100, 200, 400, 800], seeds = [1, 2, 3]
        let axes = [SweepAxis(parameter: try SweepParameter(parsing: "d"), values: ds.map { .integer($0) }, spec: "50,100,200,400,800"),
                    SweepAxis(parameter: try SweepParameter(parsing: "seed"), values: seeds.map { .integer($0) }, spec: "1:3:lin:3")]
        var cells: [CellResult] = []
        for (i, d) in ds.enumerated() { for (s, seed) in seeds.enumerated() {
            let index = i * seeds.count + s
            let wiggle = 1 + noise * Double.sin(Double(7 * index + 1))
            let t: JSONValue = missing.contains(index) ? .null : .number(3 * Double.pow(Double(d), p) * wiggle)
            let json = JSONValue.object([
                ("index", .integer(index)), ("values", .object([("d", .integer(d)), ("seed", .integer(seed))])),
                ("status", .string("finished")), ("t_reached", .number(1e9)), ("outcome", .string("collapse")),
                ("events", .object([("learn_w1_v1", t)])), ("peaks", .object([])), ("steps", .integer(1)),
                ("parameters", .object([("d", .integer(d)), ("alpha", .numbers([1.5, 1])), ("neurons", .integer(2))])),
            ])
            cells.append(try #require(CellResult(json: json)))
        } }
        let manifest = JSONValue.object([("format", .string("headflow-sweep/1")), ("axes", .array(axes.map(\.json))),
                                         ("base", .object([("alpha", .numbers([1.5, 1])), ("neurons", .integer(2))]))])
        return try SweepResult(manifest: manifest, cells: cells, source: "synthetic")
    }

    @Test("exact power law: the slope is the exponent, standard error ~0", arguments: [2.0, 2.5, -0.5])
    func exact(p: Double) throws {
        let fit = try SweepFit(Self.synthetic(exponent: p, noise: 0), x: "d", y: .event("learn_w1_v1"))
        let f = try #require(fit.fit)
        #expect(abs(f.slope - p) < 1e-10 && f.slopeError < 1e-8)
        #expect(abs(f.intercept - Double.log(3)) < 1e-9)
        #expect(f.count == 15 && fit.excluded == 0)
    }

    @Test("noisy power law: the exponent lies within 3 standard errors")
    func noisy() throws {
        let fit = try SweepFit(Self.synthetic(exponent: 2, noise: 0.1), x: "d", y: .event("learn_w1_v1"))
        let f = try #require(fit.fit)
        #expect(f.slopeError > 0 && abs(f.slope - 2) < 3 * f.slopeError)
        #expect(fit.text.contains("±"))
    }

    @Test("cells where the event never happened are left out and counted")
    func missingEvents() throws {
        let fit = try SweepFit(Self.synthetic(exponent: 2, noise: 0, missing: [0, 4]), x: "d", y: .event("learn_w1_v1"))
        #expect(fit.points.count == 13 && fit.excluded == 2)
        #expect(abs((fit.fit?.slope ?? 0) - 2) < 1e-10)
    }

    @Test("--x must be a varied numeric parameter and --y numeric")
    func badAxes() throws {
        let r = try Self.synthetic(exponent: 2, noise: 0)
        #expect(throws: ParameterError.self) { _ = try SweepFit(r, x: "noise", y: .event("learn_w1_v1")) }
        #expect(throws: ParameterError.self) { _ = try SweepFit(r, x: "d", y: .outcome) }
    }
}
