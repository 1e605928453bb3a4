import Foundation
import Synchronization
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel
@testable import HeadFlowDynamics
@testable import HeadFlowClaims
@testable import HeadFlowSweeps
@testable import HeadFlowReport

/// SplitMix64: a small seeded generator, so a fuzz run is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Command lines for every subcommand: a tiny valid workload with one or two
/// option values replaced by hostile ones, or with random tokens appended.
struct FuzzCorpus {
    /// An option of a subcommand, read from its `--help`.
    struct Option { let name: String; let takesValue: Bool }
    /// A subcommand: its words, a fast valid base line, the options to generate,
    /// and every option name its `--help` lists.
    struct Command { let words: [String]; let base: [String]; let options: [Option]; let names: [String] }

    /// Hostile values: negative, zero, huge, NaN/Inf, empty, malformed, unicode,
    /// Int.max and beyond, 1e308, subnormals, bad specs and paths.
    static let hostile: [String] = [
        "-1", "0", "-0", "1e308", "-1e308", "1e-320", "5e-324", "nan", "-nan", "inf", "-inf", "Infinity", "", " ", "abc",
        "1,2", "1;2", "0.1,-0.2;0.3", "-0.118,-0.012;0.017,0.096", "1e", "0x10", "+5", "9223372036854775807",
        "-9223372036854775808", "9223372036854775808", "18446744073709551616", "2147483648", "1e12", "ü", "日本語", "🙂",
        "\u{202E}x", "-", String(repeating: "x", count: 3000), "1:2:lin:3", "d=1,2", "seed=1:3:lin:3", "eta-e=nan",
        "alpha[9]=1", "d=1:1e308:lin:3", "seed=1:9223372036854775807:log:3", "neurons=2147483648", "0/0", "5/2", "1/0", "-1/2",
        "/", "//", "/..", "nope/none.json", "bad.json", "r.json", "s", "s.json", "x.txt", ".png", "f.svg",
    ]

    /// Tokens for random argument lists besides option names and hostile values.
    static let junk = ["--", "-x", "--bogus", "extra", "-h=1", "--=", "---d", "--d=", "--no-quiet"]

    /// Never generated: they would start long workloads (`reproduce --all`, the claims).
    static let excluded: Set<String> = ["--all", "--help", "-h", "--version", "--controls"]

    let commands: [Command]

    /// The subcommands with their bases (files `s/`, `s.json`, `r.json`, `bad.json` are fixtures in the cwd).
    static func make(options: ([String]) throws -> [Option]) rethrows -> FuzzCorpus {
        let bases: [([String], [String])] = [
            (["run"], ["--t-end", "50", "--points", "5"]),
            (["train"], ["--steps", "20", "--batch", "8", "--d", "10", "--points", "5", "--quiet"]),
            (["sweep"], ["--vary", "seed=1,2", "--t-end", "20", "--points", "3", "--quiet"]),
            (["boundary"], ["--along", "eta-e-ratio", "--between", "1e-3,1", "--scan", "3", "--t-end", "20", "--points", "3", "--quiet"]),
            (["merge"], ["s", "--format", "csv"]),
            (["fit"], ["s", "--x", "d", "--y", "final_loss"]),
            (["plot", "trajectory"], ["r.json", "-o", "f.svg"]),
            (["plot", "phase"], ["s.json", "-o", "p.svg"]),
            (["reproduce"], ["--format", "json"]),
            (["claims"], ["--write", "T"]),
            (["features"], ["--ks", "2", "--heads", "none", "--seeds", "1", "--t-end", "20", "--d", "10", "--quiet"]),
            (["fastest-head"], ["--t-end", "50", "--points", "3", "--scan", "3"]),
        ]
        return FuzzCorpus(commands: try bases.map { words, base in
            let all = try options(words)
            return Command(words: words, base: base, options: all.filter { !excluded.contains($0.name) }, names: all.map(\.name))
        })
    }

    /// The options listed by `headflow WORDS --help`.
    static func parseHelp(_ text: String) -> [Option] {
        var out: [Option] = []
        for line in text.split(separator: "\n") where line.hasPrefix("  -") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            for (i, f) in fields.enumerated() where f.hasPrefix("--") {
                let name = String(f.hasSuffix(",") ? f.dropLast() : f)
                out.append(Option(name: name, takesValue: i + 1 < fields.count && fields[i + 1].hasPrefix("<")))
            }
        }
        return out
    }

    /// `count` command lines from `seed`.
    func lines(count: Int, seed: UInt64) -> [[String]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in line(&rng) }
    }

    func line(_ rng: inout SplitMix64) -> [String] {
        let c = commands.randomElement(using: &rng)!
        var args = c.words + c.base
        if Double.random(in: 0..<1, using: &rng) < 0.7 {
            for _ in 0..<Int.random(in: 1...2, using: &rng) {
                guard let o = c.options.randomElement(using: &rng) else { break }
                guard o.takesValue else { args.append(o.name); continue }
                let v = Self.hostile.randomElement(using: &rng)!
                if Bool.random(using: &rng) { args += [o.name, v] } else { args.append(o.name + "=" + v) }
            }
        } else {
            let pool = c.options.map(\.name) + Self.hostile + Self.junk
            for _ in 0..<Int.random(in: 1...5, using: &rng) { args.append(pool.randomElement(using: &rng)!) }
        }
        return args
    }
}

/// The exit classes a fuzz run counts.
enum ExitClass: String, CaseIterable, Sendable {
    case success = "exit 0", failure = "exit 1", usage = "exit 64", other = "other exit", signal = "signal", timeout = "timeout"

    init(_ r: CLIRun) {
        if r.timedOut { self = .timeout } else if r.signal != nil { self = .signal } else {
            switch r.code { case 0: self = .success; case 1: self = .failure; case 64: self = .usage; default: self = .other }
        }
    }
}

/// What is wrong with how `args` ended, or nil: no signal, exit 0, 1 or 64;
/// on 1 and 64 nothing on stdout and exactly one `headflow:` line on stderr
/// (progress lines aside for 1; nothing else at all for 64), which for 64
/// names a real option of the command, an argument given, or what the parser
/// could not place.
func fuzzViolation(_ args: [String], _ r: CLIRun, options: [String]) -> String? {
    switch ExitClass(r) {
    case .timeout: return "timed out"
    case .signal: return "killed by signal \(r.signal!): \(r.err.suffix(300))"
    case .other: return "exit \(r.code)"
    case .success:
        if r.out.hasPrefix("OVERVIEW:") || r.out.hasPrefix("USAGE:") { return nil }  // a help request the parser saw (`-h=1`)
        if let i = args.firstIndex(of: "--format"), args.indices.contains(i + 1), args[i + 1] == "json",
           (try? JSONSerialization.jsonObject(with: Data(r.out.utf8))) == nil {
            return "exit 0 with --format json but stdout is not strict JSON: \(r.out.prefix(120))"
        }
        return inertOption(args).map { "exit 0 with an option that cannot act: \($0)" }
    case .failure, .usage:
        guard r.out.isEmpty else { return "exit \(r.code) with stdout: \(r.out.prefix(200))" }
        let lines = r.errLines.filter { $0.hasPrefix("headflow:") }
        guard lines.count == 1, r.code == 1 || r.errLines.count == 1 else { return "exit \(r.code) with stderr: \(r.err.suffix(300))" }
        guard r.code == 64 else { return nil }
        let line = String(lines[0])
        // A real option; or an argument given, quoted (its start, if cut) or as the file the line is about;
        // or the parser's own complaint about an argument it could not place.
        let named = options.contains { mentions(line, option: $0) }
            || args.contains { a in
                let p = String(a.prefix(60))
                return line.contains("\"" + p) || line.contains("'" + p) || line.hasPrefix("headflow: " + p)
                    || (a.count >= 3 && !a.hasPrefix("-") && line.contains(a))
            }
            || ["unknown option", "invalid option", "unexpected argument", "missing expected argument", "missing value"]
                .contains { line.lowercased().contains($0) }
        return named ? nil : "exit 64 naming no option: \(line)"
    }
}

/// A table option in `args` that cannot act there, judged from the words alone (independently of the code that
/// rejects them): one its engine never uses (`run --dp-rho`, `train --rtol`, `sweep --engine sgd --stepper`), or
/// one whose condition is visibly unmet (`--ema-tau` with no `ema` anywhere, the DirectPred options with no
/// directpred/directcopy head, `--samples` without `fixed`, `--points` beside `--log-every`). Nil when none.
func inertOption(_ args: [String]) -> String? {
    guard ["run", "train", "sweep", "features"].contains(args.first ?? "") else { return nil }
    let engine: RunParameter.Engines = args[0] == "train" || (args[0] == "sweep" && args.contains { $0 == "sgd" || $0 == "--engine=sgd" })
        ? .sgd : .population
    let words = args.joined(separator: " ")
    for (i, a) in args.enumerated() where a.hasPrefix("--") {
        let name = String(a.dropFirst(2).prefix { $0 != "=" })
        let given = args.indices.contains(i + 1) || a.contains("=")
        guard given, let p = RunParameter.named(name) else { continue }
        if !p.engines.contains(engine) { return "--\(name) in \(args[0]) (\(engine == .sgd ? "sgd" : "population"))" }
        if name == "ema-tau", !words.contains("ema") { return "--ema-tau without an ema target" }
        if name.hasPrefix("dp-"), !words.contains("direct") { return "--\(name) without a directpred/directcopy head" }
        if name == "samples", !words.contains("fixed") { return "--samples without --data fixed" }
        if name == "points", args.contains("--log-every") { return "--points beside --log-every" }
    }
    return nil
}

/// Whether `line` contains `--name` as a whole option name (not a prefix of a longer one).
func mentions(_ line: String, option: String) -> Bool {
    var rest = Substring(line)
    while let r = rest.range(of: option) {
        let after = rest[r.upperBound...].first
        if after.map({ !($0.isLetter || $0.isNumber || $0 == "-") }) ?? true { return true }
        rest = rest[r.upperBound...]
    }
    return false
}

/// Runs `lines` on 2 threads in `directory`; the class and any violation of each.
func fuzzRun(_ lines: [[String]], in directory: URL, options: @Sendable ([String]) -> [String]) -> [(ExitClass, String?, Double)] {
    let slots = Mutex<[(ExitClass, String?, Double)?]>(Array(repeating: nil, count: lines.count))
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: 2) { _ in
        while true {
            let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard i < lines.count else { break }
            let result: (ExitClass, String?, Double)
            do {
                let r = try runCLI(lines[i], in: directory, timeout: 60)
                result = (ExitClass(r), fuzzViolation(lines[i], r, options: options(lines[i])), r.seconds)
            } catch { result = (.other, "could not run: \(error)", 0) }
            slots.withLock { $0[i] = result }
        }
    }
    return slots.withLock { $0.map { $0! } }
}

@Suite("Fuzz: generated command lines never crash headflow", .serialized)
struct FuzzCLITests {
    /// A negative number is a value, never a missing one: `--noise -1` gets the
    /// range error (or is accepted), for every option that takes a value.
    @Test("every value option takes a negative number without =", .tags(.slow))
    func negativeValues() throws {
        let dir = try freshDirectory("negative")
        defer { try? FileManager.default.removeItem(at: dir) }
        // plot's options are left out: its command is styled elsewhere.
        let corpus = try FuzzCorpus.make { words in FuzzCorpus.parseHelp(try runCLI(words + ["--help"]).out) }
        var checked = 0
        for c in corpus.commands where c.words[0] != "plot" {
            for o in c.options where o.takesValue {
                let r = try runCLI(c.words + c.base + [o.name, "-1"], in: dir)
                #expect(!r.err.contains("Missing value"), "\(c.words.joined(separator: " ")) \(o.name) -1: \(r.err)")
                #expect(r.signal == nil && [0, 1, 64].contains(r.code))
                checked += 1
            }
        }
        #expect(checked >= 40)
    }

    /// `FUZZ_COUNT` lines (default 1,000) from `FUZZ_SEED` (default fixed) over every subcommand:
    /// none may crash, hang or break the one-line error contract.
    @Test("1,000 seeded hostile command lines: no signal, exit 0/1/64, one clean error line", .tags(.slow))
    func fuzz() throws {
        let env = ProcessInfo.processInfo.environment
        let count = env["FUZZ_COUNT"].flatMap(Int.init) ?? 1000
        let seed = env["FUZZ_SEED"].flatMap(UInt64.init) ?? 20_221_128
        let dir = try freshDirectory("fuzz")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Fixtures: a sweep store and its JSON, a run JSON, a malformed JSON.
        for args in [["sweep", "--vary", "d=10,20", "--vary", "seed=1,2", "--t-end", "20", "--points", "3", "--quiet", "--out", "s"],
                     ["run", "--t-end", "50", "--points", "5", "--format", "json"]] {
            let r = try runCLI(args, in: dir)
            #expect(r.code == 0, "fixture \(args): \(r.err)")
            if args[0] == "run" { try Data(r.out.utf8).write(to: dir.appendingPathComponent("r.json")) }
        }
        let merged = try runCLI(["merge", "s", "--format", "json"], in: dir)
        try Data(merged.out.utf8).write(to: dir.appendingPathComponent("s.json"))
        try Data("{".utf8).write(to: dir.appendingPathComponent("bad.json"))
        let corpus = try FuzzCorpus.make { words in FuzzCorpus.parseHelp(try runCLI(words + ["--help"]).out) }
        #expect(corpus.commands.allSatisfy { $0.options.count >= 1 })
        let byWords = Dictionary(corpus.commands.map { ($0.words.joined(separator: " "), $0.names) }) { a, _ in a }
        let lines = corpus.lines(count: count, seed: seed)
        #expect(Set(lines.map { $0.prefix(1) }).count == Set(corpus.commands.map { $0.words.prefix(1) }).count, "every subcommand is exercised")
        let results = fuzzRun(lines, in: dir) { args in byWords[args.prefix(2).joined(separator: " ")] ?? byWords[args[0]] ?? [] }
        var counts: [ExitClass: Int] = [:]
        for (c, _, _) in results { counts[c, default: 0] += 1 }
        let summary = ExitClass.allCases.map { "\($0.rawValue): \(counts[$0] ?? 0)" }.joined(separator: ", ")
        print("fuzz: \(count) command lines (seed \(seed)): \(summary)")
        if env["FUZZ_SLOWEST"] != nil {
            for (args, r) in zip(lines, results).sorted(by: { $0.1.2 > $1.1.2 }).prefix(15) { print(String(format: "%.2f s  ", r.2) + args.joined(separator: " ").prefix(160)) }
        }
        let bad = zip(lines, results).compactMap { args, r in r.1.map { "headflow \(args.map { $0.count > 60 ? "<\($0.count) chars>" : "'\($0)'" }.joined(separator: " ")): \($0)" } }
        #expect(bad.isEmpty, "\(bad.count) violations; first: \(bad.prefix(8).joined(separator: "\n"))")
        #expect((counts[.success] ?? 0) > count / 20 && (counts[.usage] ?? 0) > count / 4, "the corpus reaches both results and errors: \(summary)")
    }
}
