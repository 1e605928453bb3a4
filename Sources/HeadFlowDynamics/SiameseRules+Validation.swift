import HeadFlowNumerics
import HeadFlowModel

extension SiameseRules {
    /// Throws a `ParameterError` naming the first invalid rule parameter, with the parameter table's ranges
    /// (`RunParameter.check`): `τ` of an EMA target, stop-gradient off with an EMA target, the spectral head's `ε`.
    /// With `lr` (SGD's step), also `τ ≥ lr` (the target's step `lr/τ` must be ≤ 1) and `--dp-rho`.
    /// The data model is validated by its owner (`DataModel.validate`).
    public func validateRules(lr: Double? = nil) throws(ParameterError) {
        if target == .ema {
            try RunParameter.check("ema-tau", emaTau)
            if let lr {
                try require(emaTau, "ema-tau", "a finite τ ≥ lr = \(lr) in SGD (the step lr/τ of W_tg must be ≤ 1)", { $0 >= lr })
            }
        }
        if stopGradient == .off, target != .same {
            throw ParameterError("stop-grad", must: "on with --target ema (stop-gradient off is defined for --target same)", got: "off")
        }
        try RunParameter.check("dp-eps", directPred.epsilon)
        if lr != nil { try RunParameter.check("dp-rho", dpRho) }
    }
}
