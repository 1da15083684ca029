/// Warns on `{{variables}}` and conditions that name a variable nothing ever sets.
struct VariableRules {
    let flow: Flow

    /// Always there: the contact's fields, the last reply, and the current time.
    static let builtIn = BuiltInVariable.allCases.map(\.rawValue)

    /// Every variable the flow can set: declared params, `save_as` and `set` names.
    var known: Set<String> {
        var names = Set(Self.builtIn + flow.params.map(\.value))
        for node in flow.nodes.values { names.formUnion(node.step.definedVariables) }
        return names
    }

    func check() -> [Diagnostic] {
        let known = known
        var diagnostics: [Diagnostic] = []
        func check(_ name: String, at location: SourceLocation) {
            guard !known.contains(name) else { return }
            diagnostics.append(
                .warning(
                    .unknownVariable,
                    "nothing in this flow sets '\(name)', so it is empty here",
                    hint: Suggestion.closest(to: name, among: Array(known)).map { "did you mean '\($0)'?" }
                        ?? "save it with `save_as:` or `set:`, or declare it under `params:` if a trigger passes it",
                    at: location
                )
            )
        }
        for node in flow.orderedNodes {
            for text in node.step.texts {
                for name in text.variables { check(name, at: text.location) }
            }
            if case .branch(let branch) = node.step {
                for variable in branch.cases.flatMap(\.condition.variables) { check(variable.value, at: variable.location) }
            }
        }
        return diagnostics
    }
}
