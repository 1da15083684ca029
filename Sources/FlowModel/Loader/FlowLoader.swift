import Foundation
import Yams

/// What loading a file gives: the flow when it could be read, and every problem found.
public struct LoadResult: Sendable {
    public var flow: Flow?
    public var diagnostics: [Diagnostic]
}

/// A parsed YAML file with positions: the root node (nil when the file could not be read) and the
/// context that reports problems with their file, line and column.
public struct YAMLDocument {
    public var root: Yams.Node?
    public let context: LoadContext
}

/// Flows loaded together (``FlowLoader/load(paths:)``): those without errors, and every problem.
public struct FlowSet: Sendable {
    public var flows: [Flow]
    public var diagnostics: [Diagnostic]
}

/// Reads flows from YAML, keeping the line and column of everything it reads.
///
/// The loader reports what is wrong with the file's shape (syntax, unknown or missing keys,
/// wrong types, bad values); ``FlowValidator`` then checks WhatsApp's limits, the graph and the
/// session window. ``load(paths:)`` does both for files and folders.
public enum FlowLoader {
    static let topLevelKeys = [
        "flow", "description", "start", "time_zone", "params", "triggers", "session",
        "keywords", "templates", "schedules", "nodes",
    ]

    /// Reads one file from disk.
    public static func load(file path: String) -> LoadResult {
        switch TextFile.read(path) {
        case .success(let yaml): load(yaml: yaml, file: path)
        case .failure(let problem): LoadResult(flow: nil, diagnostics: [problem])
        }
    }

    /// Loads and validates one flow file, as every command that runs or draws a flow does: the
    /// flow only when it has no errors, and every diagnostic, sorted, either way.
    public static func loadValid(file path: String) -> LoadResult {
        let result = load(file: path)
        var diagnostics = result.diagnostics
        if let flow = result.flow { diagnostics += FlowValidator.validate(flow) }
        return LoadResult(flow: diagnostics.hasErrors ? nil : result.flow, diagnostics: diagnostics.sortedByLocation())
    }

    /// Reads one flow from YAML text; `file` is used in locations.
    public static func load(yaml: String, file: String) -> LoadResult {
        let document = document(yaml: yaml, file: file, emptyHint: "a flow starts with `flow: <name>`")
        let flow = document.root.flatMap { readFlow($0, context: document.context) }
        return LoadResult(flow: flow, diagnostics: document.context.diagnostics.folded())
    }

    /// Parses YAML keeping positions, for any Flowgate file (flows, scenarios, configs): the root
    /// node, or nil with a `yaml-syntax` or `duplicate-key` diagnostic in the context.
    public static func document(yaml: String, file: String, emptyHint: String) -> YAMLDocument {
        // One byte-order mark may open the file; it is not part of the first key.
        let yaml = yaml.unicodeScalars.first == "\u{FEFF}" ? String(yaml.unicodeScalars.dropFirst()) : yaml
        let context = LoadContext(file: file, text: yaml)
        if let bom = yaml.unicodeScalars.firstIndex(of: "\u{FEFF}") {
            let before = yaml.unicodeScalars[..<bom]
            let line = before.filter { $0 == "\n" }.count + 1
            let column = before.reversed().prefix { $0 != "\n" }.count + 1
            context.report(
                .error(
                    .yamlSyntax,
                    "a byte-order mark (U+FEFF) is inside the file",
                    hint: "delete the invisible character (only the very start of a file may have one)",
                    at: SourceLocation(file: file, line: line, column: column)
                )
            )
            return YAMLDocument(root: nil, context: context)
        }
        do {
            guard let root = try Yams.compose(yaml: yaml, .basic) else {
                context.report(.error(.yamlSyntax, "the file is empty", hint: emptyHint, at: context.location(line: 1, column: 1)))
                return YAMLDocument(root: nil, context: context)
            }
            let problems = DocumentCheck.isNeeded(for: yaml) ? DocumentCheck.problems(in: root, bytes: yaml.utf8.count, context: context) : []
            guard problems.isEmpty else {
                for problem in problems { context.report(problem) }
                return YAMLDocument(root: nil, context: context)
            }
            return YAMLDocument(root: root, context: context)
        } catch let error as YamlError {
            context.report(indentedWithTab(yaml, before: error, context: context) ?? diagnostic(for: error, context: context))
        } catch {
            context.report(.error(.yamlSyntax, "\(error)", at: context.location(line: 1, column: 1)))
        }
        return YAMLDocument(root: nil, context: context)
    }

    /// Loads and validates files and folders (every `.yaml` and `.yml` inside, sorted) as one set.
    /// Two flows with the same name are an error.
    public static func load(paths: [String]) -> FlowSet {
        var flows: [Flow] = []
        var diagnostics: [Diagnostic] = []
        var seen: [String: SourceLocation] = [:]
        for file in expand(paths) {
            let result = load(file: file)
            diagnostics += result.diagnostics
            guard let flow = result.flow else { continue }
            diagnostics += FlowValidator.validate(flow)
            if let first = seen[flow.name.value] {
                diagnostics.append(
                    .error(
                        .duplicateFlow,
                        "another flow is already named '\(flow.name.value)'",
                        hint: "flow names must be unique in a set; the other one is at \(first)",
                        at: flow.name.location
                    )
                )
                continue
            }
            seen[flow.name.value] = flow.name.location
            flows.append(flow)
        }
        return FlowSet(flows: flows, diagnostics: diagnostics)
    }

    /// Files as given; folders replaced by the YAML files inside them, recursively, sorted.
    public static func expand(_ paths: [String]) -> [String] {
        paths.flatMap { path -> [String] in
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else { return [path] }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            let children = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
            return children.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "\(base)/\($0)" }
        }
    }

    /// libyaml's message for a tab in the indentation ("found character that cannot start any
    /// token") does not name the tab. When the line the parse failed on, or the one before it,
    /// is indented with a tab, that tab is the problem to report. (A tab further up, inside a
    /// block of text say, is not blamed for a failure elsewhere.)
    private static func indentedWithTab(_ yaml: String, before error: YamlError, context: LoadContext) -> Diagnostic? {
        let failedLine: Int
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _): failedLine = mark.line
        default: return nil
        }
        let lines = yaml.split(separator: "\n", maxSplits: max(0, failedLine), omittingEmptySubsequences: false)
        for line in max(1, failedLine - 1)...max(1, failedLine) where line <= lines.count {
            let indentation = lines[line - 1].prefix { $0 == " " || $0 == "\t" }
            guard let tab = indentation.firstIndex(of: "\t") else { continue }
            return .error(
                .yamlSyntax,
                "line \(line) is indented with a tab; YAML indents with spaces only",
                hint: "replace the tab with spaces (set your editor to insert spaces for Tab)",
                at: context.location(line: line, column: indentation.distance(from: indentation.startIndex, to: tab) + 1)
            )
        }
        return nil
    }

    private static func diagnostic(for error: YamlError, context: LoadContext) -> Diagnostic {
        let file = context.file
        func at(_ mark: Mark) -> SourceLocation { context.location(line: mark.line, column: mark.column) }
        let hint = "check the indentation and quoting here; a value containing `: ` or starting with `{`, `[`, `*` or `&` must be quoted"
        switch error {
        case let .scanner(yamlContext, problem, mark, _), let .parser(yamlContext, problem, mark, _), let .composer(yamlContext, problem, mark, _):
            let while_ =
                yamlContext.map { yamlContext -> String in
                    let position = at(yamlContext.mark)
                    return " (\(yamlContext.text) at line \(position.line), column \(position.column))"
                } ?? ""
            if problem.localizedCaseInsensitiveContains("nesting level") {
                return .error(
                    .yamlSyntax,
                    "the file nests lists or mappings too deeply (libyaml stops at 1,000 levels)",
                    hint: "no flow needs more than a few levels; look for unclosed `[` or `{`",
                    at: at(mark)
                )
            }
            return .error(.yamlSyntax, "YAML: \(problem)\(while_)", hint: hint, at: at(mark))
        case let .duplicatedKeysInMapping(duplicates, context):
            return .error(
                .duplicateKey,
                "key '\(duplicates.joined(separator: "', '"))' is written twice in the same mapping",
                hint: "keep one; YAML would silently drop the other",
                at: at(context.mark)
            )
        case let .reader(problem, _, _, _):
            return .error(.yamlSyntax, "YAML: \(problem)", hint: "save the file as UTF-8 text", at: SourceLocation(file: file, line: 1, column: 1))
        default:
            return .error(.yamlSyntax, "YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }

    // MARK: The flow

    private static func readFlow(_ root: Yams.Node, context: LoadContext) -> Flow? {
        guard let reader = context.mapping(root, "a flow file") else { return nil }
        let fallbackName = URL(fileURLWithPath: context.file).deletingPathExtension().lastPathComponent
        let name =
            reader.string("flow", required: true, hint: "start the file with `flow: <name>`")
            ?? Located(fallbackName, at: reader.location)
        let description = reader.string("description")?.value
        let start = reader.target("start", required: true, hint: "name the first node, e.g. `start: welcome`")
        let zoneName = reader.string("time_zone")
        let timeZone = zoneName.flatMap { Schedule.readZone($0, context: context) }
        let params = reader.strings("params") ?? []
        let triggers = reader.strings("triggers")?.map(Target.init) ?? []
        let session = reader.mapping("session").map(readSession) ?? SessionPolicy()
        let keywords = reader.list("keywords")?.compactMap { readKeyword($0, context: context) } ?? []

        var schedules: [String: Schedule] = [:]
        if let mapping = reader.mapping("schedules") {
            for (key, value) in mapping.namedEntries() {
                if let schedule = Schedule.read(value, defaultZone: timeZone, flowNamesZone: zoneName != nil, context: context) {
                    schedules[key.value] = schedule
                }
            }
        }
        var templates: [String: TemplateDefinition] = [:]
        if let mapping = reader.mapping("templates") {
            for (key, value) in mapping.namedEntries() {
                if let template = TemplateDefinition.read(key: key, value, context: context) {
                    templates[key.value] = template
                }
            }
        }

        let flowContext = FlowContext(context: context, schedules: schedules, timeZone: timeZone, timeZoneWritten: zoneName != nil)
        var nodes: [String: FlowNode] = [:]
        var order: [String] = []
        var unreadable: Set<String> = []
        if let mapping = reader.mapping("nodes", required: true, hint: "list the flow's nodes under `nodes:`") {
            for (key, value) in mapping.namedEntries() {
                order.append(key.value)
                guard let node = readNode(key, value, flow: flowContext) else {
                    unreadable.insert(key.value)
                    continue
                }
                nodes[key.value] = node
            }
        }
        reader.reportUnknownKeys(in: "the flow")
        guard let start else { return nil }
        return Flow(
            name: name,
            description: description,
            file: context.file,
            start: start,
            timeZone: timeZone,
            params: params,
            triggers: triggers,
            session: session,
            keywords: keywords,
            templates: templates,
            schedules: schedules,
            nodes: nodes,
            nodeOrder: order,
            unreadableNodes: unreadable
        )
    }

    private static func readSession(_ reader: MappingReader) -> SessionPolicy {
        var policy = SessionPolicy()
        policy.reentry = reader.target("reentry")
        if let before = reader.mapping("before_expiry") {
            let lead = before.span("in", required: true)
            let target = before.target("goto", required: true)
            before.reportUnknownKeys(in: "before_expiry")
            if let lead, let target {
                if lead.value >= .hours(Int64(24)) {
                    reader.context.report(
                        .error(
                            .invalidValue,
                            "'in' must be shorter than the 24-hour window",
                            hint: "e.g. `in: 1h` acts one hour before the window closes",
                            at: lead.location
                        )
                    )
                } else {
                    policy.beforeExpiry = BeforeExpiry(lead: lead.value, target: target, leadLocation: lead.location)
                }
            }
        }
        if let margin = reader.span("margin") {
            if margin.value >= .hours(Int64(24)) {
                reader.context.report(.error(.invalidValue, "'margin' must be shorter than the 24-hour window", at: margin.location))
            } else {
                policy.margin = margin.value
            }
            if let before = policy.beforeExpiry, policy.margin > .zero, before.lead <= policy.margin {
                // before_expiry counts from the effective close (24 h less the margin); a lead no longer
                // than the margin would act inside the margin's own doubt, with no time to spare.
                reader.context.report(
                    .error(
                        .beforeExpiryMargin,
                        "before_expiry 'in: \(before.lead)' is not longer than the session margin \(policy.margin)",
                        hint:
                            "before_expiry fires 'in' before the window's effective close (24h less the margin); make 'in' longer than the margin, e.g. `in: \(policy.margin + .hours(1))`",
                        at: before.leadLocation
                    )
                )
            }
        }
        reader.reportUnknownKeys(in: "session")
        return policy
    }

    private static func readKeyword(_ node: Yams.Node, context: LoadContext) -> Keyword? {
        guard let reader = context.mapping(node, "a keyword") else { return nil }
        let phrases = reader.strings("match", required: true, hint: "the words that trigger it, e.g. `match: [stop, unsubscribe]`")
        let target = reader.target("goto", required: true)
        reader.reportUnknownKeys(in: "a keyword")
        guard let phrases, let target else { return nil }
        return Keyword(phrases: phrases, target: target)
    }

    // MARK: Nodes

    private static func readNode(_ name: Located<String>, _ value: Yams.Node, flow: FlowContext) -> FlowNode? {
        let context = flow.context
        if name.value == Target.endName || name.value == Target.resumeName {
            context.report(
                .error(
                    .reservedName,
                    "'\(name.value)' is a built-in target and cannot name a node",
                    hint: "rename the node, e.g. '\(name.value)_node'; `goto: \(name.value)` already works without one",
                    at: name.location
                )
            )
            return nil
        }
        guard let reader = context.mapping(value, "node '\(name.value)'") else { return nil }
        let kinds = Step.kindKeys.filter(reader.has)
        let kind: String
        let kindValue: Yams.Node?
        if kinds.count == 1, let only = kinds.first {
            (kind, kindValue) = (only, reader.value(only))
        } else if kinds.isEmpty, let typo = reader.misspelling(of: Step.kindKeys) {
            // A misspelt kind is reported once and read as the kind it spells, so the node's
            // edges still count and its other keys are still checked.
            context.report(
                .error(
                    .nodeKind,
                    "node '\(name.value)' does not say what it does: '\(typo.written.value)' is not a kind of node",
                    hint: "did you mean '\(typo.meant)'?",
                    at: typo.written.location
                )
            )
            (kind, kindValue) = (typo.meant, typo.value)
        } else {
            reader.allow(contentsOf: Step.kindKeys)
            if kinds.isEmpty {
                context.report(
                    .error(
                        .nodeKind,
                        "node '\(name.value)' does not say what it does",
                        hint: "give it one kind key: \(Step.kindKeys.joined(separator: ", "))",
                        at: name.location
                    )
                )
            } else {
                context.report(
                    .error(
                        .nodeKind,
                        "node '\(name.value)' has several kinds: \(kinds.joined(separator: ", "))",
                        hint: "a node does one thing; split it into nodes joined by `goto`",
                        at: name.location
                    )
                )
            }
            return nil
        }
        let step = kindValue.flatMap { Step.read(key: kind, value: $0, node: reader, flow: flow) }
        let next = reader.target("goto")
        let reentry = reader.target("reentry")
        let nodeKeys = Step.nodeKeys(for: kind)
        let input = nodeKeys.contains("retry") ? InputPolicy.read(reader) : InputPolicy()
        reader.reportUnknownKeys(
            in: "\(kind.first.map { "aeiou".contains($0) } == true ? "an" : "a") \(kind) node",
            elsewhere: { key in
                if Step.kindKeys.contains(key) { return nil }
                if kind == "ask", ["min", "max"].contains(key) { return "the expectation: `expect: { number: { min: 1, max: 10 } }`" }
                let owners = Step.kindKeys.filter { Step.nodeKeys(for: $0).contains(key) }
                return owners.isEmpty ? nil : "\(owners.joined(separator: ", ")) nodes"
            }
        )
        guard let step else { return nil }
        return FlowNode(id: name.value, location: name.location, step: step, next: next, reentry: reentry, input: input)
    }
}
