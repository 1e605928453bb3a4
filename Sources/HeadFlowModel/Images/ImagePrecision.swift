/// The floating-point type the image network computes in (the BN loss and the head are always float64).
public enum ImagePrecision: String, CaseIterable, Sendable, Codable {
    /// `Float` (OpenBLAS `sgemm`): faster; a batch's loss and gradients agree with float64 to ≈ 1e-6 relative (tested to 1e-5).
    case float32
    /// `Double` (OpenBLAS `dgemm`): the reference.
    case float64
}
