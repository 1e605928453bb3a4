import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowDynamics
@testable import HeadFlowSweeps
@testable import HeadFlowReport

/// Grid enumeration, sharding, parallel execution order, JSON round trips.
@Suite("Sweep grids: enumeration, shards, order independent of --jobs")
struct SweepGridTests {
    static var canonical: RunSpec {
        var s = RunSpec()
        s.initA = Matrix([[0.1, 0.05], [0.05, 0.05]])
        s.initB = .identity(2)
        s.tEnd = 2e3
        s.points = 20
        return s
    }

    static func grid(_ axes: String...) throws -> SweepGrid {
        try SweepGrid(base: canonical, axes: axes.map { try SweepAxis(parsing: $0) })
    }

    @Test("cells are row-major: the first --vary varies slowest, the last fastest")
    func enumerationOrder() throws {
        let g = try Self.grid("eta-e=0.01,0.1", "noise=1,2,3")
        #expect(g.count == 6)
        #expect((0..<6).map { g.coordinates(of: $0) } == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]])
        for i in 0..<6 { #expect(g.index(of: g.coordinates(of: i)) == i) }
        let c = try g.cell(4)
        #expect(c.values == [.real(0.1), .real(2)])
        #expect(c.spec.etaE == 0.1 && c.spec.noise == 2)
    }

    // For every n, the n shards are disjoint and cover the grid exactly.
    @Test("shards partition the grid exactly", arguments: [1, 2, 3, 4, 7, 17, 20])
    func shardsPartition(n: Int) throws {
        let total = 17
        var seen = Array(repeating: 0, count: total)
        for i in 0..<n {
            let shard = try #require(Shard(index: i, count: n))
            for c in shard.cells(of: total) { seen[c] += 1; #expect(shard.contains(c)) }
        }
        #expect(seen.allSatisfy { $0 == 1 })
    }

    @Test("--shard i/n needs 0 ≤ i < n", arguments: ["2/2", "3/2", "-1/2", "0/0", "a/b", "1", "1/2/3", ""])
    func badShard(_ text: String) {
        #expect(throws: ParameterError.self) { _ = try Shard(parsing: text) }
        do { _ = try Shard(parsing: text) } catch { #expect(error.parameter == "shard") }
    }

    @Test("the same grid gives the same cells with 1 or 2 jobs, in index order")
    func jobsIndependence() throws {
        let g = try Self.grid("eta-e=0.001,0.1", "alpha-ratio=0.5,0.8")
        let one = try SweepRunner(grid: g, engine: PopulationEngine(), jobs: 1).run(Array(0..<g.count)) { (_: CellResult) throws(SweepFileError) in }
        let two = try SweepRunner(grid: g, engine: PopulationEngine(), jobs: 2).run(Array(0..<g.count)) { (_: CellResult) throws(SweepFileError) in }
        #expect(one.map(\.index) == [0, 1, 2, 3])
        #expect(one == two)
        let manifest = g.manifest(engine: PopulationEngine().settingsJSON)
        let a = SweepReport(SweepResult(manifest: manifest, axes: g.axes, cells: one), metric: .outcome)
        let b = SweepReport(SweepResult(manifest: manifest, axes: g.axes, cells: two.reversed()), metric: .outcome)
        #expect(a.json.rendered() == b.json.rendered())
        #expect(a.csv == b.csv && a.terminal() == b.terminal())
    }

    @Test("cell records round-trip through JSON text byte for byte")
    func cellRoundTrip() throws {
        let g = try Self.grid("eta-e=0.05")
        let cell = PopulationEngine().run(try g.cell(0))
        let text = cell.json(axes: g.axes).rendered(pretty: true)
        let back = try #require(CellResult(json: try JSONValue.parse(text)))
        #expect(back == cell)
        #expect(back.json(axes: g.axes).rendered(pretty: true) == text)
        #expect(cell.parameters["start"]?["A"] != nil, "cells record the start used")
    }

    @Test("JSON parser: exact numbers, escapes, errors with offsets")
    func parser() throws {
        let v = JSONValue.object([("a", .number(0.1)), ("b", .integer(-3)), ("c", .string("x\"\\\n✓")),
                                  ("d", .array([.null, .bool(true), .number(1e-300), .number(2.0)]))])
        #expect(try JSONValue.parse(v.rendered()) == v)
        #expect(try JSONValue.parse(v.rendered(pretty: true)).rendered() == v.rendered())
        #expect(try JSONValue.parse("\"\\u00e9\\ud83d\\ude00\"") == .string("é😀"))
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "tru", "1 2", "\"abc"] {
            #expect(throws: JSONParseError.self) { _ = try JSONValue.parse(bad) }
        }
    }

    // A stiff or exploding cell is recorded as failed with the time it reached, never as a result.
    @Test("a cell over its step budget is failed with the time reached, not an outcome")
    func failedCell() throws {
        var base = Self.canonical
        base.maxSteps = 20
        let g = try SweepGrid(base: base, axes: [SweepAxis(parsing: "eta-e=0.01,0.1")])
        let cells = try SweepRunner(grid: g, engine: PopulationEngine(), jobs: 1).run([0, 1]) { (_: CellResult) throws(SweepFileError) in }
        for c in cells {
            guard case .failed(let t, let message) = c.status else { Issue.record("cell \(c.index) did not fail"); continue }
            #expect(t > 0 && t < 2e3 && c.timeReached == t)
            #expect(message.contains("steps"))
            #expect(c.outcome == nil && c.events.isEmpty && SweepMetric.outcome.value(in: c) == nil)
        }
        let result = SweepResult(manifest: g.manifest(engine: PopulationEngine().settingsJSON), axes: g.axes, cells: cells)
        let text = SweepReport(result, metric: .outcome).terminal()
        #expect(text.contains("2 cells failed"))
        #expect(PhaseTable(result, metric: .outcome).entries.allSatisfy { $0.text(metric: .outcome) == "!" })
    }
}
