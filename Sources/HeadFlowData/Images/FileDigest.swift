import CLibCrypto

/// The SHA-256 of a file's bytes, through OpenSSL's libcrypto (`EVP_Digest` with `EVP_sha256`),
/// recorded with a run so that its data can be identified.
enum FileDigest {
    /// The SHA-256 of `bytes` as 64 lower-case hexadecimal digits.
    static func sha256(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            digest.withUnsafeMutableBufferPointer { out in
                EVP_Digest(input.baseAddress, input.count, out.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "FileDigest: libcrypto's SHA-256 failed")
        let hex: [Character] = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(64)
        for b in digest.prefix(32) { text.append(hex[Int(b >> 4)]); text.append(hex[Int(b & 15)]) }
        return text
    }
}
