import Foundation
import WhatsAppCloud
import Yams

/// Opening hours in a time zone, with days off: what an away message checks.
///
/// ```yaml
/// schedules:
///   office:
///     zone: Europe/Amsterdam
///     hours: { mon-fri: "09:00-17:30", sat: "10:00-13:00" }
///     closed: [2026-12-25, 2026-12-26]
/// ```
public struct Schedule: Hashable, Sendable {
    /// Minutes since midnight, start inclusive, end exclusive.
    public struct Span: Hashable, Sendable {
        public var start: Int
        public var end: Int
    }

    public var zone: TimeZone
    /// Open spans per weekday, 1 = Monday … 7 = Sunday. A day not listed is closed.
    public var weekly: [Int: [Span]]
    /// Whole days closed, as YYYY-MM-DD in the schedule's zone.
    public var closedDates: Set<String>
    public var location: SourceLocation

    static let weekdays = ["mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7]

    /// True when `instant` falls inside opening hours.
    public func isOpen(at instant: Timestamp) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: instant.date)
        guard let year = parts.year, let month = parts.month, let day = parts.day,
            let weekday = parts.weekday, let hour = parts.hour, let minute = parts.minute
        else { return false }
        let date = String(format: "%04d-%02d-%02d", year, month, day)
        if closedDates.contains(date) { return false }
        let isoWeekday = weekday == 1 ? 7 : weekday - 1  // Foundation: 1 = Sunday
        let minuteOfDay = hour * 60 + minute
        return (weekly[isoWeekday] ?? []).contains { $0.start <= minuteOfDay && minuteOfDay < $0.end }
    }

    /// Reads a schedule mapping; `defaultZone` is the flow's `time_zone`, and `flowNamesZone` says
    /// whether the flow wrote one (an unknown zone has had its error, so no second one here).
    static func read(_ node: Yams.Node, defaultZone: TimeZone?, flowNamesZone: Bool, context: LoadContext) -> Schedule? {
        guard let reader = context.mapping(node, "a schedule") else { return nil }
        var zone = defaultZone
        let namedZone = reader.string("zone")
        if let namedZone {
            zone = readZone(namedZone, context: context)
        }
        var weekly: [Int: [Span]] = [:]
        if let hours = reader.mapping("hours", required: true) {
            for key in hours.keys {
                guard let days = readDays(key, context: context) else {
                    hours.allow(key.value)
                    continue
                }
                let spans = hours.list(key.value, allowSingle: true)?.compactMap { readSpans($0, context: context) }.flatMap { $0 } ?? []
                for day in days { weekly[day, default: []] += spans }
            }
        }
        let closed =
            reader.strings("closed")?.compactMap { date -> String? in
                guard Timestamp(iso8601: date.value) != nil, date.value.count == 10 else {
                    context.report(.error(.invalidValue, "'\(date.value)' is not a date", hint: "write dates as YYYY-MM-DD", at: date.location))
                    return nil
                }
                return date.value
            } ?? []
        reader.reportUnknownKeys(in: "a schedule")
        guard let zone else {
            // An unknown zone has had its error; say nothing more about it.
            if namedZone == nil, !flowNamesZone {
                context.report(
                    .error(
                        .missingKey,
                        "this schedule has no time zone",
                        hint: "add `zone: Europe/Amsterdam` (an IANA name), or `time_zone:` at the top of the flow",
                        at: reader.location
                    )
                )
            }
            return nil
        }
        return Schedule(zone: zone, weekly: weekly, closedDates: Set(closed), location: reader.location)
    }

    static func readZone(_ name: Located<String>, context: LoadContext) -> TimeZone? {
        if let zone = TimeZone(identifier: name.value) { return zone }
        let known = TimeZone.knownTimeZoneIdentifiers
        context.report(
            .error(
                .invalidValue,
                "unknown time zone '\(name.value)'",
                hint: Suggestion.closest(to: name.value, among: known).map { "did you mean '\($0)'?" }
                    ?? "use an IANA name such as Europe/Amsterdam or America/Sao_Paulo",
                at: name.location
            )
        )
        return nil
    }

    /// `mon`, `mon-fri`, `sat,sun`, `daily`.
    private static func readDays(_ key: Located<String>, context: LoadContext) -> [Int]? {
        let text = key.value.lowercased().replacingOccurrences(of: " ", with: "")
        if text == "daily" { return Array(1...7) }
        var days: [Int] = []
        for part in text.split(separator: ",") {
            let ends = part.split(separator: "-").map(String.init)
            guard (1...2).contains(ends.count), let first = weekdays[ends[0]], let last = ends.last.flatMap({ weekdays[$0] }),
                first <= last
            else {
                context.report(
                    .error(
                        .invalidValue,
                        "'\(key.value)' is not a day or range of days",
                        hint: "write mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, a list like sat,sun, or daily",
                        at: key.location
                    )
                )
                return nil
            }
            days += Array(first...last)
        }
        return days
    }

    /// `"09:00-17:30"` or `closed`.
    private static func readSpans(_ node: Yams.Node, context: LoadContext) -> [Span]? {
        guard let text = context.string(node, "opening hours") else { return nil }
        if text.value.lowercased() == "closed" { return [] }
        let minutes = text.value.split(separator: "-").map { part -> Int? in
            let clock = part.trimmingCharacters(in: .whitespaces).split(separator: ":")
            guard clock.count == 2, (1...2).contains(clock[0].count), clock[1].count == 2,
                clock.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
                let hour = Int(clock[0]), let minute = Int(clock[1]),
                (0...24).contains(hour), (0..<60).contains(minute), hour * 60 + minute <= 1440
            else { return nil }
            return hour * 60 + minute
        }
        guard minutes.count == 2, let start = minutes[0], let end = minutes[1], start < end else {
            context.report(
                .error(
                    .invalidValue,
                    "'\(text.value)' is not a span of opening hours",
                    hint: "write HH:MM-HH:MM on a 24-hour clock, e.g. \"09:00-17:30\" (quoted), or closed",
                    at: text.location
                )
            )
            return nil
        }
        return [Span(start: start, end: end)]
    }
}
