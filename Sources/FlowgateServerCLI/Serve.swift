import ArgumentParser
import AsyncHTTPClient
import FlowEngine
import FlowModel
import FlowServer
import FlowStore
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import ServiceLifecycle
import UnixSignals

/// `flowgate serve --config flowgate.yaml`: the WhatsApp Cloud API webhook server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the webhook server: flows answer real WhatsApp customers.",
        discussion: """
            Secrets come from the environment (names configurable in the config's `env:`): WHATSAPP_APP_SECRET, \
            WHATSAPP_VERIFY_TOKEN, WHATSAPP_ACCESS_TOKEN, and FLOWGATE_ADMIN_TOKEN for the admin API. See docs/server.md.
            """
    )

    @Option(help: "The server config (YAML).")
    var config = "flowgate.yaml"

    @Option(help: "Override the config's listen port.")
    var port: Int?

    @Option(
        name: .customLong("graph-url"),
        help: "Override the config's Graph API base URL (also the FLOWGATE_GRAPH_BASE_URL variable), e.g. a fake one on http://127.0.0.1:9101."
    )
    var graphURL: String?

    @Option(help: "Override the config's SQLite store path.")
    var store: String?

    @Option(help: "Override the config's admin_listen port (the private listener for /metrics and /admin).")
    var adminPort: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(help: "Log lines as text, or as one JSON object each (for log collectors).")
    var logFormat: LogFormat = .text

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)' is not a level; use trace, debug, info, notice, warning, error or critical")
        }
    }

    /// One line for a failure to start or run: a taken port is named as such.
    static func explain(_ error: any Error, host: String, port: Int) -> String {
        if let io = error as? IOError, io.errnoCode == EADDRINUSE { return "\(host):\(port) is already in use" }
        if let io = error as? IOError, io.errnoCode == EACCES { return "\(host):\(port) needs privileges to listen on (use a port above 1023)" }
        return describeForOperator(error)
    }

    func run() async throws {
        // Values from the wire reach the log escaped: a newline in a payload cannot forge a line.
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let format = logFormat
        // Once per process: dependencies log through the same handler.
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                format == .json ? JSONLogHandler(label: label) : EscapingLogHandler(StreamLogHandler.standardError(label: label))
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "flowgate")
        let loaded = ServerConfig.load(file: config)
        for diagnostic in loaded.diagnostics { printError(diagnostic.description) }
        guard var serverConfig = loaded.config else { throw ExitCode.failure }
        if let port { serverConfig.port = port }
        if let store { serverConfig.store = .sqlite(path: store) }
        if let adminPort { serverConfig.adminListen = .init(host: serverConfig.adminListen?.host ?? "127.0.0.1", port: adminPort) }
        if let url = graphURL ?? ProcessInfo.processInfo.environment["FLOWGATE_GRAPH_BASE_URL"].flatMap({ $0.isEmpty ? nil : $0 }) {
            serverConfig.graphBaseURL = url
        }
        let secrets: ServerSecrets
        let engines: [String: Engine]
        do {
            secrets = try ServerSecrets.fromEnvironment(serverConfig)
            engines = try FlowgateServer.engines(for: serverConfig)
        } catch {
            printError("flowgate serve: \(error)")
            throw ExitCode.failure
        }
        if case .postgres = serverConfig.store {
            // Replicas share the database: each process takes a name of its own, so a restarted
            // one never mistakes a dead process's claims for its own.
            let host = ProcessInfo.processInfo.hostName
            serverConfig.claims.worker = "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        }
        let opened: OpenedStore
        do {
            opened = try await OpenedStore.open(serverConfig.store, environment: ProcessInfo.processInfo.environment, logger: logger)
        } catch {
            printError("flowgate serve: \(error)")
            throw ExitCode.failure
        }
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: serverConfig.concurrency)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        let sender = GraphClient(
            client: client,
            base: serverConfig.graphBaseURL,
            version: serverConfig.graphVersion,
            accessToken: secrets.accessToken
        )
        let server = FlowgateServer(config: serverConfig, secrets: secrets, engines: engines, store: opened.store, sender: sender, logger: logger)
        // Once per process: metrics of the libraries underneath (swift-metrics users) land in
        // the same registry as Flowgate's own, on /metrics.
        MetricsSystem.bootstrap(server.metrics.factory)
        logger.info(
            "starting",
            metadata: [
                "listen": "\(serverConfig.host):\(serverConfig.port)",
                "admin_listen": "\(serverConfig.adminListen.map { "\($0.host):\($0.port)" } ?? "the public listener")",
                "store": "\(serverConfig.store)",
                "numbers": "\(engines.keys.sorted().joined(separator: ","))", "graph": "\(serverConfig.graphBaseURL)/\(serverConfig.graphVersion)",
            ]
        )
        let services: [any Service] = [server.application()] + (server.operationsApplication().map { [$0] } ?? [])
        var lifecycle = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        lifecycle.maximumGracefulShutdownDuration = .milliseconds(serverConfig.shutdownGrace.milliseconds)
        lifecycle.maximumCancellationDuration = .seconds(5)
        do {
            try await ServiceGroup(configuration: lifecycle).run()
        } catch {
            try? await client.shutdown()
            await opened.close()
            printError("flowgate serve: \(Self.explain(error, host: serverConfig.host, port: serverConfig.port))")
            throw ExitCode.failure
        }
        try await client.shutdown()
        await opened.close()
    }
}
