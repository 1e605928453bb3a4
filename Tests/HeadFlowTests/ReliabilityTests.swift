import Foundation
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowDynamics

/// No input crashes headflow: every size is checked before it is multiplied,
/// converted or allocated, and what cannot be trusted is never printed.
@Suite("Reliability: hostile input gives one clean error, never a crash")
struct ReliabilityTests {
    // MARK: - Root cause 1: Double → Int without a range check

    @Test("a real becomes an integer only when finite, integral and within 2⁵³")
    func checkedInteger() {
        #expect(CheckedArithmetic.integer(3) == 3)
        #expect(CheckedArithmetic.integer(-7) == -7)
        #expect(CheckedArithmetic.integer(2.5) == nil)
        #expect(CheckedArithmetic.integer(1e308) == nil)
        #expect(CheckedArithmetic.integer(9.3e18) == nil)  // just above Int.max: Int(x) would trap
        #expect(CheckedArithmetic.integer(.nan) == nil)
        #expect(CheckedArithmetic.integer(-.infinity) == nil)
        #expect(CheckedArithmetic.integer(9_007_199_254_740_992) == 9_007_199_254_740_992)
        #expect(CheckedArithmetic.rounded(1234.6) == 1235 && CheckedArithmetic.rounded(-2.5) == -3)
    }

    // MARK: - Root cause 2: integer overflow in size products

    @Test("a product of sizes reports overflow instead of trapping")
    func checkedProduct() {
        #expect(CheckedArithmetic.product(3, 4, 5) == 60)
        #expect(CheckedArithmetic.product([]) == 1)
        #expect(CheckedArithmetic.product(Int.max, 2) == nil)
        #expect(CheckedArithmetic.product(1 << 32, 1 << 31) == nil)
        #expect(CheckedArithmetic.product(1 << 31, 1 << 31) == 1 << 62)
        #expect(CheckedArithmetic.product(-1, 5) == nil)
        #expect(CheckedArithmetic.product(0, Int.max) == 0)
    }

    @Test("SGD steps: t_end/lr beyond 10⁹ and lr·steps overflowing name the option")
    func trainStepCount() throws {
        var t = TrainSpec()
        t.run.lr = 1e-300
        #expect(t.stepCount == Int.max)  // no trap computing it
        #expect(throws: ParameterError.self) { _ = try t.problem() }
        do { _ = try t.problem() } catch { #expect(error.parameter == "lr") }
        t = TrainSpec(); t.run.tEnd = 1e308
        do { _ = try t.problem(); Issue.record("accepted t-end 1e308") } catch { #expect(error.parameter == "t-end") }
        t = TrainSpec(); t.run.steps = 50; t.run.lr = 1e308
        do { _ = try t.problem(); Issue.record("accepted lr 1e308") } catch { #expect(error.parameter == "lr") }
        t = TrainSpec(); t.run.steps = TrainingProblem.maximumSteps + 1
        do { _ = try t.problem(); Issue.record("accepted 10⁹+1 steps") } catch { #expect(error.parameter == "steps") }
    }

    // MARK: - Root causes 3 and 4: allocation from unchecked sizes

    @Test("the memory limit is half of MemTotal in /proc/meminfo")
    func machineBudget() throws {
        let text = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("MemTotal:") })
        let kib = try #require(line.split(separator: " ").dropFirst().first.flatMap { Double($0) })
        #expect(MemoryBudget.machine.physical == kib * 1024)
        #expect(MemoryBudget.machine.limit == kib * 512)
    }

    @Test("an estimate over the limit names the option of its largest term, with the estimate and the limit")
    func budgetRefuses() throws {
        let budget = MemoryBudget(physical: 8 * 1_073_741_824)  // 8 GiB machine: 4 GiB limit
        let fits = ResourceEstimate([.init("points", "400", bytes: 1e9, what: "samples")])
        try budget.check(fits)
        let over = ResourceEstimate([.init("points", "9", bytes: 1e9, what: "samples"), .init("batch", "7", bytes: 4e9, what: "buffers")])
        do { try budget.check(over); Issue.record("accepted 5 GB on a 4 GiB limit") } catch {
            #expect(error.parameter == "batch" && error.received == "7")
            #expect(error.description.contains("≈ 4.657 GiB needed") && error.description.contains("the limit is 4.000 GiB"), "\(error)")
        }
        let infinite = ResourceEstimate([.init("seeds", "9223372036854775807", bytes: .infinity, what: "runs")])
        #expect(throws: ParameterError.self) { try budget.check(infinite) }
    }

    @Test("a run's estimate grows with points and with neurons, charged to the right option")
    func runEstimate() throws {
        var s = RunSpec()
        let small = s.memoryEstimate().bytes
        #expect(small > 0 && small < 1e8)
        s.points = 1_000_000_000
        #expect(s.memoryEstimate().dominant?.option == "points")
        s = RunSpec(); s.neurons = 100_000
        #expect(s.memoryEstimate().dominant?.option == "neurons")
        #expect(s.memoryEstimate().bytes > 1e19)
        s.stepper = .rk8pd  // no Jacobian: far smaller, still neurons
        #expect(s.memoryEstimate().bytes < 1e15 && s.memoryEstimate().dominant?.option == "neurons")
        s = RunSpec(); s.neurons = .max
        do { _ = try s.problem(); Issue.record("accepted Int.max neurons") } catch { #expect(error.parameter == "neurons") }
    }

    // Each of the crashes found: exit 64, nothing on stdout, one stderr line naming the option.
    @Test("the crashing command lines now exit 64 naming the option", arguments: [
        (["features", "--ks", "1e308"], "--ks"),
        (["train", "--t-end", "1e308", "--batch", "16", "--sampler", "projected", "--quiet"], "--t-end"),
        (["train", "--lr", "1e-300", "--batch", "16", "--quiet"], "--lr"),
        (["train", "--steps", "50", "--batch", "16", "--quiet", "--lr=1e308"], "--lr"),
        (["run", "--neurons=9223372036854775807"], "--neurons"),
        (["train", "--neurons=9223372036854775807", "--quiet"], "--neurons"),
        (["sweep", "--neurons=9223372036854775807", "--vary", "seed=1,2"], "--neurons"),
        (["features", "--neurons=9223372036854775807"], "--neurons"),
        (["train", "--steps", "5", "--batch", "16", "--quiet", "--sampler", "projected", "--patches", "9223372036854775807"], "--patches"),
        (["train", "--batch", "16", "--quiet", "--sampler", "projected", "--steps", "9223372036854775807"], "--steps"),
        (["run", "--points=9223372036854775807"], "--points"),
        (["train", "--points=9223372036854775807", "--quiet"], "--points"),
        (["sweep", "--points=9223372036854775807", "--vary", "seed=1,2"], "--points"),
        (["fit", "--points=9223372036854775807", "--vary", "seed=1,2"], "--points"),
        (["features", "--ks", "2", "--seeds", "9223372036854775807"], "--seeds"),
        (["train", "--batch", "9223372036854775807", "--quiet", "--sampler", "projected"], "--batch"),
        (["run", "--neurons", "2147483648"], "--neurons"),
        (["run", "--neurons", "100000", "--d", "1000000"], "--neurons"),
        (["run", "--points", "1000000000"], "--points"),
        (["train", "--batch", "1000000000", "--sampler", "projected"], "--batch"),
        (["features", "--seeds", "2147483648"], "--seeds"),
    ])
    func formerCrashes(_ args: [String], option: String) throws {
        let r = try runCLI(args, timeout: 60)
        #expect(r.signal == nil && r.code == 64, "\(args): code \(r.code) signal \(String(describing: r.signal)) \(r.err)")
        #expect(r.out.isEmpty)
        #expect(r.errLines.count == 1 && r.err.contains(option + " "), "\(args): \(r.err)")
    }

    // MARK: - Tolerances

    @Test("tolerances have a range; rtol = atol = 1e308 is refused, not integrated")
    func toleranceRanges() throws {
        for (rtol, atol, bad) in [(1e308, 1e-12, "rtol"), (0.1, 1e-12, "rtol"), (1e-15, 1e-12, "rtol"), (1e-8, 1e308, "atol"),
                                  (1e-8, -1e-20, "atol"), (1e-8, .nan, "atol"), (1e-8, 0.1, "atol")] {
            var s = RunSpec()
            s.rtol = rtol; s.atol = atol
            do { try s.validate(); Issue.record("accepted rtol \(rtol) atol \(atol)") } catch { #expect(error.parameter == bad) }
        }
        for (rtol, atol) in [(1e-14, 0.0), (1e-2, 1e-2), (1e-8, 1e-12)] {
            var s = RunSpec()
            s.rtol = rtol; s.atol = atol
            try s.validate()
        }
        let r = try runCLI(CoreCLITests.canonical + ["--rtol", "1e308", "--atol", "1e308"])
        #expect(r.code == 64 && r.out.isEmpty && r.err.contains("--rtol"))
    }

    // MARK: - Paths

    @Test("empty and root output paths are refused", arguments: ["", " ", "/", "//", "/.", "/..", "/../..", "/./", "/tmp/.."])
    func rootPaths(_ path: String) {
        #expect(throws: ParameterError.self) { try OutputPath.validate(path, option: "out") }
    }

    @Test("ordinary output paths pass")
    func ordinaryPaths() throws {
        for p in ["out", "./out", "/tmp/x", "a/..", ".", "/tmp"] { try OutputPath.validate(p, option: "out") }
    }

    @Test("sweep --out '', merge --out '', claims --write '' and / exit 64 and write nothing")
    func emptyOutputs() throws {
        let dir = try freshDirectory("paths")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (args, option) in [(["sweep", "--vary", "seed=1,2", "--t-end", "10", "--points", "2", "--out", ""], "--out"),
                               (["merge", "x", "--out", ""], "--out"), (["claims", "--write", ""], "--write"),
                               (["claims", "--write", "/"], "--write"), (["sweep", "--vary", "seed=1", "--out", "/"], "--out")] {
            let r = try runCLI(args, in: dir)
            #expect(r.code == 64 && r.out.isEmpty && r.errLines.count == 1 && r.err.contains(option), "\(args): \(r.err)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "/sweep.json"))
    }

    // MARK: - Number format

    @Test("numbers format without overflow: subnormals, ±0, ±inf, nan, huge")
    func numberFormat() {
        #expect(NumberFormat.short(1e-320) == "1.00e-320")
        #expect(NumberFormat.short(5e-324) == "4.94e-324")
        #expect(NumberFormat.short(-2.5e-310) == "-2.50e-310")
        #expect(NumberFormat.short(0) == "0" && NumberFormat.short(-0.0) == "0")
        #expect(NumberFormat.short(.infinity) == "inf" && NumberFormat.short(-.infinity) == "-inf")
        #expect(NumberFormat.short(.nan) == "nan")
        #expect(NumberFormat.short(1.7976931348623157e308) == "1.80e+308")
        #expect(NumberFormat.short(-1e300) == "-1.00e+300")
        #expect(NumberFormat.short(999_960) == "1.00e+06")  // the mantissa rounds up: not 10.00e+05
        #expect(NumberFormat.short(0.5) == "0.5000" && NumberFormat.short(1234.5) == "1235")
        #expect(NumberFormat.fixed(1e308, digits: 2) == "1.00e+308")
        #expect(NumberFormat.fixed(.nan, digits: 2) == "nan")
        #expect(NumberFormat.fixed(-0.004, digits: 2) == "0.00")
        for x in [1e-320, 5e-324, 2.2250738585072014e-308, 1e-310] { #expect(!NumberFormat.short(x).contains("inf")) }
    }

    @Test("run --t-end 1e-320 prints no infe-321")
    func subnormalRun() throws {
        let r = try runCLI(["run", "--t-end", "1e-320", "--points", "3"])
        #expect(r.code == 0)
        #expect(!r.out.contains("inf") && r.out.contains("1.00e-320"), "\(r.out)")
    }

    // MARK: - Failures print nothing on stdout; errors name the right option

    @Test("features whose runs all fail exit 1 with nothing on stdout")
    func featuresFailure() throws {
        let r = try runCLI(["features", "--ks", "2", "--heads", "offdiag", "--seeds", "2", "--t-end", "100", "--eta-e", "1e308", "--quiet"])
        #expect(r.code == 1 && r.out.isEmpty, "\(r.out)")
        #expect(r.errLines.count == 1 && r.err.contains("failed"))
    }

    @Test("errors name the option the user gave", arguments: [
        (["run", "--init-scale", "1e308"], "--init-scale"),
        (["train", "--eta=5e-324", "--quiet"], "--eta"),
        (["run", "--init-scale=-1", "--init-a", "0.1,0.05;0.05,0.05"], "--init-scale"),
        (["sweep", "--vary", "eta-e-ratio=0.01,0.1", "--t-end", "100", "--eta-e=nan"], "--eta-e"),
        (["sweep", "--vary", "d=50,100", "--d=-5"], "--d"),
        (["sweep", "--vary", "t-end=100,200", "--t-end=-1"], "--t-end"),
        (["sweep", "--vary", "noise=0.5,1", "--noise=nan"], "--noise"),
        (["fit", "nope", "--head", "FOO", "--eta-e", "nan", "--shard", "5/2"], "--head"),
        (["fit", "nope", "--shard", "5/2"], "--shard"),
        (["run", "--noise", "-1"], "--noise"),
        (["train", "--batch", "-4", "--quiet"], "--batch"),
    ])
    func rightOption(_ args: [String], option: String) throws {
        let r = try runCLI(args)
        #expect(r.code == 64 && r.out.isEmpty && r.errLines.count == 1, "\(args): \(r.err)")
        #expect(r.err.hasPrefix("headflow: \(option) must"), "\(args): \(r.err)")
        #expect(!r.err.contains("--init-b") && !r.err.contains("--lr-e"))
    }

    @Test("a 100 kB value is cut in the error, which stays one line")
    func longValue() throws {
        let x = String(repeating: "x", count: 100_000)
        #expect(ParameterError("d", must: "an integer ≥ 1", got: x).description.count < 200)
        #expect(ParameterError("d", must: "an integer ≥ 1", got: "a\nb").description.contains("a b"))
        for args in [["run", "--alpha", x], ["run", "--noise", x], ["sweep", "--vary", x], ["run", "--max-steps=" + x]] {
            let r = try runCLI(args)
            #expect(r.code == 64 && r.out.isEmpty && r.errLines.count == 1 && r.err.count < 600, "\(args[0]) \(args[1]): \(r.err.count) bytes")
            #expect(r.err.contains(args[1].prefix { $0 != "=" }), "the option stays named: \(r.err)")
            #expect(r.err.components(separatedBy: "characters)").count == 2, "cut once: \(r.err)")
        }
    }

    @Test("negative entries of --init-a and --init-b need no =")
    func negativeMatrices() throws {
        let r = try runCLI(["run", "--init-a", "-0.118,-0.012;0.017,0.096", "--init-b", "1,-0.1;-0.1,1", "--t-end", "10",
                            "--points", "3", "--format", "json"])
        #expect(r.code == 0, "\(r.err)")
        let a = try JSONValue.parse(r.out)["parameters"]?["init-a"]?.matrixValue
        #expect(a?.storage == [-0.118, -0.012, 0.017, 0.096])
    }

    // MARK: - Determinism

    @Test("train: the same seed gives the same bytes (no wall-clock time in the result)", arguments: ["table", "json"])
    func trainDeterministic(_ format: String) throws {
        let args = ["train", "--steps", "30", "--batch", "8", "--d", "10", "--points", "5", "--format", format]
        let a = try runCLI(args), b = try runCLI(args)
        #expect(a.code == 0 && !a.out.isEmpty && a.out == b.out)
        #expect(!a.out.contains("seconds") && !a.out.contains(" s\n"))
    }
}
