import Foundation
import Testing

/// The `headflow` binary next to the test bundle (the products directory).
private func sweepBinary() throws -> URL {
    var dirs: [URL] = []
    if let exe = Bundle.main.executableURL { dirs.append(exe.deletingLastPathComponent()) }
    dirs += [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
    if let arg0 = CommandLine.arguments.first { dirs.append(URL(fileURLWithPath: arg0).deletingLastPathComponent()) }
    for d in dirs where FileManager.default.isExecutableFile(atPath: d.appendingPathComponent("headflow").path) {
        return d.appendingPathComponent("headflow")
    }
    throw SweepCLIError(message: "headflow binary not found near \(dirs.map(\.path))")
}

private struct SweepCLIError: Error { let message: String }

/// Runs `headflow args…` to completion: exit code, stdout, stderr.
private func headflow(_ args: [String]) throws -> (code: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = try sweepBinary()
    p.arguments = args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    // Read both pipes concurrently so neither fills up.
    nonisolated(unsafe) var errData = Data()
    let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    while !reader.isFinished { usleep(1000) }
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

private func scratch(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("headflow-sweep-tests-\(getpid())-\(name)")
    try? FileManager.default.removeItem(at: dir)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

private func cellFiles(_ dir: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("cells").path)) ?? [])
        .filter { $0.hasPrefix("cell-") && $0.hasSuffix(".json") }
}

/// Long sweeps never lose work: kill, resume, shard, merge — all equal to one uninterrupted run.
@Suite("Sweep stores: kill and resume, shards and merge", .serialized)
struct SweepResumeTests {
    /// 24 cells of the canonical start (collapse and diverse both occur); many
    /// recorded points so that a cell takes ~0.1 s in debug and the kill lands part-way.
    static let sweep = ["sweep", "--vary", "eta-e-ratio=1e-3:1e-1:log:4", "--vary", "alpha-ratio=0.3:0.8:lin:6",
                        "--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0;0,1", "--t-end", "2e4", "--points", "3000",
                        "--stepper", "msbdf", "--quiet"]

    static let uninterrupted: String = {
        (try? headflow(sweep + ["--format", "json", "--jobs", "2"]).out) ?? ""
    }()

    @Test("a sweep killed part-way resumes from --out and merges to the uninterrupted result")
    func killAndResume() throws {
        let dir = try scratch("resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let args = Self.sweep + ["--out", dir.path, "--format", "json", "--jobs", "1"]
        let p = Process()
        p.executableURL = try sweepBinary()
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while cellFiles(dir).count < 3 && p.isRunning && Date() < deadline { usleep(5_000) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let before = cellFiles(dir).count
        #expect(before >= 3)
        #expect(p.terminationReason == .uncaughtSignal, "the sweep finished before it could be killed (\(before) cells)")
        #expect(before < 24, "killed after every cell was written")

        let resumed = try headflow(args)
        #expect(resumed.code == 0, "\(resumed.err)")
        #expect(cellFiles(dir).count == 24)
        let merged = try headflow(["merge", dir.path, "--format", "json"])
        #expect(merged.code == 0, "\(merged.err)")
        #expect(!Self.uninterrupted.isEmpty)
        #expect(merged.out == Self.uninterrupted)
        #expect(resumed.out == Self.uninterrupted)

        // A second re-run finds nothing to do and prints the same.
        let again = try headflow(args)
        #expect(again.out == Self.uninterrupted)
    }

    @Test("three shards in three directories merge to the uninterrupted result")
    func shardsMerge() throws {
        let root = try scratch("shards")
        defer { try? FileManager.default.removeItem(at: root) }
        var dirs: [String] = []
        for i in 0..<3 {
            let d = root.appendingPathComponent("shard\(i)").path
            let r = try headflow(Self.sweep + ["--shard", "\(i)/3", "--out", d, "--format", "json", "--jobs", "1"])
            #expect(r.code == 0, "\(r.err)")
            #expect(r.out.contains("\"shard\": \"\(i)/3\""))
            dirs.append(d)
        }
        let merged = try headflow(["merge"] + dirs + ["--format", "json"])
        #expect(merged.code == 0, "\(merged.err)")
        #expect(merged.out == Self.uninterrupted)
        let table = try headflow(["merge"] + dirs)
        #expect(table.out == (try headflow(Self.sweep).out))

        // Two of three shards: the third's cells are reported missing, shown as ?.
        let partial = try headflow(["merge", dirs[0], dirs[1]])
        #expect(partial.code == 0)
        #expect(partial.out.contains("?") && partial.err.contains("8 of 24 cells not run"))
    }

    @Test("--out holding a different sweep is refused with exit 64")
    func differentSweep() throws {
        let dir = try scratch("other")
        defer { try? FileManager.default.removeItem(at: dir) }
        let small = ["sweep", "--vary", "eta-e=0.01,0.1", "--t-end", "100", "--points", "10", "--quiet", "--out", dir.path]
        #expect(try headflow(small).code == 0)
        let other = try headflow(small.map { $0 == "100" ? "200" : $0 })
        #expect(other.code == 64)
        #expect(other.err.split(separator: "\n").count == 1 && other.err.contains("--out"))
    }

    // Each invalid value: exit 64, nothing on stdout, one stderr line naming the option.
    @Test("bad sweep input exits 64 with one line naming the option", arguments: [
        (["--vary", "foo=1"], "--vary"), (["--vary", "eta-e=1:2"], "--vary"), (["--vary", "eta-e=0:1:log:3"], "--vary"),
        (["--vary", "eta-e=0.1", "--shard", "2/2"], "--shard"), (["--vary", "eta-e=0.1", "--shard", "x"], "--shard"),
        (["--vary", "init-a[1,2]=0.1"], "--vary"), (["--vary", "eta-e=0.1", "--outcome", "nope"], "--outcome"),
        (["--vary", "eta-e=0.1", "--engine", "foo"], "--engine"), (["--vary", "eta-e=0.1", "--batch", "64"], "--batch"),
        (["--vary", "eta-e=0.1", "--engine", "sgd", "--batch", "1"], "--batch"), (["--vary", "eta-e=0.1", "--jobs", "0"], "--jobs"),
        (["--vary", "alpha-ratio=0.5,1.2"], "--alpha"), (["--vary", "d=1,100"], "--d"), ([], "--vary"),
        (["--vary", "eta-e=0.1", "--format", "xml"], "--format"),
    ])
    func badInput(_ args: [String], option: String) throws {
        let r = try headflow(["sweep"] + args)
        #expect(r.code == 64)
        #expect(r.out.isEmpty)
        #expect(r.err.split(separator: "\n").count == 1, "stderr: \(r.err)")
        #expect(r.err.contains(option), "stderr: \(r.err)")
    }

    // The engine seam: SGD cells go through the same store, table and JSON, deterministically.
    @Test("--engine sgd sweeps mini-batch SGD cells, the same output with 1 or 2 jobs")
    func sgdEngine() throws {
        let args = ["sweep", "--engine", "sgd", "--vary", "eta-e-ratio=0.01,0.1", "--vary", "seed=1,2",
                    "--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0;0,1", "--t-end", "40", "--batch", "16",
                    "--sampler", "projected", "--quiet", "--format", "json"]
        let one = try headflow(args + ["--jobs", "1"]), two = try headflow(args + ["--jobs", "2"])
        #expect(one.code == 0, "\(one.err)")
        #expect(one.out == two.out)
        #expect(one.out.contains("\"name\": \"sgd\"") && one.out.contains("\"batch\": 16"))
        #expect(one.out.contains("\"groups\""))
    }

    @Test("fit runs a sweep and prints the slope with its standard error")
    func fitCommand() throws {
        let r = try headflow(["fit", "--x", "eta-e", "--y", "peak_e21", "--vary", "eta-e=1e-3:1e-1:log:3",
                              "--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0;0,1", "--t-end", "2e3", "--points", "10", "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("slope c1") && r.out.contains("±"))
    }
}
