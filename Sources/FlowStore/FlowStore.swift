import FlowEngine
import FlowModel

/// What a batch reads before it runs (``FlowStore/snapshot(states:seen:)``): the stored states of
/// its contacts (absent ones are new), and which of its message ids were seen before.
public struct Snapshot: Sendable {
    public var states: [ContactKey: ContactState]
    /// Each stored state's version, which the commit that replaces it names (absent: 0).
    public var versions: [ContactKey: Int64]
    public var seen: Set<String>

    public init(states: [ContactKey: ContactState] = [:], versions: [ContactKey: Int64] = [:], seen: Set<String> = []) {
        self.states = states
        self.versions = versions
        self.seen = seen
    }
}

/// Identifies a contact of one business number: conversations with the same customer on two
/// numbers are separate.
public struct ContactKey: Hashable, Sendable, CustomStringConvertible {
    public var phoneNumberID: String
    public var contactID: String

    public init(phoneNumberID: String, contactID: String) {
        self.phoneNumberID = phoneNumberID
        self.contactID = contactID
    }

    /// `<phone number id>:<contact id>`, the key stores use.
    public var description: String { "\(phoneNumberID):\(contactID)" }

    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        phoneNumberID = String(text[..<colon])
        contactID = String(text[text.index(after: colon)...])
    }
}

/// A message waiting in, or sent from, the transactional outbox.
public struct OutboxRecord: Sendable, Hashable {
    public var id: Int64
    public var contact: ContactKey
    /// The engine's reference, for statuses.
    public var ref: String
    /// The exact request body (JSON).
    public var body: [UInt8]
    public var attempts: Int
    /// Not to be sent before this time (a retry's backoff).
    public var notBefore: Timestamp
    /// When it was queued (or queued again by an operator): the start of its retry budget.
    public var queuedAt: Timestamp

    public init(id: Int64, contact: ContactKey, ref: String, body: [UInt8], attempts: Int, notBefore: Timestamp, queuedAt: Timestamp? = nil) {
        self.id = id
        self.contact = contact
        self.ref = ref
        self.body = body
        self.attempts = attempts
        self.notBefore = notBefore
        self.queuedAt = queuedAt ?? notBefore
    }
}

/// A message the Graph API refused for good, or that ran out of its retry budget.
public struct FailedSend: Sendable, Hashable, Codable {
    public var id: Int64
    public var contact: String
    public var ref: String
    public var attempts: Int
    public var error: String
    public var failedAt: Timestamp

    public init(id: Int64, contact: String, ref: String, attempts: Int, error: String, failedAt: Timestamp) {
        self.id = id
        self.contact = contact
        self.ref = ref
        self.attempts = attempts
        self.error = error
        self.failedAt = failedAt
    }
}

/// A timer as stored: one row per contact and kind.
public struct StoredTimer: Sendable, Hashable {
    public var contact: ContactKey
    public var timer: FlowTimer

    public init(contact: ContactKey, timer: FlowTimer) {
        self.contact = contact
        self.timer = timer
    }
}

/// A worker's hold on outbox messages and timers: no other worker takes them before `until`. A
/// worker (one server process) renews its claims while it runs; when it dies they expire, and
/// another worker takes its messages and timers over.
public struct Claim: Sendable, Hashable {
    public var worker: String
    public var until: Timestamp

    public init(worker: String, until: Timestamp) {
        self.worker = worker
        self.until = until
    }
}

/// Everything one batch of events changes, committed in one transaction: a state change and the
/// messages it sends are never stored apart.
public struct Commit: Sendable {
    public struct NewMessage: Sendable {
        public var contact: ContactKey
        public var ref: String
        public var body: [UInt8]

        public init(contact: ContactKey, ref: String, body: [UInt8]) {
            self.contact = contact
            self.ref = ref
            self.body = body
        }

        /// The message as stored by a commit at `time`, under `id`.
        public func record(id: Int64, at time: Timestamp) -> OutboxRecord {
            OutboxRecord(id: id, contact: contact, ref: ref, body: body, attempts: 0, notBefore: time, queuedAt: time)
        }
    }

    /// An inbound message id, for deduplication, with when it was seen.
    public struct Seen: Sendable, Hashable {
        public var id: String
        public var at: Timestamp
        public init(id: String, at: Timestamp) {
            self.id = id
            self.at = at
        }
    }

    /// A timer set or cancelled for a contact.
    public struct TimerUpdate: Sendable, Hashable {
        public var contact: ContactKey
        public var change: TimerChange
        public init(contact: ContactKey, change: TimerChange) {
            self.contact = contact
            self.change = change
        }
    }

    /// A part of a signed notification that could not be understood, kept for a person to look at.
    public struct DeadLetter: Sendable, Hashable {
        public var reason: String
        public var body: [UInt8]
        public init(reason: String, body: [UInt8]) {
            self.reason = reason
            self.body = body
        }
    }

    /// Inbound message ids, for deduplication, with when they were seen.
    public var seen: [Seen] = []
    /// New states. Each replaces the version named in ``expectedVersions`` (0 for a contact never
    /// stored) and is stored as that version plus one.
    public var states: [ContactKey: ContactState] = [:]
    /// The version each state in ``states`` was computed from (absent: 0). When the stored
    /// version differs, another process changed the contact meanwhile: the commit throws
    /// ``StaleState`` and stores nothing, so no update is lost.
    public var expectedVersions: [ContactKey: Int64] = [:]
    public var outbox: [NewMessage] = []
    /// Timers that fired: removed unless the same batch set a new one of their kind.
    public var fired: [StoredTimer] = []
    public var timers: [TimerUpdate] = []
    /// Signed notifications that could not be understood, kept for a person to look at.
    public var deadLetters: [DeadLetter] = []
    /// New lines of the conversation log, in order.
    public var log: [LogEntry] = []
    /// Delivery statuses for logged outbound messages.
    public var logStatuses: [LogStatus] = []
    /// The committing worker's claim: its new outbox messages are claimed by it, unless their
    /// contact has pending messages it does not hold (those go first, so the new ones wait,
    /// unclaimed, for whoever takes the contact over). Nil: stored unclaimed.
    public var claim: Claim?
    public var time: Timestamp

    public init(time: Timestamp) { self.time = time }

    public var isEmpty: Bool {
        seen.isEmpty && states.isEmpty && outbox.isEmpty && fired.isEmpty && timers.isEmpty && deadLetters.isEmpty && log.isEmpty
            && logStatuses.isEmpty
    }
}

/// What became of one outbox message's send: its outbox id and the outcome.
public struct SendResult: Sendable, Hashable {
    public var id: Int64
    public var outcome: SendOutcome

    public init(id: Int64, outcome: SendOutcome) {
        self.id = id
        self.outcome = outcome
    }
}

/// A message the Graph API accepted: the contact it went to and the engine's reference for it,
/// so a status naming its `wamid` reaches the right conversation.
public struct SentMessage: Sendable, Hashable {
    public var contact: ContactKey
    public var ref: String

    public init(contact: ContactKey, ref: String) {
        self.contact = contact
        self.ref = ref
    }
}

/// What happened to one outbox message.
public enum SendOutcome: Sendable, Hashable {
    /// Accepted by the Graph API, with its message id.
    case sent(wamid: String)
    /// Refused for good (the error is fed to the engine as a failed status).
    case failed(code: Int?, reason: String)
    /// To be tried again after a backoff.
    case retry(at: Timestamp, reason: String)
}

extension FlowStore {
    /// ``pruneOutbox(before:chunk:)`` a thousand ids at a time: a few milliseconds of the writer each.
    public func pruneOutbox(before time: Timestamp) async throws -> Int {
        try await pruneOutbox(before: time, chunk: 1000)
    }

    public func snapshot(states keys: Set<ContactKey>, known: [ContactKey: Int64], seen ids: [String]) async throws -> Snapshot {
        try await snapshot(states: keys.union(known.keys), seen: ids)
    }
}

/// Durable storage for the server. The SQLite store is the embedded default; any store must make
/// ``commit(_:)`` atomic and durable before it returns.
public protocol FlowStore: Sendable {
    /// Creates or upgrades the schema.
    func migrate() async throws

    /// The stored states of these contacts (absent ones are new contacts).
    func states(for keys: [ContactKey]) async throws -> [ContactKey: ContactState]

    /// Both reads a batch needs, in one trip: the stored states of these contacts, and which of
    /// these message ids were seen before.
    func snapshot(states keys: Set<ContactKey>, seen ids: [String]) async throws -> Snapshot

    /// ``snapshot(states:seen:)`` for a caller that already holds some states: each contact in
    /// `known` comes back with its stored version, and with its state only where that version
    /// differs from the one given (a store may send it anyway). A replica checks its cached
    /// states this way without reading and decoding each again.
    func snapshot(states keys: Set<ContactKey>, known: [ContactKey: Int64], seen ids: [String]) async throws -> Snapshot

    /// Applies a batch atomically and durably; returns the new outbox messages with their ids
    /// (with a ``Commit/claim``, those the claim took: the committing worker sends them).
    /// Throws ``DuplicateDelivery``, storing nothing, when one of the batch's message ids was
    /// committed before, and ``StaleState`` when a contact's stored version is not the one the
    /// batch names: both decided inside the committing transaction.
    func commit(_ commit: Commit) async throws -> [OutboxRecord]

    /// Outbox messages not yet sent or failed, oldest first, whoever holds them.
    func pendingOutbox(limit: Int) async throws -> [OutboxRecord]

    /// Claims the pending messages of up to `limit` contacts that no other worker holds (never
    /// claimed, or their claim expired by `now`), all of a contact's at once, oldest contact
    /// first; returns them in order. Two workers never claim the same contact.
    func claimOutbox(_ claim: Claim, now: Timestamp, limit: Int) async throws -> [OutboxRecord]

    /// Claims up to `limit` timers due by `now` that no other worker holds, earliest first.
    func claimDueTimers(_ claim: Claim, now: Timestamp, limit: Int) async throws -> [StoredTimer]

    /// Extends the worker's claims on pending messages and on timers to `claim.until`.
    func renewClaims(_ claim: Claim) async throws

    /// Yields whenever a process has left outbox messages for anyone to take, so a worker takes
    /// them over at once instead of at its next poll: `unclaimed by <worker>` when a commit stored some
    /// unclaimed, `released <worker>` when a worker gave its claims up. A store only one process
    /// uses never yields.
    func outboxOffers() -> AsyncStream<String>

    /// Gives up the worker's claims, so another worker may take them at once (a graceful stop, or
    /// a restart of the one process a SQLite store allows).
    func releaseClaims(worker: String) async throws

    /// Messages that failed for good, newest first.
    func failedOutbox(limit: Int) async throws -> [FailedSend]

    /// Queues a failed message again, from `time`, with a fresh retry budget, claimed by `claim`;
    /// nil when no failed message has that id.
    func retryFailed(id: Int64, at time: Timestamp, claim: Claim?) async throws -> OutboxRecord?

    /// Reserves `count` send slots of a business number, `spacing` apart, shared by every process
    /// on the store, and returns the first (the others follow it at `spacing`): how replicas keep
    /// to one rate together. As in one process, up to one second's worth may lie behind `now`.
    func reserveSendSlots(phoneNumberID: String, count: Int, spacing: TimeSpan, now: Timestamp) async throws -> Timestamp

    /// Records what happened to sent messages. Unlike a commit, this need not wait for the disk:
    /// the outcome is in the store for every reader, and survives a crash of the process, but a
    /// crash of the machine (or of the database server) within the next fraction of a second may
    /// take it back. The message is then sent again, as one in flight at a crash is; what a
    /// webhook's 200 promises is never written this way.
    func record(_ results: [SendResult], at time: Timestamp) async throws

    /// The contact and engine reference of a message the Graph API accepted.
    func outboxReference(wamid: String) async throws -> SentMessage?

    /// Timers due at or before `time`, earliest first.
    func dueTimers(until time: Timestamp, limit: Int) async throws -> [StoredTimer]

    /// When `worker` may next fire a timer: the earliest due time, or, for a timer another
    /// worker holds, when its claim expires if that is later.
    func nextTimerDue(for worker: String) async throws -> Timestamp?

    /// The dead letters kept, oldest first: parts of signed webhooks that could not be read.
    func deadLetters(limit: Int) async throws -> [Commit.DeadLetter]

    /// The database's schema version (0 before the first migration).
    func schemaVersion() async throws -> Int

    /// Forgets inbound message ids seen before `time`; returns how many.
    func pruneSeen(before time: Timestamp) async throws -> Int

    /// A contact's conversation log, the newest `limit` entries, oldest first.
    func conversation(_ contact: ContactKey, limit: Int) async throws -> [LoggedMessage]

    /// The contacts changed most recently, newest first, each with its latest log entry.
    func conversations(limit: Int) async throws -> [ConversationSummary]

    /// Deletes conversation log entries older than `time`; returns how many.
    func pruneLog(before time: Timestamp) async throws -> Int

    /// Deletes sent and failed outbox messages last changed before `time`; pending ones stay,
    /// however old. Returns how many. Works through the outbox `chunk` ids at a time, each chunk
    /// its own short transaction, so commits are held back for one chunk at most.
    func pruneOutbox(before time: Timestamp, chunk: Int) async throws -> Int

    /// Makes a small durable write, or throws: the readiness check, and the refusal to start on a
    /// store that cannot take commits (read-only, full, locked by another process).
    func checkWritable() async throws

    /// Housekeeping the server runs a few times a second, off the commit path (SQLite checkpoints
    /// its write-ahead log here).
    func maintain() async throws
}

/// A batch's state for a contact was computed from a version another process has replaced since:
/// nothing of the batch was stored; run it again from the stored state.
public struct StaleState: Error, CustomStringConvertible, Sendable {
    public var contacts: [ContactKey]
    public init(contacts: [ContactKey]) { self.contacts = contacts }
    public var description: String { "changed meanwhile by another process: \(contacts.prefix(5).map(\.description).joined(separator: ", "))" }
}

/// The database broke a tie between concurrent commits (a deadlock or a serialization failure)
/// and rolled this one back: nothing of the batch was stored, and it may simply run again.
public struct CommitConflict: Error, CustomStringConvertible, Sendable {
    public var detail: String
    public init(detail: String) { self.detail = detail }
    public var description: String { "rolled back in a tie with a concurrent commit: \(detail)" }
}

/// A batch held a message id that was already committed (a redelivery processed concurrently):
/// nothing of the batch was stored.
public struct DuplicateDelivery: Error, CustomStringConvertible, Sendable {
    public var ids: [String]
    public init(ids: [String]) { self.ids = ids }
    public var description: String { "already processed: \(ids.prefix(5).joined(separator: ", "))" }
}

/// A run of outbox ids ``FlowStore/pruneOutbox(before:chunk:)`` deletes from in one transaction:
/// `first` and the `size - 1` after it, stopping at the largest id.
public struct OutboxChunk: Sendable, Hashable {
    public let first: Int64
    public let last: Int64

    public init(first: Int64, size: Int) {
        self.first = first
        let (last, overflow) = first.addingReportingOverflow(Int64(max(size, 1)) - 1)
        self.last = overflow ? .max : last
    }

    /// Where the next chunk starts; nil after the largest id.
    public var next: Int64? { last == .max ? nil : last + 1 }

    /// Walks the outbox from its lowest id, one chunk per call of `delete`, and returns how many
    /// messages were deleted in all. Given where to start, `delete` finds the message with the
    /// lowest id from there; if there is one created before the cutoff, it deletes in the chunk
    /// that begins at it and returns that chunk with the count; otherwise nil, and the walk ends
    /// (ids grow with creation time, so the rest are newer).
    public static func walk(_ delete: (_ from: Int64) async throws -> (chunk: OutboxChunk, deleted: Int)?) async throws -> Int {
        var deleted = 0
        var from = Int64.min
        while let step = try await delete(from) {
            deleted += step.deleted
            guard let next = step.chunk.next else { break }
            from = next
        }
        return deleted
    }
}
