import Foundation

/// What node readers need from the flow around them: the diagnostics sink and the flow-level
/// declarations a condition may name.
struct FlowContext {
    let context: LoadContext
    let schedules: [String: Schedule]
    let timeZone: TimeZone?
    /// Whether the flow names a `time_zone`, readable or not (an unknown one has its own error).
    let timeZoneWritten: Bool
}
