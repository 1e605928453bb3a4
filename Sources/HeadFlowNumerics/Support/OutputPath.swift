import Foundation

/// Checks a path headflow is told to write into (`sweep --out`, `merge --out`,
/// `claims --write`) before anything is created: an empty path would mean the
/// current directory or, joined with a file name, the filesystem root; the
/// root itself (`/`, `//`, `/..`, `/./`) is never a place for output.
public enum OutputPath {
    /// Throws a `ParameterError` for `option` when `path` is empty (or only
    /// spaces), contains a NUL byte, or names the filesystem root.
    public static func validate(_ path: String, option: String) throws(ParameterError) {
        let must = "a directory path that is not empty and not the filesystem root"
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else { throw ParameterError(option, must: must, got: "\"\(path)\"") }
        guard !path.contains("\0") else { throw ParameterError(option, must: must + ", without NUL bytes", got: "a path with a NUL byte") }
        guard !isRoot(path) else { throw ParameterError(option, must: must, got: "\"\(path)\"") }
    }

    /// Whether `path`, with `.` and `..` resolved, is `/`.
    public static func isRoot(_ path: String) -> Bool {
        guard path.hasPrefix("/") else { return false }
        var parts: [Substring] = []
        for p in path.split(separator: "/") where p != "." {
            if p == ".." { _ = parts.popLast() } else { parts.append(p) }
        }
        return parts.isEmpty
    }
}
