import Foundation
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowDynamics
@testable import HeadFlowSweeps

/// The parameter table drives the CLI options, `--vary`, JSON records and validation.
@Suite("the run parameter table")
struct ParameterTableTests {
    // Every entry is a `run` option: giving it a malformed value is a one-line error naming it (exit 64),
    // which fails with "Unknown option" if an entry has no option.
    @Test("every table entry is an option of run, validated by name", arguments: RunParameter.all.map(\.name))
    func everyEntryIsAnOption(name: String) throws {
        // A path takes any text but the empty one.
        let r = try runHeadflow(["run", "--\(name)", RunParameter.named(name)?.kind == .path ? "" : "not-a-value"])
        #expect(r.code == 64)
        #expect(r.out.isEmpty)
        #expect(r.err.split(separator: "\n").count == 1)
        #expect(r.err.contains("--\(name) must be"), "\(r.err)")
    }

    // The JSON record of a spec has exactly the table's names, in its order: the run record, then the training
    // entries (SGD's record), then the image entries (an image sweep's manifest).
    @Test("RunSpec.json, trainingJSON and imageSettingsJSON record every entry, by name, in table order")
    func jsonKeysAreTheTable() {
        guard case .object(let fields) = RunSpec().json else { Issue.record("not an object"); return }
        #expect(fields.map(\.0) + RunSpec().trainingJSON.map(\.0) + RunSpec().imageSettingsJSON.map(\.0) == RunParameter.all.map(\.name))
        #expect(RunParameter.training.allSatisfy { $0.engines == .sgd })
        #expect(RunParameter.imageEntries.allSatisfy { $0.engines == .sgd && $0.actsOnImages })
    }

    // Setting a scalar entry from text changes the spec's JSON in that key only.
    @Test("assign(text:) sets exactly the named field")
    func assignSetsOneField() throws {
        let samples: [String: String] = ["d": "77", "patches": "20", "feature-patches": "5", "noise": "0.7", "mask-prob": "0.4",
                                         "neurons": "3", "head": "full", "eta": "2", "eta-e": "0.05", "t-end": "123",
                                         "seed": "9", "init-scale": "0.2", "rtol": "1e-6", "atol": "1e-9", "stepper": "msbdf", "ode-engine": "gsl", "step-stops": "samples",
                                         "points": "17", "max-steps": "99", "target": "ema", "ema-tau": "50", "stop-grad": "off",
                                         "dp-eps": "0.2", "dp-source": "normalized", "dp-rho": "0.5",
                                         "batch": "64", "lr": "0.5", "steps": "30", "data": "fixed", "samples": "100",
                                         "sampler": "projected", "rng": "gsl", "bn-epsilon": "0.01", "data-seed": "5",
                                         "patch": "5", "patch-stride": "3", "activation": "relu", "shift": "2", "flip": "on",
                                         "pixel-noise": "0.1", "epochs": "4", "eval-every": "2", "precision": "float64"]
        func record(_ s: RunSpec) -> [(String, JSONValue)] {
            guard case .object(let run) = s.json else { return [] }
            return run + s.trainingJSON + s.imageSettingsJSON
        }
        for p in RunParameter.all where p.kind.isScalar {
            let text = try #require(samples[p.name], "no sample value for \(p.name)")
            var s = RunSpec()
            try p.assign(text: text, to: &s)
            let before = record(RunSpec()), after = record(s)
            let changed = zip(before, after).filter { $0.0.1 != $0.1.1 }.map(\.0.0)
            // d also moves the recorded default σ_0 = 1/√d (init-scale is recorded resolved).
            let derived = p.name == "d" ? ["init-scale"] : []
            #expect(changed == [p.name] + derived, "\(p.name): changed \(changed)")
        }
    }

    // Every entry's range is enforced by validate(), whether or not the run uses the parameter.
    @Test("validate() checks every entry, used or not")
    func validateChecksUnusedEntries() {
        var s = RunSpec.canonical
        s.initScale = -1  // explicit start: σ_0 is not used, but it is still checked
        #expect(throws: ParameterError("init-scale", must: "a finite σ_0 > 0", got: "-1.0")) { try s.validate() }
        s = RunSpec(); s.rtol = 1e300
        #expect(throws: ParameterError.self) { try s.validate() }
    }

    // A sweep's base is validated even for the parameter it varies.
    @Test("a sweep's base value is validated (--eta-e nan with --vary eta-e-ratio)")
    func sweepBaseValidated() throws {
        let r = try runHeadflow(["sweep", "--vary", "eta-e-ratio=0.01,0.1", "--t-end", "100", "--eta-e=nan", "--quiet"])
        #expect(r.code == 64 && r.out.isEmpty && r.err.contains("--eta-e"))
    }

    // Negative numbers need no `=`: matrices take them, and a negative scalar gets the range error.
    @Test("negative values parse without =")
    func negativeValues() throws {
        let ok = try runHeadflow(["run", "--init-a", "-0.118,-0.012;0.017,0.096", "--init-b", "1,0;0,1", "--t-end", "10", "--points", "3"])
        #expect(ok.code == 0, "\(ok.err)")
        let bad = try runHeadflow(["run", "--noise", "-1"])
        #expect(bad.code == 64 && bad.err.contains("--noise must be a finite σ_ξ > 0"), "\(bad.err)")
    }

    // Every scalar entry can be varied by its name.
    @Test("--vary accepts every scalar entry", arguments: RunParameter.all.filter(\.kind.isScalar).map(\.name))
    func varyAcceptsEntry(name: String) throws {
        let p = try SweepParameter(parsing: name)
        #expect(p.name == name)
        #expect(p.kind == RunParameter.named(name)!.kind)
    }
}

/// Events are values passed to `solve`: a caller adds one without touching the solver.
@Suite("events passed to solve")
struct EventSetTests {
    // A custom condition is located by bisection like the paper's events: at the located time it
    // has just become true.
    @Test("a custom event is located where its condition first holds")
    func customEventLocated() throws {
        let spec = canonicalSpec(head: .offdiag, tEnd: 3000)
        let event = FlowEvent("a11_half") { s in abs(s.a[0, 0]) >= 0.5 }
        let t = PopulationSolver(settings: spec.settings).solve(try spec.problem(), saveat: spec.sampling, events: EventSet.standard.adding(event))
        try #require(t.status == .success)
        let at = try #require(t.time(of: "a11_half"))
        let before = try solved(spec.with { $0.tEnd = at * (1 - 1e-4) }, times: [at * (1 - 1e-4)])
        let after = try solved(spec.with { $0.tEnd = at * (1 + 1e-4) }, times: [at * (1 + 1e-4)])
        #expect(abs(before.final.a[0, 0]) < 0.5)
        #expect(abs(after.final.a[0, 0]) >= 0.5)
        // The paper's events are unchanged by adding one.
        let plain = try solved(spec)
        #expect(plain.events == Array(t.events.dropLast()))
    }

    // Keeping only the endpoints changes nothing but the samples kept.
    @Test("keep: .endpoints gives the same end state, events and peaks")
    func endpointsOnly() throws {
        let spec = canonicalSpec(head: .offdiag, tEnd: 5000)
        let full = try solved(spec)
        let ends = PopulationSolver(settings: spec.settings).solve(try spec.problem(), saveat: spec.sampling, keep: .endpoints)
        #expect(ends.samples.count == 2)
        #expect(ends.final.state == full.final.state)
        #expect(ends.events == full.events)
        #expect(ends.peaks == full.peaks)
    }

    // The steps do not depend on the recording times (saveat, not tstops): 2, 50 linear or 400
    // log-spaced samples give the same steps, events, peaks and final state, bit for bit; an
    // interior sample (re-integrated from its step's start) agrees with a solve that ends there.
    @Test("recording times change the samples only; an interior sample is the state there")
    func saveatIndependent() throws {
        for seed in [3, 17] as [UInt64] {
            var spec = RunSpec(); spec.seed = seed; spec.tEnd = 6000
            let problem = try spec.problem()
            let solver = PopulationSolver(settings: spec.settings)
            let runs = [SampleTimes.endpoints, .linear(points: 50), .logarithmic(points: 400)].map { solver.solve(problem, saveat: $0) }
            for r in runs.dropFirst() {
                #expect(r.steps == runs[0].steps && r.evaluations > runs[0].evaluations)
                #expect(r.final.state.flat.map(\.bitPattern) == runs[0].final.state.flat.map(\.bitPattern))
                #expect(r.events == runs[0].events && r.peaks == runs[0].peaks)
            }
            let logRun = runs[2]
            #expect(logRun.samples.count == 400)
            for sample in [logRun.samples[150], logRun.samples[300], logRun.samples[390]] {
                var short = spec; short.tEnd = sample.time
                let direct = solver.solve(try short.problem(), saveat: .endpoints).final.state
                let gap = zip(sample.state.flat, direct.flat).map { abs($0 - $1) / max(abs($1), 1e-3) }.max() ?? .nan
                #expect(gap < 1e-6, "seed \(seed), t = \(sample.time): relative gap \(gap)")
            }
        }
    }

    // With `stops: .samples` every recording time is a step's end (tstops = saveat): a solve that
    // ends at the k-th recording time, with the recording times before it, repeats the first k + 1
    // samples, events and step count bit for bit (false for `.none`, whose last step aims at t_end),
    // whatever samples are kept; and the steps now depend on the times, within the event tolerance.
    @Test("step stops at the samples: each sample is a step's end, and the run is causal in them")
    func stopsAtSamples() throws {
        var spec = RunSpec(); spec.seed = 5; spec.tEnd = 6000
        let times = (1...40).map { 150.0 * Double($0) }
        func run(_ stops: StepStops, upTo k: Int, keep: SampleKeeping = .all) throws -> Trajectory {
            var s = spec; s.tEnd = times[k - 1]; s.stepStops = stops
            return PopulationSolver(settings: s.settings).solve(try s.problem(), saveat: .explicit(Array(times[..<(k - 1)])), keep: keep)
        }
        let whole = try run(.samples, upTo: times.count)
        try #require(whole.status == .success && whole.samples.count == times.count + 1)
        #expect(whole.steps >= times.count)
        var noneDiffers = false
        for k in [7, 23, 31] {
            let part = try run(.samples, upTo: k)
            #expect(part.steps < whole.steps)
            #expect(part.samples.map { $0.state.flat.map(\.bitPattern) } == whole.samples[...k].map { $0.state.flat.map(\.bitPattern) })
            let ended = whole.events.filter { ($0.time ?? .infinity) <= times[k - 1] }
            #expect(part.events.filter { $0.time != nil } == ended, "k = \(k)")
            let free = try run(.none, upTo: k)
            noneDiffers = noneDiffers || free.final.state.flat.map(\.bitPattern) != part.final.state.flat.map(\.bitPattern)
        }
        #expect(noneDiffers, "without stops the steps aim at t_end, so some shortened run ends elsewhere in the last bits")
        // Keeping the endpoints keeps the stops (a sweep cell = a run with the same --points).
        let ends = try run(.samples, upTo: times.count, keep: .endpoints)
        #expect(ends.samples.count == 2 && ends.final.state == whole.final.state && ends.events == whole.events && ends.steps == whole.steps)
        // Against `.none`: more steps, the same events within the event tolerance, and not the same bits.
        let free = try run(.none, upTo: times.count)
        #expect(free.steps < whole.steps)
        for (a, b) in zip(free.events, whole.events) {
            #expect(a.name == b.name && (a.time == nil) == (b.time == nil))
            if let ta = a.time, let tb = b.time { #expect(abs(ta - tb) <= 2e-6 * tb, "\(a.name): \(ta) vs \(tb)") }
        }
        #expect(free.events != whole.events || free.final.state != whole.final.state)
    }
}

/// With `saveEvents` the trajectory shows what the events table says.
@Suite("event and peak states recorded as samples")
struct EventSamplesTests {
    // Every located event time and every head peak time is a sample; at the peak time the sample's
    // |E_21| is the peak value; the other samples are those of a plain solve.
    @Test("saveEvents records each event time and each peak, and nothing else changes")
    func eventsAreSamples() throws {
        let spec = canonicalSpec(head: .offdiag)
        let problem = try spec.problem()
        let plain = PopulationSolver(settings: spec.settings).solve(problem, saveat: spec.sampling)
        let t = PopulationSolver(settings: spec.settings).solve(problem, saveat: spec.sampling, saveEvents: true)
        try #require(t.status == .success)
        let times = Set(t.samples.map(\.time))
        for e in t.events { if let at = e.time { #expect(times.contains(at), "\(e.name) at \(at)") } }
        let peak = try #require(t.peaks[1][0])
        let atPeak = try #require(t.samples.first { $0.time == peak.time })
        #expect(abs(abs(atPeak.e[1, 0]) - peak.value) < 1e-15)
        #expect(zip(t.samples, t.samples.dropFirst()).allSatisfy { $0.time < $1.time })
        let plainTimes = Set(plain.samples.map(\.time))
        #expect(plainTimes.isSubset(of: times))
        #expect(t.events == plain.events && t.peaks == plain.peaks)
        #expect(t.final.state == plain.final.state)
    }
}
