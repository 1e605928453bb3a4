/// The result of a `FastestHeadSearch`: the head rate `η_E*/η` at which an event
/// (by default `learn_w2_v2`, neuron 2 learning the weak feature `v_2`) fires
/// soonest, its time `T* = T(η_E*/η)`, the coarse scan it started from, and the
/// two reference times — the paper's default rate and no head.
///
/// Times are `nil` when the event does not fire by `t_end`: `T = +∞`, never NaN.
public struct FastestHead: Sendable {
    /// One head rate and the event's time there (`nil`: not by `t_end`, `T = +∞`).
    public struct Point: Equatable, Sendable {
        /// `η_E/η`.
        public let ratio: Double
        /// `T(η_E/η)`, nil when the event does not fire by `t_end`.
        public let time: Double?
    }

    /// Which end of `[lower, upper]` holds the scan's smallest time when there is no interior optimum.
    public enum End: String, Equatable, Sendable {
        /// `η_E/η = lower`: the time falls toward the LO end.
        case lower
        /// `η_E/η = upper`: the time falls toward the HI end.
        case upper
    }

    /// How the search ended.
    public enum Verdict: Equatable, Sendable {
        /// An interior minimum, located by Brent to the search's precision.
        case interior
        /// No interior optimum in the range: the scan's smallest time is at an end (the optimum reported is that end).
        case monotone(End)
        /// The event fires at no rate of the scan by `t_end`.
        case never
        /// An integration failed, or the time is not unimodal next to the scan's minimum (the reason, with the rate).
        case failed(String)

        /// `interior`, `monotone-low`, `monotone-high`, `never`, `failed`: the verdict's name in JSON and CSV.
        public var name: String {
            switch self {
            case .interior: return "interior"
            case .monotone(.lower): return "monotone-low"
            case .monotone(.upper): return "monotone-high"
            case .never: return "never"
            case .failed: return "failed"
            }
        }

        /// The verdict in words for `[lower, upper]`.
        public func text(_ search: FastestHeadSearch) -> String {
            switch self {
            case .interior: return "interior optimum"
            case .monotone(.upper): return "monotone: no interior optimum, time falls toward the HI end (η_E/η = \(search.upper))"
            case .monotone(.lower): return "monotone: no interior optimum, time falls toward the LO end (η_E/η = \(search.lower))"
            case .never: return "never: \(search.event) does not fire by t_end at any scanned η_E/η in [\(search.lower), \(search.upper)]"
            case .failed(let why): return "failed: \(why)"
            }
        }
    }

    /// A speed-up `T_ref / T*` against a reference time.
    public enum Speedup: Equatable, Sendable {
        /// Both times finite.
        case finite(Double)
        /// The reference never fires by `t_end` but the optimum does: infinite.
        case infinite
        /// There is no optimum time (the event never fires, or the search failed): undefined.
        case undefined

        /// `T_ref / T*` for a reference time `reference` and an optimum time `best` (nil: `+∞`).
        public init(reference: Double?, best: Double?) {
            guard let best else { self = .undefined; return }
            guard let reference else { self = .infinite; return }
            self = .finite(reference / best)
        }

        /// The value when finite.
        public var value: Double? {
            if case .finite(let x) = self { return x }
            return nil
        }

        /// `finite`, `infinite` or `undefined`.
        public var kind: String {
            switch self {
            case .finite: return "finite"
            case .infinite: return "infinite"
            case .undefined: return "undefined"
            }
        }
    }

    /// The search that produced it.
    public let search: FastestHeadSearch
    /// The coarse scan, in increasing `η_E/η`.
    public let scan: [Point]
    /// How the search ended.
    public internal(set) var verdict: FastestHead.Verdict
    /// The fastest rate found: Brent's (interior), or the scan's end (monotone); nil otherwise.
    public internal(set) var optimum: Point?
    /// Brent's final bracket in `η_E/η` (interior only).
    public internal(set) var bracket: (lower: Double, upper: Double)?
    /// The reference at the paper's default `η_E/η = 0.01`.
    public let paperDefault: Point
    /// The event's time without a head (`--head none`, `E = I` frozen); nil: not by `t_end`.
    public let noHeadTime: Double?
    /// Flows solved: the scan, the two references, the bisections and Brent's evaluations.
    public internal(set) var runs: Int
    /// Brent's iterations (0 when it did not run).
    public internal(set) var iterations: Int

    /// True when the verdict is `.failed` (its missing times are then unknown, not `+∞`).
    public var isFailed: Bool {
        if case .failed = verdict { return true }
        return false
    }

    /// `T(paper default) / T*`.
    public var speedupOverPaperDefault: Speedup { Speedup(reference: paperDefault.time, best: optimum?.time) }
    /// `T(no head) / T*`: infinite when the event never fires without the head.
    public var speedupOverNoHead: Speedup { Speedup(reference: noHeadTime, best: optimum?.time) }
}
