import FlowServerTesting
import FlowStore
import FlowStorePostgres
import Testing

@Suite("PostgreSQL errors as an operator reads them", .enabled(if: TestDatabase.isConfigured)) struct PostgresErrorTests {
    /// The error `body` throws, as the server's logs and `/readyz` write it ("" when it throws none).
    static func described(_ body: () async throws -> Void) async -> String {
        do {
            try await body()
            return ""
        } catch {
            return describeForOperator(error)
        }
    }

    @Test("a refused statement names its SQLSTATE and the database's message, not the driver's generic text")
    func refusedStatement() async throws {
        // Not migrated: the readiness write meets no `health` table.
        let store = try PostgresStore(url: try await TestDatabase.freshSchemaURL(), poolSize: 1)
        let text = await Self.described { try await store.checkWritable() }
        await store.shutdown()
        #expect(text.contains("ERROR 42P01 relation \"health\" does not exist"), "\(text)")
        #expect(!text.contains("Generic description"))
        #expect(!text.contains("INSERT INTO"), "the statement stays out: \(text)")
    }

    @Test("an error that is not the driver's reads as its own description")
    func otherErrors() {
        struct Plain: Error, CustomStringConvertible { var description: String { "the disk is full" } }
        #expect(describeForOperator(Plain()) == "the disk is full")
    }
}
