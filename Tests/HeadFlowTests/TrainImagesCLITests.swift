import Foundation
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData

/// `train` and `sweep` on image files a user brings (`--data files`): the JSON issue 20 asks for, the same
/// bytes for any thread count, the precision and head options acting, and one-line errors (exit 64).
@Suite("train and sweep on image files (--data files)")
struct TrainImagesCLITests {
    /// 40 training images 8×8 and 20 test images (IDX, labels cycling 0…9): the four options naming them.
    static func files(_ dir: ImageFixtureDirectory) throws -> [String] {
        let p = try ImageFixture.idxSet(in: dir, n: 40, t: 20, h: 8, w: 8)
        return ["--data", "files", "--images", p.images, "--labels", p.labels, "--test-images", p.testImages, "--test-labels", p.testLabels]
    }

    static let small = ["--neurons", "3", "--patch", "4", "--batch", "8", "--epochs", "2", "--lr", "0.05", "--eta-e", "0.1", "--quiet"]

    func train(_ extra: [String], dir: ImageFixtureDirectory) throws -> CLIRun {
        try runCLI(["train"] + (try Self.files(dir)) + Self.small + extra)
    }

    @Test("JSON: parameters (files with SHA-256, pixel mean and scale), evaluations every epoch, both baselines; same bytes on 1 and 2 threads")
    func jsonKeys() throws {
        let dir = try ImageFixtureDirectory()
        let run = try train(["--eval-every", "1", "--format", "json", "--threads", "1"], dir: dir)
        #expect(run.code == 0, "\(run.err)")
        let j = try JSONValue.parse(run.out)
        let p = try #require(j["parameters"])
        #expect(p["files"]?.arrayValue?.count == 4)
        #expect(p["files"]?.arrayValue?.allSatisfy { ($0["sha256"]?.stringValue?.count ?? 0) == 64 } == true)
        #expect(p["pixel_mean"]?.arrayValue?.count == 64 && p["pixel_scale"]?.doubleValue ?? 0 > 0)
        #expect(p["patch_count"]?.intValue == 4 && p["patch_dimension"]?.intValue == 16)
        #expect(p["samples"]?.intValue == 40 && p["steps"]?.intValue == 10 && p["head"]?.stringValue == "offdiag")
        #expect(p["d"] == nil && p["alpha"] == nil, "synthetic-only parameters are not recorded for images")
        let evaluations = try #require(j["evaluations"]?.arrayValue)
        #expect(evaluations.map { $0["epoch"]?.intValue } == [1, 2])
        let keys = ["epoch", "loss", "erank", "rankme", "linear_probe", "knn", "max_neuron_cos", "head_offdiag_max", "head_dev"]
        for e in evaluations { #expect(e.objectValue?.map(\.0) == keys) }
        for b in ["raw_pixels", "untrained"] {
            let base = try #require(j["baselines"]?[b])
            for k in ["linear_probe", "knn", "erank"] { #expect(base[k]?.doubleValue != nil, "\(b).\(k)") }
        }
        let acc = try #require(evaluations.last?["linear_probe"]?.doubleValue)
        #expect(acc >= 0 && acc <= 1)
        let two = try train(["--eval-every", "1", "--format", "json", "--threads", "2"], dir: dir)
        #expect(two.code == 0 && two.out == run.out, "the output depends on --threads")
    }

    @Test("float64 and float32 both train and differ only in rounding; head diag equals head none bit for bit, offdiag does not")
    func precisionAndHeads() throws {
        let dir = try ImageFixtureDirectory()
        func evaluations(_ extra: [String]) throws -> [JSONValue] {
            let r = try train(extra + ["--format", "json"], dir: dir)
            #expect(r.code == 0, "\(r.err)")
            return try #require(try JSONValue.parse(r.out)["evaluations"]?.arrayValue)
        }
        let f32 = try evaluations(["--precision", "float32"]), f64 = try evaluations(["--precision", "float64"])
        let l32 = try #require(f32.last?["loss"]?.doubleValue), l64 = try #require(f64.last?["loss"]?.doubleValue)
        #expect(l32 != l64 && abs(l32 - l64) <= 1e-3 * abs(l64), "float32 \(l32) vs float64 \(l64)")
        let none = try evaluations(["--head", "none"]), diag = try evaluations(["--head", "diag"]), off = try evaluations(["--head", "offdiag"])
        #expect(none == diag)
        #expect(none != off)
        #expect((off.last?["head_offdiag_max"]?.doubleValue ?? 0) > 0)
    }

    @Test("Bad input: one line naming the option or file, exit 64")
    func errors() throws {
        let dir = try ImageFixtureDirectory()
        let f = try Self.files(dir)
        let bad = try dir.write("bad-labels.idx", ImageFixture.idx(shape: [40], [UInt8](repeating: 1, count: 39)))
        var badFiles = f
        badFiles[5] = bad
        let cases: [([String], String)] = [
            (["train"] + badFiles + Self.small, bad),
            (["train"] + f + Self.small + ["--alpha", "2,1"], "--alpha acts only with synthetic data"),
            (["train"] + f + Self.small + ["--log-every", "3"], "--log-every acts only with synthetic data"),
            (["train"] + f + Self.small + ["--samples", "41"], "--samples must be an integer in 1…40"),
            (["train"] + f + Self.small + ["--patch", "9"], "--patch must be an integer in 1…min(H, W) = 1…8"),
            (["train"] + Array(f.prefix(8)) + Self.small, "--test-labels must be given with --data files"),
            (["train", "--patch", "7"], "--patch acts only with image data"),
            (["train", "--baselines", "untrained"], "--baselines acts only with image data"),
            (["train", "--data", "fashion-mnist", "--images", "x.idx"], "--images acts only with --data files"),
            (["run", "--epochs", "3"], "--epochs acts only in train and sweep --engine sgd"),
            (["train", "--trace-dir", "trace"], "--trace-dir acts only with image data"),
            (["train"] + f + Self.small + ["--trace-steps", "3"], "--trace-steps acts only with --trace-dir"),
            (["train"] + f + Self.small + ["--trace-dir", "/"], "--trace-dir must be a directory path"),
            (["boundary", "--engine", "sgd", "--data", "fashion-mnist", "--along", "eta-e", "--between", "0.01,1"], "--data acts only as online or fixed in boundary"),
            (["sweep", "--engine", "sgd"] + f + Self.small + ["--vary", "head=none,offdiag", "--outcome", "outcome"], "an image sweep"),
        ]
        for (args, text) in cases {
            let r = try runCLI(args)
            #expect(r.code == 64, "\(args): exit \(r.code), \(r.err)")
            #expect(r.errLines.count == 1 && r.err.contains(text), "\(args): \(r.err)")
            #expect(r.out.isEmpty, "\(args): no partial result")
        }
    }

    @Test("--trace-dir: the first K steps exported into the given directory only, with their losses")
    func trace() throws {
        let dir = try ImageFixtureDirectory()
        let root = try freshDirectory("image-trace")
        defer { try? FileManager.default.removeItem(at: root) }
        let target = root.appendingPathComponent("t").path
        let r = try train(["--trace-dir", target, "--trace-steps", "2", "--format", "json", "--precision", "float64"], dir: dir)
        #expect(r.code == 0, "\(r.err)")
        let j = try JSONValue.parse(r.out)
        #expect(j["steps"]?.intValue == 2 && j["losses"]?.arrayValue?.count == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["t"], "wrote beside the given directory")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: target))
        for f in ["meta.json", "w0.npy", "e0.npy", "mask.npy", "losses.npy", "w_001.npy", "w_002.npy", "view1_002.npy"] {
            #expect(files.contains(f), "missing \(f)")
        }
        // A shorter trace is a prefix of the longer one: the steps do not depend on how many are exported.
        let one = try train(["--trace-dir", root.appendingPathComponent("t").path, "--trace-steps", "1", "--format", "json",
                             "--precision", "float64"], dir: dir)
        #expect(one.code == 0)
        let first = try JSONValue.parse(one.out)["losses"]?.arrayValue?.first?.doubleValue
        #expect(first != nil && first == j["losses"]?.arrayValue?.first?.doubleValue)
    }

    @Test("sweep: mean ± sd over the seeds per head, resumed from --out, merged; cells keep their evaluations")
    func sweep() throws {
        let dir = try ImageFixtureDirectory()
        let out = try freshDirectory("image-sweep")
        defer { try? FileManager.default.removeItem(at: out) }
        let args = ["sweep", "--engine", "sgd"] + (try Self.files(dir)) + Self.small
            + ["--vary", "head=none,offdiag", "--vary", "seed=1:3:lin:3", "--outcome", "erank", "--out", out.path]
        let first = try runCLI(args)
        #expect(first.code == 0, "\(first.err)")
        #expect(first.out.contains("erank (mean ± sd over 3 seeds)"))
        let header = first.out.split(separator: "\n").filter { $0.hasPrefix("engine:") || $0.hasPrefix("base:") }.joined()
        #expect(header.contains("patch=") && !header.contains("sampler=") && !header.contains("rng="), "the header shows only entries acting on images: \(header)")
        let rows = first.out.split(separator: "\n").filter { $0.hasPrefix("none") || $0.hasPrefix("offdiag") }
        #expect(rows.count == 2 && rows.allSatisfy { $0.contains(" ± ") }, "\(first.out)")
        let written = out.appendingPathComponent("cells/cell-000000.json").path
        let before = try FileManager.default.attributesOfItem(atPath: written)[.modificationDate] as? Date
        let again = try runCLI(args)
        #expect(again.code == 0 && again.out == first.out)
        #expect(try FileManager.default.attributesOfItem(atPath: written)[.modificationDate] as? Date == before, "a finished cell was run again")
        let merged = try runCLI(["merge", out.path, "--outcome", "erank"])
        #expect(merged.code == 0 && merged.out.contains(rows[0]) && merged.out.contains(rows[1]), "\(merged.out)")
        let cell = try JSONValue.parse(String(decoding: try Data(contentsOf: out.appendingPathComponent("cells/cell-000000.json")), as: UTF8.self))
        #expect(cell["evaluations"]?.arrayValue?.count == 1)
        #expect(cell["final_metrics"]?["linear_probe"]?.doubleValue != nil)
    }
}

/// The done-when command of issue 20 on Fashion-MNIST, for every head.
@Suite("train --data fashion-mnist: every head", .tags(.slow))
struct TrainFashionMNISTTests {
    @Test("Every head trains on 2,000 images and reports its evaluation; diag is none exactly", arguments: ["none", "diag", "offdiag", "full", "random", "directpred"])
    func heads(head: String) throws {
        let r = try runCLI(["train", "--data", "fashion-mnist", "--neurons", "16", "--patch", "7", "--samples", "2000", "--epochs", "2",
                            "--batch", "256", "--lr", "0.05", "--eta-e", "0.1", "--head", head, "--seed", "1", "--baselines", "untrained",
                            "--format", "json", "--quiet"], timeout: 300)
        #expect(r.code == 0, "\(r.err)")
        let j = try JSONValue.parse(r.out)
        let e = try #require(j["evaluations"]?.arrayValue?.last)
        #expect(e["epoch"]?.intValue == 2)
        let probe = try #require(e["linear_probe"]?.doubleValue), erank = try #require(e["erank"]?.doubleValue)
        #expect(probe > 0.1 && probe <= 1, "better than chance on 10 classes")
        #expect(erank >= 1 && erank <= 16)
        #expect(j["parameters"]?["files"]?.arrayValue?.first?["sha256"]?.stringValue == "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7")
    }
}
