import ArgumentParser
import FlowModel
import Simulator

/// `flowgate test simulator/`: replays scripted conversations and reports what differed.
struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay scripted conversation tests (YAML scenarios) and compare with what the bot sends.",
        discussion: "Prints each scenario's result, what was expected beside what came on a failure, and `N passed, N failed`."
    )

    @Argument(help: "Scenario files or folders of them.")
    var paths: [String]

    func run() throws {
        let files = FlowLoader.expand(paths)
        guard !files.isEmpty else { throw ValidationError("no scenario files found in \(paths.joined(separator: " "))") }
        var passed = 0, failed = 0
        for file in files {
            let result = ScenarioRunner.run(file: file)
            if result.passed {
                passed += 1
                print("PASS  \(file)  \(result.title) (\(result.turns) turns)")
            } else {
                failed += 1
                print("FAIL  \(file)  \(result.title)")
                for failure in result.failures {
                    print(failure.description.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
                }
            }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode.failure }
    }
}
