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

    public func encode(to encoder: any Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(version, forKey: .version)
        try values.encode(contact, forKey: .contact)
        try values.encodeIfPresent(flow, forKey: .flow)
        try values.encodeIfPresent(position, forKey: .position)
        try values.encode(variables, forKey: .variables)
        try values.encodeIfPresent(reply, forKey: .reply)
        try values.encode(failedAttempts, forKey: .failedAttempts)
        try values.encodeIfPresent(lastInboundAt, forKey: .lastInboundAt)
        try values.encodeIfPresent(previousInboundAt, forKey: .previousInboundAt)
        try values.encodeIfPresent(refusedSentAt, forKey: .refusedSentAt)
        if !held.isEmpty { try values.encode(held, forKey: .held) }
        try values.encodeIfPresent(heldPosition, forKey: .heldPosition)
        try values.encodeIfPresent(reentry, forKey: .reentry)
        try values.encode(heldSequence, forKey: .heldSequence)
        try values.encodeIfPresent(handoff, forKey: .handoff)
        try values.encode(awaitingStatus, forKey: .awaitingStatus)
        try values.encodeIfPresent(beforeExpiryDue, forKey: .beforeExpiryDue)
        try values.encode(waitSequence, forKey: .waitSequence)
        try values.encode(outboundSequence, forKey: .outboundSequence)
        try values.encode(accounting, forKey: .accounting)
    }
}
