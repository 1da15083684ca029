/// A reference to a node by name, as written after `goto:`, `on_fail:`, `reentry:` and the like.
///
/// Two names are built in: `end` finishes the flow, and `resume` (in a template's `on_reply` or
/// `quick_replies`) sends the step the session guard blocked and carries on from there.
public struct Target: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var location: SourceLocation

    public init(_ located: Located<String>) {
        name = located.value
        location = located.location
    }

    public init(name: String, at location: SourceLocation) {
        self.name = name
        self.location = location
    }

    /// The built-in target that ends the flow.
    public static let endName = "end"
    /// The built-in target that resumes the step the session guard blocked.
    public static let resumeName = "resume"

    public var isEnd: Bool { name == Self.endName }
    public var isResume: Bool { name == Self.resumeName }
    public var description: String { name }
}
