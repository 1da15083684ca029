import FlowStore
import FlowStorePostgres
import FlowStoreSQLite
import Foundation
import Logging

/// The store the config names, opened, migrated and checked writable: the choice of store is made
/// here, so the server module names none.
struct OpenedStore {
    let store: any FlowStore
    /// Keeps a second server off a SQLite file for as long as this one runs.
    let claim: StoreLock?
    let postgres: PostgresStore?

    /// Why the store could not be opened, in words for the operator.
    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    static func open(_ location: StoreLocation, environment: [String: String], logger: Logger) async throws(Refused) -> OpenedStore {
        switch location {
        case .sqlite(let path):
            do {
                let claim = try StoreLock(store: path)
                let store = try SQLiteStore(path: path)
                try await store.migrate()
                try await store.checkWritable()
                return OpenedStore(store: store, claim: claim, postgres: nil)
            } catch let error as StoreLock.InUse {
                throw Refused(description: "\(error)")
            } catch let error as SchemaTooNew {
                throw Refused(description: "the store \(path): \(error)")
            } catch {
                throw Refused(description: "the store \(path) cannot take commits: \(describeForOperator(error))")
            }
        case .postgres(let variable, let poolSize):
            guard let url = environment[variable], !url.isEmpty else {
                throw Refused(
                    description: "the store is PostgreSQL, but $\(variable) is not set: export it as postgres://user:password@host:5432/database"
                )
            }
            let store: PostgresStore
            do {
                store = try PostgresStore(url: url, poolSize: poolSize, logger: logger)
            } catch {
                throw Refused(description: "$\(variable): \(describeForOperator(error))")
            }
            do {
                try await store.migrate()
                try await store.checkWritable()
            } catch let error as SchemaTooNew {
                await store.shutdown()
                throw Refused(description: "\(error)")
            } catch {
                await store.shutdown()
                throw Refused(description: "the PostgreSQL store (from $\(variable)) cannot take commits: \(describeForOperator(error))")
            }
            return OpenedStore(store: store, claim: nil, postgres: store)
        }
    }

    /// Closes what the store holds open.
    func close() async {
        await postgres?.shutdown()
        withExtendedLifetime(claim) {}
    }
}
