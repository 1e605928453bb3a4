import Foundation
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowClaims
@testable import HeadFlowReport

/// The repository root (this file is Tests/HeadFlowTests/ClaimsTheoremsTests.swift).
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite("Theorems/: one page per claim, generated from the claim values")
struct ClaimsTheoremsTests {
    // Regenerate in memory; every file on disk must match byte for byte, and no stale page may remain.
    @Test("Theorems/<id>.md exist and are up to date (regenerate: headflow claims --write Theorems)")
    func upToDate() throws {
        let dir = repositoryRoot.appendingPathComponent("Theorems")
        let files = TheoremPage.files()
        for file in files {
            let url = dir.appendingPathComponent(file.name)
            let onDisk = try? String(contentsOf: url, encoding: .utf8)
            #expect(onDisk != nil, "missing \(url.path): run `headflow claims --write Theorems`")
            #expect(onDisk == file.text, "\(url.path) is out of date: run `headflow claims --write Theorems`")
        }
        let present = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".md") }
        #expect(Set(present) == Set(files.map(\.name)), "stale pages in Theorems/")
    }

    // Generated from values, not results: two generations agree, and each page names its command and reference.
    @Test("pages are deterministic and carry statement, hypotheses, measured, threshold, command, reference", arguments: ClaimRegistry.ids)
    func page(id: String) throws {
        let claim = try #require(ClaimRegistry.claim(id))
        let text = TheoremPage.page(claim)
        #expect(text == TheoremPage.page(claim))
        for heading in ["**Statement.**", "**Where the paper states it.**", "## Hypotheses", "## Measured", "## Threshold",
                        "## Reproduce", "## Negative controls"] {
            #expect(text.contains(heading), "\(id): no \(heading)")
        }
        #expect(text.contains("headflow reproduce \(id)\n"))
        #expect(text.contains("arXiv:2205.06226"))
    }
}

@Suite("headflow reproduce / claims: the command-line contract")
struct ClaimsCLITests {
    // Unknown id: exit 64, one stderr line naming the valid ids, nothing on stdout.
    @Test("an unknown claim id exits 64 with one line naming the valid ids")
    func unknownID() throws {
        let r = try runHeadflow(["reproduce", "phase9-nothing"])
        #expect(r.code == 64)
        #expect(r.out.isEmpty)
        #expect(r.err.split(separator: "\n").count == 1, "stderr: \(r.err)")
        #expect(r.err.contains("phase9-nothing") && r.err.contains("optima-tie") && r.err.contains("seeds-diversity"))
    }

    @Test("no id and no --all, or a bad --format, exit 64", arguments: [["reproduce"], ["reproduce", "--all", "optima-tie"],
                                                                    ["reproduce", "optima-tie", "--format", "csv"]])
    func badInput(_ args: [String]) throws {
        let r = try runHeadflow(args)
        #expect(r.code == 64)
        #expect(r.err.split(separator: "\n").count == 1, "stderr: \(r.err)")
    }

    // A passing claim: exit 0, the row on stdout, progress on stderr only.
    @Test("reproduce optima-tie: PASS row on stdout, progress on stderr, exit 0")
    func passing() throws {
        let r = try runHeadflow(["reproduce", "optima-tie"])
        #expect(r.code == 0)
        #expect(r.out.contains("optima-tie") && r.out.contains("PASS"))
        #expect(!r.out.contains("[1/1]"))
        #expect(r.err.contains("[1/1] optima-tie … PASS"))
        let md = try runHeadflow(["reproduce", "optima-tie", "--format", "markdown", "--quiet"])
        #expect(md.code == 0 && md.err.isEmpty)
        #expect(md.out.hasPrefix("| claim | measured | threshold | verdict |"))
    }

    @Test("claims lists every id with its statement")
    func list() throws {
        let r = try runHeadflow(["claims"])
        #expect(r.code == 0)
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == ClaimRegistry.all.count)
        for (line, id) in zip(lines, ClaimRegistry.ids) { #expect(line.hasPrefix(id + " ")) }
    }
}
