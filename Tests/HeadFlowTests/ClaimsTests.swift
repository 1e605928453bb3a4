import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowClaims
@testable import HeadFlowReport

/// Runs a claim at its preset and records its numbers in the failure message.
private func verdict(_ claim: any Claim) throws -> ClaimVerdict {
    try claim.verdict()
}

/// Runs every negative control of `claim`; each must FAIL (shared by the claim test files).
func expectControlsFail(_ claim: any Claim, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(!claim.negativeControls.isEmpty, sourceLocation: sourceLocation)
    for control in claim.negativeControls {
        let v = try claim.verdict(control: control)
        #expect(v.control == control.name, sourceLocation: sourceLocation)
        #expect(!v.passed, "negative control \"\(control.name)\" passed: \(ClaimReport.measuredCell(v))", sourceLocation: sourceLocation)
    }
}

@Suite("Claims of Wen & Li (docs/MODEL.md §3, §5): each passes at its preset, each negative control fails")
struct ClaimsTests {
    // MARK: - §3: the optima

    @Test("optima-tie: collapsed and diverse W both attain L* = 2m(1 − (s−1)/(s+1)); a random W does not")
    func optimaTie() throws {
        let v = try verdict(OptimaTie())
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        #expect(abs(try #require(v.value("L_star")) - 8.0 / 9.0) < 1e-15)
        #expect(try #require(v.value("gap_collapsed")) <= 1e-12)
        #expect(try #require(v.value("gap_diverse")) <= 1e-12)
        #expect(try #require(v.value("gap_random")) > 0.1)
    }

    @Test("optima-tie fails from an optimal start and under an unfair mask")
    func optimaTieControls() throws { try expectControlsFail(OptimaTie()) }

    // MARK: - §5.1 Phase I

    @Test("phase1-strong-first: at learn_w1_v1 every other |a_ℓj| < 2× its start and ‖E − I‖_F < 0.01")
    func phase1StrongFirst() throws {
        let v = try verdict(Phase1StrongFirst())
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        #expect(try #require(v.value("growth_other_max")) < 2)
        #expect(try #require(v.value("head_dev_at_t1")) < 0.01)
    }

    @Test("phase1-strong-first fails when neuron 2 starts almost as aligned with v_1")
    func phase1StrongFirstControl() throws { try expectControlsFail(Phase1StrongFirst()) }

    @Test("phase1-time-scaling: median T_1 grows like d² (fitted exponent 2 ± 0.3)")
    func phase1TimeScaling() throws {
        let v = try verdict(Phase1TimeScaling())
        #expect(v.passed, "\(ClaimReport.measuredCell(v)) \(v.notes)")
        #expect(abs(try #require(v.value("exponent")) - 2) <= 0.3)
    }

    @Test("phase1-time-scaling fails when the start does not depend on d")
    func phase1TimeScalingControl() throws { try expectControlsFail(Phase1TimeScaling()) }

    // MARK: - §5.2 Phase II

    @Test("phase2-substitution: t_1 < t_sub < learn_w2_v2, |a_12| still below 2× its start")
    func phase2Substitution() throws {
        let v = try verdict(Phase2Substitution())
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        let t1 = try #require(v.value("t_learn_w1_v1")), ts = try #require(v.value("t_substitution"))
        let t2 = try #require(v.value("t_learn_w2_v2"))
        #expect(t1 < ts && ts < t2)
    }

    @Test("phase2-substitution fails without a head")
    func phase2SubstitutionControl() throws { try expectControlsFail(Phase2Substitution()) }

    @Test("phase2-head-scale: peak |E_21| ∝ (η_E/η)^{1/2}, slope 0.5 ± 0.1 over [0.01, 0.1]")
    func phase2HeadScale() throws {
        let v = try verdict(Phase2HeadScale())
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        #expect(abs(try #require(v.value("slope")) - 0.5) <= 0.1)
    }

    @Test("phase2-head-scale fails on a flow where E is frozen")
    func phase2HeadScaleControl() throws { try expectControlsFail(Phase2HeadScale()) }

    // MARK: - §5.3 Phase III

    @Test("phase3-acceleration: neuron 2 learns v_2 ≥ 5× faster with the head, |a_12| below 2× its start")
    func phase3Acceleration() throws {
        let v = try verdict(Phase3Acceleration())
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        #expect(try #require(v.value("acceleration")) >= 5)
        #expect(try #require(v.value("growth_a12_to_t2")) < 2)
    }

    @Test("phase3-acceleration fails without a head, and at η_E/η = 0.01 (|a_12| peaks at 2.6× its start)")
    func phase3AccelerationControls() throws {
        try expectControlsFail(Phase3Acceleration())
        let slow = try #require(Phase3Acceleration().negativeControls.first { $0.name == "eta-e 0.01" })
        let v = try Phase3Acceleration().verdict(control: slow)
        #expect(try #require(v.value("acceleration")) >= 5)
        // A regression pin, not a bound from the paper: the value was cross-checked by an
        // independent numpy prototype (the vector field of scripts/reference/population_flow.py
        // integrated by scipy's DOP853 at rtol 1e-10 on the same 10 001 samples), which gives 2.622.
        #expect(abs(try #require(v.value("growth_a12_to_t2")) - 2.62) < 0.01)
    }

    // MARK: - §5.4 Phase IV

    @Test("phase4-head-returns: ‖E − I‖_F rises above 0.01 and ends below 1e-6")
    func phase4HeadReturns() throws {
        let v = try verdict(Phase4HeadReturns())
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        #expect(try #require(v.value("head_dev_peak")) > 0.01)
        #expect(try #require(v.value("head_dev_final")) < 1e-6)
    }

    @Test("phase4-head-returns fails without a head and when stopped before the return")
    func phase4HeadReturnsControls() throws { try expectControlsFail(Phase4HeadReturns()) }

    // MARK: - §5.5–5.6 Without a head, diagonal head

    @Test("collapse-without-head: every |cos(w_j, v_1)| > 0.99, v_2 never learned, loss at the optimum")
    func collapseWithoutHead() throws {
        let v = try verdict(CollapseWithoutHead())
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        #expect(try #require(v.value("min_cos_v1")) > 0.99)
        #expect(try #require(v.value("loss_gap")) <= 1e-6)
    }

    @Test("collapse-without-head fails with the offdiag head")
    func collapseWithoutHeadControl() throws { try expectControlsFail(CollapseWithoutHead()) }

    @Test("diag-head-is-none: a diagonal head gives the no-head trajectory to integrator tolerance")
    func diagHeadIsNone() throws {
        let v = try verdict(DiagHeadIsNone())
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        #expect(try #require(v.value("state_diff_max")) <= 1e-6)
    }

    @Test("diag-head-is-none fails for the offdiag head")
    func diagHeadIsNoneControl() throws { try expectControlsFail(DiagHeadIsNone()) }

    // MARK: - Grids and seeds

    @Test("eta-threshold: along η_E/η ∈ [1e-3, 1e-1] the outcome switches once, collapse → diverse")
    func etaThreshold() throws {
        let v = try verdict(EtaThreshold())
        #expect(v.passed, "\(ClaimReport.measuredCell(v)) \(v.notes)")
        let low = try #require(v.value("bracket_low")), high = try #require(v.value("bracket_high"))
        #expect(1e-3 <= low && low < high && high <= 1e-1)
    }

    @Test("eta-threshold fails without a head (no switch)")
    func etaThresholdControl() throws { try expectControlsFail(EtaThreshold()) }

    @Test("seeds-diversity: both features are learned more often with the offdiag head than without")
    func seedsDiversity() throws {
        let v = try verdict(SeedsDiversity())
        #expect(v.passed, "\(ClaimReport.measuredCell(v))")
        let head = try #require(v.value("fraction_head")), none = try #require(v.value("fraction_none"))
        #expect(head > none)
    }

    @Test("seeds-diversity fails when the head is diagonal (no head)")
    func seedsDiversityControl() throws { try expectControlsFail(SeedsDiversity()) }

    // A failing claim fails the report (reproduce exits 1 on it).
    @Test("a failing verdict makes the report fail and names the claim")
    func failingReport() throws {
        let claim = Phase2Substitution()
        let failing = try claim.verdict(preset: claim.preset.with { $0.head = .none })
        let report = ClaimReport(verdicts: [failing])
        #expect(!report.allPassed)
        #expect(report.summary == "0/1 claims passed; failed: phase2-substitution")
        #expect(report.table().contains("FAIL"))
        // A negative control is expected to fail: it does not fail the report.
        let control = try claim.verdict(control: try #require(claim.negativeControls.first))
        let withControl = ClaimReport(verdicts: [try claim.verdict(), control])
        #expect(withControl.allPassed)
        #expect(withControl.summary == "1/1 claims passed; 1/1 negative controls failed as they must")
    }
}

@Suite("Claims: registry and values")
struct ClaimsRegistryTests {
    // The ids are a contract: renaming one breaks every citation of a table.
    @Test("the registry lists the contracted ids, once each")
    func ids() {
        #expect(ClaimRegistry.ids == [
            "optima-tie", "phase1-strong-first", "phase2-substitution", "phase2-head-scale", "phase3-acceleration",
            "phase4-head-returns", "collapse-without-head", "diag-head-is-none", "eta-threshold", "boundary-curve",
            "phase1-time-scaling", "seeds-diversity", "cascade-k3", "cascade-order", "features-learned-vs-width",
            "ema-keeps-substitution", "no-stop-gradient-collapses", "directpred-no-substitution", "erank-tracks-collapse",
            "fastest-head", "real-images-head",
        ])
        #expect(Set(ClaimRegistry.ids).count == ClaimRegistry.ids.count)
    }

    // Every criterion names a declared quantity, and every claim can fail.
    @Test("criteria refer to declared quantities; each claim has a negative control", arguments: ClaimRegistry.ids)
    func declared(id: String) throws {
        let claim = try #require(ClaimRegistry.claim(id))
        let names = Set(claim.quantities.map(\.name))
        #expect(names.count == claim.quantities.count)
        for c in claim.criteria {
            #expect(names.contains(c.quantity), "\(id): \(c) names an undeclared quantity")
            if case .quantity(let other) = c.bound { #expect(names.contains(other)) }
        }
        #expect(!claim.negativeControls.isEmpty)
        #expect(!claim.statement.contains("\n"))
    }

    // A criterion with NaN (an event that never happened) fails, never passes.
    @Test("a quantity that could not be measured fails its criterion")
    func nanFails() {
        let values = [MeasuredValue("x", nil), MeasuredValue("y", 1)]
        for c in [Criterion.below("x", 2), .above("x", 0), .within("x", of: 0, by: 1e9), .before("y", "x"), .before("x", "y")] {
            #expect(!c.holds(in: values))
        }
        #expect(Criterion.within("y", of: 1.05, by: 0.1).holds(in: values))
        #expect(Criterion.within("y", of: 0.5, by: 0.1).description == "|y − 0.5| ≤ 0.1")
    }

    // The measurement returns exactly the declared quantities, in order (cheap claims only).
    @Test("measured names follow the declared quantities", arguments: ["optima-tie", "phase1-strong-first", "phase4-head-returns"])
    func measuredOrder(id: String) throws {
        let claim = try #require(ClaimRegistry.claim(id))
        let v = try claim.verdict()
        #expect(v.measured.map(\.name) == claim.quantities.map(\.name))
    }

    // JSON of a verdict: the contract keys, parameters as the RunSpec JSON.
    @Test("reproduce JSON: id, statement, passed, measured, parameters")
    func json() throws {
        let v = try OptimaTie().verdict()
        let j = ClaimReport(verdicts: [v]).json
        guard case .array(let items) = j, let first = items.first else { Issue.record("not an array"); return }
        for key in ["id", "statement", "passed", "measured", "parameters"] { #expect(first[key] != nil, "missing \(key)") }
        #expect(first["passed"] == .bool(true))
        #expect(first["parameters"]?["feature-patches"] == .integer(8))
        #expect(first["measured"]?["L_star"] == .number(8.0 / 9.0))
        #expect(first["parameters"]?["start"] == nil)
    }
}
