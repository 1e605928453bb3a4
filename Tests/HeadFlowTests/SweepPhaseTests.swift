import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowModel
@testable import HeadFlowDynamics
@testable import HeadFlowSweeps
@testable import HeadFlowReport

/// The phase table of the η_E/η × α_2/α_1 grid (the README's table) and seed aggregation.
@Suite("Sweep phase tables: no head collapses everywhere, the offdiag head rescues v_2")
struct SweepPhaseTests {
    /// The claims' canonical start, a short horizon, the implicit stepper (fast through the stiff tail).
    static func base(head: HeadKind) -> RunSpec {
        var s = RunSpec()
        s.initA = Matrix([[0.1, 0.05], [0.05, 0.05]])
        s.initB = .identity(2)
        s.head = head
        s.tEnd = 2e4
        s.points = 20
        s.stepper = .msbdf
        return s
    }

    static func table(head: HeadKind, _ axes: [String], metric: SweepMetric = .outcome) throws -> (SweepResult, PhaseTable) {
        let g = try SweepGrid(base: base(head: head), axes: axes.map { try SweepAxis(parsing: $0) })
        let engine = PopulationEngine()
        let cells = try SweepRunner(grid: g, engine: engine, jobs: 2).run(Array(0..<g.count)) { (_: CellResult) throws(SweepFileError) in }
        let result = SweepResult(manifest: g.manifest(engine: engine.settingsJSON), axes: g.axes, cells: cells)
        return (result, PhaseTable(result, metric: metric))
    }

    // docs/MODEL.md §5.5: without the head every neuron ends on v_1, whatever η_E (unused) and α_2/α_1.
    @Test("--head none: collapse in every cell of the η_E/η × α_2/α_1 grid")
    func noHeadCollapsesEverywhere() throws {
        let (_, t) = try Self.table(head: .none, ["eta-e-ratio=1e-3:1:log:4", "alpha-ratio=0.2:0.9:lin:4"])
        #expect(t.rowAxis?.parameter.name == "eta-e-ratio" && t.columnAxis?.parameter.name == "alpha-ratio")
        #expect(t.pages.count == 1 && t.pages[0].entries.count == 4 && t.pages[0].entries[0].count == 4)
        for e in t.entries { #expect(e.text(metric: .outcome) == "C", "\(e.values.map { "\($0.name)=\($0.value)" })") }
    }

    // Negative control next to it: the paper's head, fast enough, learns v_2 with the second neuron.
    @Test("--head offdiag: collapse at η_E/η = 1e-3, diverse at η_E/η = 0.1")
    func offdiagHeadRescues() throws {
        let (_, t) = try Self.table(head: .offdiag, ["eta-e-ratio=0.001,0.1", "alpha-ratio=0.5,0.8"])
        let rows = t.pages[0].entries.map { $0.map { $0.text(metric: .outcome) } }
        #expect(rows == [["C", "C"], ["D", "D"]])
    }

    @Test("a varied seed aggregates to counts and fractions; the JSON groups sum to 1")
    func seedsAggregate() throws {
        let (result, t) = try Self.table(head: .none, ["eta-e=0.01,0.1", "seed=1:3:lin:3"])
        #expect(t.seedAxis?.parameter.name == "seed" && t.columnAxis == nil)
        for e in t.entries { #expect(e.expected == 3 && e.present == 3 && e.counts[.collapse] == 3) }
        #expect(t.entries[0].text(metric: .outcome) == "3C")
        let json = SweepReport(result, metric: .outcome).json
        let groups = try #require(json["groups"]?.arrayValue)
        #expect(groups.count == 2)
        for g in groups {
            let f = (g["fractions"]?.objectValue ?? []).compactMap { $0.1.doubleValue }
            #expect(abs(f.reduce(0, +) - 1) < 1e-12)
            #expect(g["fractions"]?["collapse"]?.doubleValue == 1)
        }
    }

    @Test("numeric metrics tabulate medians, and '—' where the event never happened")
    func numericMetric() throws {
        let (result, t) = try Self.table(head: .none, ["alpha-ratio=0.5,0.8"], metric: .event("learn_w2_v2"))
        #expect(t.entries.allSatisfy { $0.text(metric: .event("learn_w2_v2")) == "—" })
        let (_, t1) = try Self.table(head: .none, ["alpha-ratio=0.5,0.8"], metric: .event("learn_w1_v1"))
        #expect(t1.entries.allSatisfy { $0.median.map { $0 > 0 && $0 < 2e4 } ?? false })
        let md = SweepReport(result, metric: .event("learn_w2_v2")).markdown
        #expect(md.contains("| alpha-ratio |") || md.contains("| alpha-ratio | learn_w2_v2 |"))
    }

    @Test("the tidy CSV has one row per cell and every parameter")
    func tidyCSV() throws {
        let (result, _) = try Self.table(head: .none, ["eta-e=0.01,0.1", "alpha-ratio=0.5,0.8"])
        let lines = SweepReport(result, metric: .outcome).csv.split(separator: "\n")
        #expect(lines.count == 1 + 4)
        let header = lines[0].split(separator: ",").map(String.init)
        for col in ["index", "eta-e", "alpha-ratio", "d", "patches", "feature-patches", "alpha", "prob", "noise", "mask-prob",
                    "neurons", "head", "eta", "t-end", "seed", "init-a", "init-b", "init-scale", "rtol", "atol", "stepper",
                    "points", "start-A", "start-B", "start-E", "status", "t_reached", "outcome", "t_learn", "learn_w1_v1",
                    "substitution", "peak_e21", "steps"] {
            #expect(header.contains(col), "CSV lacks \(col)")
        }
    }
}
