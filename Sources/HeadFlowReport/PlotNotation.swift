import HeadFlowSweeps

/// Axis and colour-bar labels in the paper's notation, as gnuplot enhanced
/// text (`η_{E}/η`, `α_{2}/α_{1}`, `a_{ℓj}(0)`), each with its unit or, for a
/// dimensionless quantity, what it is. A name it does not know is printed
/// as given (with gnuplot's special characters escaped).
public enum PlotNotation {
    /// The label of a sweep parameter by its CLI name (`eta-e-ratio`, `alpha[2]`, `init-a[1,2]`, `d`, …).
    public static func parameter(_ name: String) -> String {
        if let open = name.firstIndex(of: "["), name.hasSuffix("]") {
            let base = String(name[..<open])
            let index = name[name.index(after: open)..<name.index(before: name.endIndex)].split(separator: ",").map(String.init)
            switch (base, index.count) {
            case ("alpha", 1): return "α_{\(index[0])} (magnitude of feature v_{\(index[0])})"
            case ("init-a", 2): return "a_{\(index[0])\(index[1])}(0) = ⟨w_{\(index[1])}, v_{\(index[0])}⟩ at t = 0"
            case ("init-b", 2): return "B_{\(index[0])\(index[1])}(0) = ⟨w_{\(index[0])}, Π w_{\(index[1])}⟩ at t = 0"
            default: return escaped(name)
            }
        }
        switch name {
        case "eta-e-ratio": return "η_{E}/η (head / encoder learning rate)"
        case "alpha-ratio": return "α_{2}/α_{1} (weak / strong feature magnitude)"
        case "eta-e": return "η_{E} (head learning rate)"
        case "eta": return "η (encoder learning rate)"
        case "d": return "d (input dimension)"
        case "noise": return "σ_{ξ} (noise scale)"
        case "init-scale": return "σ_{0} (scale of the random start)"
        case "neurons": return "m (neurons)"
        case "patches": return "P (patches per input)"
        case "feature-patches": return "s (patches carrying the feature)"
        case "mask-prob": return "mask probability (augmentation)"
        case "t-end": return "t_{end} (units of 1/η)"
        case "seed": return "seed"
        case "head": return "head variant"
        default: return escaped(name)
        }
    }

    /// The label of what a sweep tabulates, with its unit.
    public static func metric(_ metric: SweepMetric) -> String {
        switch metric {
        case .outcome: return "outcome at t_{end}"
        case .featuresLearned: return "features learned at t_{end} (count)"
        case .finalLoss: return "loss L at t_{end}"
        case .weakLearnTime: return "t_{learn}: first time a neuron learns v_{2} (units of 1/η)"
        case .event(let name): return "time of " + escaped(name) + " (units of 1/η)"
        case .peak(let name):
            let digits = name.dropFirst("peak_e".count)
            return digits.count == 2 ? "max_{t} |E_{\(digits)}(t)| (off-diagonal head entry)" : escaped(name)
        case .final(let name):
            switch name {
            case "erank": return "erank of f at t_{end}"
            case "rankme": return "RankMe of f at t_{end}"
            case "erank_F": return "erank of F = E f at t_{end}"
            case "rankme_F": return "RankMe of F = E f at t_{end}"
            case "head_deviation": return "‖E − I‖_{F} at t_{end}"
            default: return escaped(name)
            }
        }
    }

    /// `text` with gnuplot's enhanced-text control characters escaped.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for c in text {
            if "_^@&~{}".contains(c) { out += "\\" }
            out.append(c)
        }
        return out
    }
}
