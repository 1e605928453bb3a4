import ArgumentParser
import Foundation
import HeadFlow

/// `headflow`: the prediction head in non-contrastive SSL (Wen & Li, NeurIPS 2022), by computation.
@main
struct HeadFlowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headflow",
        abstract: "Simulate Wen & Li (NeurIPS 2022): why a trainable prediction head lets BYOL/SimSiam learn the weak feature.",
        discussion: """
        The population gradient flow of docs/MODEL.md is integrated exactly in reduced coordinates \
        (A = VᵀW, B = WᵀΠW, head E) with GSL's adaptive odeiv2 steppers (rk8pd by default in headflow's bit-identical native \
        transcription); mini-batch SGD trains the same model (train).
        Errors in options print one line naming the option and its valid range and exit 64.
        """,
        subcommands: [RunCommand.self, TrainCommand.self, SweepCommand.self, BoundaryCommand.self, MergeCommand.self, FitCommand.self, PlotCommand.self, ReproduceCommand.self, ClaimsCommand.self, FeaturesCommand.self, FastestHeadCommand.self])

    /// Parses, runs, and turns every error into one line on stderr with the right exit code:
    /// 64 for bad input (EX_USAGE), 1 for a numerical failure.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            // A bad data file is bad input, as a bad option is: exit 64 (EX_USAGE).
            let code = error is ImageFileError ? ExitCode.validationFailure : exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            // The parser's own messages echo a bad value whole: cut it like ParameterError does.
            let text = ParameterError.truncatingWords(message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)")
            FileHandle.standardError.write(Data("headflow: \(text)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}

/// Writes one line to stderr.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

extension ParameterError {
    /// The CLI form: a `ValidationError`, exit code 64.
    var validation: ValidationError { ValidationError(description) }
}

extension IntegrationFailure {
    /// The failure as the CLI prints it: the library's sentence plus the options that help.
    var withHint: String {
        switch self {
        case .stepUnderflow: return "\(self); try --stepper msbdf, a looser --rtol/--atol or a shorter --t-end"
        case .tooManySteps: return "\(self); use --stepper msbdf, or raise --max-steps"
        default: return "\(self)"
        }
    }
}
