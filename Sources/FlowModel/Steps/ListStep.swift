import WhatsAppCloud
import Yams

/// `list:`: an interactive list message (a button that opens sections of rows); the node waits
/// for the customer to pick a row.
public struct ListStep: Hashable, Sendable {
    public struct Section: Hashable, Sendable {
        public var title: TextTemplate?
        public var rows: [Row]
        public var location: SourceLocation
    }

    public struct Row: Hashable, Sendable {
        /// Sent back by WhatsApp when the row is picked; the title when not written.
        public var id: Located<String>
        /// The id was written in the flow (not defaulted to the title).
        public var hasExplicitID: Bool
        public var title: TextTemplate
        public var description: TextTemplate?
        /// Where picking the row leads; the node's `goto` when nil.
        public var target: Target?
    }

    /// Lists carry a text header only.
    public var header: TextTemplate?
    public var body: TextTemplate
    public var footer: TextTemplate?
    /// The label of the button that opens the list.
    public var button: TextTemplate
    public var sections: [Section]
    public var location: SourceLocation

    public var rows: [Row] { sections.flatMap(\.rows) }

    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> ListStep? {
        let context = node.context
        guard let reader = context.mapping(value, "'list'") else { return nil }
        let header = reader.text("header")
        let body = reader.text("body", required: true, hint: "write what the list is for under `body:`")
        let footer = reader.text("footer")
        let button = reader.text("button", required: true, hint: "write the label of the button that opens the list, e.g. `button: Choose`")
        let sections = reader.list("sections", required: true)?.compactMap { readSection($0, context: context) }
        reader.reportUnknownKeys(in: "a list message")
        guard let body, let button, let sections else { return nil }
        return ListStep(header: header, body: body, footer: footer, button: button, sections: sections, location: reader.location)
    }

    private static func readSection(_ node: Yams.Node, context: LoadContext) -> Section? {
        guard let reader = context.mapping(node, "a list section") else { return nil }
        let title = reader.text("title")
        let rows = reader.list("rows", required: true)?.compactMap { readRow($0, context: context) }
        reader.reportUnknownKeys(in: "a list section")
        return rows.map { Section(title: title, rows: $0, location: reader.location) }
    }

    private static func readRow(_ node: Yams.Node, context: LoadContext) -> Row? {
        guard let reader = context.mapping(node, "a list row") else { return nil }
        let title = reader.text("title", required: true, hint: "a row needs the words it shows, at most 24 characters")
        let id = reader.string("id")
        let description = reader.text("description")
        let target = reader.target("goto")
        reader.reportUnknownKeys(in: "a list row")
        guard let title else { return nil }
        return Row(
            id: id ?? Located(title.description, at: title.location),
            hasExplicitID: id != nil,
            title: title,
            description: description,
            target: target
        )
    }

    var texts: [TextTemplate] {
        [header, body, footer, button].compactMap { $0 } + sections.compactMap(\.title)
            + rows.flatMap { [$0.title, $0.description].compactMap { $0 } }
    }

    func checkLimits(_ check: inout LimitCheck, in flow: Flow) {
        check.text(header, max: WhatsAppLimits.headerText, rule: .headerLength, what: "header text")
        check.text(body, max: WhatsAppLimits.interactiveBody, rule: .bodyLength, what: "body")
        check.text(footer, max: WhatsAppLimits.footer, rule: .footerLength, what: "footer")
        check.text(button, max: WhatsAppLimits.listButtonLabel, rule: .listButtonLength, what: "list button label")
        check.count(
            sections.count,
            in: 1...WhatsAppLimits.listSectionsMax,
            rule: .listSectionCount,
            what: "list sections",
            at: location
        )
        check.count(
            rows.count,
            in: 1...WhatsAppLimits.listRowsMax,
            rule: .listRowCount,
            what: "list rows across all sections",
            at: location
        )
        for section in sections {
            check.text(section.title, max: WhatsAppLimits.listSectionTitle, rule: .listSectionTitleLength, what: "section title")
            if section.rows.isEmpty, !rows.isEmpty {
                check.diagnostics.append(
                    .error(
                        .listRowCount,
                        "this list section has no rows; WhatsApp needs at least one in each section",
                        hint: "add a row, or remove the section",
                        at: section.location
                    )
                )
            }
            if sections.count > 1, section.title == nil {
                check.diagnostics.append(
                    .error(
                        .listSectionTitleRequired,
                        "a list with more than one section needs a title on every section",
                        hint: "add `title:` (at most 24 characters) to this section",
                        at: section.location
                    )
                )
            }
        }
        for row in rows {
            check.text(row.title, max: WhatsAppLimits.listRowTitle, rule: .listRowTitleLength, what: "row title")
            check.text(row.description, max: WhatsAppLimits.listRowDescription, rule: .listRowDescriptionLength, what: "row description")
            check.plain(row.id, max: WhatsAppLimits.listRowID, rule: .listRowIDLength, what: "row id")
        }
        check.unique(rows.map(\.id), rule: .listRowIDUnique, what: "row id")
    }
}

extension ListStep: StepKind {
    static let keys = ["list"]
    static let nodeKeys = InputPolicy.keys
    var step: Step { .list(self) }
    var isFreeForm: Bool { true }
    var waitsForCustomer: Bool { true }
    var shape: GraphShape { .question }
    var choiceOptions: [ChoiceOption] { rows.map { ChoiceOption(id: $0.id.value, title: $0.title, target: $0.target) } }

    func edges(of node: FlowNode) -> [Edge] {
        rows.flatMap { Edge.to($0.target ?? node.next, .choice, $0.title.description) }
    }

    func deadEnd(of node: FlowNode) -> Diagnostic? {
        guard node.next == nil, let row = rows.first(where: { $0.target == nil }) else { return nil }
        return .warning(
            .deadEnd,
            "picking '\(row.title)' ends the flow: the row has no `goto` and neither has the node",
            hint: "add `goto:` to the row or the node (`goto: end` if ending is meant)",
            at: row.title.location
        )
    }
}
