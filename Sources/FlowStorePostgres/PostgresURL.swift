import Foundation
import NIOSSL
import PostgresNIO

/// Reads a `postgres://user:password@host:port/database?sslmode=…&search_path=…` URL (the form `psql` and
/// most hosts print) into a client configuration.
enum PostgresURL {
    struct Invalid: Error, CustomStringConvertible {
        var reason: String
        var description: String { "the database URL \(reason); write it as postgres://user:password@host:5432/database" }
    }

    static func configuration(_ text: String) throws -> PostgresClient.Configuration {
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw Invalid(reason: "does not start with postgres://")
        }
        guard let host = url.host, !host.isEmpty else { throw Invalid(reason: "names no host") }
        guard let user = url.user, !user.isEmpty else { throw Invalid(reason: "names no user") }
        let database = String(url.path.drop { $0 == "/" })
        let mode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw Invalid(reason: "has sslmode=\(mode); use disable, prefer or require")
        }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: url.port ?? 5432,
            username: user.removingPercentEncoding ?? user,
            password: url.password.map { $0.removingPercentEncoding ?? $0 },
            database: database.isEmpty ? nil : database,
            tls: tls
        )
        // `?search_path=flowgate` keeps Flowgate's tables in a schema of their own.
        if let schema = url.queryItems?.first(where: { $0.name == "search_path" })?.value, !schema.isEmpty {
            configuration.options.additionalStartupParameters.append(("search_path", schema))
        }
        return configuration
    }
}
