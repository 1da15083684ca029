import FlowModel

/// The desk's part of `flowgate.yaml`: who may sign in, when to warn before a window closes, how
/// long the conversation log is kept.
///
/// ```yaml
/// desk:
///   agents:
///     - { name: Ana, token_env: FLOWGATE_AGENT_ANA }
///   alert_before: 1h
///   retention: 90d
/// ```
public struct DeskConfig: Sendable {
    /// A person who may sign in, and the environment variable holding their token.
    public struct Agent: Sendable, Hashable {
        public var name: String
        public var tokenVariable: String

        public init(name: String, tokenVariable: String) {
            self.name = name
            self.tokenVariable = tokenVariable
        }
    }

    public var agents: [Agent] = []
    /// Shorter desk tokens are refused at start.
    public static let minimumTokenLength = 16
    /// Conversations a person holds or that wait for one are flagged when their window has less
    /// than this left.
    public var alertBefore = TimeSpan.hours(1)
    /// Conversation log entries older than this are deleted (hourly).
    public var retention = TimeSpan.days(90)

    public init() {}

    /// Reads `desk:`; problems go to the reader's diagnostics.
    static func read(_ desk: MappingReader) -> DeskConfig {
        var config = DeskConfig()
        for item in desk.list("agents") ?? [] {
            guard let agent = desk.context.mapping(item, "an agent") else { continue }
            let name = agent.string("name", required: true, hint: "the name the desk shows, e.g. `name: Ana`")
            let token = agent.string("token_env", required: true, hint: "the environment variable holding the agent's sign-in token")
            agent.reportUnknownKeys(in: "an agent")
            if let name, let token {
                if config.agents.contains(where: { $0.name == name.value }) {
                    desk.context.report(
                        .error(.invalidValue, "two agents are named '\(name.value)'", hint: "give each person their own name", at: name.location)
                    )
                }
                config.agents.append(Agent(name: name.value, tokenVariable: token.value))
            }
        }
        config.alertBefore = desk.span("alert_before")?.value ?? config.alertBefore
        config.retention =
            desk.span("retention", in: .days(1)...TimeSpan.longest, hint: "keep the log at least 1d; 90d is the default") ?? config.retention
        desk.reportUnknownKeys(in: "desk")
        return config
    }
}
