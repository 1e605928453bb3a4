import HeadFlowNumerics
import HeadFlowModel
import HeadFlowDynamics

/// The fastest head (`FastestHeadSearch`) for every cell of a grid — one row per
/// cell, e.g. the optimum `η_E*/η` and its time `T*` over `α_2/α_1`
/// (`headflow fastest-head --vary alpha-ratio=…`). The cells are those of a
/// `SweepGrid` (same `--vary` specs, same row-major order); with no axis there is
/// one row, the base. Rows are solved on `jobs` threads (`WorkerPool`), results in
/// cell order, so the table never depends on `jobs`.
public struct FastestHeadTable: Sendable {
    /// One cell: its values on the axes, its run options and start, and the search's result.
    public struct Row: Sendable {
        /// The cell's value on each axis (empty without axes).
        public let values: [SweepValue]
        /// The cell's run options, with `η_E = 0.01 · η` (the paper's default rate, the reference run's).
        public let spec: RunSpec
        /// The start `(A(0), R(0), E(0))` every run of the cell used.
        public let start: ReducedState
        /// The search's result.
        public let result: FastestHead
    }

    /// The run options every cell starts from.
    public let base: RunSpec
    /// The varied parameters, in `--vary` order (may be empty).
    public let axes: [SweepAxis]
    /// The search run in every cell.
    public let search: FastestHeadSearch
    /// One row per cell, in cell order.
    public let rows: [Row]

    /// The validated cells of the table: `base` with each axis value set (the base alone without axes).
    /// Throws a `ParameterError` naming the parameter: an axis varying `η_E` (`eta-e`, `eta-e-ratio`: the
    /// searched rate), `eta-e` among `given` (the options the user gave), a given option that acts in no cell
    /// of the population flow, a cell whose head does not train (`none`, `directpred`, `directcopy`: `η_E` acts
    /// only on a trained head), or any invalid parameter or search setting of a cell.
    public static func cells(base: RunSpec, axes: [SweepAxis], search: FastestHeadSearch,
                             given: [RunParameter]) throws(ParameterError) -> [(values: [SweepValue], spec: RunSpec)] {
        if given.contains(where: { $0.name == "eta-e" }) {
            throw ParameterError("eta-e", actsOnly: "outside fastest-head (it searches η_E/η over --between)")
        }
        for axis in axes where axis.parameter.key == .etaERatio || axis.parameter.key == .named("eta-e") {
            throw ParameterError("vary", must: "a parameter other than eta-e and eta-e-ratio (fastest-head searches η_E/η over --between)",
                                 got: "\(axis.parameter.name)=\(axis.spec)")
        }
        var cells: [(values: [SweepValue], spec: RunSpec)]
        if axes.isEmpty {
            try base.validate()
            try base.checkActs(given, engine: .population)
            cells = [([], base)]
        } else {
            let grid = try SweepGrid(base: base, axes: axes)
            try grid.checkActs(given: given, engine: .population)
            cells = []
            for i in 0..<grid.count { let c = try grid.cell(i); cells.append((c.values, c.spec)) }
        }
        for (values, spec) in cells {
            let at = values.isEmpty ? "" : " at " + zip(axes, values).map { "\($0.parameter.name)=\($1)" }.joined(separator: ", ")
            do throws(ParameterError) {
                guard Self.trains(spec.head, neurons: spec.neurons) else {
                    let trained = HeadKind.allCases.filter { Self.trains($0, neurons: 2) }.map(\.rawValue).joined(separator: ", ")
                    throw ParameterError("head", must: "a trained head (\(trained)): η_E acts only there", got: spec.head.rawValue)
                }
                _ = try spec.problem()
                try search.validate(for: spec)
            } catch {
                throw at.isEmpty ? error : ParameterError(error.parameter, must: error.validRange, got: "\(error.received)\(at)")
            }
        }
        return cells
    }

    /// Whether `head` has a trainable entry for `m` neurons (so that `η_E` acts).
    static func trains(_ head: HeadKind, neurons m: Int) -> Bool {
        head.trainableMask(neurons: m).storage.contains { $0 != 0 }
    }

    /// Validates (`cells`) and runs the search in every cell on `jobs` threads: with one cell its scan runs on
    /// the threads, with several the cells do.
    public init(base: RunSpec, axes: [SweepAxis], search: FastestHeadSearch, given: [RunParameter],
                jobs: Int = WorkerPool.coreCount) throws(ParameterError) {
        let cells = try Self.cells(base: base, axes: axes, search: search, given: given)
        let inner = cells.count == 1 ? max(1, jobs) : 1
        let solved = WorkerPool.map(cells.map(\.spec), threads: cells.count == 1 ? 1 : max(1, jobs)) { spec in
            Result { () throws(ParameterError) -> (RunSpec, ReducedState, FastestHead) in
                let reference = spec.with { $0.etaE = FastestHeadSearch.paperRatio * $0.eta }
                return (reference, try reference.problem().start, try search.run(spec, threads: inner))
            }
        }
        var rows: [Row] = []
        for (cell, r) in zip(cells, solved) {
            let (spec, start, result) = try r.get()
            rows.append(Row(values: cell.values, spec: spec, start: start, result: result))
        }
        self.base = base; self.axes = axes; self.search = search; self.rows = rows
    }
}
