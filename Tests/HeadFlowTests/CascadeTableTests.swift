import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowSweeps

@Suite("Features learned vs k and head (the features table)")
struct CascadeTableTests {
    static func small() -> FeatureCountTable {
        var t = FeatureCountTable()
        t.featureCounts = [2, 3]
        t.heads = [.none, .offdiag]
        t.seeds = Array(1...6)
        t.base.tEnd = 1e5
        return t
    }

    // Cells are in row-major order and do not depend on the number of threads.
    @Test("the table is the same on 1 and 2 threads, and counts are bounded by min(k, m)")
    func deterministicAndBounded() throws {
        let t = Self.small()
        let one = try t.compute(jobs: 1), two = try t.compute(jobs: 2)
        #expect(one.map(\.counts) == two.map(\.counts))
        #expect(one.map { "\($0.features)-\($0.head.rawValue)" } == ["2-none", "2-offdiag", "3-none", "3-offdiag"])
        for c in one {
            #expect(c.failures.isEmpty)
            for n in c.counts { #expect(n != nil && n! >= 1 && n! <= min(c.features, c.neurons)) }
        }
        // The head learns more features than no head at k = 3 (mean over the same starts).
        #expect(one[3].mean > one[2].mean)
    }

    // Bad parameters are named.
    @Test("k beyond the α list is rejected, naming --ks")
    func badK() {
        var t = Self.small()
        t.featureCounts = [5]
        #expect(throws: ParameterError.self) { try t.validate() }
        do { try t.validate() } catch { #expect(error.parameter == "ks") }
    }
}
