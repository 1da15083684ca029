import Yams

/// `set: { topic: billing, asked_at: "{{now}}" }`: saves variables; sends nothing.
public struct SetStep: Hashable, Sendable {
    public struct Assignment: Hashable, Sendable {
        public var name: Located<String>
        public var value: TextTemplate
    }

    public var assignments: [Assignment]

    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> SetStep? {
        let context = node.context
        guard let reader = context.mapping(value, "'set'") else { return nil }
        let assignments = reader.namedEntries().compactMap { key, value -> Assignment? in
            if key.value.hasPrefix("contact.") || key.value.hasPrefix("reply.") || !TextTemplate.isVariableName(key.value) {
                context.report(
                    .error(
                        .invalidValue,
                        "cannot set '\(key.value)'",
                        hint: "variable names are letters, digits, `_` and `.`; contact.* and reply.* are read-only",
                        at: key.location
                    )
                )
            }
            return context.text(value, "'\(key.value)'").map { Assignment(name: key, value: $0) }
        }
        return SetStep(assignments: assignments)
    }
}

extension SetStep: StepKind {
    static let keys = ["set"]
    var step: Step { .set(self) }
    var isFreeForm: Bool { false }
    var shape: GraphShape { .assignment }
    var texts: [TextTemplate] { assignments.map(\.value) }
    var definedVariables: [String] { assignments.map(\.name.value) }
}
