import FlowEngine
import FlowModel
import FlowStore
import Foundation

/// What the desk's templates render: plain values, every one escaped by the template.
enum DeskViews {
    /// Who has a conversation now.
    struct Owner {
        var text: String
        /// `bot`, `waiting` or `person`.
        var style: String
        /// Waiting for a person: sorted first.
        var needsPerson: Bool
        /// A person holds it or it waits for one: its window is watched for the alert.
        var watched: Bool

        init(_ state: ContactState) {
            if let handoff = state.handoff {
                if let agent = handoff.agent {
                    self = Owner(text: "with \(agent)", style: "person", needsPerson: false, watched: true)
                } else {
                    let queue = handoff.queue.map { " (queue \($0))" } ?? ""
                    self = Owner(text: "waiting for a person\(queue)", style: "waiting", needsPerson: true, watched: true)
                }
            } else if let position = state.position {
                self = Owner(text: "bot at \(position.node)", style: "bot", needsPerson: false, watched: false)
            } else {
                self = Owner(text: "bot (no flow running)", style: "bot", needsPerson: false, watched: false)
            }
        }

        init(text: String, style: String, needsPerson: Bool, watched: Bool) {
            self.text = text
            self.style = style
            self.needsPerson = needsPerson
            self.watched = watched
        }
    }

    /// The window as first drawn; the page's script then counts it down every second.
    struct Window {
        var closesAt: Int64
        var text: String
        var style: String
        var isOpen: Bool

        init(_ state: ContactState, window: SessionWindow, now: Timestamp, alertBefore: TimeSpan) {
            isOpen = window.isOpen(state, at: now)
            guard let closes = window.closesAt(state) else {
                self = Window(closesAt: 0, text: "never opened", style: "never", isOpen: false)
                return
            }
            // Refused by WhatsApp before the clock says so: closed now.
            closesAt = isOpen ? closes.millisecondsSince1970 : min(closes.millisecondsSince1970, now.millisecondsSince1970)
            let left = closesAt.subtractingReportingOverflow(now.millisecondsSince1970).partialValue
            guard isOpen, left > 0 else {
                text = "closed"
                style = "closed"
                return
            }
            text = Self.remaining(milliseconds: left)
            let alert = alertBefore.milliseconds
            style = left <= alert ? "closing" : left <= alert.multipliedReportingOverflow(by: 4).partialValue ? "soon" : "open"
        }

        init(closesAt: Int64, text: String, style: String, isOpen: Bool) {
            self.closesAt = closesAt
            self.text = text
            self.style = style
            self.isOpen = isOpen
        }

        /// "closes in 3 h 12 m", as the page's script writes it.
        static func remaining(milliseconds: Int64) -> String {
            let seconds = milliseconds / 1000
            let (hours, minutes) = (seconds / 3600, (seconds % 3600) / 60)
            if hours > 0 { return "closes in \(hours) h \(minutes) m" }
            if minutes > 0 { return "closes in \(minutes) m" }
            return "closes in \(seconds) s"
        }
    }

    struct Row {
        var key: String
        var path: String
        var name: String
        var number: String
        var owner: Owner
        var last: String
        var lastAt: String
        var window: Window
    }

    static func row(_ summary: ConversationSummary, window: SessionWindow, now: Timestamp, alertBefore: TimeSpan) -> Row {
        let last = summary.last.map { message in
            let line = message.entry.text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
            let who = message.entry.direction == .inbound ? "" : message.entry.direction == .outbound ? "↩ " : "· "
            return who + String(line.prefix(120))
        }
        return Row(
            key: summary.contact.description,
            path: path(summary.contact),
            name: summary.state.contact.name ?? summary.contact.contactID,
            number: summary.contact.contactID,
            owner: Owner(summary.state),
            last: last ?? "",
            lastAt: summary.last?.entry.at.description ?? summary.updatedAt.description,
            window: Window(summary.state, window: window, now: now, alertBefore: alertBefore)
        )
    }

    /// What needs a person first, then the soonest close; closed windows last.
    static func sorted(_ rows: [Row]) -> [Row] {
        rows.sorted { a, b in
            if a.owner.needsPerson != b.owner.needsPerson { return a.owner.needsPerson }
            if a.window.isOpen != b.window.isOpen { return a.window.isOpen }
            return a.window.closesAt < b.window.closesAt
        }
    }

    static func path(_ contact: ContactKey) -> String {
        "/desk/c/\(escapePath(contact.phoneNumberID))/\(escapePath(contact.contactID))"
    }

    static func escapePath(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    struct Message {
        var direction: String
        var at: String
        var by: String?
        var kind: String
        var text: String
        var ticks: String?
        var tickClass: String
        var status: String
        var failure: String?
    }

    static func message(_ logged: LoggedMessage) -> Message {
        let entry = logged.entry
        var ticks: String?
        var tickClass = ""
        if entry.direction == .outbound {
            switch logged.status {
            case nil: ticks = "…"
            case .sent: ticks = "✓"
            case .delivered: ticks = "✓✓"
            case .read, .played:
                ticks = "✓✓"
                tickClass = "read"
            case .failed:
                ticks = "✗"
                tickClass = "failed"
            }
        }
        let kind = entry.template.map { "template \($0)" } ?? entry.kind
        return Message(
            direction: entry.direction.rawValue,
            at: entry.at.description,
            by: entry.agent,
            kind: kind,
            text: entry.text,
            ticks: ticks,
            tickClass: tickClass,
            status: logged.status?.rawValue ?? "queued",
            failure: logged.status == .failed ? "not delivered: \(logged.error ?? "no reason given")" : nil
        )
    }

    struct Template {
        struct Parameter {
            var index: Int
            var label: String
        }

        var key: String
        var name: String
        var category: String
        var language: String
        var body: String
        var parameters: [Parameter]
        var buttons: [String]
    }

    /// The flow's templates a person can fill in at the desk (body parameters only).
    static func templates(_ flow: Flow) -> [Template] {
        flow.templates.values.filter(\.isFillableAtDesk).sorted { $0.key < $1.key }.map { definition in
            Template(
                key: definition.key,
                name: definition.name.value,
                category: definition.category.rawValue,
                language: definition.language,
                body: definition.body.value,
                parameters: (0..<definition.bodyParameterCount).map { Template.Parameter(index: $0 + 1, label: "{{\($0 + 1)}}") },
                buttons: definition.buttons.map(\.label.value)
            )
        }
    }

    struct Variable {
        var name: String
        var value: String
    }
}
