import ArgumentParser
import FlowModel
import Foundation

/// The `flowgate-server` command: the WhatsApp Cloud API webhook server (`serve`, the default),
/// and `populate`, which fills a store with contacts to measure memory against.
@main
struct FlowgateServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowgate-server",
        abstract: "The Flowgate webhook server: flows answer real WhatsApp customers.",
        version: FlowgateVersion.current,
        subcommands: [Serve.self, PopulateBench.self],
        defaultSubcommand: Serve.self
    )
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
