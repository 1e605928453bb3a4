import CPhilox
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowModel

/// The fast paths of an SGD step give the bits of their plain forms: the ziggurat's bulk fill is
/// the one-by-one stream, and the batch loss's SIMD loops are its scalar loops (the pool that runs
/// the chunks: `WorkerPoolTests`).
@Suite("SGD step kernels")
struct SGDKernelTests {
    /// The C inner-rectangle step against the same test written here, word by word.
    @Test("the ziggurat's bulk accept step matches the scalar rule, stopping at the first rejection")
    func zigguratAccept() {
        let zig = NormalZiggurat.shared
        var s = PhiloxStream(seed: 3, stream: 1, step: 2, buffer: PhiloxBuffer())
        let words = (0..<4096).map { _ in s.next32() }
        var rejections = 0
        words.withUnsafeBufferPointer { w in
            let out = UnsafeMutablePointer<Double>.allocate(capacity: 64)
            defer { out.deallocate() }
            for start in stride(from: 0, to: 4096 - 40, by: 37) {
                let count = 1 + start % 33
                let got = Int(headflow_ziggurat_accept(w.baseAddress! + start, Int32(count), zig.w, zig.k, out))
                var want = 0
                while want < count {
                    let word = w[start + want], i = Int(word & 0x7F), j = word >> 8
                    if j >= zig.k[i] { break }
                    let x = Double(j) * zig.w[i]
                    #expect(out[want].bitPattern == (word & 0x80 != 0 ? -x : x).bitPattern)
                    want += 1
                }
                #expect(got == want)
                if want < count { rejections += 1 }
            }
        }
        #expect(rejections > 0)
    }

    @Test("fillStandardNormal gives the draws of standardNormal() one by one, across buffer refills")
    func bulkFillIsTheStream() {
        var bulk = PhiloxStream(seed: 9, stream: 4, step: 7, buffer: PhiloxBuffer())
        var single = PhiloxStream(seed: 9, stream: 4, step: 7, buffer: PhiloxBuffer())
        let out = UnsafeMutablePointer<Double>.allocate(capacity: 50)
        defer { out.deallocate() }
        for round in 0..<400 {
            let count = 1 + round % 50
            bulk.fillStandardNormal(out, count: count)
            for t in 0..<count { #expect(out[t].bitPattern == single.standardNormal().bitPattern) }
            #expect(bulk.uniform() == single.uniform())
        }
    }

    /// Random outputs and head; the SIMD loops (m = 2, 4), the lane-parallel products (m > 4) and the
    /// scalar loops agree to the bit.
    @Test("the batch loss's SIMD loops are its scalar loops", arguments: [2, 4, 5, 64])
    func batchLossLanes(m: Int) throws {
        let n = 301
        var s = PhiloxStream(seed: 5, stream: 0, step: UInt64(m), buffer: PhiloxBuffer())
        let f1 = (0..<(n * m)).map { _ in s.standardNormal() }, f2 = (0..<(n * m)).map { _ in s.standardNormal() + 0.3 }
        let e = (0..<(m * m)).map { _ in s.standardNormal() }
        for throughTarget in [false, true] {
            let fast = BatchNormWorkspace(n: n, m: m), plain = BatchNormWorkspace(n: n, m: m)
            let loss = BatchNormLoss(epsilon: 1e-3)
            let l1 = try loss.evaluate(online: f1, target: f2, head: e, throughTarget: throughTarget, into: fast)
            let l2 = try loss.evaluate(online: f1, target: f2, head: e, throughTarget: throughTarget, into: plain, vectorised: false)
            #expect(l1.bitPattern == l2.bitPattern)
            func same(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ c: Int) -> Bool {
                (0..<c).allSatisfy { a[$0].bitPattern == b[$0].bitPattern }
            }
            #expect(same(fast.df1, plain.df1, n * m) && same(fast.gradE, plain.gradE, m * m) && same(fast.rho, plain.rho, m))
            if throughTarget { #expect(same(fast.df2, plain.df2, n * m)) }
        }
        // The same errors: a non-finite target output; an online output that is zero throughout.
        var bad = f2; bad[7] = .nan
        for vectorised in [true, false] {
            #expect(throws: DegenerateBatch.nonFinite(quantity: "target output f(X⁽²⁾)")) {
                try BatchNormLoss().evaluate(online: f1, target: bad, head: e, into: BatchNormWorkspace(n: n, m: m), vectorised: vectorised)
            }
            let flat = [Double](repeating: 0, count: n * m)
            #expect(throws: DegenerateBatch.zeroVariance(branch: .online, coordinate: 1, variance: 0)) {
                try BatchNormLoss().evaluate(online: flat, target: f2, head: e, into: BatchNormWorkspace(n: n, m: m), vectorised: vectorised)
            }
        }
    }
}
