import CZlib

/// gzip decompression through zlib (`inflate` with gzip framing), for image files stored `.gz`
/// (Fashion-MNIST's IDX files). A file is taken as gzip when it starts with gzip's magic bytes
/// `1f 8b`, whatever its name.
enum Gzip {
    /// True when `bytes` start with gzip's magic number `1f 8b`.
    static func isCompressed(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b }

    /// The decompressed contents of the gzip data `bytes` of the file `path` (several gzip members
    /// one after the other are concatenated, as `gunzip` does). Throws, naming the file, on corrupt
    /// data (zlib's message), a truncated stream, or an output larger than `limit` bytes.
    static func decompress(_ bytes: [UInt8], path: String, limit: Int = 1 << 34) throws(ImageFileError) -> [UInt8] {
        var output: [UInt8] = []
        // gzip's trailer ends with the uncompressed size mod 2³²: a capacity hint, not trusted.
        if bytes.count >= 18 {
            let n = bytes.count
            let hint = Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
            output.reserveCapacity(min(hint, 1 << 31))
        }
        var stream = z_stream()
        // 15 + 16: a 32 KiB window and gzip framing only.
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImageFileError(path, "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var status: Int32 = Z_OK
        var problem: String?
        bytes.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(clamping: input.count)
            while true {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
                if output.count > limit { problem = "decompresses to more than \(limit) bytes"; return }
                if status == Z_STREAM_END {
                    // Another gzip member may follow (concatenated .gz files).
                    let used = input.count - Int(stream.avail_in)
                    if used >= input.count || !(input[used] == 0x1f && used + 1 < input.count && input[used + 1] == 0x8b) {
                        if used < input.count { problem = "\(input.count - used) bytes of trailing garbage after the gzip data" }
                        return
                    }
                    inflateReset(&stream)
                    continue
                }
                if status == Z_OK { continue }
                if status == Z_BUF_ERROR && stream.avail_in == 0 {
                    problem = "truncated gzip data (the stream ends after \(input.count) bytes, before its end marker)"
                } else {
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    problem = "corrupt gzip data (\(message))"
                }
                return
            }
        }
        if let problem { throw ImageFileError(path, problem) }
        return output
    }

    /// `bytes` compressed as one gzip member (zlib `deflate`, level 6): what `gzip` writes, for the
    /// tests' files and for exporting data; `decompress` inverts it.
    static func compress(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        precondition(deflateInit2_(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                                   Int32(MemoryLayout<z_stream>.size)) == Z_OK, "Gzip: deflateInit2 failed")
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        var input = bytes
        let status = input.withUnsafeMutableBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in
                stream.next_in = i.baseAddress; stream.avail_in = UInt32(i.count)
                stream.next_out = o.baseAddress; stream.avail_out = UInt32(o.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        precondition(status == Z_STREAM_END, "Gzip: deflate did not finish")
        return Array(output[0..<Int(stream.total_out)])
    }
}
