/// Text forms of numbers and matrices used on the command line.
public enum MatrixText {
    /// Parses `"a11,a12;a21,a22"` (rows separated by `;`, entries by `,`) into a
    /// matrix. Throws a `ParameterError` for `parameter` when a row is ragged,
    /// an entry is not a finite number, or the text is empty.
    public static func parseMatrix(_ text: String, parameter: String) throws(ParameterError) -> Matrix {
        let rows = text.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        var parsed: [[Double]] = []
        for row in rows {
            parsed.append(try parseList(row, parameter: parameter, what: "a matrix \"a11,a12;a21,a22\" of finite numbers"))
        }
        guard let c = parsed.first?.count, c > 0, parsed.allSatisfy({ $0.count == c }) else {
            throw ParameterError(parameter, must: "a matrix \"a11,a12;a21,a22\" with rows of equal length", got: "\"\(text)\"")
        }
        return Matrix(parsed)
    }

    /// Parses `"1.5,1.0"` into finite numbers; throws a `ParameterError` otherwise.
    public static func parseList(_ text: String, parameter: String,
                                 what: String = "a comma-separated list of finite numbers") throws(ParameterError) -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        var values: [Double] = []
        for p in parts {
            let s = p.trimmingSpaces
            guard let v = Double(s), v.isFinite else { throw ParameterError(parameter, must: what, got: "\"\(text)\"") }
            values.append(v)
        }
        guard !values.isEmpty else { throw ParameterError(parameter, must: what, got: "\"\(text)\"") }
        return values
    }

    /// `"a11,a12;a21,a22"` for a matrix (shortest round-trip numbers).
    public static func format(_ m: Matrix) -> String {
        m.rowArrays.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: ";")
    }
}

extension Substring {
    /// This text without leading and trailing spaces (parameter values as typed).
    package var trimmingSpaces: String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
