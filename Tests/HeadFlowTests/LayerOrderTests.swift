import Foundation
import Testing

/// The layers, lowest first (README.md, "Layout"): a layer may depend only on layers before it.
/// `HeadFlow` (the library product) re-exports them all; `headflow` is the command line.
private let layers = [
    "HeadFlowNumerics", "HeadFlowData", "HeadFlowModel", "HeadFlowDynamics",
    "HeadFlowClaims", "HeadFlowSweeps", "HeadFlowReport", "HeadFlow", "headflow",
]

/// The C targets and who may use them: GSL only through HeadFlowNumerics' wrappers.
private let cTargets: [String: Set<String>] = ["CGSL": ["HeadFlowNumerics"], "CPhilox": ["HeadFlowNumerics"]]

private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Every target of Package.swift with the package-internal targets it depends on (`.product(…)`
/// dependencies, external packages, left out), read from the manifest's text.
private func manifestTargets() throws -> [(name: String, dependencies: [String])] {
    let text = try String(contentsOf: packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
    let code = text.split(separator: "\n", omittingEmptySubsequences: false)
        .map { line in line.range(of: "//").map { String(line[..<$0.lowerBound]) } ?? String(line) }
        .joined(separator: "\n")
    var result: [(name: String, dependencies: [String])] = []
    let start = try Regex(#"\.(?:target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)""#)
    for match in code.matches(of: start) {
        let name = String(match.output[1].substring ?? "")
        // The target's arguments: up to the parenthesis that closes `.target(`.
        var depth = 1, end = match.range.upperBound
        while end < code.endIndex, depth > 0 {
            if code[end] == "(" { depth += 1 } else if code[end] == ")" { depth -= 1 }
            end = code.index(after: end)
        }
        let arguments = code[match.range.upperBound..<end]
        var dependencies: [String] = []
        if let list = arguments.range(of: "dependencies:") {
            // The bracketed list after `dependencies:`, without its `.product(…)` entries.
            var depth = 0, i = list.upperBound, inside = ""
            while i < arguments.endIndex {
                let c = arguments[i]
                if c == "[" { depth += 1 } else if c == "]" { depth -= 1; if depth == 0 { break } }
                if depth > 0 { inside.append(c) }
                i = arguments.index(after: i)
            }
            let withoutProducts = inside.replacing(try Regex(#"\.product\([^)]*\)"#), with: "")
            dependencies = withoutProducts.matches(of: try Regex(#""([^"]+)""#)).map { String($0.output[1].substring ?? "") }
        }
        result.append((name, dependencies))
    }
    return result
}

/// The edges of `targets` that break the order: a layer depending on a layer at or above it, on a C
/// target it may not use, or on an unknown target; a Swift target missing from `layers`.
private func orderViolations(_ targets: [(name: String, dependencies: [String])]) -> [String] {
    var violations: [String] = []
    let names = targets.map(\.name)
    for layer in layers where !names.contains(layer) { violations.append("Package.swift has no target \(layer)") }
    for (name, dependencies) in targets {
        guard let rank = layers.firstIndex(of: name) else {
            // Outside the order: the C targets and the tests. A new Swift library target must be placed in `layers`.
            if cTargets[name] == nil && !name.hasSuffix("Tests") { violations.append("\(name) is not in the layer order") }
            continue
        }
        for dependency in dependencies {
            if let users = cTargets[dependency] {
                if !users.contains(name) { violations.append("\(name) depends on \(dependency), which only \(users.sorted()) may use") }
            } else if let below = layers.firstIndex(of: dependency) {
                if below >= rank { violations.append("\(name) depends on \(dependency), a layer at or above it (an upward edge)") }
            } else {
                violations.append("\(name) depends on \(dependency), which is not a known layer or C target")
            }
        }
    }
    return violations
}

@Suite("Layers: Package.swift's targets keep the one-way order")
struct LayerOrderTests {
    @Test("every layer is in Package.swift, each depends only on layers below it")
    func layersPointDown() throws {
        let targets = try manifestTargets()
        #expect(targets.count >= layers.count + 2)
        #expect(orderViolations(targets) == [])
    }

    @Test("the check sees an upward edge (Dynamics on Report) and CGSL outside Numerics")
    func upwardEdgeIsCaught() throws {
        var targets = try manifestTargets()
        let dynamics = try #require(targets.firstIndex { $0.name == "HeadFlowDynamics" })
        targets[dynamics].dependencies.append("HeadFlowReport")
        let model = try #require(targets.firstIndex { $0.name == "HeadFlowModel" })
        targets[model].dependencies.append("CGSL")
        #expect(orderViolations(targets) == [
            "HeadFlowModel depends on CGSL, which only [\"HeadFlowNumerics\"] may use",
            "HeadFlowDynamics depends on HeadFlowReport, a layer at or above it (an upward edge)",
        ])
    }

    @Test("the umbrella HeadFlow re-exports every layer")
    func umbrellaHasEveryLayer() throws {
        let targets = Dictionary(uniqueKeysWithValues: try manifestTargets().map { ($0.name, Set($0.dependencies)) })
        for layer in layers.prefix(7) { #expect(targets["HeadFlow"]?.contains(layer) == true, "HeadFlow does not re-export \(layer)") }
        let umbrella = try String(contentsOf: packageRoot.appendingPathComponent("Sources/HeadFlow/HeadFlow.swift"), encoding: .utf8)
        for layer in layers.prefix(7) { #expect(umbrella.contains("@_exported import \(layer)\n"), "HeadFlow.swift does not re-export \(layer)") }
    }

    @Test("only HeadFlowNumerics imports CGSL; every imported layer is a declared dependency")
    func importsMatchTheManifest() throws {
        let targets = Dictionary(uniqueKeysWithValues: try manifestTargets().map { ($0.name, Set($0.dependencies)) })
        let sources = packageRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        #expect(!files.isEmpty)
        for file in files {
            let relative = file.path.dropFirst(sources.path.count + 1)
            let target = String(relative.prefix { $0 != "/" })
            let text = try String(contentsOf: file, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ").filter { !$0.hasPrefix("@") }
                guard words.count == 2, words[0] == "import" else { continue }
                let module = String(words[1])
                if module == "CGSL" { #expect(target == "HeadFlowNumerics", "\(relative) imports CGSL") }
                if layers.contains(module) || cTargets[module] != nil {
                    #expect(targets[target]?.contains(module) == true, "\(relative) imports \(module), not a dependency of \(target)")
                }
            }
        }
    }
}
