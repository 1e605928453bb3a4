import ArgumentParser
import HeadFlow

/// `headflow run`: integrate the population flow once and print the trajectory.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Integrate the population gradient flow (odeiv2 rk8pd/msbdf) and report trajectory, events and head peaks.",
        discussion: """
        Events: learn_w{j}_v{ℓ} (first |cos_ℓj| ≥ 0.9), substitution (first |E_ji|·|a_1i|³ > 10·|a_1j|³ after \
        neuron i learned v_1), peak_offdiag (max |E_jr| and when). The trajectory holds the --points recorded times plus the state at \
        each located event and each head peak. JSON keys: parameters, trajectory, events, \
        peak_offdiag, final, solver.
        """)

    @OptionGroup var options: RunOptions
    @Option(parsing: .unconditional, help: "Named parameter set (sgd: the regime where SGD follows the flow, see `headflow train --preset sgd`); options not given take the preset's value.")
    var preset: TrainPreset?
    @Option(parsing: .unconditional, help: OutputFormat.help([.table, .json, .csv]), completion: OutputFormat.completion([.table, .json, .csv]))
    var format: String = "table"

    func run() throws {
        let spec: RunSpec, problem: PopulationProblem, fmt: OutputFormat
        do {
            fmt = try OutputFormat.parse(format, allowed: [.table, .json, .csv])
            spec = try options.spec(preset: preset, engine: .population)
            problem = try spec.problem()
        } catch { throw error.validation }
        let trajectory = PopulationSolver(settings: spec.settings).solve(problem, saveat: spec.sampling, saveEvents: true)
        if case .failed(let failure) = trajectory.status {
            printError("headflow: \(failure.withHint)")
            throw ExitCode.failure
        }
        let report = RunReport(spec: spec, problem: problem, trajectory: trajectory)
        switch fmt {
        case .json: print(report.json.rendered(pretty: true))
        case .csv: print(report.csv, terminator: "")
        default: print(report.table(), terminator: "")
        }
    }
}
