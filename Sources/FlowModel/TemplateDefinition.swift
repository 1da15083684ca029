import Foundation
import WhatsAppCloud
import Yams

/// A message template as approved at Meta, declared under `templates:` so the validator can check
/// parameters and the engine can render it.
///
/// ```yaml
/// templates:
///   order_update:
///     language: en_US
///     category: UTILITY
///     body: "Hi {{1}}, there is news about order {{2}}."
///     buttons: [{ quick_reply: Continue }, { url: "https://acme.example/o/{{1}}", text: Track }]
/// ```
public struct TemplateDefinition: Hashable, Sendable {
    /// The categories Meta prices templates by.
    public enum Category: String, Hashable, Sendable, Codable, CaseIterable {
        case marketing = "MARKETING"
        case utility = "UTILITY"
        case authentication = "AUTHENTICATION"
    }

    public enum Header: Hashable, Sendable {
        case text(Located<String>)
        /// An image, video or document header; the node gives the link as the header parameter.
        case media(MediaKind)
    }

    public enum Button: Hashable, Sendable {
        case quickReply(Located<String>)
        case url(text: Located<String>, url: Located<String>)
        case phone(text: Located<String>, number: Located<String>)

        public var label: Located<String> {
            switch self {
            case .quickReply(let label), .url(let label, _), .phone(let label, _): label
            }
        }
    }

    /// The key under `templates:` that nodes use.
    public var key: String
    /// The name approved at Meta; the key unless written.
    public var name: Located<String>
    public var language: String
    public var category: Category
    public var header: Header?
    public var body: Located<String>
    public var footer: Located<String>?
    public var buttons: [Button] {
        didSet { dynamicURLButtonIndices = Self.dynamicURLButtons(in: buttons) }
    }
    public var location: SourceLocation
    /// The URL buttons whose URL holds a placeholder, each of which needs one parameter.
    public private(set) var dynamicURLButtonIndices: [Int]

    public init(
        key: String,
        name: Located<String>,
        language: String,
        category: Category,
        header: Header?,
        body: Located<String>,
        footer: Located<String>?,
        buttons: [Button],
        location: SourceLocation
    ) {
        self.key = key
        self.name = name
        self.language = language
        self.category = category
        self.header = header
        self.body = body
        self.footer = footer
        self.buttons = buttons
        self.location = location
        dynamicURLButtonIndices = Self.dynamicURLButtons(in: buttons)
    }

    public var quickReplies: [Located<String>] {
        buttons.compactMap { if case .quickReply(let label) = $0 { label } else { nil } }
    }

    /// How many header parameters a send needs: the text header's placeholders, or one media link.
    public var headerParameterCount: Int {
        switch header {
        case .text(let text): Self.placeholders(in: text.value).count
        case .media: 1
        case nil: 0
        }
    }

    public var bodyParameterCount: Int { Self.placeholders(in: body.value).count }

    private static func dynamicURLButtons(in buttons: [Button]) -> [Int] {
        buttons.indices.filter { index in
            if case .url(_, let url) = buttons[index] { !placeholders(in: url.value).isEmpty } else { false }
        }
    }

    /// The numbers of the `{{n}}` placeholders in order of appearance.
    static func placeholders(in text: String) -> [Int] {
        // ASCII digits only: `\d` would also match digits Int() cannot read. A number too large
        // for Int stays in, as Int.max, so the check below can refuse it.
        text.matches(of: /\{\{\s*([0-9]+)\s*\}\}/).map { Int($0.1) ?? .max }
    }

    static func read(key: Located<String>, _ node: Yams.Node, context: LoadContext) -> TemplateDefinition? {
        guard let reader = context.mapping(node, "template '\(key.value)'") else { return nil }
        let name = reader.string("name") ?? key
        let language = reader.string("language", required: true, hint: "the language code the template was approved in, e.g. en_US")
        let categories = Dictionary(uniqueKeysWithValues: Category.allCases.map { ($0.rawValue, $0) })
        let category = reader.choice("category", categories, required: true)
        var header: Header?
        if let value = reader.value("header") {
            if value.scalar != nil {
                header = context.string(value, "'header'").map(Header.text)
            } else if let mapping = context.mapping(value, "'header'") {
                header = mapping.string("text").map(Header.text)
                let formats = [MediaKind.image, .video, .document].map { ($0.rawValue, $0) }
                if let format = mapping.choice("format", Dictionary(uniqueKeysWithValues: formats)) {
                    header = .media(format.value)
                }
                mapping.reportUnknownKeys(in: "a template header")
                if mapping.keys.isEmpty {
                    context.report(
                        .error(
                            .missingKey,
                            "the template header is empty",
                            hint: "write `header: { text: … }` or `header: { format: image }`, or remove it",
                            at: mapping.location
                        )
                    )
                } else if mapping.has("text"), mapping.has("format") {
                    context.report(
                        .error(
                            .invalidValue,
                            "a template header is text or media, not both",
                            hint: "keep `text:` for a text header or `format:` for an image, video or document",
                            at: mapping.location
                        )
                    )
                }
            }
        }
        let body = reader.string("body", required: true)
        let footer = reader.string("footer")
        let buttons = reader.list("buttons")?.compactMap { readButton($0, context: context) } ?? []
        reader.reportUnknownKeys(in: "a template")
        guard let language, let category, let body else { return nil }
        return TemplateDefinition(
            key: key.value,
            name: name,
            language: language.value,
            category: category.value,
            header: header,
            body: body,
            footer: footer,
            buttons: buttons,
            location: key.location
        )
    }

    private static func readButton(_ node: Yams.Node, context: LoadContext) -> Button? {
        guard let reader = context.mapping(node, "a template button") else { return nil }
        defer { reader.reportUnknownKeys(in: "a template button") }
        if let label = reader.string("quick_reply") { return .quickReply(label) }
        let text = reader.string("text")
        if let url = reader.string("url") {
            guard let text else { return missingText(reader) }
            return .url(text: text, url: url)
        }
        if let phone = reader.string("phone") {
            guard let text else { return missingText(reader) }
            return .phone(text: text, number: phone)
        }
        context.report(
            .error(
                .missingKey,
                "a template button needs 'quick_reply', 'url' or 'phone'",
                hint: "e.g. `{ quick_reply: Continue }` or `{ url: \"https://…\", text: Track }`",
                at: reader.location
            )
        )
        return nil
    }

    private static func missingText(_ reader: MappingReader) -> Button? {
        reader.context.report(.error(.missingKey, "a URL or phone button needs 'text', the label it shows", at: reader.location))
        return nil
    }

    func checkLimits(_ check: inout LimitCheck) {
        if name.value.range(of: "^[a-z0-9_]+$", options: .regularExpression) == nil {
            check.diagnostics.append(
                .error(
                    .templateName,
                    "template name '\(name.value)' may hold only lowercase letters, digits and underscores",
                    hint: "use the name exactly as approved at Meta, e.g. '\(name.value.lowercased().replacing(/[^a-z0-9_]/, with: "_"))'",
                    at: name.location
                )
            )
        }
        check.plain(name, max: WhatsAppLimits.templateName, rule: .templateName, what: "template name")
        check.plain(body, max: WhatsAppLimits.templateBody, rule: .templateBodyLength, what: "template body")
        if case .text(let text) = header {
            check.plain(text, max: WhatsAppLimits.templateHeader, rule: .templateHeaderLength, what: "template header")
            if Self.placeholders(in: text.value).count > 1 {
                check.diagnostics.append(.error(.templatePlaceholders, "a template header takes at most one parameter", at: text.location))
            }
        }
        check.plain(footer, max: WhatsAppLimits.templateFooter, rule: .templateFooterLength, what: "template footer")
        check.count(
            buttons.count,
            in: 0...WhatsAppLimits.templateButtonsMax,
            rule: .templateButtonCount,
            what: "template buttons",
            at: location
        )
        let urls = buttons.filter { if case .url = $0 { true } else { false } }.count
        let phones = buttons.filter { if case .phone = $0 { true } else { false } }.count
        check.count(urls, in: 0...WhatsAppLimits.templateURLButtonsMax, rule: .templateButtonCount, what: "template URL buttons", at: location)
        check.count(phones, in: 0...WhatsAppLimits.templatePhoneButtonsMax, rule: .templateButtonCount, what: "template phone buttons", at: location)
        for button in buttons {
            check.plain(button.label, max: WhatsAppLimits.templateButtonLabel, rule: .templateButtonLabelLength, what: "template button label")
        }
        for text in [header.flatMap { if case .text(let t) = $0 { t } else { nil } }, body, footer].compactMap({ $0 }) {
            checkPlaceholders(text, &check)
        }
    }

    /// `{{1}}`..`{{n}}`, each number at least once, none skipped.
    private func checkPlaceholders(_ text: Located<String>, _ check: inout LimitCheck) {
        let numbers = Set(Self.placeholders(in: text.value))
        guard let highest = numbers.max() else { return }
        guard numbers.allSatisfy({ $0 >= 1 }) else {
            check.diagnostics.append(
                .error(
                    .templatePlaceholders,
                    "placeholders are numbered from {{1}}; {{0}} is not one",
                    hint: "renumber them {{1}}, {{2}}, … in order, as approved at Meta",
                    at: text.location
                )
            )
            return
        }
        // The first few gaps, found without walking up to a huge number.
        var missing: [Int] = []
        var candidate = 1
        while missing.count < 5, candidate < highest {
            if !numbers.contains(candidate) { missing.append(candidate) }
            candidate += 1
        }
        if !missing.isEmpty {
            let more = highest - numbers.count > missing.count ? ", …" : ""
            check.diagnostics.append(
                .error(
                    .templatePlaceholders,
                    "placeholders must be numbered {{1}} to {{\(highest)}} without gaps; missing \(missing.map { "{{\($0)}}" }.joined(separator: ", "))\(more)",
                    hint: "renumber them in order, as approved at Meta",
                    at: text.location
                )
            )
        }
    }
}

extension TemplateDefinition {
    /// True when a person can send it from the desk: its only parameters are in the body.
    public var isFillableAtDesk: Bool {
        let headerNeedsParameters: Bool =
            switch header {
            case .media: true
            case .text(let text): !Self.placeholders(in: text.value).isEmpty
            case nil: false
            }
        return !headerNeedsParameters && dynamicURLButtonIndices.isEmpty
    }
}
