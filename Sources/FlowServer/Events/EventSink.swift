import FlowModel
import Foundation
import Yams

/// An HTTP endpoint that hears of what happens in conversations (a CRM, an automation tool):
///
/// ```yaml
/// events:
///   - url: https://crm.example/flowgate
///     secret_env: FLOWGATE_EVENTS_SECRET
///     events: [handoff_requested, handoff_released, window_closing, window_expired]
/// ```
///
/// Each event is a JSON body signed with HMAC-SHA256 (`X-Flowgate-Signature-256: sha256=<hex>`),
/// stored in the outbox by the commit that produced it and delivered by the dispatcher with the
/// same retries and backoff as messages, so none is lost on a crash (one may arrive twice: its
/// `id` tells).
public struct EventSink: Sendable, Hashable {
    /// The events a sink may ask for.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        case handoffRequested = "handoff_requested"
        case handoffReleased = "handoff_released"
        case windowClosing = "window_closing"
        case windowExpired = "window_expired"
        case messageReceived = "message_received"
        case flowFinished = "flow_finished"
        case templateSent = "template_sent"
    }

    public var url: String
    public var secretVariable: String
    public var events: Set<Kind>

    public init(url: String, secretVariable: String, events: Set<Kind>) {
        self.url = url
        self.secretVariable = secretVariable
        self.events = events
    }

    /// Event deliveries travel the outbox under this business number id and the sink's index
    /// (`events.0`), one queue per sink and contact: a contact's events arrive in order.
    static let numberPrefix = "events."

    static func number(forSink index: Int) -> String { numberPrefix + String(index) }

    /// The sink an outbox number stands for, if it is one.
    static func sinkIndex(ofNumber number: String) -> Int? {
        guard number.hasPrefix(numberPrefix) else { return nil }
        return Int(number.dropFirst(numberPrefix.count))
    }

    /// Reads `events:`; problems go to the reader's diagnostics.
    static func read(_ items: [Yams.Node], context: LoadContext) -> [EventSink] {
        var sinks: [EventSink] = []
        for item in items {
            guard let sink = context.mapping(item, "an event sink") else { continue }
            let url = sink.string("url", required: true, hint: "where to POST the events, e.g. `url: https://crm.example/flowgate`")
            let secret = sink.string("secret_env", required: true, hint: "the environment variable holding the signing secret")
            let names = sink.strings("events", required: true, hint: "which events, e.g. `events: [handoff_requested, window_closing]`") ?? []
            sink.reportUnknownKeys(in: "an event sink")
            var kinds: Set<Kind> = []
            for scalar in names {
                if let kind = Kind(rawValue: scalar.value) {
                    kinds.insert(kind)
                } else {
                    context.report(
                        .error(
                            .invalidValue,
                            "no event '\(scalar.value)'",
                            hint: "one of " + Kind.allCases.map(\.rawValue).joined(separator: ", "),
                            at: scalar.location
                        )
                    )
                }
            }
            if let url, !(url.value.hasPrefix("https://") || url.value.hasPrefix("http://")) || URL(string: url.value) == nil {
                context.report(
                    .error(.invalidValue, "'\(url.value)' is not an http(s) URL", hint: "e.g. https://crm.example/flowgate", at: url.location)
                )
            }
            if let url, let secret { sinks.append(EventSink(url: url.value, secretVariable: secret.value, events: kinds)) }
        }
        return sinks
    }
}
