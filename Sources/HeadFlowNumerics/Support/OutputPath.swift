import Foundation

/// Checks a path headflow is told to write into (`sweep --out`, `merge --out`,
/// `claims --write`, `plot -o`) before anything is created: an empty path would mean the
/// current directory or, joined with a file name, the filesystem root; the
/// root itself (`/`, `//`, `/..`, `/./`) is never a place for output; and
/// (`validateDirectory`, `validateFile`) a place where nothing can be created
/// (a regular file taken for a directory, `/proc`, `/sys`) is bad input too.
public enum OutputPath {
    /// Throws a `ParameterError` for `option` when `path` is empty (or only
    /// spaces), contains a NUL byte, or names the filesystem root.
    public static func validate(_ path: String, option: String) throws(ParameterError) {
        let must = "a directory path that is not empty and not the filesystem root"
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else { throw ParameterError(option, must: must, got: "\"\(path)\"") }
        guard !path.contains("\0") else { throw ParameterError(option, must: must + ", without NUL bytes", got: "a path with a NUL byte") }
        guard !isRoot(path) else { throw ParameterError(option, must: must, got: "\"\(path)\"") }
    }

    /// `validate`, and that `path` is (or, created with its parents, would be)
    /// a directory headflow can write into: the path itself or its nearest
    /// existing ancestor is a directory in which a file can be created (not a
    /// regular file, not `/proc` or `/sys`). Nothing is left behind. Throws a
    /// `ParameterError` for `option` (the CLI's exit 64), like `sweep --out`.
    public static func validateDirectory(_ path: String, option: String) throws(ParameterError) {
        try validate(path, option: option)
        var dir = path
        while true {
            var st = stat()
            if stat(dir, &st) == 0 {
                guard st.st_mode & S_IFMT == S_IFDIR else { throw unwritable(path, option, directory: true, why: "\(dir) is not a directory") }
                if let why = cannotCreate(in: dir) { throw unwritable(path, option, directory: true, why: why) }
                return
            }
            guard errno == ENOENT else { throw unwritable(path, option, directory: true, why: String(cString: strerror(errno))) }
            dir = parent(of: dir)
        }
    }

    /// `validate` for a file headflow writes (`plot -o FILE`): not a directory,
    /// and writable — an existing file opens for writing (it is not changed),
    /// otherwise its directory exists and a file can be created there. Nothing
    /// is left behind. Throws a `ParameterError` for `option`.
    public static func validateFile(_ path: String, option: String) throws(ParameterError) {
        try validate(path, option: option)
        var st = stat()
        if stat(path, &st) == 0 {
            guard st.st_mode & S_IFMT != S_IFDIR else { throw unwritable(path, option, directory: false, why: "it is a directory") }
            let fd = open(path, O_WRONLY | O_NONBLOCK)
            guard fd >= 0 else { throw unwritable(path, option, directory: false, why: String(cString: strerror(errno))) }
            close(fd)
            return
        }
        let parent = parent(of: path)
        guard stat(parent, &st) == 0 else {
            throw unwritable(path, option, directory: false, why: "its directory \(parent): \(String(cString: strerror(errno)))")
        }
        guard st.st_mode & S_IFMT == S_IFDIR else { throw unwritable(path, option, directory: false, why: "\(parent) is not a directory") }
        if let why = cannotCreate(in: parent) { throw unwritable(path, option, directory: false, why: why) }
    }

    /// The directory `path` is in: `.` for a bare name, `/` for `/name` (without
    /// `NSString.deletingLastPathComponent`, which traps on some short paths).
    static func parent(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        let head = p[..<slash]
        return head.isEmpty ? "/" : String(head)
    }

    /// Why no file can be created in the directory `dir` (a probe file is created and removed at once), or nil.
    static func cannotCreate(in dir: String) -> String? {
        let probe = dir + "/.headflow-probe-\(getpid())-\(UInt32.random(in: .min ... .max))"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        close(fd)
        unlink(probe)
        return nil
    }

    static func unwritable(_ path: String, _ option: String, directory: Bool, why: String) -> ParameterError {
        let must = directory ? "a directory where files can be created (or a path where one can be made)"
                             : "a file path in an existing directory where files can be created"
        return ParameterError(option, must: must, got: "\"\(path)\": \(why)")
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
