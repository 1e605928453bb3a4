import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowClaims
@testable import HeadFlowReport

@Suite("Beyond the paper: the substitution cascade (k features × m neurons)")
struct ClaimsCascadeTests {
    @Test("cascade-k3: each feature on its own neuron, learned in order v_1, v_2, v_3, E back at I; no head collapses")
    func cascadeK3() throws {
        let v = try CascadeK3().verdict()
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        #expect(try #require(v.value("min_cos_assigned")) > 0.99)
        #expect(try #require(v.value("t_v1")) < (try #require(v.value("t_v2"))))
        #expect(try #require(v.value("t_v2")) < (try #require(v.value("t_v3"))))
        #expect(try #require(v.value("none_min_cos_v1")) > 0.99)
    }

    @Test("cascade-k3 fails with head none and with a diagonal head")
    func cascadeK3Controls() throws { try expectControlsFail(CascadeK3()) }

    @Test("cascade-order: every uncommitted neuron is substituted on v_ℓ before v_{ℓ+1} is learned")
    func cascadeOrder() throws {
        let v = try CascadeOrder().verdict()
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        #expect(try #require(v.value("t_sub_last_v1")) < (try #require(v.value("t_v2"))))
        #expect(try #require(v.value("t_sub_last_v2")) < (try #require(v.value("t_v3"))))
    }

    @Test("cascade-order fails when the head cannot move")
    func cascadeOrderControls() throws { try expectControlsFail(CascadeOrder()) }

    @Test("features-learned-vs-width: the head learns more features at every width", .tags(.slow))
    func featuresVsWidth() throws {
        let v = try FeaturesLearnedVsWidth().verdict()
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        for m in [2, 3, 4, 6] {
            #expect(try #require(v.value("mean_head_m\(m)")) > (try #require(v.value("mean_none_m\(m)"))))
        }
    }

    @Test("features-learned-vs-width fails with a diagonal head (no head)")
    func featuresVsWidthControls() throws { try expectControlsFail(FeaturesLearnedVsWidth(widths: [2, 3], seeds: Array(1...20))) }

    // The assignment search: max over injective π of min_ℓ |cos_{ℓπ(ℓ)}|.
    @Test("best assignment picks distinct neurons")
    func bestAssignment() {
        let collapsed = Matrix([[0.99, 0.995, 0.5], [0.1, 0.1, 0.2], [0.0, 0.1, 0.1]])
        #expect(abs(Cascade.bestAssignment(collapsed) - 0.1) < 1e-15)
        let diverse = Matrix([[0.1, 0.999, 0.1], [0.995, 0.1, 0.1], [0.1, 0.1, 0.993]])
        #expect(abs(Cascade.bestAssignment(diverse) - 0.993) < 1e-15)
        #expect(Cascade.bestAssignment(Matrix(rows: 3, cols: 2)).isNaN)
    }
}
