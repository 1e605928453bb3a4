/// A stable 64-bit fingerprint of text: FNV-1a over its UTF-8 bytes
/// (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`), written as 16
/// lowercase hex digits. Not cryptographic: it tells a sweep's cells apart from
/// another sweep's (a file copied between stores), not from a forger.
public enum Fingerprint {
    /// FNV-1a 64 of `text`'s UTF-8 bytes.
    public static func fnv1a64(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    /// The fingerprint of `text`: `fnv1a64` as 16 hex digits.
    public static func of(_ text: String) -> String {
        let hex = String(fnv1a64(text), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The fingerprint of a JSON value's compact rendering (its canonical bytes).
    public static func of(_ json: JSONValue) -> String { of(json.rendered()) }
}
