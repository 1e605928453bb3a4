import ArgumentParser
import Foundation
import HeadFlow

/// `headflow reproduce`: run the paper's claims and print one row per claim.
struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Run claims of Wen & Li (NeurIPS 2022) and print their measured numbers, thresholds and PASS/FAIL.",
        discussion: """
        Claims are listed by `headflow claims`; each has a page Theorems/<id>.md. One row per claim: id, \
        the one or two numbers that decide it, PASS/FAIL (at most 100 columns); --wide or --format markdown: \
        every measured number and the thresholds. JSON: an array of objects with id, statement, passed, \
        measured (name → number), criteria, parameters (the preset, option names of `run`), settings, notes. \
        Progress goes to stderr, naming the claim being run (--quiet: none). --controls also runs each claim's negative controls (the \
        same measurement on a modified preset; each must FAIL), as rows marked [control]. Exit 0 when every \
        claim passes (and every control fails), 1 otherwise, 64 for bad input (an unknown id names the valid ones).
        """)

    @Argument(help: "Claim ids (see `headflow claims`).")
    var ids: [String] = []
    @Flag(help: "Run every claim.")
    var all = false
    @Option(parsing: .unconditional, help: OutputFormat.help([.table, .json, .markdown]), completion: OutputFormat.completion([.table, .json, .markdown]))
    var format: String = "table"
    @Flag(help: "Table with every measured number and the thresholds (wider than a terminal).")
    var wide = false
    @Flag(help: "Also run each claim's negative controls (each must FAIL).")
    var controls = false
    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func validate() throws {
        do { _ = try OutputFormat.parse(format, allowed: [.table, .json, .markdown]) } catch { throw error.validation }
        if all && !ids.isEmpty { throw ValidationError("give claim ids or --all, not both") }
        if !all && ids.isEmpty {
            throw ValidationError("give claim ids or --all; valid ids: " + ClaimRegistry.ids.joined(separator: ", "))
        }
        if let bad = ids.first(where: { ClaimRegistry.claim($0) == nil }) {
            throw ValidationError("unknown claim id \"\(bad)\"; valid ids: " + ClaimRegistry.ids.joined(separator: ", "))
        }
    }

    func run() throws {
        let fmt = try OutputFormat.parse(format, allowed: [.table, .json, .markdown])
        var chosen: [String] = []
        for id in ids where !chosen.contains(id) { chosen.append(id) }
        let claims = all ? ClaimRegistry.all : chosen.compactMap(ClaimRegistry.claim)
        let clock = ContinuousClock()
        var verdicts: [ClaimVerdict] = []
        for (i, claim) in claims.enumerated() {
            let runs: [NegativeControl?] = [nil] + (controls ? claim.negativeControls : [])
            for control in runs {
                let started = clock.now
                let name = claim.id + (control.map { " [\($0.name)]" } ?? "")
                if !quiet { FileHandle.standardError.write(Data("[\(i + 1)/\(claims.count)] \(name) … ".utf8)) }
                let verdict: ClaimVerdict
                do throws(ParameterError) {
                    if let control { verdict = try claim.verdict(control: control) } else { verdict = try claim.verdict() }
                } catch {
                    if !quiet { printError("") }
                    throw error.validation
                }
                verdicts.append(verdict)
                if !quiet {
                    let d = clock.now - started
                    let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
                    printError("\(verdict.passed ? "PASS" : "FAIL") (\(NumberFormat.fixed(seconds, digits: 1)) s)")
                }
            }
        }
        let report = ClaimReport(verdicts: verdicts)
        switch fmt {
        case .json: print(report.json.rendered(pretty: true))
        case .markdown: print(report.markdown(), terminator: "")
        default: print(wide ? report.wideTable() : report.table(), terminator: "")
        }
        if !report.allPassed { throw ExitCode.failure }
    }
}
