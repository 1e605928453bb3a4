import HeadFlowNumerics
import HeadFlowDynamics

// MARK: - A sweep read from files trusts nothing it finds

/// A sweep's manifest, checked: the grid it names, its engine and its fingerprint.
public struct VerifiedManifest: Sendable {
    /// The grid rebuilt from the manifest's base parameters and axes.
    public let grid: SweepGrid
    /// The engine the manifest names, with its settings.
    public let engine: any SweepEngine
    /// `Fingerprint.of(manifest)`: every cell of this sweep records it.
    public let fingerprint: String

    /// Checks `manifest` (a store's `sweep.json`, a sweep JSON's `sweep`): the
    /// format; the engine's name and settings; the axes; `cells` an integer
    /// equal to the product of the axis lengths, within `1…SweepGrid.maximumCells`;
    /// the base parameters complete, well-typed and valid for the engine; and
    /// that the manifest is exactly the one this grid and engine write (nothing
    /// added or changed by hand). Throws a `SweepFileError` for `source`.
    public init(_ manifest: JSONValue, source: String) throws(SweepFileError) {
        func fail(_ why: String) -> SweepFileError { SweepFileError(source, why) }
        guard manifest["format"]?.stringValue == "headflow-sweep/1", let axesJSON = manifest["axes"]?.arrayValue else {
            throw fail("not a headflow sweep (no headflow-sweep/1 manifest)")
        }
        var axes: [SweepAxis] = []
        for a in axesJSON {
            guard let axis = SweepAxis(json: a), !axis.values.isEmpty else { throw fail("malformed axis \(RunSpec.short(a))") }
            axes.append(axis)
        }
        let total = CheckedArithmetic.product(axes.map(\.values.count))
        guard case .integer(let cells)? = manifest["cells"], let total, cells == total, (1...SweepGrid.maximumCells).contains(cells) else {
            throw fail("header: \"cells\" must be the number of grid cells (the product of the axis lengths, 1…\(SweepGrid.maximumCells)), got \(RunSpec.short(manifest["cells"] ?? .null))")
        }
        guard let engineJSON = manifest["engine"], let kind = engineJSON["name"]?.stringValue.flatMap(EngineKind.init(rawValue:)) else {
            throw fail("header: engine must be one of " + EngineKind.allCases.map(\.rawValue).joined(separator: ", ")
                       + ", got \(RunSpec.short(manifest["engine"]?["name"] ?? .null))")
        }
        let base: RunSpec
        do { base = try RunSpec(json: manifest["base"] ?? .null) } catch { throw fail("header: base parameters: \(error)") }
        do {
            grid = try SweepGrid(base: base, axes: axes)
            switch kind {
            case .population: engine = PopulationEngine()
            case .sgd:
                let training = try base.withTraining(engineJSON: engineJSON)
                if training.data.isImage {
                    guard let files = ImageEngine.files(json: engineJSON["files"]) else { throw ParameterError("files", must: "the data files' records", got: "nothing") }
                    engine = ImageEngine(base: training, files: files)
                } else {
                    engine = SGDEngine(base: training)
                }
            }
            try engine.validate(base)
        } catch { throw fail("header: invalid base parameters: \(error)") }
        guard grid.manifest(engine: engine.settingsJSON).rendered() == manifest.rendered() else {
            throw fail("header: the manifest is not the one this grid writes (a key was added, removed or changed by hand)")
        }
        fingerprint = Fingerprint.of(manifest)
    }

    /// Why `cell` does not belong to this sweep, or nil when it does: it must
    /// carry this manifest's fingerprint, the fingerprint of its own parameters,
    /// an index inside the grid, the values of that index, and the parameters
    /// the grid gives that index.
    public func mismatch(_ cell: CellResult) -> String? {
        guard let recorded = cell.recordedFingerprint else {
            return "cell \(cell.index) has no fingerprint (written by hand or by an older headflow)"
        }
        guard recorded.grid == fingerprint else {
            return "cell \(cell.index) belongs to another sweep (its grid fingerprint \(recorded.grid) is not this sweep's \(fingerprint))"
        }
        guard recorded.parameters == Fingerprint.of(cell.parameters) else {
            return "cell \(cell.index): its parameters were changed after it was written (fingerprint mismatch)"
        }
        guard cell.index >= 0, cell.index < grid.count, let expected = try? grid.cell(cell.index) else {
            return "cell \(cell.index) is outside this grid of \(grid.count) cells"
        }
        guard cell.values == expected.values else {
            return "cell \(cell.index): its values \(cell.values) contradict its index (expected \(expected.values))"
        }
        guard case .object(let fields) = expected.spec.json else { return nil }
        // An image cell records the parameters acting on images (`RunSpec.imageJSON`): the run record's keys it
        // holds are compared, but `init-scale`, which it records as resolved for its patch dimension.
        let image = engine is ImageEngine
        for (key, value) in fields where !(image && (cell.parameters[key] == nil || key == "init-scale")) && cell.parameters[key] != value {
            return "cell \(cell.index): parameter \(key) = \(RunSpec.short(cell.parameters[key] ?? .null)) is not this grid's \(RunSpec.short(value))"
        }
        return nil
    }
}

extension SweepResult {
    /// This result with its manifest and every cell checked (`VerifiedManifest`):
    /// what `merge`, `fit` and `plot` read. Throws for the first problem.
    public func verified(source: String) throws(SweepFileError) -> SweepResult {
        let v = try VerifiedManifest(manifest, source: source)
        for c in cells { if let why = v.mismatch(c) { throw SweepFileError(source, why) } }
        return self
    }
}

extension RunSpec {
    /// This spec with the training parameters of an SGD sweep's `engine` settings
    /// (what `SGDEngine.settingsJSON` writes), read entry by entry of
    /// `RunParameter.training`. Throws a `ParameterError` naming the key.
    public func withTraining(engineJSON j: JSONValue) throws(ParameterError) -> RunSpec {
        var s = self
        try s.read(j, entries: RunParameter.training, what: "engine settings")
        if s.data.isImage { try s.read(j, entries: RunParameter.imageEntries, what: "engine settings") }
        return s
    }
}
