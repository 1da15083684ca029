import FlowEngine
import FlowModel
import Foundation
import Testing
import WhatsAppCloud

/// A free-form message WhatsApp refuses with 131047 goes again exactly as it was. The state keeps
/// a copy of each message awaiting its status only when the copy is needed: a message with
/// variables in it, which its node may render differently later.
struct RefusedMessageTests {
    static let yaml = """
        flow: refusal
        start: ask
        session: { reentry: back }
        templates:
          welcome_back: { language: en_US, category: UTILITY, body: Welcome back }
        nodes:
          ask: { ask: "What is your order number?", save_as: order, goto: confirm }
          confirm: { text: "Looking up order {{order}}", goto: again }
          again: { ask: "Another order number?", save_as: order, goto: confirm }
          back: { template: welcome_back, on_reply: resume }
        """

    static let refusal = [DeliveryStatus.Failure(code: GraphErrorCode.reEngagement, title: "Re-engagement message")]

    /// A contact asked for an order number at 10:00, who answered "111" at 10:01.
    func answeredOnce() throws -> (contact: VirtualContact, answer: Transition) {
        var ana = VirtualContact(engine: Engine(flow: try loadFlow(Self.yaml)), contact: contact(), start: at("10:00"))
        ana.handle(text("hi"))
        ana.advance(to: at("10:01"))
        let answer = ana.handle(text("111"))
        return (ana, answer)
    }

    @Test("a refused message with variables goes again as it was, not as its node renders now")
    func keptCopy() throws {
        var (ana, first) = try answeredOnce()
        #expect(first.texts == ["Looking up order 111", "Another order number?"])
        let ref = try #require(first.messages.first?.ref)
        #expect(ana.state.awaitingStatus.first { $0.ref == ref }?.payload?.message.text?.body == "Looking up order 111")
        ana.advance(to: at("10:02"))
        #expect(ana.handle(text("222")).texts.first == "Looking up order 222")
        // The customer wrote after the refused send, so the window is open: it goes again at once.
        let again = ana.handle(.status(DeliveryStatus(ref: ref, state: .failed, errors: Self.refusal)))
        #expect(again.texts == ["Looking up order 111"])
    }

    @Test("a message with no variables is not copied into the state; refused, its node renders it again")
    func renderedAgain() throws {
        var (ana, first) = try answeredOnce()
        let prompt = try #require(first.messages.last)
        #expect(prompt.payload.text?.body == "Another order number?")
        let kept = try #require(ana.state.awaitingStatus.first { $0.ref == prompt.ref })
        #expect(kept.payload == nil)
        // Refused with nothing written since: held, the re-entry template goes, and the
        // customer's answer brings the same message back, byte for byte.
        let refused = ana.handle(.status(DeliveryStatus(ref: prompt.ref, state: .failed, errors: Self.refusal)))
        #expect(refused.templates == ["welcome_back"])
        ana.advance(to: at("10:05"))
        let resumed = ana.handle(text("ok"))
        var expected = prompt.payload
        expected.to = ana.state.contact.recipient
        #expect(resumed.messages.first?.payload == expected)
    }

    @Test("a stored state keeps each copy as the JSON that went, and reads it back")
    func storedCopy() throws {
        var ana = VirtualContact(engine: Engine(flow: try loadFlow(Self.yaml)), contact: contact(), start: at("10:00"))
        ana.handle(text("hi"))
        let first = ana.handle(text("111"))
        let encoded = try JSONEncoder().encode(ana.state)
        let tree = try #require(JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        let awaiting = try #require(tree["awaitingStatus"] as? [[String: Any]])
        let entry = try #require(awaiting.first { $0["ref"] as? String == first.messages[0].ref })
        #expect(entry["payload"] as? String == first.messages[0].payload.jsonString())
        #expect(awaiting.filter { $0["payload"] != nil }.count == 1, "the prompts have no variables: no copies")
        #expect(try JSONDecoder().decode(ContactState.self, from: encoded) == ana.state)
    }

    @Test("a state stored with the copy as an object, as before, reads the same")
    func objectCopy() throws {
        var ana = VirtualContact(engine: Engine(flow: try loadFlow(Self.yaml)), contact: contact(), start: at("10:00"))
        ana.handle(text("hi"))
        ana.handle(text("111"))
        var tree = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(ana.state)) as? [String: Any])
        var awaiting = try #require(tree["awaitingStatus"] as? [[String: Any]])
        let index = try #require(awaiting.firstIndex { $0["payload"] != nil })
        let copy = try #require(awaiting[index]["payload"] as? String)
        awaiting[index]["payload"] = try JSONSerialization.jsonObject(with: Data(copy.utf8))
        tree["awaitingStatus"] = awaiting
        let old = try JSONSerialization.data(withJSONObject: tree)
        #expect(try JSONDecoder().decode(ContactState.self, from: old) == ana.state)
    }
}
