import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL database the tests may use, named by `FLOWGATE_TEST_DATABASE_URL`. Each store
/// under test gets a schema of its own in it, so tests run side by side and leave each other alone.
public enum TestDatabase {
    public static let urlVariable = "FLOWGATE_TEST_DATABASE_URL"

    /// True when the PostgreSQL tests run: a database is named, or `FLOWGATE_REQUIRE_POSTGRES=1`
    /// (as in CI), where a missing URL then fails them instead of leaving them out.
    public static var isConfigured: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment[urlVariable] != nil || environment["FLOWGATE_REQUIRE_POSTGRES"] == "1"
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "no PostgreSQL for the tests: set \(TestDatabase.urlVariable)=postgres://user@127.0.0.1:5432/db "
                + "(or run .ci/with-postgres swift test, which starts a throwaway one)"
        }
    }

    /// The test database's URL with a new, empty schema as its search path.
    public static func freshSchemaURL() async throws -> String {
        guard let url = ProcessInfo.processInfo.environment[urlVariable], var parts = URLComponents(string: url) else { throw Missing() }
        let schema = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try await execute("CREATE SCHEMA \(schema)", on: parts)
        parts.queryItems = (parts.queryItems ?? []).filter { $0.name != "search_path" } + [URLQueryItem(name: "search_path", value: schema)]
        guard let scoped = parts.string else { throw Missing() }
        return scoped
    }

    /// A new, empty database beside the test database, whose defaults are `settings`
    /// (`ALTER DATABASE … SET name = value`): for a store that must not depend on how the
    /// database was configured. ``dropDatabase(_:)`` removes it.
    public static func freshDatabaseURL(settings: [String: String] = [:]) async throws -> String {
        guard let url = ProcessInfo.processInfo.environment[urlVariable], var parts = URLComponents(string: url) else { throw Missing() }
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try await execute("CREATE DATABASE \(name)", on: parts)
        for (setting, value) in settings.sorted(by: { $0.key < $1.key }) {
            try await execute("ALTER DATABASE \(name) SET \(setting) = '\(value)'", on: parts)
        }
        parts.path = "/" + name
        parts.queryItems = (parts.queryItems ?? []).filter { $0.name != "search_path" }
        if parts.queryItems?.isEmpty == true { parts.queryItems = nil }
        guard let scoped = parts.string else { throw Missing() }
        return scoped
    }

    /// Drops a database ``freshDatabaseURL(settings:)`` made, closing what is still connected to it.
    public static func dropDatabase(_ url: String) async throws {
        guard let base = ProcessInfo.processInfo.environment[urlVariable], let parts = URLComponents(string: base),
            let name = URLComponents(string: url)?.path.drop(while: { $0 == "/" })
        else { throw Missing() }
        try await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: parts)
    }

    static func execute(_ sql: String, on parts: URLComponents) async throws {
        let configuration = PostgresConnection.Configuration(
            host: parts.host ?? "127.0.0.1",
            port: parts.port ?? 5432,
            username: parts.user ?? "postgres",
            password: parts.password,
            database: String(parts.path.drop { $0 == "/" }),
            tls: .disable
        )
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test-database"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test-database"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}
