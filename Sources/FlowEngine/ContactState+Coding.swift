import FlowModel

/// Reading stored states: version 2 as written, and version 1 (one `blocked` step, the refusal's
/// arrival time) migrated, so a server upgraded in place keeps every contact where it was.
extension ContactState {
    enum CodingKeys: String, CodingKey {
        case version, contact, flow, position, variables, reply, failedAttempts, lastInboundAt, previousInboundAt
        case refusedSentAt, held, heldPosition, reentry, heldSequence, handoff, awaitingStatus, beforeExpiryDue
        case waitSequence, outboundSequence, accounting
        // Version 1 only.
        case blocked, windowRefusedAt
    }

    /// Version 1's held step.
    private struct LegacyBlockedStep: Decodable {
        var node: String
        var reason: BlockReason
        var at: Timestamp
    }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        version = Self.currentVersion
        contact = try values.decode(ContactIdentity.self, forKey: .contact)
        flow = try values.decodeIfPresent(String.self, forKey: .flow)
        position = try values.decodeIfPresent(Position.self, forKey: .position)
        variables = try values.decodeIfPresent([String: String].self, forKey: .variables) ?? [:]
        reply = try values.decodeIfPresent(Reply.self, forKey: .reply)
        failedAttempts = try values.decodeIfPresent(Int.self, forKey: .failedAttempts) ?? 0
        lastInboundAt = try values.decodeIfPresent(Timestamp.self, forKey: .lastInboundAt)
        previousInboundAt = try values.decodeIfPresent(Timestamp.self, forKey: .previousInboundAt)
        refusedSentAt =
            try values.decodeIfPresent(Timestamp.self, forKey: .refusedSentAt)
            ?? values.decodeIfPresent(Timestamp.self, forKey: .windowRefusedAt)
        heldSequence = try values.decodeIfPresent(Int64.self, forKey: .heldSequence) ?? 0
        held = try values.decodeIfPresent([HeldStep].self, forKey: .held) ?? []
        if held.isEmpty, let legacy = try values.decodeIfPresent(LegacyBlockedStep.self, forKey: .blocked) {
            heldSequence += 1
            held = [HeldStep(id: heldSequence, node: legacy.node, reason: legacy.reason, at: legacy.at, message: nil)]
        }
        heldPosition = try values.decodeIfPresent(Position.self, forKey: .heldPosition)
        reentry = try values.decodeIfPresent(ReentryMark.self, forKey: .reentry)
        handoff = try values.decodeIfPresent(Handoff.self, forKey: .handoff)
        awaitingStatus = try values.decodeIfPresent([SentMessage].self, forKey: .awaitingStatus) ?? []
        beforeExpiryDue = try values.decodeIfPresent(Timestamp.self, forKey: .beforeExpiryDue)
        waitSequence = try values.decodeIfPresent(Int64.self, forKey: .waitSequence) ?? 0
        outboundSequence = try values.decodeIfPresent(Int64.self, forKey: .outboundSequence) ?? 0
        accounting = try values.decodeIfPresent(Accounting.self, forKey: .accounting) ?? Accounting()
    }

    /// Written on every event, so written lean: instants as plain numbers, and empty collections
    /// and zero counts left out (all read back the same). Each value costs Foundation's encoder
    /// thousands of instructions, a nested one more.
    public func encode(to encoder: any Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(version, forKey: .version)
        try values.encode(contact, forKey: .contact)
        try values.encodeIfPresent(flow, forKey: .flow)
        try values.encodeIfPresent(position, forKey: .position)
        if !variables.isEmpty { try values.encode(variables, forKey: .variables) }
        try values.encodeIfPresent(reply, forKey: .reply)
        if failedAttempts != 0 { try values.encode(failedAttempts, forKey: .failedAttempts) }
        try values.encodeIfPresent(lastInboundAt?.millisecondsSince1970, forKey: .lastInboundAt)
        try values.encodeIfPresent(previousInboundAt?.millisecondsSince1970, forKey: .previousInboundAt)
        try values.encodeIfPresent(refusedSentAt?.millisecondsSince1970, forKey: .refusedSentAt)
        if !held.isEmpty { try values.encode(held, forKey: .held) }
        try values.encodeIfPresent(heldPosition, forKey: .heldPosition)
        try values.encodeIfPresent(reentry, forKey: .reentry)
        if heldSequence != 0 { try values.encode(heldSequence, forKey: .heldSequence) }
        try values.encodeIfPresent(handoff, forKey: .handoff)
        if !awaitingStatus.isEmpty { try values.encode(awaitingStatus, forKey: .awaitingStatus) }
        try values.encodeIfPresent(beforeExpiryDue?.millisecondsSince1970, forKey: .beforeExpiryDue)
        try values.encode(waitSequence, forKey: .waitSequence)
        try values.encode(outboundSequence, forKey: .outboundSequence)
        try values.encode(accounting, forKey: .accounting)
    }
}

/// A position, its leaves written as plain values (see ``ContactState/encode(to:)``).
extension ContactState.Position {
    enum CodingKeys: String, CodingKey {
        case node, waitingFor, timerDue
    }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        node = try values.decode(String.self, forKey: .node)
        waitingFor = try values.decode(ContactState.Wait.self, forKey: .waitingFor)
        timerDue = try values.decodeIfPresent(Timestamp.self, forKey: .timerDue)
    }

    public func encode(to encoder: any Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(node, forKey: .node)
        try values.encode(waitingFor.rawValue, forKey: .waitingFor)
        try values.encodeIfPresent(timerDue?.millisecondsSince1970, forKey: .timerDue)
    }
}

/// A message awaiting its status, its leaves written as plain values: a state keeps up to
/// ``ContactState/awaitingStatusLimit`` of these, each written again on every event. A free-form
/// message's payload is its JSON text (``SharedPayload``), encoded once when it was sent.
extension ContactState.SentMessage {
    enum CodingKeys: String, CodingKey {
        case ref, node, sequence, isTemplate, sentAt, state, category, insideWhatsAppWindow, payload
    }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        ref = try values.decode(String.self, forKey: .ref)
        node = try values.decode(String.self, forKey: .node)
        sequence = try values.decode(Int64.self, forKey: .sequence)
        isTemplate = try values.decodeIfPresent(Bool.self, forKey: .isTemplate) ?? false
        sentAt = try values.decode(Timestamp.self, forKey: .sentAt)
        state = try values.decodeIfPresent(DeliveryStatus.State.self, forKey: .state)
        category = try values.decodeIfPresent(String.self, forKey: .category)
        insideWhatsAppWindow = try values.decodeIfPresent(Bool.self, forKey: .insideWhatsAppWindow)
        payload = try values.decodeIfPresent(SharedPayload.self, forKey: .payload)
    }

    public func encode(to encoder: any Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(ref, forKey: .ref)
        try values.encode(node, forKey: .node)
        try values.encode(sequence, forKey: .sequence)
        if isTemplate { try values.encode(isTemplate, forKey: .isTemplate) }
        try values.encode(sentAt.millisecondsSince1970, forKey: .sentAt)
        try values.encodeIfPresent(state?.rawValue, forKey: .state)
        try values.encodeIfPresent(category, forKey: .category)
        try values.encodeIfPresent(insideWhatsAppWindow, forKey: .insideWhatsAppWindow)
        try values.encodeIfPresent(payload?.json, forKey: .payload)
    }
}
