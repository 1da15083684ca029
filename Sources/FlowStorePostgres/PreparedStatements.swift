import FlowEngine
import FlowModel
import FlowStore
import NIOCore
import PostgresNIO

/// A whole commit: ``PostgresStore/commitFunction`` with its 37 arguments, in its order, as a
/// statement prepared once per connection, then only run. PostgreSQL parses and plans an unnamed
/// statement at every call, which took about 13 % of its time under load (`perf record -a` during
/// `Benchmarks/replicas.sh`).
///
/// Only the commit is prepared. Storing send outcomes prepared was slower in all three rounds
/// measured (unexplained: its generic plan is the same index scan), and the other statements run
/// rarely. A connection pooler in front of the database must keep prepared statements: PgBouncer
/// in session mode, or in transaction mode from 1.21 with `max_prepared_statements` set.
struct CommitStatement: PostgresPreparedStatement {
    static let arguments = 37
    static let sql = "SELECT outbox_id, claimed FROM flowgate_commit(\((1...arguments).map { "$\($0)" }.joined(separator: ", ")))"
    typealias Row = (Int64, Bool)
    let bindings: PostgresBindings
    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }

    /// The commit's arguments. States and message ids go sorted, so two commits touching the same
    /// contacts or ids lock their rows in the same order, and wait for each other instead of
    /// deadlocking.
    init(_ commit: Commit) throws {
        let states = try commit.states.sorted { $0.key.description < $1.key.description }.map { contact, state in
            (
                key: contact.description, data: ByteBuffer(bytes: try StoredStateCoding.encode(state)),
                version: (commit.expectedVersions[contact] ?? 0) + 1
            )
        }
        let timers = PostgresStore.TimerChanges(commit)
        let (fired, outbox, letters) = (commit.fired, commit.outbox, commit.deadLetters)
        let seen = commit.seen.sorted { $0.id < $1.id }
        let log = commit.log
        // One status per message: the furthest along (an UPDATE applies one source row per target).
        var furthest: [String: LogStatus] = [:]
        for status in commit.logStatuses {
            let key = status.contact.description + "\u{0}" + status.ref
            if let known = furthest[key], known.rank >= status.rank { continue }
            furthest[key] = status
        }
        let statuses = Array(furthest.values)
        var b = PostgresBindings(capacity: Self.arguments)
        b.append(commit.time.millisecondsSince1970)
        b.append(seen.map(\.id))
        b.append(seen.map(\.at.millisecondsSince1970))
        b.append(states.map(\.key))
        b.append(states.map(\.data))
        b.append(states.map(\.version))
        b.append(fired.map(\.contact.description))
        b.append(fired.map(\.timer.kind.rawValue))
        b.append(fired.map(\.timer.due.millisecondsSince1970))
        b.append(fired.map(\.timer.token))
        b.append(timers.sets.map(\.contact))
        b.append(timers.sets.map(\.kind))
        b.append(timers.sets.map(\.due))
        b.append(timers.sets.map(\.token))
        b.append(timers.cancels.map(\.contact))
        b.append(timers.cancels.map(\.kind))
        b.append(outbox.map(\.contact.description))
        b.append(outbox.map(\.ref))
        b.append(outbox.map { ByteBuffer(bytes: $0.body) })
        b.append(commit.claim?.worker)
        b.append(commit.claim?.until.millisecondsSince1970 ?? 0)
        b.append(letters.map(\.reason))
        b.append(letters.map { ByteBuffer(bytes: $0.body) })
        b.append(log.map(\.contact.description))
        b.append(log.map(\.at.millisecondsSince1970))
        b.append(log.map(\.direction.rawValue))
        b.append(log.map(\.kind))
        b.append(log.map(\.text))
        b.append(log.map { $0.template ?? "" })
        b.append(log.map { $0.ref ?? "" })
        b.append(log.map { $0.agent ?? "" })
        b.append(statuses.map(\.contact.description))
        b.append(statuses.map(\.ref))
        b.append(statuses.map(\.state.rawValue))
        b.append(statuses.map { Int64($0.rank) })
        b.append(statuses.map(\.at.millisecondsSince1970))
        b.append(statuses.map { $0.error ?? "" })
        bindings = b
    }
}
