import Foundation

/// One flow, as loaded from one YAML file: a state machine that runs per contact.
public struct Flow: Sendable {
    public var name: Located<String>
    public var description: String?
    /// The file it came from.
    public var file: String
    /// Where a contact starts when it first writes, or writes after the flow ended.
    public var start: Target
    /// The flow's default time zone, for schedules and branch conditions.
    public var timeZone: TimeZone?
    /// Variables a business trigger may pass in (`flowgate` warns on undeclared variables).
    public var params: [Located<String>]
    /// Nodes the business may start the flow at (a notification); see `docs/session-guard.md`.
    public var triggers: [Target]
    public var session: SessionPolicy
    public var keywords: [Keyword]
    public var templates: [String: TemplateDefinition]
    public var schedules: [String: Schedule]
    public var nodes: [String: FlowNode] { didSet { orderedNodes = Self.order(nodeOrder, nodes) } }
    /// Node names in file order.
    public var nodeOrder: [String] { didSet { orderedNodes = Self.order(nodeOrder, nodes) } }
    /// Nodes written in the file that could not be read (their errors are reported); the
    /// validator treats them as present so one mistake does not cascade.
    public var unreadableNodes: Set<String> = []
    /// Nodes in file order: kept with the nodes, since every rule walks them.
    public private(set) var orderedNodes: [FlowNode]

    public init(
        name: Located<String>,
        description: String?,
        file: String,
        start: Target,
        timeZone: TimeZone?,
        params: [Located<String>],
        triggers: [Target],
        session: SessionPolicy,
        keywords: [Keyword],
        templates: [String: TemplateDefinition],
        schedules: [String: Schedule],
        nodes: [String: FlowNode],
        nodeOrder: [String],
        unreadableNodes: Set<String> = []
    ) {
        self.name = name
        self.description = description
        self.file = file
        self.start = start
        self.timeZone = timeZone
        self.params = params
        self.triggers = triggers
        self.session = session
        self.keywords = keywords
        self.templates = templates
        self.schedules = schedules
        self.nodes = nodes
        self.nodeOrder = nodeOrder
        self.unreadableNodes = unreadableNodes
        orderedNodes = Self.order(nodeOrder, nodes)
    }

    private static func order(_ names: [String], _ nodes: [String: FlowNode]) -> [FlowNode] {
        names.compactMap { nodes[$0] }
    }

    public subscript(node name: String) -> FlowNode? { nodes[name] }

    /// The re-entry template node for a free-form node: its own `reentry`, else the flow's.
    public func reentry(for node: FlowNode) -> Target? {
        node.reentry ?? session.reentry
    }
}

/// `session:`: how the flow behaves around the 24-hour customer service window.
public struct SessionPolicy: Hashable, Sendable {
    /// The template node that takes over when a free-form step meets a closed window.
    public var reentry: Target?
    /// Act while the window is still open: go to `target` this long before it closes.
    public var beforeExpiry: BeforeExpiry?
    /// Treat the window as closed this long before it really does, against clock skew and late
    /// sends. Zero unless written.
    public var margin: TimeSpan

    public init(reentry: Target? = nil, beforeExpiry: BeforeExpiry? = nil, margin: TimeSpan = .zero) {
        self.reentry = reentry
        self.beforeExpiry = beforeExpiry
        self.margin = margin
    }
}

/// `before_expiry: { in: 1h, goto: keep_alive }`.
public struct BeforeExpiry: Hashable, Sendable {
    /// How long before the window's effective close (24 h less the margin) it fires.
    public var lead: TimeSpan
    public var target: Target
    /// Where `in` is written.
    public var leadLocation: SourceLocation

    public init(lead: TimeSpan, target: Target, leadLocation: SourceLocation) {
        self.lead = lead
        self.target = target
        self.leadLocation = leadLocation
    }
}

/// `keywords:`: words that interrupt any wait and jump to a node.
public struct Keyword: Hashable, Sendable {
    /// The phrases, compared with the whole message ignoring case, accents and surrounding spaces.
    public var phrases: [Located<String>]
    public var target: Target
}

/// One named node of a flow.
public struct FlowNode: Sendable, Identifiable {
    public var id: String
    /// Where the node's name is written.
    public var location: SourceLocation
    public var step: Step
    /// `goto`: where the node leads next (after a reply, for nodes that wait).
    public var next: Target?
    /// `reentry`: this node's own re-entry template, overriding the flow's.
    public var reentry: Target?
    /// How a waiting node handles unusable answers and silence.
    public var input: InputPolicy
}
