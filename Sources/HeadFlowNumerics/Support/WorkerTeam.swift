import CPhilox
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A fixed team of `threads − 1` helper threads that, with the caller, run the indices of
/// one job at a time (internal): `run(count, body)` calls `body(i)` once for every
/// `i < count` and returns when all are done, like `Parallel.forEach`, without waking a
/// thread pool per call. Between jobs a helper polls for the next one for a short while
/// (≈ 0.1 ms, yielding the core now and then), then sleeps on a semaphore until woken, so an
/// idle team costs nothing; the caller, once no index is left to claim, polls ≈ 20 µs for
/// the helpers' last ones and then sleeps until the last one ends.
///
/// Which thread runs which `i` is unspecified: `body` must write only what `i` owns.
/// One caller at a time (the team is owned by one solver).
package final class WorkerTeam: @unchecked Sendable {
    /// Threads taking part in a job, the caller's included.
    package let threads: Int
    private let core: Core
    private var handles: [pthread_t] = []

    /// A team of `threads` (1 … 65; 1: `run` is a plain loop on the caller's thread).
    package init(threads: Int) {
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

    /// Calls `body(i)` for every `i` in `0..<count` on the team's threads (the caller's among them).
    package func run(_ count: Int, _ body: (Int) -> Void) {
        if threads == 1 || count <= 1 || handles.isEmpty { for i in 0..<count { body(i) }; return }
        withoutActuallyEscaping(body) { body in core.run(count, body) }
    }

    private final class Helper {
        let core: Core, index: Int
        init(core: Core, index: Int) { self.core = core; self.index = index }
    }

    /// The shared state: `state` packs the job's generation (high 32 bits), its index count
    /// (16 bits) and the next unclaimed index (low 16 bits), so a helper claims an index of the
    /// job it saw with one compare-and-swap, and never one of a later job.
    private final class Core: @unchecked Sendable {
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
            precondition(count < 1 << 16, "WorkerTeam: at most 65535 indices per job")
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
            var seen = state.load(ordering: .acquiring) >> 32
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
