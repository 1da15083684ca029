import FlowModel

/// Where the server keeps its state, as the config's `store:` says:
///
/// ```yaml
/// store: { sqlite: flowgate.sqlite }                  # the embedded default, one server
/// store: { postgres: { url_env: FLOWGATE_DATABASE_URL, pool_size: 10 } }   # several replicas
/// ```
///
/// The server module only carries this along; the command that starts it opens the store.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// A SQLite file (resolved against the config's folder).
    case sqlite(path: String)
    /// A PostgreSQL database whose URL is in the environment variable `urlVariable` (a URL holds
    /// a password, so it never sits in the config), with at most `poolSize` connections.
    case postgres(urlVariable: String, poolSize: Int)

    public static let `default` = StoreLocation.sqlite(path: "flowgate.sqlite")

    /// True for a store several processes share (replicas), which then keep each number's send
    /// rate together, through the store.
    public var isShared: Bool {
        if case .postgres = self { true } else { false }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite \(path)"
        case .postgres(let variable, let pool): "postgres (URL in $\(variable), \(pool) connections)"
        }
    }

    /// Reads the `store:` mapping; nil (with the problem reported) when it says neither or both.
    public static func read(_ reader: MappingReader, resolve: (String) -> String) -> StoreLocation? {
        let sqlite = reader.string("sqlite")
        var postgres: StoreLocation?
        if let settings = reader.mapping("postgres") {
            let variable = settings.string("url_env")?.value ?? "FLOWGATE_DATABASE_URL"
            let pool = settings.int("pool_size")
            if let pool, !(1...1000).contains(pool.value) {
                reader.context.report(
                    .error(.invalidValue, "'pool_size' is \(pool.value)", hint: "a number of connections from 1 to 1000, e.g. 10", at: pool.location)
                )
            }
            settings.reportUnknownKeys(in: "store.postgres")
            postgres = .postgres(urlVariable: variable, poolSize: pool.map { min(max($0.value, 1), 1000) } ?? 10)
        }
        reader.reportUnknownKeys(in: "store")
        switch (sqlite, postgres) {
        case (let path?, nil): return .sqlite(path: resolve(path.value))
        case (nil, let postgres?): return postgres
        case (_?, _?):
            reader.context.report(
                .error(.invalidValue, "the store is either sqlite or postgres, not both", hint: "keep one of the two keys", at: reader.location)
            )
            return nil
        case (nil, nil):
            reader.context.report(
                .error(
                    .missingKey,
                    "'store' names no store",
                    hint: "write `store: { sqlite: flowgate.sqlite }` or `store: { postgres: { url_env: FLOWGATE_DATABASE_URL } }`",
                    at: reader.location
                )
            )
            return nil
        }
    }
}
