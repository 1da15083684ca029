import ArgumentParser
import FlowModel

/// `flowgate graph FLOW`: prints the flow as a Mermaid or Graphviz diagram.
struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a flow as Mermaid (default) or Graphviz DOT.",
        discussion:
            "Refuses a flow with errors, as validate does. Dashed edges are timeouts, pauses and handoff releases; bold edges are re-entry routes."
    )

    @Argument(help: "The flow file.")
    var flow: String

    @Option(help: "mermaid or dot.")
    var format: FlowGraph.Format = .mermaid

    func run() throws {
        print(FlowGraph.render(try loadValidFlow(flow), as: format), terminator: "")
    }
}

extension FlowGraph.Format: ExpressibleByArgument {}
