import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowClaims
@testable import HeadFlowReport

@Suite("Claim real-images-head: the off-diagonal head keeps the rank and the probe on Fashion-MNIST", .tags(.slow))
struct ClaimsRealImagesTests {
    // Predicted from the theory (docs/real-data.md): no head collapses the neurons onto one direction; the trainable
    // off-diagonal entries keep them apart; a diagonal head is no head, since BN cancels a diagonal scale.
    @Test("real-images-head: erank ≥ 2× and probe ≥ +0.03 over no head; E_jr grow; diag ≡ none")
    func realImages() throws {
        let v = try RealImagesHead().verdict()
        #expect(v.passed, "\(ClaimReport.measuredCell(v)) \(v.notes)")
        let none = try #require(v.value("erank_none")), mine = try #require(v.value("erank_offdiag"))
        #expect(none < 2 && mine > 3, "none collapses (erank \(none)), offdiag does not (\(mine))")
        #expect(v.value("diag_none_diff") == 0)
    }

    @Test("real-images-head fails with the head fixed at I (η_E = 0) and with a diagonal head")
    func realImagesControls() throws { try expectControlsFail(RealImagesHead()) }
}
