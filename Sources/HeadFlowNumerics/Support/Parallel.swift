import Dispatch
import Synchronization

/// Runs independent work (seeds, grid cells) on all cores.
public enum Parallel {
    /// The number of cores the system reports.
    public static var coreCount: Int { System.activeProcessorCount }

    /// `items.map(body)` computed by up to `jobs` threads; results in input
    /// order, so the output does not depend on scheduling. `body` must not
    /// share mutable state across calls (each call owns its RNG, solver, …).
    public static func map<T: Sendable, R: Sendable>(_ items: [T], jobs: Int = Parallel.coreCount,
                                                     _ body: @Sendable (T) -> R) -> [R] {
        let n = items.count
        if n == 0 { return [] }
        let workers = max(1, min(jobs, n))
        if workers == 1 { return items.map(body) }
        let slots = SlotBuffer<R>(count: n)
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if i >= n { break }
                slots.set(i, body(items[i]))
            }
        }
        return slots.values()
    }

    /// Calls `body(i)` once for every `i` in `0..<count`, on up to `threads`
    /// threads (the caller's among them), and returns when all are done. Which
    /// thread runs which `i` is unspecified: `body` must write only what `i` owns.
    public static func forEach(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        let workers = max(1, min(threads, count))
        if workers == 1 { for i in 0..<count { body(i) }; return }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedBody(body)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    if i >= count { break }
                    shared.body(i)
                }
            }
        }
    }
}

/// A closure handed to worker threads that call it on disjoint indices.
private struct UncheckedBody: @unchecked Sendable {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
}

/// Write-once result slots, one per index, each written by exactly one thread.
private final class SlotBuffer<R>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<R?>
    private let count: Int
    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        base.initialize(repeating: nil, count: count)
    }
    deinit { base.deinitialize(count: count); base.deallocate() }
    func set(_ i: Int, _ v: R) { base[i] = v }
    func values() -> [R] { (0..<count).map { base[$0]! } }
}

/// Core count without Foundation.
enum System {
    static var activeProcessorCount: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 2
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
