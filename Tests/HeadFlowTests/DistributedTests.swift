import Foundation
import Testing

/// The repository root (this file is Tests/HeadFlowTests/DistributedTests.swift).
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// Runs `script` with bash in `directory`, extra `environment` on top of ours;
/// stdout and stderr go through files, so neither pipe can fill up.
private func bash(_ script: String, in directory: URL, environment: [String: String] = [:]) throws -> (code: Int32, out: String, err: String) {
    let outURL = directory.appendingPathComponent(".bash-\(UUID().uuidString).out")
    let errURL = directory.appendingPathComponent(".bash-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = ["-c", script]
    p.currentDirectoryURL = directory
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    p.standardOutput = try FileHandle(forWritingTo: outURL)
    p.standardError = try FileHandle(forWritingTo: errURL)
    try p.run()
    p.waitUntilExit()
    return (p.terminationStatus, try String(contentsOf: outURL, encoding: .utf8), try String(contentsOf: errURL, encoding: .utf8))
}

/// Calls `condition` every 50 ms until it holds or `seconds` pass; true if it held.
private func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}

/// A fresh scratch directory.
private func scratch(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("headflow-\(name)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The shell-quoted words.
private func quoted(_ words: [String]) -> String {
    words.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
}

// Sharded sweeps on a real single-node Slurm (scripts/slurm-local, scripts/slurm-sweep) and on GNU
// parallel — exactly the README's commands — merge to the very bytes of the same sweep run in one process.
@Suite("Distributed sweeps: a Slurm job array and GNU parallel, run for real", .serialized)
struct DistributedTests {
    /// 12 cells (3 values of η_E/η × 4 seeds) of a k = m = 6 flow (equal p_ℓ), about 0.3 s each in a release
    /// build: long enough that a shard cancelled after its first cell cannot finish its other two first.
    static let grid = ["--alpha", "1.5,1.4,1.3,1.2,1.1,1.0", "--neurons", "6", "--t-end", "1e5",
                       "--vary", "eta-e-ratio=0.01,0.03,0.1", "--vary", "seed=1:4:lin:4"]

    /// The sweep run in one process (computed once for both tests).
    static let reference: (code: Int32, out: String, err: String)? = try? runHeadflow(["sweep"] + grid + ["--quiet"])

    /// The same table from one process; fails the test when that run failed.
    func referenceTable() throws -> String {
        let r = try #require(Self.reference, "headflow sweep did not run")
        try #require(r.code == 0, "headflow sweep failed: \(r.err)")
        #expect(r.out.contains("12 cells: 12 finished"))
        return r.out
    }

    // Shards of a job array write into one --out directory; the merge job (afterok) prints the table
    // the single-process sweep prints. Cancelling a running shard and submitting the same array
    // again resumes it: the resubmitted tasks skip every cell already written.
    @Test("a 4-task Slurm array, merged by a dependent job, equals the one-process sweep; a killed shard resumes", .tags(.slow))
    func slurmJobArray() throws {
        let root = repositoryRoot.path
        let work = try scratch("slurm")
        defer { try? FileManager.default.removeItem(at: work) }
        let env = ["HEADFLOW_SLURM_DIR": work.appendingPathComponent("cluster").path,
                   "HEADFLOW_SLURM_PORT": String(7000 + Int(getpid() % 900) * 2)]
        let started = try bash("'\(root)/scripts/slurm-local' start", in: work, environment: env)
        defer { _ = try? bash("'\(root)/scripts/slurm-local' stop", in: work, environment: env) }
        try #require(started.code == 0, "scripts/slurm-local start failed (needs root and apt-get to install slurm-wlm and munge): \(started.err)")
        let reference = try referenceTable()

        let binary = try headflowExecutable().path
        let submit = "eval \"$('\(root)/scripts/slurm-local' env)\" && '\(root)/scripts/slurm-sweep' --shards 4 --out sweep "
            + "--headflow '\(binary)' --submit -- \(quoted(Self.grid))"
        let first = try bash(submit, in: work, environment: env)
        try #require(first.code == 0, "slurm-sweep --submit failed: \(first.err)")
        let ids = first.out.split(whereSeparator: \.isWhitespace).map(String.init)
        try #require(ids.count == 2, "slurm-sweep printed \(first.out)")
        let sbatch = try String(contentsOfFile: work.path + "/sweep.slurm/shards.sbatch", encoding: .utf8)
        #expect(sbatch.contains("#SBATCH --array=0-3"))
        #expect(sbatch.contains("#SBATCH --cpus-per-task=1"))
        #expect(sbatch.contains("--shard \"$SLURM_ARRAY_TASK_ID/4\""))

        // Shard 2 owns cells 2, 6, 10: cancel it once its first cell is written.
        let cells = work.path + "/sweep/cells/"
        let shard2 = [2, 6, 10].map { cells + "cell-" + String(format: "%06d", $0) + ".json" }
        let startedShard2 = waitUntil(seconds: 90) { FileManager.default.fileExists(atPath: shard2[0]) }
        try #require(startedShard2, "shard 2 wrote no cell within 90 s")
        let cancel = try bash("eval \"$('\(root)/scripts/slurm-local' env)\" && scancel \(ids[0])_2", in: work, environment: env)
        try #require(cancel.code == 0, "scancel failed: \(cancel.err)")
        let queueEmpty = try waitUntil(seconds: 90) {
            let q = try bash("eval \"$('\(root)/scripts/slurm-local' env)\" && squeue -h -o %i", in: work, environment: env)
            return q.code == 0 && q.out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        try #require(queueEmpty, "jobs still queued 90 s after cancelling shard 2")
        let written = shard2.filter { FileManager.default.fileExists(atPath: $0) }.count
        #expect(written >= 1 && written < 3, "the cancelled shard should have stopped part-way (wrote \(written) of 3 cells)")
        #expect(!FileManager.default.fileExists(atPath: work.path + "/sweep.slurm/merged.txt"), "merge ran although a shard was cancelled")

        let second = try bash(submit, in: work, environment: env)
        try #require(second.code == 0, "resubmitting failed: \(second.err)")
        let again = second.out.split(whereSeparator: \.isWhitespace).map(String.init)
        try #require(again.count == 2)
        let merged = work.path + "/sweep.slurm/merged.txt"
        let mergedDone = waitUntil(seconds: 90) { FileManager.default.fileExists(atPath: merged) }
        try #require(mergedDone, "the resubmitted array and its merge did not finish within 90 s")
        #expect(try String(contentsOfFile: merged, encoding: .utf8) == reference)
        let log2 = try String(contentsOfFile: work.path + "/sweep.slurm/shard-\(again[0])_2.log", encoding: .utf8)
        #expect(log2.contains("sweep: \(written) of 3 cells already finished (resuming)"))
        let log0 = try String(contentsOfFile: work.path + "/sweep.slurm/shard-\(again[0])_0.log", encoding: .utf8)
        #expect(log0.contains("sweep: 3 of 3 cells already finished (resuming)"))
    }

    // The README's GNU parallel line: four shards into one directory, then headflow merge.
    @Test("four GNU parallel shards, merged, equal the one-process sweep", .tags(.slow))
    func gnuParallel() throws {
        let work = try scratch("parallel")
        defer { try? FileManager.default.removeItem(at: work) }
        let have = try bash("parallel --version | grep -q 'GNU parallel'", in: work)
        try #require(have.code == 0, "GNU parallel is not installed (scripts/setup installs the Debian package parallel)")
        let reference = try referenceTable()
        let h = "'" + (try headflowExecutable().path) + "'"
        let shards = try bash("parallel --will-cite -j 2 \(h) sweep \(quoted(Self.grid)) --shard {}/4 --out sweep --quiet --jobs 1 ::: 0 1 2 3", in: work)
        try #require(shards.code == 0, "parallel failed: \(shards.err)")
        for i in 0..<4 { #expect(shards.out.contains("3 cells (shard \(i)/4 of 12): 3 finished")) }
        let merged = try bash("\(h) merge sweep", in: work)
        try #require(merged.code == 0, "merge failed: \(merged.err)")
        #expect(merged.out == reference)
        let cellFiles = try FileManager.default.contentsOfDirectory(atPath: work.path + "/sweep/cells").filter { $0.hasSuffix(".json") }
        #expect(cellFiles.count == 12)
    }
}
