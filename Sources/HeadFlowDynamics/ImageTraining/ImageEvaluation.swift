import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// What an evaluation of the image network measures (issue 20 point 4), as SSL papers report it, on the
/// representation `f(X)` of whole images (no mask): the probes' test accuracies, the ranks of the
/// standardised training features, and the network's own diagnostics.
public struct ImageEvaluation: Sendable, Equatable {
    /// Epochs done (0: the network at its start); nil for a baseline that is not the network (raw pixels).
    public var epoch: Int?
    /// The mean batch loss `L̂` over the epoch just done (nil at the start and for baselines).
    public var loss: Double?
    /// `erank` of the standardised training features (Roy–Vetterli on their correlation matrix).
    public var erank: Double
    /// `rankme` of the standardised training features (Garrido et al.).
    public var rankme: Double
    /// Test accuracy of the linear probe (`LinearProbe`), in `[0, 1]`.
    public var linearProbe: Double
    /// Test accuracy of the weighted kNN (`WeightedKNN`: k = 20, cosine, T = 0.07), in `[0, 1]`.
    public var knn: Double
    /// `max_{j≠r} |cos(w_j, w_r)|`: 1 when two neurons are duplicates (nil for raw pixels).
    public var maxNeuronCos: Double?
    /// `max_{j≠r} |E_jr|` (nil for raw pixels).
    public var headOffdiagMax: Double?
    /// `‖E − I‖_F` (nil for raw pixels).
    public var headDev: Double?

    /// The measurements by the names of the JSON, CSV and sweep outcomes (`linear_probe`, `knn`, `erank`, …);
    /// nil where not measured.
    public var metrics: [(name: String, value: Double?)] {
        [("loss", loss), ("erank", erank), ("rankme", rankme), ("linear_probe", linearProbe), ("knn", knn),
         ("max_neuron_cos", maxNeuronCos), ("head_offdiag_max", headOffdiagMax), ("head_dev", headDev)]
    }

    /// `{epoch, loss, erank, rankme, linear_probe, knn, max_neuron_cos, head_offdiag_max, head_dev}` (null where
    /// not measured): one entry of the `evaluations` list of `train` and of an image sweep's cells.
    public var json: JSONValue {
        .object([("epoch", epoch.map { .integer($0) } ?? .null)] + metrics.map { ($0.name, $0.value.map(JSONValue.number) ?? .null) })
    }

    /// The names of `metrics`.
    public static let metricNames = ["loss", "erank", "rankme", "linear_probe", "knn", "max_neuron_cos", "head_offdiag_max", "head_dev"]
}

/// Evaluates representations of a training and a test set: `erank`/`rankme` of the training features,
/// the linear probe and the weighted kNN fitted on the training features and scored on the test ones.
/// Same bits on any number of threads (as its probes).
public struct ImageEvaluator: Sendable {
    /// The images the probes fit on (the run's training images).
    public let train: ImageSet
    /// The images the probes are scored on.
    public let test: ImageSet
    /// The linear probe.
    public var probe: LinearProbe
    /// The kNN classifier.
    public var knn: WeightedKNN

    /// An evaluator of `train`/`test` with the default probes on `threads` threads.
    public init(train: ImageSet, test: ImageSet, threads: Int = WorkerPool.coreCount) {
        self.train = train; self.test = test
        probe = LinearProbe(threads: threads); knn = WeightedKNN(threads: threads)
    }

    /// The ranks and probe accuracies of features `trainFeatures` (rows: `train`'s images) and `testFeatures`.
    public func measure(trainFeatures: Matrix, testFeatures: Matrix) -> ImageEvaluation {
        let rank = FeatureRank(features: trainFeatures)
        let linear = probe.evaluate(train: trainFeatures, trainLabels: train.labels, test: testFeatures, testLabels: test.labels)
        let neighbours = knn.accuracy(train: trainFeatures, trainLabels: train.labels, test: testFeatures, testLabels: test.labels)
        return ImageEvaluation(epoch: nil, loss: nil, erank: rank.erank, rankme: rank.rankMe, linearProbe: linear.accuracy,
                               knn: neighbours)
    }

    /// The trained network at a snapshot (call during `ImageTrainer`'s hook).
    public func evaluate(_ snapshot: ImageTrainingSnapshot) -> ImageEvaluation {
        var e = measure(trainFeatures: snapshot.representation(of: train), testFeatures: snapshot.representation(of: test))
        e.epoch = snapshot.epoch; e.loss = snapshot.meanLoss
        e.maxNeuronCos = snapshot.maxNeuronCosine; e.headOffdiagMax = snapshot.headOffDiagonalMax; e.headDev = snapshot.headDeviation
        return e
    }

    /// The network of `problem` at its start `W(0)`, `E(0)` (epoch 0, untrained).
    public func untrained(_ problem: ImageTrainingProblem, threads: Int = 1) throws(ParameterError) -> ImageEvaluation {
        let start = problem.initialState()
        let network = problem.network(weights: start.weights, standardization: try PixelStandardization(training: problem.images),
                                      threads: threads)
        var e = measure(trainFeatures: network.representation(of: train), testFeatures: network.representation(of: test))
        e.epoch = 0
        e.maxNeuronCos = NetworkDiagnostics.maxNeuronCosine(start.weights)
        e.headOffdiagMax = NetworkDiagnostics.headOffDiagonalMax(start.head)
        e.headDev = NetworkDiagnostics.headDeviation(start.head)
        return e
    }

    /// The raw pixels as features (values in `[0, 1]`, `H·W·C` per image; the probes standardise them).
    public func rawPixels() -> ImageEvaluation {
        measure(trainFeatures: Self.pixelMatrix(train), testFeatures: Self.pixelMatrix(test))
    }

    /// The pixels of `images` as an `N × (H·W·C)` matrix.
    static func pixelMatrix(_ images: ImageSet) -> Matrix {
        Matrix(rows: images.count, cols: images.imageSize, storage: images.pixels.map(Double.init))
    }
}
