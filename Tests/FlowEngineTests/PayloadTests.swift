import FlowEngine
import FlowModel
import Foundation
import Testing
import WhatsAppCloud

/// The exact Cloud API send payloads, and the truncation policy.
struct PayloadTests {
    static let yaml = """
        flow: payloads
        start: menu
        templates:
          shipped:
            language: en_US
            category: UTILITY
            header: "Order {{1}}"
            body: "Hi {{1}}, order {{2}} shipped."
            buttons: [{ url: "https://acme.example/t/{{1}}", text: Track }, { quick_reply: Change slot }]
        triggers: [notice]
        params: [order_id]
        nodes:
          menu:
            buttons:
              header: { text: Acme }
              body: "Hi {{contact.name}}"
              footer: Replies fast
              options: [{ id: a, title: "{{contact.name}}", goto: end }]
          notice:
            template: shipped
            params: { header: ["{{order_id}}"], body: ["{{contact.name}}", "{{order_id}}"], buttons: ["{{order_id}}"] }
            goto: end
        """

    func json(_ message: Outbound) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: message.payload.jsonData()) as? [String: Any])
    }

    @Test("reply buttons render as the Cloud API's interactive object")
    func buttons() throws {
        var ana = VirtualContact(engine: Engine(flow: try loadFlow(Self.yaml)), contact: contact(name: "Ana"), start: at("10:00"))
        let step = ana.handle(text("hi"))
        let body = try #require(step.messages.first).payload.jsonString()
        #expect(
            body
                == #"{"interactive":{"action":{"buttons":[{"reply":{"id":"a","title":"Ana"},"type":"reply"}]},"body":{"text":"Hi Ana"},"footer":{"text":"Replies fast"},"header":{"text":"Acme","type":"text"},"type":"button"},"messaging_product":"whatsapp","recipient_type":"individual","to":"31612345678","type":"interactive"}"#
        )
    }

    @Test("a template renders with language and components for header, body and buttons")
    func template() throws {
        var ana = VirtualContact(engine: Engine(flow: try loadFlow(Self.yaml)), contact: contact(name: "Ana"), start: at("10:00"))
        let step = ana.handle(.trigger(BusinessTrigger(node: "notice", parameters: ["order_id": "ORD-1"])))
        let message = try #require(step.messages.first)
        #expect(message.category == "UTILITY")
        let body = message.payload.jsonString()
        #expect(
            body
                == #"{"messaging_product":"whatsapp","recipient_type":"individual","template":{"components":[{"parameters":[{"text":"ORD-1","type":"text"}],"type":"header"},{"parameters":[{"text":"Ana","type":"text"},{"text":"ORD-1","type":"text"}],"type":"body"},{"index":"0","parameters":[{"text":"ORD-1","type":"text"}],"sub_type":"url","type":"button"},{"index":"1","parameters":[{"payload":"fg1:notice:Change slot","type":"payload"}],"sub_type":"quick_reply","type":"button"}],"language":{"code":"en_US"},"name":"shipped"},"to":"31612345678","type":"template"}"#
        )
    }

    @Test("a value that pushes a field past its limit is shortened with an ellipsis, and the trace says so")
    func truncation() throws {
        let longName = "Maximiliana Alexandrina de la Cruz"
        var ana = VirtualContact(engine: Engine(flow: try loadFlow(Self.yaml)), contact: contact(name: longName), start: at("10:00"))
        let step = ana.handle(text("hi"))
        let title = try #require(step.messages.first?.payload.interactive?.action.buttons?.first?.reply.title)
        #expect(title.utf16.count == WhatsAppLimits.replyButtonTitle)
        #expect(title.hasSuffix("…"))
        #expect(longName.hasPrefix(String(title.dropLast())))
        #expect(step.trace.contains { $0.type == "truncated" && $0.detail.contains("button title") })
    }

    @Test("a username contact without a wa_id is keyed and addressed by its user id")
    func usernameContact() throws {
        let identity = ContactIdentity(waID: "", userID: "US.13491208655302741918", name: "Bo")
        #expect(identity.id == "US.13491208655302741918")
        var bo = VirtualContact(engine: Engine(flow: try loadFlow(Self.yaml)), contact: identity, start: at("10:00"))
        #expect(bo.handle(text("hi")).messages.first?.payload.to == "US.13491208655302741918")
    }

    @Test("contact state survives a JSON round trip, with its version")
    func stateCodable() throws {
        var ana = VirtualContact(engine: Engine(flow: try loadFlow(Self.yaml)), contact: contact(), start: at("10:00"))
        ana.handle(text("hi"))
        let data = try JSONEncoder().encode(ana.state)
        let decoded = try JSONDecoder().decode(ContactState.self, from: data)
        #expect(decoded == ana.state)
        #expect(decoded.version == ContactState.currentVersion)
        let json = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["version"] as? Int == ContactState.currentVersion)
    }

    @Test("the engine is deterministic: the same state, event and time give the same transition")
    func deterministic() throws {
        let engine = Engine(flow: try loadFlow(Self.yaml))
        let state = ContactState(contact: contact())
        let event = Event.inbound(InboundMessage(id: "m1", content: .text("hi")))
        let a = engine.handle(event, state: state, now: at("10:00"))
        let b = engine.handle(event, state: state, now: at("10:00"))
        #expect(a.state == b.state && a.messages == b.messages && a.trace == b.trace && a.timers == b.timers)
    }

    @Test("a loop the validator could not see stops at the step limit")
    func stepLimit() throws {
        let flow = try #require(
            FlowLoader.load(
                yaml: "flow: l\nstart: a\nnodes:\n  a: { set: { x: \"1\" }, goto: b }\n  b: { set: { y: \"2\" }, goto: a }\n",
                file: "l.yaml"
            ).flow
        )
        let step = Engine(flow: flow).handle(
            .inbound(InboundMessage(id: "m", content: .text("hi"))),
            state: ContactState(contact: contact()),
            now: at("10:00")
        )
        #expect(step.trace.contains { $0.reason == "STEP_LIMIT" })
        #expect(step.state.position == nil)
    }
}
