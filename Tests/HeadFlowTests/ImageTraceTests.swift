import Foundation
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel
@testable import HeadFlowDynamics

/// NumPy `.npy` output: the bytes `numpy.save` writes, and a round trip through the reader.
@Suite("NPYWriter: NumPy .npy v1.0, byte for byte as numpy.save")
struct NPYWriterTests {
    /// `numpy.save` of `np.arange(6.).reshape(2, 3)` begins with these 128 header bytes (NumPy 2.4: the dict,
    /// 20 spare spaces for the first axis, padding to 64, a newline).
    @Test("a 2×3 float64 array: NumPy's header (growth spaces, 64-byte alignment) and little-endian <f8 elements")
    func bytesOfAMatrix() {
        let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }" + String(repeating: " ", count: 58) + "\n"
        #expect(dict.utf8.count == 118)
        let header: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 118, 0] + Array(dict.utf8)
        let values: [Double] = [0, 1, 2, 3, 4, 5]
        let data = values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt64($0))) } }
        let bytes = NPYWriter.bytes(Matrix(rows: 2, cols: 3, storage: values))
        #expect(bytes == header + data)
        #expect(bytes.count == 176 && Array(bytes[128..<136]) == [0, 0, 0, 0, 0, 0, 0, 0] && bytes[143] == 0x3F)
    }

    @Test("headers as NumPy writes them: (3,) int64, a 0-d array (no growth spaces), a 4096×49 view (elements at 128)")
    func headers() {
        func dict(_ bytes: [UInt8]) -> String {
            let n = Int(bytes[8]) | Int(bytes[9]) << 8
            return String(decoding: bytes[10..<(10 + n)], as: UTF8.self)
        }
        let ints = NPYWriter.bytes([Int64(7), -1, 1 << 40], shape: [3])
        #expect(dict(ints) == "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }" + String(repeating: " ", count: 60) + "\n")
        #expect(Array(ints[136..<144]) == [255, 255, 255, 255, 255, 255, 255, 255])
        let scalar = NPYWriter.bytes([2.5], shape: [])
        #expect(dict(scalar) == "{'descr': '<f8', 'fortran_order': False, 'shape': (), }" + String(repeating: " ", count: 62) + "\n")
        let view = NPYWriter.header(descr: "<f8", shape: [4096, 49])
        #expect(dict(view) == "{'descr': '<f8', 'fortran_order': False, 'shape': (4096, 49), }" + String(repeating: " ", count: 54) + "\n")
        for shape in [[0], [1], [7, 1], [1, 2, 3, 4, 5, 6], [123_456_789, 2]] {
            #expect(NPYWriter.header(descr: "<f8", shape: shape).count % 64 == 0, "\(shape)")
        }
    }

    @Test("round trip through NPYFile: shape, dtype and every bit (−0, ±∞, NaN, a subnormal), int64 exactly")
    func roundTrip() throws {
        let values: [Double] = [-0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, 1 / 3, -1e300, 0.1]
        let stored = try NPYFile.array(NPYWriter.bytes(values, shape: [2, 2, 2]), path: "x.npy")
        #expect(stored.shape == [2, 2, 2] && stored.element == .float(bytes: 8))
        #expect((0..<8).allSatisfy { stored.value($0).bitPattern == values[$0].bitPattern })
        let ints: [Int64] = [0, -5, 1 << 52, 9]
        let read = try NPYFile.array(NPYWriter.bytes(ints, shape: [4]), path: "i.npy")
        #expect(read.shape == [4] && read.element == .signed(bytes: 8) && (0..<4).map { Int64(read.value($0)) } == ints)
    }

    @Test("writing files: the bytes land in the file; a missing directory is one line naming the path")
    func files() throws {
        let dir = try ImageFixtureDirectory()
        let m = Matrix([[1, 2], [3, 4.5]])
        try NPYWriter.write(m, to: dir.path + "/m.npy")
        #expect(try FileBytes.read(dir.path + "/m.npy") == NPYWriter.bytes(m))
        try NPYWriter.makeDirectory(dir.path + "/a/b/c")
        try NPYWriter.makeDirectory(dir.path + "/a/b/c")
        try NPYWriter.write([1.0, 2.0], shape: [2], to: dir.path + "/a/b/c/v.npy")
        #expect(throws: FileWriteError.self) { try NPYWriter.makeDirectory(dir.path + "/m.npy/x") }
        do {
            try NPYWriter.write(m, to: dir.path + "/missing/m.npy")
            Issue.record("wrote into a missing directory")
        } catch {
            #expect(error.path == dir.path + "/missing/m.npy" && error.description.contains("no such file or directory")
                    && !error.description.contains("\n"))
        }
    }
}

/// A trace is the trainer's own steps, and its views are the ones trained on.
@Suite("ImageTrace: the first K SGD steps of image training, exported for the JAX reference")
struct ImageTraceTests {
    /// 24 images of 8 × 8, 4 × 4 patches (P = 4, d = 16), batch 8: one epoch is 3 steps.
    static let images = randomImages(24, height: 8, width: 8, seed: 11)

    static func problem(_ head: HeadKind = .offdiag, images: ImageSet = images, precision: ImagePrecision = .float64,
                        epochs: Int = 1) -> ImageTrainingProblem {
        var p = ImageTrainingProblem(images: images, patch: 4, neurons: 3, head: head, lr: 0.05, lrE: 0.1, batch: 8,
                                     epochs: epochs, seed: 5)
        p.precision = precision
        return p
    }

    /// The `.npy` file `name` of `dir` as a matrix (2-d) or a row (1-d).
    static func read(_ dir: String, _ name: String) throws -> Matrix {
        let a = try NPYFile.array(try FileBytes.read(dir + "/" + name), path: name)
        #expect(a.element == .float(bytes: 8))
        let rows = a.shape.count == 2 ? a.shape[0] : 1, cols = a.shape.last ?? 1
        return Matrix(rows: rows, cols: cols, storage: (0..<(rows * cols)).map(a.value))
    }

    @Test("3 steps = one epoch: w_003, e_003 are ImageTrainer's W, E bit for bit; the losses average to its epoch loss; w0 = W(0)")
    func traceIsTheTrainersRun() throws {
        let dir = try ImageFixtureDirectory(), p = Self.problem()
        let summary = try ImageTrace.write(p, steps: 3, threads: 2, to: dir.path + "/trace")
        let trained = try ImageTrainer(threads: 1).train(p)
        let t = dir.path + "/trace"
        #expect(summary.steps == 3 && summary.losses.count == 3)
        #expect(try Self.read(t, "w_003.npy") == trained.weights)
        #expect(try Self.read(t, "e_003.npy") == trained.head && trained.head != .identity(3))
        #expect((summary.losses.reduce(0, +)) / 3 == trained.losses[0])
        #expect(try Self.read(t, "losses.npy").storage == summary.losses)
        #expect(try Self.read(t, "w0.npy") == p.initialState().weights && Self.read(t, "e0.npy") == .identity(3))
        #expect(try Self.read(t, "mask.npy") == HeadKind.offdiag.trainableMask(neurons: 3))
        #expect(!FileManager.default.fileExists(atPath: t + "/w_004.npy") && !FileManager.default.fileExists(atPath: t + "/wtg_001.npy"))
        let meta = try JSONValue.parse(String(decoding: try FileBytes.read(t + "/meta.json"), as: UTF8.self))
        func key(_ k: String) -> JSONValue? { meta.objectValue?.first { $0.0 == k }?.1 }
        #expect(key("steps")?.intValue == 3 && key("batch")?.intValue == 8 && key("patches")?.intValue == 4
                && key("dimension")?.intValue == 16 && key("neurons")?.intValue == 3 && key("step_digits")?.intValue == 3)
        #expect(key("lr")?.doubleValue == 0.05 && key("lr_e")?.doubleValue == 0.1 && key("head")?.stringValue == "offdiag"
                && key("activation")?.stringValue == "cube" && key("precision")?.stringValue == "float64"
                && key("stop_grad")?.stringValue == "on" && key("target")?.stringValue == "same" && key("seed")?.intValue == 5)
        #expect(key("trainable_mask")?.matrixValue == HeadKind.offdiag.trainableMask(neurons: 3))
    }

    /// Step `k` repeated from the exported files by `BatchObjective` (plain loops, no BLAS): the loss at
    /// `W_{k−1}`, `E_{k−1}` on `view1_k`, `view2_k` is `losses[k]`, and one SGD step from there gives `W_k`, `E_k`
    /// (and `W_tg,k`) — to rounding. Views that were not the ones trained on miss by orders of magnitude.
    @Test("every step repeats from the exported views and the state before it (offdiag; full with EMA; stop-grad off)",
          arguments: [(HeadKind.offdiag, TargetRule.same, StopGradientRule.on), (.full, .ema, .on), (.full, .same, .off)])
    func viewsAreTheOnesTrainedOn(head: HeadKind, target: TargetRule, stopGradient: StopGradientRule) throws {
        let dir = try ImageFixtureDirectory()
        var p = Self.problem(head, images: randomImages(40, height: 8, width: 8, seed: 12), epochs: 2)
        p.target = target; p.emaTau = 0.5; p.stopGradient = stopGradient
        let summary = try ImageTrace.write(p, steps: 7, threads: 2, to: dir.path)
        let mask = head.trainableMask(neurons: 3)
        var w = try Self.read(dir.path, "w0.npy"), e = try Self.read(dir.path, "e0.npy"), tg = w
        for k in 1...7 {
            let name = { (s: String) in s + "_" + String(repeating: "0", count: 2) + "\(k).npy" }
            let v1 = try Self.read(dir.path, name("view1")), v2 = try Self.read(dir.path, name("view2"))
            #expect(v1.rows == 8 * 4 && v1.cols == 16)
            // The mask sends every patch to exactly one view: a row is zero in one view and not in the other.
            #expect((0..<v1.rows).allSatisfy { r in (v1.rowArrays[r].allSatisfy { $0 == 0 }) != (v2.rowArrays[r].allSatisfy { $0 == 0 }) })
            let batch = SampleBatch(count: 8, patches: 4, view1: v1, view2: v2, features: Array(repeating: 0, count: 8),
                                    signs: Array(repeating: 1, count: 8), featurePatchesInView1: Array(repeating: 0, count: 8))
            let ev = try BatchObjective().evaluate(batch, weights: w, head: e, targetWeights: target == .ema ? tg : nil,
                                                   stopGradient: stopGradient)
            #expect(abs(ev.loss - summary.losses[k - 1]) <= 1e-12 * summary.losses[k - 1], "step \(k)")
            let wk = try Self.read(dir.path, name("w")), ek = try Self.read(dir.path, name("e"))
            var expectedE = e
            head.rule.sgdStep(&expectedE, gradient: ev.gradE, mask: mask, rate: p.lrE)
            #expect((w - p.lr * ev.gradW - wk).maxAbs <= 1e-12 * wk.maxAbs, "step \(k)")
            #expect((expectedE - ek).maxAbs <= 1e-12 && ek != e, "step \(k)")
            if target == .ema {
                let c = p.lr / p.emaTau, tgk = try Self.read(dir.path, name("wtg"))
                #expect(((1 - c) * tg + c * wk - tgk).maxAbs <= 1e-14 * tgk.maxAbs && tgk != wk, "step \(k)")
                tg = tgk
            }
            w = wk; e = ek
        }
    }

    @Test("a trace stopped inside an epoch is the prefix of a longer one; a hook that always goes on changes no bit")
    func stoppingInsideAnEpoch() throws {
        let images = randomImages(40, height: 8, width: 8, seed: 13)   // 5 steps per epoch
        let p = Self.problem(.full, images: images, precision: .float32, epochs: 2)
        let short = try ImageFixtureDirectory(), long = try ImageFixtureDirectory()
        let a = try ImageTrace.write(p, steps: 3, threads: 1, to: short.path)
        let b = try ImageTrace.write(p, steps: 8, threads: 2, to: long.path)
        #expect(a.losses == Array(b.losses.prefix(3)) && b.steps == 8)
        for name in ["view1_003.npy", "view2_003.npy", "w_003.npy", "e_003.npy", "w0.npy"] {
            #expect(try FileBytes.read(short.path + "/" + name) == FileBytes.read(long.path + "/" + name), "\(name)")
        }
        #expect(try Self.read(short.path, "w0.npy") == ImageTrace.rounded(p.initialState().weights, to: .float32))
        #expect(try Self.read(short.path, "w0.npy") != p.initialState().weights)
        var seen = 0
        let hooked = try ImageTrainer(threads: 2).train(p, afterStep: { _ in seen += 1; return true })
        let plain = try ImageTrainer(threads: 2).train(p)
        #expect(seen == 10 && hooked.weights == plain.weights && hooked.head == plain.head && hooked.losses == plain.losses)
        #expect(try Self.read(long.path, "w_008.npy") != plain.weights)
        let stopped = try ImageTrainer().train(p, afterStep: { $0.step < 8 })
        #expect(try stopped.steps == 8 && stopped.weights == Self.read(long.path, "w_008.npy") && stopped.losses.count == 2
                && stopped.losses[1] == b.losses[5...].reduce(0, +) / 3)
    }

    @Test("errors are one line: steps outside 1…K (trace-steps), a file as the directory (trace-dir), a step that fails (no meta.json)")
    func errors() throws {
        let dir = try ImageFixtureDirectory(), p = Self.problem()
        for steps in [0, 4] {
            #expect(throws: ImageTraceError.self) { try ImageTrace.write(p, steps: steps, threads: 1, to: dir.path) }
            do { _ = try ImageTrace.write(p, steps: steps, threads: 1, to: dir.path) } catch {
                #expect(error.description.hasPrefix("--trace-steps must be an integer in 1…3") && !error.description.contains("\n"))
            }
        }
        let file = try dir.write("plain", [1, 2, 3])
        do { _ = try ImageTrace.write(p, steps: 1, threads: 1, to: file + "/t"); Issue.record("wrote under a file") } catch {
            guard case .parameter(let e) = error else { Issue.record("\(error)"); return }
            #expect(e.parameter == "trace-dir" && e.description.contains("is not a directory"))
        }
        var diverging = Self.problem(.full)
        diverging.initScale = 1e200
        do { _ = try ImageTrace.write(diverging, steps: 3, threads: 1, to: dir.path + "/bad"); Issue.record("no failure") } catch {
            guard case .training(let f) = error else { Issue.record("\(error)"); return }
            #expect(f.step == 1 && error.description.hasPrefix("trace: training failed at epoch 1, step 1"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/bad/meta.json"))
    }
}
