/// An error whose own `description` hides what an operator needs to act on. PostgresNIO's errors
/// say only "Generic description to prevent accidental leakage of sensitive data", so a log line
/// "could not renew claims" told nobody whether the database was down, refused a statement or
/// broke a deadlock. A store conforms its driver's errors to this protocol; the server's logs and
/// `/readyz` show ``operatorDescription`` instead.
public protocol OperatorDescribedError: Error {
    /// What failed, for a log line: the driver's error kind and the database's own code and
    /// message, never the statement's arguments.
    var operatorDescription: String { get }
}

/// How `error` reads in a log line or a readiness answer: its ``OperatorDescribedError/operatorDescription``
/// when it has one, else its description.
public func describeForOperator(_ error: any Error) -> String {
    if let described = error as? any OperatorDescribedError { return described.operatorDescription }
    return "\(error)"
}
