import ArgumentParser
import HeadFlow

// The named choices of the command line: each lists its own values in `--help`
// and in shell completions (no hand-typed "a | b | c" lists).

extension HeadKind: ExpressibleByArgument {}
extension StepperKind: ExpressibleByArgument {}
extension SGDSampler: ExpressibleByArgument {}
extension SGDGenerator: ExpressibleByArgument {}
extension EngineKind: ExpressibleByArgument {}
extension TrainPreset: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}
extension TargetRule: ExpressibleByArgument {}
extension StopGradientRule: ExpressibleByArgument {}
extension DirectPredHead.Source: ExpressibleByArgument {}

extension CaseIterable where Self: RawRepresentable, RawValue == String {
    /// `a | b | c`: every value, for help texts.
    static var choiceList: String { allCases.map(\.rawValue).joined(separator: " | ") }
}

extension OutputFormat {
    /// The help of a `--format` option that accepts `allowed`.
    static func help(_ allowed: [OutputFormat], _ note: String = "") -> ArgumentHelp {
        ArgumentHelp("Output: " + allowed.map(\.rawValue).joined(separator: " | ") + "." + (note.isEmpty ? "" : " " + note),
                     valueName: "format")
    }

    /// Completions for a `--format` option that accepts `allowed`.
    static func completion(_ allowed: [OutputFormat]) -> CompletionKind { .list(allowed.map(\.rawValue)) }
}
