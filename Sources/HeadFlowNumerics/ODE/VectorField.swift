/// The right-hand side `dy/dt = f(t, y)`: writes `f` into the output buffer and
/// returns false when it cannot (a non-finite value), which stops the step.
public typealias VectorField = (_ t: Double, _ y: UnsafeBufferPointer<Double>, _ dydt: UnsafeMutableBufferPointer<Double>) -> Bool
