import FlowEngine
import FlowModel
import FlowStore
import Foundation
import GRDB
import Synchronization

/// The embedded default store: one SQLite file through GRDB, in WAL mode, with
/// `synchronous = FULL` so a commit that returned survives a power cut. Send outcomes alone are
/// written unsynced (``transaction(synced:_:)``).
///
/// SQLite's automatic checkpoint (copying the write-ahead log into the database file) would run
/// inside whichever commit crosses the threshold and stall it; it is turned off, and
/// ``maintain()`` checkpoints from a connection of its own, beside the writer (see there for
/// how the log stays bounded without stalling commits).
public final class SQLiteStore: FlowStore {
    let pool: DatabasePool
    let checkpointer: DatabaseQueue
    let walPath: String
    let walLimit: Int64
    /// `PRAGMA data_version` as the checkpointer last read it. It moves when another connection
    /// commits, so an unchanged value means nothing was written since the last maintenance.
    private let lastDataVersion = Mutex<Int64?>(nil)

    /// Opens (or creates) the database at `path`; `walLimit` bounds the write-ahead log.
    public init(path: String, walLimit: Int64 = 64 << 20) throws {
        self.walPath = path + "-wal"
        self.walLimit = walLimit
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            try db.execute(sql: "PRAGMA journal_size_limit = \(walLimit)")
        }
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB turns on WAL mode after `prepareDatabase`, and sets the writer to `synchronous =
        // NORMAL` as it does: a commit would then reach the log but not the disk, and a power cut
        // could take back what was acknowledged. So the writer is set to FULL here, after that.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        var side = Configuration()
        side.busyMode = .timeout(10)
        // A checkpoint syncs the database file before the log is written again from its start.
        side.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        checkpointer = try DatabaseQueue(path: path, configuration: side)
    }

    /// Frames in the log past which ``maintain()`` has the next commit write it again from its
    /// start: SQLite's own automatic checkpoint threshold, about 4 MiB of 4 KiB pages.
    static let restartFrames = 1000

    /// Keeps the write-ahead log bounded, holding commits back as little as it can:
    /// - a passive checkpoint copies the log into the database file beside the writer;
    /// - when that copied all of a log past ``restartFrames``, a restarting checkpoint copies the
    ///   few frames committed meanwhile and has the next commit write the log from its start
    ///   (the file keeps its size; commits wait only for those frames and one `fsync`);
    /// - only when nothing was committed since the last call, or the file is past `walLimit`, a
    ///   truncating checkpoint empties the file. Run every 250 ms under steady load, truncating
    ///   stalled the commits behind it long enough to double the webhook p99 at 1,000/s.
    public func maintain() async throws {
        let (version, log, copied) = try await checkpointer.writeWithoutTransaction { db in
            let version = try Int64.fetchOne(db, sql: "PRAGMA data_version")
            let (log, copied) = try db.checkpoint(.passive)
            return (version, log, copied)
        }
        let idle = lastDataVersion.withLock { last in
            defer { last = version }
            return last == version
        }
        let size = walSize()
        if (idle && log == copied && size > 1 << 20) || size > walLimit {
            _ = try await checkpointer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        } else if log == copied && log > Self.restartFrames {
            _ = try await checkpointer.writeWithoutTransaction { db in try db.checkpoint(.restart) }
        }
    }

    /// True when ``transaction(synced:_:)`` could not set the writer back to `synchronous = FULL`
    /// after an unsynced write; the next commit of webhooks sets it before it writes, or fails.
    /// (Writes in between, such as claims, are not synced; none of them is what a 200 promises.)
    private let syncLost = Mutex(false)

    /// Runs `body` in a transaction on the writer. A synced one (every commit of webhooks) is on
    /// disk when this returns. An unsynced one runs with `synchronous = NORMAL`: its commit reaches
    /// the log but is not synced until the next synced commit or checkpoint (``maintain()``, every
    /// 250 ms under load) syncs the log with it, so a power cut, though not a crash of the process,
    /// may take it back. Only for what may be lost that way: a send's outcome, whose loss sends
    /// the message again, as a crash mid-send does anyway.
    func transaction<T: Sendable>(synced: Bool, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.writeWithoutTransaction { db in
            if synced {
                if self.syncLost.withLock({ $0 }) {
                    try db.execute(sql: "PRAGMA synchronous = FULL")
                    self.syncLost.withLock { $0 = false }
                }
            } else {
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            var value: T?
            let outcome = Result {
                try db.inTransaction {
                    value = try body(db)
                    return .commit
                }
            }
            if !synced {
                do {
                    try db.execute(sql: "PRAGMA synchronous = FULL")
                } catch {
                    self.syncLost.withLock { $0 = true }
                    throw error
                }
            }
            try outcome.get()
            guard let value else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the transaction returned nothing") }
            return value
        }
    }

    /// The write-ahead log's size in bytes (0 when absent).
    public func walSize() -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: walPath))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    public func checkWritable() async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO health (id, checked_at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET checked_at = excluded.checked_at",
                arguments: [Int64(Date().timeIntervalSince1970 * 1000)]
            )
        }
    }

    /// The schema, one migration per version (see ``SchemaMigration``). Version 1 is the schema
    /// from before versions were recorded, so a database made then takes it as already there.
    static let migrations = [
        SchemaMigration(
            version: 1,
            summary: "contacts, seen ids, outbox, timers, health, dead letters",
            sql: """
                    CREATE TABLE IF NOT EXISTS contacts (
                        key TEXT PRIMARY KEY NOT NULL, state BLOB NOT NULL, updated_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE INDEX IF NOT EXISTS seen_at ON seen(at);
                    CREATE TABLE IF NOT EXISTS outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, contact TEXT NOT NULL, ref TEXT NOT NULL, body BLOB NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, not_before INTEGER NOT NULL,
                        wamid TEXT, error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(id) WHERE state = 'pending';
                    CREATE INDEX IF NOT EXISTS outbox_wamid ON outbox(wamid) WHERE wamid IS NOT NULL;
                    CREATE TABLE IF NOT EXISTS timers (
                        contact TEXT NOT NULL, kind TEXT NOT NULL, due INTEGER NOT NULL, token INTEGER NOT NULL,
                        PRIMARY KEY (contact, kind)
                    ) WITHOUT ROWID;
                    CREATE INDEX IF NOT EXISTS timers_due ON timers(due);
                    CREATE TABLE IF NOT EXISTS health (id INTEGER PRIMARY KEY, checked_at INTEGER NOT NULL);
                    CREATE TABLE IF NOT EXISTS dead_letters (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, received_at INTEGER NOT NULL, reason TEXT NOT NULL, body BLOB NOT NULL
                    );
                """
        ),
        SchemaMigration(
            version: 2,
            summary: "a version per contact state, checked by every commit",
            sql: "ALTER TABLE contacts ADD COLUMN version INTEGER NOT NULL DEFAULT 0"
        ),
        SchemaMigration(
            version: 3,
            summary: "claims on outbox messages and timers, with an expiry",
            sql: """
                ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
                ALTER TABLE outbox ADD COLUMN claim_until INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE timers ADD COLUMN claimed_by TEXT;
                ALTER TABLE timers ADD COLUMN claim_until INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX outbox_pending_contact ON outbox(contact, id) WHERE state = 'pending';
                """
        ),
        SchemaMigration(
            version: 4,
            summary: "send slots per business number, shared by every process",
            sql: "CREATE TABLE send_slots (number TEXT PRIMARY KEY NOT NULL, next_slot INTEGER NOT NULL) WITHOUT ROWID"
        ),
        SchemaMigration(
            version: 5,
            summary: "the conversation log the desk shows",
            sql: """
                CREATE TABLE conversation_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, contact TEXT NOT NULL, at INTEGER NOT NULL, direction TEXT NOT NULL,
                    kind TEXT NOT NULL, text TEXT NOT NULL, template TEXT, ref TEXT, agent TEXT,
                    status TEXT, status_rank INTEGER NOT NULL DEFAULT 0, status_at INTEGER, error TEXT
                );
                CREATE INDEX conversation_log_contact ON conversation_log(contact, id);
                CREATE INDEX conversation_log_ref ON conversation_log(contact, ref) WHERE ref IS NOT NULL;
                CREATE INDEX conversation_log_at ON conversation_log(at);
                """
        ),
        SchemaMigration(version: 6, summary: StoredStateCoding.migrationSummary, statements: []),
    ]

    /// Applies the migrations the database has not had, in one transaction; refuses a database a
    /// newer Flowgate has migrated (``SchemaTooNew``).
    public func migrate() async throws {
        try await pool.write { db in
            try db.execute(
                sql: "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL, summary TEXT NOT NULL)"
            )
            let current = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM schema_version") ?? 0
            for migration in try SchemaMigration.pending(after: current, of: Self.migrations, store: "SQLite") {
                for statement in migration.statements { try db.execute(sql: statement) }
                try db.execute(
                    sql: "INSERT INTO schema_version (version, applied_at, summary) VALUES (?, ?, ?)",
                    arguments: [migration.version, Int64(Date().timeIntervalSince1970 * 1000), migration.summary]
                )
            }
        }
    }

    /// The database's schema version (0 before the first migration).
    public func schemaVersion() async throws -> Int {
        try await pool.read { db in
            guard try db.tableExists("schema_version") else { return 0 }
            return try Int.fetchOne(db, sql: "SELECT MAX(version) FROM schema_version") ?? 0
        }
    }

    public func states(for keys: [ContactKey]) async throws -> [ContactKey: ContactState] {
        try await snapshot(states: Set(keys), seen: []).states
    }

    public func snapshot(states keys: Set<ContactKey>, seen ids: [String]) async throws -> Snapshot {
        guard !keys.isEmpty || !ids.isEmpty else { return Snapshot() }
        let names = keys.map(\.description)
        // One prepared statement per question, run once per key: a statement with a list of
        // `?` as long as the batch would be parsed and planned again for every batch.
        let (rows, seen) = try await pool.read { db -> ([(String, Data, Int64)], Set<String>) in
            let state = try db.cachedStatement(sql: "SELECT key, state, version FROM contacts WHERE key = ?")
            let rows = try names.compactMap { name in
                try Row.fetchOne(state, arguments: [name]).map { ($0["key"] as String, $0["state"] as Data, $0["version"] as Int64) }
            }
            let known = try db.cachedStatement(sql: "SELECT 1 FROM seen WHERE id = ?")
            let seen = try Set(ids.filter { try Bool.fetchOne(known, arguments: [$0]) != nil })
            return (rows, seen)
        }
        var snapshot = Snapshot(seen: seen)
        for (name, data, version) in rows {
            guard let key = ContactKey(name) else { continue }
            snapshot.states[key] = try StoredStateCoding.decode(data)
            snapshot.versions[key] = version
        }
        return snapshot
    }

    public func commit(_ commit: Commit) async throws -> [OutboxRecord] {
        guard !commit.isEmpty else { return [] }
        let states = try commit.states.map { contact, state in
            (contact: contact, data: try StoredStateCoding.encode(state), version: (commit.expectedVersions[contact] ?? 0) + 1)
        }
        let time = commit.time.millisecondsSince1970
        return try await transaction(synced: true) { db in
            // The deduplication decision is made here, inside the one writing transaction, by the
            // primary key of `seen`: a message id another batch (or another process) committed
            // first makes this whole batch roll back, so no reply to it is stored twice. Its
            // webhooks are answered with an error and redelivered, then dropped as duplicates.
            let seen = try db.cachedStatement(sql: "INSERT INTO seen (id, at) VALUES (?, ?)")
            for item in commit.seen {
                do {
                    try seen.execute(arguments: [item.id, item.at.millisecondsSince1970])
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw DuplicateDelivery(ids: [item.id])
                }
            }
            // Each state replaces exactly the version it was computed from, or nothing is stored.
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO contacts (key, state, updated_at, version) VALUES (?, ?, ?, ?)
                    ON CONFLICT(key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, version = excluded.version
                    WHERE contacts.version = excluded.version - 1
                    """
            )
            var stale: [ContactKey] = []
            for state in states {
                try upsert.execute(arguments: [state.contact.description, state.data, time, state.version])
                if db.changesCount == 0 { stale.append(state.contact) }
            }
            if !stale.isEmpty { throw StaleState(contacts: stale) }
            let fired = try db.cachedStatement(sql: "DELETE FROM timers WHERE contact = ? AND kind = ? AND due = ? AND token = ?")
            for timer in commit.fired {
                try fired.execute(arguments: [
                    timer.contact.description, timer.timer.kind.rawValue,
                    timer.timer.due.millisecondsSince1970, timer.timer.token,
                ])
            }
            // A timer set anew is nobody's until a worker claims it when due.
            let setTimer = try db.cachedStatement(
                sql: """
                    INSERT INTO timers (contact, kind, due, token) VALUES (?, ?, ?, ?)
                    ON CONFLICT(contact, kind) DO UPDATE SET due = excluded.due, token = excluded.token, claimed_by = NULL, claim_until = 0
                    """
            )
            let cancelTimer = try db.cachedStatement(sql: "DELETE FROM timers WHERE contact = ? AND kind = ?")
            for update in commit.timers {
                let (contact, change) = (update.contact, update.change)
                switch change {
                case .set(let timer):
                    try setTimer.execute(arguments: [contact.description, timer.kind.rawValue, timer.due.millisecondsSince1970, timer.token])
                case .cancel(let kind):
                    try cancelTimer.execute(arguments: [contact.description, kind.rawValue])
                }
            }
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO outbox (contact, ref, body, not_before, created_at, updated_at, claimed_by, claim_until)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            )
            // A contact with pending messages the committing worker does not hold keeps its new
            // ones unclaimed, behind those, for whoever takes the contact over.
            let heldElsewhere = try Self.contactsHeldElsewhere(db, contacts: Set(commit.outbox.map(\.contact)), worker: commit.claim?.worker)
            var records: [OutboxRecord] = []
            for message in commit.outbox {
                let claim = heldElsewhere.contains(message.contact) ? nil : commit.claim
                try insert.execute(arguments: [
                    message.contact.description, message.ref, Data(message.body), time, time, time, claim?.worker,
                    claim?.until.millisecondsSince1970 ?? 0,
                ])
                if commit.claim != nil, claim == nil { continue }
                records.append(message.record(id: db.lastInsertedRowID, at: commit.time))
            }
            let dead = try db.cachedStatement(sql: "INSERT INTO dead_letters (received_at, reason, body) VALUES (?, ?, ?)")
            for letter in commit.deadLetters { try dead.execute(arguments: [time, letter.reason, Data(letter.body)]) }
            try Self.writeLog(commit, db: db)
            return records
        }
    }

    /// Of `contacts`, those with a pending message `worker` does not hold.
    static func contactsHeldElsewhere(_ db: Database, contacts: Set<ContactKey>, worker: String?) throws -> Set<ContactKey> {
        guard let worker, !contacts.isEmpty else { return [] }
        let pending = try db.cachedStatement(
            sql: """
                SELECT 1 FROM outbox WHERE contact = ? AND state = 'pending' AND (claimed_by IS NULL OR claimed_by <> ?) LIMIT 1
                """
        )
        return try contacts.filter { try Bool.fetchOne(pending, arguments: [$0.description, worker]) != nil }
    }

    public func claimOutbox(_ claim: Claim, now: Timestamp, limit: Int) async throws -> [OutboxRecord] {
        let (worker, until, time) = (claim.worker, claim.until.millisecondsSince1970, now.millisecondsSince1970)
        return try await pool.write { db in
            // Contacts whose every pending message is free (never claimed, expired, or ours) and
            // at least one is not ours yet: all of their pending messages change hands together.
            try Row.fetchAll(
                db,
                sql: """
                    UPDATE outbox SET claimed_by = ?, claim_until = ?
                    WHERE state = 'pending' AND contact IN (
                        SELECT contact FROM outbox WHERE state = 'pending' GROUP BY contact
                        HAVING MIN(claimed_by IS NULL OR claim_until <= ? OR claimed_by = ?) = 1
                        AND MAX(claimed_by IS NULL OR claimed_by <> ?) = 1
                        ORDER BY MIN(id) LIMIT ?
                    )
                    RETURNING id, contact, ref, body, attempts, not_before, created_at
                    """,
                arguments: [worker, until, time, worker, worker, limit]
            ).compactMap(Self.outboxRecord).sorted { $0.id < $1.id }
        }
    }

    public func claimDueTimers(_ claim: Claim, now: Timestamp, limit: Int) async throws -> [StoredTimer] {
        let (worker, until, time) = (claim.worker, claim.until.millisecondsSince1970, now.millisecondsSince1970)
        return try await pool.write { db in
            try Row.fetchAll(
                db,
                sql: """
                    UPDATE timers SET claimed_by = ?, claim_until = ?
                    WHERE (contact, kind) IN (
                        SELECT contact, kind FROM timers WHERE due <= ? AND (claimed_by IS NULL OR claim_until <= ? OR claimed_by = ?)
                        ORDER BY due LIMIT ?
                    )
                    RETURNING contact, kind, due, token
                    """,
                arguments: [worker, until, time, time, worker, limit]
            ).compactMap(Self.storedTimer).sorted { $0.timer.due < $1.timer.due }
        }
    }

    public func renewClaims(_ claim: Claim) async throws {
        try await pool.write { db in
            let arguments: StatementArguments = [claim.until.millisecondsSince1970, claim.worker]
            try db.execute(sql: "UPDATE outbox SET claim_until = ? WHERE claimed_by = ? AND state = 'pending'", arguments: arguments)
            try db.execute(sql: "UPDATE timers SET claim_until = ? WHERE claimed_by = ?", arguments: arguments)
        }
    }

    /// One process per SQLite store: nobody else leaves messages behind.
    public func outboxOffers() -> AsyncStream<String> { AsyncStream { _ in } }

    public func releaseClaims(worker: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE outbox SET claimed_by = NULL, claim_until = 0 WHERE claimed_by = ? AND state = 'pending'",
                arguments: [worker]
            )
            try db.execute(sql: "UPDATE timers SET claimed_by = NULL, claim_until = 0 WHERE claimed_by = ?", arguments: [worker])
        }
    }

    public func reserveSendSlots(phoneNumberID: String, count: Int, spacing: TimeSpan, now: Timestamp) async throws -> Timestamp {
        let span = Int64(max(count, 1)) * spacing.milliseconds
        let time = now.millisecondsSince1970
        return try await pool.write { db in
            let next = try Int64.fetchOne(
                db,
                sql: """
                    INSERT INTO send_slots (number, next_slot) VALUES (?, ?)
                    ON CONFLICT(number) DO UPDATE SET next_slot = MAX(send_slots.next_slot, ?) + ?
                    RETURNING next_slot
                    """,
                arguments: [phoneNumberID, time + span, time - 1000, span]
            )
            return Timestamp(millisecondsSince1970: (next ?? time + span) - span)
        }
    }

    public func pendingOutbox(limit: Int) async throws -> [OutboxRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, contact, ref, body, attempts, not_before, created_at FROM outbox WHERE state = 'pending' ORDER BY id LIMIT ?
                    """,
                arguments: [limit]
            ).compactMap(Self.outboxRecord)
        }
    }

    static func outboxRecord(_ row: Row) -> OutboxRecord? {
        guard let contact = ContactKey(row["contact"] as String) else { return nil }
        return OutboxRecord(
            id: row["id"],
            contact: contact,
            ref: row["ref"],
            body: [UInt8](row["body"] as Data),
            attempts: row["attempts"],
            notBefore: Timestamp(millisecondsSince1970: row["not_before"]),
            queuedAt: Timestamp(millisecondsSince1970: row["created_at"])
        )
    }

    public func failedOutbox(limit: Int) async throws -> [FailedSend] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, contact, ref, attempts, error, updated_at FROM outbox WHERE state = 'failed' ORDER BY updated_at DESC, id DESC LIMIT ?
                    """,
                arguments: [limit]
            ).map { row in
                FailedSend(
                    id: row["id"],
                    contact: row["contact"],
                    ref: row["ref"],
                    attempts: row["attempts"],
                    error: row["error"] ?? "",
                    failedAt: Timestamp(millisecondsSince1970: row["updated_at"])
                )
            }
        }
    }

    public func retryFailed(id: Int64, at time: Timestamp, claim: Claim?) async throws -> OutboxRecord? {
        let now = time.millisecondsSince1970
        return try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'pending', attempts = 0, not_before = ?, created_at = ?, updated_at = ?,
                    claimed_by = ?, claim_until = ? WHERE id = ? AND state = 'failed'
                    """,
                arguments: [now, now, now, claim?.worker, claim?.until.millisecondsSince1970 ?? 0, id]
            )
            guard db.changesCount > 0 else { return nil }
            return try Row.fetchOne(
                db,
                sql: "SELECT id, contact, ref, body, attempts, not_before, created_at FROM outbox WHERE id = ?",
                arguments: [id]
            ).flatMap(Self.outboxRecord)
        }
    }

    /// The dead letters kept, oldest first: parts of signed webhooks that could not be read.
    public func deadLetters(limit: Int) async throws -> [Commit.DeadLetter] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT reason, body FROM dead_letters ORDER BY id LIMIT ?", arguments: [limit]).map { row in
                Commit.DeadLetter(reason: row["reason"] as String, body: [UInt8](row["body"] as Data))
            }
        }
    }

    /// Stored without waiting for the disk (see ``FlowStore/record(_:at:)`` and
    /// ``transaction(synced:_:)``).
    public func record(_ results: [SendResult], at time: Timestamp) async throws {
        guard !results.isEmpty else { return }
        let now = time.millisecondsSince1970
        try await transaction(synced: false) { db in
            let sent = try db.cachedStatement(
                sql: "UPDATE outbox SET state = 'sent', wamid = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?"
            )
            let failed = try db.cachedStatement(
                sql: "UPDATE outbox SET state = 'failed', error = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?"
            )
            let retry = try db.cachedStatement(
                sql: "UPDATE outbox SET not_before = ?, error = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?"
            )
            for result in results {
                let id = result.id
                switch result.outcome {
                case .sent(let wamid): try sent.execute(arguments: [wamid, now, id])
                case .failed(let code, let reason): try failed.execute(arguments: ["\(code.map(String.init) ?? "-") \(reason)", now, id])
                case .retry(let at, let reason): try retry.execute(arguments: [at.millisecondsSince1970, reason, now, id])
                }
            }
        }
    }

    public func outboxReference(wamid: String) async throws -> SentMessage? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT contact, ref FROM outbox WHERE wamid = ?", arguments: [wamid]),
                let contact = ContactKey(row["contact"] as String)
            else { return nil }
            return SentMessage(contact: contact, ref: row["ref"] as String)
        }
    }

    public func dueTimers(until time: Timestamp, limit: Int) async throws -> [StoredTimer] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT contact, kind, due, token FROM timers WHERE due <= ? ORDER BY due LIMIT ?",
                arguments: [time.millisecondsSince1970, limit]
            ).compactMap(Self.storedTimer)
        }
    }

    static func storedTimer(_ row: Row) -> StoredTimer? {
        guard let contact = ContactKey(row["contact"] as String), let kind = FlowTimer.Kind(rawValue: row["kind"] as String) else { return nil }
        return StoredTimer(contact: contact, timer: FlowTimer(kind: kind, due: Timestamp(millisecondsSince1970: row["due"]), token: row["token"]))
    }

    public func nextTimerDue(for worker: String) async throws -> Timestamp? {
        try await pool.read { db in
            try Int64.fetchOne(
                db,
                sql: "SELECT MIN(MAX(due, CASE WHEN claimed_by IS NULL OR claimed_by = ? THEN 0 ELSE claim_until END)) FROM timers",
                arguments: [worker]
            ).map(Timestamp.init(millisecondsSince1970:))
        }
    }

    public func pruneSeen(before time: Timestamp) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM seen WHERE at < ?", arguments: [time.millisecondsSince1970])
            return db.changesCount
        }
    }

    public func pruneOutbox(before time: Timestamp, chunk: Int) async throws -> Int {
        let cutoff = time.millisecondsSince1970
        return try await OutboxChunk.walk { from in
            try await pool.write { db in
                guard
                    let row = try Row.fetchOne(db, sql: "SELECT id, created_at FROM outbox WHERE id >= ? ORDER BY id LIMIT 1", arguments: [from]),
                    (row["created_at"] as Int64) < cutoff
                else { return nil }
                let range = OutboxChunk(first: row["id"], size: chunk)
                try db.execute(
                    sql: "DELETE FROM outbox WHERE id BETWEEN ? AND ? AND state <> 'pending' AND updated_at < ?",
                    arguments: [range.first, range.last, cutoff]
                )
                return (range, db.changesCount)
            }
        }
    }

    // MARK: Conversation log

    static func writeLog(_ commit: Commit, db: Database) throws {
        if !commit.log.isEmpty {
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO conversation_log (contact, at, direction, kind, text, template, ref, agent)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            )
            for entry in commit.log {
                try insert.execute(arguments: [
                    entry.contact.description, entry.at.millisecondsSince1970, entry.direction.rawValue, entry.kind, entry.text,
                    entry.template, entry.ref, entry.agent,
                ])
            }
        }
        if !commit.logStatuses.isEmpty {
            let update = try db.cachedStatement(
                sql: """
                    UPDATE conversation_log SET status = ?, status_rank = ?, status_at = ?, error = ?
                    WHERE contact = ? AND ref = ? AND status_rank < ?
                    """
            )
            for status in commit.logStatuses {
                try update.execute(arguments: [
                    status.state.rawValue, status.rank, status.at.millisecondsSince1970, status.error, status.contact.description,
                    status.ref, status.rank,
                ])
            }
        }
    }

    static let logColumns = "id, contact, at, direction, kind, text, template, ref, agent, status, status_at, error"

    static func loggedMessage(_ row: Row) -> LoggedMessage? {
        guard let contact = ContactKey(row["contact"] as String), let direction = LogEntry.Direction(rawValue: row["direction"]) else {
            return nil
        }
        let entry = LogEntry(
            contact: contact,
            at: Timestamp(millisecondsSince1970: row["at"]),
            direction: direction,
            kind: row["kind"],
            text: row["text"],
            template: row["template"],
            ref: row["ref"],
            agent: row["agent"]
        )
        let status = (row["status"] as String?).flatMap(DeliveryStatus.State.init(rawValue:))
        let statusAt = (row["status_at"] as Int64?).map(Timestamp.init(millisecondsSince1970:))
        return LoggedMessage(id: row["id"], entry: entry, status: status, statusAt: statusAt, error: row["error"])
    }

    public func conversation(_ contact: ContactKey, limit: Int) async throws -> [LoggedMessage] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT \(Self.logColumns) FROM conversation_log WHERE contact = ? ORDER BY id DESC LIMIT ?",
                arguments: [contact.description, limit]
            )
            return rows.compactMap(Self.loggedMessage).reversed()
        }
    }

    public func conversations(limit: Int) async throws -> [ConversationSummary] {
        try await pool.read { db in
            let last = try db.cachedStatement(
                sql: "SELECT \(Self.logColumns) FROM conversation_log WHERE contact = ? ORDER BY id DESC LIMIT 1"
            )
            var summaries: [ConversationSummary] = []
            for row in try Row.fetchAll(db, sql: "SELECT key, state, updated_at FROM contacts ORDER BY updated_at DESC LIMIT ?", arguments: [limit]) {
                guard let contact = ContactKey(row["key"] as String) else { continue }
                guard let state = try? StoredStateCoding.decode(row["state"] as Data) else { continue }
                let latest = try Row.fetchOne(last, arguments: [contact.description]).flatMap(Self.loggedMessage)
                summaries.append(
                    ConversationSummary(contact: contact, state: state, updatedAt: Timestamp(millisecondsSince1970: row["updated_at"]), last: latest)
                )
            }
            return summaries
        }
    }

    public func pruneLog(before time: Timestamp) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM conversation_log WHERE at < ?", arguments: [time.millisecondsSince1970])
            return db.changesCount
        }
    }
}
