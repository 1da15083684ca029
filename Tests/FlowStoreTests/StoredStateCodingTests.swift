import FlowEngine
import FlowModel
import FlowServerTesting
import FlowStore
import Foundation
import GuardAudit
import Testing
import WhatsAppCloud

/// The stored form of a contact's state: every state the engine can reach reads back exactly,
/// states stored as JSON before still read, and bytes that are neither give an error, never a trap.
struct StoredStateCodingTests {
    static func flow(_ name: String) throws -> Flow {
        let result = FlowLoader.load(file: repository.appendingPathComponent("flows/\(name).yaml").path)
        return try #require(result.flow, "\(result.diagnostics)")
    }

    @Test(
        "every state of random conversations with every event kind reads back exactly, in both forms",
        arguments: [("order-support", UInt64(11)), ("auto-ack", UInt64(12))]
    )
    func randomStatesRoundTrip(flowName: String, seed: UInt64) throws {
        var checked = 0
        var mismatches: [String] = []
        var sawHeld = false
        var sawRefusedCopy = false
        var sawHandoff = false
        var sawStatus = false
        _ = GuardAudit(flow: try Self.flow(flowName), contacts: 12, eventsPerContact: 400, seed: seed).run { state in
            checked += 1
            sawHeld = sawHeld || !state.held.isEmpty
            sawRefusedCopy = sawRefusedCopy || state.held.contains { $0.message != nil }
            sawHandoff = sawHandoff || state.handoff != nil
            sawStatus = sawStatus || state.awaitingStatus.contains { $0.state != nil }
            do {
                let stored = try StoredStateCoding.decode(try StoredStateCoding.encode(state))
                let legacy = try StoredStateCoding.decode(try JSONEncoder().encode(state))
                if stored != state || legacy != state, mismatches.count < 3 { mismatches.append("\(state)") }
            } catch {
                mismatches.append("\(error)")
            }
        }
        #expect(checked == 12 * 400)
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        // The conversations reached the rarely seen parts of a state, so those were checked too.
        #expect(sawHeld && sawRefusedCopy && sawStatus)
        if flowName == "order-support" { #expect(sawHandoff) }
    }

    /// A state with every field set, the rare ones included.
    static func everything() throws -> ContactState {
        var state = ContactState(contact: ContactIdentity(waID: "31612345678", userID: "NL.1", name: "Ana \"Q\" ✓"))
        state.flow = "order-support"
        state.position = .init(node: "ask-order", waitingFor: .answer, timerDue: Timestamp(millisecondsSince1970: 1_800_000_000_000))
        state.variables = ["order": "ORD-12345", "empty": "", "ünï": "línea\nnueva"]
        state.reply = .init(type: "interactive", id: "row-2", title: "Track", text: "Track my order")
        state.failedAttempts = 2
        state.lastInboundAt = Timestamp(millisecondsSince1970: 1_799_999_000_000)
        state.previousInboundAt = Timestamp(millisecondsSince1970: -5)
        state.refusedSentAt = Timestamp.latest
        let text = OutboundMessage(to: "31612345678", text: TextObject(body: "Your order ORD-12345 ships today"))
        state.held = [
            .init(id: 1, node: "ask-order", reason: .sessionExpired, at: Timestamp(millisecondsSince1970: 7)),
            .init(
                id: 2,
                node: "notice",
                reason: .handoff,
                at: Timestamp.earliest,
                message: .init(ref: "31612345678-4", sequence: 4, payload: text)
            ),
        ]
        state.heldPosition = .init(node: "menu", waitingFor: .choice)
        state.reentry = .init(node: "reopen", at: Timestamp(millisecondsSince1970: 9))
        state.heldSequence = 2
        state.handoff = .init(node: "agent", queue: "billing", since: Timestamp(millisecondsSince1970: 11), agent: "Bo", resumesInPlace: false)
        state.awaitingStatus = [
            .init(
                ref: "31612345678-5",
                node: "notice",
                sequence: 5,
                isTemplate: false,
                sentAt: Timestamp(millisecondsSince1970: 12),
                payload: SharedPayload(text)
            ),
            .init(
                ref: "31612345678-6",
                node: "reopen",
                sequence: 6,
                isTemplate: true,
                sentAt: Timestamp(millisecondsSince1970: 13),
                state: .sent,
                category: "UTILITY",
                insideWhatsAppWindow: true
            ),
            .init(ref: "31612345678-7", node: "menu", sequence: 7, isTemplate: false, sentAt: Timestamp(millisecondsSince1970: 14)),
        ]
        state.beforeExpiryDue = Timestamp(millisecondsSince1970: 15)
        state.waitSequence = Int64.max
        state.outboundSequence = 7
        state.accounting.freeFormMessages = 5
        state.accounting.templates = ["UTILITY": 1, "MARKETING": 3]
        state.accounting.templatesDelivered = ["UTILITY": 1]
        state.accounting.billableTemplates = ["MARKETING": 2]
        state.accounting.templatesFailed = 1
        state.accounting.windowsOpened = 4
        state.accounting.blockedSteps = 6
        return state
    }

    @Test("a state with every field set reads back exactly, from the new form and from JSON")
    func everyField() throws {
        let state = try Self.everything()
        let stored = try StoredStateCoding.encode(state)
        #expect(stored.first == 0x01)
        #expect(try StoredStateCoding.decode(stored) == state)
        #expect(try StoredStateCoding.decode(try JSONEncoder().encode(state)) == state)
        // A kept copy is exactly the JSON that went, so a refused message goes again as it was.
        let copy = try #require(try StoredStateCoding.decode(stored).awaitingStatus.first?.payload)
        #expect(copy.json == state.awaitingStatus[0].payload?.json)
    }

    @Test("a refused message that cannot be written as JSON fails the encoding instead of being stored as something else")
    func unwritableRefusedMessage() throws {
        var state = try Self.everything()
        let nowhere = OutboundMessage(to: "31612345678", location: LocationObject(latitude: .nan, longitude: 0))
        state.held[1].message = .init(ref: "31612345678-4", sequence: 4, payload: nowhere)
        #expect(throws: (any Error).self) { try StoredStateCoding.encode(state) }
    }

    @Test("a new contact's state, with nothing set, reads back exactly, even with neither id known")
    func emptyState() throws {
        let state = ContactState(contact: ContactIdentity(waID: nil, userID: "US.77"))
        #expect(try StoredStateCoding.decode(try StoredStateCoding.encode(state)) == state)
        // ContactIdentity makes an empty id when it has neither: what can be written must read back.
        let nobody = ContactState(contact: ContactIdentity(waID: nil))
        #expect(try StoredStateCoding.decode(try StoredStateCoding.encode(nobody)) == nobody)
    }

    @Test("bytes in neither form, cut short, or naming what this Flowgate does not know are errors, not traps")
    func badBytes() throws {
        #expect(throws: StoredStateError.self) { try StoredStateCoding.decode(Data()) }
        #expect(throws: StoredStateError.self) { try StoredStateCoding.decode(Data([0x7F, 0x01])) }
        let good = try StoredStateCoding.encode(try Self.everything())
        // Cut at every length: each either reads (a prefix can end between fields) or throws.
        for length in 1..<good.count { _ = try? StoredStateCoding.decode(good.prefix(length)) }
        // An unknown wait, block reason or delivery state names the field.
        var unknownWait = try Self.everything()
        unknownWait.position = nil
        var bytes = try StoredStateCoding.encode(unknownWait)
        bytes.append(contentsOf: [0x1A, 0x08, 0x0A, 0x01, 0x6E, 0x12, 0x03, 0x7A, 0x7A, 0x7A])  // position { node: "n", waiting_for: "zzz" }
        let error = #expect(throws: StoredStateError.self) { try StoredStateCoding.decode(bytes) }
        #expect(error?.description.contains("position.waiting_for is \"zzz\"") == true)
        // Random bytes after either first byte.
        var random = SeededGenerator(seed: 5)
        for round in 0..<5_000 {
            var noise = Data([round.isMultiple(of: 2) ? 0x01 : 0x7B])
            for _ in 0..<Int.random(in: 0..<64, using: &random) { noise.append(UInt8.random(in: 0...255, using: &random)) }
            _ = try? StoredStateCoding.decode(noise)
        }
    }
}
