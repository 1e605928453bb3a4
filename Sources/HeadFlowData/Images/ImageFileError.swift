/// A data file that cannot be read as images or labels: missing, unreadable, truncated, mis-sized,
/// corrupt (gzip), of a wrong format or magic number, or inconsistent with the other files.
///
/// The description is one line, the file's path and what is wrong
/// (`/x/labels.idx: 59999 labels but 60000 images in /x/images.idx`); the CLI prefixes
/// `headflow: ` and exits 64, as for a bad option. A loader throws it before it returns anything:
/// never a partial image set.
public struct ImageFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file at fault, as the user named it.
    public let path: String
    /// What is wrong with it, in words (one line).
    public let problem: String

    /// An error for the file `path`: `problem` says what is wrong (line breaks become spaces).
    public init(_ path: String, _ problem: String) {
        self.path = path
        self.problem = String(problem.map { $0.isNewline ? " " : $0 })
    }

    /// One line: `PATH: PROBLEM`.
    public var description: String { "\(path): \(problem)" }
}
