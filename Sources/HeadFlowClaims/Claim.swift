import HeadFlowNumerics
import HeadFlowDynamics

/// A statement of Wen & Li (arXiv:2205.06226) checked by computation: an id
/// (a contract), the statement in the paper's notation, the hypotheses (a
/// preset `RunSpec` and settings), the measured quantities, the criteria
/// (thresholds), and a measurement that turns a preset into numbers.
///
/// A claim is a value: everything but `measure` is fixed text and numbers, so
/// its Theorems page is generated without running it. The measurement takes
/// the preset as an argument, so a negative control runs the same code on a
/// modified preset. One claim per file; `ClaimRegistry.all` lists them.
public protocol Claim: Sendable {
    /// Stable id (`phase2-substitution`); a contract, never renamed.
    var id: String { get }
    /// The statement in the paper's notation, one line.
    var statement: String { get }
    /// The hypotheses in words, beyond the preset's numbers.
    var hypotheses: [String] { get }
    /// What is measured, in the order `measure` returns it.
    var quantities: [Quantity] { get }
    /// The pass conditions; thresholds may be sharpened, never loosened without a note.
    var criteria: [Criterion] { get }
    /// The one or two measured quantities that decide the claim, shown in the
    /// default `reproduce` table (default: the first two named by `criteria`).
    var headline: [String] { get }
    /// Notes on the thresholds or hypotheses (why a choice was made).
    var remarks: [String] { get }
    /// Where the paper states it.
    var reference: String { get }
    /// What the verdict means for the paper, one Markdown paragraph for the
    /// README's claims block (`ClaimsReadme`); `«name»` stands for the measured
    /// value of the quantity `name` (`«name:1»` one significant digit, `«name:%»` a percentage).
    var meaning: String { get }
    /// The preset: every parameter of the base run.
    var preset: RunSpec { get }
    /// Settings beyond the preset (grids, seeds, reference runs) for a given preset.
    func settings(for preset: RunSpec) -> [ClaimSetting]
    /// Presets under which the claim must fail.
    var negativeControls: [NegativeControl] { get }
    /// Runs the claim's computation on `preset`. Throws only for an invalid
    /// preset; a failed integration is recorded in `failures`.
    func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement
}

extension Claim {
    /// The first two quantities the criteria name (a compared quantity before its bound).
    public var headline: [String] {
        var names: [String] = []
        for c in criteria { for n in c.quantities where !names.contains(n) { names.append(n) } }
        return Array(names.prefix(2))
    }
    /// No remarks by default.
    public var remarks: [String] { [] }

    /// No settings beyond the preset by default.
    public func settings(for preset: RunSpec) -> [ClaimSetting] { [] }

    /// Runs the claim at its preset (or at `preset`) and judges it.
    public func verdict(preset override: RunSpec? = nil) throws(ParameterError) -> ClaimVerdict {
        let p = override ?? preset
        return ClaimVerdict(claim: self, preset: p, control: nil, measurement: try measure(p))
    }

    /// Runs the claim under a negative control (same measurement, modified preset).
    public func verdict(control: NegativeControl) throws(ParameterError) -> ClaimVerdict {
        let p = control.modify(preset)
        return ClaimVerdict(claim: self, preset: p, control: control.name, measurement: try measure(p))
    }

    /// The command that reproduces the claim.
    public var command: String { "headflow reproduce \(id)" }
}
