import FlowModel
import FlowStore
import Foundation
import Yams

/// `flowgate.yaml`: which flow answers which business number, where the Graph API is, where state
/// lives. Secrets are not in it: it names the environment variables that hold them.
///
/// ```yaml
/// listen: { host: 127.0.0.1, port: 8080 }
/// graph: { base_url: https://graph.facebook.com, version: v23.0 }
/// store: { sqlite: flowgate.sqlite }     # or { postgres: { url_env: FLOWGATE_DATABASE_URL, pool_size: 10 } }
/// numbers:
///   - { phone_number_id: "106540352242922", flow: flows/auto-ack.yaml, rate: 80 }
/// ```
public struct ServerConfig: Sendable {
    public struct Number: Sendable {
        public var phoneNumberID: String
        /// The flow file, resolved against the config's folder.
        public var flowPath: String
        public var rate: Double?

        public init(phoneNumberID: String, flowPath: String, rate: Double? = nil) {
            self.phoneNumberID = phoneNumberID
            self.flowPath = flowPath
            self.rate = rate
        }
    }

    public var host = "127.0.0.1"
    public var port = 8080
    /// A second, private listener for `/metrics` and `/admin`, which then leave the public one:
    /// `admin_listen: { host: 127.0.0.1, port: 9090 }`. Nil: everything on the public listener.
    public var adminListen: Address?

    /// Where a listener binds.
    public struct Address: Sendable, Hashable {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }
    public var graphBaseURL = "https://graph.facebook.com"
    public var graphVersion = "v23.0"
    /// Where state lives: `flowgate.sqlite` in the working folder unless the config says otherwise.
    public var store = StoreLocation.default
    public var numbers: [Number] = []
    public var maxBodyBytes = 1 << 20
    /// Open connections at most; past it new ones wait in the kernel's queue until one closes.
    /// Kept below the process's file limit at start (see `FlowgateServer.connectionCap`).
    public var maxConnections = 4_096
    /// A connection with no request for this long is closed (dripped headers count as none).
    public var idleTimeout = TimeSpan.seconds(30)
    /// A request whose body has not all arrived this long after its head is cut.
    public var readTimeout = TimeSpan.seconds(10)
    /// On SIGTERM: how long accepted requests and sends in flight may take to finish before the
    /// process exits anyway. What is cut short was never answered 200, so the platform retries it.
    public var shutdownGrace = TimeSpan.seconds(30)
    public var concurrency = 64
    /// How long a queued message is retried on transient errors before it fails for good.
    public var retryFor = TimeSpan.hours(24)
    /// An optional cap on tries, whatever the time.
    public var maxAttempts: Int?
    /// How long a sent or failed message stays in the outbox: statuses naming it reach its
    /// conversation, and a failed one is listed for an operator to send again, for this long.
    public var keepSentFor = TimeSpan.days(30)
    public var stateCache = 20_000
    /// This process's name in the store and the life of its claims (`claim_lease`, 2 s to 10 min).
    public var claims = Claims()
    /// How long inbound message ids are remembered for deduplication (the platform retries for days).
    public var dedupeFor = TimeSpan.days(7)
    public var appSecretVariable = "WHATSAPP_APP_SECRET"
    public var verifyTokenVariable = "WHATSAPP_VERIFY_TOKEN"
    public var accessTokenVariable = "WHATSAPP_ACCESS_TOKEN"
    public var adminTokenVariable = "FLOWGATE_ADMIN_TOKEN"
    /// The desk at `/desk`; off unless `desk:` names agents.
    public var desk = DeskConfig()
    /// Where events go out (`events:`), in order: a sink's index names its outbox queue.
    public var eventSinks: [EventSink] = []

    public init() {}

    /// A config file read: the config when it has no errors, and every problem found.
    public struct Loaded: Sendable {
        public var config: ServerConfig?
        public var diagnostics: [Diagnostic]
    }

    /// Reads a config file; problems come back as diagnostics with line and column.
    public static func load(file path: String) -> Loaded {
        let yaml: String
        switch TextFile.read(path) {
        case .success(let text): yaml = text
        case .failure(let problem): return Loaded(config: nil, diagnostics: [problem])
        }
        let document = FlowLoader.document(yaml: yaml, file: path, emptyHint: "see docs/server.md for the keys")
        let context = document.context
        guard let root = document.root, let reader = context.mapping(root, "the config") else {
            return Loaded(config: nil, diagnostics: context.diagnostics)
        }
        let folder = (path as NSString).deletingLastPathComponent
        func resolve(_ file: String) -> String {
            file.hasPrefix("/") || folder.isEmpty ? file : ((folder + "/" + file) as NSString).standardizingPath
        }
        var config = ServerConfig()
        if let listen = reader.mapping("listen") {
            config.host = listen.string("host")?.value ?? config.host
            config.port = listen.int("port")?.value ?? config.port
            listen.reportUnknownKeys(in: "listen")
        }
        if let admin = reader.mapping("admin_listen") {
            let port = admin.int("port", required: true, hint: "the private port, e.g. `admin_listen: { host: 127.0.0.1, port: 9090 }`")
            if let port { config.adminListen = Address(host: admin.string("host")?.value ?? "127.0.0.1", port: port.value) }
            admin.reportUnknownKeys(in: "admin_listen")
        }
        if let graph = reader.mapping("graph") {
            config.graphBaseURL = graph.string("base_url")?.value ?? config.graphBaseURL
            config.graphVersion = graph.string("version")?.value ?? config.graphVersion
            graph.reportUnknownKeys(in: "graph")
        }
        if let store = reader.mapping("store") {
            config.store = StoreLocation.read(store, resolve: resolve) ?? config.store
        }
        for item in reader.list("numbers", required: true, hint: "map each business phone number id to a flow") ?? [] {
            guard let number = context.mapping(item, "a number") else { continue }
            let id = number.string("phone_number_id", required: true)
            let flow = number.string("flow", required: true)
            let rate = number.double("rate")
            number.reportUnknownKeys(in: "a number")
            if let id, let flow {
                config.numbers.append(Number(phoneNumberID: id.value, flowPath: resolve(flow.value), rate: rate?.value))
            }
        }
        if let connections = reader.mapping("connections") {
            config.maxConnections = connections.int("max")?.value ?? config.maxConnections
            config.idleTimeout = connections.span("idle_timeout")?.value ?? config.idleTimeout
            config.readTimeout = connections.span("read_timeout")?.value ?? config.readTimeout
            config.shutdownGrace = connections.span("shutdown_grace")?.value ?? config.shutdownGrace
            connections.reportUnknownKeys(in: "connections")
            if config.maxConnections < 1 {
                context.report(.error(.invalidValue, "'max' must be at least 1", at: connections.keyLocation("max")))
            }
        }
        if let webhook = reader.mapping("webhook") {
            config.maxBodyBytes = webhook.int("max_body_bytes")?.value ?? config.maxBodyBytes
            config.dedupeFor = webhook.span("dedupe_for")?.value ?? config.dedupeFor
            webhook.reportUnknownKeys(in: "webhook")
        }
        if let dispatcher = reader.mapping("dispatcher") {
            config.concurrency = dispatcher.int("concurrency")?.value ?? config.concurrency
            config.maxAttempts = dispatcher.int("max_attempts")?.value ?? config.maxAttempts
            config.retryFor = dispatcher.span("retry_for")?.value ?? config.retryFor
            config.keepSentFor =
                dispatcher.span(
                    "keep_sent_for",
                    in: .days(1)...TimeSpan.longest,
                    hint: "keep sent messages at least 1d, so their statuses still find them; 30d is the default"
                ) ?? config.keepSentFor
            dispatcher.reportUnknownKeys(in: "dispatcher")
        }
        config.stateCache = reader.int("state_cache")?.value ?? config.stateCache
        config.claims.lease =
            reader.span("claim_lease", in: .seconds(2)...TimeSpan.minutes(10), hint: "from 2s to 10m; 30s is the default") ?? config.claims.lease
        if let desk = reader.mapping("desk") { config.desk = DeskConfig.read(desk) }
        if let sinks = reader.list("events") { config.eventSinks = EventSink.read(sinks, context: context) }
        if let env = reader.mapping("env") {
            config.appSecretVariable = env.string("app_secret")?.value ?? config.appSecretVariable
            config.verifyTokenVariable = env.string("verify_token")?.value ?? config.verifyTokenVariable
            config.accessTokenVariable = env.string("access_token")?.value ?? config.accessTokenVariable
            config.adminTokenVariable = env.string("admin_token")?.value ?? config.adminTokenVariable
            env.reportUnknownKeys(in: "env")
        }
        reader.reportUnknownKeys(in: "the config")
        return Loaded(config: context.diagnostics.hasErrors ? nil : config, diagnostics: context.diagnostics)
    }
}

/// The secrets, read from the environment. Never printed: `description` masks them.
public struct ServerSecrets: Sendable, CustomStringConvertible {
    public var appSecret: String
    public var verifyToken: String
    public var accessToken: String
    /// Nil disables the admin API.
    public var adminToken: String?
    /// Each desk agent's sign-in token, by name.
    public var agentTokens: [String: String]
    /// Each event sink's signing secret, in the config's order.
    public var sinkSecrets: [String]

    public init(
        appSecret: String,
        verifyToken: String,
        accessToken: String,
        adminToken: String?,
        agentTokens: [String: String] = [:],
        sinkSecrets: [String] = []
    ) {
        self.sinkSecrets = sinkSecrets
        self.appSecret = appSecret
        self.verifyToken = verifyToken
        self.accessToken = accessToken
        self.adminToken = adminToken
        self.agentTokens = agentTokens
    }

    /// Reads the variables the config names; throws naming the ones missing.
    public static func fromEnvironment(
        _ config: ServerConfig,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ServerSecrets {
        var missing: [String] = []
        func required(_ name: String) -> String {
            guard let value = environment[name], !value.isEmpty else {
                missing.append(name)
                return ""
            }
            return value
        }
        let secrets = ServerSecrets(
            appSecret: required(config.appSecretVariable),
            verifyToken: required(config.verifyTokenVariable),
            accessToken: required(config.accessTokenVariable),
            adminToken: environment[config.adminTokenVariable].flatMap { $0.isEmpty ? nil : $0 },
            agentTokens: Dictionary(config.desk.agents.map { ($0.name, required($0.tokenVariable)) }, uniquingKeysWith: { first, _ in first }),
            sinkSecrets: config.eventSinks.map { required($0.secretVariable) }
        )
        guard missing.isEmpty else {
            throw ServerError("set the environment variable\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))")
        }
        let short = config.desk.agents.filter { (environment[$0.tokenVariable] ?? "").count < DeskConfig.minimumTokenLength }
        guard short.isEmpty else {
            throw ServerError(
                "desk tokens must be at least \(DeskConfig.minimumTokenLength) characters: "
                    + short.map(\.tokenVariable).joined(separator: ", ") + " (use a password manager's random string)"
            )
        }
        return secrets
    }

    public var description: String {
        "ServerSecrets(app secret: •••, verify token: •••, access token: •••, admin token: \(adminToken == nil ? "unset" : "•••"), "
            + "agent tokens: \(agentTokens.count), event secrets: \(sinkSecrets.count))"
    }
}

public struct ServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
