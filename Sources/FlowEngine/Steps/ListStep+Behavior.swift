import FlowModel
import WhatsAppCloud

extension ListStep: StepBehavior {
    func render(_ node: FlowNode, with renderer: inout MessageRenderer) -> MessageRenderer.Rendered? {
        let sections = sections.map { section in
            InteractiveObject.Section(
                title: section.title.map { renderer.fit($0, WhatsAppLimits.listSectionTitle, "section title") },
                rows: section.rows.map { row in
                    InteractiveObject.Row(
                        id: row.id.value,
                        title: renderer.fit(row.title, WhatsAppLimits.listRowTitle, "row title"),
                        description: row.description.map { renderer.fit($0, WhatsAppLimits.listRowDescription, "row description") }
                    )
                }
            )
        }
        let object = InteractiveObject.list(
            header: header.map { renderer.fit($0, WhatsAppLimits.headerText, "header") },
            body: renderer.fit(body, WhatsAppLimits.interactiveBody, "body"),
            footer: footer.map { renderer.fit($0, WhatsAppLimits.footer, "footer") },
            button: renderer.fit(button, WhatsAppLimits.listButtonLabel, "list button"),
            sections: sections
        )
        return renderer.rendered(OutboundMessage(to: renderer.to, interactive: object))
    }

    func enter(_ node: FlowNode, in sprint: inout Sprint) -> String? { sprint.sendAndWait(node, for: .choice) }
}
