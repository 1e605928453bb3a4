import Synchronization
import HeadFlowNumerics

/// Runs the cells of a grid on up to `jobs` threads (a `WorkerPool`). Each finished cell is
/// handed to `finished` at once (serialized: one call at a time) — the store
/// writes it there, the CLI advances its progress bar — and the results come
/// back ordered by cell index, so the output never depends on `--jobs`.
public struct SweepRunner: Sendable {
    /// The grid.
    public let grid: SweepGrid
    /// What solves a cell.
    public let engine: any SweepEngine
    /// Worker threads (at least 1).
    public let jobs: Int

    /// A runner of `grid` with `engine` on `jobs` threads.
    public init(grid: SweepGrid, engine: any SweepEngine, jobs: Int = WorkerPool.coreCount) {
        self.grid = grid; self.engine = engine; self.jobs = max(1, jobs)
    }

    /// Runs `cells` (indices into the grid). `finished(result)` is called as
    /// each completes; if it throws, no new cell is started and the error is
    /// rethrown after the running ones finish (their results are dropped).
    public func run<E: Error>(_ cells: [Int], finished: @escaping @Sendable (CellResult) throws(E) -> Void) throws(E) -> [CellResult] {
        let n = cells.count
        if n == 0 { return [] }
        let state = RunnerState<E>(count: n)
        let grid = self.grid, engine = self.engine
        // Once the sink has thrown, the cells still unclaimed return at once.
        WorkerPool(threads: min(jobs, n)).run(n) { i in
            if state.stopped { return }
            let result: CellResult
            do throws(ParameterError) { result = engine.run(try grid.cell(cells[i])) } catch {
                result = CellResult(index: cells[i], values: [], parameters: .null, rejected: error.description)
            }
            state.finish(i, result, finished)
        }
        if let e = state.error { throw e }
        return state.results()
    }
}

/// Results in input order plus the first sink error; every access under one lock.
private final class RunnerState<E: Error>: @unchecked Sendable {
    private let lock = Mutex<Void>(())
    private var slots: [CellResult?]
    private(set) var error: E?
    private var stop = false

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    var stopped: Bool { lock.withLock { _ in stop } }

    func finish(_ i: Int, _ r: CellResult, _ sink: (CellResult) throws(E) -> Void) {
        lock.withLock { _ in
            guard !stop else { return }
            do throws(E) { try sink(r); slots[i] = r } catch { self.error = error; stop = true }
        }
    }

    func results() -> [CellResult] { slots.compactMap { $0 } }
}
