import FlowModel
import WhatsAppCloud

/// Turns a node into the exact Cloud API payload, with variables filled in.
///
/// It never emits a payload WhatsApp would reject for length: a field that interpolation pushes
/// past its limit (from ``WhatsAppLimits``) is shortened to fit and ends with `…`, and a warning
/// says so.
struct MessageRenderer {
    let flow: Flow
    let to: String
    let lookup: (String) -> String?
    private(set) var warnings: [String] = []

    init(flow: Flow, to: String, lookup: @escaping (String) -> String?) {
        self.flow = flow
        self.to = to
        self.lookup = lookup
    }

    struct Rendered {
        var payload: OutboundMessage
        /// The template's category, for templates.
        var category: String?
    }

    mutating func render(_ node: FlowNode) -> Rendered? {
        switch node.step {
        case .text(let step):
            let body = fit(step.body, WhatsAppLimits.textBody, "text body")
            return Rendered(payload: OutboundMessage(to: to, text: TextObject(body: body, previewURL: step.previewURL ? true : nil)))
        case .buttons(let step):
            let buttons = step.options.map {
                InteractiveObject.Button(id: $0.id.value, title: fit($0.title, WhatsAppLimits.replyButtonTitle, "button title"))
            }
            let object = InteractiveObject.buttons(header: header(step.header), body: fit(step.body, WhatsAppLimits.interactiveBody, "body"),
                                                   footer: step.footer.map { fit($0, WhatsAppLimits.footer, "footer") }, buttons: buttons)
            return Rendered(payload: OutboundMessage(to: to, interactive: object))
        case .list(let step):
            let sections = step.sections.map { section in
                InteractiveObject.Section(
                    title: section.title.map { fit($0, WhatsAppLimits.listSectionTitle, "section title") },
                    rows: section.rows.map { row in
                        InteractiveObject.Row(id: row.id.value, title: fit(row.title, WhatsAppLimits.listRowTitle, "row title"),
                                              description: row.description.map { fit($0, WhatsAppLimits.listRowDescription, "row description") })
                    })
            }
            let object = InteractiveObject.list(header: step.header.map { fit($0, WhatsAppLimits.headerText, "header") },
                                                body: fit(step.body, WhatsAppLimits.interactiveBody, "body"),
                                                footer: step.footer.map { fit($0, WhatsAppLimits.footer, "footer") },
                                                button: fit(step.button, WhatsAppLimits.listButtonLabel, "list button"), sections: sections)
            return Rendered(payload: OutboundMessage(to: to, interactive: object))
        case .media(let step):
            var media = mediaObject(step.source)
            media.caption = step.caption.map { fit($0, WhatsAppLimits.caption, "caption") }
            media.filename = step.filename?.render(lookup)
            let type = OutboundMessage.MessageType(rawValue: step.kind.rawValue) ?? .image
            return Rendered(payload: OutboundMessage(to: to, media: media, kind: type))
        case .location(let step):
            let location = LocationObject(latitude: step.latitude, longitude: step.longitude,
                                          name: step.name?.render(lookup), address: step.address?.render(lookup))
            return Rendered(payload: OutboundMessage(to: to, location: location))
        case .locationRequest(let step):
            let object = InteractiveObject.locationRequest(body: fit(step.body, WhatsAppLimits.interactiveBody, "body"))
            return Rendered(payload: OutboundMessage(to: to, interactive: object))
        case .contacts(let step):
            let cards = step.cards.map {
                ContactObject(formattedName: $0.name, firstName: $0.firstName, lastName: $0.lastName, organization: $0.organization,
                              phones: $0.phones, emails: $0.emails, urls: $0.urls)
            }
            return Rendered(payload: OutboundMessage(to: to, contacts: cards))
        case .ctaURL(let step):
            let object = InteractiveObject.ctaURL(header: header(step.header), body: fit(step.body, WhatsAppLimits.interactiveBody, "body"),
                                                  footer: step.footer.map { fit($0, WhatsAppLimits.footer, "footer") },
                                                  displayText: fit(step.displayText, WhatsAppLimits.ctaDisplayText, "display text"),
                                                  url: step.url.render(lookup))
            return Rendered(payload: OutboundMessage(to: to, interactive: object))
        case .ask(let step):
            return Rendered(payload: OutboundMessage(to: to, text: TextObject(body: fit(step.prompt, WhatsAppLimits.textBody, "question"))))
        case .template(let step):
            return template(step, node: node.id)
        case .branch, .set, .wait, .handoff, .end:
            return nil
        }
    }

    private mutating func template(_ step: TemplateStep, node: String) -> Rendered? {
        guard let definition = flow.templates[step.template.value] else { return nil }
        var components: [TemplateObject.Component] = []
        if !step.params.header.isEmpty {
            let parameters: [TemplateObject.Parameter]
            if case .media(let kind) = definition.header {
                parameters = step.params.header.map { .media(kind.rawValue, link: $0.render(lookup)) }
            } else {
                parameters = step.params.header.map { .text($0.render(lookup)) }
            }
            components.append(.init(type: "header", parameters: parameters))
        }
        if !step.params.body.isEmpty {
            components.append(.init(type: "body", parameters: step.params.body.map { .text($0.render(lookup)) }))
        }
        for (value, index) in zip(step.params.buttons, definition.dynamicURLButtonIndices) {
            components.append(.init(type: "button", subType: "url", index: index, parameters: [.text(value.render(lookup))]))
        }
        for (index, button) in definition.buttons.enumerated() {
            if case .quickReply(let label) = button {
                components.append(.init(type: "button", subType: "quick_reply", index: index, parameters: [.payload(QuickReplyPayload.make(node: node, label: label.value))]))
            }
        }
        let object = TemplateObject(name: definition.name.value, languageCode: definition.language, components: components)
        return Rendered(payload: OutboundMessage(to: to, template: object), category: definition.category.rawValue)
    }

    private mutating func header(_ header: InteractiveHeader?) -> InteractiveObject.Header? {
        switch header {
        case .text(let text): .text(fit(text, WhatsAppLimits.headerText, "header"))
        case .media(let kind, let source): .media(kind.rawValue, mediaObject(source))
        case nil: nil
        }
    }

    private func mediaObject(_ source: MediaSource) -> MediaObject {
        switch source {
        case .link(let link): MediaObject(link: link.render(lookup))
        case .id(let id): MediaObject(id: id.render(lookup))
        }
    }

    mutating func fit(_ text: TextTemplate, _ limit: Int, _ field: String) -> String {
        fit(text.render(lookup), limit, field)
    }

    /// Shortens `text` to `limit` UTF-16 units, ending with `…`, without splitting a character.
    mutating func fit(_ text: String, _ limit: Int, _ field: String) -> String {
        guard text.utf16.count > limit else { return text }
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf16.count
            if used + size > limit - 1 { break }
            result.append(character)
            used += size
        }
        result += "…"
        warnings.append("\(field) was \(text.utf16.count) characters after filling in variables; shortened to \(limit) to fit WhatsApp's limit")
        return result
    }
}
