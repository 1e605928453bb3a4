import Foundation
import Testing
@testable import HeadFlow

/// The repository root (this file is Tests/HeadFlowTests/ReadmeTests.swift).
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private func readme() throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
}

@Suite("README.md: the claims block is generated, the paths it names exist")
struct ReadmeTests {
    // Runs every claim (about 5 s optimised) and regenerates the block in memory: the README must match byte for byte.
    @Test("the claims block is up to date (regenerate: headflow claims --write-readme README.md)", .tags(.slow))
    func claimsBlockUpToDate() throws {
        let verdicts = try ClaimRegistry.all.map { try $0.verdict() }
        let onDisk = try ClaimsReadme.currentBlock(in: try readme())
        #expect(onDisk == ClaimsReadme.block(verdicts), "README.md's claims block is out of date: run `\(ClaimsReadme.command)`")
    }

    @Test("every claim's meaning names only its own quantities", arguments: ClaimRegistry.ids)
    func meaningPlaceholders(id: String) throws {
        let claim = try #require(ClaimRegistry.claim(id))
        #expect(!claim.meaning.isEmpty)
        let names = Set(claim.quantities.map(\.name))
        for name in ClaimsReadme.placeholders(claim.meaning) { #expect(names.contains(name), "\(id): «\(name)» is no quantity") }
    }

    @Test("prose numbers: one digit, percentages, 3 significant digits, integers")
    func proseNumbers() {
        #expect(ClaimsReadme.number(5.12e-6, style: "1") == "5·10⁻⁶")
        #expect(ClaimsReadme.number(6.99e-11, style: "1") == "7·10⁻¹¹")
        #expect(ClaimsReadme.number(9.6e-3, style: "1") == "1·10⁻²")
        #expect(ClaimsReadme.number(0.4219, style: "%") == "42%")
        #expect(ClaimsReadme.number(0.4973) == "0.497")
        #expect(ClaimsReadme.number(0.003162) == "0.00316")
        #expect(ClaimsReadme.number(18.62) == "18.6")
        #expect(ClaimsReadme.number(2.6) == "2.60")
        #expect(ClaimsReadme.number(11831) == "11831")
        #expect(ClaimsReadme.number(920.4) == "920")
        #expect(ClaimsReadme.number(3) == "3")
    }

    @Test("replacing the block keeps the rest of the file; missing or repeated markers are refused")
    func replacing() throws {
        let b = ClaimsReadme.begin + "\n", e = ClaimsReadme.end + "\n"
        let text = "head\n" + b + "old\n" + e + "tail\n"
        #expect(try ClaimsReadme.replacingBlock(in: text, with: b + "new\n" + e) == "head\n" + b + "new\n" + e + "tail\n")
        for bad in ["no markers\n", b + e + b + e, e + b, b + "no end\n"] {
            #expect(throws: ParameterError.self) { try ClaimsReadme.replacingBlock(in: bad, with: "") }
        }
    }
}
