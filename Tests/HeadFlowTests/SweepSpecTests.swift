import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowDynamics
@testable import HeadFlowSweeps

/// `--vary NAME=SPEC`: parameter names, value lists, lin/log ranges, setting by name.
@Suite("Sweep SPEC parsing and setting parameters by name")
struct SweepSpecTests {
    static func values(_ text: String) throws -> [SweepValue] { try SweepAxis(parsing: text).values }

    @Test("a list gives its values in order")
    func list() throws {
        #expect(try Self.values("eta-e=0.001,0.003,0.01") == [.real(0.001), .real(0.003), .real(0.01)])
        #expect(try Self.values("seed=3,1,2") == [.integer(3), .integer(1), .integer(2)])
        #expect(try Self.values("head=none,offdiag") == [.text("none"), .text("offdiag")])
    }

    @Test("a lin range has n evenly spaced points with both ends exact")
    func linRange() throws {
        #expect(try Self.values("noise=1:2:lin:5") == [1, 1.25, 1.5, 1.75, 2].map { .real($0) })
        #expect(try Self.values("seed=1:8:lin:8") == (1...8).map { .integer($0) })
        #expect(try Self.values("alpha-ratio=0.2:0.9:lin:8") == [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map { .real($0) })
    }

    @Test("a log range is geometric, ends exact, decades land on round numbers")
    func logRange() throws {
        #expect(try Self.values("eta-e=1e-3:1e-1:log:3") == [.real(0.001), .real(0.01), .real(0.1)])
        let v = try Self.values("eta-e=1e-3:1e-1:log:9").compactMap(\.number)
        #expect(v.count == 9 && v.first == 0.001 && v.last == 0.1 && v[4] == 0.01)
        for (a, b) in zip(v, v.dropFirst()) { #expect(abs(b / a - 1.778279410038923) < 1e-9) }
        #expect(try Self.values("d=10:1000:log:3") == [.integer(10), .integer(100), .integer(1000)])
        #expect(try Self.values("t-end=5e3:5e3:log:1") == [.real(5000)])
    }

    // Every malformed SPEC or NAME is a ParameterError for --vary naming what is valid.
    @Test("malformed NAME=SPEC is rejected naming --vary", arguments: [
        "eta-e", "eta-e=", "eta-e=1:2", "eta-e=1:2:lin", "eta-e=1:2:cubic:3", "eta-e=0:1:log:3", "eta-e=1:2:lin:0",
        "eta-e=1:2:lin:x", "eta-e=a,b", "eta-e=0.1,0.1", "eta-e=1,,2", "d=2.5", "d=1:3:lin:7", "head=foo",
        "head=none:offdiag:lin:2", "foo=1", "alpha=1,2", "init-a=0.1", "init-a[0,1]=0.1", "init-a[1]=0.1", "prob=0.5",
        "alpha[x]=1",
    ])
    func malformed(_ text: String) {
        #expect(throws: ParameterError.self) { _ = try SweepAxis(parsing: text) }
        do { _ = try SweepAxis(parsing: text) } catch {
            #expect(error.parameter == "vary", "\(text): \(error)")
            #expect(error.description.hasPrefix("--vary must be"), "\(text): \(error)")
        }
    }

    @Test("names round-trip: entries are 1-based and canonical")
    func names() throws {
        for n in ["eta-e", "alpha[2]", "init-a[1,2]", "init-b[2,1]", "alpha-ratio", "eta-e-ratio", "feature-patches", "seed"] {
            #expect(try SweepParameter(parsing: n).name == n)
        }
        #expect(try SweepParameter(parsing: "init-a[1,2]").key == .initA(0, 1))
        #expect(try SweepParameter(parsing: "seed").isSeed)
    }

    @Test("setting by name: entries, ratios, symmetric B(0), and what needs a base")
    func setting() throws {
        var s = RunSpec()
        s.alpha = [2.0, 1.0]
        s.eta = 0.5
        try s.set(SweepParameter(parsing: "alpha-ratio"), to: .real(0.25))
        #expect(s.alpha == [2.0, 0.5])
        try s.set(SweepParameter(parsing: "eta-e-ratio"), to: .real(0.1))
        #expect(s.etaE == 0.05)
        #expect(throws: ParameterError.self) { try s.set(SweepParameter(parsing: "init-a[1,2]"), to: .real(0.3)) }
        s.initA = Matrix([[0.1, 0.05], [0.05, 0.05]])
        try s.set(SweepParameter(parsing: "init-a[1,2]"), to: .real(0.3))
        #expect(s.initA == Matrix([[0.1, 0.3], [0.05, 0.05]]))
        #expect(throws: ParameterError.self) { try s.set(SweepParameter(parsing: "init-a[3,1]"), to: .real(0.3)) }
        s.initB = .identity(2)
        try s.set(SweepParameter(parsing: "init-b[1,2]"), to: .real(0.2))
        #expect(s.initB == Matrix([[1, 0.2], [0.2, 1]]))
        #expect(throws: ParameterError.self) { try s.set(SweepParameter(parsing: "alpha[3]"), to: .real(0.3)) }
        try s.set(SweepParameter(parsing: "head"), to: .text("none"))
        #expect(s.head == .none)
    }

    @Test("a ratio is applied after the parameter it is relative to, whatever the --vary order")
    func derivedLast() throws {
        let grid = try SweepGrid(base: RunSpec(), axes: [
            SweepAxis(parsing: "alpha-ratio=0.5"), SweepAxis(parsing: "alpha[1]=3"),
        ])
        #expect(try grid.cell(0).spec.alpha == [3.0, 1.5])
    }

    @Test("a parameter varied twice, or with its ratio, is rejected")
    func conflicts() {
        for pair in [("eta-e=1,2", "eta-e=3"), ("alpha[2]=0.5", "alpha-ratio=0.5"), ("eta-e=0.1", "eta-e-ratio=0.1")] {
            #expect(throws: ParameterError.self) { _ = try SweepGrid(base: RunSpec(), axes: [SweepAxis(parsing: pair.0), SweepAxis(parsing: pair.1)]) }
        }
        #expect(throws: ParameterError.self) { _ = try SweepGrid(base: RunSpec(), axes: []) }
    }

    @Test("metric names: outcome, events the solver watches, t_learn, peaks; others rejected for --outcome")
    func metrics() throws {
        #expect(try SweepMetric(parsing: "outcome", features: 2, neurons: 2) == .outcome)
        #expect(try SweepMetric(parsing: "learn_w1_v1", features: 2, neurons: 2) == .event("learn_w1_v1"))
        #expect(try SweepMetric(parsing: "substitution", features: 2, neurons: 2) == .event("substitution"))
        #expect(try SweepMetric(parsing: "t_learn", features: 2, neurons: 2) == .weakLearnTime)
        #expect(try SweepMetric(parsing: "peak_e21", features: 2, neurons: 2) == .peak("peak_e21"))
        for bad in ["learn_w3_v1", "peak_e11", "peak_e31", "tlearn", ""] {
            #expect(throws: ParameterError.self) { _ = try SweepMetric(parsing: bad, features: 2, neurons: 2) }
        }
    }
}
