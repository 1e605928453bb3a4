import Testing
@testable import HeadFlowClaims
@testable import HeadFlowReport

@Suite("Beyond the grid: the boundary curve η_E*(α₂/α₁), bisected")
struct ClaimsBoundaryTests {
    @Test("boundary-curve: one collapse → diverse switch per α₂/α₁, to 0.5%, η_E* falling, inside eta-threshold's bracket at 2/3")
    func boundaryCurve() throws {
        let v = try BoundaryCurve().verdict()
        #expect(v.passed, "\(ClaimReport.measuredCell(v)) \(v.notes)")
        let half = try #require(v.value("eta_star_half")), canonical = try #require(v.value("eta_star_canonical"))
        let high = try #require(v.value("eta_star_09"))
        #expect(half > canonical && canonical > high)
        #expect(0.0032 <= canonical && canonical <= 0.0042)
        #expect(try #require(v.value("widest_bracket")) <= 0.005)
    }

    @Test("boundary-curve fails without a head (no line has a switch)")
    func boundaryCurveControl() throws { try expectControlsFail(BoundaryCurve()) }
}
