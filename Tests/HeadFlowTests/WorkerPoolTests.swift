import Synchronization
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel
@testable import HeadFlowDynamics
@testable import HeadFlowClaims
@testable import HeadFlowSweeps
@testable import HeadFlowReport

/// The one parallel loop: every index once, results in index order, a partition fixed by the
/// count alone, whatever the number of threads.
@Suite("Worker pool")
struct WorkerPoolTests {
    @Test("run calls body(i) exactly once for every i of every job", arguments: [1, 2, 5])
    func runsEveryIndexOnce(threads: Int) {
        let pool = WorkerPool(threads: threads)
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 100)
        defer { slots.deallocate() }
        for job in 0..<300 {
            let count = [0, 1, 3, 16, 100][job % 5]
            slots.initialize(repeating: 0, count: 100)
            let hits = Atomic<Int>(0)
            pool.run(count) { i in slots[i] += 1; hits.add(1, ordering: .relaxed) }
            #expect(hits.load(ordering: .relaxed) == count)
            #expect((0..<100).allSatisfy { slots[$0] == ($0 < count ? 1 : 0) }, "job \(job), \(count) indices")
        }
    }

    @Test("map returns results in index order, past one job slice (65,535 indices)", arguments: [1, 2, 5])
    func mapInOrder(threads: Int) {
        let pool = WorkerPool(threads: threads)
        #expect(pool.map(70_000) { $0 * 3 } == (0..<70_000).map { $0 * 3 })
        #expect(pool.map(0) { $0 }.isEmpty)
        let items = (0..<37).map { "x\($0)" }
        #expect(WorkerPool.map(items, threads: threads) { $0 + "!" } == items.map { $0 + "!" })
        #expect(WorkerPool.map([Int](), threads: threads) { $0 }.isEmpty)
    }

    // A pool made and used at once (`WorkerPool.map`, a sweep's cells) runs its indices on its helper threads too:
    // two indices that each wait for the other to start both finish only if two threads run them. With one thread
    // the first waits out its 10 s bound and the test fails (it does not hang).
    @Test("a fresh pool's first job runs on its helpers too (two indices that wait for each other)")
    func freshPoolIsParallel() {
        for _ in 0..<20 {
            let started = Atomic<Int>(0)
            let met = WorkerPool(threads: 2).map(2) { _ -> Bool in
                started.add(1, ordering: .sequentiallyConsistent)
                let deadline = ContinuousClock.now + .seconds(10)
                while started.load(ordering: .sequentiallyConsistent) < 2 {
                    if ContinuousClock.now > deadline { return false }
                }
                return true
            }
            #expect(met == [true, true])
        }
    }

    @Test("pools nest: a body may run a pool of its own")
    func nested() {
        let sums = WorkerPool.map(Array(0..<6), threads: 2) { i in
            WorkerPool(threads: 2).map(10) { i * 10 + $0 }.reduce(0, +)
        }
        #expect(sums == (0..<6).map { i in (0..<10).reduce(0) { $0 + i * 10 + $1 } })
    }

    @Test("partition: min(parts, count) contiguous non-empty ranges covering 0..<count")
    func partition() {
        for (count, parts) in [(0, 4), (1, 4), (5, 16), (16, 16), (17, 16), (2048, 16), (10, 1), (10, 0)] {
            let ranges = WorkerPool.partition(count, parts: parts)
            #expect(ranges.count == min(max(1, parts), count))
            if count > 0 { #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count) }
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(ranges.allSatisfy { !$0.isEmpty })
        }
        #expect(WorkerPool.partition(10, parts: 4) == [0..<2, 2..<5, 5..<7, 7..<10])
    }
}
