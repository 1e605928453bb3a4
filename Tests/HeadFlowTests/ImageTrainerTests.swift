import Foundation
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel
@testable import HeadFlowDynamics

/// SGD of the image network: epochs, determinism, the hook, failures.
@Suite("Image training: epochs of shuffled batches, the same bits for any thread count")
struct ImageTrainerTests {
    static let images = randomImages(150, height: 12, width: 12, seed: 7)

    static func problem(_ head: HeadKind = .offdiag, precision: ImagePrecision = .float32, epochs: Int = 2) -> ImageTrainingProblem {
        var p = ImageTrainingProblem(images: images, patch: 4, neurons: 6, head: head, lr: 0.05, lrE: 0.05, batch: 32,
                                     epochs: epochs, seed: 3)
        p.precision = precision
        return p
    }

    @Test("the same seed gives byte-identical W, E and losses on 1, 2 and 3 threads (float32 and float64, EMA and stop-grad off)",
          arguments: [(ImagePrecision.float32, TargetRule.same, StopGradientRule.on), (.float64, .same, .on),
                      (.float32, .ema, .on), (.float64, .same, .off)])
    func threadsDoNotChangeBits(precision: ImagePrecision, target: TargetRule, stopGradient: StopGradientRule) throws {
        var p = Self.problem(.full, precision: precision)
        p.target = target; p.emaTau = 0.5; p.stopGradient = stopGradient
        p.views = ImageViewRule(maskProbability: 0.5, shift: 1, flip: true, noise: 0.02)
        try p.validate()
        let runs = try [1, 2, 3].map { try ImageTrainer(threads: $0).train(p) }
        for r in runs.dropFirst() {
            #expect(r.weights == runs[0].weights && r.head == runs[0].head && r.losses == runs[0].losses
                    && r.targetWeights == runs[0].targetWeights)
        }
        #expect(runs[0].steps == 2 * (150 / 32) && runs[0].losses.count == 2 && runs[0].losses.allSatisfy(\.isFinite))
        #expect((runs[0].targetWeights != nil) == (target == .ema))
        var other = p
        other.seed = 4
        #expect(try ImageTrainer().train(other).weights != runs[0].weights)
    }

    @Test("m = 16 and 12 (8-lane loops, with and without a tail): the same bits on 1, 2 and 3 threads; float32 follows float64",
          arguments: [16, 12])
    func widerNetworks(m: Int) throws {
        func problem(_ precision: ImagePrecision) -> ImageTrainingProblem {
            var p = ImageTrainingProblem(images: Self.images, patch: 4, neurons: m, head: .offdiag, lr: 0.05, lrE: 0.05, batch: 64,
                                         epochs: 2, seed: 6)
            p.precision = precision
            return p
        }
        for precision in ImagePrecision.allCases {
            let runs = try [1, 2, 3].map { try ImageTrainer(threads: $0).train(problem(precision)) }
            for r in runs.dropFirst() { #expect(r.weights == runs[0].weights && r.head == runs[0].head && r.losses == runs[0].losses) }
        }
        let single = try ImageTrainer(threads: 2).train(problem(.float32)), double = try ImageTrainer(threads: 2).train(problem(.float64))
        #expect((single.weights - double.weights).maxAbs <= 1e-3 * double.weights.maxAbs)
        #expect(abs(single.losses[1] - double.losses[1]) <= 1e-3 * double.losses[1])
    }

    @Test("only the trainable head entries move: none keeps I, offdiag keeps the diagonal at 1, full moves both")
    func headMasks() throws {
        for head in [HeadKind.none, .offdiag, .full] {
            let r = try ImageTrainer().train(Self.problem(head))
            let e = r.head
            let diagonal = (0..<6).allSatisfy { e[$0, $0] == 1 }
            let offDiagonal = NetworkDiagnostics.headOffDiagonalMax(e)
            switch head {
            case .none: #expect(e == .identity(6))
            case .offdiag: #expect(diagonal && offDiagonal > 0)
            default: #expect(!diagonal && offDiagonal > 0)
            }
        }
    }

    @Test("directpred and directcopy set E from the outputs' running second moment (no longer I); trained heads have no spectral rule")
    func spectralHeads() throws {
        for head in [HeadKind.directpred, .directcopy] {
            let p = Self.problem(head)
            try p.validate()
            #expect(p.spectralHead?.exponent == head.spectralExponent)
            let r = try ImageTrainer().train(p)
            #expect(r.head != .identity(6) && r.head.isFinite && r.losses.allSatisfy(\.isFinite))
        }
        #expect(Self.problem(.offdiag).spectralHead == nil)
    }

    @Test("float32 follows the float64 run closely over two epochs")
    func precisionsAgree() throws {
        let single = try ImageTrainer().train(Self.problem(precision: .float32))
        let double = try ImageTrainer().train(Self.problem(precision: .float64))
        let error = (single.weights - double.weights).maxAbs / double.weights.maxAbs
        #expect(error <= 1e-3, "float32 vs float64 W after \(single.steps) steps: \(error)")
        #expect(abs(single.losses[1] - double.losses[1]) <= 1e-3 * double.losses[1])
    }

    @Test("the hook runs every evalEvery epochs and after the last, with the epoch's mean loss and the live network")
    func hookEpochs() throws {
        var seen: [(Int, Double)] = []
        var firstRepresentation: Matrix?
        let r = try ImageTrainer(evalEvery: 2).train(Self.problem(epochs: 5), hook: { s in
            seen.append((s.epoch, s.meanLoss))
            if firstRepresentation == nil { firstRepresentation = s.representation(of: Self.images) }
            #expect(s.weights == s.network.weights && s.maxNeuronCosine <= 1 && s.headDeviation >= s.headOffDiagonalMax)
        })
        #expect(seen.map(\.0) == [2, 4, 5])
        #expect(seen.map(\.1) == [r.losses[1], r.losses[3], r.losses[4]])
        #expect(firstRepresentation?.rows == 150 && firstRepresentation?.cols == 6)
    }

    @Test("outputs that overflow float32 fail with the epoch and step reached, not NaN weights")
    func divergenceThrows() throws {
        var p = Self.problem(.full)
        p.initScale = 1e14
        #expect {
            _ = try ImageTrainer().train(p)
        } throws: { error in
            guard let f = error as? ImageTrainingFailure else { return false }
            return f.epoch >= 1 && f.step >= 1 && f.description.hasPrefix("training failed at epoch")
        }
    }

    @Test("validation names the parameter: a patch larger than the image, too few images, EMA with stop-grad off")
    func validation() {
        var p = Self.problem()
        p.patches = ImagePatches(of: Self.images, size: 13)
        #expect(throws: ParameterError.self) { try p.validate() }
        p = Self.problem(); p.batch = 200
        #expect(throws: ParameterError.self) { try p.validate() }
        p = Self.problem(); p.target = .ema; p.stopGradient = .off
        #expect(throws: ParameterError.self) { try p.validate() }
        #expect(throws: Never.self) { try Self.problem().validate() }
    }

    /// The benchmark of issue 20 (not a timed test: it prints): one epoch of 60,000 random 28 × 28 images,
    /// m = 64, p = 7, batch 256, float32 and float64 on 1 and 2 threads.
    @Test("benchmark: seconds per epoch of 60,000 28×28 images, m = 64, p = 7, batch 256", .tags(.slow))
    func benchmark() throws {
        let images = randomImages(60_000, height: 28, width: 28, seed: 1)
        let setup = Date()
        _ = try PixelStandardization(training: images)
        print("benchmark: μ and s of 60,000 images \(String(format: "%.2f", Date().timeIntervalSince(setup))) s (once per run, inside each epoch figure below)")
        for precision in ImagePrecision.allCases {
            for threads in [1, 2] {
                var p = ImageTrainingProblem(images: images, patch: 7, neurons: 64, head: .offdiag, lr: 0.01, lrE: 0.001,
                                             batch: 256, epochs: 1, seed: 1)
                p.precision = precision
                let start = Date()
                let r = try ImageTrainer(threads: threads).train(p)
                let seconds = Date().timeIntervalSince(start)
                let t0 = Date()
                _ = r.network.representation(of: images)
                print("benchmark \(precision) threads \(threads): \(String(format: "%.2f", seconds)) s per epoch (loss \(r.losses[0])), representation of 60,000 images \(String(format: "%.2f", Date().timeIntervalSince(t0))) s")
                #expect(r.losses[0].isFinite)
            }
        }
    }
}
