import FlowEngine
import FlowModel
import Foundation
import Yams

/// A scripted conversation test: a flow, a start time, and turns, each an action with what must
/// follow. One YAML file per scenario under `simulator/`; see `docs/simulator.md`.
public struct Scenario: Sendable {
    public var file: String
    public var title: String
    /// The flow file, resolved against the scenario's folder.
    public var flowPath: String
    /// Where `flow:` is written, for problems with the flow file.
    public var flowLocation: SourceLocation
    public var start: Timestamp
    public var contact: ContactIdentity
    public var turns: [Turn]

    public struct Turn: Sendable {
        public var action: Action
        /// How the turn is written, for reports: `say: hi`.
        public var label: String
        public var location: SourceLocation
        public var expectations: [Expectation]
    }

    static let actionKeys = [
        "say", "tap", "text", "image", "video", "audio", "voice", "document", "sticker", "location",
        "contact", "react", "wait", "at", "trigger", "status", "release", "reset",
    ]

    /// A scenario file read: the scenario when it has no errors, and every problem found.
    public struct Loaded: Sendable {
        public var scenario: Scenario?
        public var diagnostics: [Diagnostic]
    }

    /// Reads a scenario file; problems come back as diagnostics with line and column.
    public static func load(file path: String) -> Loaded {
        switch TextFile.read(path) {
        case .success(let yaml): return load(yaml: yaml, file: path)
        case .failure(let problem): return Loaded(scenario: nil, diagnostics: [problem])
        }
    }

    public static func load(yaml: String, file: String) -> Loaded {
        let document = FlowLoader.document(yaml: yaml, file: file, emptyHint: "a scenario starts with `scenario: <title>`")
        let context = document.context
        guard let root = document.root, let reader = context.mapping(root, "a scenario") else {
            return Loaded(scenario: nil, diagnostics: context.diagnostics)
        }
        let title = reader.string("scenario", required: true, hint: "say what the scenario shows, e.g. `scenario: A customer tracks an order`")
        let flow = reader.string("flow", required: true, hint: "the flow file, relative to this file, e.g. `flow: ../flows/order-support.yaml`")
        let start = reader.string("start", required: true, hint: "the virtual clock's start, e.g. `start: 2026-11-02T10:00:00Z`")
        let startTime = start.flatMap { text -> Timestamp? in
            guard let time = Timestamp(iso8601: text.value) else {
                context.report(.error(.invalidValue, "'\(text.value)' is not a time", hint: "write 2026-11-02T10:00:00Z", at: text.location))
                return nil
            }
            return time
        }
        var identity = ContactIdentity(waID: "15550001234", name: "Ana")
        if let contact = reader.mapping("contact") {
            identity = ContactIdentity(
                waID: contact.string("wa_id")?.value ?? "15550001234",
                userID: contact.string("user_id")?.value,
                name: contact.string("name")?.value ?? "Ana"
            )
            contact.reportUnknownKeys(in: "the contact")
        }
        let turns = reader.list("turns", required: true)?.compactMap { readTurn($0, context: context) } ?? []
        reader.reportUnknownKeys(
            in: "a scenario",
            elsewhere: { key in
                ["title", "name", "description"].contains(key) ? "`scenario:`, which names what the scenario shows" : nil
            }
        )
        guard let title, let flow, let startTime, !context.diagnostics.hasErrors else {
            return Loaded(scenario: nil, diagnostics: context.diagnostics)
        }
        let folder = (file as NSString).deletingLastPathComponent
        var flowPath = flow.value
        if !flowPath.hasPrefix("/") {
            let joined = folder.isEmpty ? flowPath : folder + "/" + flowPath
            flowPath = (joined as NSString).standardizingPath
        }
        let scenario = Scenario(
            file: file,
            title: title.value,
            flowPath: flowPath,
            flowLocation: flow.location,
            start: startTime,
            contact: identity,
            turns: turns
        )
        return Loaded(scenario: scenario, diagnostics: context.diagnostics)
    }

    private static func readTurn(_ node: Yams.Node, context: LoadContext) -> Turn? {
        guard let reader = context.mapping(node, "a turn") else { return nil }
        let present = actionKeys.filter(reader.has)
        let key: String
        let value: Yams.Node
        if present.count == 1, let only = present.first, let written = reader.value(only) {
            (key, value) = (only, written)
        } else if present.isEmpty, let typo = reader.misspelling(of: actionKeys) {
            // A misspelt action (`sya:`) is one error with a did-you-mean, and is read as the
            // action it spells, so the rest of the turn is still checked.
            context.report(
                .error(
                    .unknownKey,
                    "unknown key '\(typo.written.value)': a turn needs one action",
                    hint: "did you mean '\(typo.meant)'?",
                    at: typo.written.location
                )
            )
            (key, value) = (typo.meant, typo.value)
        } else {
            reader.allow(contentsOf: actionKeys)
            reader.allow("expect", "params", "code", "message", "sent_at", "sent_ago")
            context.report(
                .error(
                    present.isEmpty ? .missingKey : .invalidValue,
                    present.isEmpty ? "a turn needs one action" : "a turn does one thing; found \(present.joined(separator: ", "))",
                    hint: "one of: \(actionKeys.joined(separator: ", "))",
                    at: reader.location
                )
            )
            return nil
        }
        let action = readAction(key, value, reader: reader)
        let expectations = reader.list("expect")?.compactMap { Expectation.read($0, context: context) } ?? []
        reader.reportUnknownKeys(in: "a turn")
        guard let action else { return nil }
        let written = value.scalar?.string ?? (value.mapping != nil ? "…" : "")
        return Turn(action: action, label: "\(key): \(written)", location: reader.location, expectations: expectations)
    }

    private static func readAction(_ key: String, _ value: Yams.Node, reader: MappingReader) -> Action? {
        let context = reader.context
        func string() -> String? { context.string(value, "'\(key)'")?.value }
        func optionalString() -> String? { value.isNull ? nil : string() }
        switch key {
        case "say", "text":
            guard let text = string() else { return nil }
            if let at = reader.string("sent_at") {
                guard let time = Timestamp(iso8601: at.value) else {
                    context.report(.error(.invalidValue, "'\(at.value)' is not a time", hint: "write 2026-11-03T09:59:30Z", at: at.location))
                    return nil
                }
                return .sayLate(text, sent: .at(time))
            }
            if let ago = reader.span("sent_ago") { return .sayLate(text, sent: .ago(ago.value)) }
            return .say(text)
        case "tap": return string().map(Action.tap)
        case "image", "video", "sticker":
            let kind = MediaKind(rawValue: key) ?? .image
            return .media(kind, caption: key == "sticker" ? nil : optionalString(), filename: nil, voice: false)
        case "audio", "voice": return .media(.audio, caption: nil, filename: nil, voice: key == "voice")
        case "document": return .media(.document, caption: nil, filename: optionalString() ?? "document.pdf", voice: false)
        case "location":
            guard let fields = context.mapping(value, "'location'") else { return nil }
            let latitude = fields.double("latitude", required: true)
            let longitude = fields.double("longitude", required: true)
            let name = fields.string("name")?.value
            fields.reportUnknownKeys(in: "a location")
            guard let latitude, let longitude else { return nil }
            guard Coordinates.areValid(latitude: latitude.value, longitude: longitude.value) else {
                context.report(
                    .error(
                        .invalidValue,
                        "a location is a latitude from -90 to 90 and a longitude from -180 to 180",
                        hint: "e.g. `location: { latitude: 52.37, longitude: 4.89 }`",
                        at: fields.location
                    )
                )
                return nil
            }
            return .location(latitude: latitude.value, longitude: longitude.value, name: name)
        case "contact":
            guard let fields = context.mapping(value, "'contact'") else { return nil }
            let name = fields.string("name", required: true)
            let phone = fields.string("phone", required: true)
            fields.reportUnknownKeys(in: "a contact")
            guard let name, let phone else { return nil }
            return .contact(name: name.value, phone: phone.value)
        case "react": return .react(optionalString() ?? "")
        case "wait": return context.span(value, "'wait'").map { .wait($0.value) }
        case "at":
            guard let text = context.string(value, "'at'") else { return nil }
            guard let time = Timestamp(iso8601: text.value) else {
                context.report(.error(.invalidValue, "'\(text.value)' is not a time", hint: "write 2026-11-03T09:00:00Z", at: text.location))
                return nil
            }
            return .at(time)
        case "trigger":
            guard let node = string() else { return nil }
            var parameters: [String: String] = [:]
            if let params = reader.mapping("params") {
                for (name, value) in params.namedEntries() { parameters[name.value] = context.string(value, "'\(name.value)'")?.value }
            }
            return .trigger(node: node, parameters: parameters)
        case "status":
            let states = Dictionary(uniqueKeysWithValues: [DeliveryStatus.State.sent, .delivered, .read, .played, .failed].map { ($0.rawValue, $0) })
            guard let state = context.choice(value, "'status'", states) else { return nil }
            let number = reader.int("message")?.value
            return .status(state.value, code: reader.int("code")?.value, message: number.map(Int64.init))
        case "release": return .release
        default: return .reset
        }
    }
}
