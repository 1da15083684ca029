import ArgumentParser
import FlowModel

/// The `flowgate` command: the designer's tools. The webhook server is `flowgate-server`, a
/// separate executable, so these build without the server stack.
@main
struct Flowgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowgate",
        abstract: "A WhatsApp Cloud API chatbot flow runtime: simulate, test, validate and draw flows.",
        discussion:
            "The webhook server is its own executable: swift build -c release --product flowgate-server, then .build/release/flowgate-server serve --config flowgate.yaml (see docs/server.md).",
        version: FlowgateVersion.current,
        subcommands: [Simulate.self, Test.self, Validate.self, Graph.self, Bench.self, ServeMoved.self]
    )
}

/// `flowgate serve`, as older docs wrote it: says where the server is now.
struct ServeMoved: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "The webhook server is the flowgate-server executable.",
        shouldDisplay: false
    )

    @Argument(parsing: .allUnrecognized) var arguments: [String] = []

    func run() throws {
        printError(
            """
            flowgate serve: the server is its own executable, so the designer's tools build without it. Build it once and run it:
              swift build -c release --product flowgate-server
              .build/release/flowgate-server serve \(arguments.joined(separator: " "))
            """
        )
        throw ExitCode(64)
    }
}
