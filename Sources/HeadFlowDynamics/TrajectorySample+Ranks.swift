extension TrajectorySample {
    /// `erank_f, rankme_f, erank_F, rankme_F` of a sample whose ranks were computed (else empty), then, for
    /// SGD, the batch estimates `erank_f_batch, rankme_f_batch, erank_F_batch, rankme_F_batch`: the named
    /// rank columns of the run, sweep and training records.
    package var rankColumns: [(String, Double)] {
        guard let f = outputRank, let h = headRank else { return [] }
        var columns = [("erank_f", f.erank), ("rankme_f", f.rankMe), ("erank_F", h.erank), ("rankme_F", h.rankMe)]
        if let bf = batchOutputRank, let bh = batchHeadRank {
            columns += [("erank_f_batch", bf.erank), ("rankme_f_batch", bf.rankMe), ("erank_F_batch", bh.erank), ("rankme_F_batch", bh.rankMe)]
        }
        return columns
    }
}
