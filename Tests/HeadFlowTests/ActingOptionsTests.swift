import Foundation
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel
@testable import HeadFlowDynamics
@testable import HeadFlowClaims
@testable import HeadFlowSweeps
@testable import HeadFlowReport

/// An option acts where it is accepted: a command rejects one its engine never uses, and one the other options
/// make inert (issues 19 and 22). Generated from the parameter table, so a new entry is covered without a new line.
@Suite("options act where they are accepted")
struct ActingOptionsTests {
    /// A valid value of every entry (its default, or a sample for the optional ones).
    static func sample(_ p: RunParameter) -> String {
        let extra = ["prob": "0.5,0.5", "init-a": "0.1,0.05;0.05,0.05", "init-b": "1,0;0,1", "init-scale": "0.1",
                     "steps": "5", "samples": "600", "data-seed": "3"]
        return extra[p.name] ?? p.defaultText ?? "1"
    }

    // An entry that does not act in the population flow is rejected by `run`, one line naming where it acts;
    // one that does not act in SGD is rejected by `train`. Every entry acts in at least one engine.
    @Test("each command rejects the table entries its engine never uses", arguments: RunParameter.all.map(\.name))
    func engineRejects(name: String) throws {
        let p = try #require(RunParameter.named(name))
        #expect(!p.engines.isEmpty)
        for (command, engine, base) in [("run", RunParameter.Engines.population, ["--t-end", "10", "--points", "3"]),
                                        ("train", .sgd, ["--steps", "2", "--batch", "8", "--d", "10", "--quiet"])]
            where !p.engines.contains(engine) {
            let r = try runHeadflow([command] + base + ["--\(name)", Self.sample(p)])
            #expect(r.code == 64 && r.out.isEmpty, "\(command) --\(name): \(r.code)")
            #expect(r.err == "headflow: --\(name) acts only in \(p.engines.commands)\n", "\(r.err)")
        }
    }

    // The two lines the issue names.
    @Test("run --dp-rho 0.5 and train --rtol 1e-3 exit 64 with one line")
    func issueLines() throws {
        let dp = try runHeadflow(["run", "--dp-rho", "0.5"])
        #expect(dp.code == 64 && dp.out.isEmpty && dp.err == "headflow: --dp-rho acts only in train and sweep --engine sgd\n")
        let rtol = try runHeadflow(["train", "--rtol", "1e-3", "--steps", "5", "--quiet"])
        #expect(rtol.code == 64 && rtol.out.isEmpty && rtol.err == "headflow: --rtol acts only in run and sweep --engine population\n")
    }

    // Options that act only in some settings of the others: given where they cannot act, one line naming what they
    // need; given where they act, accepted (the control).
    @Test("an option the other options make inert is rejected; where it acts, accepted")
    func conditional() throws {
        let explicit = ["--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0;0,1"]
        let short = ["--t-end", "10", "--points", "3"]
        let cases: [(rejected: [String], needs: String, accepted: [String])] = [
            (["run", "--ema-tau", "50"], "--ema-tau acts only with --target ema", ["run", "--ema-tau", "50", "--target", "ema"]),
            (["run", "--dp-eps", "0.2"], "--dp-eps acts only with --head directpred or directcopy", ["run", "--dp-eps", "0.2", "--head", "directpred"]),
            (["run", "--dp-source", "normalized"], "--dp-source acts only with --head directpred or directcopy",
             ["run", "--dp-source", "normalized", "--head", "directcopy"]),
            (["run", "--d", "50"] + explicit, "--d acts only through the random start", ["run", "--d", "50", "--init-a", "0.1,0.05;0.05,0.05"]),
            (["run", "--seed", "4"] + explicit, "--seed acts only with a random start or head", ["run", "--seed", "4", "--head", "random"] + explicit),
            (["run", "--init-scale", "0.2", "--init-a", "0.1,0.05;0.05,0.05"], "--init-scale acts only with a random A(0)",
             ["run", "--init-scale", "0.2", "--init-b", "1,0;0,1"]),
        ]
        for c in cases {
            let r = try runHeadflow(c.rejected + short)
            #expect(r.code == 64 && r.out.isEmpty && r.err.split(separator: "\n").count == 1, "\(c.rejected): \(r.code) \(r.err)")
            #expect(r.err.hasPrefix("headflow: " + c.needs), "\(r.err)")
            let ok = try runHeadflow(c.accepted + short)
            #expect(ok.code == 0, "\(c.accepted): \(ok.err)")
        }
        // In SGD the seed also draws the batches: with an explicit start it acts until --data-seed is given.
        let sgd = ["train", "--steps", "2", "--batch", "8", "--d", "10", "--quiet"] + explicit
        #expect(try runHeadflow(sgd + ["--seed", "4"]).code == 0)
        #expect(try runHeadflow(sgd + ["--seed", "4", "--data-seed", "9"]).err.hasPrefix("headflow: --seed acts only"))
        #expect(try runHeadflow(sgd + ["--samples", "100"]).err == "headflow: --samples acts only with --data fixed (or image data)\n")
        #expect(try runHeadflow(sgd + ["--points", "5", "--log-every", "1"]).err.hasPrefix("headflow: --points acts only without --log-every"))
        // Defaults are not "given": the same settings without the option run.
        #expect(try runHeadflow(["run"] + explicit + short).code == 0)
    }

    // `train --t-end 100 --steps 500` ended at t = 500 and recorded t-end 100: --t-end cannot act beside --steps.
    @Test("train: --t-end and --steps together are refused; each alone ends where it says")
    func tEndAndSteps() throws {
        let both = try runHeadflow(["train", "--t-end", "100", "--steps", "500", "--quiet"])
        #expect(both.code == 64 && both.out.isEmpty && both.err.hasPrefix("headflow: --t-end acts only without --steps"), "\(both.err)")
        let base = ["train", "--d", "10", "--batch", "8", "--lr", "0.5", "--points", "3", "--quiet", "--format", "json"]
        let steps = try JSONValue.parse(try runHeadflow(base + ["--steps", "6"]).out)
        #expect(steps["final"]?["t"]?.doubleValue == 3)
        let tEnd = try JSONValue.parse(try runHeadflow(base + ["--t-end", "2"]).out)
        #expect(tEnd["final"]?["t"]?.doubleValue == 2 && tEnd["parameters"]?["t-end"]?.doubleValue == 2)
        #expect(tEnd["parameters"]?["steps"] == .integer(4))
    }

    // run --eta 0 freezes the encoder (A and B constant, the head moves); train has no frozen-encoder clock, so
    // --eta 0 there is refused with the reason instead of silently training the encoder as at η = 1.
    @Test("η = 0: run freezes the encoder, train refuses it with the reason")
    func etaZero() throws {
        let run = try runHeadflow(["run", "--eta", "0", "--eta-e", "0.5", "--seed", "2", "--t-end", "2000", "--points", "3", "--format", "json"])
        #expect(run.code == 0, "\(run.err)")
        let j = try JSONValue.parse(run.out)
        let start = try #require(j["trajectory"]?.arrayValue?.first), end = try #require(j["final"])
        #expect(start["A"] == end["A"] && start["B"] == end["B"])
        #expect(start["E"] != end["E"])
        let train = try runHeadflow(["train", "--eta", "0", "--steps", "20", "--d", "10", "--batch", "8", "--quiet"])
        #expect(train.code == 64 && train.out.isEmpty && train.err.split(separator: "\n").count == 1)
        #expect(train.err.hasPrefix("headflow: --eta must be > 0 in SGD") && train.err.contains("headflow run --eta 0"), "\(train.err)")
        // The control: any η > 0 trains.
        #expect(try runHeadflow(["train", "--eta", "1e-3", "--steps", "20", "--d", "10", "--batch", "8", "--quiet"]).code == 0)
    }

    // A sweep keeps an option that acts in some cell, and refuses a given option or an axis that acts in none.
    @Test("sweep: an option or axis that acts in no cell is refused; one that acts in some cell is kept")
    func sweepAxes() throws {
        let short = ["--t-end", "20", "--points", "3", "--quiet"]
        let stepper = try runHeadflow(["sweep", "--engine", "sgd", "--vary", "stepper=rk4,msbdf"] + short)
        #expect(stepper.code == 64 && stepper.out.isEmpty && stepper.err.split(separator: "\n").count == 1)
        #expect(stepper.err.contains("--vary must be a parameter that acts in this sweep (stepper acts only in run and sweep --engine population)"), "\(stepper.err)")
        let batch = try runHeadflow(["sweep", "--vary", "batch=16,32"] + short)
        #expect(batch.code == 64 && batch.err.contains("batch acts only in train and sweep --engine sgd"), "\(batch.err)")
        let tau = try runHeadflow(["sweep", "--vary", "seed=1,2", "--ema-tau", "3"] + short)
        #expect(tau.code == 64 && tau.err == "headflow: --ema-tau acts only with --target ema\n", "\(tau.err)")
        let kept = try runHeadflow(["sweep", "--vary", "target=same,ema", "--ema-tau", "3"] + short)
        #expect(kept.code == 0, "\(kept.err)")
        let population = try runHeadflow(["sweep", "--lr", "0.1", "--vary", "seed=1,2"] + short)
        #expect(population.code == 64 && population.err == "headflow: --lr acts only in train and sweep --engine sgd\n")
    }

    // Every training parameter can be varied: each cell records its own value, and the cells differ.
    @Test("sweep --engine sgd varies training parameters; each cell records its own")
    func varyTraining() throws {
        let r = try runHeadflow(["sweep", "--engine", "sgd", "--vary", "batch=16,32", "--vary", "lr=0.1,0.2", "--vary", "rng=philox,gsl",
                                 "--d", "10", "--t-end", "2", "--points", "3", "--quiet", "--format", "json"])
        #expect(r.code == 0, "\(r.err)")
        let cells = try #require(JSONValue.parse(r.out)["cells"]?.arrayValue)
        #expect(cells.count == 8)
        var losses = Set<String>()
        for c in cells {
            let p = try #require(c["parameters"]), v = try #require(c["values"])
            #expect(p["batch"]?.doubleValue == v["batch"]?.doubleValue && p["lr"]?.doubleValue == v["lr"]?.doubleValue)
            #expect(p["rng"]?.stringValue == v["rng"]?.stringValue && p["rng"] != nil)
            #expect(p["steps"] == .integer(Int((2 / p["lr"]!.doubleValue!).rounded())))
            losses.insert(c["final_loss"]?.rendered() ?? "")
        }
        #expect(losses.count == 8)
    }

    // Ranges that admitted meaningless values, or were checked only after integrating: now one line and exit 64
    // before any work.
    @Test("meaningless magnitudes are refused up front", arguments: [
        (["run", "--t-end", "1e308", "--target", "ema", "--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0;0,1"], "t-end"),
        (["train", "--bn-epsilon", "1e300", "--steps", "2"], "bn-epsilon"),
        (["train", "--lr", "5e-324", "--steps", "2"], "lr"),
        (["run", "--target", "ema", "--ema-tau", "1e-300"], "ema-tau"),
        (["run", "--head", "directpred", "--dp-eps", "1e300"], "dp-eps"),
    ])
    func ranges(args: [String], name: String) throws {
        let r = try runCLI(args + ["--quiet"].filter { _ in args[0] == "train" }, timeout: 10)
        #expect(r.code == 64 && r.out.isEmpty && r.errLines.count == 1, "\(args): \(r.code) \(r.err)")
        #expect(r.err.hasPrefix("headflow: --\(name) must be"), "\(r.err)")
    }
}
