/// Fitting text to a terminal of a given width, counting columns as grapheme
/// clusters (`η`, `—`, `≤` and `E₂₁` take one column each).
public enum TerminalText {
    /// The columns a line takes: its grapheme clusters.
    public static func columns(_ line: some StringProtocol) -> Int { line.count }

    /// `text` cut to `width` columns, its last column `…` when cut.
    public static func truncated(_ text: String, to width: Int) -> String {
        guard text.count > width else { return text }
        guard width > 0 else { return "" }
        return String(text.prefix(width - 1)) + "…"
    }

    /// `text` broken at spaces into lines of at most `width` columns; lines
    /// after the first start with `indent` spaces. A word longer than a line
    /// is cut with `…`, so every line fits.
    public static func wrapped(_ text: String, width: Int, indent: Int = 0) -> [String] {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            let prefix = lines.isEmpty ? "" : pad
            if line.isEmpty {
                line = prefix + truncated(String(word), to: width - prefix.count)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = pad + truncated(String(word), to: width - indent)
            }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }
}
