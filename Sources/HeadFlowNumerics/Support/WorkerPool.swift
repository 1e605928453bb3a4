import CPhilox
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The one way headflow runs many things in parallel: a fixed team of `threads − 1`
/// persistent helper threads that, with the caller, run the indices of one job at a time.
///
/// A job is `0..<count`, a partition fixed by the caller (grid cells, seeds, the chunks of
/// an SGD batch — see `partition(_:parts:)`), never by the number of threads. `run` calls
/// `body(i)` once for every index; `map` returns `body(i)` in index order. Which thread runs
/// which index is unspecified, so a body that writes only what its index owns, and a
/// reduction over the results in index order on the caller, give the same bits for any
/// `threads` and any scheduling.
///
/// Helpers live as long as the pool: a solver that runs a job per step (microseconds) owns
/// one and wakes no thread pool per step. Between jobs a helper polls for the next one for a
/// short while (≈ 0.1 ms, yielding the core now and then), then sleeps on a semaphore until
/// woken, so an idle pool costs nothing; the caller, once no index is left to claim, polls
/// ≈ 20 µs for the helpers' last ones and then sleeps until the last one ends.
///
/// One caller at a time per pool (its owner). Pools nest: a body may make and run its own.
public final class WorkerPool: @unchecked Sendable {
    /// The number of cores the system reports.
    public static var coreCount: Int { System.activeProcessorCount }

    /// Threads taking part in a job, the caller's included (1 … 65).
    public let threads: Int
    private let core: Core
    private var handles: [pthread_t] = []

    /// A pool of `threads` threads, the caller's included (clamped to 1 … 65; with 1, a job is
    /// a plain loop on the caller's thread and no thread is started).
    public init(threads: Int) {
        self.threads = min(max(1, threads), 65)
        core = Core(helpers: self.threads - 1)
        for h in 0..<(self.threads - 1) {
            let context = Unmanaged.passRetained(Helper(core: core, index: h)).toOpaque()
            var handle = pthread_t()
            let status = pthread_create(&handle, nil, { raw in
                let helper = Unmanaged<Helper>.fromOpaque(raw!).takeRetainedValue()
                helper.core.serve(helper.index)
                return nil
            }, context)
            if status == 0 { handles.append(handle) } else {
                Unmanaged<Helper>.fromOpaque(context).release()
            }
        }
    }

    deinit {
        core.stop()
        for handle in handles { pthread_join(handle, nil) }
    }

    /// `parts` contiguous non-empty ranges covering `0..<count` (`min(parts, count)` of them,
    /// part `c` is `c·count/parts ..< (c+1)·count/parts`): a partition fixed by `count` and
    /// `parts` alone, never by the number of threads.
    public static func partition(_ count: Int, parts: Int) -> [Range<Int>] {
        let p = min(max(1, parts), count)
        if p <= 0 { return [] }
        return (0..<p).map { c in (c * count / p)..<((c + 1) * count / p) }
    }

    /// Calls `body(i)` once for every `i` in `0..<count` on the pool's threads (the caller's
    /// among them) and returns when all are done. `body` must write only what `i` owns.
    public func run(_ count: Int, _ body: (Int) -> Void) {
        if threads == 1 || count <= 1 || handles.isEmpty { for i in 0..<count { body(i) }; return }
        withoutActuallyEscaping(body) { body in
            var start = 0
            while start < count {
                let length = min(count - start, Core.maxIndices), offset = start
                if offset == 0 { core.run(length, body) } else { core.run(length) { body(offset + $0) } }
                start += length
            }
        }
    }

    /// `[body(0), …, body(count − 1)]`, computed on the pool's threads; the results are in
    /// index order, so they do not depend on scheduling.
    public func map<R>(_ count: Int, _ body: (Int) -> R) -> [R] {
        if count <= 0 { return [] }
        let slots = SlotBuffer<R>(count: count)
        run(count) { i in slots.set(i, body(i)) }
        return slots.values()
    }

    /// `items.map(body)` on a pool of up to `threads` threads made for the call (at most one
    /// per item); results in input order. `body` must not share mutable state across calls
    /// (each call owns its RNG, solver, …).
    public static func map<T: Sendable, R: Sendable>(_ items: [T], threads: Int = WorkerPool.coreCount,
                                                     _ body: @Sendable (T) -> R) -> [R] {
        WorkerPool(threads: min(threads, items.count)).map(items.count) { body(items[$0]) }
    }

    private final class Helper {
        let core: Core, index: Int
        init(core: Core, index: Int) { self.core = core; self.index = index }
    }

    /// The shared state: `state` packs the job's generation (high 32 bits), its index count
    /// (16 bits) and the next unclaimed index (low 16 bits), so a helper claims an index of the
    /// job it saw with one compare-and-swap, and never one of a later job.
    private final class Core: @unchecked Sendable {
        /// The most indices one `run` of the core takes (the pool's `run` slices longer jobs).
        static let maxIndices = 0xFFFF
        let state = Atomic<UInt64>(0)
        let finished = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        /// Bit `h` set: helper `h` is (about to be) asleep on `wake[h]`.
        let sleeping = Atomic<UInt64>(0)
        let wake: [UnsafeMutablePointer<sem_t>]
        /// The caller is (about to be) asleep on `callerWake`, waiting for the last index of a job.
        let callerWaiting = Atomic<Bool>(false)
        let callerWake: UnsafeMutablePointer<sem_t> = .allocate(capacity: 1)
        var body: ((Int) -> Void)?
        var generation: UInt64 = 0

        init(helpers: Int) {
            sem_init(callerWake, 0, 0)
            wake = (0..<helpers).map { _ in
                let s = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
                sem_init(s, 0, 0)
                return s
            }
        }

        deinit {
            for s in wake + [callerWake] { sem_destroy(s); s.deallocate() }
        }

        func run(_ count: Int, _ job: @escaping (Int) -> Void) {
            precondition(count <= Self.maxIndices, "WorkerPool: at most 65535 indices per job slice")
            body = job
            generation = (generation + 1) & 0xFFFF_FFFF
            finished.store(0, ordering: .relaxed)
            state.store(generation << 32 | UInt64(count) << 16, ordering: .releasing)
            let asleep = sleeping.exchange(0, ordering: .sequentiallyConsistent)
            if asleep != 0 { for h in 0..<wake.count where asleep & (1 << UInt64(h)) != 0 { sem_post(wake[h]) } }
            claim(generation)
            // The last indices run on helpers: poll ≈ 20 µs, then sleep until the last one ends
            // (a helper descheduled mid-index then gets the core rather than a spinning caller).
            let deadline = Self.now() + 20_000
            var spins = 0
            while finished.load(ordering: .acquiring) < count {
                spins += 1
                if spins & 0xF != 0 || Self.now() < deadline { headflow_cpu_relax(); continue }
                callerWaiting.store(true, ordering: .sequentiallyConsistent)
                if finished.load(ordering: .sequentiallyConsistent) < count { sem_wait(callerWake) }
                callerWaiting.store(false, ordering: .sequentiallyConsistent)
            }
            body = nil
        }

        /// Runs unclaimed indices of job `g` until none is left (or a later job has started).
        func claim(_ g: UInt64) {
            var s = state.load(ordering: .acquiring)
            while s >> 32 == g {
                let next = s & 0xFFFF, count = (s >> 16) & 0xFFFF
                if next >= count { return }
                let (done, current) = state.compareExchange(expected: s, desired: s + 1, ordering: .acquiringAndReleasing)
                if done {
                    body!(Int(next))
                    let total = finished.add(1, ordering: .acquiringAndReleasing).newValue
                    if total == Int(count), callerWaiting.exchange(false, ordering: .sequentiallyConsistent) {
                        sem_post(callerWake)
                    }
                    s = state.load(ordering: .acquiring)
                } else {
                    s = current
                }
            }
        }

        func stop() {
            stopping.store(true, ordering: .sequentiallyConsistent)
            for s in wake { sem_post(s) }
        }

        /// Helper `h`'s loop: poll for a new job (≈ 0.1 ms), then sleep until woken.
        func serve(_ h: Int) {
            // Generation 0 is the state before any job: a helper that starts after the first job was posted
            // (a pool made and used at once, as `WorkerPool.map` and a sweep do) must still join that job, so it
            // starts from 0, not from the generation it finds.
            var seen: UInt64 = 0
            while !stopping.load(ordering: .relaxed) {
                let deadline = Self.now() + 100_000
                var s = state.load(ordering: .acquiring), spins = 0
                while s >> 32 == seen && !stopping.load(ordering: .relaxed) {
                    spins += 1
                    if spins & 0x7 == 0 {
                        if Self.now() > deadline { break }
                        sched_yield()
                    } else {
                        headflow_cpu_relax()
                    }
                    s = state.load(ordering: .acquiring)
                }
                if s >> 32 == seen {
                    // Nothing new for a while: announce sleep, check once more, then block.
                    sleeping.bitwiseOr(1 << UInt64(h), ordering: .sequentiallyConsistent)
                    if state.load(ordering: .sequentiallyConsistent) >> 32 == seen && !stopping.load(ordering: .sequentiallyConsistent) {
                        sem_wait(wake[h])
                    }
                    sleeping.bitwiseAnd(~(1 << UInt64(h)), ordering: .sequentiallyConsistent)
                    continue
                }
                seen = s >> 32
                claim(seen)
            }
        }

        /// Monotonic nanoseconds.
        static func now() -> Int {
            var t = timespec()
            clock_gettime(CLOCK_MONOTONIC, &t)
            return t.tv_sec * 1_000_000_000 + t.tv_nsec
        }
    }
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
