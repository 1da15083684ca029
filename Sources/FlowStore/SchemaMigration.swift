/// One step of a store's schema: the version it brings the database to, and the SQL that does it.
/// Each store keeps its own list, one migration per version, from 1 up; at start the store applies
/// those its database has not had, in order, in one transaction, and records each in its
/// `schema_version` table.
public struct SchemaMigration: Sendable {
    public var version: Int
    /// What the version adds, as recorded beside it.
    public var summary: String
    /// The statements, applied in order.
    public var statements: [String]

    public init(version: Int, summary: String, statements: [String]) {
        self.version = version
        self.summary = summary
        self.statements = statements
    }

    /// A migration whose statements are separated by `;` (none of them may hold one).
    public init(version: Int, summary: String, sql: String) {
        let statements = sql.split(separator: ";").filter { !$0.allSatisfy(\.isWhitespace) }.map(String.init)
        self.init(version: version, summary: summary, statements: statements)
    }

    /// The migrations a database at version `current` still needs. Throws ``SchemaTooNew`` when
    /// the database is at a version this binary does not know (a newer Flowgate migrated it):
    /// running an older binary on it could lose what the newer schema keeps.
    public static func pending(
        after current: Int,
        of migrations: [SchemaMigration],
        store: String
    ) throws(SchemaTooNew)
        -> [SchemaMigration]
    {
        let known = migrations.map(\.version).max() ?? 0
        guard current <= known else { throw SchemaTooNew(store: store, database: current, binary: known) }
        return migrations.filter { $0.version > current }.sorted { $0.version < $1.version }
    }
}

/// The database was migrated by a newer Flowgate than this one.
public struct SchemaTooNew: Error, CustomStringConvertible, Sendable {
    public var store: String
    /// The database's schema version.
    public var database: Int
    /// The newest version this binary knows.
    public var binary: Int

    public var description: String {
        "the \(store) database is at schema version \(database), newer than this Flowgate knows (\(binary)): "
            + "a newer Flowgate has migrated it; run that version (or newer), since going back could lose what the new schema keeps"
    }
}
