import Foundation
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowDynamics
@testable import HeadFlowClaims
@testable import HeadFlowSweeps
@testable import HeadFlowReport

/// A claim with long names and notes, to push the short table to its limits.
private struct WideClaim: Claim {
    let id = "a-claim-with-a-rather-long-identifier-for-tables"
    let statement = "Long names do not widen the default table"
    let hypotheses: [String] = []
    let quantities = [Quantity("a_quantity_with_a_very_long_name_indeed", "x"), Quantity("another_quantity_with_a_long_name", "y"),
                      Quantity("third", "z")]
    let criteria: [Criterion] = [.above("a_quantity_with_a_very_long_name_indeed", 0), .below("another_quantity_with_a_long_name", 1),
                                 .below("third", 5)]
    let reference = "none"
    let meaning = "none"
    var preset: RunSpec { RunSpec() }
    let negativeControls: [NegativeControl] = []
    func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        ClaimMeasurement(values: [MeasuredValue("a_quantity_with_a_very_long_name_indeed", 123_456.789),
                                  MeasuredValue("another_quantity_with_a_long_name", 0.5), MeasuredValue("third", 7)],
                         notes: [String(repeating: "η_E/η = 0.001 → CCCCDDDD, α₂/α₁ ≤ 0.9; ", count: 8),
                                 "a-single-word-longer-than-any-terminal-" + String(repeating: "x", count: 120)])
    }
}

/// Every line of `text`, with its width in columns (grapheme clusters) and in Unicode scalars.
private func lineWidths(_ text: String) -> [(line: String, columns: Int, scalars: Int)] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { (String($0), $0.count, $0.unicodeScalars.count) }
}

@Suite("Output that fits a terminal: 100-column claim table, readable seed counts, quiet progress")
struct TerminalOutputTests {
    // The default reproduce table is at most 100 columns, whatever the ids, names and notes.
    @Test("the short claim table fits 100 columns; the wide one keeps every number")
    func claimTableFits() throws {
        let claim = WideClaim()
        let verdict = try claim.verdict()
        #expect(!verdict.passed)  // third = 7 is not < 5
        let report = ClaimReport(verdicts: [verdict])
        let table = report.table()
        for l in lineWidths(table) {
            #expect(l.columns <= 100, "\(l.columns) columns: \(l.line)")
            #expect(l.scalars <= 100, "\(l.scalars) scalars: \(l.line)")
        }
        // A failed claim shows the criterion that failed it first.
        #expect(ClaimReport.deciding(verdict) == ["third", "a_quantity_with_a_very_long_name_indeed"])
        let row = try #require(table.split(separator: "\n").dropFirst().first)
        #expect(row.contains("third=7") && row.hasSuffix("FAIL"))
        #expect(table.contains("…"))  // the over-long id or word was cut, not overflowing
        let wide = report.wideTable()
        #expect(wide.contains("a_quantity_with_a_very_long_name_indeed=1.23e+05, another_quantity_with_a_long_name=0.5000, third=7"))
        #expect(lineWidths(wide).contains { $0.columns > 100 })
    }

    @Test("wrapping never exceeds the width, and keeps every word")
    func wrapping() {
        let text = "η_E/η and α₂/α₁ are ratios; E₂₁ peaks at 0.057 while the head substitutes v₁ in neuron 2 " + String(repeating: "w ", count: 40)
        let lines = TerminalText.wrapped(text, width: 30, indent: 4)
        #expect(lines.allSatisfy { $0.count <= 30 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("    ") })
        #expect(lines.joined(separator: " ").split(separator: " ") == text.split(separator: " "))
        #expect(TerminalText.truncated("E₂₁=0.0571", to: 5) == "E₂₁=…")
    }

    // Seed counts: one group per outcome in a fixed order (D C p w .), separated by spaces.
    @Test("aggregated seed cells read 25D 16C 4w 19., and 6D 2? while seeds are missing")
    func seedCellFormat() {
        var e = PhaseEntry()
        e.expected = 64
        e.counts = [.undecided: 19, .weakOnly: 4, .collapse: 16, .diverse: 25]
        #expect(e.text(metric: .outcome) == "25D 16C 4w 19.")
        e.counts = [.partial: 3, .collapse: 61]
        #expect(e.text(metric: .outcome) == "61C 3p")
        var partial = PhaseEntry()
        partial.expected = 8
        partial.counts = [.diverse: 6]
        #expect(partial.text(metric: .outcome) == "6D 2?")
        partial.failed = 1
        #expect(partial.text(metric: .outcome) == "6D 1! 1?")
        var one = PhaseEntry()
        one.expected = 1
        one.counts = [.collapse: 1]
        #expect(one.text(metric: .outcome) == "C")
    }

    @Test("reproduce: the default table fits 100 columns; --quiet changes stderr only; --wide shows every number")
    func reproduceOutput() throws {
        let ids = ["optima-tie", "phase1-strong-first", "--controls"]
        let loud = try runHeadflow(["reproduce"] + ids)
        let quiet = try runHeadflow(["reproduce"] + ids + ["--quiet"])
        #expect(loud.code == 0 && quiet.code == 0)
        #expect(loud.out == quiet.out)
        #expect(quiet.err.isEmpty)
        #expect(loud.err.contains("[1/2] optima-tie … PASS"))
        #expect(loud.err.contains("[2/2] phase1-strong-first [a_12(0) = 0.099] … FAIL"))
        for l in lineWidths(loud.out) { #expect(l.columns <= 100, "\(l.columns) columns: \(l.line)") }
        #expect(loud.out.hasPrefix("claim "))
        let wide = try runHeadflow(["reproduce"] + ids + ["--quiet", "--wide"])
        #expect(wide.code == 0)
        for name in ["L_star", "L_random", "gap_random", "growth_a21", "head_dev_at_t1"] { #expect(wide.out.contains(name + "=")) }
        #expect(!loud.out.contains("L_star="))
    }

    @Test("train: a progress bar with rate and time left on stderr (--progress-after 0); stdout the same with --quiet", .tags(.slow))
    func trainProgress() throws {
        // The bar from the first step (by default it waits a second, and this run may take less).
        let args = ["train", "--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0;0,1", "--steps", "60", "--points", "5",
                    "--progress-after", "0"]
        let loud = try runHeadflow(args + ["--format", "csv"])
        let quiet = try runHeadflow(args + ["--format", "csv", "--quiet"])
        #expect(loud.code == 0 && quiet.code == 0)
        #expect(quiet.err.isEmpty)
        #expect(loud.out == quiet.out)
        // The table states the wall time on its solver line; every other line is identical.
        let table = try runHeadflow(args + ["--quiet"]), tableLoud = try runHeadflow(args)
        func withoutTime(_ s: String) -> [Substring] { s.split(separator: "\n").filter { !$0.hasPrefix("solver:") } }
        #expect(withoutTime(table.out) == withoutTime(tableLoud.out) && table.out.contains("\nsolver: SGD"))
        #expect(table.err.isEmpty && !tableLoud.err.isEmpty)
        #expect(!loud.out.contains("steps/s"))
        let bar = try #require(loud.err.split(separator: "\n").last)
        #expect(bar.hasPrefix("train [########################] 60/60 steps"))
        #expect(bar.contains("steps/s") && bar.contains("0:00 left") && bar.contains("batch loss"))
    }

    @Test("train: no bar for a run shorter than --progress-after; a bad value is one line, exit 64")
    func trainProgressDelay() throws {
        let args = ["train", "--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0;0,1", "--steps", "3", "--points", "2"]
        let silent = try runHeadflow(args + ["--progress-after", "600"])
        #expect(silent.code == 0 && silent.err.isEmpty)
        for bad in ["-1", "nan", "inf"] {
            let r = try runHeadflow(args + ["--progress-after", bad])
            #expect(r.code == 64 && r.out.isEmpty && r.err.contains("--progress-after") && r.err.split(separator: "\n").count == 1, "\(bad): \(r.err)")
        }
    }

    @Test("merge takes sweep's output options: --quiet and --format give sweep's bytes")
    func mergeOptions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("headflow-merge-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let grid = ["sweep", "--vary", "eta-e-ratio=0.01,0.1", "--vary", "seed=1:2:lin:2", "--t-end", "2e3", "--points", "10"]
        let whole = try runHeadflow(grid + ["--quiet", "--format", "csv"])
        let table = try runHeadflow(grid + ["--quiet"])
        let shard = try runHeadflow(grid + ["--quiet", "--out", dir])
        #expect(whole.code == 0 && shard.code == 0 && table.code == 0)
        let merged = try runHeadflow(["merge", dir, "--quiet", "--format", "csv"])
        #expect(merged.code == 0 && merged.err.isEmpty)
        #expect(merged.out == whole.out)
        let mergedTable = try runHeadflow(["merge", dir, "--quiet"])
        #expect(mergedTable.out == table.out)
    }
}
