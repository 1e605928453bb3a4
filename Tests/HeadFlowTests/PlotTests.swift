import Foundation
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowSweeps
@testable import HeadFlowReport

/// A scratch file path.
private func scratchFile(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("headflow-plot-\(UUID().uuidString.prefix(8))-\(name)").path
}

/// The text of every `set xlabel/ylabel/cblabel` line of a gnuplot script.
private func labels(_ script: String, _ axis: String) -> [Substring] {
    script.split(separator: "\n").filter { $0.hasPrefix("set \(axis)label ") }
}

@Suite("Plots: the paper's notation on labelled axes with units and a legend, PNG and SVG")
struct PlotTests {
    @Test("sweep parameters and metrics are labelled in the paper's notation, with units")
    func notation() {
        #expect(PlotNotation.parameter("eta-e-ratio").hasPrefix("η_{E}/η"))
        #expect(PlotNotation.parameter("alpha-ratio").hasPrefix("α_{2}/α_{1}"))
        #expect(PlotNotation.parameter("alpha[2]").hasPrefix("α_{2}"))
        #expect(PlotNotation.parameter("init-a[1,2]").hasPrefix("a_{12}(0) = ⟨w_{2}, v_{1}⟩"))
        #expect(PlotNotation.parameter("t-end").contains("units of 1/η"))
        #expect(PlotNotation.parameter("max-steps") == "max-steps")
        #expect(PlotNotation.metric(.event("learn_w1_v1")) == "time of learn\\_w1\\_v1 (units of 1/η)")
        #expect(PlotNotation.metric(.peak("peak_e21")).hasPrefix("max_{t} |E_{21}(t)|"))
        #expect(PlotNotation.escaped("a_b^c{d}") == "a\\_b\\^c\\{d\\}")
    }

    @Test("the phase diagram, trajectory and features figures: both axes labelled, a key or a colour key")
    func scripts() throws {
        let sweep = try runHeadflow(["sweep", "--vary", "eta-e-ratio=0.01,0.1", "--vary", "alpha-ratio=0.5,0.8", "--t-end", "2e3",
                                     "--points", "10", "--quiet", "--format", "json"])
        try #require(sweep.code == 0, "\(sweep.err)")
        let sweepPath = scratchFile("sweep.json")
        defer { try? FileManager.default.removeItem(atPath: sweepPath) }
        try sweep.out.write(toFile: sweepPath, atomically: true, encoding: .utf8)
        let result = try SweepResult.load(sweepPath, isDirectory: false)
        let phase = try GnuplotFigure.phase(SweepReport(result, metric: .outcome), source: sweepPath, terminal: .svg, output: "/x.svg")
        #expect(labels(phase.script, "x") == ["set xlabel \"α_{2}/α_{1} (weak / strong feature magnitude)\""])
        #expect(labels(phase.script, "y") == ["set ylabel \"η_{E}/η (head / encoder learning rate)\""])
        #expect(labels(phase.script, "cb").count == 1 && phase.script.contains("set cbtics ('diverse'"))
        #expect(!phase.script.contains("eta-e-ratio") && !phase.script.contains("noenhanced\nset"))

        let run = try runHeadflow(["run", "--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0;0,1", "--t-end", "2e3", "--points", "20",
                                   "--format", "json"])
        try #require(run.code == 0)
        let trajectory = try GnuplotFigure.trajectory(run: JSONValue.parse(run.out), source: "run", terminal: .svg, output: "/x.svg")
        #expect(labels(trajectory.script, "x") == ["set xlabel 't (units of 1/η)'"])
        #expect(labels(trajectory.script, "y").count == 2)
        #expect(trajectory.script.contains("title 'cos_{11}'") && trajectory.script.contains("title 'E_{21}'"))
        #expect(trajectory.script.contains("σ_{ξ} = 1") && trajectory.script.contains("η_{E} = 0.01"))

        let features = try GnuplotFigure.features(Self.featuresJSON, source: "features", terminal: .svg, output: "/x.svg")
        #expect(labels(features.script, "x") == ["set xlabel \"k (number of features; m = k neurons)\""])
        #expect(labels(features.script, "y") == ["set ylabel \"distinct features learned at t_{end} (mean ± sd over 2 starts)\""])
        #expect(features.script.contains("title \"head none\"") && features.script.contains("title \"head offdiag\""))
        #expect(features.script.contains("title 'bound min(k, m)'"))
        let data = try #require(features.data.first { $0.name == "features.dat" }?.contents)
        #expect(data.hasPrefix("# head none\n1.97 1.5 0.5\n"))  // k = 2, nudged left for the first head: mean 1.5, sd 0.5
        #expect(throws: SweepFileError.self) { try GnuplotFigure.features(.object([]), source: "empty", terminal: .png, output: "/x.png") }
    }

    /// A small features table written by hand: k = 2, 3; heads none and offdiag; two starts each.
    static let featuresJSON: JSONValue = .object([
        ("parameters", .object([("ks", .array([.integer(2), .integer(3)])), ("heads", .array([.string("none"), .string("offdiag")])),
                                ("alpha", .numbers([1.5, 1, 0.8])), ("neurons", .string("k")), ("seeds", .array([.integer(1), .integer(2)])),
                                ("base", .object([("d", .integer(100)), ("eta", .number(1)), ("eta-e", .number(0.03)), ("t-end", .number(2e5))]))])),
        ("cells", .array([
            .object([("k", .integer(2)), ("head", .string("none")), ("mean", .number(1.5)), ("sd", .number(0.5))]),
            .object([("k", .integer(3)), ("head", .string("none")), ("mean", .number(1)), ("sd", .number(0))]),
            .object([("k", .integer(2)), ("head", .string("offdiag")), ("mean", .number(2)), ("sd", .number(0))]),
            .object([("k", .integer(3)), ("head", .string("offdiag")), ("mean", .number(2.5)), ("sd", .number(0.5))]),
        ])),
    ])

    @Test("headflow plot features writes a PNG and an SVG (gnuplot, for real)")
    func plotFeaturesFiles() throws {
        let json = scratchFile("features.json"), png = scratchFile("f.png"), svg = scratchFile("f.svg")
        defer { for f in [json, png, svg] { try? FileManager.default.removeItem(atPath: f) } }
        try Self.featuresJSON.rendered(pretty: true).write(toFile: json, atomically: true, encoding: .utf8)
        let a = try runHeadflow(["plot", "features", json, "-o", png])
        let b = try runHeadflow(["plot", "features", json, "-o", svg])
        #expect(a.code == 0 && b.code == 0, "\(a.err)\(b.err)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(text.contains("<svg") && text.contains("head offdiag") && text.contains("distinct features learned"))
        let bad = try runHeadflow(["plot", "features", json, "-o", scratchFile("f.pdf")])
        #expect(bad.code == 64 && bad.out.isEmpty && bad.err.contains("--output"))
    }

    @Test("a boundary: switches against the varied parameter with bracket error bars; over a phase map in its cells")
    func boundary() throws {
        let common = ["--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0;0,1", "--quiet", "--format", "json"]
        let b = try runHeadflow(["boundary", "--along", "eta-e-ratio", "--between", "1e-3,1", "--vary", "alpha-ratio=0.5,0.9",
                                 "--rel-precision", "0.05"] + common)
        let s = try runHeadflow(["sweep", "--vary", "eta-e-ratio=1e-3,1e-2,1e-1", "--vary", "alpha-ratio=0.5,0.9"] + common)
        try #require(b.code == 0 && s.code == 0, "\(b.err) \(s.err)")
        let (bPath, sPath) = (scratchFile("b.json"), scratchFile("s.json"))
        defer { for p in [bPath, sPath] { try? FileManager.default.removeItem(atPath: p) } }
        try b.out.write(toFile: bPath, atomically: true, encoding: .utf8)
        try s.out.write(toFile: sPath, atomically: true, encoding: .utf8)
        let curve = try BoundaryResult.load(bPath, isDirectory: false)
        let figure = try GnuplotFigure.boundary(curve, x: nil, source: bPath, terminal: .svg, output: "b.svg")
        #expect(figure.script.contains("yerrorlines") && figure.script.contains("set logscale y"))
        #expect(labels(figure.script, "x").first?.contains("α_{2}/α_{1}") == true)
        let phase = try GnuplotFigure.phase(SweepReport(try SweepResult.load(sPath, isDirectory: false), metric: .outcome),
                                            source: sPath, terminal: .svg, output: "p.svg", boundary: curve)
        #expect(phase.data.map(\.name) == ["phase.dat", "boundary.dat"] && phase.script.contains("'boundary.dat' index 0"))
        // η_E/η = 10^-2.5 sits halfway between rows 0.001 and 0.01 … on the map's log-spaced rows.
        #expect(abs(try #require(GnuplotFigure.fractionalIndex([1e-3, 1e-2, 1e-1], 0.0031622776601683794)) - 0.5) < 1e-12)
    }
}
