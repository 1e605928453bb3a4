import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowClaims
@testable import HeadFlowReport

@Suite("Claim fastest-head: the weak feature is learned soonest at an interior head rate")
struct ClaimsFastestHeadTests {
    // Predicted from the phases: T = +∞ for a too slow head or none, falling with η_E, rising again as η_E → η.
    @Test("fastest-head: an interior η_E*/η, faster than η_E/η = 0.01, never at 1e-4 or without a head")
    func fastestHead() throws {
        let v = try FastestHeadInterior().verdict()
        #expect(v.passed, "\(ClaimReport.measuredCell(v)) \(v.notes)")
        let star = try #require(v.value("eta_e_star")), t = try #require(v.value("t_star"))
        #expect(star > 0.01 && star < 1)
        #expect(t < (try #require(v.value("t_paper_default"))))
        #expect(v.value("fires_without_head") == 0 && v.value("fires_at_low_end") == 0)
    }

    @Test("fastest-head fails with no head and with a diagonal head (v_2 never learned)")
    func fastestHeadControls() throws { try expectControlsFail(FastestHeadInterior()) }
}
