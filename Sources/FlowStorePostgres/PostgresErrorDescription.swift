import FlowStore
import PostgresNIO

extension PSQLError: OperatorDescribedError {
    /// The error's kind, and what the database said: severity, SQLSTATE, message, detail, hint
    /// and table (`PostgreSQL server error: ERROR 40P01 deadlock detected (…)`); or what the
    /// connection met underneath. The statement and its arguments are left out: they may hold a
    /// customer's messages.
    public var operatorDescription: String {
        var text = "PostgreSQL \(code) error"
        if let info = serverInfo {
            let head = [info[.severity], info[.sqlState], info[.message]].compactMap { $0 }.joined(separator: " ")
            if !head.isEmpty { text += ": \(head)" }
            let context = [
                info[.detail].map { "detail: \($0)" },
                info[.hint].map { "hint: \($0)" },
                info[.tableName].map { "table: \($0)" },
            ].compactMap { $0 }
            if !context.isEmpty { text += " (\(context.joined(separator: "; ")))" }
        }
        if let underlying { text += ": \(describeForOperator(underlying))" }
        return text
    }
}

extension PostgresDecodingError: OperatorDescribedError {
    /// Which column could not be read as what (the value itself is left out).
    public var operatorDescription: String {
        "PostgreSQL value not readable (\(code)): column \(columnName) (\(columnIndex)) of type \(postgresType) as \(targetType)"
    }
}
