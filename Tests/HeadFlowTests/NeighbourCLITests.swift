import Testing
@testable import HeadFlowNumerics

@Suite("Neighbouring mechanisms on the command line")
struct NeighbourCLITests {
    static let canonical = ["--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0;0,1"]

    // Bad input: one line naming the option and its valid range, exit 64, nothing on stdout.
    @Test("bad input is one line naming the option, exit 64", arguments: [
        (["--ema-tau", "0"], "--ema-tau must be a finite τ in [1e-3, 1e12]"), (["--ema-tau", "inf"], "--ema-tau must be a finite τ in [1e-3, 1e12]"),
        (["--ema-tau", "-3"], "--ema-tau must be a finite τ in [1e-3, 1e12]"),
        (["--stop-grad", "off", "--target", "ema"], "--stop-grad must be on with --target ema"),
        (["--dp-eps", "-0.1"], "--dp-eps must be a finite ε in [0, 100]"), (["--target", "momentum"], "--target must be one of same, ema"),
        (["--stop-grad", "no"], "--stop-grad must be one of on, off"), (["--dp-source", "cov"], "--dp-source must be one of raw, normalized"),
    ])
    func badInput(args: [String], message: String) throws {
        for command in [["run"], ["sweep", "--vary", "seed=1,2", "--quiet"], ["features", "--seeds", "1"]] {
            let r = try runHeadflow(command + args)
            #expect(r.code == 64 && r.out.isEmpty, "\(command): \(r.code) \(r.out)")
            #expect(r.err.split(separator: "\n").count == 1 && r.err.contains(message), "\(command): \(r.err)")
        }
    }

    // --dp-rho acts in SGD only: its range is checked there; the population commands refuse it.
    @Test("--dp-rho: range checked in train and sweep --engine sgd, refused in run")
    func dpRho() throws {
        for (value, message) in [("1", "--dp-rho must be in [0, 1)"), ("-0.5", "--dp-rho must be in [0, 1)")] {
            for command in [["train", "--steps", "2", "--quiet"], ["sweep", "--engine", "sgd", "--vary", "seed=1,2", "--quiet"]] {
                let r = try runHeadflow(command + ["--head", "directpred", "--dp-rho", value])
                #expect(r.code == 64 && r.out.isEmpty && r.err == "headflow: \(message) (got \(Double(value)!))\n", "\(command): \(r.err)")
            }
        }
        let run = try runHeadflow(["run", "--head", "directpred", "--dp-rho", "0.5"])
        #expect(run.code == 64 && run.err == "headflow: --dp-rho acts only in train and sweep --engine sgd\n")
    }

    // Each new parameter can be varied; the cells differ where the mechanism matters.
    @Test("sweep --vary works on each new parameter")
    func varyEach() throws {
        for vary in ["ema-tau=1,1000", "target=same,ema", "stop-grad=on,off", "dp-eps=0,1", "dp-source=raw,normalized", "dp-rho=0,0.5",
                     "head=directpred,directcopy"] {
            var args = ["sweep", "--vary", vary, "--t-end", "3000", "--outcome", "learn_w1_v1", "--format", "csv", "--quiet"] + Self.canonical
            if vary.hasPrefix("ema-tau") { args += ["--target", "ema"] }
            if vary.hasPrefix("dp-") { args += ["--head", "directpred"] }
            if vary.hasPrefix("dp-rho") {  // SGD only: a short SGD sweep
                args = ["sweep", "--engine", "sgd", "--vary", vary, "--head", "directpred", "--d", "10", "--batch", "32", "--t-end", "20",
                        "--points", "3", "--format", "csv", "--quiet"] + Self.canonical
            }
            let r = try runHeadflow(args)
            #expect(r.code == 0, "\(vary): \(r.err)")
            #expect(r.out.split(separator: "\n").count >= 3, "\(vary): \(r.out)")
        }
    }

    // run --format csv and json carry the ranks at every sample; the table's final row names them.
    @Test("erank and RankMe in run's CSV, JSON and table")
    func ranksInRunOutputs() throws {
        let csv = try runHeadflow(["run", "--format", "csv", "--points", "5", "--t-end", "2000"] + Self.canonical)
        let header = csv.out.split(separator: "\n")[0]
        #expect(header.hasSuffix("erank_f,rankme_f,erank_F,rankme_F"), "\(header)")
        let json = try runHeadflow(["run", "--format", "json", "--points", "5", "--t-end", "2000", "--target", "ema"] + Self.canonical)
        let parsed = try JSONValue.parse(json.out)
        let samples = try #require(parsed["trajectory"]?.arrayValue)
        #expect(samples.allSatisfy { $0["erank_f"]?.doubleValue != nil && $0["rankme_F"]?.doubleValue != nil })
        #expect(parsed["parameters"]?["target"]?.stringValue == "ema" && parsed["parameters"]?["ema-tau"]?.doubleValue == 100)
        let table = try runHeadflow(["run", "--t-end", "2000"] + Self.canonical)
        #expect(table.out.contains("ranks: erank_f = "))
    }
}
