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
        threshold, command, paper reference), never from a run: `headflow claims --write Theorems`.
        """)

    @Option(name: .customLong("write"), parsing: .unconditional, help: "Write <id>.md for every claim and README.md into this directory.")
    var directory: String?

    func run() throws {
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
}
