import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel

/// A random image set: `n` images `h × w × c`, pixels uniform on [0, 1] (float32), labels 0…9.
func randomImages(_ n: Int, height: Int = 10, width: Int = 10, channels: Int = 1, seed: UInt64 = 1) -> ImageSet {
    let source = RandomSource(seed: seed)
    let pixels = (0..<(n * height * width * channels)).map { _ in Float(source.uniform()) }
    return ImageSet(count: n, height: height, width: width, channels: channels, pixels: pixels,
                    labels: (0..<n).map { _ in source.uniformInt(10) })
}

/// The image network reproduces `BatchObjective` on its own views (docs/MODEL.md §2 on images).
@Suite("Image network: the paper's patch network on images, through OpenBLAS")
struct ImageNetworkTests {
    static let images = randomImages(45, height: 10, width: 10, channels: 2)
    static let patches = ImagePatches(of: images, size: 4, stride: 3)   // 3 × 3 patches, d = 32
    static let m = 5

    static func network(_ precision: ImagePrecision, weights: Matrix, views: ImageViewRule = ImageViewRule(),
                        activation: ImageActivation = .cube, threads: Int = 2) throws -> ImageNetwork {
        ImageNetwork(patches: patches, neurons: m, activation: activation, views: views, precision: precision,
                     standardization: try PixelStandardization(training: images), batch: 40, weights: weights, threads: threads)
    }

    /// `E` for a head variant: `I`, `I` + off-diagonal noise, or a full random matrix.
    static func head(_ kind: HeadKind, _ source: RandomSource) -> Matrix {
        switch kind {
        case .none: return .identity(m)
        case .offdiag:
            var e = source.gaussianMatrix(rows: m, cols: m, sigma: 0.2)
            for j in 0..<m { e[j, j] = 1 }
            return e
        default: return .identity(m) + source.gaussianMatrix(rows: m, cols: m, sigma: 0.3)
        }
    }

    /// `max |x − y| / max |y|` over two matrices.
    static func relative(_ x: Matrix, _ y: Matrix) -> Double { (x - y).maxAbs / max(y.maxAbs, 1e-300) }

    static let cases: [(HeadKind, StopGradientRule, Bool)] = [
        (.none, .on, false), (.offdiag, .on, false), (.full, .on, false),
        (.none, .off, false), (.offdiag, .off, false), (.full, .off, true), (.offdiag, .on, true),
    ]

    @Test("float64: loss, ∂L/∂W and ∂L/∂E equal BatchObjective.evaluate on the same views to 1e-12 (heads none/offdiag/full, stop-grad on/off, with and without augmentations)",
          arguments: cases)
    func agreesWithBatchObjective(head: HeadKind, stopGradient: StopGradientRule, augment: Bool) throws {
        let source = RandomSource(seed: 11)
        let w = source.gaussianMatrix(rows: Self.patches.dimension, cols: Self.m, sigma: 0.3)
        let e = Self.head(head, source)
        let views = augment ? ImageViewRule(maskProbability: 0.4, shift: 2, flip: true, noise: 0.1) : ImageViewRule()
        let indices = Array((0..<40).map { ($0 * 7) % 45 })
        let reference = BatchObjective()
        for precision in ImagePrecision.allCases {
            let net = try Self.network(precision, weights: w, views: views)
            let batch = net.sampleBatch(Self.images, indices: indices, visit: 100, seed: 3)
            let expected = try reference.evaluate(batch, weights: net.weights, head: e, stopGradient: stopGradient)
            let got = try net.evaluate(Self.images, indices: indices, visit: 100, seed: 3, head: e, stopGradient: stopGradient)
            let tolerance = precision == .float64 ? 1e-12 : 1e-5
            let lossError = abs(got.loss - expected.loss) / expected.loss
            let wError = Self.relative(got.gradW, expected.gradW), eError = Self.relative(got.gradE, expected.gradE)
            #expect(lossError <= tolerance && wError <= tolerance && eError <= tolerance,
                    "\(precision) \(head) stop-grad \(stopGradient): loss \(lossError), ∂W \(wError), ∂E \(eError)")
            print("agreement \(precision) head \(head) stop-grad \(stopGradient) augment \(augment): loss \(lossError), ∂L/∂W \(wError), ∂L/∂E \(eError)")
        }
    }

    /// Image geometries whose patch rows take every branch of the gather: 8-wide with the last patch row by
    /// value (28×28, p = 7), a patch row longer than 8 (9×9×3, p = 3: 9 values), overlapping patches
    /// (12×12, p = 5, stride 2), images narrower than 7 values (6×3, p = 2: value by value), p = 1 (5×5×2: d = 2).
    static let geometries: [(height: Int, width: Int, channels: Int, patch: Int, stride: Int)] = [
        (28, 28, 1, 7, 7), (9, 9, 3, 3, 3), (12, 12, 1, 5, 2), (6, 3, 1, 2, 1), (5, 5, 2, 1, 1), (10, 10, 2, 4, 3),
    ]

    @Test("every geometry, m = 12 and 16 (8 lanes, and a tail): view rows are the standardized patches; float64 and float32 equal BatchObjective; representation equals Network.outputs",
          arguments: geometries, [12, 16])
    func geometriesAndWidths(geometry: (height: Int, width: Int, channels: Int, patch: Int, stride: Int), m: Int) throws {
        let images = randomImages(30, height: geometry.height, width: geometry.width, channels: geometry.channels, seed: 21)
        let patches = ImagePatches(of: images, size: geometry.patch, stride: geometry.stride)
        let std = try PixelStandardization(training: images)
        let source = RandomSource(seed: 22)
        let w = source.gaussianMatrix(rows: patches.dimension, cols: m, sigma: 0.5 / Double(patches.dimension).squareRoot())
        let e = Matrix.identity(m) + source.gaussianMatrix(rows: m, cols: m, sigma: 0.2)
        func network(_ precision: ImagePrecision, threads: Int = 2) -> ImageNetwork {
            ImageNetwork(patches: patches, neurons: m, precision: precision, standardization: std, batch: 24, weights: w, threads: threads)
        }
        let indices = (0..<24).map { ($0 * 11) % 30 }
        let batch = network(.float64).sampleBatch(images, indices: indices, visit: 7, seed: 5)
        let (p, d) = (patches.count, patches.dimension)
        var worst = 0.0
        for (i, image) in indices.enumerated() {
            for patch in 0..<p {
                var k = 0
                for a in 0..<patches.size {
                    for t in 0..<(patches.size * patches.channels) {
                        let pixel = patches.origin(patch) + a * patches.width * patches.channels + t
                        let expected = (Double(images.pixels[image * images.imageSize + pixel]) - std.mean[pixel]) / std.scale
                        worst = max(worst, abs(batch.view1[i * p + patch, k] + batch.view2[i * p + patch, k] - expected))
                        k += 1
                    }
                }
                #expect(k == d)
            }
        }
        #expect(worst <= 1e-12, "\(geometry): largest error of a view value \(worst)")
        let expected = try BatchObjective().evaluate(batch, weights: w, head: e)
        for precision in ImagePrecision.allCases {
            let got = try network(precision).evaluate(images, indices: indices, visit: 7, seed: 5, head: e)
            let tolerance = precision == .float64 ? 1e-12 : 1e-5
            let errors = (abs(got.loss - expected.loss) / expected.loss, Self.relative(got.gradW, expected.gradW),
                          Self.relative(got.gradE, expected.gradE))
            #expect(errors.0 <= tolerance && errors.1 <= tolerance && errors.2 <= tolerance, "\(geometry) m = \(m) \(precision): \(errors)")
        }
        let whole = Network.outputs(batch.view1 + batch.view2, patches: p, weights: w)
        let f64 = network(.float64, threads: 1).representation(of: images), f32 = network(.float32).representation(of: images)
        for (i, image) in indices.enumerated() {
            for j in 0..<m {
                #expect(abs(f64[image, j] - whole[i, j]) <= 1e-12 * max(1, abs(whole[i, j])))
                #expect(abs(f32[image, j] - whole[i, j]) <= 1e-5 * max(1, abs(whole[i, j])))
            }
        }
        #expect(network(.float64, threads: 3).representation(of: images) == f64)
    }

    @Test("backpropagate (the loss's products through OpenBLAS) equals forward + BatchNormLoss.evaluate + backward to rounding; the same bits for any thread count",
          arguments: ImagePrecision.allCases, [StopGradientRule.on, .off])
    func backpropagateIsBatchNormLoss(precision: ImagePrecision, stopGradient: StopGradientRule) throws {
        let m = 12, source = RandomSource(seed: 23)
        let w = source.gaussianMatrix(rows: Self.patches.dimension, cols: m, sigma: 0.3)
        let e = Matrix.identity(m) + source.gaussianMatrix(rows: m, cols: m, sigma: 0.3)
        func network(threads: Int) throws -> ImageNetwork {
            ImageNetwork(patches: Self.patches, neurons: m, precision: precision, standardization: try PixelStandardization(training: Self.images),
                         batch: 40, weights: w, threads: threads)
        }
        let indices = Array((0..<37).map { ($0 * 5) % 45 })
        let net = try network(threads: 2)
        let (f1, f2) = net.forward(Self.images, indices: indices, visit: 3, seed: 8)
        let reference = try BatchNormLoss().evaluate(online: f1, target: f2, head: e, throughTarget: stopGradient == .off)
        net.backward(online: reference.onlineGradient, target: reference.targetGradient)
        let referenceW = net.weightGradient
        net.propagate(Self.images, indices: indices, visit: 3, seed: 8)
        #expect(net.outputs.online == f1 && net.outputs.target == f2)
        let got = try net.backpropagate(head: e, stopGradient: stopGradient)
        // The products sum in another order: float64 rounding; ∂L/∂W is then rounded to the network's precision.
        let wTolerance = precision == .float64 ? 1e-13 : 1e-6
        #expect(abs(got.loss - reference.loss) <= 1e-14 * reference.loss)
        #expect(Self.relative(got.gradE, reference.gradE) <= 1e-13)
        #expect(zip(got.correlations, reference.correlations).allSatisfy { abs($0 - $1) <= 1e-14 })
        let gotW = net.weightGradient
        #expect(Self.relative(gotW, referenceW) <= wTolerance)
        // F formed by the forward pass's threads (given E) is F = f⁽¹⁾ Eᵀ, and is used with that E only.
        net.propagate(Self.images, indices: indices, visit: 3, seed: 8, head: e)
        let formed = try net.backpropagate(head: e, stopGradient: stopGradient)
        #expect(abs(formed.loss - got.loss) <= 1e-14 * got.loss && Self.relative(formed.gradE, got.gradE) <= 1e-13)
        #expect(Self.relative(net.weightGradient, gotW) <= wTolerance)
        net.propagate(Self.images, indices: indices, visit: 3, seed: 8)
        let identity = try net.backpropagate(head: .identity(m), stopGradient: stopGradient)
        net.propagate(Self.images, indices: indices, visit: 3, seed: 8, head: e)
        #expect(try net.backpropagate(head: .identity(m), stopGradient: stopGradient).loss == identity.loss)
        for threads in [1, 3] {
            let other = try network(threads: threads)
            other.propagate(Self.images, indices: indices, visit: 3, seed: 8)
            let again = try other.backpropagate(head: e, stopGradient: stopGradient)
            #expect(again.loss == got.loss && again.gradE == got.gradE && other.weightGradient == gotW)
        }
    }

    @Test("backpropagate throws BatchNormLoss's errors: zero variance (W = 0) names the online F_1; overflowing online, then target, outputs are non-finite")
    func backpropagateErrors() throws {
        let std = try PixelStandardization(training: Self.images)
        func network(_ w: Matrix) -> ImageNetwork {
            ImageNetwork(patches: Self.patches, neurons: Self.m, precision: .float64, standardization: std, batch: 40, weights: w)
        }
        let e = Matrix.identity(Self.m), indices = Array(0..<20)
        func errors(_ net: ImageNetwork) -> (DegenerateBatch?, DegenerateBatch?) {
            let (f1, f2) = net.forward(Self.images, indices: indices, visit: 0, seed: 1)
            var expected: DegenerateBatch?, got: DegenerateBatch?
            do { _ = try BatchNormLoss().evaluate(online: f1, target: f2, head: e) } catch { expected = error }
            do { _ = try net.backpropagate(head: e) } catch { got = error }
            return (expected, got)
        }
        let zero = errors(network(Matrix(rows: Self.patches.dimension, cols: Self.m)))
        #expect(zero.0 == .zeroVariance(branch: .online, coordinate: 1, variance: 0) && zero.1 == zero.0)
        let huge = Matrix(rows: Self.patches.dimension, cols: Self.m, repeating: 1e120)
        let online = errors(network(huge))
        #expect(online.0 == .nonFinite(quantity: "online output f(X⁽¹⁾)") && online.1 == online.0)
        let net = network(RandomSource(seed: 24).gaussianMatrix(rows: Self.patches.dimension, cols: Self.m, sigma: 0.3))
        net.targetWeights = huge
        let target = errors(net)
        #expect(target.0 == .nonFinite(quantity: "target output f(X⁽²⁾)") && target.1 == target.0)
    }

    @Test("an EMA target W_tg on view 2 gives BatchObjective's loss and gradients with targetWeights (float64)")
    func agreesWithTargetWeights() throws {
        let source = RandomSource(seed: 12)
        let w = source.gaussianMatrix(rows: Self.patches.dimension, cols: Self.m, sigma: 0.3)
        let tg = w + source.gaussianMatrix(rows: Self.patches.dimension, cols: Self.m, sigma: 0.05)
        let e = Self.head(.full, source)
        let net = try Self.network(.float64, weights: w)
        net.targetWeights = tg
        let indices = Array(0..<33)
        let batch = net.sampleBatch(Self.images, indices: indices, visit: 0, seed: 9)
        let expected = try BatchObjective().evaluate(batch, weights: w, head: e, targetWeights: tg)
        let got = try net.evaluate(Self.images, indices: indices, visit: 0, seed: 9, head: e)
        #expect(abs(got.loss - expected.loss) <= 1e-12 * expected.loss)
        #expect(Self.relative(got.gradW, expected.gradW) <= 1e-12 && Self.relative(got.gradE, expected.gradE) <= 1e-12)
    }

    @Test("∂L/∂W equals central finite differences (cube and relu; stop-gradient on with the target held at W, and off)",
          arguments: [(ImageActivation.cube, StopGradientRule.on), (.cube, .off), (.relu, .on)])
    func finiteDifferences(activation: ImageActivation, stopGradient: StopGradientRule) throws {
        let source = RandomSource(seed: 13)
        let w = source.gaussianMatrix(rows: Self.patches.dimension, cols: Self.m, sigma: 0.3)
        let e = Self.head(.full, source)
        let net = try Self.network(.float64, weights: w, activation: activation)
        let indices = Array(0..<24)
        // L at online weights x, the same views (visit, seed); under stop-gradient the target stays at W.
        func loss(_ x: Matrix) throws -> Double {
            net.weights = x
            net.targetWeights = stopGradient == .on ? w : nil
            return try net.evaluate(Self.images, indices: indices, visit: 5, seed: 2, head: e, stopGradient: stopGradient).loss
        }
        let analytic = try net.evaluate(Self.images, indices: indices, visit: 5, seed: 2, head: e, stopGradient: stopGradient).gradW
        let h = 1e-6
        for idx in stride(from: 0, to: w.storage.count, by: 7) {
            var wp = w, wm = w
            wp.storage[idx] += h; wm.storage[idx] -= h
            let fd = (try loss(wp) - loss(wm)) / (2 * h)
            #expect(abs(fd - analytic.storage[idx]) <= 1e-5 * max(1, abs(fd)),
                    "\(activation) stop-grad \(stopGradient) ∂L/∂W[\(idx / Self.m), \(idx % Self.m)]: analytic \(analytic.storage[idx]), fd \(fd)")
        }
    }

    @Test("without augmentations each view row is a standardized patch of its image; the mask sends ≈ q of the patches to view 1")
    func viewsArePatches() throws {
        let w = Matrix(rows: Self.patches.dimension, cols: Self.m)
        let q = 0.3
        let net = try Self.network(.float64, weights: w, views: ImageViewRule(maskProbability: q))
        let std = net.standardization
        let indices = Array(0..<40)
        let batch = net.sampleBatch(Self.images, indices: indices, visit: 0, seed: 4)
        let p = Self.patches.count, d = Self.patches.dimension, g = Self.patches
        var inView1 = 0
        for i in 0..<40 {
            for patch in 0..<p {
                let row = i * p + patch
                let one = (0..<d).contains { batch.view1[row, $0] != 0 }, two = (0..<d).contains { batch.view2[row, $0] != 0 }
                #expect(one != two, "patch \(patch) of image \(i) must be in exactly one view")
                if one { inView1 += 1 }
                let view = one ? batch.view1 : batch.view2
                var k = 0
                for a in 0..<g.size {
                    for t in 0..<(g.size * g.channels) {
                        let pixel = g.origin(patch) + a * g.width * g.channels + t
                        let expected = (Double(Self.images.pixels[i * Self.images.imageSize + pixel]) - std.mean[pixel]) / std.scale
                        #expect(abs(view[row, k] - expected) <= 1e-12)
                        k += 1
                    }
                }
            }
            #expect(batch.featurePatchesInView1[i] == (0..<p).filter { pp in (0..<d).contains { batch.view1[i * p + pp, $0] != 0 } }.count)
        }
        let fraction = Double(inView1) / Double(40 * p), sd = (q * (1 - q) / Double(40 * p)).squareRoot()
        #expect(abs(fraction - q) <= 4 * sd, "view-1 fraction \(fraction), q = \(q)")
    }

    @Test("a flip leaves the views of left–right symmetric images unchanged; shift and noise (σ/s per scaled pixel) change them")
    func augmentations() throws {
        var symmetric = Self.images
        let (h, wd, c) = (symmetric.height, symmetric.width, symmetric.channels)
        for i in 0..<symmetric.count { for y in 0..<h { for x in 0..<(wd / 2) { for ch in 0..<c {
            symmetric.pixels[((i * h + y) * wd + (wd - 1 - x)) * c + ch] = symmetric.pixels[((i * h + y) * wd + x) * c + ch]
        } } } }
        let std = try PixelStandardization(training: symmetric)
        func batch(_ views: ImageViewRule) -> SampleBatch {
            ImageNetwork(patches: ImagePatches(of: symmetric, size: 5), neurons: Self.m, views: views, standardization: std,
                         batch: 40, weights: Matrix(rows: 50, cols: Self.m))
                .sampleBatch(symmetric, indices: Array(0..<40), visit: 0, seed: 1)
        }
        let plain = batch(ImageViewRule()), flipped = batch(ImageViewRule(flip: true))
        #expect(flipped.view1 == plain.view1 && flipped.view2 == plain.view2)
        #expect((batch(ImageViewRule(shift: 2)).view1 - plain.view1).maxAbs > 0)
        let noisy = batch(ImageViewRule(noise: 0.05))
        let diff = (noisy.view1 + noisy.view2) - (plain.view1 + plain.view2)
        let rms = (diff.storage.reduce(0) { $0 + $1 * $1 } / Double(diff.storage.count)).squareRoot()
        #expect(abs(rms - 0.05 / std.scale) <= 0.1 * 0.05 / std.scale, "noise rms \(rms), expected \(0.05 / std.scale)")
    }

    @Test("representation: f_j(X) = Σ_p ⟨w_j, X_p⟩³ over all P patches of each whole image, for any thread count")
    func representation() throws {
        let source = RandomSource(seed: 14)
        let w = source.gaussianMatrix(rows: Self.patches.dimension, cols: Self.m, sigma: 0.3)
        let net = try Self.network(.float64, weights: w, threads: 1)
        let f = net.representation(of: Self.images)
        let all = net.sampleBatch(Self.images, indices: Array(0..<40), visit: 0, seed: 1)
        let whole = all.view1 + all.view2
        let expected = Network.outputs(whole, patches: Self.patches.count, weights: w)
        for i in 0..<40 { for j in 0..<Self.m { #expect(abs(f[i, j] - expected[i, j]) <= 1e-12 * max(1, abs(expected[i, j]))) } }
        #expect(try Self.network(.float64, weights: w, threads: 3).representation(of: Self.images) == f)
    }

    @Test("standardization: every pixel has mean 0 over the training set and the mean variance is 1; constant images are rejected")
    func standardization() throws {
        let std = try PixelStandardization(training: Self.images)
        let size = Self.images.imageSize, n = Self.images.count
        var meanSquare = 0.0
        for k in 0..<size {
            var s = 0.0
            for i in 0..<n { let x = (Double(Self.images.pixels[i * size + k]) - std.mean[k]) / std.scale; s += x; meanSquare += x * x }
            #expect(abs(s / Double(n)) <= 1e-12)
        }
        #expect(abs(meanSquare / Double(n * size) - 1) <= 1e-12)
        let constant = ImageSet(count: 3, height: 2, width: 2, pixels: Array(repeating: 0.5, count: 12), labels: [0, 1, 2])
        #expect(throws: ParameterError.self) { try PixelStandardization(training: constant) }
    }

    @Test("diagnostics: duplicated neurons have |cos| 1; max |E_jr| and ‖E − I‖_F")
    func diagnostics() {
        var w = Matrix([[1, 0, 2], [0, 1, -4]])
        #expect(abs(NetworkDiagnostics.maxNeuronCosine(w) - 4 / 20.0.squareRoot()) <= 1e-15)
        w[0, 2] = -1; w[1, 2] = 0
        #expect(NetworkDiagnostics.maxNeuronCosine(w) == 1)
        let e = Matrix([[1, -0.5], [0.25, 2]])
        #expect(NetworkDiagnostics.headOffDiagonalMax(e) == 0.5)
        #expect(abs(NetworkDiagnostics.headDeviation(e) - (0.25 + 0.0625 + 1).squareRoot()) <= 1e-15)
    }
}
