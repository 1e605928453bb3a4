import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowClaims
@testable import HeadFlowReport

@Suite("Claims beyond the paper: neighbouring mechanisms (each passes, each negative control fails)")
struct ClaimsNeighbourTests {
    @Test("ema-keeps-substitution: diverse with the head, collapse without, for τ = 1…1000; T_1 grows with τ")
    func emaKeepsSubstitution() throws {
        let v = try EMAKeepsSubstitution().verdict()
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        #expect(try #require(v.value("t1_last")) > 1.5 * (try #require(v.value("t1_first"))))
    }

    @Test("ema-keeps-substitution fails with the target same and with no head")
    func emaKeepsSubstitutionControls() throws { try expectControlsFail(EMAKeepsSubstitution()) }

    @Test("no-stop-gradient-collapses: neuron 2 ends on v_1, Phase I at half the time")
    func noStopGradient() throws {
        let v = try NoStopGradientCollapses().verdict()
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        #expect(abs(try #require(v.value("t1_ratio")) - 0.5) < 0.01)
    }

    @Test("no-stop-gradient-collapses fails with stop-gradient on")
    func noStopGradientControl() throws { try expectControlsFail(NoStopGradientCollapses()) }

    @Test("directpred-no-substitution: neuron 2 collapses onto v_1 first in every (ε, source); the substitution ratio stays below 10")
    func directPred() throws {
        let v = try DirectPredNoSubstitution().verdict()
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        #expect(try #require(v.value("e21_at_t1")) < 1e-3)
    }

    @Test("directpred-no-substitution fails for the trained offdiag head")
    func directPredControl() throws { try expectControlsFail(DirectPredNoSubstitution()) }

    @Test("erank-tracks-collapse: erank 2 with the head, 1 without")
    func erank() throws {
        let v = try ErankTracksCollapse().verdict()
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
    }

    @Test("erank-tracks-collapse fails without the head")
    func erankControl() throws { try expectControlsFail(ErankTracksCollapse()) }
}
