import ArgumentParser
import Foundation
import HeadFlow

/// Work done / total with rate and time left, on stderr (`sweep` cells,
/// `train` steps): one updating line on a terminal, a line per tenth
/// otherwise. With `after`, nothing shows until that much time has passed, so
/// short runs stay silent. Called from one thread at a time.
final class ProgressBar: @unchecked Sendable {
    let label: String, unit: String
    let total: Int, already: Int, enabled: Bool, tty: Bool
    let delay: Duration, redraw: Duration
    var done: Int
    var lastTenth = -1
    var lastDraw: ContinuousClock.Instant? = nil
    let clock = ContinuousClock()
    let started: ContinuousClock.Instant

    /// A bar `label [####....] done/total unit  rate unit/s  m:ss left`; `already`
    /// units were done before (a resume, announced at once); on a terminal it
    /// redraws at most once per `redraw`.
    init(_ label: String = "sweep", unit: String = "cells", total: Int, already: Int = 0, enabled: Bool,
         after delay: Duration = .zero, redraw: Duration = .zero) {
        self.label = label; self.unit = unit; self.delay = delay; self.redraw = redraw
        self.total = total; self.already = already; self.enabled = enabled && total > 0
        done = already
        tty = isatty(STDERR_FILENO) != 0
        started = clock.now
        if self.enabled && already > 0 {
            FileHandle.standardError.write(Data("\(label): \(already) of \(total) \(unit) already finished (resuming)\n".utf8))
        }
    }

    /// One more unit done.
    func tick() { advance(to: done + 1) }

    /// `n` units done; `note` (e.g. the current loss) follows the bar.
    func advance(to n: Int, note: @autoclosure () -> String = "") {
        done = n
        guard enabled else { return }
        let now = clock.now
        if now - started < delay { return }
        let tenth = done * 10 / total
        if !tty && tenth == lastTenth && done < total { return }
        if tty, let last = lastDraw, now - last < redraw, done < total { return }
        lastTenth = tenth
        lastDraw = now
        let e = now - started
        let secs = Double(e.components.seconds) + Double(e.components.attoseconds) * 1e-18
        let rate = Double(done - already) / max(secs, 1e-9)
        let left = rate > 0 ? Double(total - done) / rate : 0
        let width = 24, filled = done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        var line = "\(label) [\(bar)] \(done)/\(total) \(unit)  \(NumberFormat.short(rate)) \(unit)/s  \(Self.clockText(left)) left"
        let text = note()
        if !text.isEmpty { line += "  " + text + (tty ? "\u{1B}[K" : "") }
        FileHandle.standardError.write(Data((tty ? "\r" + line : line + "\n").utf8))
    }

    /// Ends the updating line (a newline on a terminal, when anything was shown).
    func finish() {
        if enabled && tty && lastDraw != nil { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// `m:ss`, or `1h05m` from an hour on.
    static func clockText(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(String((t % 3600) / 60).leftPad2)m" : "\(t / 60):\(String(t % 60).leftPad2)"
    }
}

extension String {
    var leftPad2: String { count >= 2 ? self : "0" + self }
}

extension ProgressBar {
    /// Runs `body` (which ticks this bar) and finishes the bar; a failure to write a finished `what` (a sweep's
    /// cell, a boundary's line) becomes one line on stderr and exit 1.
    func finishing<T>(writing what: String, _ body: () throws -> T) throws -> T {
        let value: T
        do { value = try body() } catch {
            finish()
            printError("headflow: cannot write a finished \(what): \(error)")
            throw ExitCode.failure
        }
        finish()
        return value
    }
}
