import FlowModel
import FlowServer
import FlowServerTesting
import Foundation
import Testing

@Suite("secrets from the environment") struct ServerSecretsTests {
    @Test("missing or empty secrets are named together; present ones are read, the admin token optional")
    func environment() throws {
        let config = ServerConfig()
        let error = #expect(throws: ServerError.self) {
            try ServerSecrets.fromEnvironment(config, environment: ["WHATSAPP_APP_SECRET": "s", "WHATSAPP_VERIFY_TOKEN": ""])
        }
        #expect(error?.description == "set the environment variables WHATSAPP_VERIFY_TOKEN, WHATSAPP_ACCESS_TOKEN")
        let secrets = try ServerSecrets.fromEnvironment(
            config,
            environment: ["WHATSAPP_APP_SECRET": "s", "WHATSAPP_VERIFY_TOKEN": "v", "WHATSAPP_ACCESS_TOKEN": "a", "FLOWGATE_ADMIN_TOKEN": ""]
        )
        #expect(secrets.appSecret == "s" && secrets.verifyToken == "v" && secrets.accessToken == "a" && secrets.adminToken == nil)
    }

    @Test("desk agents' tokens come from the environment: missing ones named, short ones refused, none printed")
    func deskTokens() throws {
        var config = ServerConfig()
        config.desk.agents = [.init(name: "Ana", tokenVariable: "ANA_TOKEN"), .init(name: "Bo", tokenVariable: "BO_TOKEN")]
        let base = ["WHATSAPP_APP_SECRET": "s", "WHATSAPP_VERIFY_TOKEN": "v", "WHATSAPP_ACCESS_TOKEN": "a"]
        let missing = #expect(throws: ServerError.self) {
            try ServerSecrets.fromEnvironment(config, environment: base.merging(["ANA_TOKEN": "ana-token-0123456789"]) { $1 })
        }
        #expect(missing?.description == "set the environment variable BO_TOKEN")
        let short = #expect(throws: ServerError.self) {
            try ServerSecrets.fromEnvironment(config, environment: base.merging(["ANA_TOKEN": "ana-token-0123456789", "BO_TOKEN": "short"]) { $1 })
        }
        #expect(short?.description.contains("at least 16 characters: BO_TOKEN") == true)
        let secrets = try ServerSecrets.fromEnvironment(
            config,
            environment: base.merging(["ANA_TOKEN": "ana-token-0123456789", "BO_TOKEN": "bo-token-0123456789"]) { $1 }
        )
        #expect(secrets.agentTokens == ["Ana": "ana-token-0123456789", "Bo": "bo-token-0123456789"])
        #expect(!"\(secrets)".contains("0123456789"))
    }

    @Test("the desk config reads agents, the alert lead and the retention; two agents with one name are an error")
    func deskConfig() throws {
        func load(_ desk: String) throws -> ServerConfig.Loaded { try loadConfig(section: "desk", desk) }
        let loaded = try load("  agents: [{ name: Ana, token_env: A }]\n  alert_before: 30m\n  retention: 30d")
        #expect(loaded.config?.desk.agents == [.init(name: "Ana", tokenVariable: "A")])
        #expect(loaded.config?.desk.alertBefore == .minutes(30) && loaded.config?.desk.retention == .days(30))
        let twice = try load("  agents: [{ name: Ana, token_env: A }, { name: Ana, token_env: B }]")
        #expect(twice.config == nil && twice.diagnostics.contains { $0.message.contains("two agents are named 'Ana'") })
        let short = try load("  agents: [{ name: Ana, token_env: A }]\n  retention: 2h")
        #expect(short.config == nil && short.diagnostics.contains { $0.message.contains("'retention'") && $0.location.line == 4 })
    }

    @Test("the dispatcher keeps sent messages 30d unless told; less than a day is an error at its line")
    func keepSentFor() throws {
        #expect(ServerConfig().keepSentFor == .days(30))
        let loaded = try loadConfig(section: "dispatcher", "  retry_for: 12h\n  keep_sent_for: 7d")
        #expect(loaded.config?.keepSentFor == .days(7) && loaded.config?.retryFor == .hours(12))
        let short = try loadConfig(section: "dispatcher", "  keep_sent_for: 6h")
        #expect(short.config == nil && short.diagnostics.contains { $0.message.contains("'keep_sent_for' is 6h") && $0.location.line == 3 })
    }

    @Test("a claim lease is read from 2s to 10m; outside that it is an error naming the range")
    func claimLease() throws {
        func lease(_ text: String) throws -> ServerConfig.Loaded { try loadConfig(section: "claim_lease: \(text)\nwebhook", "  dedupe_for: 7d") }
        #expect(try lease("45s").config?.claims.lease == .seconds(45))
        for refused in ["1s", "11m"] {
            let loaded = try lease(refused)
            #expect(
                loaded.config == nil
                    && loaded.diagnostics.contains { $0.message.contains("'claim_lease' is") && $0.hint?.contains("from 2s to 10m") == true }
            )
        }
    }

    @Test("event sinks: events by name, an unknown one or a bad URL is an error at its line; secrets named when missing")
    func eventSinks() throws {
        func load(_ events: String) throws -> ServerConfig.Loaded { try loadConfig(section: "events", events) }
        let good = try load("  - { url: https://crm.example/in, secret_env: CRM, events: [handoff_requested, window_closing] }")
        #expect(
            good.config?.eventSinks == [EventSink(url: "https://crm.example/in", secretVariable: "CRM", events: [.handoffRequested, .windowClosing])]
        )
        let unknown = try load("  - { url: https://crm.example/in, secret_env: CRM, events: [handoff_requested, window_closed] }")
        #expect(unknown.config == nil && unknown.diagnostics.contains { $0.message.contains("no event 'window_closed'") && $0.location.line == 3 })
        let url = try load("  - { url: crm.example/in, secret_env: CRM, events: [flow_finished] }")
        #expect(url.config == nil && url.diagnostics.contains { $0.message.contains("not an http(s) URL") })
        let config = try #require(good.config)
        let missing = #expect(throws: ServerError.self) {
            try ServerSecrets.fromEnvironment(
                config,
                environment: ["WHATSAPP_APP_SECRET": "s", "WHATSAPP_VERIFY_TOKEN": "v", "WHATSAPP_ACCESS_TOKEN": "a"]
            )
        }
        #expect(missing?.description == "set the environment variable CRM")
    }
}

/// A config with one number on the auto-ack flow and `section:` holding `body` (its lines from
/// line 3), read from a file of its own.
func loadConfig(section: String, _ body: String) throws -> ServerConfig.Loaded {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowgate-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let file = folder.appendingPathComponent("flowgate.yaml").path
    let flow = repository.appendingPathComponent("flows/auto-ack.yaml").path
    try "numbers: [{ phone_number_id: \"1\", flow: \(flow) }]\n\(section):\n\(body)\n".write(toFile: file, atomically: true, encoding: .utf8)
    return ServerConfig.load(file: file)
}
