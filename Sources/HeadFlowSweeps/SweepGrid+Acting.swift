import HeadFlowNumerics
import HeadFlowDynamics

// MARK: - Options that cannot act in a sweep

extension SweepGrid {
    /// Throws when a parameter the user gave (`given`, options of the base) or varies (a table entry on an axis)
    /// acts in no cell of this grid solved by `engine`: not one of its engines (`--vary stepper=… --engine sgd`),
    /// or in no cell's setting of the other parameters (`--ema-tau` when no cell has `--target ema`). An option
    /// that acts in some cell is kept (`--ema-tau 50 --vary target=same,ema`). Derived axes (`alpha-ratio`,
    /// `eta-e-ratio`, entries of `alpha`, `init-a`, `init-b`) always act.
    public func checkActs(given: [RunParameter], engine: RunParameter.Engines) throws(ParameterError) {
        let varied = axes.compactMap { axis -> (RunParameter, SweepAxis)? in
            if case .run(let p) = axis.parameter.key { return (p, axis) }
            return nil
        }
        for p in given where !varied.contains(where: { $0.0 == p }) {
            try p.checkActs(inSomeOf: count, engine: engine) { i throws(ParameterError) in try cell(i).spec }
        }
        for (p, axis) in varied {
            do throws(ParameterError) {
                try p.checkActs(inSomeOf: count, engine: engine) { i throws(ParameterError) in try cell(i).spec }
            } catch where error.notActing {
                throw ParameterError("vary", must: "a parameter that acts in this sweep (\(error.description.dropFirst(2)))",
                                     got: "\(p.name)=\(axis.spec)")
            }
        }
    }
}
