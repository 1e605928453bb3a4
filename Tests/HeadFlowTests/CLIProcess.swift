import Foundation

/// How a `headflow` subprocess ended.
struct CLIRun: Sendable {
    /// Exit status (meaningless when `signal` is set).
    let code: Int32
    /// The signal that killed it (SIGILL, SIGSEGV, SIGABRT, … or our SIGKILL on timeout), if any.
    let signal: Int32?
    /// True when it was killed for running past its time limit.
    let timedOut: Bool
    let out: String
    let err: String
    /// Wall-clock seconds it ran.
    var seconds = 0.0

    /// The non-empty lines of stderr.
    var errLines: [Substring] { err.split(separator: "\n", omittingEmptySubsequences: true) }
}

/// Runs `headflow args…` in `directory` (default: the current one), killing it
/// after `timeout` seconds; stdout and stderr are read concurrently.
func runCLI(_ args: [String], in directory: URL? = nil, timeout: Double = 60) throws -> CLIRun {
    let p = Process()
    p.executableURL = try headflowExecutable()
    p.arguments = args
    if let directory { p.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    p.standardInput = FileHandle.nullDevice
    let started = Date()
    try p.run()
    let group = DispatchGroup()
    nonisolated(unsafe) var o = Data(), e = Data()
    DispatchQueue.global().async(group: group) { o = out.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: group) { e = err.fileHandleForReading.readDataToEndOfFile() }
    var timedOut = false
    if group.wait(timeout: .now() + timeout) == .timedOut {
        timedOut = true
        kill(p.processIdentifier, SIGKILL)
        group.wait()
    }
    p.waitUntilExit()
    let signalled = p.terminationReason == .uncaughtSignal
    return CLIRun(code: signalled ? -1 : p.terminationStatus, signal: signalled ? p.terminationStatus : nil, timedOut: timedOut,
                  out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self),
                  seconds: Date().timeIntervalSince(started))
}

/// A fresh empty temporary directory for one test.
func freshDirectory(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("headflow-\(name)-\(getpid())-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

import Testing

extension Tag {
    /// A test that takes seconds even optimised (fuzzing, Monte Carlo with millions of draws, claims,
    /// Slurm, long CLI workloads): `scripts/test --fast` skips it, `scripts/test` runs it.
    @Tag static var slow: Self
}

/// The subprocess helper itself: it reports the exit code and both streams, and a time limit kills.
@Suite("the CLI subprocess helper")
struct CLIProcessTests {
    @Test("runCLI returns exit code, stdout and stderr; a bad option is one stderr line and exit 64")
    func helperReportsStreams() throws {
        let ok = try runCLI(["run", "--help"])
        #expect(ok.code == 0 && ok.signal == nil && !ok.timedOut)
        #expect(ok.out.contains("USAGE: headflow run"))
        let bad = try runCLI(["run", "--d", "0"])
        #expect(bad.code == 64 && bad.out.isEmpty && bad.errLines.count == 1)
    }
}
