import ArgumentParser
import FlowModel
import Foundation

/// `flowgate bench`: measures Flowgate's hot paths (a benchmark, not a test).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Flowgate's hot paths and print medians.",
        subcommands: [LoadBench.self, EngineBench.self, GuardBench.self]
    )
}

/// Loads and validates a generated flow of N nodes, several times, and prints the median.
struct LoadBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Time loading and validating a generated flow."
    )

    @Option(help: "Nodes in the generated flow.")
    var nodes = 1000

    @Option(help: "Timed repetitions (after one warm-up).")
    var runs = 15

    func validate() throws { try requirePositive([("nodes", nodes), ("runs", runs)]) }

    func run() throws {
        let yaml = FlowGenerator.yaml(nodes: nodes)
        let clock = ContinuousClock()
        var loads: [Duration] = []
        var validations: [Duration] = []
        var diagnostics = 0
        for run in 0...runs {
            var result: LoadResult!
            let load = clock.measure { result = FlowLoader.load(yaml: yaml, file: "generated.yaml") }
            guard let flow = result.flow else { throw CommandError("the generated flow did not load: \(result.diagnostics)") }
            var found: [Diagnostic] = []
            let validate = clock.measure { found = FlowValidator.validate(flow) }
            diagnostics = result.diagnostics.count + found.count
            if run > 0 {
                loads.append(load)
                validations.append(validate)
            }
        }
        let totals = zip(loads, validations).map { $0 + $1 }
        print("flow: \(nodes) nodes, \(yaml.split(separator: "\n").count) lines, \(yaml.utf8.count / 1024) KiB; diagnostics: \(diagnostics)")
        print("runs: \(runs)")
        print("load      median \(median(loads))")
        print("validate  median \(median(validations))")
        print("total     median \(median(totals))  (min \(format(totals.min()!)), max \(format(totals.max()!)))")
    }

    func median(_ values: [Duration]) -> String { format(values.sorted()[values.count / 2]) }

    func format(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%.2f ms", ms)
    }
}
