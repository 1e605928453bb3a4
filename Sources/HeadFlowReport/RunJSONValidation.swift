import HeadFlowNumerics
import HeadFlowDynamics
import HeadFlowSweeps

/// Checks the JSON of `headflow run` / `train --format json` before anything
/// reads it (`headflow plot trajectory`), as `VerifiedManifest` checks a sweep:
/// the `parameters` complete and well-typed (`RunSpec(json:)`); a non-empty
/// `trajectory` whose times are finite, non-negative and increasing, with a
/// `k×m` `cos` and an `m×m` `E` in every sample; `events` each `null` or a
/// time within the run.
public enum RunJSON {
    /// `run` unchanged when it passes; otherwise a `SweepFileError` for `source`
    /// naming the first problem.
    public static func validated(_ run: JSONValue, source: String) throws(SweepFileError) -> JSONValue {
        func fail(_ why: String) -> SweepFileError { SweepFileError(source, why) }
        guard let p = run["parameters"] else { throw fail("not a run JSON: no \"parameters\" (written by headflow run --format json)") }
        let spec: RunSpec
        do { spec = try RunSpec(json: p) } catch { throw fail("parameters: \(error)") }
        let k = spec.alpha.count, m = spec.neurons
        guard k >= 1, m >= 1 else { throw fail("parameters: alpha and neurons must give k ≥ 1 features and m ≥ 1 neurons") }
        guard let samples = run["trajectory"]?.arrayValue, !samples.isEmpty else {
            throw fail("not a run JSON: no non-empty \"trajectory\" (written by headflow run --format json)")
        }
        var last = -Double.infinity
        for (i, s) in samples.enumerated() {
            guard let t = s["t"]?.doubleValue, t.isFinite, t >= 0, t > last else {
                throw fail("trajectory sample \(i): \"t\" must be a finite time ≥ 0, after the previous sample's")
            }
            last = t
            guard let c = s["cos"]?.matrixValue, c.rows == k, c.cols == m, c.storage.allSatisfy({ abs($0) <= 1 + 1e-9 }) else {
                throw fail("trajectory sample \(i): \"cos\" must be a \(k)×\(m) matrix of cosines in [−1, 1]")
            }
            guard let e = s["E"]?.matrixValue, e.rows == m, e.cols == m, e.isFinite else {
                throw fail("trajectory sample \(i): \"E\" must be an \(m)×\(m) matrix of finite numbers")
            }
        }
        guard let events = run["events"]?.objectValue else { throw fail("not a run JSON: no \"events\" object") }
        for (name, value) in events {
            if case .null = value { continue }
            guard let t = value.doubleValue, t.isFinite, t >= 0, t <= last else {
                throw fail("event \(name): its time must be null or a number in [0, \(last)] (got \(RunSpec.short(value)))")
            }
        }
        return run
    }
}
