import ArgumentParser
import Foundation
import HeadFlow

/// `headflow claims`: list the claims, or write their Theorems pages.
struct ClaimsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claims",
        abstract: "List the claims (id and one-line statement), or write their Theorems/<id>.md pages.",
        discussion: """
        The pages are generated from the claim values (statement, hypotheses, measured quantities, \
        threshold, command, paper reference), never from a run: `headflow claims --write Theorems`. \
        `headflow claims --write-readme README.md` runs every claim and rewrites the README's claims block: the \
        `reproduce --all --format markdown` table and what each row means for the paper.
        """)

    @Option(name: .customLong("write"), parsing: .unconditional, help: "Write <id>.md for every claim and README.md into this directory.")
    var directory: String?

    @Option(name: .customLong("write-readme"), parsing: .unconditional,
            help: "Run every claim and rewrite the claims block of this README (from \(ClaimsReadme.begin) to \(ClaimsReadme.end)).")
    var readme: String?

    func run() throws {
        if let readme {
            try writeReadme(readme)
            if directory == nil { return }
        }
        guard let directory else {
            let width = ClaimRegistry.ids.map(\.count).max() ?? 0
            for claim in ClaimRegistry.all {
                print(claim.id.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + claim.statement)
            }
            return
        }
        do { try OutputPath.validateDirectory(directory, option: "write") } catch { throw error.validation }
        let dir = URL(fileURLWithPath: directory, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for file in TheoremPage.files() {
                let url = dir.appendingPathComponent(file.name)
                try Data(file.text.utf8).write(to: url)
                print("wrote \(url.path)")
            }
        } catch {
            printError("headflow: cannot write \(directory): \(error.localizedDescription)")
            throw ExitCode.failure
        }
    }

    /// Checks the README's markers, runs every claim, and replaces the block with the generated one.
    func writeReadme(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ParameterError("write-readme", must: "a readable UTF-8 file", got: path).validation
        }
        do { _ = try ClaimsReadme.currentBlock(in: text, file: path) } catch { throw error.validation }
        var verdicts: [ClaimVerdict] = []
        do { for claim in ClaimRegistry.all { verdicts.append(try claim.verdict()) } } catch { throw error.validation }
        do {
            let updated = try ClaimsReadme.replacingBlock(in: text, with: ClaimsReadme.block(verdicts), file: path)
            try Data(updated.utf8).write(to: url)
        } catch {
            printError("headflow: cannot write \(path): \(error.localizedDescription)")
            throw ExitCode.failure
        }
        print("wrote \(url.path)")
        let report = ClaimReport(verdicts: verdicts)
        if !report.allPassed {
            printError("headflow: \(report.summary)")
            throw ExitCode.failure
        }
    }
}
