import Foundation

/// What a command will allocate, estimated from its parameters *before*
/// anything is allocated: a sum of terms, each charged to the option that
/// drives it (`--points`, `--neurons`, `--batch`, …). Bytes are `Double`, so
/// an estimate never overflows (`Int.max` neurons is just a large number).
public struct ResourceEstimate: Sendable {
    /// One part of the estimate: its bytes, the option to lower, its value, and what it is.
    public struct Term: Sendable {
        /// The option that drives this term (CLI name without dashes).
        public let option: String
        /// That option's value, as the user gave it.
        public let value: String
        /// Estimated bytes.
        public let bytes: Double
        /// What the bytes hold, in words ("recorded samples").
        public let what: String

        /// A term of `bytes` for `what`, driven by `option = value`.
        public init(_ option: String, _ value: String, bytes: Double, what: String) {
            self.option = option; self.value = value; self.bytes = bytes; self.what = what
        }
    }

    /// The terms.
    public var terms: [Term]

    /// An estimate from its terms.
    public init(_ terms: [Term] = []) { self.terms = terms }

    /// Total bytes (`+∞` if a term is not finite).
    public var bytes: Double { terms.reduce(0) { $0 + ($1.bytes.isNaN ? .infinity : $1.bytes) } }

    /// The largest term: the option to lower first.
    public var dominant: Term? { terms.max { $0.bytes < $1.bytes || $0.bytes.isNaN } }

    /// Adds the terms of `other`.
    public static func + (l: ResourceEstimate, r: ResourceEstimate) -> ResourceEstimate { ResourceEstimate(l.terms + r.terms) }
}

/// The memory a command may use: a fixed fraction of the machine's physical
/// memory (`MemTotal` of `/proc/meminfo`, else `sysconf(_SC_PHYS_PAGES) ·
/// page size`). A command whose `ResourceEstimate` exceeds it is refused with
/// one line naming the option to lower, before it allocates anything.
public struct MemoryBudget: Sendable {
    /// Physical memory of the machine, in bytes.
    public let physical: Double
    /// The share of it a command may plan to use **(choice: 1/2**, leaving room
    /// for the system, other processes and the estimate's error).
    public let fraction: Double

    /// A budget of `fraction · physical` bytes.
    public init(physical: Double, fraction: Double = 0.5) {
        self.physical = physical; self.fraction = fraction
    }

    /// The limit in bytes.
    public var limit: Double { physical * fraction }

    /// This machine's budget (read once).
    public static let machine = MemoryBudget(physical: physicalMemory())

    /// `MemTotal` from `/proc/meminfo`, else `sysconf(_SC_PHYS_PAGES) · _SC_PAGESIZE`,
    /// else `ProcessInfo.physicalMemory`.
    static func physicalMemory() -> Double {
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
           let kib = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }), kib > 0 {
            return kib * 1024
        }
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        if pages > 0 && size > 0 { return Double(pages) * Double(size) }
        return Double(ProcessInfo.processInfo.physicalMemory)
    }

    /// Throws a `ParameterError` naming the dominant term's option when
    /// `estimate` exceeds the limit: the estimate, the limit, and where it comes from.
    public func check(_ estimate: ResourceEstimate) throws(ParameterError) {
        let total = estimate.bytes
        guard total > limit, let top = estimate.dominant else { return }
        let share = fraction == 0.5 ? "half" : NumberFormat.short(fraction * 100) + "%"
        throw ParameterError(top.option,
                             must: "small enough to fit in memory (\(Self.gibibytes(total)) needed, mostly \(top.what); "
                                + "the limit is \(Self.gibibytes(limit).dropFirst(2)), \(share) of this machine's \(Self.gibibytes(physical).dropFirst(2)))",
                             got: top.value)
    }

    /// `≈ 12.3 GiB` (or `more than 10³⁰⁸ bytes`).
    static func gibibytes(_ bytes: Double) -> String {
        bytes.isFinite ? "≈ " + NumberFormat.short(bytes / 1_073_741_824) + " GiB" : "more than 10³⁰⁸ bytes"
    }
}
