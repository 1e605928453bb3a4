import Foundation
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel
@testable import HeadFlowDynamics
@testable import HeadFlowClaims
@testable import HeadFlowSweeps
@testable import HeadFlowReport

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

    // The section's code block: `DIR/  description` entries (an indented one inside the entry above it with less indent).
    // Checked: every directory exists; every path in a description (a word from a top-level folder, or
    // with a file extension) exists, from the root or the entry's folder; every CamelCase name in a
    // description (two capitals or more: `PopulationSolver`, not `Markdown`) is a file or a declaration
    // under the entry's folder.
    @Test("How the code is laid out: every folder, path and CamelCase name it gives exists")
    func layoutNamesExist() throws {
        let entries = try LayoutSection(readme: try readme()).entries
        #expect(entries.count > 5 && entries.flatMap(\.names).count > 10, "the layout section was not parsed")
        for entry in entries {
            let dir = repositoryRoot.appendingPathComponent(entry.path)
            #expect(isDirectory(dir), "README layout: \(entry.path) is not a folder")
            for path in entry.paths {
                let candidates = [repositoryRoot.appendingPathComponent(path), dir.appendingPathComponent(path)]
                #expect(candidates.contains { FileManager.default.fileExists(atPath: $0.path) },
                        "README layout, \(entry.path): \(path) does not exist")
            }
            guard !entry.names.isEmpty else { continue }
            let sources = sourceFiles(under: dir)
            for name in entry.names {
                let isFile = sources.contains { $0.name == name + ".swift" || $0.name.hasPrefix(name + "+") }
                #expect(isFile || sources.contains { declares($0.text, name) },
                        "README layout, \(entry.path): no file or declaration \(name) in it")
            }
        }
    }

    @Test("How the code is laid out: every folder of Sources/ is named")
    func layoutNamesEverySourceFolder() throws {
        let named = Set(try LayoutSection(readme: try readme()).entries.map(\.path))
        let sources = repositoryRoot.appendingPathComponent("Sources")
        for folder in try FileManager.default.contentsOfDirectory(atPath: sources.path).sorted()
        where isDirectory(sources.appendingPathComponent(folder)) {
            #expect(named.contains("Sources/\(folder)/"), "README layout does not name Sources/\(folder)/")
        }
    }

    @Test("every path the README gives in backticks from Sources/, Tests/, scripts/, docs/ or Theorems/ exists")
    func backtickedPathsExist() throws {
        let roots = ["Sources/", "Tests/", "scripts/", "docs/", "Theorems/"]
        var fenced = false
        let prose = try readme().split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            if line.hasPrefix("```") { fenced.toggle(); return false }
            return !fenced
        }.joined(separator: "\n")
        let spans = prose.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        let paths = spans.filter { s in roots.contains { s.hasPrefix($0) } && !s.contains(" ") }
        #expect(!paths.isEmpty)
        for path in paths {
            #expect(exists(path), "README names `\(path)`, which does not exist")
        }
    }
}

/// The entries of the README's "How the code is laid out" code block.
struct LayoutSection {
    struct Entry {
        /// The folder, from the repository root, ending in `/`.
        var path: String
        /// Paths named in the description.
        var paths: [String] = []
        /// CamelCase names in the description (files or declarations under `path`).
        var names: [String] = []
    }

    var entries: [Entry] = []

    /// Top-level folders a path in a description may start with.
    static let roots = ["Sources/", "Tests/", "scripts/", "docs/", "Theorems/"]
    static let extensions = [".swift", ".c", ".h", ".md", ".png", ".svg", ".py", ".json", ".modulemap"]

    init(readme: String) throws {
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let heading = try #require(lines.firstIndex { $0.hasPrefix("## How the code is laid out") })
        let open = try #require(lines[heading...].firstIndex { $0.hasPrefix("```") })
        let close = try #require(lines[(open + 1)...].firstIndex { $0.hasPrefix("```") })
        var parents: [(indent: Int, path: String)] = []
        for line in lines[(open + 1)..<close] {
            let indent = line.prefix { $0 == " " }.count
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let first = words.first else { continue }
            if indent < 8, first.hasSuffix("/") {
                while let last = parents.last, last.indent >= indent { parents.removeLast() }
                let path = (parents.last?.path ?? "") + first
                parents.append((indent, path))
                entries.append(Entry(path: path))
                scan(words.dropFirst())
            } else {
                scan(words[...])
            }
        }
    }

    /// Adds the paths and CamelCase names of `words` to the last entry.
    private mutating func scan(_ words: ArraySlice<String>) {
        guard !entries.isEmpty else { return }
        let trim = CharacterSet(charactersIn: "`'\"()[]{},;:.")
        for word in words {
            let w = word.trimmingCharacters(in: trim)
            let isPath = w.contains("/") && (Self.roots.contains { w.hasPrefix($0) } || Self.extensions.contains { w.hasSuffix($0) })
            if isPath || (!w.contains("/") && Self.extensions.contains { w.hasSuffix($0) } && w.first?.isLetter == true) {
                entries[entries.count - 1].paths.append(w)
                continue
            }
            for name in w.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init)
            where Self.isCamelCase(name) && !entries[entries.count - 1].names.contains(name) {
                entries[entries.count - 1].names.append(name)
            }
        }
    }

    /// `PopulationSolver`, `ODEIntegrator`, `PrinceDormand8`: a capital first, two capitals or more, a lower-case letter.
    static func isCamelCase(_ s: String) -> Bool {
        guard let c = s.first, c.isUppercase, c.isASCII else { return false }
        return s.filter(\.isUppercase).count >= 2 && s.contains(where: \.isLowercase)
    }
}

/// True when `path` (from the root) exists; one `*` in its last component matches any run of characters.
private func exists(_ path: String) -> Bool {
    let url = repositoryRoot.appendingPathComponent(path)
    let name = url.lastPathComponent
    guard name.contains("*") else { return FileManager.default.fileExists(atPath: url.path) }
    let parts = name.split(separator: "*", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    let files = (try? FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)) ?? []
    return files.contains { $0.hasPrefix(parts[0]) && $0.hasSuffix(parts[1]) && $0.count >= parts[0].count + parts[1].count }
}

private func isDirectory(_ url: URL) -> Bool {
    var dir: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &dir) && dir.boolValue
}

/// Every Swift and C file under `dir` (recursively): its name and text.
private func sourceFiles(under dir: URL) -> [(name: String, text: String)] {
    guard let walk = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return [] }
    return walk.compactMap { $0 as? URL }.filter { ["swift", "c", "h"].contains($0.pathExtension) }.compactMap { url in
        (try? String(contentsOf: url, encoding: .utf8)).map { (url.lastPathComponent, $0) }
    }
}

/// True when `text` declares `name` (a type, extension, function, property or enum case).
private func declares(_ text: String, _ name: String) -> Bool {
    ["struct", "enum", "class", "protocol", "actor", "typealias", "extension", "func", "var", "let", "case"].contains { keyword in
        text.contains("\(keyword) \(name) ") || text.contains("\(keyword) \(name):") || text.contains("\(keyword) \(name)(")
            || text.contains("\(keyword) \(name)<") || text.contains("\(keyword) \(name)\n") || text.contains("\(keyword) \(name) {")
    }
}
