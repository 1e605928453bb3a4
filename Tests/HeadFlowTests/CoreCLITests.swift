import Foundation
import Testing
@testable import HeadFlowNumerics

/// The built `headflow` executable, next to the test bundle in the products directory.
func headflowExecutable() throws -> URL {
    var candidates: [URL] = []
    if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent()) }
    candidates.append(Bundle.main.bundleURL)
    candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
    for dir in candidates {
        let url = dir.appendingPathComponent("headflow")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    throw CLIError(message: "headflow binary not found near \(candidates.map(\.path))")
}

struct CLIError: Error { let message: String }

/// Runs `headflow args…`; returns exit code, stdout and stderr.
func runHeadflow(_ args: [String]) throws -> (code: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = try headflowExecutable()
    p.arguments = args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

@Suite("headflow run: the command-line contract")
struct CoreCLITests {
    static let canonical = ["run", "--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0;0,1"]

    // Each invalid value: exit 64 (EX_USAGE), nothing on stdout, one stderr line naming the option.
    @Test("bad input exits 64 with one line naming the option", arguments: [
        (["--d", "0"], "--d"), (["--patches", "0"], "--patches"), (["--feature-patches", "40"], "--feature-patches"),
        (["--feature-patches", "0"], "--feature-patches"), (["--d", "1"], "--d"), (["--alpha", "1.0,1.5"], "--alpha"),
        (["--alpha", "1.5,-1"], "--alpha"), (["--alpha", "1.5,inf"], "--alpha"), (["--noise", "0"], "--noise"),
        (["--eta=-1"], "--eta"), (["--eta-e=-0.1"], "--eta-e"), (["--eta", "nan"], "--eta"),
        (["--init-a", "0.1,0.2;0.3"], "--init-a"), (["--init-a", "0.1,0.2,0.3;0.1,0.2,0.3", "--neurons", "2"], "--init-a"),
        (["--init-a", "0.1,x;0.1,0.1"], "--init-a"), (["--init-b", "1,2;3,4"], "--init-b"), (["--init-b", "1,0;0,-1"], "--init-b"),
        (["--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0,0;0,1,0;0,0,1"], "--init-b"), (["--head", "foo"], "--head"), (["--format", "xml"], "--format"),
        (["--neurons", "0"], "--neurons"), (["--points", "1"], "--points"), (["--t-end", "0"], "--t-end"),
        (["--rtol", "0"], "--rtol"), (["--prob", "0.3,0.3"], "--prob"), (["--stepper", "euler"], "--stepper"),
        (["--noise", "abc"], "--noise"),
    ])
    func badInput(_ args: [String], option: String) throws {
        let r = try runHeadflow(["run"] + args)
        #expect(r.code == 64)
        #expect(r.out.isEmpty)
        let lines = r.err.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(r.err)")
        #expect(r.err.contains(option), "stderr: \(r.err)")
    }

    // A numerical failure: an error with the time reached on stderr, exit 1, no result on stdout.
    @Test("non-finite state exits 1 with the time reached")
    func numericalFailure() throws {
        let r = try runHeadflow(["run", "--init-a", "0,0;0,0", "--init-b", "0,0;0,0", "--format", "json"])
        #expect(r.code == 1)
        #expect(r.out.isEmpty)
        #expect(r.err.contains("t = 0"))
    }

    // The JSON contract other tools depend on.
    @Test("run --format json has the contract keys")
    func jsonContract() throws {
        let r = try runHeadflow(Self.canonical + ["--format", "json", "--points", "50"])
        #expect(r.code == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        for key in ["parameters", "trajectory", "events", "peak_offdiag", "final"] { #expect(json[key] != nil, "missing \(key)") }
        let params = try #require(json["parameters"] as? [String: Any])
        for key in ["d", "patches", "feature-patches", "alpha", "prob", "noise", "neurons", "head", "eta", "eta-e",
                    "t-end", "seed", "init-a", "init-b", "rtol", "atol", "points"] {
            #expect(params[key] != nil, "parameters lack \(key)")
        }
        let traj = try #require(json["trajectory"] as? [[String: Any]])
        // The 50 recorded times, plus the state at each located event and head peak.
        let times = Set(traj.compactMap { $0["t"] as? Double })
        #expect(traj.count > 50 && times.count == traj.count)
        for key in ["t", "a", "cos", "B", "E", "rho", "loss"] { #expect(traj[0][key] != nil) }
        let events = try #require(json["events"] as? [String: Any])
        for j in 1...2 { for l in 1...2 { #expect(events.keys.contains("learn_w\(j)_v\(l)")) } }
        #expect(events["learn_w2_v1"] is NSNull)
        #expect((events["substitution"] as? Double).map { $0 > 0 } == true)
        for case let (name, t as Double) in events { #expect(times.contains(t), "\(name) at \(t) is not a sample") }
        let peaks = try #require(json["peak_offdiag"] as? [[Any]])
        let e21 = try #require(peaks[1][0] as? [String: Double])
        #expect(e21["value"]! > 0.01 && e21["t"]! > 0)
    }

    // Same parameters and seed → identical bytes; another seed → different output.
    @Test("same seed, same output")
    func reproducibleOutput() throws {
        let args = ["run", "--seed", "9", "--t-end", "3000", "--points", "20", "--format", "csv"]
        let a = try runHeadflow(args), b = try runHeadflow(args)
        #expect(a.code == 0 && a.out == b.out && !a.out.isEmpty)
        let c = try runHeadflow(["run", "--seed", "10", "--t-end", "3000", "--points", "20", "--format", "csv"])
        #expect(c.out != a.out)
    }

    // The SGD preset also shows the paper's effect in the population flow.
    @Test("run --preset sgd: offdiag ends diverse, none ends collapsed")
    func sgdPresetInRun() throws {
        for (head, l) in [("offdiag", 1), ("none", 0)] {
            let r = try runHeadflow(["run", "--preset", "sgd", "--head", head, "--format", "json", "--points", "20"])
            #expect(r.code == 0, "\(r.err)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            let cos = try #require((json["final"] as? [String: Any])?["cos"] as? [[Double]])
            #expect(abs(cos[l][1]) > 0.9, "head \(head): neuron 2 should end on v_\(l + 1), cos = \(cos)")
            #expect(((json["parameters"] as? [String: Any])?["d"] as? Int) == 50)
        }
    }

    // Help goes to stdout and exits 0.
    @Test("run --help documents the options")
    func help() throws {
        let r = try runHeadflow(["run", "--help"])
        #expect(r.code == 0)
        for opt in ["--d", "--eta-e", "--init-a", "--init-b", "--head", "--rtol", "--format"] { #expect(r.out.contains(opt)) }
    }
}
