import ArgumentParser

/// The `flowgate` command.
@main
struct Flowgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowgate",
        abstract: "A WhatsApp Cloud API chatbot flow runtime.",
        subcommands: [Simulate.self, Test.self, Validate.self, Graph.self, Serve.self, Bench.self]
    )
}
