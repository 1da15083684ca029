import ArgumentParser
import FlowModel

/// `flowgate graph FLOW`: prints the flow as a Mermaid or Graphviz diagram.
struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a flow as Mermaid (default) or Graphviz DOT.",
        discussion: "Dashed edges are timeouts, pauses and handoff releases; bold edges are re-entry routes."
    )

    @Argument(help: "The flow file.")
    var flow: String

    @Option(help: "mermaid or dot.")
    var format: FlowGraph.Format = .mermaid

    func run() throws {
        let result = FlowLoader.load(file: flow)
        guard let loaded = result.flow, !result.diagnostics.hasErrors else {
            for diagnostic in result.diagnostics.sortedByLocation() { printError(diagnostic.description) }
            throw ExitCode.failure
        }
        print(FlowGraph.render(loaded, as: format), terminator: "")
    }
}

extension FlowGraph.Format: ExpressibleByArgument {}
