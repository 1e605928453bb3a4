/// Where a solve's steps must end besides `t_end` (SciML's `tstops`).
public enum StepStops: String, CaseIterable, Sendable, Codable {
    /// Nowhere else: the steps do not depend on the recording times (SciML's `saveat`),
    /// so the events and the final state are the same for any recording times.
    case none
    /// At every recording time too (`tstops = saveat`): each sample is a step's end
    /// state, and events move with the recording times (by up to the error tolerance).
    /// headflow's results before the steps were made independent of the recording times.
    case samples
}
