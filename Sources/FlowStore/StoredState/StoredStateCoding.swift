import FlowEngine
import FlowModel
import Foundation
import SwiftProtobuf
import WhatsAppCloud

/// How every store writes and reads a contact's state: one byte naming the form, then a protocol
/// buffer (`StoredContactState`, see `stored_state.proto`). A state is written on every event,
/// and Foundation's JSON encoder cost several thousand instructions for each value it wrote; the
/// protocol buffer costs a small fraction of that. States stored as JSON by an earlier Flowgate
/// (they begin with `{`) are still read, and written in the new form at their next event.
public enum StoredStateCoding {
    /// The first byte of a state stored as a `StoredContactState`.
    static let protobufForm: UInt8 = 0x01
    /// The first byte of a state stored as JSON (an object).
    static let jsonForm = UInt8(ascii: "{")

    /// The schema migration each store records when it starts writing states this way: it has no
    /// statements (the column holds bytes either way), but a Flowgate from before, which cannot
    /// read these states, then refuses the database at start instead of failing on every contact.
    public static let migrationSummary = "contact states stored as protocol buffers (older Flowgate cannot read them)"

    /// The bytes to store for `state`.
    public static func encode(_ state: ContactState) throws -> Data {
        let message = try Flowgate_Store_StoredContactState(state)
        var bytes = Data([protobufForm])
        bytes.append(try message.serializedBytes() as Data)
        return bytes
    }

    /// The state stored as `bytes`, in either form.
    public static func decode(_ bytes: Data) throws -> ContactState {
        switch bytes.first {
        case protobufForm?:
            let message = try Flowgate_Store_StoredContactState(serializedBytes: bytes.dropFirst())
            return try ContactState(message)
        case jsonForm?:
            return try JSONDecoder().decode(ContactState.self, from: bytes)
        case let other:
            throw StoredStateError(problem: "it begins with byte \(other.map(String.init) ?? "none"), which is neither form Flowgate writes")
        }
    }
}

/// A stored state that could not be read.
public struct StoredStateError: Error, CustomStringConvertible, Sendable {
    public var problem: String
    public var description: String { "a stored contact state could not be read: \(problem)" }
}

extension Flowgate_Store_StoredContactState {
    /// Throws only if a refused message kept to send again cannot be written as JSON.
    init(_ state: ContactState) throws {
        self.init()
        contact = Identity(state.contact)
        if let flow = state.flow { self.flow = flow }
        if let position = state.position { self.position = Position(position) }
        variables = state.variables
        if let reply = state.reply { self.reply = Reply(reply) }
        failedAttempts = Int64(state.failedAttempts)
        if let at = state.lastInboundAt { lastInboundAt = at.millisecondsSince1970 }
        if let at = state.previousInboundAt { previousInboundAt = at.millisecondsSince1970 }
        if let at = state.refusedSentAt { refusedSentAt = at.millisecondsSince1970 }
        held = try state.held.map(HeldStep.init)
        if let position = state.heldPosition { heldPosition = Position(position) }
        if let mark = state.reentry { reentry = ReentryMark(node: mark.node, at: mark.at.millisecondsSince1970) }
        heldSequence = state.heldSequence
        if let handoff = state.handoff { self.handoff = Handoff(handoff) }
        awaitingStatus = state.awaitingStatus.map(SentMessage.init)
        if let due = state.beforeExpiryDue { beforeExpiryDue = due.millisecondsSince1970 }
        waitSequence = state.waitSequence
        outboundSequence = state.outboundSequence
        accounting = Accounting(state.accounting)
    }
}

extension ContactState {
    init(_ stored: Flowgate_Store_StoredContactState) throws {
        self.init(contact: ContactIdentity(stored.contact))
        flow = stored.hasFlow ? stored.flow : nil
        position = stored.hasPosition ? try Position(stored.position) : nil
        variables = stored.variables
        reply = stored.hasReply ? Reply(stored.reply) : nil
        failedAttempts = Int(clamping: stored.failedAttempts)
        lastInboundAt = stored.hasLastInboundAt ? Timestamp(millisecondsSince1970: stored.lastInboundAt) : nil
        previousInboundAt = stored.hasPreviousInboundAt ? Timestamp(millisecondsSince1970: stored.previousInboundAt) : nil
        refusedSentAt = stored.hasRefusedSentAt ? Timestamp(millisecondsSince1970: stored.refusedSentAt) : nil
        held = try stored.held.map(HeldStep.init)
        heldPosition = stored.hasHeldPosition ? try Position(stored.heldPosition) : nil
        reentry = stored.hasReentry ? ReentryMark(node: stored.reentry.node, at: Timestamp(millisecondsSince1970: stored.reentry.at)) : nil
        heldSequence = stored.heldSequence
        handoff = stored.hasHandoff ? Handoff(stored.handoff) : nil
        awaitingStatus = try stored.awaitingStatus.map(SentMessage.init)
        beforeExpiryDue = stored.hasBeforeExpiryDue ? Timestamp(millisecondsSince1970: stored.beforeExpiryDue) : nil
        waitSequence = stored.waitSequence
        outboundSequence = stored.outboundSequence
        accounting = FlowEngine.Accounting(stored.accounting)
    }
}

/// A raw value read back as its enumeration, or a clear error naming the field.
private func raw<Value: RawRepresentable<String>>(_ text: String, _ field: String) throws -> Value {
    guard let value = Value(rawValue: text) else { throw StoredStateError(problem: "\(field) is \"\(text)\", which this Flowgate does not know") }
    return value
}

extension Flowgate_Store_StoredContactState.Identity {
    init(_ identity: ContactIdentity) {
        self.init()
        id = identity.id
        if let waID = identity.waID { self.waID = waID }
        if let userID = identity.userID { self.userID = userID }
        if let name = identity.name { self.name = name }
    }
}

extension ContactIdentity {
    /// Reads back every id the store was given, the empty one included (``ContactIdentity`` makes
    /// one when neither id is known): a state that could be written must read back.
    init(_ stored: Flowgate_Store_StoredContactState.Identity) {
        self.init(waID: stored.hasWaID ? stored.waID : nil, userID: stored.hasUserID ? stored.userID : nil, name: stored.hasName ? stored.name : nil)
        id = stored.id
    }
}

extension Flowgate_Store_StoredContactState.Position {
    init(_ position: ContactState.Position) {
        self.init()
        node = position.node
        waitingFor = position.waitingFor.rawValue
        if let due = position.timerDue { timerDue = due.millisecondsSince1970 }
    }
}

extension ContactState.Position {
    init(_ stored: Flowgate_Store_StoredContactState.Position) throws {
        self.init(
            node: stored.node,
            waitingFor: try raw(stored.waitingFor, "position.waiting_for"),
            timerDue: stored.hasTimerDue ? Timestamp(millisecondsSince1970: stored.timerDue) : nil
        )
    }
}

extension Flowgate_Store_StoredContactState.Reply {
    init(_ reply: ContactState.Reply) {
        self.init()
        type = reply.type
        if let id = reply.id { self.id = id }
        if let title = reply.title { self.title = title }
        if let text = reply.text { self.text = text }
    }
}

extension ContactState.Reply {
    init(_ stored: Flowgate_Store_StoredContactState.Reply) {
        self.init(
            type: stored.type,
            id: stored.hasID ? stored.id : nil,
            title: stored.hasTitle ? stored.title : nil,
            text: stored.hasText ? stored.text : nil
        )
    }
}

extension Flowgate_Store_StoredContactState.HeldStep {
    init(_ step: ContactState.HeldStep) throws {
        self.init()
        id = step.id
        node = step.node
        reason = step.reason.rawValue
        at = step.at.millisecondsSince1970
        if let refused = step.message {
            message.ref = refused.ref
            message.sequence = refused.sequence
            message.payloadJson = String(decoding: try refused.payload.jsonData(), as: UTF8.self)
        }
    }
}

extension ContactState.HeldStep {
    init(_ stored: Flowgate_Store_StoredContactState.HeldStep) throws {
        var refused: ContactState.RefusedMessage?
        if stored.hasMessage {
            let payload = try OutboundMessage(jsonText: stored.message.payloadJson)
            refused = ContactState.RefusedMessage(ref: stored.message.ref, sequence: stored.message.sequence, payload: payload)
        }
        self.init(
            id: stored.id,
            node: stored.node,
            reason: try raw(stored.reason, "held.reason"),
            at: Timestamp(millisecondsSince1970: stored.at),
            message: refused
        )
    }
}

extension Flowgate_Store_StoredContactState.ReentryMark {
    init(node: String, at: Int64) {
        self.init()
        self.node = node
        self.at = at
    }
}

extension Flowgate_Store_StoredContactState.Handoff {
    init(_ handoff: ContactState.Handoff) {
        self.init()
        node = handoff.node
        if let queue = handoff.queue { self.queue = queue }
        since = handoff.since.millisecondsSince1970
        if let agent = handoff.agent { self.agent = agent }
        if let resumes = handoff.resumesInPlace { resumesInPlace = resumes }
    }
}

extension ContactState.Handoff {
    init(_ stored: Flowgate_Store_StoredContactState.Handoff) {
        self.init(
            node: stored.node,
            queue: stored.hasQueue ? stored.queue : nil,
            since: Timestamp(millisecondsSince1970: stored.since),
            agent: stored.hasAgent ? stored.agent : nil,
            resumesInPlace: stored.hasResumesInPlace ? stored.resumesInPlace : nil
        )
    }
}

extension Flowgate_Store_StoredContactState.SentMessage {
    init(_ sent: ContactState.SentMessage) {
        self.init()
        ref = sent.ref
        node = sent.node
        sequence = sent.sequence
        isTemplate = sent.isTemplate
        sentAt = sent.sentAt.millisecondsSince1970
        if let state = sent.state { self.state = state.rawValue }
        if let category = sent.category { self.category = category }
        if let inside = sent.insideWhatsAppWindow { insideWhatsappWindow = inside }
        if let payload = sent.payload { payloadJson = payload.json }
    }
}

extension ContactState.SentMessage {
    init(_ stored: Flowgate_Store_StoredContactState.SentMessage) throws {
        self.init(
            ref: stored.ref,
            node: stored.node,
            sequence: stored.sequence,
            isTemplate: stored.isTemplate,
            sentAt: Timestamp(millisecondsSince1970: stored.sentAt),
            state: stored.hasState ? try raw(stored.state, "awaiting_status.state") : nil,
            category: stored.hasCategory ? stored.category : nil,
            insideWhatsAppWindow: stored.hasInsideWhatsappWindow ? stored.insideWhatsappWindow : nil,
            payload: stored.hasPayloadJson ? try SharedPayload(json: stored.payloadJson) : nil
        )
    }
}

extension Flowgate_Store_StoredContactState.Accounting {
    init(_ accounting: FlowEngine.Accounting) {
        self.init()
        freeFormMessages = Int64(accounting.freeFormMessages)
        templates = accounting.templates.mapValues(Int64.init)
        templatesDelivered = accounting.templatesDelivered.mapValues(Int64.init)
        billableTemplates = accounting.billableTemplates.mapValues(Int64.init)
        templatesFailed = Int64(accounting.templatesFailed)
        windowsOpened = Int64(accounting.windowsOpened)
        blockedSteps = Int64(accounting.blockedSteps)
    }
}

extension FlowEngine.Accounting {
    init(_ stored: Flowgate_Store_StoredContactState.Accounting) {
        self.init()
        freeFormMessages = Int(clamping: stored.freeFormMessages)
        templates = stored.templates.mapValues { Int(clamping: $0) }
        templatesDelivered = stored.templatesDelivered.mapValues { Int(clamping: $0) }
        billableTemplates = stored.billableTemplates.mapValues { Int(clamping: $0) }
        templatesFailed = Int(clamping: stored.templatesFailed)
        windowsOpened = Int(clamping: stored.windowsOpened)
        blockedSteps = Int(clamping: stored.blockedSteps)
    }
}
