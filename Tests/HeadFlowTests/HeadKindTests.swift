import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowModel

@Suite("Head variants: trainable entries and E(0)")
struct HeadKindTests {
    // none, and the heads set from the outputs' spectrum (never trained): nothing trains;
    // offdiag: only j ≠ r; full and random: everything; diag: only j = r.
    @Test("trainable masks", arguments: [1, 2, 4])
    func masks(m: Int) {
        for head in HeadKind.allCases {
            let mask = head.trainableMask(neurons: m)
            for j in 0..<m {
                for r in 0..<m {
                    let expected: Double
                    if [.none, .directpred, .directcopy].contains(head) { expected = 0 }
                    else if head == .offdiag { expected = j == r ? 0 : 1 }
                    else if [.full, .random].contains(head) { expected = 1 }
                    else if head == .diag { expected = j == r ? 1 : 0 }
                    else { Issue.record("a head rule this test does not know: \(head)"); continue }
                    #expect(mask[j, r] == expected, "\(head) (\(j), \(r))")
                }
            }
        }
    }

    // E(0) = I except for random, whose entries are N(0, 1/m) (or N(0, scale²) when a scale is given).
    @Test("E(0): the identity, or N(0, 1/m) entries for the random head")
    func initialHead() {
        for head in HeadKind.allCases where head != .random {
            #expect(head.initialHead(neurons: 3, source: RandomSource(seed: 1)) == .identity(3))
        }
        for (m, scale) in [(4, nil), (3, 0.7)] as [(Int, Double?)] {
            let source = RandomSource(seed: 9)
            var sum = 0.0, sum2 = 0.0, sum4 = 0.0, n = 0.0
            for _ in 0..<5_000 {
                for x in HeadKind.random.initialHead(neurons: m, source: source, scale: scale).storage {
                    sum += x; sum2 += x * x; sum4 += x * x * x * x; n += 1
                }
            }
            let variance = scale.map { $0 * $0 } ?? 1 / Double(m)
            let mean2 = sum2 / n, se2 = ((sum4 / n - mean2 * mean2) / n).squareRoot()
            #expect(abs(sum / n) <= 5 * (mean2 / n).squareRoot(), "m = \(m): mean \(sum / n)")
            #expect(abs(mean2 - variance) <= 5 * se2, "m = \(m): E[E_jr²] \(mean2) ± \(se2) vs \(variance)")
            #expect(abs(mean2 - 1.1 * variance) > 5 * se2, "the test must resolve a 10% change of the variance")
        }
    }
}
