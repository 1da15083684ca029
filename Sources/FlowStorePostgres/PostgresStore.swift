import FlowEngine
import FlowModel
import FlowStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The store for several `flowgate-server` replicas on one PostgreSQL database (PostgresNIO, a
/// pool of connections). Every commit is one transaction; the deduplication decision is made
/// inside it by the primary key of `seen`, so a message redelivered to two replicas at once is
/// processed by one of them.
public final class PostgresStore: FlowStore {
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>

    /// Connects a pool of at most `poolSize` connections to the database at `url`
    /// (`postgres://user:password@host:port/database`, `?sslmode=disable` or `require`).
    public init(url: String, poolSize: Int = 10, logger: Logger = Logger(label: "flowgate.postgres")) throws {
        var configuration = try PostgresURL.configuration(url)
        configuration.options.maximumConnections = max(1, poolSize)
        configuration.options.minimumConnections = 0
        // A commit returns only once its write-ahead log is on disk, whatever the database's or
        // the role's default: the 200 to Meta rests on it.
        configuration.options.additionalStartupParameters.append(("synchronous_commit", "on"))
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        // Started at once, so the first query finds the pool running.
        running = Task.immediate { await client.run() }
    }

    /// Closes the pool's connections.
    public func shutdown() async {
        running.cancel()
        _ = await running.value
    }

    // MARK: Schema

    /// The schema, one migration per version (see ``SchemaMigration``).
    static let migrations = [
        SchemaMigration(
            version: 1,
            summary: "contacts, seen ids, outbox, timers, health, dead letters",
            sql: """
                CREATE TABLE contacts (key TEXT PRIMARY KEY, state BYTEA NOT NULL, updated_at BIGINT NOT NULL);
                CREATE TABLE seen (id TEXT PRIMARY KEY, at BIGINT NOT NULL);
                CREATE INDEX seen_at ON seen (at);
                CREATE TABLE outbox (
                    id BIGSERIAL PRIMARY KEY, contact TEXT NOT NULL, ref TEXT NOT NULL, body BYTEA NOT NULL,
                    state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, not_before BIGINT NOT NULL,
                    wamid TEXT, error TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
                );
                CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';
                CREATE INDEX outbox_wamid ON outbox (wamid) WHERE wamid IS NOT NULL;
                CREATE TABLE timers (
                    contact TEXT NOT NULL, kind TEXT NOT NULL, due BIGINT NOT NULL, token BIGINT NOT NULL, PRIMARY KEY (contact, kind)
                );
                CREATE INDEX timers_due ON timers (due);
                CREATE TABLE health (id INTEGER PRIMARY KEY, checked_at BIGINT NOT NULL);
                CREATE TABLE dead_letters (id BIGSERIAL PRIMARY KEY, received_at BIGINT NOT NULL, reason TEXT NOT NULL, body BYTEA NOT NULL)
                """
        ),
        SchemaMigration(
            version: 2,
            summary: "a version per contact state, checked by every commit",
            sql: "ALTER TABLE contacts ADD COLUMN version BIGINT NOT NULL DEFAULT 0"
        ),
        SchemaMigration(
            version: 3,
            summary: "claims on outbox messages and timers, with an expiry",
            sql: """
                ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
                ALTER TABLE outbox ADD COLUMN claim_until BIGINT NOT NULL DEFAULT 0;
                ALTER TABLE timers ADD COLUMN claimed_by TEXT;
                ALTER TABLE timers ADD COLUMN claim_until BIGINT NOT NULL DEFAULT 0;
                CREATE INDEX outbox_pending_contact ON outbox (contact, id) WHERE state = 'pending'
                """
        ),
        SchemaMigration(
            version: 4,
            summary: "send slots per business number, shared by every process",
            sql: "CREATE TABLE send_slots (number TEXT PRIMARY KEY, next_slot BIGINT NOT NULL)"
        ),
        SchemaMigration(version: 5, summary: "a whole commit in one call (flowgate_commit)", statements: [commitFunction]),
        SchemaMigration(
            version: 6,
            summary: "the conversation log the desk shows, written by the commit",
            statements: conversationLogTable + ["DROP FUNCTION flowgate_commit", commitFunction]
        ),
        SchemaMigration(version: 7, summary: StoredStateCoding.migrationSummary, statements: []),
    ]

    /// Taken by every outbox claim, so two workers taking contacts over never split one.
    static let outboxClaimLock: Int64 = 0x466c_6f77_636c_6169

    /// An advisory lock key only migrations take, so replicas starting together migrate once.
    static let migrationLock: Int64 = 0x466c_6f77_6761_7465

    public func migrate() async throws {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: self.logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL, summary TEXT NOT NULL)",
                logger: self.logger
            )
            let current = try await Self.version(on: connection, logger: self.logger)
            for migration in try SchemaMigration.pending(after: current, of: Self.migrations, store: "PostgreSQL") {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                let now = Timestamp(Date()).millisecondsSince1970
                try await connection.query(
                    "INSERT INTO schema_version (version, applied_at, summary) VALUES (\(migration.version), \(now), \(migration.summary))",
                    logger: self.logger
                )
            }
        }
    }

    public func schemaVersion() async throws -> Int {
        try await client.withConnection { connection in
            let exists = try await connection.query("SELECT to_regclass('schema_version') IS NOT NULL", logger: self.logger)
            for try await present in exists.decode(Bool.self) where !present { return 0 }
            return try await Self.version(on: connection, logger: self.logger)
        }
    }

    static func version(on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query("SELECT COALESCE(MAX(version), 0) FROM schema_version", logger: logger)
        for try await version in rows.decode(Int.self) { return version }
        return 0
    }

    // MARK: Reading

    public func states(for keys: [ContactKey]) async throws -> [ContactKey: ContactState] {
        try await snapshot(states: Set(keys), seen: []).states
    }

    public func snapshot(states keys: Set<ContactKey>, seen ids: [String]) async throws -> Snapshot {
        try await snapshot(states: keys, known: [:], seen: ids)
    }

    public func snapshot(states keys: Set<ContactKey>, known: [ContactKey: Int64], seen ids: [String]) async throws -> Snapshot {
        guard !keys.isEmpty || !known.isEmpty || !ids.isEmpty else { return Snapshot() }
        let wanted = keys.subtracting(known.keys).map { ($0.description, Int64(-1)) } + known.map { ($0.key.description, $0.value) }
        // One round trip: the states (version 1 and up; a known version without its state) and
        // the ids seen (marked by version -1).
        let rows = try await client.query(
            """
            SELECT c.key, CASE WHEN c.version = k.known THEN NULL ELSE c.state END, c.version
            FROM UNNEST(\(wanted.map(\.0)), \(wanted.map(\.1))) AS k (key, known) JOIN contacts c ON c.key = k.key
            UNION ALL SELECT id, NULL, -1 FROM seen WHERE id = ANY(\(ids))
            """,
            logger: logger
        )
        var snapshot = Snapshot()
        for try await (name, data, version) in rows.decode((String, ByteBuffer?, Int64).self) {
            guard version >= 0 else {
                snapshot.seen.insert(name)
                continue
            }
            guard let key = ContactKey(name) else { continue }
            snapshot.versions[key] = version
            if let data { snapshot.states[key] = try StoredStateCoding.decode(Data(data.readableBytesView)) }
        }
        return snapshot
    }

    // MARK: Committing

    public func commit(_ commit: Commit) async throws -> [OutboxRecord] {
        guard !commit.isEmpty else { return [] }
        let statement = try CommitStatement(commit)
        let inserted: [(id: Int64, claimed: Bool)]
        do {
            inserted = try await client.withConnection { connection in
                do {
                    var rows: [(id: Int64, claimed: Bool)] = []
                    for try await row in try await connection.execute(statement, logger: self.logger) { rows.append(row) }
                    return rows
                } catch let error as PSQLError where Self.commitRefusal(error) == nil {
                    // PostgresNIO keeps what it learnt preparing a statement, a failure included,
                    // for the connection's life: a preparation that failed once (the function
                    // being replaced, a timeout) would fail every later commit there. The
                    // connection is closed instead, and the pool opens a fresh one.
                    try? await connection.close()
                    throw error
                }
            }
        } catch let error as PSQLError {
            // The function's refusals arrive with the rows, not with the query's start.
            throw Self.commitRefusal(error) ?? error
        }
        // Ids follow the insertion order, which the function fixes to the commit's.
        let records = zip(commit.outbox, inserted.sorted { $0.id < $1.id }).filter { commit.claim == nil || $1.claimed }.map { message, row in
            message.record(id: row.id, at: commit.time)
        }
        return records
    }

    /// The store's own refusals raised by the commit function, as their errors.
    static func commitRefusal(_ error: PSQLError) -> (any Error)? {
        guard let state = error.serverInfo?[.sqlState] else { return nil }
        if state == "40P01" || state == "40001" {
            return CommitConflict(detail: error.serverInfo?[.message] ?? state)
        }
        guard let detail = error.serverInfo?[.detail] else { return nil }
        let names = (try? JSONDecoder().decode([String].self, from: Data(detail.utf8))) ?? []
        switch state {
        case duplicateDeliveryState: return DuplicateDelivery(ids: names)
        case staleStateState: return StaleState(contacts: names.compactMap(ContactKey.init))
        default: return nil
        }
    }

    /// A batch's timer changes: per contact and kind, the last change of the batch (a set
    /// replaces, a cancel deletes).
    struct TimerChanges {
        var sets: [(contact: String, kind: String, due: Int64, token: Int64)] = []
        var cancels: [(contact: String, kind: String)] = []

        init(_ commit: Commit) {
            var last: [String: (contact: String, kind: String, timer: FlowTimer?)] = [:]
            var order: [String] = []
            for update in commit.timers {
                let (contact, kind, timer): (String, String, FlowTimer?) =
                    switch update.change {
                    case .set(let timer): (update.contact.description, timer.kind.rawValue, timer)
                    case .cancel(let kind): (update.contact.description, kind.rawValue, nil)
                    }
                let key = contact + "\u{0}" + kind
                if last[key] == nil { order.append(key) }
                last[key] = (contact, kind, timer)
            }
            for final in order.compactMap({ last[$0] }) {
                if let timer = final.timer {
                    sets.append((final.contact, final.kind, timer.due.millisecondsSince1970, timer.token))
                } else {
                    cancels.append((final.contact, final.kind))
                }
            }
            sets.sort { ($0.contact, $0.kind) < ($1.contact, $1.kind) }
        }
    }

    // MARK: Outbox

    public func pendingOutbox(limit: Int) async throws -> [OutboxRecord] {
        try await outbox(
            "SELECT id, contact, ref, body, attempts, not_before, created_at FROM outbox WHERE state = 'pending' ORDER BY id LIMIT \(limit)"
        )
    }

    func outbox(_ query: PostgresQuery) async throws -> [OutboxRecord] {
        try await Self.records(try await client.query(query, logger: logger))
    }

    static func records(_ rows: PostgresRowSequence) async throws -> [OutboxRecord] {
        var records: [OutboxRecord] = []
        for try await (id, contact, ref, body, attempts, notBefore, createdAt) in rows.decode(
            (Int64, String, String, ByteBuffer, Int, Int64, Int64).self
        ) {
            guard let key = ContactKey(contact) else { continue }
            records.append(
                OutboxRecord(
                    id: id,
                    contact: key,
                    ref: ref,
                    body: Array(buffer: body),
                    attempts: attempts,
                    notBefore: Timestamp(millisecondsSince1970: notBefore),
                    queuedAt: Timestamp(millisecondsSince1970: createdAt)
                )
            )
        }
        return records
    }

    public func failedOutbox(limit: Int) async throws -> [FailedSend] {
        let rows = try await client.query(
            """
            SELECT id, contact, ref, attempts, COALESCE(error, ''), updated_at FROM outbox WHERE state = 'failed'
            ORDER BY updated_at DESC, id DESC LIMIT \(limit)
            """,
            logger: logger
        )
        var failed: [FailedSend] = []
        for try await (id, contact, ref, attempts, error, updatedAt) in rows.decode((Int64, String, String, Int, String, Int64).self) {
            failed.append(
                FailedSend(
                    id: id,
                    contact: contact,
                    ref: ref,
                    attempts: attempts,
                    error: error,
                    failedAt: Timestamp(millisecondsSince1970: updatedAt)
                )
            )
        }
        return failed
    }

    public func retryFailed(id: Int64, at time: Timestamp, claim: Claim?) async throws -> OutboxRecord? {
        let now = time.millisecondsSince1970
        let until = claim?.until.millisecondsSince1970 ?? 0
        return try await outbox(
            """
            UPDATE outbox SET state = 'pending', attempts = 0, not_before = \(now), created_at = \(now), updated_at = \(now),
            claimed_by = \(claim?.worker), claim_until = \(until)
            WHERE id = \(id) AND state = 'failed' RETURNING id, contact, ref, body, attempts, not_before, created_at
            """
        ).first
    }

    public func reserveSendSlots(phoneNumberID: String, count: Int, spacing: TimeSpan, now: Timestamp) async throws -> Timestamp {
        let span = Int64(max(count, 1)) * spacing.milliseconds
        let time = now.millisecondsSince1970
        let rows = try await client.query(
            """
            INSERT INTO send_slots (number, next_slot) VALUES (\(phoneNumberID), \(time + span))
            ON CONFLICT (number) DO UPDATE SET next_slot = GREATEST(send_slots.next_slot, \(time - 1000)) + \(span)
            RETURNING next_slot
            """,
            logger: logger
        )
        for try await next in rows.decode(Int64.self) { return Timestamp(millisecondsSince1970: next - span) }
        return now
    }

    public func claimOutbox(_ claim: Claim, now: Timestamp, limit: Int) async throws -> [OutboxRecord] {
        let (worker, until, time) = (claim.worker, claim.until.millisecondsSince1970, now.millisecondsSince1970)
        return try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.outboxClaimLock))", logger: self.logger)
            // Contacts whose every pending message is free (never claimed, expired, or ours) and at
            // least one is not ours yet: all of their pending messages change hands together.
            let rows = try await connection.query(
                """
                UPDATE outbox SET claimed_by = \(worker), claim_until = \(until)
                WHERE state = 'pending' AND contact IN (
                    SELECT contact FROM outbox WHERE state = 'pending' GROUP BY contact
                    HAVING bool_and(claimed_by IS NULL OR claim_until <= \(time) OR claimed_by = \(worker))
                    AND bool_or(claimed_by IS DISTINCT FROM \(worker))
                    ORDER BY MIN(id) LIMIT \(limit)
                )
                RETURNING id, contact, ref, body, attempts, not_before, created_at
                """,
                logger: self.logger
            )
            return try await Self.records(rows).sorted { $0.id < $1.id }
        }
    }

    public func claimDueTimers(_ claim: Claim, now: Timestamp, limit: Int) async throws -> [StoredTimer] {
        let (worker, until, time) = (claim.worker, claim.until.millisecondsSince1970, now.millisecondsSince1970)
        let rows = try await client.query(
            """
            UPDATE timers SET claimed_by = \(worker), claim_until = \(until)
            WHERE (contact, kind) IN (
                SELECT contact, kind FROM timers
                WHERE due <= \(time) AND (claimed_by IS NULL OR claim_until <= \(time) OR claimed_by = \(worker))
                ORDER BY due LIMIT \(limit) FOR UPDATE SKIP LOCKED
            )
            AND (claimed_by IS NULL OR claim_until <= \(time) OR claimed_by = \(worker))
            RETURNING contact, kind, due, token
            """,
            logger: logger
        )
        return try await Self.timers(rows).sorted { $0.timer.due < $1.timer.due }
    }

    /// Renews this worker's claims, passing over any row another transaction has locked instead of
    /// waiting for it. Such a row is being written at that moment (a send's outcome, a fired timer's
    /// commit), usually out of its claim for good; one still pending is renewed the next round, a
    /// third of a lease later. Waiting instead took row locks in the index's order while an
    /// outcome's update took them in the order the sends finished: the two could deadlock, and
    /// PostgreSQL breaks a deadlock only after `deadlock_timeout` (1 s), holding every send up.
    public func renewClaims(_ claim: Claim) async throws {
        let (worker, until) = (claim.worker, claim.until.millisecondsSince1970)
        try await transaction { connection in
            try await connection.query(
                """
                UPDATE outbox SET claim_until = \(until) WHERE id IN (
                    SELECT id FROM outbox WHERE claimed_by = \(worker) AND state = 'pending' FOR UPDATE SKIP LOCKED
                )
                """,
                logger: self.logger
            )
            try await connection.query(
                """
                UPDATE timers SET claim_until = \(until) WHERE (contact, kind) IN (
                    SELECT contact, kind FROM timers WHERE claimed_by = \(worker) FOR UPDATE SKIP LOCKED
                )
                """,
                logger: self.logger
            )
        }
    }

    /// The channel replicas wake each other on (`NOTIFY flowgate_outbox`).
    static let offersChannel = "flowgate_outbox"

    /// Listens on one pooled connection for as long as the stream is read, connecting again
    /// after an error.
    public func outboxOffers() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let (client, logger) = (self.client, self.logger)
        let listening = Task {
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.offersChannel) { notifications in
                            for try await notification in notifications { continuation.yield(notification.payload) }
                        }
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.notice("listening for other replicas failed; listening again", metadata: ["error": "\(describeForOperator(error))"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in listening.cancel() }
        return stream
    }

    public func releaseClaims(worker: String) async throws {
        try await transaction { connection in
            try await connection.query("SELECT pg_notify(\(Self.offersChannel), \("released " + worker))", logger: self.logger)
            try await connection.query(
                "UPDATE outbox SET claimed_by = NULL, claim_until = 0 WHERE claimed_by = \(worker) AND state = 'pending'",
                logger: self.logger
            )
            try await connection.query("UPDATE timers SET claimed_by = NULL, claim_until = 0 WHERE claimed_by = \(worker)", logger: self.logger)
        }
    }

    public func deadLetters(limit: Int) async throws -> [Commit.DeadLetter] {
        let rows = try await client.query("SELECT reason, body FROM dead_letters ORDER BY id LIMIT \(limit)", logger: logger)
        var letters: [Commit.DeadLetter] = []
        for try await (reason, body) in rows.decode((String, ByteBuffer).self) {
            letters.append(Commit.DeadLetter(reason: reason, body: Array(buffer: body)))
        }
        return letters
    }

    /// Stored without waiting for the disk (see ``FlowStore/record(_:at:)``): the statement sets
    /// `synchronous_commit = off` for its own transaction alone (`set_config(…, true)`), so its
    /// commit returns before the log is flushed; PostgreSQL's WAL writer flushes it within three
    /// `wal_writer_delay`s (600 ms by default), and any synced commit after it flushes it too.
    public func record(_ results: [SendResult], at time: Timestamp) async throws {
        guard !results.isEmpty else { return }
        let r = SendResultColumns(results)
        try await client.query(
            """
            WITH unsynced AS (SELECT set_config('synchronous_commit', 'off', true))
            UPDATE outbox o SET state = r.state, wamid = NULLIF(r.wamid, ''), error = NULLIF(r.error, ''),
                not_before = CASE WHEN r.not_before < 0 THEN o.not_before ELSE r.not_before END,
                attempts = o.attempts + r.tries, updated_at = \(time.millisecondsSince1970)
            FROM UNNEST(\(r.ids)::bigint[], \(r.states)::text[], \(r.wamids)::text[], \(r.errors)::text[], \(r.notBefore)::bigint[],
                \(r.tries)::bigint[]) AS r (id, state, wamid, error, not_before, tries), unsynced
            WHERE o.id = r.id
            """,
            logger: logger
        )
    }

    /// Send outcomes as the columns of one `UPDATE … FROM UNNEST(…)`: per message, in the order
    /// first met, its last outcome's state, wamid, error and, for a retry, when it may go again (-1:
    /// unchanged), and how many tries the batch records. An UPDATE applies one source row per
    /// target, whichever it meets first, so two outcomes of one message (a retry sent again
    /// before its first outcome was stored) must be one row.
    struct SendResultColumns {
        var ids: [Int64] = []
        var states: [String] = []
        var wamids: [String] = []
        var errors: [String] = []
        var notBefore: [Int64] = []
        var tries: [Int64] = []

        init(_ results: [SendResult]) {
            var row: [Int64: Int] = [:]
            for result in results {
                let (state, wamid, error, retryAt): (String, String, String, Int64) =
                    switch result.outcome {
                    case .sent(let wamid): ("sent", wamid, "", -1)
                    case .failed(let code, let reason): ("failed", "", "\(code.map(String.init) ?? "-") \(reason)", -1)
                    case .retry(let at, let reason): ("pending", "", reason, at.millisecondsSince1970)
                    }
                if let index = row[result.id] {
                    (states[index], wamids[index], errors[index], notBefore[index]) = (state, wamid, error, retryAt)
                    tries[index] += 1
                    continue
                }
                row[result.id] = ids.count
                ids.append(result.id)
                states.append(state)
                wamids.append(wamid)
                errors.append(error)
                notBefore.append(retryAt)
                tries.append(1)
            }
        }
    }

    public func outboxReference(wamid: String) async throws -> SentMessage? {
        let rows = try await client.query("SELECT contact, ref FROM outbox WHERE wamid = \(wamid) LIMIT 1", logger: logger)
        for try await (contact, ref) in rows.decode((String, String).self) {
            return ContactKey(contact).map { SentMessage(contact: $0, ref: ref) }
        }
        return nil
    }

    // MARK: Timers

    public func dueTimers(until time: Timestamp, limit: Int) async throws -> [StoredTimer] {
        try await Self.timers(
            try await client.query(
                "SELECT contact, kind, due, token FROM timers WHERE due <= \(time.millisecondsSince1970) ORDER BY due LIMIT \(limit)",
                logger: logger
            )
        )
    }

    static func timers(_ rows: PostgresRowSequence) async throws -> [StoredTimer] {
        var timers: [StoredTimer] = []
        for try await (contact, kind, due, token) in rows.decode((String, String, Int64, Int64).self) {
            guard let key = ContactKey(contact), let kind = FlowTimer.Kind(rawValue: kind) else { continue }
            timers.append(StoredTimer(contact: key, timer: FlowTimer(kind: kind, due: Timestamp(millisecondsSince1970: due), token: token)))
        }
        return timers
    }

    public func nextTimerDue(for worker: String) async throws -> Timestamp? {
        let rows = try await client.query(
            """
            SELECT MIN(GREATEST(due, CASE WHEN claimed_by IS NULL OR claimed_by = \(worker) THEN 0 ELSE claim_until END)) FROM timers
            """,
            logger: logger
        )
        for try await due in rows.decode(Int64?.self) { return due.map(Timestamp.init(millisecondsSince1970:)) }
        return nil
    }

    // MARK: Housekeeping

    public func pruneSeen(before time: Timestamp) async throws -> Int {
        let rows = try await client.query(
            "WITH gone AS (DELETE FROM seen WHERE at < \(time.millisecondsSince1970) RETURNING 1) SELECT COUNT(*) FROM gone",
            logger: logger
        )
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    public func pruneOutbox(before time: Timestamp, chunk: Int) async throws -> Int {
        let cutoff = time.millisecondsSince1970
        // Across replicas ids follow creation time up to the clocks' skew: a message left behind
        // a newer one goes on a later run.
        return try await OutboxChunk.walk { from in
            var oldest: (id: Int64, created: Int64)?
            let rows = try await client.query("SELECT id, created_at FROM outbox WHERE id >= \(from) ORDER BY id LIMIT 1", logger: logger)
            for try await row in rows.decode((Int64, Int64).self) { oldest = (row.0, row.1) }
            guard let oldest, oldest.created < cutoff else { return nil }
            let range = OutboxChunk(first: oldest.id, size: chunk)
            let gone = try await client.query(
                """
                WITH gone AS (
                    DELETE FROM outbox WHERE id BETWEEN \(range.first) AND \(range.last) AND state <> 'pending' AND updated_at < \(cutoff)
                    RETURNING 1
                ) SELECT COUNT(*) FROM gone
                """,
                logger: logger
            )
            var deleted = 0
            for try await count in gone.decode(Int.self) { deleted = count }
            return (range, deleted)
        }
    }

    // MARK: Conversation log

    static let logColumns = "id, contact, at, direction, kind, text, template, ref, agent, status, status_at, error"

    static func loggedMessages(_ rows: PostgresRowSequence) async throws -> [LoggedMessage] {
        var messages: [LoggedMessage] = []
        for try await (id, contact, at, direction, kind, text, template, ref, agent, status, statusAt, error) in rows.decode(
            (Int64, String, Int64, String, String, String, String?, String?, String?, String?, Int64?, String?).self
        ) {
            guard let key = ContactKey(contact), let direction = LogEntry.Direction(rawValue: direction) else { continue }
            let entry = LogEntry(
                contact: key,
                at: Timestamp(millisecondsSince1970: at),
                direction: direction,
                kind: kind,
                text: text,
                template: template,
                ref: ref,
                agent: agent
            )
            messages.append(
                LoggedMessage(
                    id: id,
                    entry: entry,
                    status: status.flatMap(DeliveryStatus.State.init(rawValue:)),
                    statusAt: statusAt.map(Timestamp.init(millisecondsSince1970:)),
                    error: error
                )
            )
        }
        return messages
    }

    public func conversation(_ contact: ContactKey, limit: Int) async throws -> [LoggedMessage] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.logColumns) FROM conversation_log WHERE contact = \(contact.description)
            ORDER BY id DESC LIMIT \(Int64(limit))
            """,
            logger: logger
        )
        return try await Self.loggedMessages(rows).reversed()
    }

    public func conversations(limit: Int) async throws -> [ConversationSummary] {
        let rows = try await client.query(
            "SELECT key, state, updated_at FROM contacts ORDER BY updated_at DESC LIMIT \(Int64(limit))",
            logger: logger
        )
        var found: [(ContactKey, ContactState, Int64)] = []
        for try await (name, data, updatedAt) in rows.decode((String, ByteBuffer, Int64).self) {
            guard let key = ContactKey(name), let state = try? StoredStateCoding.decode(Data(data.readableBytesView)) else { continue }
            found.append((key, state, updatedAt))
        }
        let lastRows = try await client.query(
            """
            SELECT DISTINCT ON (contact) \(unescaped: Self.logColumns) FROM conversation_log
            WHERE contact = ANY(\(found.map(\.0.description))) ORDER BY contact, id DESC
            """,
            logger: logger
        )
        var last: [ContactKey: LoggedMessage] = [:]
        for message in try await Self.loggedMessages(lastRows) { last[message.entry.contact] = message }
        return found.map { ConversationSummary(contact: $0.0, state: $0.1, updatedAt: Timestamp(millisecondsSince1970: $0.2), last: last[$0.0]) }
    }

    public func pruneLog(before time: Timestamp) async throws -> Int {
        let rows = try await client.query(
            "WITH gone AS (DELETE FROM conversation_log WHERE at < \(time.millisecondsSince1970) RETURNING 1) SELECT COUNT(*) FROM gone",
            logger: logger
        )
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    public func checkWritable() async throws {
        let now = Timestamp(Date()).millisecondsSince1970
        try await client.query(
            "INSERT INTO health (id, checked_at) VALUES (1, \(now)) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
            logger: logger
        )
    }

    /// PostgreSQL needs no housekeeping from Flowgate (autovacuum does its own).
    public func maintain() async throws {}

    /// Runs `body` in one transaction; an error thrown inside comes out as itself (not wrapped),
    /// after the rollback.
    func transaction<Result: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.commitError ?? error.beginError ?? error
        }
    }
}
