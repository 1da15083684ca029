import ArgumentParser
import FlowModel
import Foundation
import Simulator

/// `flowgate test simulator/`: replays scripted conversations and reports what differed.
struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay scripted conversation tests (YAML scenarios) and compare with what the bot sends.",
        discussion: """
            Prints each scenario's result, what was expected beside what came on a failure, and `N passed, N failed`; \
            exits 1 on any failure. --format junit writes JUnit XML for CI systems, --format json one report object.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, junit
    }

    @Argument(help: "Scenario files or folders of them.")
    var paths: [String]

    @Option(help: "text, json, or junit (JUnit XML).")
    var format: Format = .text

    @OptionGroup var colors: ColorOptions

    func run() throws {
        let files = FlowLoader.expand(paths)
        guard !files.isEmpty else { throw CommandError("no scenario files (.yaml or .yml) in \(paths.joined(separator: " "))") }
        let results = files.map(ScenarioRunner.run(file:))
        switch format {
        case .text: printText(results)
        case .json: print(try TestReport.json(results))
        case .junit: print(TestReport.junit(results), terminator: "")
        }
        if results.contains(where: { !$0.passed }) { throw ExitCode.failure }
    }

    private func printText(_ results: [ScenarioRunner.Result]) {
        let style = colors.style
        for result in results {
            if result.passed {
                print("\(style.green("PASS"))  \(result.file)  \(result.title) (\(result.turns) turns)")
                continue
            }
            print("\(style.red("FAIL"))  \(result.file)  \(result.title)")
            for problem in result.problems {
                print(style.diagnostic(problem).split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
            }
            for failure in result.failures {
                print(failure.description.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
            }
        }
        let passed = results.filter(\.passed).count
        let failed = results.count - passed
        print("\(passed) passed, \(failed > 0 ? style.red("\(failed) failed") : "0 failed")")
    }
}
