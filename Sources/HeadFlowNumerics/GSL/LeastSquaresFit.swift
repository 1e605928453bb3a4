@preconcurrency import CGSL
import RealModule

/// Ordinary least squares `y = c0 + c1·x` through `gsl_fit_linear`, with the
/// standard errors of both coefficients. Used for the paper's scaling laws
/// (a slope of `log y` on `log x`).
public struct LeastSquaresFit: Equatable, Sendable, Codable {
    /// Intercept `c0`.
    public let intercept: Double
    /// Slope `c1`.
    public let slope: Double
    /// Standard error of the slope, `sqrt(cov11)`.
    public let slopeError: Double
    /// Standard error of the intercept, `sqrt(cov00)`.
    public let interceptError: Double
    /// Residual sum of squares.
    public let sumSquares: Double
    /// Number of points fitted.
    public let count: Int

    /// Fits `y` on `x`; nil when fewer than 3 points, lengths differ, a value
    /// is not finite, or GSL reports a failure (e.g. every `x` equal).
    public init?(x: [Double], y: [Double]) {
        guard x.count == y.count, x.count >= 3,
              x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else { return nil }
        GSLRuntime.ensure()
        var c0 = 0.0, c1 = 0.0, cov00 = 0.0, cov01 = 0.0, cov11 = 0.0, ss = 0.0
        let status = x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                gsl_fit_linear(xp.baseAddress, 1, yp.baseAddress, 1, x.count,
                               &c0, &c1, &cov00, &cov01, &cov11, &ss)
            }
        }
        guard status == GSL_SUCCESS, c1.isFinite else { return nil }
        intercept = c0; slope = c1
        slopeError = cov11.squareRoot(); interceptError = cov00.squareRoot()
        sumSquares = ss; count = x.count
    }

    /// Fits `log y` on `log x` (natural logs): the slope is the power-law
    /// exponent. Nil when any value is ≤ 0.
    public static func powerLaw(x: [Double], y: [Double]) -> LeastSquaresFit? {
        guard x.allSatisfy({ $0 > 0 }), y.allSatisfy({ $0 > 0 }) else { return nil }
        return LeastSquaresFit(x: x.map { Double.log($0) }, y: y.map { Double.log($0) })
    }
}

/// Order statistics through GSL (`gsl_stats_median`, `gsl_stats_mean`, …).
public enum Statistics {
    /// The median (sorts a copy; `gsl_stats_median_from_sorted_data`). NaN when empty.
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        var v = values
        return v.withUnsafeMutableBufferPointer { p in
            gsl_sort(p.baseAddress, 1, p.count)
            return gsl_stats_median_from_sorted_data(p.baseAddress, 1, p.count)
        }
    }

    /// The mean (`gsl_stats_mean`). NaN when empty.
    public static func mean(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        return values.withUnsafeBufferPointer { gsl_stats_mean($0.baseAddress, 1, $0.count) }
    }

    /// The sample standard deviation (`gsl_stats_sd`, `n − 1` denominator). NaN when fewer than 2.
    public static func standardDeviation(_ values: [Double]) -> Double {
        guard values.count >= 2 else { return .nan }
        return values.withUnsafeBufferPointer { gsl_stats_sd($0.baseAddress, 1, $0.count) }
    }
}

