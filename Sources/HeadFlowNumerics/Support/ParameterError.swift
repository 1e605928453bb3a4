/// An invalid parameter value. `parameter` is the name the CLI uses for it
/// (`d`, `feature-patches`, `eta-e`, …); the description is one line naming the
/// parameter, the valid range and the value received.
public struct ParameterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The parameter's name, as the CLI option without its leading dashes.
    public let parameter: String
    /// The valid range, in words ("an integer ≥ 1").
    public let validRange: String
    /// The offending value, as received.
    public let received: String

    /// True for an option given where it cannot act (`validRange` then says where it does).
    public let notActing: Bool

    /// An error for `parameter`, which must be `validRange`, got `received`.
    public init(_ parameter: String, must validRange: String, got received: String) {
        self.parameter = parameter
        self.validRange = validRange
        self.received = received
        self.notActing = false
    }

    /// An error for `parameter`, given where it cannot act: it acts only `acting`
    /// ("in train and sweep --engine sgd", "with --target ema").
    public init(_ parameter: String, actsOnly acting: String) {
        self.parameter = parameter
        self.validRange = acting
        self.received = ""
        self.notActing = true
    }

    /// One line: `--NAME must be RANGE (got VALUE)`, the value cut to
    /// `maximumEcho` characters (a 100 kB value is not echoed whole); or
    /// `--NAME acts only WHERE` for an option given where it cannot act.
    public var description: String {
        notActing ? "--\(parameter) acts only \(validRange)" : "--\(parameter) must be \(validRange) (got \(Self.truncated(received)))"
    }

    /// Longest echo of a received value in an error.
    public static let maximumEcho = 120

    /// `line` with every word longer than `maximumEcho` characters cut
    /// (`truncated`), so a long value is shortened but the option named after
    /// it stays (the parser's "The value '…' is invalid for '--d <d>'").
    public static func truncatingWords(_ line: String) -> String {
        // A word already cut (quotes around `maximumEcho` characters and `…`) is left as it is.
        guard line.count > maximumEcho + 20 else { return line }
        return line.split(separator: " ", omittingEmptySubsequences: false)
            .map { $0.count > maximumEcho + 20 ? truncated(String($0)) : String($0) }.joined(separator: " ")
    }

    /// `text` if at most `limit` characters, else its start, `…`, and its length;
    /// line breaks become spaces, so an error stays one line.
    public static func truncated(_ text: String, limit: Int = maximumEcho) -> String {
        let flat = text.contains(where: \.isNewline) ? String(text.map { $0.isNewline ? " " : $0 }) : text
        guard flat.count > limit else { return flat }
        return String(flat.prefix(limit)) + "… (\(flat.count) characters)"
    }
}

/// Checks that a real parameter is finite and satisfies `condition`.
@inline(__always)
package func require(_ value: Double, _ name: String, _ range: String, _ condition: (Double) -> Bool) throws(ParameterError) {
    guard value.isFinite, condition(value) else { throw ParameterError(name, must: range, got: "\(value)") }
}

/// Checks that an integer parameter satisfies `condition`.
@inline(__always)
package func require(_ value: Int, _ name: String, _ range: String, _ condition: (Int) -> Bool) throws(ParameterError) {
    guard condition(value) else { throw ParameterError(name, must: range, got: "\(value)") }
}
