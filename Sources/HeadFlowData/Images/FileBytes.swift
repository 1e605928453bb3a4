#if canImport(Glibc)
import Glibc
#endif

/// The bytes of a whole file, read with POSIX `open`/`read` (no Foundation in the library layers).
enum FileBytes {
    /// Every byte of the regular file at `path`; an `ImageFileError` naming the file when it is
    /// missing, a directory, or cannot be read (the system's reason, `strerror`).
    static func read(_ path: String) throws(ImageFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ImageFileError(path, reason(errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ImageFileError(path, reason(errno)) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ImageFileError(path, "not a regular file") }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, size - done) }
            if got < 0 {
                if errno == EINTR { continue }
                throw ImageFileError(path, reason(errno))
            }
            if got == 0 { break }  // the file shrank while being read
            done += got
        }
        guard done == size else { throw ImageFileError(path, "read \(done) of \(size) bytes (the file changed while read)") }
        return bytes
    }

    /// The system's text for `code` in lower case (`no such file or directory`).
    private static func reason(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
